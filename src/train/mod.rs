//! Training: practise the RDP internal-error procedure by hand on a simulated VM, then get a
//! graded report card.
//!
//! The trainee works in the text UI's console on a simulated VM ([`vm`]); the procedure and
//! the exercise's hints sit in a side pane. When the trainee says done, [`grade`] reads the VM's
//! state (would RDP connect?) and the lines its shell ran ([`classify`]: backups, changes,
//! checks), [`doctor_cost`] measures what the doctor needs for the same VM, [`card`] renders the
//! result and [`markers`] writes each graded event into the session's transcript.

pub mod card;
pub mod classify;
pub mod doctor_cost;
pub mod exercise;
pub mod follow;
pub mod follow_link;
pub mod grade;
pub mod lesson;
pub mod markers;
pub mod procedure;
pub mod vm;
