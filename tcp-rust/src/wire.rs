//! Zero-copy views of TCP and IPv4 headers, and the Internet checksum.
//!
//! - [`TcpSegment`]: port of lwIP's `struct tcp_hdr` and the `TCPH_*`
//!   accessor macros (prot/tcp.h), with `tcp_input`'s header sanity checks
//!   (tcp_in.c) in [`TcpSegment::new_checked`].
//! - [`Ipv4Packet`]: port of the parts of lwIP's `struct ip_hdr` and `IPH_*`
//!   macros (prot/ip4.h) the engine needs, with `ip4_input`'s length checks.
//! - [`inet_chksum`] / [`inet_chksum_pseudo`]: ports of lwIP's functions of
//!   the same names (inet_chksum.c), over a contiguous byte slice instead of
//!   a pbuf chain.
//!
//! # Panics
//!
//! Nothing in this module panics, for any buffer contents or length. The
//! views read fields with bounds-checked slice access: after a successful
//! `new_checked` every accessor returns the real field; on a buffer that
//! would fail the check (only reachable through `new_unchecked`) field
//! getters return 0 for bytes that are missing, slice getters return the
//! part that exists (possibly empty), and setters leave missing bytes alone.
//!
//! Multi-byte fields are big-endian on the wire and host integers here (lwIP
//! converts with `lwip_ntohs`/`lwip_ntohl`). Checksum functions return the
//! value to store in the field as a host integer, i.e. the field's bytes are
//! `value.to_be_bytes()`.

use core::net::Ipv4Addr;

use crate::state::TCP_FLAGS;

/// Port of lwIP's `TCP_HLEN` (prot/tcp.h): TCP header length without options.
pub const TCP_HLEN: usize = 20;
/// Port of lwIP's `IP_HLEN` (prot/ip4.h): IPv4 header length without options.
pub const IP_HLEN: usize = 20;
/// Port of lwIP's `IP_HLEN_MAX` (prot/ip4.h).
pub const IP_HLEN_MAX: usize = 60;
/// Port of lwIP's `IP_PROTO_TCP` (prot/ip.h).
pub const IP_PROTO_TCP: u8 = 6;
/// Port of lwIP's `IP_RF` (prot/ip4.h): reserved fragment flag.
pub const IP_RF: u16 = 0x8000;
/// Port of lwIP's `IP_DF` (prot/ip4.h): don't-fragment flag.
pub const IP_DF: u16 = 0x4000;
/// Port of lwIP's `IP_MF` (prot/ip4.h): more-fragments flag.
pub const IP_MF: u16 = 0x2000;
/// Port of lwIP's `IP_OFFMASK` (prot/ip4.h): fragment offset mask.
pub const IP_OFFMASK: u16 = 0x1fff;

/// Why a buffer was rejected by a `new_checked` constructor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WireError {
    /// Shorter than the fixed header (TCP: lwIP's "short packet" drop,
    /// `p->len < TCP_HLEN`).
    Truncated,
    /// Header length field out of range (TCP: lwIP's "invalid header
    /// length", `hdrlen_bytes < TCP_HLEN || hdrlen_bytes > p->tot_len`;
    /// IPv4: `iphdr_hlen < IP_HLEN` or header longer than the packet).
    BadHeaderLen,
    /// IPv4 version field is not 4 (`IPH_V(iphdr) != 4`).
    BadVersion,
    /// IPv4 total length exceeds the buffer (`iphdr_len > p->tot_len`).
    BadTotalLen,
}

impl core::fmt::Display for WireError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            WireError::Truncated => "buffer shorter than the fixed header",
            WireError::BadHeaderLen => "invalid header length",
            WireError::BadVersion => "IP version is not 4",
            WireError::BadTotalLen => "IP total length exceeds buffer",
        })
    }
}

// ---------------------------------------------------------------------------
// Byte helpers (never panic)
// ---------------------------------------------------------------------------

fn get_u8(b: &[u8], off: usize) -> u8 {
    b.get(off).copied().unwrap_or(0)
}

fn get_u16(b: &[u8], off: usize) -> u16 {
    match b.get(off..off.wrapping_add(2)) {
        Some(&[x, y]) => u16::from_be_bytes([x, y]),
        _ => 0,
    }
}

fn get_u32(b: &[u8], off: usize) -> u32 {
    match b.get(off..off.wrapping_add(4)) {
        Some(&[w, x, y, z]) => u32::from_be_bytes([w, x, y, z]),
        _ => 0,
    }
}

fn set_u8(b: &mut [u8], off: usize, v: u8) {
    if let Some(slot) = b.get_mut(off) {
        *slot = v;
    }
}

fn set_bytes(b: &mut [u8], off: usize, v: &[u8]) {
    if let Some(dst) = b.get_mut(off..off.wrapping_add(v.len())) {
        for (d, s) in dst.iter_mut().zip(v) {
            *d = *s;
        }
    }
}

fn set_u16(b: &mut [u8], off: usize, v: u16) {
    set_bytes(b, off, &v.to_be_bytes());
}

