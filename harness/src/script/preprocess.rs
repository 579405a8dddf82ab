//! What happens to a script's text before it is parsed: the FreeBSD-
//! oriented dialect's conditionals (`#ifdef NAME` ... `#endif`), and the
//! definitions (`-D NAME=VALUE` on the command line, `--define=NAME=VALUE`
//! at the top of the script) whose names the lexer replaces by their
//! values.
//!
//! Conditional lines and the lines a false condition leaves out become
//! empty lines, so every other line keeps its number and columns.

use super::error::ParseError;
use super::lexer::{Lexer, TokKind};

/// The names `#ifdef` finds defined without a definition. tcpdiff is
/// none of the systems the FreeBSD-oriented fork predefines (`Linux`,
/// `FreeBSD`, `NetBSD`, `OpenBSD`, `Omnet`): it runs lwIP.
pub const PREDEFINED: &[&str] = &["lwIP"];

/// Splits `NAME=VALUE` (a definition as `-D` and `--define=` take it);
/// `NAME` alone defines NAME as `1`. None if NAME is not a word.
pub fn split_define(spec: &str) -> Option<(String, String)> {
    let (name, value) = spec.split_once('=').unwrap_or((spec, "1"));
    let word = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    word.then(|| (name.to_string(), value.to_string()))
}

/// The conditional directive a line holds, if any: (`ifdef`/`ifndef`/
/// `else`/`endif`, the rest of the line).
fn directive(line: &str) -> Option<(&'static str, &str)> {
    let t = line.trim_start_matches([' ', '\t']);
    let rest = t.strip_prefix('#')?;
    for d in ["ifndef", "ifdef", "else", "endif"] {
        if let Some(after) = rest.strip_prefix(d)
            && (after.is_empty() || after.starts_with([' ', '\t', '\r', '\n']))
        {
            return Some((d, after.trim()));
        }
    }
    None
}

fn error(file: &str, line: usize, expected: String, found: String) -> ParseError {
    ParseError {
        file: file.to_string(),
        line: line as u32,
        col: 1,
        found,
        expected,
    }
}

/// The script with its conditionals resolved: `#ifdef NAME` (true when
/// `defined(NAME)`), `#ifndef NAME`, `#else`, `#endif`, nested to any
/// depth. Unbalanced directives are an error at their line.
pub fn conditionals(
    file: &str,
    src: &str,
    defined: &dyn Fn(&str) -> bool,
) -> Result<String, ParseError> {
    // (line of the #ifdef, its text, taking this branch, seen #else, enclosing active)
    let mut stack: Vec<(usize, String, bool, bool, bool)> = Vec::new();
    let mut out = String::with_capacity(src.len());
    for (i, line) in src.split_inclusive('\n').enumerate() {
        let n = i + 1;
        let active = stack.last().is_none_or(|f| f.2 && f.4);
        let newline = if line.ends_with('\n') { "\n" } else { "" };
        match directive(line) {
            Some((d @ ("ifdef" | "ifndef"), rest)) => {
                // One name, then at most a `//` comment.
                let (name, after) = rest.split_once([' ', '\t']).unwrap_or((rest, ""));
                let after = after.trim();
                let ok = !name.is_empty()
                    && (after.is_empty() || after.starts_with("//"))
                    && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                if !ok {
                    return Err(error(
                        file,
                        n,
                        format!("one name after '#{d}' (e.g. '#{d} FreeBSD')"),
                        format!("'{}'", line.trim()),
                    ));
                }
                let holds = defined(name) == (d == "ifdef");
                stack.push((n, format!("#{d} {name}"), holds, false, active));
                out.push_str(newline);
            }
            Some(("else", _)) => {
                let Some(top) = stack.last_mut() else {
                    return Err(error(
                        file,
                        n,
                        "'#else' only after an '#ifdef NAME' or '#ifndef NAME'".into(),
                        "'#else'".into(),
                    ));
                };
                if top.3 {
                    return Err(error(
                        file,
                        n,
                        format!(
                            "'#endif' closing '{}' (line {}) after its '#else'",
                            top.1, top.0
                        ),
                        "a second '#else'".into(),
                    ));
                }
                top.2 = !top.2;
                top.3 = true;
                out.push_str(newline);
            }
            Some(_) => {
                if stack.pop().is_none() {
                    return Err(error(
                        file,
                        n,
                        "'#endif' only after an '#ifdef NAME' or '#ifndef NAME'".into(),
                        "'#endif'".into(),
                    ));
                }
                out.push_str(newline);
            }
            None if active => out.push_str(line),
            None => out.push_str(newline),
        }
    }
    if let Some((n, text, ..)) = stack.pop() {
        return Err(error(
            file,
            n,
            format!("'#endif' closing this '{text}'"),
            "end of file".into(),
        ));
    }
    Ok(out)
}

