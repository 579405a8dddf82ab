/work/main/ci/footprint-probe/target/debug/deps/tcpdiff_footprint_probe-80fb3dccbe2e58d5.d: src/lib.rs

/work/main/ci/footprint-probe/target/debug/deps/libtcpdiff_footprint_probe-80fb3dccbe2e58d5.a: src/lib.rs

src/lib.rs:
