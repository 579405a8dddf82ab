//! tcpdiff: the differential harness comparing lwIP's C TCP with its Rust port.

pub mod capture;
pub mod script;
