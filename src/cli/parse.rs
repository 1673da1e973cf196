//! `sacdoc parse KIND [FILE|-] [--compact|--jsonl]`: saved Windows command output → JSON: one
//! pretty document (default), one compact document (`--compact`), or one record per line
//! (`--jsonl`: `{"connections": {...}}`, `{"unparsed": {...}}`, ... one field element a line).
//!
//! `netstat` output is read and written as a stream: the input in chunks, each connection
//! written as soon as its owner lines are read, so memory stays a small multiple of one record
//! whatever the input size (a 50 MB capture does not become 700 MB of records). The other kinds
//! are parsed whole, their outputs being small.
//!
//! Input bytes are decoded before any parser sees them ([`super::decode`]): UTF-8, UTF-16 with or
//! without a BOM, or a legacy code page (`--encoding`, else a guessed Western page, with a
//! warning on stderr naming it). With `--encoding` netstat is still streamed, each line decoded
//! in that code page, unless the page cannot be cut into lines before decoding (UTF-16,
//! ISO-2022-JP): then it is read whole.

use std::io::{BufWriter, Read, Write};
use std::path::PathBuf;

use anyhow::{bail, Context};

use super::decode::{decode, decode_owned, looks_utf16le, CodePage};
use crate::parse;

/// The kinds of output `sacdoc parse` reads.
pub const KINDS: &[&str] =
    &["netstat", "icacls", "reg", "sc", "tasklist", "bcdedit", "certs", "services", "firewall"];

/// Arguments of `sacdoc parse`.
#[derive(Debug, clap::Args, Default)]
pub struct Args {
    /// What the input is: netstat, icacls, reg, sc, tasklist, bcdedit, certs, services, firewall.
    pub kind: String,
    /// The file to read; `-` or nothing reads standard input.
    pub file: Option<PathBuf>,
    /// One JSON record per line instead of one document: `{"<field>": <element>}` for each
    /// element of each list field (`connections`, `services`, `unparsed`, ...).
    #[arg(long)]
    pub jsonl: bool,
    /// One JSON document without indentation.
    #[arg(long, conflicts_with = "jsonl")]
    pub compact: bool,
    /// The input's legacy code page when it is not UTF-8/UTF-16: cp850, cp437, cp866, gbk,
    /// shift_jis, windows-1252, a number as `chcp` shows it, ... (default: a Western page is
    /// guessed, with a warning).
    #[arg(long, value_name = "CP")]
    pub encoding: Option<String>,
}

/// How the JSON is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Pretty,
    Compact,
    Lines,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let kind = args.kind.trim().to_ascii_lowercase();
    if !KINDS.contains(&kind.as_str()) {
        bail!("unknown kind {:?}; the kinds are: {}", args.kind, KINDS.join(", "));
    }
    let style = match (args.jsonl, args.compact) {
        (true, _) => Style::Lines,
        (_, true) => Style::Compact,
        _ => Style::Pretty,
    };
    let encoding = match &args.encoding {
        None => None,
        Some(e) => Some(CodePage::from_name(e).with_context(|| {
            format!(
                "--encoding {e:?} is not a code page sacdoc knows: try cp850, cp437, cp866, gbk, \
                 shift_jis, windows-1252"
            )
        })?),
    };
    let mut out = BufWriter::with_capacity(1 << 16, super::output::stdout());
    if kind == "netstat" && encoding.is_none_or(CodePage::line_safe) {
        let (reader, name) = open_input(args.file.as_ref())?;
        stream_netstat(reader, &name, encoding, style, &mut out)?;
    } else {
        let (bytes, name) = read_input(args.file.as_ref())?;
        let decoded = decode_owned(bytes, encoding);
        if let Some(w) = &decoded.warning {
            super::output::warn(&format!("{name}: {w}"));
        }
        write_kind(&kind, &decoded.text, style, &mut out)?;
    }
    out.flush().context("cannot write the JSON")?;
    Ok(0)
}

fn open_input(file: Option<&PathBuf>) -> anyhow::Result<(Box<dyn Read>, String)> {
    match file {
        Some(p) if p.as_os_str() != "-" => {
            let f = std::fs::File::open(p).with_context(|| {
                format!(
                    "cannot read {}: give a readable file, or - for standard input",
                    p.display()
                )
            })?;
            Ok((Box::new(f), p.display().to_string()))
        }
        _ => Ok((Box::new(std::io::stdin()), "standard input".to_string())),
    }
}

