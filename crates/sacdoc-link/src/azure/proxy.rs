//! An HTTP proxy for the Azure client (`HTTPS_PROXY`, as corporate networks require): both the
//! management calls and the Serial Console's websocket go through a `CONNECT host:port` tunnel,
//! and TLS runs end to end inside it, so the proxy sees only the host name. `NO_PROXY` lists
//! hosts reached directly.
//!
//! The tunnel is hand-written (a request line and one answer head) because the websocket needs
//! it as much as the HTTP calls: an HTTP client crate would tunnel only its own requests.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use base64::Engine as _;

/// How long the proxy may take to answer `CONNECT`.
const CONNECT_ANSWER_TIMEOUT: Duration = Duration::from_secs(20);

/// Longest answer head accepted from a proxy.
const MAX_HEAD: usize = 16 * 1024;

/// Why the proxy setting or a tunnel through the proxy failed. Never shows the credentials.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// `HTTPS_PROXY` cannot be read (`shown` has its password replaced).
    #[error("HTTPS_PROXY={shown}: {why}")]
    Setting { shown: String, why: String },
    #[error("the proxy {host}:{port}: {source}")]
    Unreachable { host: String, port: u16, source: Box<dyn std::error::Error + Send + Sync> },
    #[error("the proxy {host}:{port} did not answer CONNECT: {why}")]
    NoAnswer { host: String, port: u16, why: HeadError },
    #[error(
        "the proxy {host}:{port} wants credentials (407): put them in HTTPS_PROXY as \
         http://USER:PASSWORD@HOST:PORT"
    )]
    Credentials { host: String, port: u16 },
    #[error("the proxy {host}:{port} refused a tunnel to {authority}: {status_line:?}")]
    Refused { host: String, port: u16, authority: String, status_line: String },
}

/// Why a proxy's answer head could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HeadError {
    #[error("an answer head over {MAX_HEAD} bytes")]
    TooLong,
    #[error("no answer within {} s", CONNECT_ANSWER_TIMEOUT.as_secs())]
    Timeout,
    #[error("it closed the connection")]
    Closed,
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// A proxy and the hosts it is not used for.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    host: String,
    port: u16,
    /// `user:password` in base64 for `Proxy-Authorization: Basic`, when the URL has them.
    basic: Option<String>,
    no_proxy: Vec<String>,
}

/// Never shows the credentials.
impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("credentials", &self.basic.as_ref().map(|_| "<given>"))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

impl Proxy {
    /// Reads `HTTPS_PROXY`-style text (`http://[user:password@]host[:port]` or `host:port`; the
    /// port defaults to 1080 as curl's does) and a `NO_PROXY` list. `None` when no proxy is set.
    pub fn parse(proxy: Option<&str>, no_proxy: Option<&str>) -> Result<Option<Proxy>, ProxyError> {
        let Some(text) = proxy.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
        let bad = |why: &str| ProxyError::Setting { shown: redact(text), why: why.to_string() };
        let rest = match text.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) => {
                return Err(bad(&format!(
                    "a {scheme}:// proxy is not supported; give the proxy's http:// address"
                )))
            }
            None => text,
        };
        let rest = rest.trim_end_matches('/');
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, rest),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if !p.contains(']') => {
                (h, p.parse::<u16>().map_err(|_| bad("the port is not a number"))?)
            }
            _ => (hostport, 1080),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let basic = userinfo.map(|u| base64::engine::general_purpose::STANDARD.encode(unescape(u)));
        let no_proxy = no_proxy
            .unwrap_or("")
            .split(',')
            .map(|e| e.trim().trim_start_matches("*.").trim_start_matches('.').to_ascii_lowercase())
            .map(|e| strip_port(&e).to_string())
            .filter(|e| !e.is_empty())
            .collect();
        Ok(Some(Proxy { host: host.to_string(), port, basic, no_proxy }))
    }

    /// Whether connections to `host` go through the proxy (not when `NO_PROXY` names it, one of
    /// its parent domains, or `*`).
    pub fn applies_to(&self, host: &str) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        !self.no_proxy.iter().any(|e| {
            e == "*"
                || host == *e
                || host.strip_suffix(e.as_str()).is_some_and(|p| p.ends_with('.'))
        })
    }

    /// Connects to the proxy and asks it for a tunnel to `host:port`; the stream is then the
    /// tunnel.
    pub fn tunnel(&self, host: &str, port: u16) -> Result<TcpStream, ProxyError> {
        let unreachable = |source: Box<dyn std::error::Error + Send + Sync>| {
            ProxyError::Unreachable { host: self.host.clone(), port: self.port, source }
        };
        let mut tcp =
            crate::tcp::connect(&self.host, self.port).map_err(|e| unreachable(Box::new(e)))?;
        let authority =
            if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
        let mut head = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
        if let Some(b) = &self.basic {
            head.push_str(&format!("Proxy-Authorization: Basic {b}\r\n"));
        }
        head.push_str("\r\n");
        tcp.write_all(head.as_bytes())
            .and_then(|()| tcp.flush())
            .map_err(|e| unreachable(Box::new(e)))?;
        let answer = read_head(&mut tcp).map_err(|why| ProxyError::NoAnswer {
            host: self.host.clone(),
            port: self.port,
            why,
        })?;
        let status_line = answer.lines().next().unwrap_or("").trim();
        let status = status_line.split_whitespace().nth(1).and_then(|s| s.parse::<u16>().ok());
        match status {
            Some(200..=299) => Ok(tcp),
            Some(407) => Err(ProxyError::Credentials { host: self.host.clone(), port: self.port }),
            _ => Err(ProxyError::Refused {
                host: self.host.clone(),
                port: self.port,
                authority,
                status_line: status_line.chars().take(80).collect(),
            }),
        }
    }
}

