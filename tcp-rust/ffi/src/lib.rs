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
//!   `TcpPcb`, `TcpPcbListen` and `TcpSeg` lwIP's `struct tcp_pcb`,
//!   `struct tcp_pcb_listen` and `struct tcp_seg` for lwIP's unit-test
//!   options (test/unit/lwipopts.h with the runner's `LWIP_DEBUG`:
//!   dual-stack, window scaling, callbacks, `TCP_OVERSIZE_DBGCHECK`, no
//!   timestamps, SACK or keepalive). `tests/layout.rs` compiles lwIP's headers with those
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
//! - [`ip`]: lwIP's IP layer and netifs as the storage's IP methods use
//!   them (`ip4_route`, `netif_get_by_index`, `ip4_output_if`, …, and
//!   `ip_data` for `tcp_input`); `tests/ip_layout.rs` checks `struct
//!   netif`'s offsets.
//! - [`api`]: lwIP's TCP API exported under lwIP's names over one static
//!   core (`tcp_init`, `tcp_input`, the timers, the raw API, …), with C
//!   callbacks called through the pcbs' pointers. `../staticlib` builds
//!   `libtcp_rust_lwip.a`; `ci/lwip-unit --rust` runs lwIP's own unit
//!   tests on it (all 56 TCP tests give lwIP's results).
//! - [`opts`]: the build description, everything that depends on the
//!   lwipopts.h the library is built for (one module per lwipopts.h, a
//!   cargo feature selects it: lwIP's unit tests' (`opts-unit`, the
//!   default), ci/lwip-app's example application's (`opts-example-app`),
//!   the harness's full profile (`opts-full`)).
//! - [`layout_table`]: the layout and the build description as tables in
//!   the library's object, which ci/lwip-lib compares with the target's C
//!   compiler under the same lwipopts.h (thumbv7em too).
//! - Not yet: IPv6 (issue 16).
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
pub mod layout_table;
pub mod opts;
pub mod pbuf;
pub mod storage;
