//! The RDP internal-error procedure: checks -> findings -> fixes -> verification, and the offline
//! recovery script.
//!
//! STUB: owned by the doctor work.
