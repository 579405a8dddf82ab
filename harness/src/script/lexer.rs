//! Tokenizer for the packetdrill dialect.
//!
//! Tokens are produced on demand, so a lexical error late in a file does not
//! hide a syntax error earlier on. Like packetdrill's flex scanner the
//! longest match wins (`1234abcd` is one word, `192.0.2.1` one address,
//! `.5` a float) and ties go to numbers before words.

/// Kind of a token. Text is recovered from the source via the token's span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokKind {
    /// `[A-Za-z0-9_]+` that is not a number.
    Word,
    /// `-?[0-9]+`
    Int,
    /// `0x[0-9a-fA-F]+`
    Hex,
    /// `-?[0-9]*\.[0-9]+`
    Float,
    /// `a.b.c.d`
    Ipv4,
    /// `"..."`: raw text between the quotes.
    Str(String),
    /// `` `...` ``: raw text between the backquotes.
    Backquoted(String),
    /// `%{ ... }%`: text with outer spaces/tabs removed.
    Code(String),
    /// `--name` or `--name=value`.
    Opt {
        name: String,
        value: Option<String>,
    },
    /// `...`
    Ellipsis,
    /// Any other single character.
    Punct(char),
    Eof,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: TokKind,
    /// A word replaced by a define (`-D NAME=VALUE`): the index of the
    /// definition whose value is this token's text.
    pub subst: Option<usize>,
    /// Byte span in the source.
    pub start: usize,
    pub end: usize,
    /// 1-based line and character column of the first character.
    pub line: u32,
    pub col: u32,
}

impl Token {
    pub fn is_punct(&self, c: char) -> bool {
        self.kind == TokKind::Punct(c)
    }
}

/// A lexical error: position and (expected, found) texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LexError {
    pub line: u32,
    pub col: u32,
    pub expected: String,
    pub found: String,
}

pub(crate) struct Lexer<'a> {
    src: &'a str,
    /// `NAME=VALUE` definitions substituted for words (the last one of a
    /// name wins).
    defines: &'a [(String, String)],
    bytes: &'a [u8],
    pos: usize,
    line: u32,
    col: u32,
}