fn set_u32(b: &mut [u8], off: usize, v: u32) {
    set_bytes(b, off, &v.to_be_bytes());
}

// ---------------------------------------------------------------------------
// Internet checksum
// ---------------------------------------------------------------------------

/// One's-complement sum of `data` as big-endian 16-bit words (a trailing
/// odd byte is the high byte of a final word), added to `acc`, folded to 16
/// bits. This is the un-complemented value lwIP's `lwip_standard_chksum`
/// computes (in network byte order).
pub fn ones_complement_sum(data: &[u8], acc: u32) -> u16 {
    let mut sum = u64::from(acc);
    let mut words = data.chunks_exact(2);
    for w in &mut words {
        if let &[hi, lo] = w {
            sum = sum.wrapping_add(u64::from(u16::from_be_bytes([hi, lo])));
        }
    }
    if let &[last] = words.remainder() {
        sum = sum.wrapping_add(u64::from(u16::from_be_bytes([last, 0])));
    }
    fold(sum)
}

fn fold(mut sum: u64) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff).wrapping_add(sum >> 16);
    }
    // The loop leaves sum <= 0xffff.
    u16::try_from(sum).unwrap_or(0xffff)
}

/// Port of lwIP's `inet_chksum` (inet_chksum.c): the Internet checksum
/// (complement of the one's-complement sum) of `data`. Over a header that
/// includes its correct checksum field this returns 0.
pub fn inet_chksum(data: &[u8]) -> u16 {
    !ones_complement_sum(data, 0)
}

/// Port of lwIP's `inet_chksum_pseudo` (inet_chksum.c): the Internet
/// checksum of an IPv4 pseudo header (`src`, `dest`, zero, `proto`,
/// `proto_len`) followed by `data`.
///
/// lwIP passes `p->tot_len` as `proto_len`; for a whole segment that is
/// `data.len()`. Used with `IP_PROTO_TCP` to fill (field zeroed first) or
/// verify (result 0 means valid, as in `tcp_input`) a TCP checksum. Like
/// lwIP it never maps a 0 result to 0xffff (that is UDP-only).
pub fn inet_chksum_pseudo(
    data: &[u8],
    proto: u8,
    proto_len: u16,
    src: Ipv4Addr,
    dest: Ipv4Addr,
) -> u16 {
    let acc = pseudo_sum(proto, proto_len, src, dest);
    !ones_complement_sum(data, u32::from(acc))
}

/// Folded one's-complement sum of the IPv4 pseudo header.
fn pseudo_sum(proto: u8, proto_len: u16, src: Ipv4Addr, dest: Ipv4Addr) -> u16 {
    let [s0, s1, s2, s3] = src.octets();
    let [d0, d1, d2, d3] = dest.octets();
    let [l0, l1] = proto_len.to_be_bytes();
    ones_complement_sum(&[s0, s1, s2, s3, d0, d1, d2, d3, 0, proto, l0, l1], 0)
}

// ---------------------------------------------------------------------------
// TCP
// ---------------------------------------------------------------------------

mod tcp_field {
    pub const SRC: usize = 0;
    pub const DEST: usize = 2;
    pub const SEQNO: usize = 4;
    pub const ACKNO: usize = 8;
    pub const HDRLEN_RSVD_FLAGS: usize = 12;
    pub const WND: usize = 14;
    pub const CHKSUM: usize = 16;
    pub const URGP: usize = 18;
}

