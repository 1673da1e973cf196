//! `gpupdate`, `gpresult /r`, `shutdown`, `certutil -encode` / `-hashfile` (and `-store`, in
//! `cmd_certstore`), `ipconfig [/all]`.

use base64::Engine;

use super::command::{Ctx, Out};
use super::Effect;

pub fn run(ctx: &mut Ctx, name: &str, args: &[String]) -> Out {
    match name {
        "gpupdate" => gpupdate(ctx),
        "gpresult" => gpresult(ctx, args),
        "shutdown" => shutdown(args),
        "ipconfig" => ipconfig(ctx, args),
        _ => certutil(ctx, args),
    }
}

/// `gpupdate [/force]`: re-applies the domain policy while the Group Policy Client runs.
fn gpupdate(ctx: &mut Ctx) -> Out {
    let st = &mut *ctx.st;
    if !st.group_policy_running() {
        // GUESS: the text Windows prints when gpsvc is stopped or disabled is not in the
        // references; this names the cause the way gpupdate's failure messages do.
        let mut o = Out::stdout(
            "Updating policy...\r\n\r\nComputer policy could not be updated successfully. The following errors were encountered:\r\n\r\nThe Group Policy Client service failed the sign-in. The service is not running.\r\n\r\nUser policy could not be updated successfully. The following errors were encountered:\r\n\r\nThe Group Policy Client service failed the sign-in. The service is not running.\r\n\r\nTo diagnose the failure, review the event log or run GPRESULT /H GPReport.html from the command line to access information about Group Policy results.\r\n",
            1,
        );
        o.delay_ms = 2_000;
        return o;
    }
    st.apply_policy();
    let mut o = Out::stdout(
        "Updating policy...\r\n\r\nComputer Policy update has completed successfully.\r\nUser Policy update has completed successfully.\r\n\r\n",
        0,
    );
    o.delay_ms = 6_000;
    o
}

/// `gpresult /r` (basic). GUESS: layout after the real report's first sections; only what the
/// simulator knows is filled in.
fn gpresult(ctx: &mut Ctx, args: &[String]) -> Out {
    if !args.iter().any(|a| {
        a.eq_ignore_ascii_case("/r") || a.eq_ignore_ascii_case("/z") || a.eq_ignore_ascii_case("/v")
    }) {
        return Out::stdout("ERROR: Invalid Syntax. Type \"GPRESULT /?\" for usage.\r\n", 1);
    }
    let st = &ctx.st;
    let c = super::clock::civil(st.now());
    let comp = &st.computer_name;
    let user = &ctx.sh.user;
    let domain_joined = !st.policy.domain.is_empty();
    let mut s = String::from(
        "\r\nMicrosoft (R) Windows (R) Operating System Group Policy Result tool v2.0\r\n",
    );
    s.push_str("\u{a9} 2018 Microsoft Corporation. All rights reserved.\r\n\r\n");
    s.push_str(&format!("Created on {}\r\n\r\n\r\n", c.us_short().replacen(' ', " at ", 1)));
    let rsop = format!("RSOP data for {comp}\\{user} on {comp} : Logging Mode");
    s.push_str(&format!("{rsop}\r\n{}\r\n\r\n", "-".repeat(rsop.chars().count())));
    s.push_str(&format!(
        "OS Configuration:            {}\r\nOS Version:                  10.0.17763\r\nSite Name:                   N/A\r\nRoaming Profile:             N/A\r\nLocal Profile:               C:\\Users\\{user}\r\nConnected over a slow link?: No\r\n\r\n\r\n",
        if domain_joined { "Member Server" } else { "Standalone Server" }
    ));
    s.push_str("COMPUTER SETTINGS\r\n------------------\r\n");
    if domain_joined {
        let applied = if st.policy.applied_count > 0 {
            c.us_short().replacen(' ', " at ", 1)
        } else {
            "N/A".into()
        };
        s.push_str(&format!(
            "    CN={comp},OU=Servers,DC={}\r\n    Last time Group Policy was applied: {applied}\r\n    Group Policy was applied from:      dc01.{}\r\n    Group Policy slow link threshold:   500 kbps\r\n    Domain Name:                        {}\r\n    Domain Type:                        Windows 2008 or later\r\n\r\n",
            st.policy.domain.replace('.', ",DC="),
            st.policy.domain,
            st.policy.domain.split('.').next().unwrap_or("").to_uppercase()
        ));
        s.push_str(&format!(
            "    Applied Group Policy Objects\r\n    -----------------------------\r\n        {}\r\n        Default Domain Policy\r\n\r\n",
            st.policy.gpo_name
        ));
    } else {
        s.push_str(&format!(
            "    {comp}\r\n    Last time Group Policy was applied: {}\r\n    Group Policy was applied from:      N/A\r\n    Group Policy slow link threshold:   500 kbps\r\n    Domain Name:                        {comp}\r\n    Domain Type:                        <Local Computer>\r\n\r\n    Applied Group Policy Objects\r\n    -----------------------------\r\n        Local Group Policy\r\n\r\n",
            c.us_short().replacen(' ', " at ", 1)
        ));
    }
    let mut o = Out::stdout(s, 0);
    o.delay_ms = 3_000;
    o
}

