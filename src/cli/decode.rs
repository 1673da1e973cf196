//! Bytes of saved Windows command output into text, before any parser sees them: UTF-8 (with or
//! without BOM), UTF-16LE/BE with a BOM (PowerShell `>` redirection, `icacls /save` files),
//! UTF-16LE without a BOM when every other byte is zero, and otherwise a legacy code page: the one
//! `--encoding` names, or the one whose reading of the bytes looks most like text (with a warning
//! naming it). cmd.exe writes in the console's OEM code page (CP437/850/852/866, GBK, Shift_JIS,
//! ...): oem_cp decodes the DOS pages, encoding_rs the Windows and East Asian ones.

use encoding_rs::Encoding;

/// Decoded input text and, when something was lost or guessed, a warning for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    pub warning: Option<String>,
}

/// A legacy code page sacdoc can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodePage {
    /// A DOS (OEM) code page decoded by oem_cp: 437, 850, 852, 866, ...
    Oem(u16),
    /// A Windows or East Asian code page decoded by encoding_rs.
    Whatwg(&'static Encoding),
}

impl CodePage {
    /// `cp850`, `850`, `ibm850`, `oem850`, `windows-1252`, `cp936`/`gbk`, `shift_jis`, ...
    pub fn from_name(name: &str) -> Option<CodePage> {
        let n = name.trim().to_ascii_lowercase();
        let digits =
            n.trim_start_matches(|c: char| c.is_ascii_alphabetic() || c == '-' || c == '_');
        if let Ok(number) = digits.parse::<u16>() {
            if let Some(cp) = CodePage::from_number(number) {
                return Some(cp);
            }
        }
        Encoding::for_label(n.as_bytes()).map(CodePage::Whatwg)
    }

    /// A Windows code page number (`chcp` shows it).
    pub fn from_number(number: u16) -> Option<CodePage> {
        let label = match number {
            932 => "shift_jis",
            936 => "gbk",
            949 => "euc-kr",
            950 => "big5",
            1250..=1258 => {
                return Encoding::for_label(format!("windows-{number}").as_bytes())
                    .map(CodePage::Whatwg)
            }
            65001 => "utf-8",
            n if oem_cp::code_table::DECODING_TABLE_CP_MAP.get(&n).is_some() => {
                return Some(CodePage::Oem(n))
            }
            _ => return None,
        };
        Encoding::for_label(label.as_bytes()).map(CodePage::Whatwg)
    }

    /// Whether text in this code page can be cut into lines before it is decoded: ASCII bytes
    /// mean ASCII characters and CR/LF never occur inside a character (every OEM page, the
    /// Windows pages, GBK, Shift_JIS, EUC-KR, Big5; not UTF-16 or ISO-2022-JP).
    pub fn line_safe(self) -> bool {
        match self {
            CodePage::Oem(_) => true,
            CodePage::Whatwg(e) => e.is_ascii_compatible(),
        }
    }

    /// The name shown in warnings.
    pub fn name(self) -> String {
        match self {
            CodePage::Oem(n) => format!("CP{n}"),
            CodePage::Whatwg(e) => e.name().to_string(),
        }
    }

    /// The text, or `None` when the bytes are not valid in this code page.
    pub fn decode(self, bytes: &[u8]) -> Option<String> {
        match self {
            CodePage::Oem(n) => {
                oem_cp::code_table::DECODING_TABLE_CP_MAP.get(&n)?.decode_string_checked(bytes)
            }
            CodePage::Whatwg(e) => {
                e.decode_without_bom_handling_and_without_replacement(bytes).map(|c| c.into_owned())
            }
        }
    }
}

/// The code pages tried, in order of preference on a tie, when the input is not UTF-8 and no
/// `--encoding` was given: the OEM pages of Western and Central European Windows and the Western
/// ANSI page. Cyrillic and East Asian pages are not guessed (short samples cannot tell them from
/// these reliably): `--encoding` names them, and the warning says so.
const GUESSES: &[u16] = &[850, 437, 852, 1252];

