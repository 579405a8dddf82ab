//! pcap / pcapng containers, read with pcap-file.
//!
//! pcap-file frames the file (pcap header and records; pcapng blocks with
//! their lengths, trailers and byte order) and parses the fixed part of the
//! section header and of the packet blocks. This module keeps the file's
//! offset and packet index for every error, maps pcap-file's errors onto
//! [`FormatProblem`] (whose messages name what was being read), and works
//! around where pcap-file is stricter than the files in the wild or than this
//! reader was before it (see docs/replay.md, "Capture reader and libraries"):
//!
//! * timestamps are converted here from the raw units, with the interface's
//!   `if_tsresol`/`if_tsoffset` (pcap-file refuses resolutions finer than
//!   1 ns and times before 1970, and its pcap path a fraction >= 1 s);
//! * interface description blocks and block options are read here (pcap-file
//!   refuses a whole file over one option that is not UTF-8 or has an
//!   unexpected size, or over a non-zero reserved field);
//! * a packet whose original length is below its captured length is read
//!   (pcap-file refuses it), and simple packet blocks are read here (one
//!   holding less than its length says is cut to the block, as before).

use std::borrow::Cow;

use byteorder_slice::{BigEndian, LittleEndian};
use pcap_file::Endianness;
use pcap_file::pcap::{PcapHeader, PcapParseError, RawPcapPacket};
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionBlock;
use pcap_file::pcapng::{
    Block, BlockContentParseError, BlockConversionError, ContentValidationError, PcapNgFormatError,
    PcapNgState, RawBlock, RawBlockParseError,
};
use serde::Serialize;

use super::error::{CaptureError, FormatProblem};

/// pcap (micro) magic as read little-endian.
const PCAP_MICRO: u32 = 0xa1b2_c3d4;
/// pcap (nano) magic as read little-endian.
const PCAP_NANO: u32 = 0xa1b2_3c4d;
/// Kuznetzov's modified pcap.
const PCAP_MODIFIED: u32 = 0xa1b2_cd34;
/// pcapng section header block type (byte-order independent).
const SHB_TYPE: u32 = 0x0a0d_0d0a;
/// pcapng byte-order magic.
const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;

const IDB_TYPE: u32 = 1;
const PB_TYPE: u32 = 2;
const SPB_TYPE: u32 = 3;
const EPB_TYPE: u32 = 6;

const OPT_ENDOFOPT: u16 = 0;
const OPT_COMMENT: u16 = 1;
const IF_NAME: u16 = 2;
const IF_TSRESOL: u16 = 9;
const IF_TSOFFSET: u16 = 14;

/// Which container format a capture was stored in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Classic libpcap format.
    Pcap {
        /// File written big-endian.
        big_endian: bool,
        /// Nanosecond-resolution variant (magic 0xa1b23c4d).
        nanos: bool,
    },
    /// pcapng.
    PcapNg {
        /// Number of sections in the file.
        sections: usize,
    },
}

/// One capture interface (pcapng IDB, or the pcap file header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Interface {
    /// LINKTYPE_* value (lower 16 bits of the pcap "network" field).
    pub link_type: u32,
    /// Snapshot length (0 = unlimited in pcapng).
    pub snaplen: u32,
    /// Raw `if_tsresol` value: bit 7 clear = 10^-n seconds, set = 2^-n
    /// seconds. pcap micro files give 6, nano files 9.
    pub tsresol: u8,
    /// `if_tsoffset`, seconds added to every timestamp.
    pub ts_offset_secs: i64,
    /// `if_name`, if present.
    pub name: Option<String>,
    /// 0-based pcapng section this interface belongs to (0 for pcap).
    pub section: usize,
}

/// A packet record before link-layer decoding.
#[derive(Debug, Clone)]
pub(crate) struct RawFrame<'a> {
    pub index: usize,
    pub ts_nanos: i64,
    /// Index into the global interface list.
    pub interface: usize,
    pub link_type: u32,
    pub data: &'a [u8],
    pub orig_len: u32,
    pub comment: Option<String>,
}

