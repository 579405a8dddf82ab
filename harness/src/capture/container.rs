//! Our own small pcap / pcapng container parser.
//!
//! It works on the whole file in memory, never indexes unchecked, uses only
//! checked/saturating arithmetic on values from the file, and reports every
//! structural problem with the packet index and byte offset of the record or
//! block in which it was found.

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
    let err = |packet: usize, offset: usize, problem: FormatProblem| CaptureError::Malformed {
        file: file.to_string(),
        packet,
        offset: offset as u64,
        problem,
    };
    let Some(magic) = rd_u32(data, 0, false) else {
        return Err(err(
            0,
            0,
            FormatProblem::Truncated {
                what: "file header",
                needs: 4,
                left: data.len() as u64,
            },
        ));
    };
    match magic {
        PCAP_MICRO | PCAP_NANO => {
            parse_pcap(data, false, magic == PCAP_NANO).map_err(|(p, o, e)| err(p, o, e))
        }
        m if m.swap_bytes() == PCAP_MICRO || m.swap_bytes() == PCAP_NANO => {
            parse_pcap(data, true, m.swap_bytes() == PCAP_NANO).map_err(|(p, o, e)| err(p, o, e))
        }
        m if m == PCAP_MODIFIED || m.swap_bytes() == PCAP_MODIFIED => Err(err(
            0,
            0,
            FormatProblem::Unsupported(
                "modified (Kuznetzov) pcap; convert it with editcap -F pcap",
            ),
        )),
        SHB_TYPE => parse_pcapng(data).map_err(|(p, o, e)| err(p, o, e)),
        m => Err(err(0, 0, FormatProblem::BadMagic(m))),
    }
}

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