/// [`decode`] taking the bytes, so valid UTF-8 (the usual case) becomes the text without a copy.
pub fn decode_owned(bytes: Vec<u8>, encoding: Option<CodePage>) -> Decoded {
    let plain = encoding.is_none()
        && !bytes.starts_with(&[0xEF, 0xBB, 0xBF])
        && !bytes.starts_with(&[0xFF, 0xFE])
        && !bytes.starts_with(&[0xFE, 0xFF])
        && !looks_utf16le(&bytes);
    if plain {
        return match String::from_utf8(bytes) {
            Ok(text) => Decoded { text, warning: None },
            Err(e) => decode(e.as_bytes(), None),
        };
    }
    decode(&bytes, encoding)
}

/// Decodes command output bytes (see the module documentation for the rules).
pub fn decode(bytes: &[u8], encoding: Option<CodePage>) -> Decoded {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return utf8_or(rest, encoding);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, u16::from_be_bytes);
    }
    if looks_utf16le(bytes) {
        let mut d = utf16(bytes, u16::from_le_bytes);
        d.warning.get_or_insert_with(|| "read as UTF-16LE without a byte-order mark".to_string());
        return d;
    }
    utf8_or(bytes, encoding)
}

/// UTF-8 unless a code page was named, else the likeliest code page.
fn utf8_or(bytes: &[u8], encoding: Option<CodePage>) -> Decoded {
    if let Some(cp) = encoding {
        return match cp.decode(bytes) {
            Some(text) => Decoded { text, warning: None },
            None => Decoded {
                text: String::from_utf8_lossy(bytes).into_owned(),
                warning: Some(format!(
                    "the input is not valid {}; decoded as UTF-8 with U+FFFD for bad bytes",
                    cp.name()
                )),
            },
        };
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Decoded { text: s.to_string(), warning: None };
    }
    // On a tie the earlier (commoner) page wins: `max_by_key` keeps the last of equals.
    let best = GUESSES
        .iter()
        .rev()
        .filter_map(|n| CodePage::from_number(*n))
        .filter_map(|cp| cp.decode(bytes).map(|t| (textiness(&t), cp, t)))
        .max_by_key(|(score, _, _)| *score);
    match best {
        Some((_, cp, text)) => Decoded {
            text,
            warning: Some(format!(
                "not UTF-8 or UTF-16: read as {} (a guess among the Western code pages); give \
                 --encoding CP if it is another (cp866 for Russian, gbk, shift_jis, euc-kr, big5, \
                 cp852, ...)",
                cp.name()
            )),
        },
        None => Decoded {
            text: String::from_utf8_lossy(bytes).into_owned(),
            warning: Some(
                "not valid UTF-8 or any known code page; decoded lossily with U+FFFD for bad \
                 bytes. Save the output as UTF-8 (chcp 65001) or UTF-16 to keep them"
                    .into(),
            ),
        },
    }
}

