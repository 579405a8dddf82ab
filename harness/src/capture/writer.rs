//! A minimal pcapng writer for annotated raw-IP captures, on pcap-file's.

use std::borrow::Cow;
use std::io::{self, Write};
use std::time::Duration;

use pcap_file::pcapng::blocks::enhanced_packet::{EnhancedPacketBlock, EnhancedPacketOption};
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption, InterfaceTsResolution,
};
use pcap_file::pcapng::blocks::opt_common::CommonOption;
use pcap_file::pcapng::blocks::section_header::{SectionHeaderBlock, SectionHeaderOption};
use pcap_file::pcapng::{PcapNgWriteError, PcapNgWriter as Inner};
use pcap_file::{DataLink, Endianness};

/// LINKTYPE_RAW, the link type of the single interface written.
pub const WRITER_LINK_TYPE: u16 = 101;

/// Writes a little-endian pcapng file: one Section Header Block, one
/// Interface Description Block (LINKTYPE_RAW = 101, i.e. packets are bare
/// IP datagrams; `if_tsresol` = 6, microseconds, stated explicitly) and one
/// Enhanced Packet Block per packet, carrying the optional comment as an
/// `opt_comment` option (UTF-8), which Wireshark shows as `frame.comment`.
pub struct PcapngWriter<W: Write> {
    inner: Inner<W>,
    packets: u64,
}

impl<W: Write> std::fmt::Debug for PcapngWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcapngWriter")
            .field("packets", &self.packets)
            .finish_non_exhaustive()
    }
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, what.to_string())
}

/// pcap-file's write errors as I/O errors: validation failures (a comment
/// longer than an option can hold, a block over 4 GiB) are `InvalidInput`.
fn io_error(e: PcapNgWriteError) -> io::Error {
    match e {
        PcapNgWriteError::Io(e) => e,
        other => io::Error::new(io::ErrorKind::InvalidInput, other),
    }
}

impl<W: Write> PcapngWriter<W> {
    /// Start a file: writes the section header and interface description.
    pub fn new(out: W) -> io::Result<Self> {
        let shb = SectionHeaderBlock {
            endianness: Endianness::Little,
            options: vec![SectionHeaderOption::UserApplication(Cow::Borrowed(
                "tcpdiff",
            ))],
            ..Default::default()
        };
        let mut inner = Inner::with_section_header(out, shb).map_err(io_error)?;
        let mut idb =
            InterfaceDescriptionBlock::new(DataLink::from(u32::from(WRITER_LINK_TYPE)), 0);
        idb.options = vec![InterfaceDescriptionOption::IfTsResol(
            InterfaceTsResolution::MICRO,
        )];
        inner.write_pcapng_block(idb).map_err(io_error)?;
        Ok(PcapngWriter { inner, packets: 0 })
    }

    /// Append one packet: `ip_bytes` is a complete IP datagram, `ts_micros`
    /// microseconds since the Unix epoch (must not be negative), `comment` an
    /// optional UTF-8 annotation of at most 65535 bytes (empty means none).
    pub fn write_packet(
        &mut self,
        ts_micros: i64,
        ip_bytes: &[u8],
        comment: Option<&str>,
    ) -> io::Result<()> {
        let ts = u64::try_from(ts_micros)
            .map_err(|_| invalid("negative timestamp cannot be stored in pcapng"))?;
        let original_len =
            u32::try_from(ip_bytes.len()).map_err(|_| invalid("packet larger than 4 GiB"))?;
        let options = comment
            .filter(|c| !c.is_empty())
            .map(|c| EnhancedPacketOption::Common(CommonOption::Comment(Cow::Borrowed(c))))
            .into_iter()
            .collect();
        let epb = EnhancedPacketBlock {
            interface_id: 0,
            timestamp: Duration::from_micros(ts),
            original_len,
            data: Cow::Borrowed(ip_bytes),
            options,
        };
        self.inner.write_pcapng_block(epb).map_err(io_error)?;
        self.packets += 1;
        Ok(())
    }

    /// Number of packets written so far.
    pub fn packets_written(&self) -> u64 {
        self.packets
    }

    /// Flush and give back the underlying writer.
    pub fn finish(self) -> io::Result<W> {
        let mut out = self.inner.into_inner();
        out.flush()?;
        Ok(out)
    }
}
