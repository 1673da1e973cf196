//! Every example in the README and docs/ is a command that works: each one parses with the real
//! command-line definition, and the ones that can run here (the simulator, saved files, commands
//! that connect to nothing) run with the real binary and end with the exit code they promise.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use clap::Parser;

/// The repository's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// One example: where it is and its words (environment assignments first).
#[derive(Debug, Clone)]
struct Example {
    place: String,
    env: Vec<(String, String)>,
    args: Vec<String>,
}

/// The text of a line before a `#` comment that is outside quotes and follows a space.
fn without_comment(line: &str) -> &str {
    let (mut single, mut double) = (false, false);
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && prev == ' ' => return line[..i].trim_end(),
            _ => {}
        }
        prev = c;
    }
    line.trim_end()
}

/// The examples of one Markdown file: lines of fenced or indented code blocks that run sacdoc.
fn examples(file: &Path) -> Vec<Example> {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let mut fenced = false;
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        if raw.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced && !raw.starts_with("    ") {
            continue;
        }
        let Some(words) = shlex::split(without_comment(raw.trim())) else { continue };
        let mut env = Vec::new();
        let mut rest = words.as_slice();
        while let Some((k, v)) = rest.first().and_then(|w| w.split_once('=')) {
            if !k.starts_with("SACDOC_") {
                break;
            }
            env.push((k.to_string(), v.to_string()));
            rest = &rest[1..];
        }
        let args: Vec<String> = match rest {
            [cargo, run, release, dashes, tail @ ..]
                if cargo == "cargo" && run == "run" && release == "--release" && dashes == "--" =>
            {
                tail.to_vec()
            }
            [first, tail @ ..] if first == "sacdoc" || first == "sacdoc.exe" => tail.to_vec(),
            _ => continue,
        };
        // A sample of output ("sacdoc doctor TARGET: 5.1 KB sent ..."), not a command.
        if args.get(1).is_some_and(|w| w.ends_with(':')) {
            continue;
        }
        // The shell's part of the line: redirections and pipes.
        let args: Vec<String> = args
            .into_iter()
            .take_while(|w| !matches!(w.as_str(), ">" | ">>" | "|" | "<"))
            .collect();
        let place = format!("{}:{}", file.display(), n + 1);
        out.push(Example { place, env, args });
    }
    out
}

fn all_examples() -> Vec<Example> {
    let mut files = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/ is there")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files.iter().flat_map(|f| examples(f)).collect()
}

#[test]
fn every_example_parses_with_the_real_command_line() {
    let all = all_examples();
    assert!(all.len() >= 25, "only {} examples found", all.len());
    let mut bad = Vec::new();
    for ex in &all {
        let argv = std::iter::once("sacdoc".to_string()).chain(ex.args.iter().cloned());
        if let Err(e) = sacdoc::cli::Cli::try_parse_from(argv) {
            if !matches!(e.kind(), clap::error::ErrorKind::DisplayHelp) {
                bad.push(format!("{}: sacdoc {}: {e}", ex.place, ex.args.join(" ")));
            }
        }
    }
    assert!(bad.is_empty(), "examples that do not parse:\n{}", bad.join("\n"));
}

/// Whether an example can run here as written, and the exit codes it may end with.
fn runnable(ex: &Example) -> Option<&'static [i32]> {
    let a: Vec<&str> = ex.args.iter().map(String::as_str).collect();
    let sim = a.iter().any(|w| w.starts_with("sim:"));
    match a.as_slice() {
        ["doctor", ..] if a.contains(&"--offline-script") => Some(&[0]),
        // A diagnosis of a simulated VM: 0 when healthy, 1 when it finds the scenario's problem.
        ["doctor", t, ..] if sim && !a.contains(&"--apply") && !t.contains("busy") => Some(&[0, 1]),
        ["run", t, ..] | ["sac", t, ..] if t.starts_with("sim:") && !t.contains("busy") => {
            Some(&[0])
        }
        // Named consoles need a configuration file that names them: parse-checked only.
        ["config"] | ["config", "--example"] | ["config", "--json"] | ["completions", ..] => {
            Some(&[0])
        }
        ["sim", "--list"] => Some(&[0]),
        _ => None,
    }
}

#[test]
fn the_examples_that_can_run_here_do() {
    let state = tempfile::tempdir().unwrap();
    let all: Vec<(Example, &[i32])> =
        all_examples().into_iter().filter_map(|e| runnable(&e).map(|c| (e, c))).collect();
    assert!(all.len() >= 8, "only {} runnable examples", all.len());
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = all
            .iter()
            .map(|(ex, codes)| {
                let state = state.path();
                s.spawn(move || {
                    let out = Command::new(env!("CARGO_BIN_EXE_sacdoc"))
                        .args(&ex.args)
                        .envs(ex.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                        .env("SACDOC_STATE_DIR", state)
                        .env("SACDOC_CONFIG", state.join("none.toml"))
                        .stdin(Stdio::null())
                        .output()
                        .expect("run sacdoc");
                    let code = out.status.code().unwrap_or(-1);
                    (!codes.contains(&code)).then(|| {
                        format!(
                            "{}: sacdoc {} exited {code}: {}",
                            ex.place,
                            ex.args.join(" "),
                            String::from_utf8_lossy(&out.stderr)
                        )
                    })
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().expect("example thread")).collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
