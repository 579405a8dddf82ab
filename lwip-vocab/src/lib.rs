//! lwIP's names and values, defined once for everything in tcpdiff that
//! speaks them: the C stack's driver (`lwip-c`), the Rust port
//! (`tcp-rust`) and the harness.
//!
//! From lwIP 2.2.1:
//! - [`Err`]: `err_t` / `err_enum_t` (`src/include/lwip/err.h`), with
//!   lwIP's names (`ERR_MEM`) and the errno each maps to in
//!   `err_to_errno()` (`src/api/err.c`);
//! - [`TcpState`]: `enum tcp_state` (`src/include/lwip/tcpbase.h`), with
//!   the names of `tcp_state_str` (`src/core/tcp.c`);
//! - [`CallbackKind`]: the six callbacks a TCP pcb has (`tcp_accept_fn`,
//!   `tcp_connected_fn`, `tcp_recv_fn`, `tcp_sent_fn`, `tcp_poll_fn`,
//!   `tcp_err_fn`: tcpbase.h and tcp.h);
//! - [`IpAddr`]: `ip_addr_t` (`src/include/lwip/ip_addr.h`): IPv4, IPv6
//!   or the dual-stack "any", with lwIP's `IPADDR_TYPE_*` codes.
//!
//! `lwip-c`'s tests check every value and name here against the C
//! definitions of the lwIP tree it compiles (`lwip-c/tests/vocab.rs`).
//!
//! `no_std`, no allocation, no unsafe code, no dependency.
//!
//! # Licence
//!
//! The names and values are lwIP's, which is © Swedish Institute of
//! Computer Science and distributed under the BSD 3-clause licence; its
//! text is kept verbatim in `LICENSE-lwIP` at the root of this crate.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod callback;
mod err;
mod ip;
mod state;

pub use callback::CallbackKind;
pub use err::{Err, RawErr, UnknownErr};
pub use ip::IpAddr;
pub use state::{TcpState, UnknownState};
