//! A minimal pcapng writer for annotated raw-IPv4 captures.

use std::io::{self, Write};

/// LINKTYPE_RAW, the link type of the single interface written.
pub const WRITER_LINK_TYPE: u16 = 101;

/// Writes a little-endian pcapng file: one Section Header Block, one
/// Interface Description Block (LINKTYPE_RAW = 101, i.e. packets are bare
/// IPv4 datagrams; `if_tsresol` = 6, microseconds, stated explicitly) and one
/// Enhanced Packet Block per packet, carrying the optional comment as an
/// `opt_comment` option (UTF-8), which Wireshark shows as `frame.comment`.
#[derive(Debug)]
pub struct PcapngWriter<W: Write> {
    out: W,
    packets: u64,
}

fn push_u16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}

fn push_u32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

fn pad4(v: &mut Vec<u8>) {
    while !v.len().is_multiple_of(4) {
        v.push(0);
    }
}

fn push_option(v: &mut Vec<u8>, code: u16, value: &[u8]) -> io::Result<()> {
    let len = u16::try_from(value.len()).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "pcapng option longer than 65535 bytes",
        )
    })?;
    push_u16(v, code);
    push_u16(v, len);
    v.extend_from_slice(value);
    pad4(v);
    Ok(())
}

fn end_options(v: &mut Vec<u8>) {
    push_u16(v, 0);
    push_u16(v, 0);
}

/// Frame `body` as a block of type `block_type`.
fn block(block_type: u32, body: &[u8]) -> io::Result<Vec<u8>> {
    let total = u32::try_from(body.len() + 12).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "pcapng block larger than 4 GiB",
        )
    })?;
    let mut v = Vec::with_capacity(body.len() + 12);
    push_u32(&mut v, block_type);
    push_u32(&mut v, total);
    v.extend_from_slice(body);
    push_u32(&mut v, total);
    Ok(v)
}

impl<W: Write> PcapngWriter<W> {
    /// Start a file: writes the section header and interface description.
    pub fn new(mut out: W) -> io::Result<Self> {
        let mut shb = Vec::new();
        push_u32(&mut shb, 0x1a2b_3c4d);
        push_u16(&mut shb, 1);
        push_u16(&mut shb, 0);
        shb.extend_from_slice(&(-1i64).to_le_bytes());
        push_option(&mut shb, 4, b"tcpdiff")?; // shb_userappl
        end_options(&mut shb);
        out.write_all(&block(0x0a0d_0d0a, &shb)?)?;

        let mut idb = Vec::new();
        push_u16(&mut idb, WRITER_LINK_TYPE);
        push_u16(&mut idb, 0);
        push_u32(&mut idb, 0); // snaplen: no limit
        push_option(&mut idb, 9, &[6])?; // if_tsresol: 10^-6 s
        end_options(&mut idb);
        out.write_all(&block(1, &idb)?)?;
        Ok(PcapngWriter { out, packets: 0 })
    }

    /// Append one packet: `ip_bytes` is a complete IPv4 datagram, `ts_micros`
    /// microseconds since the Unix epoch (must not be negative), `comment` an
    /// optional UTF-8 annotation of at most 65535 bytes (empty means none).
    pub fn write_packet(
        &mut self,
        ts_micros: i64,
        ip_bytes: &[u8],
        comment: Option<&str>,
    ) -> io::Result<()> {
        let ts = u64::try_from(ts_micros).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "negative timestamp cannot be stored in pcapng",
            )
        })?;
        let len = u32::try_from(ip_bytes.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "packet larger than 4 GiB"))?;
        let mut epb = Vec::with_capacity(ip_bytes.len() + 32 + comment.map_or(0, str::len));
        push_u32(&mut epb, 0); // interface id
        push_u32(&mut epb, (ts >> 32) as u32);
        push_u32(&mut epb, ts as u32);
        push_u32(&mut epb, len);
        push_u32(&mut epb, len);
        epb.extend_from_slice(ip_bytes);
        pad4(&mut epb);
        if let Some(c) = comment.filter(|c| !c.is_empty()) {
            push_option(&mut epb, 1, c.as_bytes())?; // opt_comment
            end_options(&mut epb);
        }
        self.out.write_all(&block(6, &epb)?)?;
        self.packets += 1;
        Ok(())
    }

    /// Number of packets written so far.
    pub fn packets_written(&self) -> u64 {
        self.packets
    }

    /// Flush and give back the underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}
