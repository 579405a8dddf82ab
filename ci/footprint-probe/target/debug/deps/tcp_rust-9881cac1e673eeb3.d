/work/main/ci/footprint-probe/target/debug/deps/tcp_rust-9881cac1e673eeb3.d: /work/main/tcp-rust/src/lib.rs /work/main/tcp-rust/src/config.rs /work/main/tcp-rust/src/err.rs /work/main/tcp-rust/src/ip4.rs /work/main/tcp-rust/src/mem.rs /work/main/tcp-rust/src/options.rs /work/main/tcp-rust/src/pbuf.rs /work/main/tcp-rust/src/seq.rs /work/main/tcp-rust/src/stack.rs /work/main/tcp-rust/src/state.rs /work/main/tcp-rust/src/storage.rs /work/main/tcp-rust/src/tcp.rs /work/main/tcp-rust/src/tcp_in.rs /work/main/tcp-rust/src/tcp_out.rs /work/main/tcp-rust/src/wire.rs

/work/main/ci/footprint-probe/target/debug/deps/libtcp_rust-9881cac1e673eeb3.rlib: /work/main/tcp-rust/src/lib.rs /work/main/tcp-rust/src/config.rs /work/main/tcp-rust/src/err.rs /work/main/tcp-rust/src/ip4.rs /work/main/tcp-rust/src/mem.rs /work/main/tcp-rust/src/options.rs /work/main/tcp-rust/src/pbuf.rs /work/main/tcp-rust/src/seq.rs /work/main/tcp-rust/src/stack.rs /work/main/tcp-rust/src/state.rs /work/main/tcp-rust/src/storage.rs /work/main/tcp-rust/src/tcp.rs /work/main/tcp-rust/src/tcp_in.rs /work/main/tcp-rust/src/tcp_out.rs /work/main/tcp-rust/src/wire.rs

/work/main/ci/footprint-probe/target/debug/deps/libtcp_rust-9881cac1e673eeb3.rmeta: /work/main/tcp-rust/src/lib.rs /work/main/tcp-rust/src/config.rs /work/main/tcp-rust/src/err.rs /work/main/tcp-rust/src/ip4.rs /work/main/tcp-rust/src/mem.rs /work/main/tcp-rust/src/options.rs /work/main/tcp-rust/src/pbuf.rs /work/main/tcp-rust/src/seq.rs /work/main/tcp-rust/src/stack.rs /work/main/tcp-rust/src/state.rs /work/main/tcp-rust/src/storage.rs /work/main/tcp-rust/src/tcp.rs /work/main/tcp-rust/src/tcp_in.rs /work/main/tcp-rust/src/tcp_out.rs /work/main/tcp-rust/src/wire.rs

/work/main/tcp-rust/src/lib.rs:
/work/main/tcp-rust/src/config.rs:
/work/main/tcp-rust/src/err.rs:
/work/main/tcp-rust/src/ip4.rs:
/work/main/tcp-rust/src/mem.rs:
/work/main/tcp-rust/src/options.rs:
/work/main/tcp-rust/src/pbuf.rs:
/work/main/tcp-rust/src/seq.rs:
/work/main/tcp-rust/src/stack.rs:
/work/main/tcp-rust/src/state.rs:
/work/main/tcp-rust/src/storage.rs:
/work/main/tcp-rust/src/tcp.rs:
/work/main/tcp-rust/src/tcp_in.rs:
/work/main/tcp-rust/src/tcp_out.rs:
/work/main/tcp-rust/src/wire.rs:
