//! `TcpPcb<CLayout>`, `TcpPcbListen<CLayout>` and `TcpSeg<CLayout>` are
//! lwIP's `struct tcp_pcb`, `struct tcp_pcb_listen` and `struct tcp_seg`: every field at the C compiler's
//! offset with the C compiler's size, and the same total size and
//! alignment, for lwIP's unit-test options (test/unit/lwipopts.h of the
//! pinned tree). The C side is measured by compiling lwIP's headers with
//! those options (a probe program built with the host C compiler, `CC` or
//! `cc`), the Rust side with `offset_of!` — one field list for both.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::mem::{align_of, offset_of, size_of};
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

/// The size of the field a projection returns.
fn field_size<S, T>(_: impl Fn(&S) -> &T) -> usize {
    size_of::<T>()
}

type Row = (&'static str, &'static str, usize, usize);

/// One row per field: (C struct, field, offset, size), the Rust values,
/// and per structure its size and alignment, over the crate's one list of
/// fields ([`lwip_tcp_rust::for_each_c_struct`]).
fn rust_rows() -> (Vec<Row>, Vec<(&'static str, usize, usize)>) {
    let mut rows: Vec<Row> = Vec::new();
    let mut structs = Vec::new();
    macro_rules! collect {
        ($c:literal, $ty:ty, $name:ident, [$($f:ident $(if $opt:ident)?),* $(,)?]) => {
            $(
                // A field C has only under an option this build leaves off
                // is not in the C structure (the Rust one is zero-sized).
                if true $(&& lwip_tcp_rust::opts::$opt)? {
                    rows.push(($c, stringify!($f), offset_of!($ty, $f), field_size(|s: &$ty| &s.$f)));
                }
            )*
            structs.push(($c, size_of::<$ty>(), align_of::<$ty>()));
        };
    }
    lwip_tcp_rust::for_each_c_struct!(collect);
    (rows, structs)
}

/// Builds and runs the probe; its output, one `struct field offset size`
/// (or `struct - size align`) line each.
fn c_layout(rows: &[Row], structs: &[(&str, usize, usize)]) -> String {
    let lwip = Path::new(lwip_core::LWIP_DIR);
    let mut probe = String::from(
        "#include \"lwip/opt.h\"\n#include \"lwip/tcp.h\"\n\
         #include \"lwip/priv/tcp_priv.h\"\n#include <stdio.h>\n\
         #include <stddef.h>\nint main(void) {\n",
    );
    for (s, f, _, _) in rows {
        let _ = writeln!(
            probe,
            "  printf(\"{s} {f} %zu %zu\\n\", offsetof(struct {s}, {f}), \
             sizeof(((struct {s} *)0)->{f}));"
        );
    }
    for (s, _, _) in structs {
        let _ = writeln!(
            probe,
            "  printf(\"{s} - %zu %zu\\n\", sizeof(struct {s}), _Alignof(struct {s}));"
        );
    }
    probe.push_str("  return 0;\n}\n");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("layout-probe");
    std::fs::create_dir_all(&dir).expect("create the probe's directory");
    let src = dir.join("probe.c");
    let exe = dir.join("probe");
    std::fs::write(&src, probe).expect("write probe.c");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let out = Command::new(&cc)
        .arg("-std=gnu11")
        // As lwIP's unit-test runner is built (contrib/ports/unix/check):
        // LWIP_DEBUG makes TCP_OVERSIZE_DBGCHECK 1, which gives struct
        // tcp_seg its oversize_left.
        .arg("-DLWIP_DEBUG")
        .arg("-I")
        .arg(lwip.join("test/unit"))
        .arg("-I")
        .arg(lwip.join("src/include"))
        .arg("-I")
        .arg(lwip.join("contrib/ports/unix/port/include"))
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the C compiler `{cc}`: {e}"));
    assert!(
        out.status.success(),
        "the probe did not compile with `{cc}`:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new(&exe).output().expect("run the probe");
    assert!(run.status.success(), "the probe failed");
    String::from_utf8(run.stdout).expect("probe output is text")
}

/// The probe's output, built and run once for all tests.
fn c_output() -> &'static str {
    static OUT: OnceLock<String> = OnceLock::new();
    OUT.get_or_init(|| {
        let (rows, structs) = rust_rows();
        c_layout(&rows, &structs)
    })
}

/// Every row and struct whose Rust offset, size or alignment differs from
/// the C compiler's, as a line each.
fn differences(rows: &[Row], structs: &[(&str, usize, usize)], c: &str) -> Vec<String> {
    let c: BTreeMap<(&str, &str), (usize, usize)> = c
        .lines()
        .filter_map(|l| {
            let v: Vec<&str> = l.split(' ').collect();
            let n = |i: usize| v.get(i).and_then(|x| x.parse::<usize>().ok());
            Some(((*v.first()?, *v.get(1)?), (n(2)?, n(3)?)))
        })
        .collect();
    let mut wrong = Vec::new();
    for (s, f, off, size) in rows {
        match c.get(&(*s, *f)) {
            Some(&want) if want == (*off, *size) => {}
            Some(want) => wrong.push(format!(
                "{s}.{f}: Rust offset {off} size {size}, C offset {} size {}",
                want.0, want.1
            )),
            None => wrong.push(format!("{s}.{f}: not measured on the C side")),
        }
    }
    for (s, size, align) in structs {
        match c.get(&(*s, "-")) {
            Some(&want) if want == (*size, *align) => {}
            Some(want) => wrong.push(format!(
                "struct {s}: Rust size {size} align {align}, C size {} align {}",
                want.0, want.1
            )),
            None => wrong.push(format!("struct {s}: not measured on the C side")),
        }
    }
    wrong
}

#[test]
fn the_c_layout_is_lwips_struct_layout() {
    let (rows, structs) = rust_rows();
    let wrong = differences(&rows, &structs, c_output());
    assert!(wrong.is_empty(), "layout differs:\n{}", wrong.join("\n"));
}

/// The check reports what differs: one field moved by a byte, one struct
/// four bytes larger, and exactly those two are named.
#[test]
fn a_wrong_offset_or_size_is_reported() {
    let (mut rows, mut structs) = rust_rows();
    let moved = rows
        .iter_mut()
        .find(|r| r.0 == "tcp_pcb" && r.1 == "snd_nxt")
        .expect("snd_nxt is listed");
    moved.2 += 1;
    structs[1].1 += 4;
    let wrong = differences(&rows, &structs, c_output());
    assert_eq!(wrong.len(), 2, "{wrong:?}");
    assert!(
        wrong[0].starts_with("tcp_pcb.snd_nxt: Rust offset 145"),
        "{wrong:?}"
    );
    assert!(
        wrong[1].starts_with("struct tcp_pcb_listen: Rust size"),
        "{wrong:?}"
    );
}
