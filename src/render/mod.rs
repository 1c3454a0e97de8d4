//! Turning results into text for people and JSON for machines. The only place, with `cli`,
//! that knows about terminals and colours.

pub mod diagnostics;
pub mod json;
pub mod markdown;
pub mod plan;
pub mod powershell;
pub mod style;
