//! Coverage-guided differential fuzzing support (the `fuzz/` targets use
//! it; so do `tcpdiff seeds`, `tcpdiff repro` and `tcpdiff minimize`).
//!
//! - [`drive`]: fuzz cases (model steps and raw IPv4 or IPv6 packets), run
//!   on one or two engines where `case::for_engines` would run them, with
//!   every oracle, crash and leak turned into a [`drive::Finding`];
//! - [`input`]: the `tcp_input` framing (`[selector][u16 len][IPv4]...`,
//!   and the timed variant with a u32 delay per packet), its IPv6 twin
//!   (`tcp_input6`, `tcp_input6_timed`) and the prefix scenarios the
//!   selector chooses;
//! - [`session`]: the `tcp_session` generator (`arbitrary`): API calls,
//!   field-built segments, time advances and app policies, valid by
//!   construction against the live connections;
//! - [`toscript`]: a case back to a packetdrill-dialect script;
//! - [`minimize`]: delta debugging over steps, then over fields;
//! - [`seeds`]: seed corpora from the script corpus and the traces;
//! - planted faults live with the engines ([`crate::engine::plant`]): the
//!   `tcp_input` target's planted-divergence check uses `+window`;
//! - [`targets`]: the bodies of the fuzz targets;
//! - [`cli`]: the `seeds`, `repro` and `minimize` subcommands;
//! - [`distill`]: `tcpdiff distill`, fuzz inputs into regression scripts.

pub mod cli;
pub mod distill;
pub mod drive;
pub mod input;
pub mod minimize;
pub mod seeds;
pub mod session;
pub mod targets;
pub mod toscript;
