//! Big outputs cross the line packed by makecab on the VM (see `runner::pack`): on both console
//! styles the output is byte for byte the file's, whether it compresses well, not at all, is
//! empty or is not ASCII, and a VM without makecab falls back to the plain base64.

use crate::session_common;

use sacdoc::runner::Shell;
use sacdoc::sac::Session;
use session_common::*;

/// Printable text that does not compress: base64-like characters from a seeded generator.
fn noise(len: usize) -> String {
    const SET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut s = String::with_capacity(len);
    for i in 0..len {
        if i % 70 == 69 {
            s.push_str("\r\n");
            continue;
        }
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        s.push(SET[(seed % 64) as usize] as char);
    }
    s
}

/// A session on `healthy` with `files` written into `C:\pack` before it boots.
fn session_with(query: &str, files: &[(&str, &str)]) -> Session {
    session_limited(query, files, options("healthy", 60).output_limit)
}

/// [`session_with`], with an output limit.
fn session_limited(query: &str, files: &[(&str, &str)], output_limit: u64) -> Session {
    let (_, opts) = sacdoc::sim::prepare("healthy", query).expect("options");
    let mut m = sacdoc::sim::prepared_machine("healthy", query).expect("machine");
    m.state.fs.mkdir("C:\\pack").expect("mkdir");
    for (name, text) in files {
        let path = format!("C:\\pack\\{name}");
        m.state.fs.write_file(&path, text.as_bytes(), false).expect("write");
    }
    let link = sacdoc::sim::SimLink::from_machine(m, "healthy", &opts);
    let opts = sacdoc::sac::SessionOptions { output_limit, ..options("healthy", 60) };
    let mut s = Session::attach(Box::new(link), opts).expect("attach");
    s.ensure_cmd().expect("cmd channel");
    s
}

fn files() -> Vec<(&'static str, String)> {
    let listening =
        "  TCP    0.0.0.0:3389           0.0.0.0:0              LISTENING       1044\r\n";
    vec![
        ("noise.txt", noise(24_000)),
        ("empty.txt", String::new()),
        // Japanese, as `chcp 65001` output of a Japanese Windows would be, well over the limit.
        ("utf8.txt", "リモート デスクトップ サービス は実行中です。\r\n".repeat(300)),
        ("large.txt", listening.repeat(6_000)),
    ]
}

fn check_profile(profile: &str) {
    let q = format!("profile={profile}&start=sac&paint_ms=2");
    let files = files();
    let named: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
    let mut s = session_with(&q, &named);
    for (name, text) in &files {
        let out = s
            .run(&format!("type C:\\pack\\{name}"))
            .unwrap_or_else(|e| panic!("{profile} {name}: {e}"));
        assert!(out.output == *text, "{profile} {name}: {} bytes back", out.output.len());
        assert_eq!(out.exit_code, Some(0), "{profile} {name}");
        if *name == "large.txt" {
            // 450 KB of repetitive text: packed, it costs a small part of its size.
            assert!(
                out.bytes_received * 10 < text.len() as u64,
                "{profile}: {} bytes received for {}",
                out.bytes_received,
                text.len()
            );
        }
    }
    s.close().expect("close");
}

#[test]
fn packed_outputs_are_exact_streaming() {
    check_profile("ws2022");
}

#[test]
fn packed_outputs_are_exact_painted() {
    check_profile("ws2019");
}

/// A trimmed image without makecab: the big output still comes whole, as plain base64.
#[test]
fn a_vm_without_makecab_still_gives_the_output() {
    for profile in ["ws2022", "ws2019"] {
        let q = format!("profile={profile}&start=sac&paint_ms=2&missing=makecab");
        let text = "  UDP    0.0.0.0:123            *:*                                    988\r\n"
            .repeat(400);
        let mut s = session_with(&q, &[("big.txt", &text)]);
        let out = s.run("type C:\\pack\\big.txt").expect("type");
        assert!(out.output == text, "{profile}: {} bytes back", out.output.len());
        // Unpacked, the base64 costs more than the text itself.
        assert!(out.bytes_received > text.len() as u64, "{profile}: {}", out.bytes_received);
        if profile == "ws2022" {
            // Learned: the next big output is typed out as text, at about its own size.
            let again = s.run("type C:\\pack\\big.txt").expect("type again");
            assert!(again.output == text);
            assert!(
                again.bytes_received < text.len() as u64 * 11 / 10,
                "{} for {}",
                again.bytes_received,
                text.len()
            );
        }
        s.close().expect("close");
    }
}

/// An output that packs small but unpacks past the output limit is refused as too large, not
/// unpacked into memory and not blamed on noise.
#[test]
fn a_packed_output_past_the_limit_is_too_large() {
    for profile in ["ws2022", "ws2019"] {
        let q = format!("profile={profile}&start=sac&paint_ms=2");
        let text =
            "  TCP    10.0.0.4:3389          10.0.0.9:50000         ESTABLISHED     1044\r\n"
                .repeat(4_000);
        let mut s = session_limited(&q, &[("big.txt", &text)], 100_000);
        match s.run("type C:\\pack\\big.txt") {
            Err(sacdoc::runner::RunError::OutputTooLarge { limit }) => assert_eq!(limit, 100_000),
            other => panic!("{profile}: {:?}", other.map(|o| o.output.len())),
        }
    }
}