/// A read/write view of a TCP segment (header, options, payload) in a byte
/// buffer; port of lwIP's `struct tcp_hdr` (prot/tcp.h) and its `TCPH_*`
/// macros.
///
/// # Panics
///
/// Never. [`TcpSegment::new_checked`] guarantees the buffer holds at least
/// `TCP_HLEN` bytes and the whole header (`hdrlen_bytes()` ≤ buffer length),
/// so all getters return real data. Getters on an unchecked view return 0
/// (fields) or the bytes that exist (slices); setters never write outside
/// the buffer. Setting the header length to a value beyond the buffer is
/// allowed; [`TcpSegment::options`] and [`TcpSegment::payload`] then clamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpSegment<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> TcpSegment<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> TcpSegment<T> {
        TcpSegment { buffer }
    }

    /// Wraps a buffer after `tcp_input`'s checks (tcp_in.c): at least
    /// `TCP_HLEN` bytes, and `TCP_HLEN <= hdrlen_bytes <= buffer length`.
    /// (The checksum is checked separately, [`TcpSegment::verify_checksum`];
    /// lwIP checks it between these two tests.)
    pub fn new_checked(buffer: T) -> Result<TcpSegment<T>, WireError> {
        let seg = TcpSegment::new_unchecked(buffer);
        seg.check_len()?;
        Ok(seg)
    }

    /// The checks of [`TcpSegment::new_checked`].
    pub fn check_len(&self) -> Result<(), WireError> {
        let len = self.buffer.as_ref().len();
        if len < TCP_HLEN {
            return Err(WireError::Truncated);
        }
        let hl = usize::from(self.hdrlen_bytes());
        if hl < TCP_HLEN || hl > len {
            return Err(WireError::BadHeaderLen);
        }
        Ok(())
    }

    /// Unwraps the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole underlying buffer.
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// `tcphdr->src` (host order): source port.
    pub fn src_port(&self) -> u16 {
        get_u16(self.buffer.as_ref(), tcp_field::SRC)
    }

    /// `tcphdr->dest` (host order): destination port.
    pub fn dst_port(&self) -> u16 {
        get_u16(self.buffer.as_ref(), tcp_field::DEST)
    }

    /// `tcphdr->seqno` (host order).
    pub fn seqno(&self) -> u32 {
        get_u32(self.buffer.as_ref(), tcp_field::SEQNO)
    }

    /// `tcphdr->ackno` (host order).
    pub fn ackno(&self) -> u32 {
        get_u32(self.buffer.as_ref(), tcp_field::ACKNO)
    }

    /// `tcphdr->_hdrlen_rsvd_flags` (host order): data offset, reserved
    /// bits and all eight flag bits.
    pub fn hdrlen_rsvd_flags(&self) -> u16 {
        get_u16(self.buffer.as_ref(), tcp_field::HDRLEN_RSVD_FLAGS)
    }

    /// Port of lwIP's `TCPH_HDRLEN` (prot/tcp.h): data offset in 32-bit words.
    pub fn hdrlen(&self) -> u8 {
        self.buffer
            .as_ref()
            .get(tcp_field::HDRLEN_RSVD_FLAGS)
            .map_or(0, |b| b >> 4)
    }

    /// Port of lwIP's `TCPH_HDRLEN_BYTES` (prot/tcp.h): header length in
    /// bytes (`TCPH_HDRLEN << 2`, at most 60).
    pub fn hdrlen_bytes(&self) -> u8 {
        self.hdrlen() << 2
    }

    /// Port of lwIP's `TCPH_FLAGS` (prot/tcp.h): the flag bits masked with
    /// `TCP_FLAGS` (0x3f) — lwIP never looks at ECE/CWR on input.
    pub fn flags(&self) -> u8 {
        self.raw_flags() & TCP_FLAGS
    }

    /// All eight flag bits of the header's low byte (FIN … CWR), unmasked.
    pub fn raw_flags(&self) -> u8 {
        get_u8(self.buffer.as_ref(), tcp_field::HDRLEN_RSVD_FLAGS + 1)
    }

    /// `tcphdr->wnd` (host order): the raw (unscaled) window field.
    pub fn wnd(&self) -> u16 {
        get_u16(self.buffer.as_ref(), tcp_field::WND)
    }

    /// `tcphdr->chksum` (host order).
    pub fn chksum(&self) -> u16 {
        get_u16(self.buffer.as_ref(), tcp_field::CHKSUM)
    }

    /// `tcphdr->urgp` (host order).
    pub fn urgp(&self) -> u16 {
        get_u16(self.buffer.as_ref(), tcp_field::URGP)
    }

    /// The option bytes, `TCP_HLEN..hdrlen_bytes` (lwIP's `tcphdr_optlen`
    /// bytes after the fixed header). Empty if the header length is < 20;
    /// clamped to the buffer.
    pub fn options(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        let end = usize::from(self.hdrlen_bytes()).min(b.len());
        b.get(TCP_HLEN..end).unwrap_or(&[])
    }

    /// The payload, everything after `hdrlen_bytes` (empty if the header
    /// claims more than the buffer holds).
    pub fn payload(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        let start = usize::from(self.hdrlen_bytes()).max(TCP_HLEN);
        b.get(start..).unwrap_or(&[])
    }

    /// lwIP's `tcplen` as `tcp_input` computes it (tcp_in.c): payload length
    /// plus 1 if SYN or FIN is set (just 1 when both are). `None` when that
    /// overflows `u16_t` (lwIP drops such a segment: "length u16_t overflow,
    /// cannot handle this").
    pub fn tcplen(&self) -> Option<u16> {
        let len = u16::try_from(self.payload().len()).ok()?;
        if self.flags() & (crate::state::TCP_FIN | crate::state::TCP_SYN) != 0 {
            len.checked_add(1)
        } else {
            Some(len)
        }
    }

    /// Verifies the TCP checksum as `tcp_input` does with
    /// `CHECKSUM_CHECK_TCP`: `ip_chksum_pseudo` over the whole segment must
    /// be 0. `false` if the buffer is longer than 65535 bytes.
    pub fn verify_checksum(&self, src: Ipv4Addr, dest: Ipv4Addr) -> bool {
        let b = self.buffer.as_ref();
        match u16::try_from(b.len()) {
            Ok(len) => inet_chksum_pseudo(b, IP_PROTO_TCP, len, src, dest) == 0,
            Err(_) => false,
        }
    }

    /// The checksum this segment should carry (the checksum computed with
    /// the `chksum` field taken as zero), without modifying the buffer.
    /// `None` if the buffer is longer than 65535 bytes or shorter than
    /// `TCP_HLEN`.
    pub fn compute_checksum(&self, src: Ipv4Addr, dest: Ipv4Addr) -> Option<u16> {
        let b = self.buffer.as_ref();
        let len = u16::try_from(b.len()).ok()?;
        let before = b.get(..tcp_field::CHKSUM)?;
        let after = b.get(tcp_field::CHKSUM + 2..)?;
        // The field is at an even offset, so skipping it keeps word alignment.
        let acc = pseudo_sum(IP_PROTO_TCP, len, src, dest);
        let acc = ones_complement_sum(before, u32::from(acc));
        Some(!ones_complement_sum(after, u32::from(acc)))
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> TcpSegment<T> {
    /// Set `tcphdr->src`.
    pub fn set_src_port(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), tcp_field::SRC, v);
    }

    /// Set `tcphdr->dest`.
    pub fn set_dst_port(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), tcp_field::DEST, v);
    }

    /// Set `tcphdr->seqno`.
    pub fn set_seqno(&mut self, v: u32) {
        set_u32(self.buffer.as_mut(), tcp_field::SEQNO, v);
    }

    /// Set `tcphdr->ackno`.
    pub fn set_ackno(&mut self, v: u32) {
        set_u32(self.buffer.as_mut(), tcp_field::ACKNO, v);
    }

    /// Set `tcphdr->_hdrlen_rsvd_flags` (host order) verbatim.
    pub fn set_hdrlen_rsvd_flags(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), tcp_field::HDRLEN_RSVD_FLAGS, v);
    }

    /// Port of lwIP's `TCPH_HDRLEN_FLAGS_SET(phdr, len, flags)`
    /// (prot/tcp.h): `(len << 12) | flags`, `len` in 32-bit words. Clears
    /// the reserved bits.
    pub fn set_hdrlen_flags(&mut self, len_words: u8, flags: u8) {
        self.set_hdrlen_rsvd_flags((u16::from(len_words) << 12) | u16::from(flags));
    }

    /// Port of lwIP's `TCPH_HDRLEN_SET(phdr, len)` (prot/tcp.h):
    /// `(len << 12) | TCPH_FLAGS(phdr)` — keeps only the `TCP_FLAGS` bits,
    /// clearing the reserved bits and ECE/CWR, as the C macro does.
    pub fn set_hdrlen(&mut self, len_words: u8) {
        let flags = self.flags();
        self.set_hdrlen_flags(len_words, flags);
    }

    /// Port of lwIP's `TCPH_FLAGS_SET(phdr, flags)` (prot/tcp.h): clears the
    /// `TCP_FLAGS` (0x3f) bits and ORs in `flags` (all 8 bits of it).
    pub fn set_flags(&mut self, flags: u8) {
        let v = (self.hdrlen_rsvd_flags() & !u16::from(TCP_FLAGS)) | u16::from(flags);
        self.set_hdrlen_rsvd_flags(v);
    }

    /// Port of lwIP's `TCPH_SET_FLAG(phdr, flags)` (prot/tcp.h).
    pub fn set_flag(&mut self, flags: u8) {
        let v = self.hdrlen_rsvd_flags() | u16::from(flags);
        self.set_hdrlen_rsvd_flags(v);
    }

    /// Port of lwIP's `TCPH_UNSET_FLAG(phdr, flags)` (prot/tcp.h).
    pub fn unset_flag(&mut self, flags: u8) {
        let v = self.hdrlen_rsvd_flags() & !u16::from(flags);
        self.set_hdrlen_rsvd_flags(v);
    }

    /// Set `tcphdr->wnd`.
    pub fn set_wnd(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), tcp_field::WND, v);
    }

    /// Set `tcphdr->chksum`.
    pub fn set_chksum(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), tcp_field::CHKSUM, v);
    }

    /// Set `tcphdr->urgp`.
    pub fn set_urgp(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), tcp_field::URGP, v);
    }

    /// Mutable option bytes (same range as [`TcpSegment::options`]).
    pub fn options_mut(&mut self) -> &mut [u8] {
        let end = usize::from(self.hdrlen_bytes());
        let b = self.buffer.as_mut();
        let end = end.min(b.len());
        b.get_mut(TCP_HLEN..end).unwrap_or(&mut [])
    }

    /// Mutable payload (same range as [`TcpSegment::payload`]).
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let start = usize::from(self.hdrlen_bytes()).max(TCP_HLEN);
        self.buffer.as_mut().get_mut(start..).unwrap_or(&mut [])
    }

    /// Zeroes `chksum` and fills in the checksum over the whole buffer, as
    /// `tcp_output_segment` / `tcp_output_control_segment` do with
    /// `CHECKSUM_GEN_TCP`. Does nothing if the buffer exceeds 65535 bytes.
    pub fn fill_checksum(&mut self, src: Ipv4Addr, dest: Ipv4Addr) {
        let Ok(len) = u16::try_from(self.buffer.as_ref().len()) else {
            return;
        };
        self.set_chksum(0);
        let c = inet_chksum_pseudo(self.buffer.as_ref(), IP_PROTO_TCP, len, src, dest);
        self.set_chksum(c);
    }
}