pub(crate) struct Container<'a> {
    pub format: Format,
    pub interfaces: Vec<Interface>,
    pub frames: Vec<RawFrame<'a>>,
}

/// Parse the container of `data`, whose magic decides pcap or pcapng.
pub(crate) fn parse<'a>(file: &str, data: &'a [u8]) -> Result<Container<'a>, CaptureError> {
    if data.is_empty() {
        return Err(CaptureError::Empty {
            file: file.to_string(),
        });
    }
    let err = |(packet, offset, problem): PErr| CaptureError::Malformed {
        file: file.to_string(),
        packet,
        offset: offset as u64,
        problem,
    };
    let Some(magic) = rd_u32(data, 0, false) else {
        return Err(err((
            0,
            0,
            FormatProblem::Truncated {
                what: "file header",
                needs: 4,
                left: data.len() as u64,
            },
        )));
    };
    match magic {
        m if [PCAP_MICRO, PCAP_NANO].contains(&m)
            || [PCAP_MICRO, PCAP_NANO].contains(&m.swap_bytes()) =>
        {
            parse_pcap(data).map_err(err)
        }
        m if m == PCAP_MODIFIED || m.swap_bytes() == PCAP_MODIFIED => Err(err((
            0,
            0,
            FormatProblem::Unsupported(
                "modified (Kuznetzov) pcap; convert it with editcap -F pcap",
            ),
        ))),
        SHB_TYPE => parse_pcapng(data).map_err(err),
        m => Err(err((0, 0, FormatProblem::BadMagic(m)))),
    }
}

/// Packet index, byte offset and problem.
type PErr = (usize, usize, FormatProblem);

fn rd_u16(d: &[u8], off: usize, be: bool) -> Option<u16> {
    let b: [u8; 2] = d.get(off..off.checked_add(2)?)?.try_into().ok()?;
    Some(if be {
        u16::from_be_bytes(b)
    } else {
        u16::from_le_bytes(b)
    })
}

fn rd_u32(d: &[u8], off: usize, be: bool) -> Option<u32> {
    let b: [u8; 4] = d.get(off..off.checked_add(4)?)?.try_into().ok()?;
    Some(if be {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    })
}

fn rd_u64(d: &[u8], off: usize, be: bool) -> Option<u64> {
    let b: [u8; 8] = d.get(off..off.checked_add(8)?)?.try_into().ok()?;
    Some(if be {
        u64::from_be_bytes(b)
    } else {
        u64::from_le_bytes(b)
    })
}