/// Parses `text` as `kind` and writes it in `style`.
pub fn write_kind(kind: &str, text: &str, style: Style, w: &mut impl Write) -> anyhow::Result<()> {
    if style == Style::Pretty {
        writeln!(w, "{}", to_json(kind, text)?).context("cannot write the JSON")?;
        return Ok(());
    }
    let value = match kind {
        "netstat" => serde_json::to_value(parse::netstat::parse(text)),
        "icacls" => serde_json::to_value(parse::icacls::parse(text)),
        "reg" => serde_json::to_value(parse::reg::parse(text)),
        "sc" => serde_json::to_value(parse::sc::parse(text)),
        "tasklist" => serde_json::to_value(parse::tasklist::parse(text)),
        "bcdedit" => serde_json::to_value(parse::bcdedit::parse(text)),
        "certs" => serde_json::to_value(parse::certs::parse(text)),
        "services" => serde_json::to_value(parse::services::parse(text)),
        "firewall" => serde_json::to_value(parse::firewall::parse(text)),
        other => bail!("unknown kind {other:?}; the kinds are: {}", KINDS.join(", ")),
    }
    .context("cannot render the result as JSON")?;
    match style {
        Style::Compact => {
            serde_json::to_writer(&mut *w, &value)?;
            writeln!(w)?;
        }
        _ => {
            if let serde_json::Value::Object(fields) = value {
                for (name, v) in fields {
                    match v {
                        serde_json::Value::Array(items) => {
                            for item in items {
                                json_line(w, &name, &item)?;
                            }
                        }
                        serde_json::Value::Null => {}
                        other => json_line(w, &name, &other)?,
                    }
                }
            }
        }
    }
    Ok(())
}

/// `{"<name>":<value>}` and a line break.
fn json_line(w: &mut impl Write, name: &str, value: &impl serde::Serialize) -> anyhow::Result<()> {
    w.write_all(b"{")?;
    serde_json::to_writer(&mut *w, name)?;
    w.write_all(b":")?;
    serde_json::to_writer(&mut *w, value)?;
    w.write_all(b"}\n")?;
    Ok(())
}

/// Writes `value` pretty, as if it stood `depth` levels deep in a pretty document: serde_json's
/// layout (two spaces a level) written straight to `w`, with no copy to indent afterwards.
fn pretty_nested(
    w: &mut impl Write,
    depth: usize,
    value: &impl serde::Serialize,
) -> std::io::Result<()> {
    let mut ser =
        serde_json::Serializer::with_formatter(w, NestedPretty { depth, has_value: false });
    value.serialize(&mut ser).map_err(std::io::Error::other)
}

/// A comma, a line break and 64 spaces: the bytes between two values of a pretty document.
const BREAK: &[u8] = b",\n                                                                ";

/// serde_json's `PrettyFormatter`, starting `depth` levels in (it always starts at the left).
struct NestedPretty {
    depth: usize,
    has_value: bool,
}

impl NestedPretty {
    /// `,` (unless `first`), a line break and the indentation, in one write where it fits.
    fn line_break<W: ?Sized + Write>(&self, w: &mut W, first: bool) -> std::io::Result<()> {
        let from = usize::from(first);
        match BREAK.get(from..2 + self.depth * 2) {
            Some(bytes) => w.write_all(bytes),
            None => {
                w.write_all(&BREAK[from..2])?;
                self.indent(w)
            }
        }
    }

