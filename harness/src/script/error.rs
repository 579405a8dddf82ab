//! Parse errors and warnings, both carrying `file:line:column`.

use serde::{Deserialize, Serialize};

/// A script that cannot be parsed. Displays as
/// `foo.pkt:12:7: expected ')' after arguments, found 'win'`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{file}:{line}:{col}: expected {expected}, found {found}")]
pub struct ParseError {
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub col: u32,
    /// What was found there, quoted (`'win'`), or `end of file`.
    pub found: String,
    /// What the parser expected (or the rule the text broke).
    pub expected: String,
}

/// Something parsed but questionable or ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: warning: {}",
            self.file, self.line, self.col, self.message
        )
    }
}
