//! A target's text as a file or folder name that is valid on every system sacdoc runs on: the
//! per-target state folder and the transcript names are made from it.

/// Windows' reserved device names: a file or folder named so (in any case, with or without an
/// extension) opens the device instead, so `targets\COM3` cannot be created on Windows.
const RESERVED: [&str; 4] = ["CON", "PRN", "AUX", "NUL"];

/// `target` with every character other than ASCII letters, digits, `-` and `.` replaced by `_`,
/// cut to `max` characters; a Windows device name (`COM3`, `nul.txt`) and a trailing dot (which
/// Windows drops) get a `_` so that the name means the same file everywhere.
pub fn file_key(target: &str, max: usize) -> String {
    let mut key: String = target
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' })
        .take(max)
        .collect();
    if key.is_empty() {
        key.push('_');
    }
    let stem = key.split('.').next().unwrap_or("").to_ascii_uppercase();
    let numbered = |prefix: &str| {
        stem.strip_prefix(prefix)
            .is_some_and(|n| n.len() == 1 && n.bytes().all(|b| (b'1'..=b'9').contains(&b)))
    };
    if RESERVED.contains(&stem.as_str()) || numbered("COM") || numbered("LPT") || key.ends_with('.')
    {
        key.push('_');
    }
    key
}

#[cfg(test)]
mod tests {
    use super::file_key;

    #[test]
    fn device_names_and_trailing_dots_are_made_safe() {
        assert_eq!(file_key("COM3", 60), "COM3_");
        assert_eq!(file_key("com1", 60), "com1_");
        assert_eq!(file_key("nul.txt", 60), "nul.txt_");
        assert_eq!(file_key("LPT9", 60), "LPT9_");
        assert_eq!(file_key("COM10", 60), "COM10");
        assert_eq!(file_key("COM0", 60), "COM0");
        assert_eq!(file_key("CONSOLE", 60), "CONSOLE");
        assert_eq!(file_key("host.", 60), "host._");
        assert_eq!(file_key("", 60), "_");
    }

    #[test]
    fn other_characters_become_underscores_and_the_length_is_capped() {
        assert_eq!(file_key("tcp://127.0.0.1:2323", 60), "tcp___127.0.0.1_2323");
        assert_eq!(file_key(r"pipe:\\.\pipe\vm1", 60), "pipe___._pipe_vm1");
        assert_eq!(file_key("/dev/ttyS0", 60), "_dev_ttyS0");
        assert_eq!(file_key(&"x".repeat(100), 60).len(), 60);
        assert_eq!(file_key("ünï", 60), "_n_");
    }
}