/// The `--define=NAME=VALUE` options at the top of the script, in order
/// (conditional lines skipped, not resolved). An option value that is not
/// `NAME=VALUE` is an error at its line.
pub fn script_defines(file: &str, src: &str) -> Result<Vec<(String, String)>, ParseError> {
    let plain: String = src
        .split_inclusive('\n')
        .map(|l| {
            if directive(l).is_some() {
                if l.ends_with('\n') { "\n" } else { "" }
            } else {
                l
            }
        })
        .collect();
    let mut lexer = Lexer::new(&plain);
    let mut out = Vec::new();
    while let Ok(t) = lexer.next_token() {
        let TokKind::Opt { name, value } = t.kind else {
            break;
        };
        if name != "define" {
            continue;
        }
        let spec = value.unwrap_or_default();
        match split_define(&spec) {
            Some(d) if spec.contains('=') => out.push(d),
            _ => {
                return Err(ParseError {
                    file: file.to_string(),
                    line: t.line,
                    col: t.col,
                    found: format!("'--define={spec}'"),
                    expected: "--define=NAME=VALUE".into(),
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str, names: &[&str]) -> Result<String, ParseError> {
        conditionals("t.pkt", src, &|n| names.contains(&n))
    }

    #[test]
    fn branches_and_nesting() {
        let src = "a\n#ifdef X\nb\n#ifndef Y\nc\n#else\nd\n#endif\n#else\ne\n#endif\nf";
        assert_eq!(run(src, &["X"]).unwrap(), "a\n\nb\n\nc\n\n\n\n\n\n\nf");
        assert_eq!(run(src, &["X", "Y"]).unwrap(), "a\n\nb\n\n\n\nd\n\n\n\n\nf");
        assert_eq!(run(src, &[]).unwrap(), "a\n\n\n\n\n\n\n\n\ne\n\nf");
    }

    #[test]
    fn unbalanced() {
        let e = run("a\n#endif\n", &[]).unwrap_err();
        assert_eq!(e.line, 2);
        let e = run("a\n#ifdef X\nb\n", &[]).unwrap_err();
        assert_eq!((e.line, e.found.as_str()), (2, "end of file"));
        let e = run("#ifdef X\n#else\n#else\n#endif\n", &[]).unwrap_err();
        assert_eq!(e.line, 3);
        let e = run("#else\n", &[]).unwrap_err();
        assert_eq!(e.line, 1);
        let e = run("#ifdef\n#endif\n", &[]).unwrap_err();
        assert_eq!(e.line, 1);
    }

    #[test]
    fn defines_in_the_header() {
        let d = script_defines(
            "t.pkt",
            "--define=A=1 --tolerance_usecs=5\n--define=B=\"x y\"\n0 f()\n--define=C=2",
        )
        .unwrap();
        assert_eq!(
            d,
            vec![("A".into(), "1".into()), ("B".into(), "\"x y\"".into())]
        );
        assert!(script_defines("t.pkt", "--define=A\n0 f()").is_err());
        assert_eq!(split_define("X"), Some(("X".into(), "1".into())));
        assert_eq!(split_define("=1"), None);
    }
}