    fn indent<W: ?Sized + Write>(&self, w: &mut W) -> std::io::Result<()> {
        let spaces = &BREAK[2..];
        let mut left = self.depth * 2;
        while left > 0 {
            let n = left.min(spaces.len());
            w.write_all(&spaces[..n])?;
            left -= n;
        }
        Ok(())
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            self.indent(w)?;
        }
        w.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for NestedPretty {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.line_break(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.line_break(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// The netstat sink that writes JSON as the stream reports: connections at once, the rest
/// (title, header, commands, unparsed lines: a handful in real output) at the end.
struct NetstatJson<'w, W: Write> {
    w: &'w mut W,
    style: Style,
    rows: u64,
    title: Option<String>,
    header: Option<String>,
    commands: Vec<parse::Command>,
    unparsed: Vec<parse::Unparsed>,
    error: Option<std::io::Error>,
}

impl<W: Write> NetstatJson<'_, W> {
    fn begin(&mut self) -> std::io::Result<()> {
        match self.style {
            Style::Pretty => self.w.write_all(b"{\n  \"connections\": ["),
            Style::Compact => self.w.write_all(b"{\"connections\":["),
            Style::Lines => Ok(()),
        }
    }

    fn row(&mut self, c: &parse::netstat::Connection) -> std::io::Result<()> {
        match self.style {
            Style::Pretty => {
                self.w.write_all(if self.rows == 0 { b"\n    " } else { b",\n    " })?;
                pretty_nested(self.w, 2, c)
            }
            Style::Compact => {
                if self.rows > 0 {
                    self.w.write_all(b",")?;
                }
                serde_json::to_writer(&mut *self.w, c).map_err(std::io::Error::other)
            }
            Style::Lines => json_line(self.w, "connections", c).map_err(std::io::Error::other),
        }
    }

    fn end(&mut self, last_line: usize) -> anyhow::Result<()> {
        if let Some(e) = self.error.take() {
            return Err(e).context("cannot write the JSON");
        }
        self.unparsed.sort_by_key(|u| u.line);
        let runs = parse::prompt::runs_of(&self.commands, last_line);
        let w = &mut *self.w;
        let pretty = self.style == Style::Pretty;
        match self.style {
            Style::Lines => {
                if let Some(t) = &self.title {
                    json_line(w, "title", t)?;
                }
                if let Some(h) = &self.header {
                    json_line(w, "header", h)?;
                }
                for c in &self.commands {
                    json_line(w, "commands", c)?;
                }
                for r in &runs {
                    json_line(w, "runs", r)?;
                }
                for u in &self.unparsed {
                    json_line(w, "unparsed", u)?;
                }
                return Ok(());
            }
            Style::Pretty if self.rows > 0 => w.write_all(b"\n  ]")?,
            _ => w.write_all(b"]")?,
        }
        let field = |w: &mut W, name: &str, value: &dyn erased::Ser| -> anyhow::Result<()> {
            if pretty {
                write!(w, ",\n  \"{name}\": ")?;
                value.pretty(w)?;
            } else {
                write!(w, ",\"{name}\":")?;
                value.compact(w)?;
            }
            Ok(())
        };
        if let Some(t) = &self.title {
            field(w, "title", t)?;
        }
        if let Some(h) = &self.header {
            field(w, "header", h)?;
        }
        if !self.commands.is_empty() {
            field(w, "commands", &self.commands)?;
        }
        if !runs.is_empty() {
            field(w, "runs", &runs)?;
        }
        field(w, "unparsed", &self.unparsed)?;
        w.write_all(if pretty { b"\n}\n" } else { b"}\n" })?;
        Ok(())
    }
}

/// A serializable value behind `dyn` (the fields written at the end differ in type).
mod erased {
    use std::io::Write;

    pub trait Ser {
        fn pretty(&self, w: &mut dyn Write) -> std::io::Result<()>;
        fn compact(&self, w: &mut dyn Write) -> std::io::Result<()>;
    }

    impl<T: serde::Serialize> Ser for T {
        fn pretty(&self, w: &mut dyn Write) -> std::io::Result<()> {
            super::pretty_nested(&mut &mut *w, 1, self)
        }
        fn compact(&self, w: &mut dyn Write) -> std::io::Result<()> {
            serde_json::to_writer(w, self).map_err(std::io::Error::other)
        }
    }
}

impl<W: Write> parse::netstat::Sink for NetstatJson<'_, W> {
    fn connection(&mut self, c: parse::netstat::Connection) {
        if self.error.is_none() {
            if let Err(e) = self.row(&c) {
                self.error = Some(e);
            }
        }
        self.rows += 1;
    }
    fn title(&mut self, _line: usize, text: &str) {
        self.title.get_or_insert_with(|| text.to_string());
    }
    fn header(&mut self, _line: usize, text: &str) {
        self.header.get_or_insert_with(|| text.to_string());
    }
    fn unparsed(&mut self, u: parse::Unparsed) {
        self.unparsed.push(u);
    }
    fn command(&mut self, c: parse::Command) {
        self.commands.push(c);
    }
}

/// Reads netstat output from `reader` in chunks and writes its JSON as it goes. UTF-16 input
/// (recognised from its first bytes) is decoded whole first; anything else is read as UTF-8
/// line by line, invalid bytes replaced with a warning.
pub fn stream_netstat(
    mut reader: impl Read,
    name: &str,
    encoding: Option<CodePage>,
    style: Style,
    w: &mut impl Write,
) -> anyhow::Result<()> {
    let mut sink = NetstatJson {
        w,
        style,
        rows: 0,
        title: None,
        header: None,
        commands: Vec::new(),
        unparsed: Vec::new(),
        error: None,
    };
    sink.begin().context("cannot write the JSON")?;
    let mut stream = parse::netstat::Stream::new();
    let mut chunk = vec![0u8; 1 << 16];
    let mut first = true;
    let mut splitter = parse::text::LineSplitter::new();
    let mut bad_line: Option<(usize, String)> = None;
    let mut line_no = 0usize;
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot read {name}")),
        };
        if first {
            first = false;
            let head = &chunk[..n];
            if head.starts_with(&[0xFF, 0xFE])
                || head.starts_with(&[0xFE, 0xFF])
                || looks_utf16le(head)
            {
                // UTF-16 (PowerShell redirection): decoded whole, then streamed line by line.
                let mut bytes = head.to_vec();
                reader.read_to_end(&mut bytes).with_context(|| format!("cannot read {name}"))?;
                let decoded = decode_owned(bytes, encoding);
                if let Some(warning) = &decoded.warning {
                    super::output::warn(&format!("{name}: {warning}"));
                }
                for line in parse::text::lines(&decoded.text) {
                    stream.push_line(line.raw, &mut sink);
                }
                let last = stream.line_count();
                stream.finish(&mut sink);
                return sink.end(last);
            }
        }
        splitter.feed(&chunk[..n], |l| {
            line_no += 1;
            push_bytes(&mut stream, &mut sink, l, line_no, encoding, &mut bad_line);
        });
    }
    splitter.finish(|l| {
        line_no += 1;
        push_bytes(&mut stream, &mut sink, l, line_no, encoding, &mut bad_line);
    });
    if let Some((n, warning)) = bad_line {
        super::output::warn(&format!("{name}: line {n} and maybe others: {warning}"));
    }
    let last = stream.line_count();
    stream.finish(&mut sink);
    sink.end(last)
}

