//! `lwip-vocab` against the C definitions of the lwIP tree this crate
//! compiled (`build_info::LWIP_DIR`): the C compiler evaluates every
//! err_t and tcp_state value and checks every callback name, and lwIP's
//! own tables give the names (tcp.c's `tcp_state_str`, api/err.c's
//! `err_to_errno_table`). The sets are compared both ways, so an enumerator
//! lwIP adds or the vocabulary lacks fails too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use lwip_c::build_info::{LWIP_DIR, PROFILE_DIR, PROJECT_INCLUDE_DIRS};
use lwip_c::{CallbackKind, ErrT, NullApp, Stack, StackConfig, TcpState};

fn lwip_src(rel: &str) -> String {
    let p = Path::new(LWIP_DIR).join("src").join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// What [`compile_and_run`] printed (once for all tests).
fn c_values() -> &'static BTreeMap<String, i64> {
    static VALUES: OnceLock<BTreeMap<String, i64>> = OnceLock::new();
    VALUES.get_or_init(compile_and_run)
}

/// Compiles and runs a C program that prints `NAME VALUE` for every err_t
/// and tcp_state name of the vocabulary and declares a pointer of every
/// callback's function type `tcp_X_fn` (an unknown name is a compile error).
fn compile_and_run() -> BTreeMap<String, i64> {
    let mut c = String::from(
        "#include \"lwip/opt.h\"\n#include \"lwip/err.h\"\n#include \"lwip/tcp.h\"\n\
         #include <stdio.h>\n",
    );
    for k in CallbackKind::ALL {
        c += &format!("tcp_{0}_fn cb_{0};\n", k.name());
    }
    c += "int main(void) {\n";
    let names = ErrT::ALL
        .iter()
        .map(|e| e.name())
        .chain(TcpState::ALL.iter().map(|s| s.name()));
    for n in names {
        c += &format!("  printf(\"%s %d\\n\", \"{n}\", (int)({n}));\n");
    }
    for k in CallbackKind::ALL {
        c += &format!("  (void)cb_{};\n", k.name());
    }
    c += "  return 0;\n}\n";

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("lwip-vocab-check");
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("vocab.c");
    let exe = dir.join("vocab");
    std::fs::write(&src, c).unwrap();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let mut cmd = Command::new(cc);
    cmd.arg("-I").arg(PROFILE_DIR);
    for d in PROJECT_INCLUDE_DIRS {
        cmd.arg("-I").arg(d);
    }
    cmd.arg("-I").arg(Path::new(LWIP_DIR).join("src/include"));
    let out = cmd.arg(&src).arg("-o").arg(&exe).output().unwrap();
    assert!(
        out.status.success(),
        "the C compiler refused the vocabulary's names:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new(&exe).output().unwrap();
    assert!(run.status.success());
    String::from_utf8(run.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (n, v) = l.split_once(' ').unwrap();
            (n.to_string(), v.parse().unwrap())
        })
        .collect()
}

/// The enumerators `NAME = VALUE` of the C enum that starts at `start`.
fn enumerators(text: &str, start: &str) -> Vec<String> {
    let body = &text[text.find(start).unwrap_or_else(|| panic!("{start}"))..];
    let body = &body[body.find('{').unwrap() + 1..body.find('}').unwrap()];
    body.lines()
        .map(|l| l.split("/*").next().unwrap().trim())
        .filter_map(|l| l.split_once('=').map(|(n, _)| n.trim().to_string()))
        .collect()
}

/// The entries of the C array initialiser that starts at `start`, comments
/// removed.
fn initialiser(text: &str, start: &str) -> Vec<String> {
    let body = &text[text.find(start).unwrap_or_else(|| panic!("{start}"))..];
    let body = &body[body.find('{').unwrap() + 1..body.find("};").unwrap()];
    let mut plain = String::new();
    let mut rest = body;
    while let Some(i) = rest.find("/*") {
        plain += &rest[..i];
        rest = &rest[rest[i..].find("*/").unwrap() + i + 2..];
    }
    plain += rest;
    plain
        .split(',')
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty())
        .collect()
}

#[test]
fn err_values_are_err_h() {
    let c = c_values();
    for e in ErrT::ALL {
        assert_eq!(c.get(e.name()), Some(&i64::from(e.as_raw())), "{e}");
    }
    // Every enumerator of err.h's err_enum_t is in the vocabulary.
    let names = enumerators(&lwip_src("include/lwip/err.h"), "typedef enum {");
    assert_eq!(names.len(), ErrT::ALL.len(), "{names:?}");
    for n in &names {
        assert!(ErrT::from_name(n).is_some(), "{n} is not in lwip-vocab");
    }
}

#[test]
fn state_values_are_tcpbase_h_and_names_tcp_state_str() {
    let c = c_values();
    for s in TcpState::ALL {
        assert_eq!(c.get(s.name()), Some(&i64::from(s.as_raw())), "{s}");
    }
    let names = enumerators(&lwip_src("include/lwip/tcpbase.h"), "enum tcp_state {");
    let ours: Vec<_> = TcpState::ALL.iter().map(|s| s.name()).collect();
    assert_eq!(names, ours);
    // tcp_state_str, indexed by the state's value.
    let strs = initialiser(
        &lwip_src("core/tcp.c"),
        "static const char *const tcp_state_str[]",
    );
    let quoted: Vec<_> = ours.iter().map(|n| format!("\"{n}\"")).collect();
    assert_eq!(strs, quoted);
}

#[test]
fn errno_names_are_err_to_errno_table() {
    // err_to_errno_table is indexed by -err; 0 (ERR_OK) and -1 (ERR_IF)
    // are not errno names.
    let table = initialiser(
        &lwip_src("api/err.c"),
        "static const int err_to_errno_table[]",
    );
    assert_eq!(table.len(), ErrT::ALL.len());
    for (e, entry) in ErrT::ALL.iter().zip(&table) {
        let expected = entry.starts_with('E').then_some(entry.as_str());
        assert_eq!(e.errno_name(), expected, "{e}: the table has {entry}");
    }
}

#[test]
fn callback_names_are_lwips_function_types() {
    // c_values declares tcp_X_fn for every kind: the compiler checks the names.
    assert!(!c_values().is_empty());
}

#[test]
fn the_stack_returns_the_vocabularys_values() {
    // The typed values lwip-c hands out are the C stack's own.
    let mut s = Stack::new(StackConfig::default()).unwrap();
    let a = s.tcp_new().unwrap().unwrap();
    let b = s.tcp_new().unwrap().unwrap();
    assert_eq!(s.tcp_bind(a, [0, 0, 0, 0], 80).unwrap(), ErrT::Ok);
    assert_eq!(s.tcp_bind(b, [0, 0, 0, 0], 80).unwrap(), ErrT::Use);
    assert_eq!(s.tcp_process_refused_data_null().unwrap(), ErrT::Arg);
    let snap = s.snapshot(a).unwrap();
    assert_eq!(snap.tcp_state(), Some(TcpState::Closed));
    let (l, err) = s.tcp_listen_with_backlog_and_err(a, 1).unwrap();
    assert_eq!(err, ErrT::Ok);
    let snap = s.snapshot(l.unwrap()).unwrap();
    assert_eq!(
        (snap.tcp_state(), snap.state_name()),
        (Some(TcpState::Listen), "LISTEN")
    );
    s.advance_to(500, &mut NullApp).unwrap();
    s.teardown().unwrap();
}
