//! Reading and writing packet captures (pcap, pcapng) and TCP flow extraction.
//!
//! * [`read`] / [`read_bytes`] parse a pcap (either byte order, micro- or
//!   nanosecond) or pcapng file (any number of sections and interfaces, each
//!   with its own link type and `if_tsresol`/`if_tsoffset`), detected from the
//!   magic number, with pcap-file (`container.rs`, which lists the
//!   workarounds), and decode every TCP segment over IPv4 or IPv6 with
//!   etherparse (`decode.rs`) into a [`TcpPacket`]. Packets that cannot be
//!   used are counted by reason in [`Skipped`]; structural damage to the file
//!   is a [`CaptureError`] naming file, packet index and byte offset.
//! * [`flows`] groups packets into TCP connections ([`Flow`]), and
//!   [`FlowTable`] prints them.
//! * [`PcapngWriter`] writes raw-IP pcapng files with per-packet comments.
//!
//! Supported link types: Ethernet (1, with any number of VLAN tags), raw IP
//! (101, and 12/14 as written by some platforms; 228 = IPv4, 229 = IPv6),
//! Linux cooked SLL (113) and SLL2 (276), BSD NULL (0, either byte order) and
//! OpenBSD LOOP (108). See docs/replay.md, "Capture reader and libraries".

mod container;
mod decode;
mod error;
mod flows;
mod writer;

use std::path::Path;

use serde::Serialize;

pub use container::{Format, Interface};
pub use decode::{
    LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2,
    LINKTYPE_LOOP, LINKTYPE_NULL, LINKTYPE_RAW, LINKTYPE_RAW_12, LINKTYPE_RAW_14, SkipReason,
    Skipped, TcpPacket, decode_frame, flags_to_string, internet_checksum, tcp_flags,
};
pub use error::{CaptureError, FormatProblem};
pub use flows::{Endpoint, Flow, FlowTable, default_flow, flows, flows_of};
pub use writer::{PcapngWriter, WRITER_LINK_TYPE};

/// A decoded capture file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Capture {
    /// The file name as given to [`read`] / [`read_bytes`].
    pub name: String,
    /// Container format.
    pub format: Format,
    /// Capture interfaces, over all pcapng sections (one for pcap).
    pub interfaces: Vec<Interface>,
    /// Number of packet records/blocks in the file, usable or not.
    pub total_packets: usize,
    /// The usable TCP packets (IPv4 and IPv6), in file order.
    pub packets: Vec<TcpPacket>,
    /// Why the other packets were not used.
    pub skipped: Skipped,
}

impl Capture {
    /// Turn a capture without any usable TCP packet into
    /// [`CaptureError::NoTcp`] (for the replay path); otherwise give it back.
    pub fn require_tcp(self) -> Result<Capture, CaptureError> {
        if self.packets.is_empty() {
            Err(CaptureError::NoTcp {
                file: self.name,
                total: self.total_packets,
                skipped: Box::new(self.skipped),
            })
        } else {
            Ok(self)
        }
    }

    /// The packet with file index `index`, if it was a usable TCP packet.
    pub fn packet(&self, index: usize) -> Option<&TcpPacket> {
        self.packets
            .binary_search_by_key(&index, |p| p.index)
            .ok()
            .and_then(|i| self.packets.get(i))
    }

    /// The packets of `flow`, in file order.
    pub fn flow_packets(&self, flow: &Flow) -> Vec<&TcpPacket> {
        flow.packet_indices
            .iter()
            .filter_map(|&i| self.packet(i))
            .collect()
    }

    /// One-line summary, e.g. `x.pcap: pcap, 12 packets, 10 TCP, skipped: 2 ARP`.
    pub fn summary(&self) -> String {
        let fmt = match self.format {
            Format::Pcap { nanos: true, .. } => "pcap (ns)",
            Format::Pcap { .. } => "pcap",
            Format::PcapNg { .. } => "pcapng",
        };
        format!(
            "{}: {fmt}, {} packets, {} TCP, skipped: {}",
            self.name,
            self.total_packets,
            self.packets.len(),
            self.skipped
        )
    }
}

/// Read and decode the capture file at `path`.
pub fn read(path: impl AsRef<Path>) -> Result<Capture, CaptureError> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let data = std::fs::read(path).map_err(|source| CaptureError::Io {
        file: name.clone(),
        source,
    })?;
    read_bytes(&name, &data)
}

/// Decode a capture held in memory; `name` is used in errors.
pub fn read_bytes(name: &str, data: &[u8]) -> Result<Capture, CaptureError> {
    let c = container::parse(name, data)?;
    let mut packets = Vec::new();
    let mut skipped = Skipped::default();
    for frame in &c.frames {
        match decode::decode_frame(frame.link_type, frame.data, frame.orig_len) {
            Ok(p) => packets.push(TcpPacket {
                index: frame.index,
                ts_micros: frame.ts_nanos.div_euclid(1000),
                ts_nanos: frame.ts_nanos,
                interface: frame.interface,
                comment: frame.comment.clone(),
                ..p
            }),
            Err(reason) => skipped.add(reason),
        }
    }
    Ok(Capture {
        name: name.to_string(),
        format: c.format,
        interfaces: c.interfaces,
        total_packets: c.frames.len(),
        packets,
        skipped,
    })
}