/// How much a decoding looks like command output: a letter inside a word of ASCII letters (the
/// Ö of `ABHÖREN`) counts for it; box drawing, arrows, symbols and control characters (what a
/// wrong code page turns letters into) count against it.
fn textiness(text: &str) -> i64 {
    let chars: Vec<char> = text.chars().collect();
    let ascii_letter = |i: Option<&char>| i.is_some_and(char::is_ascii_alphabetic);
    (0..chars.len())
        .filter(|&i| !chars[i].is_ascii())
        .map(|i| match chars[i] {
            '\u{2500}'..='\u{25FF}' | '\u{2190}'..='\u{21FF}' | '\u{2122}' => -3,
            c if c.is_control() => -3,
            c if c.is_alphabetic() => {
                let inside = ascii_letter(i.checked_sub(1).and_then(|p| chars.get(p)))
                    || ascii_letter(chars.get(i + 1));
                if inside {
                    2
                } else {
                    1
                }
            }
            _ => -1,
        })
        .sum()
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Decoded {
    let units: Vec<u16> = bytes.chunks_exact(2).map(|c| unit([c[0], c[1]])).collect();
    let text: String = char::decode_utf16(units.iter().copied())
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    let mut warning = None;
    if bytes.len() % 2 == 1 {
        warning = Some("UTF-16 input has an odd number of bytes; the last byte was dropped".into());
    } else if text.contains(char::REPLACEMENT_CHARACTER) {
        warning = Some("UTF-16 input has unpaired surrogates; they are shown as U+FFFD".into());
    }
    Decoded { text, warning }
}

/// UTF-16LE text of mostly ASCII has a zero in (nearly) every odd byte and few in even bytes.
pub fn looks_utf16le(bytes: &[u8]) -> bool {
    if bytes.len() < 4 || bytes.len() % 2 == 1 {
        return false;
    }
    let pairs = bytes.len() / 2;
    let odd_zero = bytes.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
    let even_zero = bytes.iter().step_by(2).filter(|b| **b == 0).count();
    odd_zero * 10 >= pairs * 9 && even_zero * 10 < pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_boms_and_plain_utf16() {
        assert_eq!(decode(b"\xEF\xBB\xBFab", None).text, "ab");
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("Ä:1".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(&le, None), Decoded { text: "Ä:1".into(), warning: None });
        let be: Vec<u8> =
            [0xFE, 0xFF].into_iter().chain("x".encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(decode(&be, None).text, "x");
        let bare: Vec<u8> = "TCP 1".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let d = decode(&bare, None);
        assert_eq!(d.text, "TCP 1");
        assert!(d.warning.is_some());
    }

    #[test]
    fn german_netstat_in_cp850_reads_right_with_a_warning() {
        // `netstat -an` on a German Windows, saved from cmd.exe in CP850: Ö is 0x99 there.
        let bytes = b"  TCP    0.0.0.0:3389           0.0.0.0:0              ABH\x99REN\r\n";
        let d = decode(bytes, None);
        assert!(d.text.contains("ABHÖREN"), "{:?}", d.text);
        assert!(d.warning.as_deref().is_some_and(|w| w.contains("CP850")), "{:?}", d.warning);
        assert!(decode(bytes, CodePage::from_name("cp850")).text.contains("ABHÖREN"));
    }

    #[test]
    fn russian_cp866_and_chinese_gbk_are_read() {
        // "ПРОСЛУШИВАНИЕ" (LISTENING) in CP866 and "侦听" in GBK.
        let ru = [0x8F, 0x90, 0x8E, 0x91, 0x8B, 0x93, 0x98, 0x88, 0x82, 0x80, 0x8D, 0x88, 0x85];
        let d = decode(&ru, CodePage::from_name("866"));
        assert_eq!(d.text, "ПРОСЛУШИВАНИЕ");
        let zh = [0xD5, 0xEC, 0xCC, 0xFD];
        assert_eq!(decode(&zh, CodePage::from_name("cp936")).text, "侦听");
        // Not guessed: the warning says how to name it.
        let guessed = decode(&zh, None);
        assert!(guessed.warning.as_deref().is_some_and(|w| w.contains("gbk")), "{guessed:?}");
    }

    #[test]
    fn names_and_numbers() {
        assert_eq!(CodePage::from_name("CP850"), Some(CodePage::Oem(850)));
        assert_eq!(CodePage::from_name("ibm437"), Some(CodePage::Oem(437)));
        assert_eq!(
            CodePage::from_name("shift_jis").map(CodePage::name).as_deref(),
            Some("Shift_JIS")
        );
        assert_eq!(
            CodePage::from_name("windows-1252").map(CodePage::name).as_deref(),
            Some("windows-1252")
        );
        assert!(CodePage::from_name("klingon").is_none());
    }
}
