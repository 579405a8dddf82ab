//! The mirrors in `src/pbuf.rs` are the C compiler's structures for the
//! build lwip-core compiles (lwIP's unit-test options): `struct pbuf`,
//! `struct stats_mem`, `struct stats_`'s `mem`, `struct memp_desc`, and the
//! constants (`PBUF_RAM`, …). The C side is lwip-core's table of
//! `offsetof`/`sizeof`/option values, compiled with the very flags of the
//! lwIP objects the store runs on.

use std::collections::BTreeMap;
use std::mem::{align_of, offset_of, size_of};

use lwip_tcp_rust::pbuf::{
    CPbuf, MempDesc, PBUF_FLAG_IS_CUSTOM, PBUF_POOL, PBUF_RAM, PBUF_REF, PBUF_ROM,
    PBUF_TYPE_ALLOC_SRC_MASK, PBUF_TYPE_FLAG_DATA_VOLATILE, PBUF_TYPE_FLAG_STRUCT_DATA_CONTIGUOUS,
    StatsMem, StatsPrefix,
};
use tcp_rust::pbuf::{PBUF_FLAG_PUSH, PBUF_FLAG_TCP_FIN};

fn field_size<S, T>(_: impl Fn(&S) -> &T) -> usize {
    size_of::<T>()
}

/// (C name, Rust value) for everything mirrored.
fn rust_facts() -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = Vec::new();
    macro_rules! field {
        ($ty:ty, $c:literal, $f:ident, $cf:literal) => {
            v.push((format!("{}.{}", $c, $cf), offset_of!($ty, $f) as u64));
            v.push((
                format!("sizeof {}.{}", $c, $cf),
                field_size(|s: &$ty| &s.$f) as u64,
            ));
        };
    }
    v.push(("sizeof pbuf".into(), size_of::<CPbuf>() as u64));
    v.push(("alignof pbuf".into(), align_of::<CPbuf>() as u64));
    field!(CPbuf, "pbuf", next, "next");
    field!(CPbuf, "pbuf", payload, "payload");
    field!(CPbuf, "pbuf", tot_len, "tot_len");
    field!(CPbuf, "pbuf", len, "len");
    field!(CPbuf, "pbuf", type_internal, "type_internal");
    field!(CPbuf, "pbuf", flags, "flags");
    field!(CPbuf, "pbuf", ref_, "ref");
    field!(CPbuf, "pbuf", if_idx, "if_idx");
    v.push(("sizeof stats_mem".into(), size_of::<StatsMem>() as u64));
    field!(StatsMem, "stats_mem", err, "err");
    field!(StatsMem, "stats_mem", avail, "avail");
    field!(StatsMem, "stats_mem", used, "used");
    field!(StatsMem, "stats_mem", max, "max");
    field!(StatsMem, "stats_mem", illegal, "illegal");
    field!(StatsPrefix, "stats_", mem, "mem");
    v.push(("sizeof memp_desc".into(), size_of::<MempDesc>() as u64));
    field!(MempDesc, "memp_desc", stats, "stats");
    field!(MempDesc, "memp_desc", size, "size");
    field!(MempDesc, "memp_desc", num, "num");
    field!(MempDesc, "memp_desc", base, "base");
    field!(MempDesc, "memp_desc", tab, "tab");
    for (n, x) in [
        ("PBUF_RAM", u64::from(PBUF_RAM)),
        ("PBUF_ROM", u64::from(PBUF_ROM)),
        ("PBUF_REF", u64::from(PBUF_REF)),
        ("PBUF_POOL", u64::from(PBUF_POOL)),
        (
            "PBUF_TYPE_ALLOC_SRC_MASK",
            u64::from(PBUF_TYPE_ALLOC_SRC_MASK),
        ),
        (
            "PBUF_TYPE_FLAG_DATA_VOLATILE",
            u64::from(PBUF_TYPE_FLAG_DATA_VOLATILE),
        ),
        (
            "PBUF_TYPE_FLAG_STRUCT_DATA_CONTIGUOUS",
            u64::from(PBUF_TYPE_FLAG_STRUCT_DATA_CONTIGUOUS),
        ),
        ("PBUF_FLAG_PUSH", u64::from(PBUF_FLAG_PUSH)),
        ("PBUF_FLAG_IS_CUSTOM", u64::from(PBUF_FLAG_IS_CUSTOM)),
        ("PBUF_FLAG_TCP_FIN", u64::from(PBUF_FLAG_TCP_FIN)),
        // What the mirrors assume of the build (module docs of pbuf.rs).
        ("MEM_STATS", 1),
        ("MEMP_STATS", 1),
        ("sizeof mem_size_t", 2),
        ("sizeof STAT_COUNTER", 2),
        ("sizeof LWIP_PBUF_REF_T", 1),
    ] {
        v.push((n.into(), x));
    }
    v
}

fn differences(rust: &[(String, u64)], c: &BTreeMap<String, u64>) -> Vec<String> {
    rust.iter()
        .filter_map(|(n, r)| match c.get(n) {
            Some(cv) if cv == r => None,
            Some(cv) => Some(format!("{n}: Rust {r}, C {cv}")),
            None => Some(format!("{n}: not measured on the C side")),
        })
        .collect()
}

#[test]
fn the_mirrors_are_the_c_structures() {
    let wrong = differences(&rust_facts(), &lwip_core::facts());
    assert!(wrong.is_empty(), "layout differs:\n{}", wrong.join("\n"));
}

/// The check names what differs: `len` moved by a byte, `struct pbuf`
/// eight bytes larger, exactly those two.
#[test]
fn a_wrong_offset_or_size_is_reported() {
    let mut rust = rust_facts();
    for (n, v) in rust.iter_mut() {
        if n == "pbuf.len" {
            *v += 1;
        }
        if n == "sizeof pbuf" {
            *v += 8;
        }
    }
    let wrong = differences(&rust, &lwip_core::facts());
    assert_eq!(wrong.len(), 2, "{wrong:?}");
    assert!(wrong.iter().any(|w| w.starts_with("pbuf.len: Rust")));
    assert!(wrong.iter().any(|w| w.starts_with("sizeof pbuf: Rust")));
}

/// The options the differential test's port configuration is built from,
/// as lwIP's unit-test build has them (the numbers tests/pbuf_diff.rs
/// writes down).
#[test]
fn the_unit_test_options_are_as_written_down() {
    let c = lwip_core::facts();
    let want = [
        ("MEM_SIZE", 17000),
        ("MEM_ALIGNMENT", 1),
        ("PBUF_POOL_SIZE", 400),
        ("PBUF_POOL_BUFSIZE", 610),
        ("MEMP_NUM_PBUF", 16),
        ("SIZEOF_STRUCT_PBUF", 24),
        ("PBUF_TRANSPORT", 74),
        ("PBUF_IP", 54),
        ("PBUF_LINK", 14),
        ("LWIP_STATS", 1),
    ];
    for (n, v) in want {
        assert_eq!(c.get(n), Some(&v), "{n}");
    }
}