/// `shutdown /r [/t N]` (default 30 s), `shutdown /s`, `shutdown /a`.
fn shutdown(args: &[String]) -> Out {
    let has = |f: &str| {
        args.iter()
            .any(|a| a.eq_ignore_ascii_case(f) || a.eq_ignore_ascii_case(&f.replace('/', "-")))
    };
    let secs = args
        .iter()
        .position(|a| a.eq_ignore_ascii_case("/t") || a.eq_ignore_ascii_case("-t"))
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse::<u64>().ok());
    if has("/a") {
        return Out::stdout(
            "Unable to abort the system shutdown because no shutdown was in progress.(1116)\r\n",
            1116,
        );
    }
    if has("/r") || has("/g") {
        return Out {
            effect: Some(Effect::Reboot { delay_ms: secs.unwrap_or(30) * 1000 }),
            ..Out::new()
        };
    }
    if has("/s") || has("/p") {
        return Out { effect: Some(Effect::Shutdown), ..Out::new() };
    }
    Out::stdout(
        "Usage: shutdown [/i | /l | /s | /sg | /r | /g | /a | /p | /h | /e | /o] [/hybrid] [/soft] [/fw] [/f]\r\n    [/m \\\\computer][/t xxx][/d [p|u:]xx:yy [/c \"comment\"]]\r\n",
        0,
    )
}

/// `certutil -hashfile FILE [SHA256]`: the layout Windows 10 / Server 2016 and later print, as
/// published (e.g. https://www.bqtyf.cn/windows/windows-cmd-sha256-checksum-calculation-not-matching-expecte-1767532160.html:
/// "SHA256 hash of <filename>:", the hash as one run of hex digits, then "CertUtil: -hashfile
/// command completed successfully."). GUESS: the hex is lowercase and the name is the path as
/// given; only SHA256 is simulated.
fn certutil_hashfile(ctx: &mut Ctx, args: &[String]) -> Out {
    let (file, alg) = match args {
        [_, f] => (f, "SHA1".to_string()),
        [_, f, a] => (f, a.to_ascii_uppercase()),
        _ => {
            return Out::stdout(
                "CertUtil: -hashfile command FAILED: 0x80070057 (WIN32: 87 ERROR_INVALID_PARAMETER)\r\nCertUtil: The parameter is incorrect.\r\n",
                -2147024809,
            )
        }
    };
    let Some(bytes) = ctx.st.fs.read_file(&ctx.path(file)) else {
        return Out::stdout(
            "CertUtil: -hashfile command FAILED: 0x80070002 (WIN32: 2 ERROR_FILE_NOT_FOUND)\r\nCertUtil: The system cannot find the file specified.\r\n",
            -2147024894,
        );
    };
    if alg != "SHA256" {
        return Out::stdout(
            format!("CertUtil: -hashfile command FAILED: the simulator computes SHA256 only, not {alg}\r\n"),
            -2147024809,
        );
    }
    use sha2::Digest as _;
    let hex: String = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    Out::stdout(
        format!(
            "SHA256 hash of {file}:\r\n{hex}\r\nCertUtil: -hashfile command completed successfully.\r\n"
        ),
        0,
    )
}

