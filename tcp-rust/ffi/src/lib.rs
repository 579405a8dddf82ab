//! tcp-rust behind lwIP's C ABI: the library an lwIP build links in place
//! of `tcp.c`, `tcp_in.c` and `tcp_out.c` (docs/drop-in.md).
//!
//! The TCP logic is tcp-rust's safe core; this crate is the other side of
//! its storage seam ([`tcp_rust::storage`]): lwIP's own structures, pools,
//! pbufs and IP layer underneath, and the C symbols on top. Every `unsafe`
//! block of the drop-in lives here, each with a SAFETY comment.
//!
//! # Status
//!
//! - [`layout`]: the layout ([`layout::CLayout`]) that makes the core's
//!   `TcpPcb` and `TcpPcbListen` lwIP's `struct tcp_pcb` and `struct
//!   tcp_pcb_listen` for lwIP's unit-test options (test/unit/lwipopts.h:
//!   dual-stack, window scaling, callbacks, no timestamps, SACK or
//!   keepalive). `tests/layout.rs` compiles lwIP's headers with those
//!   options and compares every size and offset with the C compiler's.
//! - [`pbuf`]: [`pbuf::LwipPbufs`], the core's pbuf store
//!   ([`tcp_rust::pbuf::PbufStore`]) over lwIP's own `pbuf.c` (its
//!   functions, `struct pbuf`'s fields through a `#[repr(C)]` mirror, the
//!   heap and pool statistics from `lwip_stats` and memp.c's descriptors).
//!   `tests/pbuf_layout.rs` checks the mirrors against the C compiler,
//!   `tests/pbuf_diff.rs` runs it against the port's own `Pbufs` over
//!   lwIP's real pbuf.c (linked from the test-only crate `lwip-core`).
//! - [`storage`]: [`storage::LwipStorage`], the core's storage
//!   ([`tcp_rust::storage::Storage`]) over lwIP's `memp` pools
//!   (`memp_malloc`/`memp_free` of `MEMP_TCP_PCB`, `_LISTEN`, `_SEG`, memp's
//!   statistics), with C pointers as references checked by pool
//!   arithmetic, the segment header read and written in the segment's
//!   pbuf, and tcp.c's globals (`tcp_active_pcbs`, …, `tcp_pcb_lists`),
//!   which it exports under lwIP's names. `tests/storage_pools.rs` checks
//!   its constants and the pools against the C compiler and memp.c;
//!   `tests/storage_diff.rs` runs the core over it and over the port's own
//!   `Pools` with the same sequence and compares every packet, callback
//!   and pcb field.
//! - Not yet: the raw API's exported functions, the IP input and output,
//!   lwIP's callbacks called through their C pointers. Until then this
//!   crate exports tcp.c's data symbols only and cannot replace lwIP's
//!   TCP.
//!
//! # Licence
//!
//! Part of the port of lwIP (© Swedish Institute of Computer Science, BSD
//! 3-clause); `../LICENSE-lwIP` applies.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
#![warn(missing_docs)]

pub mod api;
pub mod ip;
pub mod layout;
pub mod pbuf;
pub mod storage;