fn clamp_i64(v: i128) -> i64 {
    v.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// Convert a raw timestamp in units of `tsresol` to nanoseconds since the epoch.
pub(crate) fn units_to_nanos(units: u64, tsresol: u8, offset_secs: i64) -> i64 {
    let n = u32::from(tsresol & 0x7f);
    let nanos: u128 = if tsresol & 0x80 != 0 {
        // 2^-n seconds per unit; n <= 127 so the shift cannot overflow.
        (u128::from(units) * 1_000_000_000u128) >> n
    } else if n <= 9 {
        u128::from(units) * 10u128.pow(9 - n)
    } else {
        match 10u128.checked_pow(n - 9) {
            Some(div) => u128::from(units) / div,
            None => 0,
        }
    };
    let base = i128::try_from(nanos).unwrap_or(i128::MAX);
    clamp_i64(base.saturating_add(i128::from(offset_secs) * 1_000_000_000))
}

fn parse_pcap(data: &[u8]) -> Result<Container<'_>, PErr> {
    let (mut rest, header) = PcapHeader::from_slice(data).map_err(|e| {
        let problem = match e {
            PcapParseError::IncompleteBuffer(..) => FormatProblem::Truncated {
                what: "pcap file header",
                needs: 24,
                left: data.len() as u64,
            },
            other => FormatProblem::Library(other.to_string()),
        };
        (0, 0, problem)
    })?;
    if header.version_major != 2 {
        return Err((
            0,
            0,
            FormatProblem::UnsupportedVersion {
                format: "pcap",
                major: header.version_major,
                minor: header.version_minor,
            },
        ));
    }
    let nanos = header.ts_resolution == pcap_file::pcap::PcapTsResolution::NanoSecond;
    let be = header.endianness == Endianness::Big;
    let link_type = u32::from(header.datalink) & 0xffff;
    let interfaces = vec![Interface {
        link_type,
        snaplen: header.snaplen,
        tsresol: if nanos { 9 } else { 6 },
        ts_offset_secs: 0,
        name: None,
        section: 0,
    }];
    let mut frames = Vec::new();
    while !rest.is_empty() {
        let (index, off, left) = (frames.len(), data.len() - rest.len(), rest.len() as u64);
        // Raw records: pcap-file's checked ones refuse a fraction of a second
        // >= 1 s and a captured length above the snap length.
        let parsed = if be {
            RawPcapPacket::from_slice::<BigEndian>(rest)
        } else {
            RawPcapPacket::from_slice::<LittleEndian>(rest)
        };
        let (next, raw) = parsed.map_err(|e| {
            let problem = match e {
                PcapParseError::IncompleteBuffer(..) if left < 16 => FormatProblem::Truncated {
                    what: "packet record header",
                    needs: 16,
                    left,
                },
                PcapParseError::IncompleteBuffer(caplen, _) => FormatProblem::Truncated {
                    what: "packet record",
                    needs: 16 + caplen as u64,
                    left,
                },
                other => FormatProblem::Library(other.to_string()),
            };
            (index, off, problem)
        })?;
        let Cow::Borrowed(pkt) = raw.data else {
            return Err((index, off, FormatProblem::Library("owned record".into())));
        };
        let ts_nanos = i64::from(raw.ts_sec) * 1_000_000_000
            + i64::from(raw.ts_frac) * if nanos { 1 } else { 1000 };
        frames.push(RawFrame {
            index,
            ts_nanos,
            interface: 0,
            link_type,
            data: pkt,
            orig_len: raw.orig_len,
            comment: None,
        });
        rest = next;
    }
    Ok(Container {
        format: Format::Pcap {
            big_endian: be,
            nanos,
        },
        interfaces,
        frames,
    })
}

fn block_name(block_type: u32) -> &'static str {
    match block_type {
        SHB_TYPE => "section header block",
        IDB_TYPE => "interface description block",
        PB_TYPE => "packet block",
        SPB_TYPE => "simple packet block",
        EPB_TYPE => "enhanced packet block",
        5 => "interface statistics block",
        4 => "name resolution block",
        _ => "block",
    }
}

/// Iterate over the options of a block: calls `f(code, value)` for each.
fn for_each_option<'a>(
    what: &'static str,
    opts: &'a [u8],
    be: bool,
    mut f: impl FnMut(u16, &'a [u8]) -> Result<(), FormatProblem>,
) -> Result<(), FormatProblem> {
    let mut pos = 0usize;
    // An options area shorter than an option header is padding; ignore it.
    while let (Some(code), Some(len)) = (rd_u16(opts, pos, be), rd_u16(opts, pos + 2, be)) {
        if code == OPT_ENDOFOPT {
            break;
        }
        let start = pos + 4;
        let room = opts.len().saturating_sub(start);
        let Some(value) = opts.get(start..start + usize::from(len)) else {
            return Err(FormatProblem::BadOption {
                what,
                code,
                len,
                room,
            });
        };
        f(code, value)?;
        let padded = (usize::from(len) + 3) & !3;
        pos = start + padded;
    }
    Ok(())
}

