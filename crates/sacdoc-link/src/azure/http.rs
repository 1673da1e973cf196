//! A minimal HTTP/1.1 client for the few Azure Resource Manager calls (one request per
//! connection, `Connection: close`), over the same TLS stack as the websocket.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use super::net::{Net, NetError, Url};

/// How long one HTTP exchange may take.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The answer to a request.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Response {
    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends one request and reads the whole answer.
pub fn request(
    method: &str,
    url: &Url,
    headers: &[(&str, &str)],
    body: &[u8],
    ep: &super::Endpoints,
) -> Result<Response, NetError> {
    let mut net = Net::connect(url, Duration::from_secs(1), ep)?;
    let mut head = format!(
        "{method} {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: sacdoc/{}\r\nAccept: application/json\r\n\
         Connection: close\r\nContent-Length: {}\r\n",
        url.path,
        url.host_header(),
        env!("CARGO_PKG_VERSION"),
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    net.write_all(&out).and_then(|()| net.flush()).map_err(NetError::Send)?;
    let deadline = Instant::now() + HTTP_TIMEOUT;
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        if let Some(resp) = complete(&raw)? {
            return Ok(resp);
        }
        if Instant::now() >= deadline {
            return Err(NetError::NoCompleteAnswer(HTTP_TIMEOUT.as_secs()));
        }
        match net.read(&mut buf) {
            Ok(0) => return finish_at_eof(&raw),
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if crate::is_no_data(&e) => {}
            // A TLS server that closes without close_notify: what we have is the answer.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return finish_at_eof(&raw),
            Err(e) => return Err(NetError::Read(e)),
        }
    }
}

/// What the head of an answer says, and the body bytes after it.
struct Head<'a> {
    status: u16,
    chunked: bool,
    length: Option<usize>,
    body: &'a [u8],
}

/// Status line and headers, when the head is complete.
fn split_head(raw: &[u8]) -> Result<Option<Head<'_>>, NetError> {
    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else { return Ok(None) };
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|_| status_line.starts_with("HTTP/"))
        .ok_or_else(|| NetError::NotHttp(status_line.chars().take(60).collect()))?;
    let mut chunked = false;
    let mut length = None;
    for line in lines {
        let Some((k, v)) = line.split_once(':') else { continue };
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
        if k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked") {
            chunked = true;
        } else if k == "content-length" {
            length = v.parse().ok();
        }
    }
    Ok(Some(Head { status, chunked, length, body: &raw[end + 4..] }))
}

/// The response, when everything announced has arrived.
fn complete(raw: &[u8]) -> Result<Option<Response>, NetError> {
    let Some(Head { status, chunked, length, body }) = split_head(raw)? else { return Ok(None) };
    if chunked {
        return Ok(dechunk(body).map(|body| Response { status, body }));
    }
    match length {
        Some(n) if body.len() >= n => Ok(Some(Response { status, body: body[..n].to_vec() })),
        _ => Ok(None),
    }
}

fn finish_at_eof(raw: &[u8]) -> Result<Response, NetError> {
    match split_head(raw)? {
        Some(Head { status, chunked: false, length: None, body }) => {
            Ok(Response { status, body: body.to_vec() })
        }
        Some(_) => Err(NetError::ClosedMidAnswer),
        None => Err(NetError::ClosedWithoutAnswer),
    }
}

/// Decodes a complete chunked body; `None` while the last chunk has not arrived.
fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n")?;
        let size_text = String::from_utf8_lossy(&body[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        if body.len() < size + 2 {
            return None;
        }
        out.extend_from_slice(&body[..size]);
        body = &body[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_length_and_chunked_bodies_only_when_complete() {
        let r = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel";
        assert!(complete(r).unwrap().is_none());
        let r = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
        assert_eq!(complete(r).unwrap().unwrap().body, b"hello");
        let r =
            b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n";
        assert!(complete(r).unwrap().is_none());
        let mut full = r.to_vec();
        full.extend_from_slice(b"0\r\n\r\n");
        let resp = complete(&full).unwrap().unwrap();
        assert_eq!((resp.status, resp.body.as_slice()), (403, b"abcde".as_slice()));
        assert!(complete(b"SSH-2.0\r\n\r\n").is_err());
    }
}
