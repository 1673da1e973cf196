//! Every kind of link, reconnecting, recording and the Azure relay, over real ptys and sockets.
//!
//! One test binary per group (each file is a module), so the suite links a handful of
//! binaries instead of one per file.

mod azure_relay;
mod azure_target;
mod azure_tls;
mod console_server_busy;
mod line_control;
mod rfc2217_link;
#[path = "../support/mod.rs"]
mod support;
mod transcript_roundtrip;
mod transport_exec;
mod transport_reconnect;
mod transport_replay;
mod transport_serial;
mod transport_sim;
mod transport_sockets;
mod transport_target;
mod transport_telnet;
