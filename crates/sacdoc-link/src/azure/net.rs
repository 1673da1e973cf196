//! The byte streams under the Azure client: plain TCP for the loopback relay in tests, TLS
//! (rustls with the Mozilla roots, no system OpenSSL) for Azure itself; and the little URL parsing
//! the client needs.
//!
//! `SACDOC_AZURE_CA_FILE` names a PEM file of extra root certificates, trusted besides the
//! Mozilla roots: for networks whose proxy re-signs TLS traffic with its own authority.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use crate::tcp;

/// Why a URL, a connection or an HTTP exchange with an Azure endpoint failed. Messages may hold a
/// URL with the token in its query: callers redact them ([`super::Token::redact`]) before showing.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("{0:?} is not an absolute URL")]
    NotAbsolute(String),
    #[error("{0:?}: only http, https, ws and wss URLs are used")]
    Scheme(String),
    #[error("{0:?} has no host")]
    NoHost(String),
    #[error("{CA_FILE_ENV}={path}: {reason}")]
    CaFile { path: String, reason: String },
    #[error(transparent)]
    Connect(#[from] tcp::TcpError),
    #[error(transparent)]
    Proxy(#[from] super::proxy::ProxyError),
    #[error("setting the read timeout: {0}")]
    Socket(io::Error),
    #[error("TLS set-up: {0}")]
    Tls(#[from] rustls::Error),
    #[error("{host:?} is not a valid TLS server name: {source}")]
    ServerName { host: String, source: rustls::pki_types::InvalidDnsNameError },
    #[error("sending the request: {0}")]
    Send(io::Error),
    #[error("no complete answer within {0} s")]
    NoCompleteAnswer(u64),
    #[error("reading the answer: {0}")]
    Read(io::Error),
    #[error("not an HTTP answer: {0:?}")]
    NotHttp(String),
    #[error("the server closed the connection in the middle of its answer")]
    ClosedMidAnswer,
    #[error("the server closed the connection without answering")]
    ClosedWithoutAnswer,
}

/// `scheme://host[:port]/path?query`, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// `http`, `https`, `ws` or `wss`.
    pub scheme: String,
    pub host: String,
    pub port: u16,
    /// Path and query, starting with `/`.
    pub path: String,
}

impl Url {
    /// Parses an absolute http(s)/ws(s) URL.
    pub fn parse(s: &str) -> Result<Url, NetError> {
        let (scheme, rest) = s.split_once("://").ok_or_else(|| NetError::NotAbsolute(s.into()))?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" | "ws" => 80,
            "https" | "wss" => 443,
            _ => return Err(NetError::Scheme(s.into())),
        };
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) => (&rest[..i], rest[i..].to_string()),
            None => (rest, "/".to_string()),
        };
        let path = if path.starts_with('?') { format!("/{path}") } else { path };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => {
                match p.parse::<u16>() {
                    Ok(p) => (h, p),
                    Err(_) => (authority, default_port),
                }
            }
            _ => (authority, default_port),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(NetError::NoHost(s.into()));
        }
        Ok(Url { scheme, host: host.to_string(), port, path })
    }

    /// True for https and wss.
    pub fn is_tls(&self) -> bool {
        matches!(self.scheme.as_str(), "https" | "wss")
    }

    /// `host` or `host:port` when the port is not the scheme's default, for the Host header.
    pub fn host_header(&self) -> String {
        let default = if self.is_tls() { 443 } else { 80 };
        let host =
            if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// The same URL written out again.
    pub fn to_url_string(&self) -> String {
        format!("{}://{}{}", self.scheme, self.host_header(), self.path)
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters (for path segments and query
/// values).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Environment variable naming extra trusted root certificates (PEM).
pub const CA_FILE_ENV: &str = "SACDOC_AZURE_CA_FILE";

/// The Mozilla roots plus those in `ca_file` (`SACDOC_AZURE_CA_FILE`), if given.
fn roots(ca_file: Option<&std::path::Path>) -> Result<rustls::RootCertStore, NetError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let Some(path) = ca_file else {
        return Ok(roots);
    };
    let bad = |reason: String| NetError::CaFile { path: path.display().to_string(), reason };
    let mut added = 0;
    for cert in CertificateDer::pem_file_iter(path).map_err(|e| bad(e.to_string()))? {
        let cert = cert.map_err(|e| bad(e.to_string()))?;
        roots.add(cert).map_err(|e| bad(format!("not a usable certificate: {e}")))?;
        added += 1;
    }
    if added == 0 {
        return Err(bad("no PEM certificate in the file".into()));
    }
    Ok(roots)
}

/// A connection to an http(s) or ws(s) server.
pub enum Net {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Net {
    /// Connects to the URL's host, with TLS for https/wss. `timeout` is the read timeout.
    /// Through `ep.proxy` when it applies to the host (a CONNECT tunnel; TLS runs inside it).
    pub fn connect(url: &Url, timeout: Duration, ep: &super::Endpoints) -> Result<Net, NetError> {
        let ca_file = ep.ca_file.as_deref();
        let tcp = match &ep.proxy {
            Some(p) if p.applies_to(&url.host) => p.tunnel(&url.host, url.port)?,
            _ => tcp::connect(&url.host, url.port)?,
        };
        tcp.set_read_timeout(Some(timeout)).map_err(NetError::Socket)?;
        if !url.is_tls() {
            return Ok(Net::Plain(tcp));
        }
        let roots = roots(ca_file)?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = rustls::pki_types::ServerName::try_from(url.host.clone())
            .map_err(|source| NetError::ServerName { host: url.host.clone(), source })?;
        let conn = rustls::ClientConnection::new(Arc::new(config), name)?;
        Ok(Net::Tls(Box::new(rustls::StreamOwned::new(conn, tcp))))
    }

    /// The TCP socket underneath, to change its timeouts.
    pub fn tcp(&self) -> &TcpStream {
        match self {
            Net::Plain(s) => s,
            Net::Tls(s) => &s.sock,
        }
    }
}

impl Read for Net {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Net::Plain(s) => s.read(buf),
            Net::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Net {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Net::Plain(s) => s.write(buf),
            Net::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Net::Plain(s) => s.flush(),
            Net::Tls(s) => s.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_urls_the_client_meets() {
        let u = Url::parse("wss://eastus.gateway.serialconsole.azure.com/n/c/x/client").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("eastus.gateway.serialconsole.azure.com", 443, "/n/c/x/client")
        );
        let u = Url::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!((u.port, u.path.as_str(), u.is_tls()), (8080, "/", false));
        assert_eq!(u.host_header(), "127.0.0.1:8080");
        assert!(Url::parse("ftp://x/").is_err());
        assert_eq!(encode("rg(1) a"), "rg%281%29%20a");
    }
}