/// Words packetdrill's lexers make keywords (google's and the
/// FreeBSD-oriented fork's `lexer.l`, the TCP, IP and call-argument ones):
/// never replaced by a definition, as there only plain words are.
const KEYWORDS: &[&str] = &[
    "sa_family",
    "sin_port",
    "sin_addr",
    "msg_name",
    "msg_iov",
    "msg_flags",
    "msg_control",
    "cmsg_len",
    "cmsg_level",
    "cmsg_type",
    "cmsg_data",
    "ee_errno",
    "ee_origin",
    "ee_type",
    "ee_code",
    "ee_info",
    "ee_data",
    "scm_sec",
    "scm_nsec",
    "fd",
    "u32",
    "u64",
    "ptr",
    "events",
    "revents",
    "onoff",
    "linger",
    "htons",
    "htonl",
    "ipv4",
    "ipv6",
    "icmp",
    "udp",
    "udplite",
    "sctp",
    "GREv0",
    "gre",
    "raw",
    "sum",
    "off",
    "key",
    "seq",
    "none",
    "checksum",
    "present",
    "mpls",
    "label",
    "tc",
    "ttl",
    "hlim",
    "inet_addr",
    "inet6_addr",
    "ack",
    "eol",
    "ecr",
    "mss",
    "mtu",
    "nop",
    "sack",
    "sackOK",
    "md5",
    "TS",
    "FO",
    "FOEXP",
    "tos",
    "class",
    "dscp",
    "ecn",
    "flowlabel",
    "flags",
    "Flags",
    "val",
    "win",
    "urg",
    "wscale",
    "ect01",
    "ect0",
    "ect1",
    "noecn",
    "ce",
    "id",
    "iov_base",
    "iov_len",
    "AccECN0",
    "AccECN1",
    "ee0b",
    "eceb",
    "ee1b",
    "NULL",
];

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Self {
        Self::with_defines(src, &[])
    }

    /// A lexer that replaces every word defined in `defines` by its value,
    /// as packetdrill's lexer does: a value in double quotes is a string,
    /// in backquotes a command, a number a number, anything else a word.
    pub fn with_defines(src: &'a str, defines: &'a [(String, String)]) -> Self {
        Lexer {
            src,
            defines,
            bytes: src.as_bytes(),
            pos: 0,
            line: 1,
            col: 1,
        }
    }

    fn byte_at(&self, i: usize) -> Option<u8> {
        self.bytes.get(i).copied()
    }

    /// Moves to byte offset `to` (a char boundary), keeping line/col right.
    fn advance_to(&mut self, to: usize) {
        let to = to.min(self.bytes.len());
        let chunk = self.src.get(self.pos..to).unwrap_or("");
        for ch in chunk.chars() {
            if ch == '\n' {
                self.line = self.line.saturating_add(1);
                self.col = 1;
            } else {
                self.col = self.col.saturating_add(1);
            }
        }
        self.pos = to;
    }

    fn err_here(&self, line: u32, col: u32, expected: &str, found: &str) -> LexError {
        LexError {
            line,
            col,
            expected: expected.to_string(),
            found: found.to_string(),
        }
    }

    /// Skips whitespace and comments.
    fn skip_trivia(&mut self) -> Result<(), LexError> {
        loop {
            match self.byte_at(self.pos) {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.advance_to(self.pos + 1),
                Some(b'/') if self.byte_at(self.pos + 1) == Some(b'/') => {
                    let end = self.src[self.pos..]
                        .find('\n')
                        .map_or(self.bytes.len(), |i| self.pos + i);
                    self.advance_to(end);
                }
                Some(b'/') if self.byte_at(self.pos + 1) == Some(b'*') => {
                    let (line, col) = (self.line, self.col);
                    match self.src[self.pos + 2..].find("*/") {
                        Some(i) => self.advance_to(self.pos + 2 + i + 2),
                        None => {
                            return Err(self.err_here(
                                line,
                                col,
                                "'*/' closing this comment",
                                "end of file",
                            ));
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    /// Length of a run of ASCII digits starting at `i`.
    fn digits(&self, i: usize) -> usize {
        self.bytes[i.min(self.bytes.len())..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    }

    /// Scans a number-or-word starting at `self.pos`; returns (kind, len).
    fn scan_numberish(&self) -> (TokKind, usize) {
        let p = self.pos;
        let neg = usize::from(self.byte_at(p) == Some(b'-'));
        // -?[0-9]*\.[0-9]+
        let int_digits = self.digits(p + neg);
        let float_len = if self.byte_at(p + neg + int_digits) == Some(b'.') {
            let frac = self.digits(p + neg + int_digits + 1);
            if frac > 0 {
                neg + int_digits + 1 + frac
            } else {
                0
            }
        } else {
            0
        };
        // -?[0-9]+
        let int_len = if int_digits > 0 { neg + int_digits } else { 0 };
        // 0x[0-9a-fA-F]+
        let hex_len =
            if neg == 0 && self.byte_at(p) == Some(b'0') && self.byte_at(p + 1) == Some(b'x') {
                let n = self.bytes[(p + 2).min(self.bytes.len())..]
                    .iter()
                    .take_while(|b| b.is_ascii_hexdigit())
                    .count();
                if n > 0 { 2 + n } else { 0 }
            } else {
                0
            };
        // [A-Za-z0-9_]+
        let word_len = if neg == 0 {
            self.bytes[p..]
                .iter()
                .take_while(|b| is_word_byte(**b))
                .count()
        } else {
            0
        };
        // [0-9]+\.[0-9]+\.[0-9]+\.[0-9]+
        let ipv4_len = if neg == 0 {
            let mut i = p;
            let mut ok = true;
            for part in 0..4 {
                let d = self.digits(i);
                if d == 0 {
                    ok = false;
                    break;
                }
                i += d;
                if part < 3 {
                    if self.byte_at(i) != Some(b'.') {
                        ok = false;
                        break;
                    }
                    i += 1;
                }
            }
            if ok { i - p } else { 0 }
        } else {
            0
        };
        // Longest match; ties resolved in flex rule order.
        let mut best = (TokKind::Float, float_len);
        for cand in [
            (TokKind::Int, int_len),
            (TokKind::Hex, hex_len),
            (TokKind::Word, word_len),
            (TokKind::Ipv4, ipv4_len),
        ] {
            if cand.1 > best.1 {
                best = cand;
            }
        }
        best
    }

    /// Scans a quoted run starting at `self.pos` (which holds `delim`),
    /// honouring backslash escapes. Returns the raw content and the end.
    fn scan_quoted(&self, delim: u8) -> Option<(String, usize)> {
        let mut i = self.pos + 1;
        while i < self.bytes.len() {
            match self.bytes[i] {
                b'\\' => i += 2,
                b if b == delim => {
                    let content = self.src.get(self.pos + 1..i)?.to_string();
                    return Some((content, i + 1));
                }
                _ => i += 1,
            }
        }
        None
    }

    /// Scans `--name[=value]` at `self.pos`.
    fn scan_option(&self) -> Result<(TokKind, usize), LexError> {
        let name_start = self.pos + 2;
        let name_len = self.bytes[name_start..]
            .iter()
            .take_while(|b| is_word_byte(**b))
            .count();
        let name = self.src[name_start..name_start + name_len].to_string();
        let mut end = name_start + name_len;
        if self.byte_at(end) != Some(b'=') {
            return Ok((TokKind::Opt { name, value: None }, end));
        }
        end += 1;
        let value;
        if self.byte_at(end) == Some(b'"') {
            let sub = Lexer {
                src: self.src,
                defines: &[],
                bytes: self.bytes,
                pos: end,
                line: self.line,
                col: self.col,
            };
            match sub.scan_quoted(b'"') {
                Some((content, e)) => {
                    value = content;
                    end = e;
                }
                None => {
                    let col = self
                        .col
                        .saturating_add(self.src[self.pos..end].chars().count() as u32);
                    return Err(self.err_here(
                        self.line,
                        col,
                        "'\"' closing the option value",
                        "end of file",
                    ));
                }
            }
        } else {
            // To the next whitespace; a quoted part (`--define=CC="a b"`)
            // runs to its closing quote.
            let mut i = end;
            while let Some(b) = self.byte_at(i) {
                match b {
                    b' ' | b'\t' | b'\n' | b'\r' => break,
                    b'"' | b'`' => {
                        let line = self.src[i + 1..].split('\n').next().unwrap_or("");
                        i = match line.find(b as char) {
                            Some(j) => i + 1 + j + 1,
                            None => i + 1 + line.len(),
                        };
                    }
                    _ => i += 1,
                }
            }
            let len = i - end;
            if len == 0 {
                let col = self
                    .col
                    .saturating_add(self.src[self.pos..end].chars().count() as u32);
                let found = if end >= self.bytes.len() {
                    "end of file".to_string()
                } else {
                    "whitespace".to_string()
                };
                return Err(self.err_here(
                    self.line,
                    col,
                    &format!("a value after '--{name}='"),
                    &found,
                ));
            }
            value = self.src[end..end + len].to_string();
            end += len;
        }
        Ok((
            TokKind::Opt {
                name,
                value: Some(value),
            },
            end,
        ))
    }

    /// The kind of a defined word's value, and the definition's index;
    /// `(Word, None)` for a word not defined.
    fn substitute(&self, word: &str) -> (TokKind, Option<usize>) {
        if KEYWORDS.contains(&word) {
            return (TokKind::Word, None);
        }
        let Some(i) = self.defines.iter().rposition(|(n, _)| n == word) else {
            return (TokKind::Word, None);
        };
        let value = self.defines[i].1.as_str();
        let quoted = |d: char| {
            (value.len() >= 2 && value.starts_with(d) && value.ends_with(d))
                .then(|| value[1..value.len() - 1].to_string())
        };
        let kind = if let Some(s) = quoted('"') {
            TokKind::Str(s)
        } else if let Some(s) = quoted('`') {
            TokKind::Backquoted(s)
        } else {
            // A value that is one number is that number; anything else
            // (`O_RDWR|O_NONBLOCK`, `abcd`) is one word, as in packetdrill.
            let mut sub = Lexer::new(value);
            match (sub.next_token(), sub.next_token()) {
                (Ok(t), Ok(e))
                    if e.kind == TokKind::Eof
                        && t.start == 0
                        && matches!(
                            t.kind,
                            TokKind::Int | TokKind::Hex | TokKind::Float | TokKind::Ipv4
                        ) =>
                {
                    t.kind
                }
                _ => TokKind::Word,
            }
        };
        (kind, Some(i))
    }

    /// Produces the next token (an `Eof` token at the end, repeatedly).
    pub fn next_token(&mut self) -> Result<Token, LexError> {
        self.skip_trivia()?;
        let (line, col, start) = (self.line, self.col, self.pos);
        let Some(b) = self.byte_at(start) else {
            return Ok(Token {
                kind: TokKind::Eof,
                subst: None,
                start,
                end: start,
                line,
                col,
            });
        };
        let next = self.byte_at(start + 1);
        let next2 = self.byte_at(start + 2);
        let (kind, end) = match b {
            b'.' if next == Some(b'.') && next2 == Some(b'.') => (TokKind::Ellipsis, start + 3),
            b'-' if next == Some(b'-') && next2.is_some_and(is_word_byte) => self.scan_option()?,
            b'"' | b'`' => match self.scan_quoted(b) {
                Some((content, end)) => {
                    if b == b'"' {
                        (TokKind::Str(content), end)
                    } else {
                        (TokKind::Backquoted(content), end)
                    }
                }
                None => {
                    let what = if b == b'"' {
                        "'\"' closing this string"
                    } else {
                        "'`' closing this command"
                    };
                    return Err(self.err_here(line, col, what, "end of file"));
                }
            },
            b'%' if next == Some(b'{') => match self.src[start + 2..].find("}%") {
                Some(i) => {
                    let inner = &self.src[start + 2..start + 2 + i];
                    let text = inner.trim_matches([' ', '\t']).to_string();
                    (TokKind::Code(text), start + 2 + i + 2)
                }
                None => {
                    return Err(self.err_here(
                        line,
                        col,
                        "'}%' closing this code block",
                        "end of file",
                    ));
                }
            },
            _ if is_word_byte(b)
                || (b == b'.' && next.is_some_and(|c| c.is_ascii_digit()))
                || (b == b'-'
                    && (next.is_some_and(|c| c.is_ascii_digit())
                        || (next == Some(b'.') && next2.is_some_and(|c| c.is_ascii_digit())))) =>
            {
                let (kind, len) = self.scan_numberish();
                (kind, start + len.max(1))
            }
            _ => {
                let ch = self.src[start..].chars().next().unwrap_or('\0');
                (TokKind::Punct(ch), start + ch.len_utf8())
            }
        };
        self.advance_to(end);
        let (kind, subst) = match kind {
            TokKind::Word => self.substitute(&self.src[start..end]),
            k => (k, None),
        };
        Ok(Token {
            kind,
            subst,
            start,
            end,
            line,
            col,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(TokKind, String)> {
        let mut lx = Lexer::new(src);
        let mut out = Vec::new();
        loop {
            let t = lx.next_token().expect("lex");
            if t.kind == TokKind::Eof {
                break;
            }
            out.push((t.kind.clone(), src[t.start..t.end].to_string()));
        }
        out
    }

    fn texts(src: &str) -> Vec<String> {
        kinds(src).into_iter().map(|(_, s)| s).collect()
    }

    #[test]
    fn numbers_and_words() {
        assert_eq!(
            texts("+.01...0.020 accept"),
            ["+", ".01", "...", "0.020", "accept"]
        );
        assert_eq!(texts("1:1001(1000)"), ["1", ":", "1001", "(", "1000", ")"]);
        assert_eq!(texts("P.5 F5. S."), ["P", ".5", "F5", ".", "S", "."]);
        let k = kinds("0x1F 0x 1234abcd 1234 -1 192.0.2.1 1.5");
        let ks: Vec<_> = k.iter().map(|(k, _)| k.clone()).collect();
        assert_eq!(
            ks,
            [
                TokKind::Hex,
                TokKind::Word,
                TokKind::Word,
                TokKind::Int,
                TokKind::Int,
                TokKind::Ipv4,
                TokKind::Float
            ]
        );
    }

    #[test]
    fn comments_strings_code() {
        let k = kinds("// c\n/* a\n b */ \"x\\\"y\" `sysctl a=1` %{ print(1) }% --tol=5 --v");
        assert_eq!(k[0].0, TokKind::Str("x\\\"y".into()));
        assert_eq!(k[1].0, TokKind::Backquoted("sysctl a=1".into()));
        assert_eq!(k[2].0, TokKind::Code("print(1)".into()));
        assert_eq!(
            k[3].0,
            TokKind::Opt {
                name: "tol".into(),
                value: Some("5".into())
            }
        );
        assert_eq!(
            k[4].0,
            TokKind::Opt {
                name: "v".into(),
                value: None
            }
        );
    }

    #[test]
    fn positions() {
        let mut lx = Lexer::new("a\n  é b");
        let a = lx.next_token().unwrap();
        let e_acute = lx.next_token().unwrap();
        let b = lx.next_token().unwrap();
        assert_eq!((a.line, a.col), (1, 1));
        assert_eq!(e_acute.kind, TokKind::Punct('é'));
        assert_eq!((e_acute.line, e_acute.col), (2, 3));
        // 'é' is one column wide.
        assert_eq!((b.line, b.col), (2, 5));
        let e = lx.next_token().unwrap();
        assert_eq!(e.kind, TokKind::Eof);
        assert_eq!((e.line, e.col), (2, 6));
    }

    #[test]
    fn unterminated() {
        let mut lx = Lexer::new("  \"abc");
        let e = lx.next_token().unwrap_err();
        assert_eq!((e.line, e.col), (1, 3));
        let mut lx = Lexer::new("x /* abc");
        lx.next_token().unwrap();
        let e = lx.next_token().unwrap_err();
        assert_eq!((e.line, e.col), (1, 3));
    }
}
