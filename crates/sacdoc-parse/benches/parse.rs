//! Parser throughput against the serial line.
//!
//! Generates a 100,000-row `netstat -anob` and a 10,000-object `icacls /t` output in the layout
//! of the real captures under tests/fixtures/parse/, parses them with criterion, then prints
//! the measured MB/s beside the 115200-baud line rate (11,520 bytes/s): the time to parse an
//! output is a rounding error next to the time it took to cross the line.
//!
//! Run: `cargo bench --bench parse`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use sacdoc_parse::{icacls, netstat, reg};

/// 115200 baud, 8N1: 10 bits a byte.
const LINE_BYTES_PER_SEC: f64 = 11_520.0;

/// A `netstat -anob` output with `rows` rows: TCP/UDP, IPv4/IPv6 with zones, service tags,
/// images, ownership failures and TIME_WAIT rows without owner lines.
fn netstat_anob(rows: usize) -> String {
    let mut s = String::from(
        "\r\nActive Connections\r\n\r\n  Proto  Local Address          Foreign Address        State           PID\r\n",
    );
    for i in 0..rows {
        let port = 1024 + (i % 60_000);
        let pid = 4 + (i * 7) % 40_000;
        match i % 6 {
            0 => {
                s.push_str(&format!(
                    "  TCP    0.0.0.0:{port:<17}0.0.0.0:0              LISTENING       {pid}\r\n  TermService\r\n [svchost.exe]\r\n"
                ));
            }
            1 => {
                s.push_str(&format!(
                    "  TCP    192.168.31.221:{port:<8}20.54.232.160:443      ESTABLISHED     {pid}\r\n [chrome.exe]\r\n"
                ));
            }
            2 => {
                s.push_str(&format!(
                    "  TCP    192.168.31.221:{port:<8}157.240.252.61:5222    TIME_WAIT       0\r\n"
                ));
            }
            3 => {
                s.push_str(&format!(
                    "  TCP    [::]:{port:<18}[::]:0                 LISTENING       4\r\n Can not obtain ownership information\r\n"
                ));
            }
            4 => {
                s.push_str(&format!(
                    "  UDP    0.0.0.0:{port:<15}*:*                                    {pid}\r\n  Dnscache\r\n [svchost.exe]\r\n"
                ));
            }
            _ => {
                s.push_str(&format!(
                    "  UDP    [fe80::244e:2f1e:2096:62b2%9]:{port}  *:*                                    {pid}\r\n  SSDPSRV\r\n [svchost.exe]\r\n"
                ));
            }
        }
    }
    s
}

/// An `icacls C:\ProgramData /t /c` output with `objects` objects, a few access errors among
/// them, and the trailer.
fn icacls_t(objects: usize) -> String {
    let mut s = String::new();
    let mut failed = 0;
    for i in 0..objects {
        if i % 97 == 96 {
            s.push_str(&format!(
                "C:\\ProgramData\\Microsoft\\Crypto\\RSA\\dir{i}: Access is denied.\r\n"
            ));
            failed += 1;
            continue;
        }
        let path = format!("C:\\ProgramData\\Microsoft\\Crypto\\RSA\\MachineKeys\\f686aace6942fb7f7ceb231212eef4a4_{i:08x}");
        let pad = " ".repeat(path.chars().count() + 1);
        s.push_str(&format!("{path} NT AUTHORITY\\SYSTEM:(I)(F)\r\n"));
        s.push_str(&format!("{pad}BUILTIN\\Administrators:(I)(F)\r\n"));
        s.push_str(&format!("{pad}Everyone:(I)(R,W)\r\n"));
        s.push_str(&format!("{pad}CREATOR OWNER:(I)(OI)(CI)(IO)(F)\r\n\r\n"));
    }
    s.push_str(&format!(
        "Successfully processed {} files; Failed processing {failed} files\r\n",
        objects - failed
    ));
    s
}

/// A `reg query HKLM\SYSTEM\CurrentControlSet\Control /s` style output with `keys` keys.
fn reg_s(keys: usize) -> String {
    let mut s = String::new();
    for i in 0..keys {
        s.push_str(&format!(
            "\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\K{i}\\Server\r\n    Enabled    REG_DWORD    0x1\r\n    DisabledByDefault    REG_DWORD    0x0\r\n    Security Packages    REG_MULTI_SZ    kerberos\\0msv1_0\\0schannel\r\n"
        ));
    }
    s
}

/// Parses `input` for about `budget` and returns bytes per second.
fn rate(input: &str, budget: Duration, f: impl Fn(&str)) -> f64 {
    let start = Instant::now();
    let mut runs = 0u32;
    while runs == 0 || start.elapsed() < budget {
        f(black_box(input));
        runs += 1;
    }
    input.len() as f64 * f64::from(runs) / start.elapsed().as_secs_f64()
}

fn report(name: &str, input: &str, f: impl Fn(&str)) {
    let bps = rate(input, Duration::from_secs(2), f);
    let line_secs = input.len() as f64 / LINE_BYTES_PER_SEC;
    println!(
        "{name:<24} {:>10} bytes  parse {:>8.1} MB/s  line {:.4} MB/s  ({:.0} s on the wire, {:.1} ms to parse: {:.0}x faster than the line)",
        input.len(),
        bps / 1e6,
        LINE_BYTES_PER_SEC / 1e6,
        line_secs,
        input.len() as f64 / bps * 1e3,
        bps / LINE_BYTES_PER_SEC,
    );
}

fn main() {
    let ns = netstat_anob(100_000);
    let ic = icacls_t(10_000);
    let rg = reg_s(5_000);

    let mut c = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    {
        let mut g = c.benchmark_group("parse");
        g.throughput(Throughput::Bytes(ns.len() as u64));
        g.bench_function("netstat -anob 100k rows", |b| b.iter(|| netstat::parse(black_box(&ns))));
        g.throughput(Throughput::Bytes(ic.len() as u64));
        g.bench_function("icacls /t 10k objects", |b| b.iter(|| icacls::parse(black_box(&ic))));
        g.throughput(Throughput::Bytes(rg.len() as u64));
        g.bench_function("reg query /s 5k keys", |b| b.iter(|| reg::parse(black_box(&rg))));
        g.finish();
    }
    c.final_summary();

    println!("\nParsing vs the 115200-baud serial line (11,520 bytes/s):");
    report("netstat -anob 100k rows", &ns, |s| {
        black_box(netstat::parse(s));
    });
    report("icacls /t 10k objects", &ic, |s| {
        black_box(icacls::parse(s));
    });
    report("reg query /s 5k keys", &rg, |s| {
        black_box(reg::parse(s));
    });
}
