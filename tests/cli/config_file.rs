//! The configuration file through the real binary: a named console connects, flags win over the
//! file, the file wins over defaults, a password never shows, an exposed password file is refused.

use std::process::Command;

fn sacdoc(config: &std::path::Path, state: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sacdoc"));
    c.env("SACDOC_CONFIG", config)
        .env("SACDOC_STATE_DIR", state)
        .env_remove("SACDOC_USER")
        .env_remove("SACDOC_DOMAIN")
        .env_remove("SACDOC_PASSWORD");
    c
}

const FILE: &str = r#"
[defaults]
timeout = 90

[consoles.demo]
target = "sim:healthy"
user = "azureuser"
password_env = "DEMO_PW"
profile = "ws2019"
"#;

#[test]
fn a_named_console_resolves_and_flags_win() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, FILE).unwrap();
    let out = sacdoc(&cfg, dir.path())
        .args(["config", "demo", "--json"])
        .env("DEMO_PW", "Sim-Passw0rd!")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("Sim-Passw0rd!"), "the password is shown: {text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let r = &v["resolved"];
    assert_eq!(r["target"], "sim:healthy");
    assert_eq!(r["console"], "demo");
    assert_eq!(r["user"], "azureuser");
    assert_eq!(r["timeout_secs"], 90, "[defaults] applies to the console");
    assert_eq!(r["password"], "password_env in the configuration file");
    assert!(r["profile"].as_str().unwrap().starts_with("painted"), "{r}");
    assert_eq!(v["consoles"][0]["name"], "demo");

    let out = sacdoc(&cfg, dir.path())
        .args(["config", "demo", "--json", "--user", "other", "--timeout", "5"])
        .env("DEMO_PW", "x")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["resolved"]["user"], "other");
    assert_eq!(v["resolved"]["timeout_secs"], 5);
}

#[test]
fn run_on_a_named_console_logs_in_with_the_configured_password() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, FILE).unwrap();
    let out = sacdoc(&cfg, dir.path())
        .args(["run", "demo", "--no-record", "--", "ver"])
        .env("DEMO_PW", "Sim-Passw0rd!")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Microsoft Windows"));
    // The variable the file names is not set: a clear error, no prompt.
    let out = sacdoc(&cfg, dir.path()).args(["run", "demo", "--", "ver"]).output().unwrap();
    assert_eq!(out.status.code(), Some(255));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("DEMO_PW is not set"), "{err}");
}

#[test]
fn bad_files_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, "[consoles.a]\ntarget = \"COM1\"\ntimout = 5\n").unwrap();
    let out = sacdoc(&cfg, dir.path()).args(["config", "a"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("config.toml") && err.contains("timout"), "{err}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::write(&cfg, "[consoles.a]\ntarget = \"COM1\"\npassword = \"hunter2\"\n").unwrap();
        std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = sacdoc(&cfg, dir.path()).args(["config", "a"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("chmod 600") && !err.contains("hunter2"), "{err}");
    }
}