/// Reads up to the end of an answer head (bounded in size and time); nothing after it is read.
fn read_head(tcp: &mut TcpStream) -> Result<String, HeadError> {
    let deadline = Instant::now() + CONNECT_ANSWER_TIMEOUT;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && !head.ends_with(b"\n\n") {
        if head.len() > MAX_HEAD {
            return Err(HeadError::TooLong);
        }
        if Instant::now() > deadline {
            return Err(HeadError::Timeout);
        }
        match tcp.read(&mut byte) {
            Ok(0) => return Err(HeadError::Closed),
            Ok(_) => head.push(byte[0]),
            Err(e) if crate::is_no_data(&e) => {}
            Err(e) => return Err(HeadError::Io(e)),
        }
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

/// `host:port` without the port (an IPv6 address in brackets keeps its colons).
fn strip_port(entry: &str) -> &str {
    match entry.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) && !h.contains(':') => h,
        _ => entry,
    }
}

/// Percent-decoding of the user and password in a proxy URL.
fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| char::from(c).to_digit(16);
        match (b[i], b.get(i + 1).and_then(|&c| hex(c)), b.get(i + 2).and_then(|&c| hex(c))) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The proxy text with any password replaced, for messages.
fn redact(text: &str) -> String {
    match text.rsplit_once('@') {
        Some((userinfo, host)) => {
            let (scheme, user) = match userinfo.split_once("://") {
                Some((s, u)) => (format!("{s}://"), u),
                None => (String::new(), userinfo),
            };
            let user = user.split(':').next().unwrap_or("");
            format!("{scheme}{user}:***@{host}")
        }
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls_parse_as_curl_reads_them() {
        let p = Proxy::parse(Some("http://proxy.corp:3128/"), None).unwrap().unwrap();
        assert_eq!((p.host.as_str(), p.port, p.basic.is_none()), ("proxy.corp", 3128, true));
        let p = Proxy::parse(Some("proxy.corp"), None).unwrap().unwrap();
        assert_eq!(p.port, 1080);
        let p = Proxy::parse(Some("http://me:p%40ss@10.0.0.1:8080"), None).unwrap().unwrap();
        assert_eq!(p.basic.as_deref(), Some("bWU6cEBzcw==")); // base64("me:p@ss")
        assert!(!format!("{p:?}").contains("bWU6"), "{p:?}");
        assert_eq!(Proxy::parse(Some("  "), None).unwrap(), None);
        assert_eq!(Proxy::parse(None, Some("x")).unwrap(), None);
        let e = Proxy::parse(Some("socks5://me:secret@h:1"), None).unwrap_err().to_string();
        assert!(e.contains("socks5") && !e.contains("secret"), "{e}");
        assert!(Proxy::parse(Some("http://h:port"), None).is_err());
    }

    #[test]
    fn no_proxy_names_hosts_and_their_subdomains() {
        let p =
            Proxy::parse(Some("h:1"), Some("localhost, .internal.corp,*.azure.us,10.0.0.5:443"))
                .unwrap()
                .unwrap();
        assert!(!p.applies_to("localhost"));
        assert!(!p.applies_to("a.internal.corp"));
        assert!(!p.applies_to("internal.corp"));
        assert!(!p.applies_to("management.azure.us"));
        assert!(!p.applies_to("10.0.0.5"));
        assert!(p.applies_to("management.azure.com"));
        assert!(p.applies_to("notinternal.corp"));
        let all = Proxy::parse(Some("h:1"), Some("*")).unwrap().unwrap();
        assert!(!all.applies_to("management.azure.com"));
    }
}
