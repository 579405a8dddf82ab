//! The C builds behind engine names other than `c` (lwIP's own TCP,
//! linked into the harness): lwIP's non-TCP core and the shim linked with
//! a TCP library in place of tcp.c, tcp_in.c and tcp_out.c, or another
//! lwIP tree, loaded as a shared object with its own globals
//! ([`lwip_c::loaded`]).
//!
//! - `rust-ffi`: the port's drop-in library (`tcp-rust/ffi/staticlib`)
//!   for the `full` profile, the harness's lwipopts.h (cargo features
//!   `opts-full` and `tcp-priv-exports`, the private functions of tcp.c
//!   the shim calls), built with cargo from this checkout's sources when the
//!   engine is first named, so it is never stale;
//! - `lib:PATH[:PROFILE]`: any static library (or object) that implements
//!   lwIP's TCP API, compiled for that profile (`full` by default);
//! - `c@DIR[:PROFILE]`: another lwIP tree (a fork, a patch, another
//!   release), all of it, TCP included, with that profile (`full` by
//!   default) and the shim: "did my patch change TCP's behaviour?" is
//!   `--engines c,c@DIR`;
//! - `c:PROFILE`: the pinned tree with another profile.
//!
//! `PROFILE` after `lib:PATH` or `c@DIR` is the name of a directory of
//! lwip-c/profiles ([`split_profile`]).
//!
//! The shared objects are cached by content in `$TCPDIFF_ENGINE_CACHE`,
//! else `target/tcpdiff-engines` in this checkout.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use lwip_c::CBuild;

/// This checkout (the harness crate's parent directory).
fn root() -> PathBuf {
    let harness = Path::new(env!("CARGO_MANIFEST_DIR"));
    harness.parent().unwrap_or(harness).to_path_buf()
}

fn cache_dir() -> PathBuf {
    match std::env::var_os("TCPDIFF_ENGINE_CACHE") {
        Some(d) => PathBuf::from(d),
        None => root().join("target/tcpdiff-engines"),
    }
}

/// The environment variable through which a process that has built the
/// `rust-ffi` shared object ([`rust_ffi_so`]) hands it to its workers
/// (`tcpdiff regress`), so they do not each run cargo.
pub const RUST_FFI_SO_ENV: &str = "TCPDIFF_RUST_FFI_SO";

/// The `rust-ffi` build: the port's library, built by cargo, with lwIP
/// (or the shared object `$TCPDIFF_RUST_FFI_SO` names).
pub fn rust_ffi() -> Result<&'static CBuild, String> {
    once("rust-ffi".to_string(), || {
        match std::env::var_os(RUST_FFI_SO_ENV) {
            Some(so) => Ok(PathBuf::from(so)),
            None => rust_ffi_so(),
        }
    })
}

/// `PATH:PROFILE` as (`PATH`, `Some(PROFILE)`) when PROFILE names a
/// directory of lwip-c/profiles, else (`spec`, None): the profile suffix
/// of `lib:` and `c@` engine names (a path may hold a `:` itself).
pub fn split_profile(spec: &str) -> (&str, Option<&str>) {
    match spec.rsplit_once(':') {
        Some((head, p))
            if !head.is_empty()
                && !p.is_empty()
                && !p.contains('/')
                && lwip_c::loaded::profile_dir(p).is_ok() =>
        {
            (head, Some(p))
        }
        _ => (spec, None),
    }
}

/// The `lib:PATH[:PROFILE]` build (`spec` is what follows `lib:`).
pub fn tcp_library(spec: &str) -> Result<&'static CBuild, String> {
    once(format!("lib:{spec}"), || library_so(spec))
}

/// The `c@DIR[:PROFILE]` build (`spec` is what follows `c@`): the lwIP
/// tree DIR (its files and its TCP) with the profile and the shim.
pub fn lwip_tree(spec: &str) -> Result<&'static CBuild, String> {
    once(format!("c@{spec}"), || tree_so(spec))
}

/// The `c:PROFILE` build: the pinned lwIP tree with
/// lwip-c/profiles/PROFILE/lwipopts.h.
pub fn profile(name: &str) -> Result<&'static CBuild, String> {
    once(format!("c:{name}"), || profile_so(name))
}

/// The build the engine name `engine` stands for, made once per process:
/// `so` gives its shared object, loaded under that name. (Loading an
/// object twice would give the same globals anyway; this also spares
/// hashing its sources again.)
fn once(
    engine: String,
    so: impl FnOnce() -> Result<PathBuf, String>,
) -> Result<&'static CBuild, String> {
    static BUILDS: Mutex<Vec<(String, &'static CBuild)>> = Mutex::new(Vec::new());
    let mut builds = BUILDS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, b)) = builds.iter().find(|(n, _)| *n == engine) {
        return Ok(b);
    }
    let b = so()
        .and_then(|so| lwip_c::loaded::load(&so, &engine))
        .map_err(|e| format!("engine {engine}: {e}"))?;
    builds.push((engine, b));
    Ok(b)
}

