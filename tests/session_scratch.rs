mod session_common;
use sacdoc::runner::Shell;
use session_common::*;
#[test]
fn scratch() {
    let q = std::env::var("Q").unwrap_or("profile=ws2022&start=sac".into());
    let sc = std::env::var("SC").unwrap_or("healthy".into());
    let mut s = sim_session(&sc, &q);
    for cmd in std::env::var("CMDS").unwrap_or("ver".into()).split(";;") {
        let r = s.run(cmd);
        println!("=== {cmd}: {:?}", r.as_ref().map(|o| (o.exit_code, o.bytes_sent, o.bytes_received, o.duration_ms)));
        match r { Ok(o) => { println!("{}", o.output); println!("--- expected:\n{}", expected(&sc, cmd).0); println!("same: {} len {} exp {}", o.output == expected(&sc, cmd).0, o.output.len(), expected(&sc, cmd).0.len()); } Err(e) => println!("ERR {e}") }
    }
    println!("{}", s.screen().text());
    println!("close: {:?}", s.close());
}