fn parse_pcap(data: &[u8], be: bool, nanos: bool) -> Result<Container<'_>, PErr> {
    let left = data.len();
    let (Some(major), Some(minor), Some(snaplen), Some(network)) = (
        rd_u16(data, 4, be),
        rd_u16(data, 6, be),
        rd_u32(data, 16, be),
        rd_u32(data, 20, be),
    ) else {
        return Err((
            0,
            0,
            FormatProblem::Truncated {
                what: "pcap file header",
                needs: 24,
                left: left as u64,
            },
        ));
    };
    if major != 2 {
        return Err((
            0,
            0,
            FormatProblem::UnsupportedVersion {
                format: "pcap",
                major,
                minor,
            },
        ));
    }
    let tsresol = if nanos { 9 } else { 6 };
    let link_type = network & 0xffff;
    let interfaces = vec![Interface {
        link_type,
        snaplen,
        tsresol,
        ts_offset_secs: 0,
        name: None,
        section: 0,
    }];
    let mut frames = Vec::new();
    let mut off = 24usize;
    while off < data.len() {
        let index = frames.len();
        let left = data.len() - off;
        let (Some(sec), Some(frac), Some(caplen), Some(orig_len)) = (
            rd_u32(data, off, be),
            rd_u32(data, off + 4, be),
            rd_u32(data, off + 8, be),
            rd_u32(data, off + 12, be),
        ) else {
            return Err((
                index,
                off,
                FormatProblem::Truncated {
                    what: "packet record header",
                    needs: 16,
                    left: left as u64,
                },
            ));
        };
        let needs = 16u64 + u64::from(caplen);
        let start = off + 16;
        let end = usize::try_from(caplen)
            .ok()
            .and_then(|c| start.checked_add(c));
        let Some(pkt) = end.and_then(|end| data.get(start..end)) else {
            return Err((
                index,
                off,
                FormatProblem::Truncated {
                    what: "packet record",
                    needs,
                    left: left as u64,
                },
            ));
        };
        let ts_nanos =
            i64::from(sec) * 1_000_000_000 + i64::from(frac) * if nanos { 1 } else { 1000 };
        frames.push(RawFrame {
            index,
            ts_nanos,
            interface: 0,
            link_type,
            data: pkt,
            orig_len,
            comment: None,
        });
        off = start + pkt.len();
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

fn parse_pcapng(data: &[u8]) -> Result<Container<'_>, PErr> {
    let mut interfaces: Vec<Interface> = Vec::new();
    // Global interface indices of the current section's interfaces.
    let mut section_ifaces: Vec<usize> = Vec::new();
    let mut sections = 0usize;
    let mut be = false;
    let mut frames: Vec<RawFrame<'_>> = Vec::new();
    let mut off = 0usize;
    while off < data.len() {
        let packet = frames.len();
        let left = data.len() - off;
        let e = |problem| (packet, off, problem);
        let Some(raw_type) = rd_u32(data, off, be) else {
            return Err(e(FormatProblem::Truncated {
                what: "block header",
                needs: 8,
                left: left as u64,
            }));
        };
        let is_shb = raw_type == SHB_TYPE;
        if is_shb {
            let Some(bom) = rd_u32(data, off + 8, false) else {
                return Err(e(FormatProblem::Truncated {
                    what: "section header block",
                    needs: 28,
                    left: left as u64,
                }));
            };
            be = match bom {
                BYTE_ORDER_MAGIC => false,
                m if m.swap_bytes() == BYTE_ORDER_MAGIC => true,
                m => return Err(e(FormatProblem::BadByteOrderMagic(m))),
            };
        }
        let block_type = if is_shb { SHB_TYPE } else { raw_type };
        let what = block_name(block_type);
        let Some(total) = rd_u32(data, off + 4, be) else {
            return Err(e(FormatProblem::Truncated {
                what: "block header",
                needs: 8,
                left: left as u64,
            }));
        };
        if total < 12 || total % 4 != 0 {
            return Err(e(FormatProblem::BadBlockLength { what, len: total }));
        }
        let total_us = usize::try_from(total).unwrap_or(usize::MAX);
        let end = off.saturating_add(total_us);
        let (Some(body), Some(trailer)) = (
            data.get(off + 8..end.saturating_sub(4)),
            rd_u32(data, end.saturating_sub(4), be),
        ) else {
            return Err(e(FormatProblem::Truncated {
                what,
                needs: u64::from(total),
                left: left as u64,
            }));
        };
        if trailer != total {
            return Err(e(FormatProblem::BlockLengthMismatch {
                what,
                header: total,
                trailer,
            }));
        }
        let too_short = |min: usize| {
            if body.len() < min {
                Err(e(FormatProblem::BlockTooShort {
                    what,
                    len: body.len(),
                    min,
                }))
            } else {
                Ok(())
            }
        };
        let lookup_iface = |id: u32| -> Result<usize, PErr> {
            usize::try_from(id)
                .ok()
                .and_then(|i| section_ifaces.get(i).copied())
                .ok_or_else(|| {
                    e(FormatProblem::UnknownInterface {
                        what,
                        id,
                        count: section_ifaces.len(),
                    })
                })
        };
        match block_type {
            SHB_TYPE => {
                too_short(16)?;
                let major = rd_u16(body, 4, be).unwrap_or(0);
                let minor = rd_u16(body, 6, be).unwrap_or(0);
                if major != 1 {
                    return Err(e(FormatProblem::UnsupportedVersion {
                        format: "pcapng",
                        major,
                        minor,
                    }));
                }
                sections += 1;
                section_ifaces.clear();
            }
            IDB_TYPE => {
                too_short(8)?;
                let link_type = u32::from(rd_u16(body, 0, be).unwrap_or(0));
                let snaplen = rd_u32(body, 4, be).unwrap_or(0);
                let mut iface = Interface {
                    link_type,
                    snaplen,
                    tsresol: 6,
                    ts_offset_secs: 0,
                    name: None,
                    section: sections.saturating_sub(1),
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
                })
                .map_err(e)?;
                section_ifaces.push(interfaces.len());
                interfaces.push(iface);
            }
            EPB_TYPE | PB_TYPE => {
                too_short(20)?;
                let (id, ts_hi, ts_lo, caplen, orig_len) = if block_type == EPB_TYPE {
                    (
                        rd_u32(body, 0, be).unwrap_or(0),
                        rd_u32(body, 4, be).unwrap_or(0),
                        rd_u32(body, 8, be).unwrap_or(0),
                        rd_u32(body, 12, be).unwrap_or(0),
                        rd_u32(body, 16, be).unwrap_or(0),
                    )
                } else {
                    (
                        u32::from(rd_u16(body, 0, be).unwrap_or(0)),
                        rd_u32(body, 4, be).unwrap_or(0),
                        rd_u32(body, 8, be).unwrap_or(0),
                        rd_u32(body, 12, be).unwrap_or(0),
                        rd_u32(body, 16, be).unwrap_or(0),
                    )
                };
                let g = lookup_iface(id)?;
                let room = body.len() - 20;
                let cap = usize::try_from(caplen).unwrap_or(usize::MAX);
                let Some(pkt) = body.get(20..20usize.saturating_add(cap)) else {
                    return Err(e(FormatProblem::CapturedLenTooLarge { what, caplen, room }));
                };
                let padded = (cap + 3) & !3;
                let opts = body.get(20 + padded..).unwrap_or(&[]);
                let comment = collect_comment(what, opts, be).map_err(e)?;
                let (link_type, tsresol, ts_off) = interfaces
                    .get(g)
                    .map(|i| (i.link_type, i.tsresol, i.ts_offset_secs))
                    .unwrap_or((0, 6, 0));
                let units = (u64::from(ts_hi) << 32) | u64::from(ts_lo);
                frames.push(RawFrame {
                    index: packet,
                    ts_nanos: units_to_nanos(units, tsresol, ts_off),
                    interface: g,
                    link_type,
                    data: pkt,
                    orig_len,
                    comment,
                });
            }
            SPB_TYPE => {
                too_short(4)?;
                let g = lookup_iface(0)?;
                let orig_len = rd_u32(body, 0, be).unwrap_or(0);
                let link_type = interfaces.get(g).map(|i| i.link_type).unwrap_or(0);
                let snaplen = interfaces.get(g).map(|i| i.snaplen).unwrap_or(0);
                let mut cap = orig_len;
                if snaplen != 0 {
                    cap = cap.min(snaplen);
                }
                let cap = usize::try_from(cap)
                    .unwrap_or(usize::MAX)
                    .min(body.len() - 4);
                let pkt = body.get(4..4 + cap).unwrap_or(&[]);
                frames.push(RawFrame {
                    index: packet,
                    ts_nanos: 0,
                    interface: g,
                    link_type,
                    data: pkt,
                    orig_len,
                    comment: None,
                });
            }
            _ => {}
        }
        off = end;
    }
    Ok(Container {
        format: Format::PcapNg { sections },
        interfaces,
        frames,
    })
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
