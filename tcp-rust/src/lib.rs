//! A `no_std` port of lwIP 2.2.1's TCP (`src/core/tcp.c`, `tcp_in.c`,
//! `tcp_out.c`), built to behave exactly like the C original so that the
//! two can be run side by side by the tcpdiff harness.
//!
//! # Status
//!
//! Stage 1 groundwork: the foundation types the engine will be built on.
//!
//! - [`err`]: lwIP's `err_t` codes ([`Err`]).
//! - `seq` (crate-private): sequence-number comparisons `TCP_SEQ_LT` …
//!   `TCP_SEQ_BETWEEN`.
//! - [`state`]: `enum tcp_state` ([`TcpState`]), the `pcb->flags` bits
//!   (`TF_*`), and TCP header flag bits (`TCP_FIN` … `TCP_CWR`).
//! - `wire` (crate-private): the IPv4/TCP header constants the engine uses
//!   and the Internet checksum.
//! - [`options`]: TCP option parsing as `tcp_parseopt`, and option building
//!   in the exact layout of tcp_out.c.
//! - [`config`]: the lwipopts values lwIP's TCP reads ([`Config`]).
//! - [`storage`]: lwIP's pools for pcbs and segments behind one trait
//!   ([`storage::Storage`]; [`storage::Pools`] is the port's own).
//!
//! # Rules for this crate
//!
//! - `#![no_std]`, no `alloc`, `#![forbid(unsafe_code)]`.
//! - No panics reachable from input: no `unwrap`/`expect`, no panicking
//!   indexing or arithmetic overflow on input-derived values (wrapping
//!   arithmetic and `get` instead).
//! - Every item that mirrors an lwIP item names it in its docs
//!   ("Port of lwIP's `X` (file)"), and lwIP's names are kept for fields and
//!   flags (`TF_ACK_NOW`, `tcp_mss`, `ts_recent`, …).
//! - Clippy (`-D warnings`) and rustfmt clean.
//!
//! # Licence
//!
//! This is a port of lwIP, which is © Swedish Institute of Computer Science
//! and distributed under the BSD 3-clause licence. lwIP's licence text is
//! kept verbatim in `LICENSE-lwIP` at the root of this crate and applies to
//! this port.
// Tests run on the host with std; the library itself is no_std (ci/check-port
// builds it for a bare-metal target, where std and alloc do not exist).
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

pub mod config;
pub mod err;
pub mod ip4;
pub mod ip6;
pub mod mem;
pub mod options;
pub mod pbuf;
mod seq;
pub mod stack;
pub mod state;
pub mod storage;
pub mod tcp;
pub mod tcp_in;
pub mod tcp_out;
mod wire;

pub use config::{Config, Full, Profile};
pub use err::Err;
pub use lwip_vocab::IpAddr;
pub use options::{TcpOptBytes, TcpParseopt, TcpSackRange, tcp_parseopt};
pub use stack::{
    AcceptFn, ApiError, Assertion, Callback, CallbackKind, Event, Handle, Hooks, List, LwipFile,
    Netif, Packet, Tcp, TcpApp, TcpPcb, TcpPcbListen, TcpSeg, WriteFlags,
};
pub use state::{TcpFlags, TcpState};

#[cfg(test)]
mod contract_tests;
#[cfg(test)]
mod ipv6_tests;
#[cfg(test)]
mod stage2_tests;
#[cfg(test)]
mod state_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
