//! packetdrill-dialect scripts: lexer, parser, syntax tree and printer.
//!
//! tcpdiff reads packetdrill scripts as they are written (see
//! `docs/script-dialect.md` for the accepted syntax) plus lwIP raw-API
//! extension lines, which are ordinary call lines such as
//! `+0 tcp_write(4, 1000, COPY|MORE) = ERR_OK`.
//!
//! ```
//! use harness::script::{parse, print, EventKind};
//! let (script, warnings) = parse("t.pkt", "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n").unwrap();
//! assert!(warnings.is_empty());
//! assert!(matches!(script.events[0].kind, EventKind::Call(_)));
//! assert_eq!(print(&script), "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n");
//! ```

mod ast;
mod error;
mod lexer;
mod parser;
mod preprocess;
mod printer;

pub use ast::*;
pub use error::{ParseError, Warning};
pub use parser::MAX_EXPR_DEPTH;
pub use preprocess::{PREDEFINED, split_define};
pub use printer::{
    event_to_string, expr_to_string, format_secs, format_time, hex, print, tcp_option_to_string,
};

/// Parses `source` (named `path` in messages) into a [`Script`] and the
/// warnings met on the way. Never panics; the first error stops parsing.
pub fn parse(path: &str, source: &str) -> Result<(Script, Vec<Warning>), ParseError> {
    parse_with_defines(path, source, &[])
}

/// [`parse`] with definitions from the command line (`-D NAME=VALUE`):
/// with the script's own `--define=NAME=VALUE` options (the command line
/// wins), they are the names `#ifdef` finds defined (besides
/// [`PREDEFINED`]) and the words the lexer replaces by their values.
pub fn parse_with_defines(
    path: &str,
    source: &str,
    defines: &[(String, String)],
) -> Result<(Script, Vec<Warning>), ParseError> {
    let mut all = preprocess::script_defines(path, source)?;
    all.extend(defines.iter().cloned());
    let defined = |name: &str| {
        all.iter().any(|(n, _)| n == name)
            || PREDEFINED.iter().any(|p| p.eq_ignore_ascii_case(name))
    };
    let text = preprocess::conditionals(path, source, &defined)?;
    parser::Parser::with_defines(path, &text, &all).parse_script()
}
