//! C builds loaded at run time: lwIP's files but TCP and the shim, with a
//! TCP library linked in place of tcp.c, tcp_in.c and tcp_out.c (the
//! port's drop-in library, or any static library implementing lwIP's TCP
//! API), or another lwIP tree compiled whole (a fork, a patch, a release),
//! linked into a shared object and loaded with its own globals.
//!
//! Two C builds cannot share one process's symbols: both define
//! `pbuf_alloc`, `lwip_stats`, `shim_reset`, ... The shared object is
//! therefore linked with a version script that leaves only the shim's
//! entry points global, so every other reference inside it binds to its
//! own definitions, and it is loaded with `RTLD_LOCAL`. Its entry points
//! fill a [`ShimFns`](crate::ffi::ShimFns) table by name; a [`Stack`](crate::Stack)
//! on the resulting [`CBuild`] works as on the linked build.
//!
//! The object is compiled from the same files, profile and shim as the
//! crate's own build ([`crate::build_info`]), with the C compiler in `CC`
//! (else `cc`), and cached by the SHA-256 of everything that goes into it.

use std::collections::HashMap;
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::CBuild;
use crate::build_info;
use crate::ffi::ShimFns;

#[link(name = "dl")]
unsafe extern "C" {
    fn dlopen(filename: *const c_char, flags: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    fn dlerror() -> *mut c_char;
}

/// `RTLD_NOW`: every symbol resolved when loading (a missing one is an
/// error then, not a crash later).
const RTLD_NOW: c_int = 2;
/// `RTLD_LOCAL` (0): the object's symbols are not offered to others.
const RTLD_LOCAL: c_int = 0;

/// The shim's C source for a build with a TCP library.
const TCP_LIBRARY_SHIM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/shim/tcp_library.c");

/// Flags the shared object is compiled with (besides the include path).
const CFLAGS: &[&str] = &[
    "-shared",
    "-fPIC",
    "-O1",
    "-g",
    "-std=gnu99",
    "-fno-strict-aliasing",
    "-w",
];

/// What `LWIP_C_COVERAGE=1` adds (after [`CFLAGS`], so `-O0` wins).
const COVERAGE_FLAGS: &[&str] = &["--coverage", "-O0"];

/// Where a loaded build's TCP comes from.
#[derive(Debug, Clone, Copy)]
pub enum Tcp<'a> {
    /// A static library (or object) defining lwIP's TCP, linked in place
    /// of tcp.c, tcp_in.c and tcp_out.c.
    Library(&'a Path),
    /// The lwIP tree's own tcp.c, tcp_in.c and tcp_out.c.
    Tree,
}

/// The include path of a build of the lwIP tree `tree` with the profile
/// in directory `profile` (its lwipopts.h): the profile's, the port's and
/// the shim's directories, then the tree's.
pub fn include_dirs(tree: &Path, profile: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![profile.to_path_buf()];
    dirs.extend(build_info::PROJECT_INCLUDE_DIRS.iter().map(PathBuf::from));
    dirs.push(tree.join("src/include"));
    dirs.push(tree.join("src/core"));
    dirs
}

/// The directory of profile `name`: `lwip-c/profiles/NAME`, or, for a
/// name with a `/`, that directory (a user's profile: it must hold an
/// lwipopts.h); otherwise an error naming the profiles there.
pub fn profile_dir(name: &str) -> Result<PathBuf, String> {
    let dir = Path::new(build_info::PROFILES_DIR).join(name);
    if !name.is_empty() && !name.contains('/') && dir.join("lwipopts.h").is_file() {
        return Ok(dir);
    }
    // A path: a profile of the user's own, anywhere.
    if name.contains('/') {
        let dir = Path::new(name);
        if dir.join("lwipopts.h").is_file() {
            return Ok(dir.to_path_buf());
        }
        return Err(format!("no profile at '{name}': no {name}/lwipopts.h"));
    }
    Err(format!(
        "no profile '{name}' (known: {}; each is {}/NAME/lwipopts.h)",
        profile_names().join(", "),
        build_info::PROFILES_DIR
    ))
}

/// The profiles in lwip-c/profiles (each a directory with an
/// lwipopts.h), sorted.
pub fn profile_names() -> Vec<String> {
    let mut known: Vec<String> = fs::read_dir(build_info::PROFILES_DIR)
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().join("lwipopts.h").is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    known.sort();
    known
}

/// The shared object for `tcp_library` (a static library or object file
/// defining lwIP's TCP) with the pinned lwIP tree, in `cache_dir`: built
/// unless a build of the same inputs is there. Returns its path.
pub fn build_with_tcp_library(tcp_library: &Path, cache_dir: &Path) -> Result<PathBuf, String> {
    build(
        Path::new(build_info::LWIP_DIR),
        Path::new(build_info::PROFILE_DIR),
        Tcp::Library(tcp_library),
        cache_dir,
    )
}

/// The shared object for the lwIP tree `tree` (its files but TCP, and its
/// TCP or `tcp`), with the profile in directory `profile` and the shim,
/// in `cache_dir`: built unless a build of the same inputs is there.
/// Returns its path.
pub fn build(
    tree: &Path,
    profile: &Path,
    tcp: Tcp<'_>,
    cache_dir: &Path,
) -> Result<PathBuf, String> {
    for f in ["src/include/lwip/tcp.h", "src/core/init.c"] {
        if !tree.join(f).is_file() {
            return Err(format!(
                "{}: not an lwIP tree ({f} is missing)",
                tree.display()
            ));
        }
    }
    let mut sources: Vec<PathBuf> = build_info::LWIP_CORE_FILES
        .iter()
        .map(|f| tree.join("src").join(f))
        .chain(build_info::SHIM_SOURCES.iter().map(PathBuf::from))
        .collect();
    // Files read by #include rather than named on the command line.
    let mut included: Vec<PathBuf> = vec![tree.join("src/core/ipv4/ip4.c")];
    let library = match tcp {
        Tcp::Library(lib) => {
            sources.push(PathBuf::from(TCP_LIBRARY_SHIM));
            Some(lib)
        }
        Tcp::Tree => {
            sources.extend(
                build_info::LWIP_TCP_FILES
                    .iter()
                    .map(|f| tree.join("src").join(f)),
            );
            sources.extend(build_info::SHIM_TCP_SOURCES.iter().map(PathBuf::from));
            included.push(tree.join("src/core/tcp.c"));
            None
        }
    };
    let includes = include_dirs(tree, profile);
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let mut hash = Sha256::new();
    if let Some(lib) = library {
        hash.update(fs::read(lib).map_err(|e| format!("{}: {e}", lib.display()))?);
    }
    for f in sources.iter().chain(&included) {
        hash.update(f.as_os_str().as_encoded_bytes());
        hash.update(fs::read(f).map_err(|e| format!("{}: {e}", f.display()))?);
    }
    for dir in &includes {
        hash.update(dir.as_os_str().as_encoded_bytes());
        for h in headers(dir)? {
            hash.update(fs::read(&h).map_err(|e| format!("{}: {e}", h.display()))?);
        }
    }
    // A profile may include another (lwip-c/profiles/NAME/lwipopts.h
    // starts from ../full/lwipopts.h): every profile's header counts.
    for h in headers(Path::new(build_info::PROFILES_DIR))? {
        hash.update(fs::read(&h).map_err(|e| format!("{}: {e}", h.display()))?);
    }
    hash.update(cc.as_bytes());
    hash.update(CFLAGS.join(" ").as_bytes());
    // LWIP_C_COVERAGE=1, as for the linked build (build.rs): gcc's
    // --coverage -O0. The notes (.gcno) and counts (.gcda) go beside the
    // object, `lwip-KEY.so.PID-UNIT.gcno` (gcc names them after the output
    // it was building); ci/coverage sums them over the profiles.
    let coverage = std::env::var_os("LWIP_C_COVERAGE").is_some_and(|v| v == "1");
    if coverage {
        hash.update(COVERAGE_FLAGS.join(" ").as_bytes());
    }
    let key = hash.finalize().iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    });
    fs::create_dir_all(cache_dir).map_err(|e| format!("{}: {e}", cache_dir.display()))?;
    let so = cache_dir.join(format!("lwip-{}.so", &key[..16]));
    if so.is_file() {
        return Ok(so);
    }
    let version_script = cache_dir.join(format!("lwip-{}.map", &key[..16]));
    // Only the shim's entry points stay global.
    fs::write(&version_script, "{ global: shim_*; local: *; };\n")
        .map_err(|e| format!("{}: {e}", version_script.display()))?;
    let partial = cache_dir.join(format!("lwip-{}.so.{}", &key[..16], std::process::id()));
    let mut cmd = Command::new(&cc);
    cmd.args(CFLAGS);
    if coverage {
        cmd.args(COVERAGE_FLAGS);
    }
    for dir in &includes {
        cmd.arg(format!("-I{}", dir.display()));
    }
    cmd.args(&sources);
    if let Some(lib) = library {
        cmd.arg(lib);
    }
    cmd.arg(format!("-Wl,--version-script={}", version_script.display()))
        // A symbol lwIP's files or the shim need that the library lacks
        // is an error here, naming it.
        .arg("-Wl,--no-undefined")
        .arg("-o")
        .arg(&partial);
    let out = cmd
        .output()
        .map_err(|e| format!("running the C compiler `{cc}`: {e}"))?;
    if !out.status.success() {
        let _ = fs::remove_file(&partial);
        let what = match library {
            Some(lib) => format!("lwIP with the TCP library {}", lib.display()),
            None => format!("the lwIP tree {}", tree.display()),
        };
        return Err(format!(
            "building {what} failed ({cc}):\n{}",
            String::from_utf8_lossy(&out.stderr).trim_end()
        ));
    }
    fs::rename(&partial, &so).map_err(|e| format!("{}: {e}", so.display()))?;
    Ok(so)
}

