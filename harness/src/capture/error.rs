//! Errors of the capture layer.

use super::decode::Skipped;

/// Why a capture file could not be read (or, for [`CaptureError::NoTcp`],
/// could not be used for replay).
///
/// Every variant names the file; format errors also name the packet index
/// (0-based number of the packet record/block being read, or the number of
/// packets read so far for a non-packet block) and the byte offset of the
/// record/block start, e.g.
/// `x.pcapng: packet 17 at offset 4096: truncated enhanced packet block (needs 84 bytes, 40 left)`.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The file could not be opened or read.
    #[error("{file}: cannot read file: {source}")]
    Io {
        /// File name as given.
        file: String,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file has zero bytes.
    #[error("{file}: empty file, not a capture")]
    Empty {
        /// File name as given.
        file: String,
    },
    /// The file is not a well-formed pcap/pcapng file.
    #[error("{file}: packet {packet} at offset {offset}: {problem}")]
    Malformed {
        /// File name as given.
        file: String,
        /// 0-based index of the packet being read when the problem was found.
        packet: usize,
        /// Byte offset of the start of the offending record/block.
        offset: u64,
        /// What is wrong.
        problem: FormatProblem,
    },
    /// The capture was read but contains no usable TCP packet.
    #[error("{file}: no usable TCP packet among {total} packets (skipped: {skipped})")]
    NoTcp {
        /// File name as given.
        file: String,
        /// Number of packet records/blocks in the file.
        total: usize,
        /// Why each packet was unusable (boxed to keep the error small).
        skipped: Box<Skipped>,
    },
}

impl CaptureError {
    /// The file name this error is about.
    pub fn file(&self) -> &str {
        match self {
            CaptureError::Io { file, .. }
            | CaptureError::Empty { file }
            | CaptureError::Malformed { file, .. }
            | CaptureError::NoTcp { file, .. } => file,
        }
    }
}

/// A structural problem in a pcap/pcapng file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatProblem {
    /// The first four bytes are neither a pcap nor a pcapng magic number.
    #[error("unrecognised magic number 0x{0:08x}: not a pcap or pcapng file")]
    BadMagic(u32),
    /// A recognised but unsupported variant of the format.
    #[error("unsupported format: {0}")]
    Unsupported(&'static str),
    /// Unsupported major/minor version.
    #[error("unsupported {format} version {major}.{minor}")]
    UnsupportedVersion {
        /// "pcap" or "pcapng".
        format: &'static str,
        /// Major version found.
        major: u16,
        /// Minor version found.
        minor: u16,
    },
    /// The file ends inside a header, record or block.
    #[error("truncated {what} (needs {needs} bytes, {left} left)")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Bytes needed from the start of that structure.
        needs: u64,
        /// Bytes left in the file from the start of that structure.
        left: u64,
    },
    /// A pcapng section header whose byte-order magic is wrong.
    #[error("bad byte-order magic 0x{0:08x} in section header block")]
    BadByteOrderMagic(u32),
    /// A pcapng block total length that is too small or not a multiple of 4.
    #[error("invalid {what} length {len} (must be a multiple of 4 and at least 12)")]
    BadBlockLength {
        /// Block kind.
        what: &'static str,
        /// Length found.
        len: u32,
    },
    /// The trailing length of a pcapng block differs from the leading one.
    #[error("{what} length mismatch (header says {header}, trailer says {trailer})")]
    BlockLengthMismatch {
        /// Block kind.
        what: &'static str,
        /// Leading length.
        header: u32,
        /// Trailing length.
        trailer: u32,
    },
    /// A block body too short for its fixed fields.
    #[error("{what} too short ({len} body bytes, needs at least {min})")]
    BlockTooShort {
        /// Block kind.
        what: &'static str,
        /// Body length.
        len: usize,
        /// Minimum body length.
        min: usize,
    },
    /// A packet's captured length does not fit in its block.
    #[error("{what}: captured length {caplen} exceeds the block body ({room} bytes available)")]
    CapturedLenTooLarge {
        /// Block kind.
        what: &'static str,
        /// Captured length found.
        caplen: u32,
        /// Bytes available for packet data.
        room: usize,
    },
    /// A packet refers to an interface not described in its section.
    #[error("{what} refers to interface {id}, but the section describes {count} interface(s)")]
    UnknownInterface {
        /// Block kind.
        what: &'static str,
        /// Interface id found.
        id: u32,
        /// Interfaces defined in the section.
        count: usize,
    },
    /// An option's length runs past the end of its block.
    #[error("{what}: option {code} of length {len} overruns the block ({room} bytes left)")]
    BadOption {
        /// Block kind.
        what: &'static str,
        /// Option code.
        code: u16,
        /// Option length.
        len: u16,
        /// Bytes left in the options area.
        room: usize,
    },
    /// An option with an invalid value.
    #[error("{what}: invalid {option} option ({detail})")]
    BadOptionValue {
        /// Block kind.
        what: &'static str,
        /// Option name.
        option: &'static str,
        /// Explanation.
        detail: String,
    },
    /// Any other problem pcap-file reports (its own message).
    #[error("{0}")]
    Library(String),
}