// ---------------------------------------------------------------------------
// IPv4
// ---------------------------------------------------------------------------

mod ip_field {
    pub const V_HL: usize = 0;
    pub const TOS: usize = 1;
    pub const LEN: usize = 2;
    pub const ID: usize = 4;
    pub const OFFSET: usize = 6;
    pub const TTL: usize = 8;
    pub const PROTO: usize = 9;
    pub const CHKSUM: usize = 10;
    pub const SRC: usize = 12;
    pub const DEST: usize = 16;
}

/// A read/write view of an IPv4 packet; port of the parts of lwIP's
/// `struct ip_hdr` and `IPH_*` macros (prot/ip4.h) the TCP engine needs.
///
/// # Panics
///
/// Never; same rules as [`TcpSegment`]. After [`Ipv4Packet::new_checked`]
/// the header and `total_len` bytes are within the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv4Packet<T> {
    /// Wraps a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Ipv4Packet<T> {
        Ipv4Packet { buffer }
    }

    /// Wraps a buffer after `ip4_input`'s header checks (ip4.c): version 4,
    /// `IP_HLEN <= header length <= total length <= buffer length`. A buffer
    /// longer than the total length is accepted (lwIP trims it; see
    /// [`Ipv4Packet::payload`]). The header checksum is checked separately
    /// ([`Ipv4Packet::verify_checksum`]).
    pub fn new_checked(buffer: T) -> Result<Ipv4Packet<T>, WireError> {
        let p = Ipv4Packet::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// The checks of [`Ipv4Packet::new_checked`].
    pub fn check_len(&self) -> Result<(), WireError> {
        let b = self.buffer.as_ref();
        if b.is_empty() {
            return Err(WireError::Truncated);
        }
        if self.version() != 4 {
            return Err(WireError::BadVersion);
        }
        if b.len() < IP_HLEN {
            return Err(WireError::Truncated);
        }
        let hl = usize::from(self.header_len());
        let tl = usize::from(self.total_len());
        if hl < IP_HLEN {
            return Err(WireError::BadHeaderLen);
        }
        if tl > b.len() {
            return Err(WireError::BadTotalLen);
        }
        if hl > tl {
            return Err(WireError::BadHeaderLen);
        }
        Ok(())
    }

    /// Unwraps the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole underlying buffer (including any bytes past `total_len`).
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// Port of lwIP's `IPH_V` (prot/ip4.h).
    pub fn version(&self) -> u8 {
        get_u8(self.buffer.as_ref(), ip_field::V_HL) >> 4
    }

    /// Port of lwIP's `IPH_HL` (prot/ip4.h): header length in 32-bit words.
    pub fn ihl(&self) -> u8 {
        get_u8(self.buffer.as_ref(), ip_field::V_HL) & 0x0f
    }

    /// Port of lwIP's `IPH_HL_BYTES` (prot/ip4.h): header length in bytes.
    pub fn header_len(&self) -> u8 {
        self.ihl() * 4
    }

    /// Port of lwIP's `IPH_TOS` (prot/ip4.h).
    pub fn tos(&self) -> u8 {
        get_u8(self.buffer.as_ref(), ip_field::TOS)
    }

    /// Port of lwIP's `IPH_LEN` (prot/ip4.h), host order: total length.
    pub fn total_len(&self) -> u16 {
        get_u16(self.buffer.as_ref(), ip_field::LEN)
    }

    /// Port of lwIP's `IPH_ID` (prot/ip4.h), host order.
    pub fn id(&self) -> u16 {
        get_u16(self.buffer.as_ref(), ip_field::ID)
    }

    /// Port of lwIP's `IPH_OFFSET` (prot/ip4.h), host order: flags
    /// (`IP_RF`, `IP_DF`, `IP_MF`) and fragment offset (`IP_OFFMASK`).
    pub fn offset(&self) -> u16 {
        get_u16(self.buffer.as_ref(), ip_field::OFFSET)
    }

    /// Port of lwIP's `IPH_TTL` (prot/ip4.h).
    pub fn ttl(&self) -> u8 {
        get_u8(self.buffer.as_ref(), ip_field::TTL)
    }

    /// Port of lwIP's `IPH_PROTO` (prot/ip4.h).
    pub fn proto(&self) -> u8 {
        get_u8(self.buffer.as_ref(), ip_field::PROTO)
    }

    /// Port of lwIP's `IPH_CHKSUM` (prot/ip4.h), host order.
    pub fn chksum(&self) -> u16 {
        get_u16(self.buffer.as_ref(), ip_field::CHKSUM)
    }

    /// `iphdr->src`.
    pub fn src_addr(&self) -> Ipv4Addr {
        Ipv4Addr::from(get_u32(self.buffer.as_ref(), ip_field::SRC))
    }

    /// `iphdr->dest`.
    pub fn dst_addr(&self) -> Ipv4Addr {
        Ipv4Addr::from(get_u32(self.buffer.as_ref(), ip_field::DEST))
    }

    /// The header bytes, `0..header_len` (clamped to the buffer).
    pub fn header(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        let end = usize::from(self.header_len()).min(b.len());
        b.get(..end).unwrap_or(&[])
    }

    /// The payload, `header_len..total_len` — bytes past `total_len` are
    /// excluded, as lwIP's `pbuf_realloc` trim does. Clamped to the buffer.
    pub fn payload(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        let end = usize::from(self.total_len()).min(b.len());
        let start = usize::from(self.header_len()).max(IP_HLEN);
        b.get(start..end).unwrap_or(&[])
    }

    /// `inet_chksum(iphdr, iphdr_hlen) == 0`, as `ip4_input` checks with
    /// `CHECKSUM_CHECK_IP`.
    pub fn verify_checksum(&self) -> bool {
        inet_chksum(self.header()) == 0
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv4Packet<T> {
    /// Port of lwIP's `IPH_VHL_SET(hdr, v, hl)` (prot/ip4.h).
    pub fn set_version_ihl(&mut self, version: u8, ihl_words: u8) {
        set_u8(
            self.buffer.as_mut(),
            ip_field::V_HL,
            (version << 4) | (ihl_words & 0x0f),
        );
    }

    /// Port of lwIP's `IPH_TOS_SET` (prot/ip4.h).
    pub fn set_tos(&mut self, v: u8) {
        set_u8(self.buffer.as_mut(), ip_field::TOS, v);
    }

    /// Port of lwIP's `IPH_LEN_SET` (prot/ip4.h), host order.
    pub fn set_total_len(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), ip_field::LEN, v);
    }

    /// Port of lwIP's `IPH_ID_SET` (prot/ip4.h), host order.
    pub fn set_id(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), ip_field::ID, v);
    }

    /// Port of lwIP's `IPH_OFFSET_SET` (prot/ip4.h), host order.
    pub fn set_offset(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), ip_field::OFFSET, v);
    }

    /// Port of lwIP's `IPH_TTL_SET` (prot/ip4.h).
    pub fn set_ttl(&mut self, v: u8) {
        set_u8(self.buffer.as_mut(), ip_field::TTL, v);
    }

    /// Port of lwIP's `IPH_PROTO_SET` (prot/ip4.h).
    pub fn set_proto(&mut self, v: u8) {
        set_u8(self.buffer.as_mut(), ip_field::PROTO, v);
    }

    /// Port of lwIP's `IPH_CHKSUM_SET` (prot/ip4.h), host order.
    pub fn set_chksum(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), ip_field::CHKSUM, v);
    }

    /// Set `iphdr->src`.
    pub fn set_src_addr(&mut self, a: Ipv4Addr) {
        set_bytes(self.buffer.as_mut(), ip_field::SRC, &a.octets());
    }

    /// Set `iphdr->dest`.
    pub fn set_dst_addr(&mut self, a: Ipv4Addr) {
        set_bytes(self.buffer.as_mut(), ip_field::DEST, &a.octets());
    }

    /// Mutable payload (same range as [`Ipv4Packet::payload`]).
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = usize::from(self.total_len());
        let start = usize::from(self.header_len()).max(IP_HLEN);
        let b = self.buffer.as_mut();
        let end = end.min(b.len());
        b.get_mut(start..end).unwrap_or(&mut [])
    }

    /// Zeroes the header checksum and fills it with `inet_chksum` over the
    /// header, as `ip4_output_if_src` does with `CHECKSUM_GEN_IP`.
    pub fn fill_checksum(&mut self) {
        self.set_chksum(0);
        let c = inet_chksum(self.header());
        self.set_chksum(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_PSH, TCP_SYN};

    /// A Linux-style active-open SYN in IPv4, written down byte by byte:
    /// 10.0.0.1:45678 -> 10.0.0.2:80, seq 0x1c2d3e4f, win 64240, DF, TTL 64,
    /// options MSS 1460, SACK_PERM, TS(val 0x000a1b2c, ecr 0), NOP, WS 7.
    /// Both checksums were computed independently (RFC 1071 reference
    /// implementation) and are part of the vector.
    const LINUX_SYN: [u8; 60] = [
        0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x14, 0x86, 0x0a, 0x00, 0x00,
        0x01, 0x0a, 0x00, 0x00, 0x02, 0xb2, 0x6e, 0x00, 0x50, 0x1c, 0x2d, 0x3e, 0x4f, 0x00, 0x00,
        0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0x10, 0x9c, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04,
        0x02, 0x08, 0x0a, 0x00, 0x0a, 0x1b, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
    ];
    const A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
    const B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

    #[test]
    fn rfc1071_example() {
        // RFC 1071 section 3: words 0001 f203 f4f5 f6f7 sum to ddf2.
        let d = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(ones_complement_sum(&d, 0), 0xddf2);
        assert_eq!(inet_chksum(&d), 0x220d);
        // Odd length: trailing byte is the high byte of a padded word.
        assert_eq!(ones_complement_sum(&[0x12], 0), 0x1200);
        assert_eq!(ones_complement_sum(&[], 0), 0);
        assert_eq!(inet_chksum(&[]), 0xffff);
        // End-around carry.
        assert_eq!(ones_complement_sum(&[0xff, 0xff, 0x00, 0x02], 0), 0x0002);
    }

    #[test]
    fn ipv4_wikipedia_header_checksum() {
        // The classic example header; its checksum is 0xb861.
        let mut h = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert_eq!(inet_chksum(&h), 0xb861);
        let mut p = Ipv4Packet::new_unchecked(&mut h[..]);
        p.fill_checksum();
        assert_eq!(p.chksum(), 0xb861);
        assert!(p.verify_checksum());
    }

    #[test]
    fn linux_syn_ipv4_view() {
        let ip = Ipv4Packet::new_checked(&LINUX_SYN[..]).unwrap();
        assert_eq!(ip.version(), 4);
        assert_eq!(ip.ihl(), 5);
        assert_eq!(ip.header_len(), 20);
        assert_eq!(ip.tos(), 0);
        assert_eq!(ip.total_len(), 60);
        assert_eq!(ip.id(), 0x1234);
        assert_eq!(ip.offset(), IP_DF);
        assert_eq!(ip.ttl(), 64);
        assert_eq!(ip.proto(), IP_PROTO_TCP);
        assert_eq!(ip.chksum(), 0x1486);
        assert_eq!(ip.src_addr(), A);
        assert_eq!(ip.dst_addr(), B);
        assert!(ip.verify_checksum());
        assert_eq!(ip.payload().len(), 40);
    }

    #[test]
    fn linux_syn_tcp_view_and_checksum() {
        let ip = Ipv4Packet::new_checked(&LINUX_SYN[..]).unwrap();
        let seg = TcpSegment::new_checked(ip.payload()).unwrap();
        assert_eq!(seg.src_port(), 45678);
        assert_eq!(seg.dst_port(), 80);
        assert_eq!(seg.seqno(), 0x1c2d_3e4f);
        assert_eq!(seg.ackno(), 0);
        assert_eq!(seg.hdrlen(), 10);
        assert_eq!(seg.hdrlen_bytes(), 40);
        assert_eq!(seg.flags(), TCP_SYN);
        assert_eq!(seg.wnd(), 64240);
        assert_eq!(seg.chksum(), 0x109c);
        assert_eq!(seg.urgp(), 0);
        assert_eq!(
            seg.options(),
            &[
                0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x0a, 0x1b, 0x2c, 0x00, 0x00,
                0x00, 0x00, 0x01, 0x03, 0x03, 0x07
            ]
        );
        assert!(seg.payload().is_empty());
        assert_eq!(seg.tcplen(), Some(1));
        assert!(seg.verify_checksum(A, B));
        assert!(!seg.verify_checksum(B, Ipv4Addr::new(10, 0, 0, 3)));
        assert_eq!(seg.compute_checksum(A, B), Some(0x109c));

        // Rebuild the checksum from scratch.
        let mut copy = [0u8; 40];
        copy.copy_from_slice(ip.payload());
        let mut m = TcpSegment::new_checked(&mut copy[..]).unwrap();
        m.set_chksum(0xdead);
        assert_eq!(m.compute_checksum(A, B), Some(0x109c));
        m.fill_checksum(A, B);
        assert_eq!(m.chksum(), 0x109c);
        assert_eq!(m.as_bytes(), ip.payload());
    }

    #[test]
    fn odd_length_segment_checksum() {
        // 20-byte header + 3 bytes payload "hey"; vector computed
        // independently (RFC 1071 reference implementation): 0x8d55.
        let mut b = [0u8; 23];
        let mut s = TcpSegment::new_unchecked(&mut b[..]);
        s.set_src_port(80);
        s.set_dst_port(45678);
        s.set_seqno(6000);
        s.set_ackno(0x1c2d_3e50);
        s.set_hdrlen_flags(5, TCP_ACK | TCP_PSH);
        s.set_wnd(2144);
        s.payload_mut().copy_from_slice(b"hey");
        s.fill_checksum(B, A);
        assert!(s.verify_checksum(B, A));
        assert_eq!(s.chksum(), ODD_VECTOR_CHKSUM);
        assert_eq!(s.tcplen(), Some(3));
    }
    const ODD_VECTOR_CHKSUM: u16 = 0x8d55;

    #[test]
    fn tcp_checks() {
        assert_eq!(
            TcpSegment::new_checked(&[0u8; 19][..]),
            Err(WireError::Truncated)
        );
        let mut b = [0u8; 24];
        // data offset 4 (< 5)
        b[12] = 0x40;
        assert_eq!(
            TcpSegment::new_checked(&b[..]).err(),
            Some(WireError::BadHeaderLen)
        );
        // data offset 7 = 28 bytes > 24
        b[12] = 0x70;
        assert_eq!(
            TcpSegment::new_checked(&b[..]).err(),
            Some(WireError::BadHeaderLen)
        );
        // data offset 6 = 24 bytes == len: ok, 4 option bytes, no payload
        b[12] = 0x60;
        let s = TcpSegment::new_checked(&b[..]).unwrap();
        assert_eq!(s.options().len(), 4);
        assert!(s.payload().is_empty());
    }

    #[test]
    fn flags_masking_and_setters() {
        let mut b = [0u8; 20];
        let mut s = TcpSegment::new_unchecked(&mut b[..]);
        s.set_hdrlen_flags(5, TCP_SYN | TCP_ECE | TCP_CWR);
        assert_eq!(s.raw_flags(), 0xc2);
        assert_eq!(s.flags(), TCP_SYN);
        assert_eq!(s.hdrlen_rsvd_flags(), 0x50c2);
        // TCPH_FLAGS_SET keeps the non-TCP_FLAGS bits.
        s.set_flags(TCP_ACK | TCP_FIN);
        assert_eq!(s.hdrlen_rsvd_flags(), 0x50d1);
        // TCPH_HDRLEN_SET keeps only TCP_FLAGS bits.
        s.set_hdrlen(6);
        assert_eq!(s.hdrlen_rsvd_flags(), 0x6011);
        s.set_flag(TCP_PSH);
        assert_eq!(s.flags(), TCP_ACK | TCP_FIN | TCP_PSH);
        s.unset_flag(TCP_FIN);
        assert_eq!(s.flags(), TCP_ACK | TCP_PSH);
        assert_eq!(s.tcplen(), Some(0));
        // Header now claims 24 bytes in a 20-byte buffer: clamps, no panic.
        assert!(s.options().is_empty());
        assert!(s.payload().is_empty());
        assert!(s.options_mut().is_empty());
        s.set_seqno(0xffff_ffff);
        s.set_ackno(1);
        s.set_urgp(7);
        assert_eq!((s.seqno(), s.ackno(), s.urgp()), (u32::MAX, 1, 7));
        // SYN+FIN counts once.
        s.set_flags(TCP_SYN | TCP_FIN);
        s.set_hdrlen(5);
        assert_eq!(s.tcplen(), Some(1));
    }

    #[test]
    fn unchecked_views_never_panic() {
        for len in 0..24 {
            let mut b = [0xffu8; 24];
            let buf = &mut b[..len];
            let mut s = TcpSegment::new_unchecked(&mut *buf);
            let _ = (s.src_port(), s.dst_port(), s.seqno(), s.ackno(), s.hdrlen());
            let _ = (
                s.flags(),
                s.wnd(),
                s.chksum(),
                s.urgp(),
                s.options(),
                s.payload(),
            );
            let _ = (
                s.tcplen(),
                s.verify_checksum(A, B),
                s.compute_checksum(A, B),
            );
            s.set_seqno(1);
            s.set_urgp(1);
            s.fill_checksum(A, B);
            let _ = s.payload_mut();
            let mut p = Ipv4Packet::new_unchecked(&mut *buf);
            let _ = (
                p.version(),
                p.total_len(),
                p.src_addr(),
                p.dst_addr(),
                p.payload(),
            );
            let _ = (p.check_len(), p.verify_checksum(), p.header());
            p.set_dst_addr(A);
            p.fill_checksum();
            let _ = p.payload_mut();
        }
    }

    #[test]
    fn ipv4_checks() {
        assert_eq!(
            Ipv4Packet::new_checked(&[][..]).err(),
            Some(WireError::Truncated)
        );
        let mut b = LINUX_SYN;
        b[0] = 0x65;
        assert_eq!(
            Ipv4Packet::new_checked(&b[..]).err(),
            Some(WireError::BadVersion)
        );
        assert_eq!(
            Ipv4Packet::new_checked(&LINUX_SYN[..19]).err(),
            Some(WireError::Truncated)
        );
        let mut b = LINUX_SYN;
        b[0] = 0x44;
        assert_eq!(
            Ipv4Packet::new_checked(&b[..]).err(),
            Some(WireError::BadHeaderLen)
        );
        assert_eq!(
            Ipv4Packet::new_checked(&LINUX_SYN[..59]).err(),
            Some(WireError::BadTotalLen)
        );
        let mut b = LINUX_SYN;
        b[2] = 0;
        b[3] = 19; // total length below header length
        assert_eq!(
            Ipv4Packet::new_checked(&b[..]).err(),
            Some(WireError::BadHeaderLen)
        );
        // Trailing padding beyond total length is excluded from the payload.
        let mut long = [0u8; 64];
        long[..60].copy_from_slice(&LINUX_SYN);
        let p = Ipv4Packet::new_checked(&long[..]).unwrap();
        assert_eq!(p.payload().len(), 40);
    }

    #[test]
    fn ipv4_setters() {
        let mut b = [0u8; 24];
        let mut p = Ipv4Packet::new_unchecked(&mut b[..]);
        p.set_version_ihl(4, 5);
        p.set_tos(0x10);
        p.set_total_len(24);
        p.set_id(7);
        p.set_offset(IP_DF | 3);
        p.set_ttl(255);
        p.set_proto(IP_PROTO_TCP);
        p.set_src_addr(A);
        p.set_dst_addr(B);
        p.fill_checksum();
        assert!(p.verify_checksum());
        assert_eq!(p.check_len(), Ok(()));
        p.payload_mut().copy_from_slice(&[1, 2, 3, 4]);
        assert_eq!(p.payload(), &[1, 2, 3, 4]);
        assert_eq!(p.offset() & IP_OFFMASK, 3);
        assert_eq!((p.tos(), p.id(), p.ttl()), (0x10, 7, 255));
    }
}