/// `certutil [-f] -encode IN OUT`: base64 in 64-character lines between the CERTIFICATE markers;
/// `certutil -hashfile FILE ALG`.
fn certutil(ctx: &mut Ctx, args: &[String]) -> Out {
    if args.first().is_some_and(|a| a.eq_ignore_ascii_case("-hashfile")) {
        return certutil_hashfile(ctx, args);
    }
    if args.first().is_some_and(|a| a.eq_ignore_ascii_case("-store")) {
        return super::cmd_certstore::store(ctx, args);
    }
    let force = args.iter().any(|a| a.eq_ignore_ascii_case("-f"));
    let rest: Vec<&String> = args.iter().filter(|a| !a.eq_ignore_ascii_case("-f")).collect();
    let [verb, input, output] = rest.as_slice() else {
        return Out::stdout(
            format!("CertUtil: Unknown arg: {}\r\nCertUtil: -? -- Display a verb list (command list)\r\n", args.first().cloned().unwrap_or_default()),
            -2147024809,
        );
    };
    if !verb.eq_ignore_ascii_case("-encode") {
        return Out::stdout(format!("CertUtil: Unknown arg: {verb}\r\n"), -2147024809);
    }
    let in_path = ctx.path(input);
    let out_path = ctx.path(output);
    let Some(bytes) = ctx.st.fs.read_file(&in_path) else {
        return Out::stdout(
            "CertUtil: -encode command FAILED: 0x80070002 (WIN32: 2 ERROR_FILE_NOT_FOUND)\r\nCertUtil: The system cannot find the file specified.\r\n",
            -2147024894,
        );
    };
    if ctx.st.fs.exists(&out_path) && !force {
        return Out::stdout(
            "CertUtil: -encode command FAILED: 0x80070050 (WIN32: 80 ERROR_FILE_EXISTS)\r\nCertUtil: The file exists.\r\n",
            -2147024816,
        );
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
    let mut text = String::from("-----BEGIN CERTIFICATE-----\r\n");
    for chunk in b64.as_bytes().chunks(64) {
        text.push_str(&String::from_utf8_lossy(chunk));
        text.push_str("\r\n");
    }
    text.push_str("-----END CERTIFICATE-----\r\n");
    if let Err(e) = ctx.st.fs.write_file(&out_path, text.as_bytes(), false) {
        return Out::stdout(format!("CertUtil: -encode command FAILED\r\nCertUtil: {e}\r\n"), 1);
    }
    Out::stdout(
        format!(
            "Input Length = {}\r\nOutput Length = {}\r\nCertUtil: -encode command completed successfully.\r\n",
            bytes.len(),
            text.len()
        ),
        0,
    )
}

/// `ipconfig [/all]`: the one Azure NIC. Layout of kellyjonbrazil/jc
/// tests/fixtures/windows/windows-2016/ipconfig.out (labels dotted to column 39).
fn ipconfig(ctx: &mut Ctx, args: &[String]) -> Out {
    let all = args.iter().any(|a| a.eq_ignore_ascii_case("/all"));
    if let Some(a) = args.iter().find(|a| !a.eq_ignore_ascii_case("/all")) {
        return Out::stdout(format!("\r\nError: unrecognized or incomplete command line.\r\n\r\nUSAGE:\r\n    ipconfig [/allcompartments] [/? | /all | ...]\r\n{a}\r\n"), 1);
    }
    let st = &ctx.st;
    // The label field is 34 columns: the label, then ". " pairs ending in a blank before ": ".
    let line = |label: &str, value: &str| {
        let mut f = label.to_string();
        for i in label.chars().count()..34 {
            f.push(if (33 - i) % 2 == 1 { '.' } else { ' ' });
        }
        let sep = if value.is_empty() { ":" } else { ": " };
        format!("   {f}{sep}{value}\r\n")
    };
    // GUESS: the DNS suffix Azure hands out differs per virtual network.
    let suffix = "reddog.microsoft.com";
    let mut s = String::from("\r\nWindows IP Configuration\r\n\r\n");
    if all {
        s.push_str(&line("Host Name", &st.computer_name));
        s.push_str(&line("Primary Dns Suffix ", ""));
        s.push_str(&line("Node Type", "Hybrid"));
        s.push_str(&line("IP Routing Enabled", "No"));
        s.push_str(&line("WINS Proxy Enabled", "No"));
        s.push_str(&line("DNS Suffix Search List", suffix));
    }
    s.push_str("\r\nEthernet adapter Ethernet:\r\n\r\n");
    s.push_str(&line("Connection-specific DNS Suffix ", suffix));
    if all {
        s.push_str(&line("Description", "Microsoft Hyper-V Network Adapter"));
        s.push_str(&line("Physical Address", "00-0D-3A-4F-21-7C"));
        s.push_str(&line("DHCP Enabled", "Yes"));
        s.push_str(&line("Autoconfiguration Enabled", "Yes"));
    }
    let pref = if all { "(Preferred)" } else { "" };
    s.push_str(&line("Link-local IPv6 Address", &format!("fe80::6d2c:1b7e:93a4:5c01%6{pref}")));
    s.push_str(&line("IPv4 Address", &format!("{}{pref}", st.ip)));
    s.push_str(&line("Subnet Mask", &st.subnet));
    s.push_str(&line("Default Gateway", &st.gateway));
    if all {
        s.push_str(&line("DNS Servers", "168.63.129.16"));
        s.push_str(&line("NetBIOS over Tcpip", "Enabled"));
    }
    Out::stdout(s, 0)
}