fn collect_comment(
    what: &'static str,
    opts: &[u8],
    be: bool,
) -> Result<Option<String>, FormatProblem> {
    let mut comment: Option<String> = None;
    for_each_option(what, opts, be, |code, value| {
        if code == OPT_COMMENT {
            let text = String::from_utf8_lossy(value);
            let text = text.trim_end_matches('\0');
            match &mut comment {
                Some(c) => {
                    c.push('\n');
                    c.push_str(text);
                }
                None => comment = Some(text.to_string()),
            }
        }
        Ok(())
    })?;
    Ok(comment)
}

/// The problem behind pcap-file's refusal to frame the block at the start of
/// `rest` (`be`: the current section's byte order). Its errors name neither
/// the block nor, for a truncation, consistent sizes: peek at the header.
fn framing_problem(rest: &[u8], be: bool, e: RawBlockParseError) -> FormatProblem {
    let left = rest.len() as u64;
    let mut be = be;
    let raw_type = rd_u32(rest, 0, be).unwrap_or(0);
    if raw_type == SHB_TYPE {
        match rd_u32(rest, 8, false) {
            None => {
                return FormatProblem::Truncated {
                    what: "section header block",
                    needs: 28,
                    left,
                };
            }
            Some(BYTE_ORDER_MAGIC) => be = false,
            Some(m) if m.swap_bytes() == BYTE_ORDER_MAGIC => be = true,
            Some(m) => return FormatProblem::BadByteOrderMagic(m),
        }
    }
    let what = block_name(raw_type);
    let Some(total) = rd_u32(rest, 4, be) else {
        return FormatProblem::Truncated {
            what: "block header",
            needs: 8,
            left,
        };
    };
    match e {
        _ if total < 12 || total % 4 != 0 => FormatProblem::BadBlockLength { what, len: total },
        RawBlockParseError::IncompleteBuffer(..) => FormatProblem::Truncated {
            what,
            needs: u64::from(total),
            left,
        },
        RawBlockParseError::InvalidFormat(PcapNgFormatError::BlockLengthMismatch(
            header,
            trailer,
        )) => FormatProblem::BlockLengthMismatch {
            what,
            header,
            trailer,
        },
        RawBlockParseError::InvalidFormat(other) => FormatProblem::Library(other.to_string()),
    }
}

/// A problem pcap-file found in the content of a packet block (`body`).
fn content_problem(
    what: &'static str,
    body: &[u8],
    be: bool,
    interfaces: usize,
    e: BlockConversionError,
) -> FormatProblem {
    use BlockContentParseError as B;
    use ContentValidationError as V;
    match *e.source {
        B::Validation(V::InvalidInterfaceId(id)) => FormatProblem::UnknownInterface {
            what,
            id,
            count: interfaces,
        },
        B::BlockContentTooSmall { needed, actual } if actual < 20 => FormatProblem::BlockTooShort {
            what,
            len: body.len(),
            min: needed.min(20),
        },
        B::BlockContentTooSmall { .. } => FormatProblem::CapturedLenTooLarge {
            what,
            caplen: rd_u32(body, 12, be).unwrap_or(0),
            room: body.len().saturating_sub(20),
        },
        other => FormatProblem::Library(other.to_string()),
    }
}