fn push_bytes<W: Write>(
    stream: &mut parse::netstat::Stream,
    sink: &mut NetstatJson<'_, W>,
    line: &[u8],
    number: usize,
    encoding: Option<CodePage>,
    bad_line: &mut Option<(usize, String)>,
) {
    if let Some(cp) = encoding {
        // The code page named with --encoding, line by line (see `CodePage::line_safe`).
        match cp.decode(line) {
            Some(text) => stream.push_line(&text, sink),
            None => {
                bad_line.get_or_insert((
                    number,
                    format!("not valid {}; decoded as UTF-8 with U+FFFD for bad bytes", cp.name()),
                ));
                stream.push_line(&String::from_utf8_lossy(line), sink);
            }
        }
        return;
    }
    match std::str::from_utf8(line) {
        Ok(s) => stream.push_line(s, sink),
        Err(_) => {
            // A line in a legacy code page: read as the decoder guesses, and say so once.
            let d = decode(line, None);
            if let Some(w) = d.warning {
                bad_line.get_or_insert((number, w));
            }
            stream.push_line(&d.text, sink);
        }
    }
}

fn read_input(file: Option<&PathBuf>) -> anyhow::Result<(Vec<u8>, String)> {
    let mut bytes = Vec::new();
    match file {
        Some(p) if p.as_os_str() != "-" => {
            let bytes = std::fs::read(p).with_context(|| {
                format!(
                    "cannot read {}: give a readable file, or - for standard input",
                    p.display()
                )
            })?;
            Ok((bytes, p.display().to_string()))
        }
        _ => {
            std::io::stdin().read_to_end(&mut bytes).context("cannot read standard input")?;
            Ok((bytes, "standard input".to_string()))
        }
    }
}

