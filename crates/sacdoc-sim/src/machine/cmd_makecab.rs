//! `makecab [/V[n]] [/D var=value ...] [/L dir] source [destination]`: one file into a cabinet
//! (syntax as documented, e.g. https://ss64.com/nt/makecab.html). A client runner compresses a
//! big spool with it before sending it over the serial line as base64.
//!
//! The cabinet is a real one (one folder, one file named as the source, MSZIP: makecab's default
//! `CompressionType`), written with the `cab` crate, so what a client decodes is what real
//! cabinet readers read. `CompressionType=LZX` and `Quantum` are not simulated: asking for them
//! is an error here, not a silent MSZIP.

use std::io::{Cursor, Write as _};

use super::command::{Ctx, Out};

// GUESS: the banner and the progress line makecab prints; clients send them to nul.
const BANNER: &str = "Cabinet Maker - Lossless Data Compression Tool\r\n\r\n";

pub fn makecab(ctx: &mut Ctx, args: &[String]) -> Out {
    let mut dir: Option<String> = None;
    let mut names: Vec<&String> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let lower = a.to_ascii_lowercase();
        if lower == "/l" {
            dir = it.next().cloned();
        } else if lower == "/d" {
            let Some(def) = it.next() else { return usage() };
            let (var, value) = def.split_once('=').unwrap_or((def, ""));
            if var.eq_ignore_ascii_case("CompressionType") && !value.eq_ignore_ascii_case("MSZIP") {
                // GUESS: how makecab words a setting the simulator does not offer.
                return Out::stderr(
                    format!("ERROR: the simulator's makecab writes MSZIP only, not {value}\r\n"),
                    1,
                );
            }
        } else if lower.starts_with("/v") {
        } else if lower.starts_with('/') {
            return usage();
        } else {
            names.push(a);
        }
    }
    let (source, dest) = match names.as_slice() {
        [s] => (*s, underscored(s)),
        [s, d] => (*s, (*d).clone()),
        _ => return usage(),
    };
    let Some(bytes) = ctx.st.fs.read_file(&ctx.path(source)) else {
        // GUESS: the wording of a missing source.
        return Out::stderr(format!("ERROR: Could not find file: {source}\r\n"), 1);
    };
    let target = match &dir {
        Some(d) => format!("{}\\{}", d.trim_end_matches('\\'), dest),
        None => dest.clone(),
    };
    let inner = source.rsplit(['\\', '/']).next().unwrap_or(source).to_string();
    let cabinet = match build(&inner, &bytes) {
        Ok(c) => c,
        Err(e) => return Out::stderr(format!("ERROR: {e}\r\n"), 1),
    };
    let path = ctx.path(&target);
    if let Err(e) = ctx.st.fs.write_file(&path, &cabinet, false) {
        return Out::stderr(format!("ERROR: Could not create cabinet file: {e}\r\n"), 1);
    }
    let mut o = Out::stdout(format!("{BANNER}100.00% [flushing current folder]\r\n"), 0);
    o.delay_ms = ctx.st.quirks.makecab_ms;
    o
}

/// The destination makecab picks without one: the source's last character replaced by `_`.
fn underscored(source: &str) -> String {
    let name = source.rsplit(['\\', '/']).next().unwrap_or(source);
    let mut s: String = name.to_string();
    s.pop();
    s.push('_');
    s
}

fn usage() -> Out {
    Out::stdout(
        format!("{BANNER}MAKECAB [/V[n]] [/D var=value ...] [/L dir] source [destination]\r\n"),
        1,
    )
}

/// A cabinet of one MSZIP folder holding `bytes` as `name`.
pub fn build(name: &str, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut builder = cab::CabinetBuilder::new();
    builder.add_folder(cab::CompressionType::MsZip).add_file(name);
    let mut writer = builder.build(Cursor::new(Vec::new()))?;
    while let Some(mut file) = writer.next_file()? {
        file.write_all(bytes)?;
    }
    Ok(writer.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    #[test]
    fn a_cabinet_reads_back_whole() {
        let text: Vec<u8> =
            (0..200_000u32).flat_map(|i| format!("TCP {i}\r\n").into_bytes()).collect();
        let cab = super::build("sd1.txt", &text).expect("build");
        assert_eq!(&cab[..4], b"MSCF");
        assert!(cab.len() < text.len() / 3, "{} of {}", cab.len(), text.len());
        let mut c = cab::Cabinet::new(std::io::Cursor::new(cab)).expect("cabinet");
        let mut back = Vec::new();
        c.read_file("sd1.txt").expect("file").read_to_end(&mut back).expect("read");
        assert_eq!(back, text);
    }

    #[test]
    fn the_default_destination_ends_in_an_underscore() {
        assert_eq!(super::underscored("C:\\x\\report.txt"), "report.tx_");
    }
}
