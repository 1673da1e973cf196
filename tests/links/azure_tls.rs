//! The https/wss path Azure itself uses: a loopback TLS front (rustls, a certificate made for the
//! test and trusted through SACDOC_AZURE_CA_FILE) before the stand-in for Azure, so the management
//! calls go over https and the console over wss, as they do against management.azure.com and
//! *.gateway.serialconsole.azure.com.

use crate::support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use sacdoc::runner::Shell;
use sacdoc::sac::{ConnectConfig, Session, SessionOptions};
use sacdoc::transport::azure::{AzureLink, AzureOptions, AzureVm, Endpoints, Token};
use support::azure_relay::{Relay, RelayConfig};

/// Terminates TLS on 127.0.0.1 and forwards the plain bytes to `backend`.
struct TlsFront {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn relay_bytes(
    tls: &mut rustls::StreamOwned<rustls::ServerConnection, TcpStream>,
    mut plain: TcpStream,
    stop: &AtomicBool,
) {
    let mut buf = [0u8; 8192];
    while !stop.load(Ordering::SeqCst) {
        match tls.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                if plain.write_all(&buf[..n]).is_err() {
                    return;
                }
            }
            Err(e) if sacdoc::transport::is_no_data(&e) => {}
            Err(_) => return,
        }
        match plain.read(&mut buf) {
            Ok(0) => {
                tls.conn.send_close_notify();
                let _ = tls.flush();
                return;
            }
            Ok(n) => {
                if tls.write_all(&buf[..n]).and_then(|()| tls.flush()).is_err() {
                    return;
                }
            }
            Err(e) if sacdoc::transport::is_no_data(&e) => {}
            Err(_) => return,
        }
    }
}

fn tls_front(backend: SocketAddr, ca_file: &std::path::Path) -> TlsFront {
    let ck =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap();
    std::fs::write(ca_file, ck.cert.pem()).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.signing_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![ck.cert.der().clone()], key)
            .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let st = stop.clone();
    std::thread::spawn(move || {
        while !st.load(Ordering::SeqCst) {
            let Ok((s, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            let (config, st) = (config.clone(), st.clone());
            std::thread::spawn(move || {
                let _ = s.set_nonblocking(false);
                let _ = s.set_read_timeout(Some(Duration::from_millis(5)));
                let Ok(plain) = TcpStream::connect(backend) else { return };
                let _ = plain.set_read_timeout(Some(Duration::from_millis(5)));
                let Ok(conn) = rustls::ServerConnection::new(config) else { return };
                let mut tls = rustls::StreamOwned::new(conn, s);
                relay_bytes(&mut tls, plain, &st);
            });
        }
    });
    TlsFront { addr, stop }
}

#[test]
fn https_and_wss_carry_the_console_and_an_untrusted_certificate_is_refused() {
    let sim = support::sim_server("healthy", "profile=ws2022");
    let relay = Relay::start(RelayConfig::new(sim.addr().unwrap()));
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("test-ca.pem");
    let front = tls_front(relay.addr, &ca);
    let vm = AzureVm {
        subscription: relay.config.subscription.clone(),
        resource_group: relay.config.resource_group.clone(),
        vm: relay.config.vm.clone(),
    };
    let ep = Endpoints {
        arm: format!("https://127.0.0.1:{}", front.addr.port()),
        ws_base: Some(format!("wss://127.0.0.1:{}", front.addr.port())),
        ..Endpoints::default()
    };
    let token = || Token::new(&relay.config.token);

    // Not trusted yet: the certificate is refused, and the error says it is about TLS.
    let e = AzureLink::open_with(&vm, &ep, token(), AzureOptions::default(), relay.target())
        .err()
        .unwrap()
        .to_string();
    assert!(e.to_ascii_lowercase().contains("certificate"), "{e}");
    assert!(relay.log().requests.is_empty(), "nothing got through an untrusted TLS front");

    let trusted = Endpoints { ca_file: Some(ca.clone()), ..ep.clone() };
    let link =
        AzureLink::open_with(&vm, &trusted, token(), AzureOptions::default(), relay.target())
            .unwrap();
    let cfg = ConnectConfig::new(
        "sim:healthy".parse::<sacdoc::target::Target>().unwrap(),
        support::credentials(),
    );
    let mut s = Session::attach(Box::new(link), SessionOptions::from_config(&cfg)).unwrap();
    s.ensure_cmd().unwrap();
    let out = s.run("echo over-wss").unwrap();
    assert!(out.output.contains("over-wss"), "{out:?}");
    s.close().unwrap();
    let log = relay.log();
    assert_eq!(log.requests.len(), 3, "{:?}", log.requests);
    assert_eq!(log.sessions, 1);

    // Through an HTTP proxy: TLS runs end to end inside the CONNECT tunnels (the proxy sees only
    // encrypted bytes and the host name) and the certificate is checked as before.
    let proxy = support::connect_proxy::ConnectProxy::start(None);
    let via = Endpoints {
        proxy: sacdoc::transport::azure::proxy::Proxy::parse(Some(&proxy.url()), None).unwrap(),
        ..trusted.clone()
    };
    let link =
        AzureLink::open_with(&vm, &via, token(), AzureOptions::default(), relay.target()).unwrap();
    let mut s = Session::attach(Box::new(link), SessionOptions::from_config(&cfg)).unwrap();
    s.ensure_cmd().unwrap();
    assert!(s.run("echo over-a-proxy").unwrap().output.contains("over-a-proxy"));
    s.close().unwrap();
    assert_eq!(proxy.heads().len(), 4, "{:?}", proxy.heads());
    assert!(proxy.heads().iter().all(|h| h.starts_with("CONNECT 127.0.0.1:")));
}