/// Parses `text` as `kind` and renders the result as pretty JSON.
pub fn to_json(kind: &str, text: &str) -> anyhow::Result<String> {
    let json = match kind {
        "netstat" => serde_json::to_string_pretty(&parse::netstat::parse(text)),
        "icacls" => serde_json::to_string_pretty(&parse::icacls::parse(text)),
        "reg" => serde_json::to_string_pretty(&parse::reg::parse(text)),
        "sc" => serde_json::to_string_pretty(&parse::sc::parse(text)),
        "tasklist" => serde_json::to_string_pretty(&parse::tasklist::parse(text)),
        "bcdedit" => serde_json::to_string_pretty(&parse::bcdedit::parse(text)),
        "certs" => serde_json::to_string_pretty(&parse::certs::parse(text)),
        "services" => serde_json::to_string_pretty(&parse::services::parse(text)),
        "firewall" => serde_json::to_string_pretty(&parse::firewall::parse(text)),
        other => bail!("unknown kind {other:?}; the kinds are: {}", KINDS.join(", ")),
    };
    json.context("cannot render the result as JSON")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The streamed netstat JSON is, byte for byte, the document `to_json` renders from the
    /// whole input, in every layout.
    #[test]
    fn streamed_netstat_matches_the_whole_document() {
        let inputs = [
            include_str!(
                "../../crates/sacdoc-parse/tests/fixtures/parse/netstat/en-win10-anob.txt"
            ),
            include_str!("../../crates/sacdoc-parse/tests/fixtures/parse/netstat/fr-abo-names.txt"),
            include_str!(
                "../../crates/sacdoc-parse/tests/fixtures/parse/netstat/en-xp-anvb-chains.txt"
            ),
            "",
            "\r\n",
            "garbage only\n",
        ];
        for input in inputs {
            let whole = format!("{}\n", to_json("netstat", input).expect("json"));
            for chunked in [false, true] {
                let mut out = Vec::new();
                let reader: Box<dyn Read> = if chunked {
                    Box::new(OneByte(input.as_bytes()))
                } else {
                    Box::new(input.as_bytes())
                };
                stream_netstat(reader, "t", None, Style::Pretty, &mut out).expect("stream");
                assert_eq!(String::from_utf8(out).expect("utf-8"), whole);
            }
            let mut out = Vec::new();
            stream_netstat(input.as_bytes(), "t", None, Style::Compact, &mut out).expect("stream");
            let v: serde_json::Value = serde_json::from_slice(&out).expect("one document");
            let w: serde_json::Value = serde_json::from_str(&whole).expect("whole");
            assert_eq!(v, w);
            let mut out = Vec::new();
            stream_netstat(input.as_bytes(), "t", None, Style::Lines, &mut out).expect("stream");
            let rows = String::from_utf8(out)
                .expect("utf-8")
                .lines()
                .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line"))
                .filter(|v| v.get("connections").is_some())
                .count();
            assert_eq!(rows, w["connections"].as_array().map_or(0, Vec::len));
        }
    }

    /// With `--encoding`, netstat in a legacy code page is streamed line by line and reads as
    /// the same capture in UTF-8 (the zh capture encoded in GBK, fed one byte at a time).
    #[test]
    fn streamed_netstat_in_a_named_code_page_matches_utf8() {
        let fixture = include_str!(
            "../../crates/sacdoc-parse/tests/fixtures/parse/netstat/zh-anbo-padded.txt"
        );
        // The capture without its `#|` source lines.
        let text = fixture.split_once("#| ---\n").map_or(fixture, |(_, rest)| rest);
        let whole = format!("{}\n", to_json("netstat", text).expect("json"));
        let gbk = CodePage::from_name("gbk").expect("gbk");
        assert!(gbk.line_safe());
        let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
        assert!(!unmappable);
        assert_ne!(bytes.as_ref(), text.as_bytes(), "the capture has non-ASCII text");
        let mut out = Vec::new();
        let reader = OneByte(bytes.as_ref());
        stream_netstat(reader, "t", Some(gbk), Style::Pretty, &mut out).expect("stream");
        assert_eq!(String::from_utf8(out).expect("utf-8"), whole);
        // UTF-16 cannot be cut into lines before decoding: read whole.
        assert!(!CodePage::from_name("utf-16le").is_some_and(CodePage::line_safe));
    }

    /// A reader handing out one byte at a time (chunk boundaries everywhere).
    struct OneByte<'a>(&'a [u8]);

    impl Read for OneByte<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((b, rest)), Some(slot)) => {
                    *slot = *b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn jsonl_of_other_kinds_is_one_field_element_a_line() {
        let mut out = Vec::new();
        write_kind("reg", "ERROR: x y\r\nERROR: z\r\n", Style::Lines, &mut out).expect("jsonl");
        let text = String::from_utf8(out).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.iter().all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()));
        assert_eq!(lines.iter().filter(|l| l.starts_with("{\"errors\":")).count(), 2);
    }
}
