//! `netstat` with `-a -n -o -b -p PROTO` in any combination and order.
//!
//! Layout from kellyjonbrazil/jc tests/fixtures/windows/windows-10/netstat-aonb.out and
//! netstat-an.out (real Windows 10 captures): title block, header, rows
//! `  TCP    <local:21>  <foreign:21>  <state:16><pid>`, UDP rows with a blank state, and with
//! `-b` owner lines: `  <service>` (two spaces) then ` [image]` (one space), or
//! ` Can not obtain ownership information`; TIME_WAIT rows (PID 0) have none.

use std::net::Ipv4Addr;

use super::command::{Ctx, Out};
use super::net::{Proto, Socket, TcpState};

#[derive(Default)]
struct Opts {
    all: bool,
    numeric: bool,
    pid: bool,
    owner: bool,
    proto: Option<(Proto, bool)>,
}

fn parse_opts(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts::default();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let Some(flags) = a.strip_prefix('-').or_else(|| a.strip_prefix('/')) else {
            // An interval: netstat would repeat forever; not simulated.
            if a.parse::<u32>().is_ok() {
                i += 1;
                continue;
            }
            return Err(a.clone());
        };
        for f in flags.chars() {
            match f.to_ascii_lowercase() {
                'a' => o.all = true,
                'n' => o.numeric = true,
                'o' => o.pid = true,
                'b' => o.owner = true,
                'p' => {
                    i += 1;
                    let p = args.get(i).map(|s| s.to_ascii_lowercase()).unwrap_or_default();
                    o.proto = Some(match p.as_str() {
                        "tcp" => (Proto::Tcp, false),
                        "udp" => (Proto::Udp, false),
                        "tcpv6" => (Proto::Tcp, true),
                        "udpv6" => (Proto::Udp, true),
                        _ => return Err(p),
                    });
                }
                'e' | 's' | 'r' | 'x' | 'y' | 'q' | 't' | 'f' => {}
                _ => return Err(a.clone()),
            }
        }
        i += 1;
    }
    Ok(o)
}

const USAGE: &str = "\r\nDisplays protocol statistics and current TCP/IP network connections.\r\n\r\nNETSTAT [-a] [-b] [-e] [-f] [-n] [-o] [-p proto] [-r] [-s] [-x] [-t] [interval]\r\n\r\n";

fn addr_key(addr: &str) -> (u8, u128, String) {
    match addr.parse::<Ipv4Addr>() {
        Ok(ip) => (0, u128::from(u32::from(ip)), String::new()),
        Err(_) => (1, 0, addr.to_string()),
    }
}

/// The rows in netstat's order: TCP then UDP, IPv4 then IPv6, by local then foreign endpoint.
pub fn sorted(sockets: &[Socket]) -> Vec<&Socket> {
    let mut v: Vec<&Socket> = sockets.iter().collect();
    v.sort_by(|a, b| {
        let ka = (
            a.proto,
            a.is_v6(),
            addr_key(&a.local_addr),
            a.local_port,
            addr_key(&a.remote_addr),
            a.remote_port,
        );
        let kb = (
            b.proto,
            b.is_v6(),
            addr_key(&b.local_addr),
            b.local_port,
            addr_key(&b.remote_addr),
            b.remote_port,
        );
        ka.cmp(&kb)
    });
    v
}

/// GUESS: without `-n`, a listener's foreign address shows the computer name and well-known
/// foreign ports show their service names; addresses that do not reverse-resolve stay numeric.
fn foreign_name(s: &Socket, computer: &str, numeric: bool) -> String {
    if numeric || s.proto == Proto::Udp {
        return s.remote();
    }
    if s.state == TcpState::Listening {
        return format!("{computer}:0");
    }
    let port = match s.remote_port {
        80 => "http".to_string(),
        443 => "https".to_string(),
        445 => "microsoft-ds".to_string(),
        3389 => "ms-wbt-server".to_string(),
        p => p.to_string(),
    };
    format!("{}:{port}", s.remote_addr)
}

pub fn netstat(ctx: &mut Ctx, args: &[String]) -> Out {
    let o = match parse_opts(args) {
        Ok(o) => o,
        Err(_) => return Out::stdout(USAGE, 1),
    };
    let st = &ctx.st;
    let mut out = String::from("\r\nActive Connections\r\n\r\n");
    out.push_str(if o.pid {
        "  Proto  Local Address          Foreign Address        State           PID\r\n"
    } else {
        "  Proto  Local Address          Foreign Address        State\r\n"
    });
    let mut rows = 0u64;
    for s in sorted(&st.sockets) {
        if !o.all && (s.state == TcpState::Listening || s.proto == Proto::Udp) {
            continue;
        }
        if let Some((p, v6)) = o.proto {
            if s.proto != p || s.is_v6() != v6 {
                continue;
            }
        }
        rows += 1;
        let proto = if s.proto == Proto::Tcp { "TCP" } else { "UDP" };
        let foreign = foreign_name(s, &st.computer_name, o.numeric);
        let line = match (o.pid, s.proto) {
            (true, _) => format!(
                "  {proto}    {:<21}  {:<21}  {:<16}{}",
                s.local(),
                foreign,
                s.state.word(),
                s.pid
            ),
            (false, Proto::Udp) => format!("  {proto}    {:<21}  {:<21}  ", s.local(), foreign),
            (false, Proto::Tcp) => {
                format!("  {proto}    {:<21}  {:<21}  {}", s.local(), foreign, s.state.word())
            }
        };
        out.push_str(&line);
        out.push_str("\r\n");
        if o.owner && s.pid != 0 {
            match st.process(s.pid).filter(|p| p.ownership_visible) {
                Some(p) => {
                    if let Some(tag) = &s.service {
                        out.push_str(&format!("  {tag}\r\n"));
                    }
                    out.push_str(&format!(" [{}]\r\n", p.image));
                }
                None => out.push_str(" Can not obtain ownership information\r\n"),
            }
        }
    }
    let mut r = Out::stdout(out, 0);
    // Looking up owners is slow on a real server; the simulated time grows with the rows.
    r.delay_ms = if o.owner { 1_500 + rows / 4 } else { 200 + rows / 20 };
    r
}
