//! The line-settings dialog (tio's and PuTTY's "change settings"): one line of text in the way
//! terminal programs print settings, `115200 8N1 flow none`, prefilled with the link's current
//! ones and checked before anything is sent.

use crate::transport::serial::{Flow, Parity, SerialSettings};

/// The dialog's state: what is typed, and why the last Enter was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineForm {
    pub text: String,
    pub error: Option<String>,
}

impl LineForm {
    /// A form holding `current` as text.
    pub fn new(current: &SerialSettings) -> LineForm {
        LineForm { text: current.to_string(), error: None }
    }
}

/// Parses `BAUD DPS [flow] [FLOW]`: `9600 7E1`, `115200 8N1 flow hardware`, `57600 8n2 rtscts`.
/// Flow control left out means none. Every value is checked as a serial line would take it.
pub fn parse(text: &str) -> Result<SerialSettings, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let (baud, frame, rest) = match words.as_slice() {
        [baud, frame, rest @ ..] => (*baud, *frame, rest),
        _ => return Err("write it as BAUD DPS [flow FLOW], e.g. 115200 8N1 flow none".into()),
    };
    let baud: u32 = baud
        .parse()
        .ok()
        .filter(|b| *b > 0)
        .ok_or_else(|| format!("{baud:?} is not a baud rate (e.g. 9600, 115200)"))?;
    let f: Vec<char> = frame.chars().collect();
    let [d, p, s] = f.as_slice() else {
        return Err(format!("{frame:?} is not data bits, parity, stop bits (e.g. 8N1, 7E1)"));
    };
    let data_bits = d.to_digit(10).map_or(0, |n| n as u8);
    let parity = Parity::parse(&p.to_string())
        .ok_or_else(|| format!("parity {p:?}: use N (none), O (odd) or E (even)"))?;
    let stop_bits = s.to_digit(10).map_or(0, |n| n as u8);
    let flow = match rest {
        [] => Flow::None,
        ["flow", f] | [f] => {
            Flow::parse(f).ok_or_else(|| format!("flow {f:?}: use none, software or hardware"))?
        }
        _ => return Err("after DPS only flow none|software|hardware may follow".into()),
    };
    let settings = SerialSettings { baud, parity, data_bits, stop_bits, flow };
    settings.validate().map_err(|e| e.to_string())?;
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_it_prints_and_the_usual_shorthands() {
        let s = SerialSettings::default();
        assert_eq!(parse(&LineForm::new(&s).text), Ok(s));
        let t = parse("9600 7e2 rtscts").unwrap();
        assert_eq!(
            t,
            SerialSettings {
                baud: 9600,
                parity: Parity::Even,
                data_bits: 7,
                stop_bits: 2,
                flow: Flow::Hardware
            }
        );
        assert_eq!(t.to_string(), "9600 7E2 flow hardware");
    }

    #[test]
    fn refuses_impossible_values_with_the_reason() {
        assert!(parse("fast 8N1").unwrap_err().contains("baud rate"));
        assert!(parse("0 8N1").unwrap_err().contains("baud rate"));
        assert!(parse("9600 9N1").unwrap_err().contains("9 data bits"));
        assert!(parse("9600 8X1").unwrap_err().contains("parity"));
        assert!(parse("9600 8N3").unwrap_err().contains("3 stop bits"));
        assert!(parse("9600 8N1 flow maybe").unwrap_err().contains("flow"));
        assert!(parse("9600").is_err());
    }
}
