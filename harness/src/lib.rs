//! tcpdiff: the differential harness comparing lwIP's C TCP with its Rust port.
//!
//! - [`script`]: packetdrill-dialect scripts (parser, syntax tree, printer);
//! - [`from_script`]: scripts to [`model::Scenario`]s;
//! - [`engine`]: the engines (the C engine; the Rust port's adapter joins
//!   when the port lands) and the application both run;
//! - [`runner`]: runs scenarios on engines and compares the traces;
//! - [`oracle`]: segments, err_t, callbacks, state, resources, leaks;
//! - [`report`]: what a person or a machine reads;
//! - [`capture`]: pcap/pcapng reading, flows, pcapng writing;
//! - [`replay`]: a capture's flow as a script and scenario (docs/replay.md);
//! - [`case`]: one case on two engines, with every packet recorded;
//! - [`pcapout`]: `--pcap-out`, the commented pcapng of a run;
//! - [`regress`]: `tcpdiff regress`, cases in worker processes.

pub mod capture;
pub mod case;
pub mod engine;
pub mod from_script;
pub mod fuzzing;
pub mod model;
pub mod oracle;
pub mod pcapout;
pub mod regress;
pub mod replay;
pub mod report;
pub mod runner;
pub mod script;
pub mod wire;
