//! Helpers shared by the `parse_*` tests (and `cli_parse`): fixture loading, the line-accounting
//! invariant every parser keeps, the simulator as a source of output, and the property-test
//! generators (text made of lines, real captures with random edits).
#![allow(dead_code)]

use std::collections::BTreeSet;

use proptest::prelude::*;
use sacdoc_parse::{text, Unparsed};

/// Reads `tests/fixtures/parse/{kind}/{name}`, panicking with the path if it is missing.
fn read(kind: &str, name: &str) -> String {
    let path = format!("{}/tests/fixtures/parse/{kind}/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A fixture without its `#| source` header lines, every line ended by `eol` (so a capture's own
/// line ends, and a missing last one, do not matter).
pub fn fixture_with_eol(kind: &str, name: &str, eol: &str) -> String {
    let raw = read(kind, name);
    raw.lines().skip_while(|l| l.starts_with("#|")).map(|l| format!("{l}{eol}")).collect()
}

/// A fixture without its `#| source` header lines, lines ended by `\n`.
pub fn fixture(kind: &str, name: &str) -> String {
    fixture_with_eol(kind, name, "\n")
}

/// A fixture without its `#| source` header lines, the rest byte for byte as published (line
/// ends and a missing final line end included).
pub fn fixture_raw(kind: &str, name: &str) -> String {
    strip_header(&read(kind, name))
}

/// Drops the leading `#| ` source lines a fixture starts with.
pub fn strip_header(raw: &str) -> String {
    let mut rest = raw;
    while rest.starts_with("#|") {
        rest = rest.split_once('\n').map(|(_, r)| r).unwrap_or("");
    }
    rest.to_string()
}

/// The accounting invariant: every non-blank physical line is either consumed by the grammar or
/// quoted verbatim (with its number) in `unparsed`, never both, never neither; blank lines are in
/// neither list, and no list names a line the input does not have.
pub fn assert_accounted(input: &str, consumed: &[usize], unparsed: &[Unparsed]) {
    let lines = text::lines(input);
    let c: BTreeSet<usize> = consumed.iter().copied().collect();
    assert_eq!(c.len(), consumed.len(), "consumed lines repeat");
    let mut u = BTreeSet::new();
    for x in unparsed {
        assert!(u.insert(x.line), "line {} unparsed twice", x.line);
    }
    for l in &lines {
        let (ic, iu) = (c.contains(&l.number), u.contains(&l.number));
        if l.is_blank() {
            assert!(!ic && !iu, "blank line {} accounted", l.number);
        } else {
            assert!(ic ^ iu, "line {} {:?}: consumed={ic} unparsed={iu}", l.number, l.text);
        }
        if iu {
            let t = unparsed.iter().find(|x| x.line == l.number).map(|x| x.text.as_str());
            assert_eq!(t, Some(l.text), "unparsed text of line {}", l.number);
        }
    }
    let nonblank: Vec<usize> = lines.iter().filter(|l| !l.is_blank()).map(|l| l.number).collect();
    let mut all: Vec<usize> = consumed.to_vec();
    all.extend(unparsed.iter().map(|x| x.line));
    all.sort_unstable();
    assert_eq!(all, nonblank, "input: {input:?}");
}

/// Runs `cmd` at a cmd prompt of the booted simulator in `scenario` and returns its output.
pub fn sim_output(scenario: &str, cmd: &str) -> String {
    use sacdoc_sim::machine::{load_scenario, Machine, ShellState};
    let sc = load_scenario(scenario).unwrap_or_else(|e| panic!("scenario {scenario}: {e}"));
    let mut m = Machine::new(&sc);
    m.boot();
    m.exec(&mut ShellState::default(), cmd).output
}

/// Up to 40 lines drawn from `line`, each ended by `\n`, `\r\n` or a stray `\r`.
pub fn lines_text(line: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    let ends = prop::collection::vec(prop_oneof![Just("\n"), Just("\r\n"), Just("\r")], 40);
    (prop::collection::vec(line, 0..40), ends).prop_map(|(lines, ends)| {
        lines.iter().zip(ends.iter().cycle()).map(|(l, e)| format!("{l}{e}")).collect()
    })
}

/// One of `bases` (real captures) with random edits: deletions, insertions of arbitrary text,
/// character swaps.
pub fn mutated(bases: Vec<String>) -> impl Strategy<Value = String> {
    (
        0..bases.len(),
        prop::collection::vec((any::<u16>(), any::<u16>(), any::<String>(), 0u8..3), 0..12),
    )
        .prop_map(move |(i, edits)| mutate(&bases[i], edits))
}

/// Applies `edits` (position, length or other position, inserted text, kind) to `base`.
fn mutate(base: &str, edits: Vec<(u16, u16, String, u8)>) -> String {
    let mut s: Vec<char> = base.chars().collect();
    for (a, b, ins, kind) in edits {
        if s.is_empty() {
            s.extend(ins.chars());
            continue;
        }
        let at = a as usize % s.len();
        match kind {
            0 => {
                let end = (at + b as usize % 64).min(s.len());
                s.drain(at..end);
            }
            1 => {
                let tail = s.split_off(at);
                s.extend(ins.chars());
                s.extend(tail);
            }
            _ => {
                let other = b as usize % s.len();
                s.swap(at, other);
            }
        }
    }
    s.into_iter().collect()
}
