//! Opens a session's link: the target, kept open across cuts when it can be, and recorded.

use std::path::PathBuf;

use sacdoc_link::Link;

use super::{ConnectConfig, Recording, SessionError};

/// Opens the configured target, wrapped in a transcript recorder unless recording is off.
/// Returns the link and the transcript's path.
pub fn open_link(cfg: &ConnectConfig) -> Result<(Box<dyn Link>, Option<PathBuf>), SessionError> {
    use sacdoc_transcript::{Header, Recorder, RecordingLink};
    let link: Box<dyn Link> = if cfg.reconnect && cfg.target.can_reconnect() {
        // A dropped link is opened again; the session's state machine finds its place anew.
        let policy = sacdoc_link::reconnect::ReconnectPolicy::default();
        let mut link = sacdoc_link::reconnect::ReconnectingLink::open(&cfg.target, policy)
            .map_err(SessionError::Open)?;
        if let Some(events) = cfg.link_events.clone() {
            link = link.on_event(move |e| (events.0)(e));
        }
        Box::new(link)
    } else {
        cfg.target.open().map_err(SessionError::Open)?
    };
    let header = Header::new(&cfg.target.to_string());
    let mut recorder = match &cfg.record {
        Recording::Off => return Ok((link, None)),
        Recording::InFolder(dir) => Recorder::create_default(dir, &header),
        Recording::Path(p) => Recorder::create(p, &header),
    }
    .map_err(SessionError::Record)?;
    recorder.set_cap(cfg.transcript_cap);
    let rec = RecordingLink::new(link, recorder);
    let path = rec.transcript_path().map(std::path::Path::to_path_buf);
    Ok((Box::new(rec), path))
}