fn parse_pcapng(data: &[u8]) -> Result<Container<'_>, PErr> {
    // pcap-file's view of the section: its byte order and the number of
    // interfaces (their timestamp parameters stay pcap-file's default,
    // microseconds and no offset, so that its timestamp decoding cannot fail
    // and gives back the raw units).
    let mut state = PcapNgState::default();
    let mut interfaces: Vec<Interface> = Vec::new();
    // Global interface indices of the current section's interfaces.
    let mut section_ifaces: Vec<usize> = Vec::new();
    let mut sections = 0usize;
    let mut frames: Vec<RawFrame<'_>> = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let (packet, off) = (frames.len(), data.len() - rest.len());
        let e = |problem| (packet, off, problem);
        let be = state.endianness() == Endianness::Big;
        let framed = if be {
            RawBlock::from_slice::<BigEndian>(rest)
        } else {
            RawBlock::from_slice::<LittleEndian>(rest)
        };
        let (next, raw) = framed.map_err(|err| e(framing_problem(rest, be, err)))?;
        rest = next;
        let Cow::Borrowed(body) = raw.body else {
            return Err(e(FormatProblem::Library("owned block".into())));
        };
        let what = block_name(raw.type_);
        // pcap-file parses the fixed part of a block; options are read here.
        let typed = |fixed: usize, orig_len_patch: Option<(usize, u32)>| {
            let part = body.get(..fixed).unwrap_or(body);
            let body: Cow<'_, [u8]> = match orig_len_patch {
                None => Cow::Borrowed(part),
                Some((at, caplen)) => {
                    let mut v = part.to_vec();
                    let bytes = if be {
                        caplen.to_be_bytes()
                    } else {
                        caplen.to_le_bytes()
                    };
                    if let Some(field) = v.get_mut(at..at + 4) {
                        field.copy_from_slice(&bytes);
                    }
                    Cow::Owned(v)
                }
            };
            RawBlock {
                type_: raw.type_,
                initial_len: raw.initial_len,
                body,
                trailer_len: raw.trailer_len,
            }
            .try_into_block(&state)
        };
        let (id, units, pkt, orig_len, comment) = match raw.type_ {
            SHB_TYPE => {
                let Block::SectionHeader(shb) =
                    typed(16, None).map_err(|err| e(content_problem(what, body, be, 0, err)))?
                else {
                    return Err(e(FormatProblem::Library("not a section header".into())));
                };
                if shb.major_version != 1 {
                    return Err(e(FormatProblem::UnsupportedVersion {
                        format: "pcapng",
                        major: shb.major_version,
                        minor: shb.minor_version,
                    }));
                }
                state.update_from_block(&Block::SectionHeader(shb));
                sections += 1;
                section_ifaces.clear();
                continue;
            }
            IDB_TYPE => {
                let iface = interface(what, body, be, sections.saturating_sub(1)).map_err(e)?;
                let idb = InterfaceDescriptionBlock::new(iface.link_type.into(), iface.snaplen);
                state.update_from_block(&Block::InterfaceDescription(idb));
                section_ifaces.push(interfaces.len());
                interfaces.push(iface);
                continue;
            }
            EPB_TYPE | PB_TYPE => {
                let caplen = rd_u32(body, 12, be).unwrap_or(0);
                let orig = rd_u32(body, 16, be).unwrap_or(0);
                let fixed = (caplen as usize).saturating_add(3) & !3;
                let fixed = fixed.saturating_add(20);
                let patch = (orig < caplen).then_some((16, caplen));
                let (id, ts) = match typed(fixed, patch) {
                    Ok(Block::EnhancedPacket(p)) => (p.interface_id, p.timestamp),
                    Ok(Block::Packet(p)) => (u32::from(p.interface_id), p.timestamp),
                    Ok(_) => return Err(e(FormatProblem::Library(format!("unexpected {what}")))),
                    Err(err) => {
                        let n = section_ifaces.len();
                        return Err(e(content_problem(what, body, be, n, err)));
                    }
                };
                // pcap-file decoded the raw units as microseconds (see `state`).
                let units = u64::try_from(ts.as_nanos() / 1000).unwrap_or(u64::MAX);
                // The packet data pcap-file found is this part of the block.
                let pkt = body.get(20..(caplen as usize).saturating_add(20));
                let opts = body.get(fixed..).unwrap_or(&[]);
                let comment = collect_comment(what, opts, be).map_err(e)?;
                (id, Some(units), pkt.unwrap_or(&[]), orig, comment)
            }
            // Read here: pcap-file refuses a simple packet block holding less
            // than its original length (or the snap length) says, which this
            // reader took as the data there is.
            SPB_TYPE => {
                let Some(orig) = rd_u32(body, 0, be) else {
                    let len = body.len();
                    return Err(e(FormatProblem::BlockTooShort { what, len, min: 4 }));
                };
                let snaplen = section_ifaces
                    .first()
                    .and_then(|&g| interfaces.get(g))
                    .map_or(0, |i| i.snaplen);
                let cap = if snaplen == 0 {
                    orig
                } else {
                    orig.min(snaplen)
                };
                let end = (cap as usize).min(body.len() - 4) + 4;
                (0, None, body.get(4..end).unwrap_or(&[]), orig, None)
            }
            _ => continue,
        };
        let g = section_ifaces.get(id as usize).copied().ok_or_else(|| {
            e(FormatProblem::UnknownInterface {
                what,
                id,
                count: section_ifaces.len(),
            })
        })?;
        let (link_type, tsresol, ts_off) = interfaces
            .get(g)
            .map_or((0, 6, 0), |i| (i.link_type, i.tsresol, i.ts_offset_secs));
        frames.push(RawFrame {
            index: packet,
            ts_nanos: units.map_or(0, |u| units_to_nanos(u, tsresol, ts_off)),
            interface: g,
            link_type,
            data: pkt,
            orig_len,
            comment,
        });
    }
    Ok(Container {
        format: Format::PcapNg { sections },
        interfaces,
        frames,
    })
}

