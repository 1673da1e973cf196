//! Text helpers for evidence. Command output itself is read by the parsers of `sacdoc_parse`
//! (structure, not English words), one implementation for every display language.

/// The output trimmed to at most `max` lines, for evidence.
pub fn head(text: &str, max: usize) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).filter(|l| !l.is_empty()).collect();
    let mut s = lines.iter().take(max).copied().collect::<Vec<_>>().join("\n");
    if lines.len() > max {
        s.push_str(&format!("\n... ({} more lines)", lines.len() - max));
    }
    s
}
