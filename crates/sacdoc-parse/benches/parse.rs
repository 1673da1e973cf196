//! Parser throughput against the serial line.
//!
//! Generates a 100,000-row `netstat -anob` and a 10,000-object `icacls /t` output in the layout
//! of the real captures under tests/fixtures/parse/, parses them with criterion, then prints
//! the measured MB/s beside the 115200-baud line rate (11,520 bytes/s): the time to parse an
//! output is a rounding error next to the time it took to cross the line.
//!
//! Then the memory figures of a 50 MB `netstat -anob`: the whole-document path (`parse` then
//! pretty JSON, what `sacdoc parse netstat` did before it streamed) against the stream (input
//! read in 64 KiB chunks, each connection serialized as it is read, as `sacdoc parse netstat`
//! now does), with the peak heap each holds, measured by a counting allocator.
//!
//! Run: `cargo bench --bench parse`; `cargo bench --bench parse -- --memory-only` skips criterion.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use sacdoc_parse::netstat::{Connection, Sink, Stream};
use sacdoc_parse::text::LineSplitter;
use sacdoc_parse::{icacls, netstat, reg, Command, Unparsed};

/// The system allocator, counting the bytes held now and the most held since the last reset.
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = HELD.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) };
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let now = HELD.fetch_add(new_size - layout.size(), Ordering::Relaxed)
                    + (new_size - layout.size());
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                HELD.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Runs `f`, returning its result, the seconds it took and the most heap it held beyond what
/// was held before it started.
///
/// The seconds are CPU time of this thread when Linux reports it (`/proc/thread-self/schedstat`,
/// so a shared, busy machine does not slow the figure down), else wall-clock time.
fn measured<T>(f: impl FnOnce() -> T) -> (T, f64, usize) {
    let base = HELD.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let cpu0 = cpu_ns();
    let start = Instant::now();
    let out = f();
    let wall = start.elapsed().as_secs_f64();
    let secs = match (cpu0, cpu_ns()) {
        (Some(a), Some(b)) if b > a => (b - a) as f64 / 1e9,
        _ => wall,
    };
    (out, secs, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

/// Nanoseconds this thread has run on a CPU (Linux), if known.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// A sink that serializes each connection at once (compact JSON, one a line, into `w`) and
/// keeps the rest, as `sacdoc parse netstat --jsonl` does.
struct JsonLines<W: Write> {
    w: W,
    rows: usize,
    rest: Vec<Unparsed>,
    commands: Vec<Command>,
}

impl<W: Write> Sink for JsonLines<W> {
    fn connection(&mut self, c: Connection) {
        self.rows += 1;
        let _ = self.w.write_all(b"{\"connections\":");
        let _ = serde_json::to_writer(&mut self.w, &c);
        let _ = self.w.write_all(b"}\n");
    }
    fn title(&mut self, _: usize, _: &str) {}
    fn header(&mut self, _: usize, _: &str) {}
    fn unparsed(&mut self, u: Unparsed) {
        self.rest.push(u);
    }
    fn command(&mut self, c: Command) {
        self.commands.push(c);
    }
}

/// A sink that only counts (the parser alone).
#[derive(Default)]
struct Count(usize);

impl Sink for Count {
    fn connection(&mut self, _: Connection) {
        self.0 += 1;
    }
    fn title(&mut self, _: usize, _: &str) {}
    fn header(&mut self, _: usize, _: &str) {}
    fn unparsed(&mut self, _: Unparsed) {}
    fn command(&mut self, _: Command) {}
}

/// Feeds `bytes` in 64 KiB chunks through the splitter into a netstat stream.
fn stream_bytes(bytes: &[u8], sink: &mut impl Sink) {
    let mut stream = Stream::new();
    let mut splitter = LineSplitter::new();
    for chunk in bytes.chunks(1 << 16) {
        splitter.feed(chunk, |l| push(&mut stream, l, sink));
    }
    splitter.finish(|l| push(&mut stream, l, sink));
    stream.finish(sink);
}

/// One line's bytes to the stream: valid UTF-8 as is, anything else decoded lossily (as the
/// CLI does).
fn push(stream: &mut Stream, line: &[u8], sink: &mut impl Sink) {
    match std::str::from_utf8(line) {
        Ok(s) => stream.push_line(s, sink),
        Err(_) => stream.push_line(&String::from_utf8_lossy(line), sink),
    }
}

/// The 50 MB figures.
fn memory_report() {
    let mut input = String::new();
    let mut rows = 100_000;
    while input.len() < 50_000_000 {
        input = netstat_anob(rows);
        rows = rows * 50_000_000 / input.len().max(1) + 1000;
    }
    let mb = input.len() as f64 / 1e6;
    println!(
        "\nnetstat -anob, {mb:.1} MB ({} lines), rates in MB per CPU second:",
        input.lines().count()
    );

    let ((n, json_len), secs, peak) = measured(|| {
        let n = netstat::parse(&input);
        let json = serde_json::to_string_pretty(&n).unwrap_or_default();
        (n.connections.len(), json.len())
    });
    println!(
        "  whole document (parse + pretty JSON)  {n} rows  {:>7.1} MB/s  peak heap {:>7.1} MB ({:.1}x input)  JSON {:.0} MB",
        mb / secs,
        peak as f64 / 1e6,
        peak as f64 / input.len() as f64,
        json_len as f64 / 1e6
    );

    let (n, secs, peak) = measured(|| {
        let mut c = Count::default();
        stream_bytes(input.as_bytes(), &mut c);
        c.0
    });
    println!(
        "  stream, parse only                     {n} rows  {:>7.1} MB/s  peak heap {:>7.3} MB",
        mb / secs,
        peak as f64 / 1e6
    );

    let (n, secs, peak) = measured(|| {
        let mut sink = JsonLines {
            w: std::io::BufWriter::with_capacity(1 << 16, std::io::sink()),
            rows: 0,
            rest: Vec::new(),
            commands: Vec::new(),
        };
        stream_bytes(input.as_bytes(), &mut sink);
        sink.rows
    });
    println!(
        "  stream, parse + JSON line per row      {n} rows  {:>7.1} MB/s  peak heap {:>7.3} MB",
        mb / secs,
        peak as f64 / 1e6
    );
}

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
    if std::env::args().any(|a| a == "--memory-only") {
        memory_report();
        return;
    }
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
    memory_report();
}