/// The `.h` files directly in `dir` and its subdirectories.
fn headers(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))? {
            let p = e.map_err(|e| format!("{}: {e}", d.display()))?.path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "h") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Builds loaded so far, by path: loading a path twice would give the same
/// globals, so it gives the same build.
static LOADED: Mutex<Option<HashMap<PathBuf, &'static CBuild>>> = Mutex::new(None);

/// Loads a shared object built by [`build_with_tcp_library`] (or any
/// object exporting shim.h's functions) as a build named `name`.
pub fn load(so: &Path, name: &str) -> Result<&'static CBuild, String> {
    let mut loaded = LOADED.lock().unwrap_or_else(|e| e.into_inner());
    let map = loaded.get_or_insert_with(HashMap::new);
    if let Some(b) = map.get(so) {
        return Ok(b);
    }
    let path = CString::new(so.as_os_str().as_encoded_bytes())
        .map_err(|_| format!("{}: a path with a NUL byte", so.display()))?;
    // SAFETY: a NUL-terminated path. Loading runs the object's
    // initialisers: this crate's shared objects have none but the C
    // runtime's.
    let handle = unsafe { dlopen(path.as_ptr(), RTLD_NOW | RTLD_LOCAL) };
    if handle.is_null() {
        return Err(format!("loading {}: {}", so.display(), last_dl_error()));
    }
    // SAFETY: `handle` is a live handle (never closed); each name is
    // looked up as the NUL-terminated string dlsym wants. The object's
    // `shim_*` are shim.c's, compiled against the shim.h the bindings
    // come from, so each has the signature the table gives it.
    let fns = unsafe {
        ShimFns::resolve(|name| {
            let c = CString::new(name).ok()?;
            let p = dlsym(handle, c.as_ptr());
            (!p.is_null()).then_some(p)
        })
    }
    .map_err(|missing| format!("{}: no symbol {missing}", so.display()))?;
    let build = CBuild::new(name.to_string(), fns);
    map.insert(so.to_path_buf(), build);
    Ok(build)
}

fn last_dl_error() -> String {
    // SAFETY: dlerror returns NULL or a NUL-terminated message.
    let e = unsafe { dlerror() };
    if e.is_null() {
        return "unknown error".to_string();
    }
    // SAFETY: as above.
    unsafe { CStr::from_ptr(e) }.to_string_lossy().into_owned()
}
