use sacdoc::runner::Shell;
use sacdoc::sac::{ConnectConfig, Credentials, Recording, Secret, Session};
#[test]
fn scratch() {
    let creds = Credentials { user: "azureuser".into(), domain: String::new(), password: Secret::new("Sim-Passw0rd!") };
    let mut cfg = ConnectConfig::new("tcp://127.0.0.1:47811".parse().unwrap(), creds);
    cfg.record = Recording::Path("/tmp/scratch.cast".into());
    let _ = std::fs::remove_file("/tmp/scratch.cast");
    let mut s = Session::connect(&cfg).unwrap();
    for c in &["sc config gpsvc start= auto", "sc start gpsvc", "gpupdate /force", &sacdoc::doctor::commands::rdp_tcp_values()] {
        let r = s.run(c.as_ref());
        println!("{c}: {:?}", r.as_ref().map(|o| (o.exit_code, o.output.len())).map_err(|e| e.to_string()));
    }
}
