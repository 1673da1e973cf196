//! When the way to a logged-in cmd channel ([`super::Session::ensure_cmd`]) starts over, and
//! how often.

use crate::error::SessionError;
use crate::line::LineError;
use crate::runner::RunError;

/// How often [`super::Session::ensure_cmd`] starts again after the link came back in the middle of it.
pub(super) const RECONNECT_RESTARTS: u32 = 3;

/// True when `e` only says that the link was cut and opened again.
pub(super) fn reconnected(e: &SessionError) -> bool {
    matches!(
        e,
        SessionError::Line(LineError::Reconnected)
            | SessionError::Typing(crate::typing::TypeError::Line(LineError::Reconnected))
            | SessionError::Run(RunError::Reconnected)
    )
}

/// Times the way to a logged-in cmd channel starts over from `SAC>` when noise on the line made
/// an answer unreadable. Every step on that way can be taken again: Esc Tab 0 leaves any
/// state, a channel is viewed again from `SAC>`, a login form begun is closed and a new channel
/// opened, and a password already submitted is never typed again (its outcome is read from the
/// channel's view).
pub(super) const UNREADABLE_RESTARTS: u32 = 4;

/// True when `e` says only that the console's answer was not recognised on screen (a wait that
/// ended without the text it looked for, an echo the line garbled, a screen other than the one
/// expected, a channel name SAC did not know because the line was typed wrong), not that the
/// console refused or cannot do what was asked.
pub(super) fn unreadable_on_screen(e: &SessionError) -> bool {
    match e {
        SessionError::Line(LineError::Timeout { .. }) => true,
        // A password echoed in clear is the far end's behaviour, not noise: starting over would
        // display the password again.
        SessionError::Typing(t) => {
            !matches!(t, crate::typing::TypeError::Line(_) | crate::typing::TypeError::ClearEcho)
        }
        SessionError::Unexpected(_) | SessionError::NoChannel(_) => true,
        SessionError::Run(RunError::Session(_)) => true,
        _ => false,
    }
}