/// An interface description block's fields and options. Read here, not by
/// pcap-file: see the module documentation.
fn interface(
    what: &'static str,
    body: &[u8],
    be: bool,
    section: usize,
) -> Result<Interface, FormatProblem> {
    let (Some(link_type), Some(snaplen)) = (rd_u16(body, 0, be), rd_u32(body, 4, be)) else {
        return Err(FormatProblem::BlockTooShort {
            what,
            len: body.len(),
            min: 8,
        });
    };
    let mut iface = Interface {
        link_type: u32::from(link_type),
        snaplen,
        tsresol: 6,
        ts_offset_secs: 0,
        name: None,
        section,
    };
    for_each_option(what, body.get(8..).unwrap_or(&[]), be, |code, value| {
        match code {
            IF_TSRESOL => {
                let [r] = value else {
                    return Err(FormatProblem::BadOptionValue {
                        what,
                        option: "if_tsresol",
                        detail: format!("length {}, expected 1", value.len()),
                    });
                };
                iface.tsresol = *r;
            }
            IF_TSOFFSET => {
                let Some(v) = rd_u64(value, 0, be).filter(|_| value.len() == 8) else {
                    return Err(FormatProblem::BadOptionValue {
                        what,
                        option: "if_tsoffset",
                        detail: format!("length {}, expected 8", value.len()),
                    });
                };
                iface.ts_offset_secs = v as i64;
            }
            IF_NAME => {
                iface.name = Some(
                    String::from_utf8_lossy(value)
                        .trim_end_matches('\0')
                        .to_string(),
                );
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(iface)
}

#[cfg(test)]
mod tests {
    use super::units_to_nanos;

    #[test]
    fn timestamp_units() {
        assert_eq!(units_to_nanos(1_500_000, 6, 0), 1_500_000_000);
        assert_eq!(units_to_nanos(1_500_000_000, 9, 0), 1_500_000_000);
        assert_eq!(units_to_nanos(15, 1, 2), 3_500_000_000);
        assert_eq!(units_to_nanos(1 << 20, 0x80 | 20, 0), 1_000_000_000);
        assert_eq!(units_to_nanos(123_456_789_000, 12, 0), 123_456_789);
        assert_eq!(units_to_nanos(u64::MAX, 0, 0), i64::MAX);
        assert_eq!(units_to_nanos(u64::MAX, 127, 0), 0);
        assert_eq!(units_to_nanos(u64::MAX, 0xff, i64::MIN), i64::MIN);
    }
}