/// The `rust-ffi` shared object, built (cargo for the library, then the
/// C compiler) unless up to date.
pub fn rust_ffi_so() -> Result<PathBuf, String> {
    let lib = port_library()?;
    lwip_c::loaded::build_with_tcp_library(&lib, &cache_dir())
}

/// The profile directory of a `lib:`/`c@` spec's suffix (`full`'s
/// without one), and the path before it.
fn with_profile(spec: &str) -> Result<(&Path, PathBuf), String> {
    let (path, profile) = split_profile(spec);
    let dir = match profile {
        Some(p) => lwip_c::loaded::profile_dir(p)?,
        None => PathBuf::from(lwip_c::build_info::PROFILE_DIR),
    };
    Ok((Path::new(path), dir))
}

fn library_so(spec: &str) -> Result<PathBuf, String> {
    let (lib, profile) = with_profile(spec)?;
    lwip_c::loaded::build(
        Path::new(lwip_c::build_info::LWIP_DIR),
        &profile,
        lwip_c::loaded::Tcp::Library(lib),
        &cache_dir(),
    )
}

fn tree_so(spec: &str) -> Result<PathBuf, String> {
    let (dir, profile) = with_profile(spec)?;
    lwip_c::loaded::build(dir, &profile, lwip_c::loaded::Tcp::Tree, &cache_dir())
}

fn profile_so(name: &str) -> Result<PathBuf, String> {
    let dir = lwip_c::loaded::profile_dir(name)?;
    lwip_c::loaded::build(
        Path::new(lwip_c::build_info::LWIP_DIR),
        &dir,
        lwip_c::loaded::Tcp::Tree,
        &cache_dir(),
    )
}

/// What a process running cases in workers does before it starts them:
/// builds what the engine `spec` needs (an error here, once, rather than
/// one per case) and returns the environment the workers need to find it.
pub fn prepare(spec: &str) -> Result<Vec<(&'static str, PathBuf)>, String> {
    let name = spec.split_once('+').map_or(spec, |(n, _)| n);
    let built = if name == "rust-ffi" {
        return Ok(vec![(
            RUST_FFI_SO_ENV,
            rust_ffi_so().map_err(|e| format!("engine {name}: {e}"))?,
        )]);
    } else if let Some(spec) = name.strip_prefix("lib:") {
        library_so(spec)
    } else if let Some(p) = name.strip_prefix("c:")
        && p != "full"
    {
        profile_so(p)
    } else if let Some(spec) = name.strip_prefix("c@") {
        tree_so(spec)
    } else {
        return Ok(Vec::new());
    };
    built.map_err(|e| format!("engine {name}: {e}"))?;
    Ok(Vec::new())
}

/// `cargo build --release` of tcp-rust/ffi/staticlib with `opts-full`, in
/// `target/staticlib/full-host`: the library's path.
fn port_library() -> Result<PathBuf, String> {
    let root = root();
    let target_dir = root.join("target/staticlib/full-host");
    let manifest = root.join("tcp-rust/ffi/staticlib/Cargo.toml");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    // Up to half a minute the first time: say so.
    eprintln!(
        "tcpdiff: engine rust-ffi: building the port's library (cargo build --release, opts-full, in {})",
        target_dir.display()
    );
    let mut cmd = Command::new(&cargo);
    cmd.args(["build", "--release", "--quiet", "--manifest-path"])
        .arg(&manifest)
        .args([
            "--no-default-features",
            "--features",
            "opts-full,tcp-priv-exports",
        ])
        .arg("--target-dir")
        .arg(&target_dir);
    // The library is built as a firmware would build it, whatever flags
    // the harness itself was built or is being tested with (coverage,
    // sanitizers).
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
    ] {
        cmd.env_remove(var);
    }
    let out = cmd.output().map_err(|e| {
        format!(
            "building the port's library needs cargo (`{cargo}`: {e}); \
             or name a built one with lib:PATH"
        )
    })?;
    if !out.status.success() {
        return Err(format!(
            "cargo build --release --manifest-path {} --no-default-features --features opts-full,tcp-priv-exports failed:\n{}",
            manifest.display(),
            String::from_utf8_lossy(&out.stderr).trim_end()
        ));
    }
    Ok(target_dir.join("release/libtcp_rust_lwip.a"))
}
