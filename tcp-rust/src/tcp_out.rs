//! Port of lwIP's tcp_out.c: segment queueing (`tcp_write`,
//! `tcp_enqueue_flags`), `tcp_output`, control segments (empty ACK, RST)
//! and retransmission.

use crate::config::Profile;
use crate::err::Err;
use crate::options::{
    LWIP_TCP_OPT_LEN_TS, OptValues, TF_SEG_OPTS_WND_SCALE, build_segment_options,
    lwip_tcp_opt_length, tcp_data_optflags, tcp_enqueue_flags_optflags, tcp_send_empty_ack_options,
};
use crate::pbuf::{PbufStore, PbufType};
use crate::seq::tcp_seq_lt;
use crate::stack::{
    ApiError, Assertion, Handle, Hooks, IpAddrOf, PbufOf, PbufsOf, PcbOf, RomOf, SegOf, Tcp,
    WriteFlags,
};
use crate::state::{
    TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TF_ACK_DELAY, TF_ACK_NOW, TF_FIN, TF_INFR,
    TF_NAGLEMEMERR, TF_NODELAY, TF_RTO, TcpState,
};
use crate::storage::{IpAddrRepr, NetifOf, OptField, SackTable, Storage};
use crate::storage::{Mib2Tcp, TcpStat};
use crate::wire::{IP_PROTO_TCP, TCP_HLEN, inet_chksum_pseudo_chain};

/// lwIP's `TCP_SNDQUEUELEN_OVERFLOW` (tcp_priv.h).
const TCP_SNDQUEUELEN_OVERFLOW: u16 = 0xffff - 3;

/// Writes a TCP header into `b` (20 bytes; checksum and urgent pointer 0).
#[allow(clippy::too_many_arguments)]
fn put_tcp_hdr(
    b: &mut [u8],
    src: u16,
    dest: u16,
    seqno: u32,
    ackno: u32,
    hdrlen_words: u8,
    flags: u8,
    wnd: u16,
) {
    let mut h = [0u8; TCP_HLEN];
    h[0..2].copy_from_slice(&src.to_be_bytes());
    h[2..4].copy_from_slice(&dest.to_be_bytes());
    h[4..8].copy_from_slice(&seqno.to_be_bytes());
    h[8..12].copy_from_slice(&ackno.to_be_bytes());
    h[12] = hdrlen_words << 4;
    h[13] = flags;
    h[14..16].copy_from_slice(&wnd.to_be_bytes());
    if let Some(d) = b.get_mut(..TCP_HLEN) {
        d.copy_from_slice(&h);
    }
}

/// Where `tcp_write`'s bytes come from: the caller's slice (copied), or
/// the application's store (`len` bytes at a [`RomRef`], referenced by
/// `PBUF_ROM` pbufs without `TCP_WRITE_FLAG_COPY`, copied with it).
#[derive(Clone, Copy)]
enum WriteSrc<'a, Rom> {
    Bytes(&'a [u8]),
    Rom(Rom, u16),
}

impl<H: Hooks, P: Profile> Tcp<H, P> {
    /// Copies `n` bytes from `pos` of the write's source into `p`'s
    /// payload at `at` (lwIP's `TCP_DATA_COPY`/`MEMCPY`).
    fn tcp_data_copy(
        &mut self,
        src: WriteSrc<'_, RomOf<P>>,
        pos: u16,
        n: u16,
        p: PbufOf<P>,
        at: u16,
    ) {
        let bytes: &[u8] = match src {
            WriteSrc::Bytes(b) => b,
            WriteSrc::Rom(r, len) => PbufsOf::<P>::rom_slice(&self.hooks, r, usize::from(len)),
        };
        let (pos, n, at) = (usize::from(pos), usize::from(n), usize::from(at));
        if let (Some(d), Some(sv)) = (
            self.pbufs.payload_mut(p).get_mut(at..at + n),
            bytes.get(pos..pos + n),
        ) {
            d.copy_from_slice(sv);
        }
    }

    /// The TCP checksum of the segment in `p` (payload at its TCP header)
    /// into its header, then `ip_output_if` (tcp_output_segment's and
    /// tcp_output_control_segment's common tail).
    fn tcp_output_pbuf(
        &mut self,
        p: PbufOf<P>,
        src: &IpAddrOf<P>,
        dst: &IpAddrOf<P>,
        ttl: u8,
        tos: u8,
        n: NetifOf<P::Storage>,
    ) -> Err {
        if P::CONFIG.checksum_gen_tcp {
            let len = self.pbufs.tot_len(p);
            let c = inet_chksum_pseudo_chain(
                self.pbufs.chain(&self.hooks, p),
                IP_PROTO_TCP,
                len,
                *src,
                *dst,
            );
            if let Some(f) = self.pbufs.payload_mut(p).get_mut(16..18) {
                f.copy_from_slice(&c.to_be_bytes());
            }
        }
        self.tcp_stat(TcpStat::Xmit);
        self.ip_output_if(p, src, dst, ttl, tos, n)
    }

    /// Port of `tcp_output_alloc_header_common()` (tcp_out.c): a
    /// `PBUF_RAM` pbuf at the `PBUF_IP` layer holding a TCP header
    /// (checksum 0) and room for `optlen` option and `datalen` data
    /// bytes. None without heap.
    #[allow(clippy::too_many_arguments)]
    fn tcp_output_alloc_header_common(
        &mut self,
        ackno: u32,
        optlen: u16,
        datalen: u16,
        seqno: u32,
        src_port: u16,
        dst_port: u16,
        flags: u8,
        wnd: u16,
    ) -> Option<PbufOf<P>> {
        let len = (TCP_HLEN as u16).wrapping_add(optlen).wrapping_add(datalen);
        let p = self.pbuf_alloc_ram(P::CONFIG.pbuf_layer_ip(), len)?;
        put_tcp_hdr(
            self.pbufs.payload_mut(p),
            src_port,
            dst_port,
            seqno,
            ackno,
            5 + (optlen / 4) as u8,
            flags,
            wnd,
        );
        Some(p)
    }

    /// Port of `tcp_output_alloc_header()` (tcp_out.c): an ACK of the
    /// pcb's; when there is a pbuf, "update the announced right window
    /// edge".
    fn tcp_output_alloc_header(
        &mut self,
        i: PcbOf<P>,
        optlen: u16,
        datalen: u16,
        seqno: u32,
    ) -> Option<PbufOf<P>> {
        let p = *self.pcb_ref(i);
        let wnd = (p.rcv_ann_wnd >> p.rcv_scale).min(0xffff) as u16;
        let pb = self.tcp_output_alloc_header_common(
            p.rcv_nxt,
            optlen,
            datalen,
            seqno,
            p.local_port,
            p.remote_port,
            TCP_ACK,
            wnd,
        )?;
        let q = self.p(i);
        q.rcv_ann_right_edge = q.rcv_nxt.wrapping_add(q.rcv_ann_wnd);
        Some(pb)
    }

    /// Port of `tcp_output_control_segment()` (tcp_out.c; `pcb` None is
    /// `tcp_output_control_segment_netif`, which sends on the netif the
    /// segment came in on): ERR_RTE without a route, and the pbuf is
    /// freed either way.
    fn tcp_output_control_segment(
        &mut self,
        pcb: Option<PcbOf<P>>,
        p: PbufOf<P>,
        src: &IpAddrOf<P>,
        dst: &IpAddrOf<P>,
    ) -> Err {
        // tcp_route for a pcb; the netif variant (tcp_rst_netif, no pcb:
        // always from tcp_input) sends on the netif the segment came in on.
        let netif = match pcb {
            Some(_) => self.tcp_route(pcb, src, dst),
            None => self.inp.netif,
        };
        let err = match netif {
            None => Err::Rte,
            Some(n) => {
                let (ttl, tos) = match pcb {
                    Some(i) => (self.pcb_ref(i).ttl, self.pcb_ref(i).tos),
                    None => (P::CONFIG.tcp_ttl, 0),
                };
                self.tcp_output_pbuf(p, src, dst, ttl, tos, n)
            }
        };
        self.pbuf_free(p);
        err
    }

    /// Port of `tcp_rst()` / `tcp_rst_netif()` (tcp_out.c; `pcb` None is
    /// the netif variant). The window field is `PP_HTONS(TCP_WND >>
    /// TCP_RCV_SCALE)` passed through `lwip_htons` again, i.e. byte-swapped
    /// on the little-endian hosts lwIP runs on here.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn tcp_rst(
        &mut self,
        pcb: Option<PcbOf<P>>,
        seqno: u32,
        ackno: u32,
        local_ip: &IpAddrOf<P>,
        remote_ip: &IpAddrOf<P>,
        local_port: u16,
        remote_port: u16,
    ) {
        let raw = if P::CONFIG.lwip_wnd_scale {
            (P::CONFIG.tcp_wnd >> P::CONFIG.tcp_rcv_scale) & 0xffff
        } else {
            P::CONFIG.tcp_wnd & 0xffff
        } as u16;
        let wnd = raw.swap_bytes();
        // No pbuf, no RST.
        let Some(p) = self.tcp_output_alloc_header_common(
            ackno,
            0,
            0,
            seqno,
            local_port,
            remote_port,
            TCP_RST | TCP_ACK,
            wnd,
        ) else {
            return;
        };
        self.mib2_stat(Mib2Tcp::OutRsts);
        self.tcp_output_control_segment(pcb, p, local_ip, remote_ip);
    }

    /// Port of `tcp_send_empty_ack()` (tcp_out.c).
    pub(crate) fn tcp_send_empty_ack(&mut self, i: PcbOf<P>) -> Err {
        let p = *self.pcb_ref(i);
        let nsacks = usize::from(P::CONFIG.lwip_tcp_max_sack_num).min(p.rcv_sacks.ranges().len());
        let sacks = p.rcv_sacks.ranges().get(..nsacks).unwrap_or(&[]);
        let v = OptValues {
            mss: 0,
            sys_now: self.hooks.sys_now(self.now),
            ts_recent: p.ts_recent.get(),
        };
        let opts = tcp_send_empty_ack_options(&P::CONFIG, p.flags, &v, sacks);
        let olen = u16::from(opts.len());
        let Some(pb) = self.tcp_output_alloc_header(i, olen, 0, p.snd_nxt) else {
            self.tcp_fasttmr_retries_ack(i);
            return Err::Buf;
        };
        // tcp_output_fill_options.
        if let Some(o) = self
            .pbufs
            .payload_mut(pb)
            .get_mut(TCP_HLEN..TCP_HLEN + usize::from(olen))
        {
            o.copy_from_slice(opts.as_slice());
        }
        self.p(i).ts_lastacksent.set(p.rcv_nxt);
        let err = self.tcp_output_control_segment(Some(i), pb, &p.local_ip, &p.remote_ip);
        if err != Err::Ok {
            self.tcp_fasttmr_retries_ack(i);
        } else {
            self.p(i).flags &= !(TF_ACK_DELAY | TF_ACK_NOW);
        }
        err
    }

    /// tcp_send_empty_ack's "let tcp_fasttmr retry sending this ACK" (when
    /// no pbuf or no route): both ACK flags set.
    fn tcp_fasttmr_retries_ack(&mut self, i: PcbOf<P>) {
        self.p(i).flags |= TF_ACK_DELAY | TF_ACK_NOW;
    }

    /// Port of `tcp_create_segment()` (tcp_out.c): a segment from the pool
    /// holding `p` (its payload moved back over the TCP header). `None`
    /// when `MEMP_TCP_SEG` is exhausted (`p` is freed then).
    fn tcp_create_segment(
        &mut self,
        p: PbufOf<P>,
        hdrflags: u8,
        seqno: u32,
        optflags: u8,
    ) -> Option<SegOf<P>> {
        let optlen = u16::from(lwip_tcp_opt_length(&P::CONFIG, optflags));
        let Some(s) = self.memp_alloc_seg() else {
            self.pbuf_free(p);
            return None;
        };
        let len = self.pbufs.tot_len(p).wrapping_sub(optlen);
        {
            let sg = self.sg(s);
            sg.flags = optflags;
            sg.p = Some(p);
            sg.len = len;
        }
        // Every pbuf the TCP code builds has PBUF_TRANSPORT room.
        if !self.pbufs.pbuf_add_header(p, TCP_HLEN as u16) {
            self.tcp_stat(TcpStat::Err);
            self.tcp_seg_free(s);
            return None;
        }
        self.sg(s).tcphdr = P::Storage::tcphdr_at(p);
        self.seg_set_seqno(s, seqno);
        self.seg_set_hdr_flags(s, hdrflags);
        Some(s)
    }

    /// Port of `tcp_enqueue_flags()` (tcp_out.c).
    pub(crate) fn tcp_enqueue_flags(&mut self, i: PcbOf<P>, flags: u8) -> Err {
        let p = *self.pcb_ref(i);
        let optflags = tcp_enqueue_flags_optflags(&P::CONFIG, flags, p.state(), p.flags);
        let optlen = u16::from(lwip_tcp_opt_length(&P::CONFIG, optflags));
        let Some(pb) = self.pbuf_alloc_ram(P::CONFIG.pbuf_layer_transport(), optlen) else {
            self.p(i).flags |= TF_NAGLEMEMERR;
            self.tcp_stat(TcpStat::MemErr);
            return Err::Mem;
        };
        let Some(s) = self.tcp_create_segment(pb, flags, p.snd_lbb, optflags) else {
            self.p(i).flags |= TF_NAGLEMEMERR;
            self.tcp_stat(TcpStat::MemErr);
            return Err::Mem;
        };
        self.append_unsent(i, s);
        let clen = self.pbufs.pbuf_clen(pb);
        let q = self.p(i);
        q.unsent_oversize = 0;
        // "SYN and FIN bump the sequence number": every caller passes one
        // of them (lwIP asserts it on entry).
        q.snd_lbb = q.snd_lbb.wrapping_add(1);
        if flags & TCP_FIN != 0 {
            q.flags |= TF_FIN;
        }
        q.snd_queuelen = q.snd_queuelen.wrapping_add(clen);
        Err::Ok
    }

    fn last_unsent(&self, i: PcbOf<P>) -> Option<SegOf<P>> {
        let mut s = self.pcb_ref(i).unsent?;
        while let Some(n) = self.seg_ref(s).next {
            s = n;
        }
        Some(s)
    }

    fn append_unsent(&mut self, i: PcbOf<P>, s: SegOf<P>) {
        match self.last_unsent(i) {
            None => self.p(i).unsent = Some(s),
            Some(l) => self.sg(l).next = Some(s),
        }
    }

    /// Port of `tcp_send_fin()` (tcp_out.c).
    pub(crate) fn tcp_send_fin(&mut self, i: PcbOf<P>) -> Err {
        if let Some(l) = self.last_unsent(i)
            && self.seg_hdr_flags(l) & (TCP_SYN | TCP_FIN | TCP_RST) == 0
        {
            let f = self.seg_hdr_flags(l) | TCP_FIN;
            self.seg_set_hdr_flags(l, f);
            self.p(i).flags |= TF_FIN;
            return Err::Ok;
        }
        self.tcp_enqueue_flags(i, TCP_FIN)
    }

    /// Port of `tcp_pbuf_prealloc()` (tcp_out.c): a `PBUF_RAM` pbuf for
    /// `length` bytes, allocated larger (up to `max_length`, by
    /// `TCP_OVERSIZE`) when more data is likely to follow, or always at
    /// `max_length` with `LWIP_NETIF_TX_SINGLE_PBUF`; its `len` is
    /// `length` and the extra room is returned as the oversize. Without
    /// `TCP_OVERSIZE` (0) lwIP's macro allocates `length` bytes: no room.
    fn tcp_pbuf_prealloc(
        &mut self,
        i: PcbOf<P>,
        layer: u16,
        length: u16,
        max_length: u16,
        apiflags: WriteFlags,
        first_seg: bool,
    ) -> Option<(PbufOf<P>, u16)> {
        if P::CONFIG.tcp_oversize == 0 {
            let pb = self.pbuf_alloc_ram(layer, length)?;
            return Some((pb, 0));
        }
        let p = self.pcb_ref(i);
        let mut alloc = length;
        if P::CONFIG.lwip_netif_tx_single_pbuf {
            alloc = max_length;
        } else if length < max_length
            && (apiflags.more
                || (p.flags & TF_NODELAY == 0
                    && (!first_seg || p.unsent.is_some() || p.unacked.is_some())))
        {
            let want = P::CONFIG
                .lwip_mem_align_size(u32::from(length) + u32::from(P::CONFIG.tcp_oversize));
            alloc = (u32::from(max_length).min(want)) as u16;
        }
        let pb = self.pbuf_alloc_ram(layer, alloc)?;
        let oversize = self.pbufs.len(pb).wrapping_sub(length);
        self.pbufs.set_len(pb, length);
        self.pbufs.set_tot_len(pb, length);
        Some((pb, oversize))
    }

    /// Port of `tcp_write()` (tcp_out.c) for bytes the caller passes:
    /// with `TCP_WRITE_FLAG_COPY` they are copied into `PBUF_RAM` pbufs.
    /// Without it lwIP would keep a pointer to them, which a slice cannot
    /// give: use [`Tcp::tcp_write_ref`] (`ApiError::NeedsRef` here).
    pub fn tcp_write(
        &mut self,
        h: Handle,
        data: &[u8],
        apiflags: WriteFlags,
    ) -> Result<Err, ApiError> {
        self.tcp_write_ptr(h, Some(data), apiflags)
    }

    /// Port of `tcp_write()` (tcp_out.c) with lwIP's pointer arguments: a
    /// NULL pcb ([`Handle::NULL`]) or a NULL `arg` (None) is ERR_ARG.
    pub fn tcp_write_ptr(
        &mut self,
        h: Handle,
        arg: Option<&[u8]>,
        apiflags: WriteFlags,
    ) -> Result<Err, ApiError> {
        self.tcp_write_src(h, arg.map(WriteSrc::Bytes), apiflags)
    }

    /// Port of `tcp_write()` (tcp_out.c) for `len` bytes the application
    /// keeps in its [`crate::pbuf::RomStore`] at `data`: without
    /// `TCP_WRITE_FLAG_COPY` the segments reference them (`PBUF_ROM`, lwIP's
    /// zero-copy write: they must stay unchanged until acknowledged), with
    /// it they are copied.
    pub fn tcp_write_ref(
        &mut self,
        h: Handle,
        data: RomOf<P>,
        len: u16,
        apiflags: WriteFlags,
    ) -> Result<Err, ApiError> {
        self.tcp_write_src(h, Some(WriteSrc::Rom(data, len)), apiflags)
    }

    fn tcp_write_src(
        &mut self,
        h: Handle,
        arg: Option<WriteSrc<'_, RomOf<P>>>,
        apiflags: WriteFlags,
    ) -> Result<Err, ApiError> {
        // LWIP_ERROR("tcp_write: invalid pcb", pcb != NULL, return ERR_ARG)
        if h.is_null() {
            return Ok(Err::Arg);
        }
        let i = self.resolve_conn(h)?;
        let p = *self.pcb_ref(i);
        // LWIP_NETIF_TX_SINGLE_PBUF: always copy, to build single pbufs.
        let mut apiflags = apiflags;
        apiflags.copy |= P::CONFIG.lwip_netif_tx_single_pbuf;
        let mut mss_local = p.mss.min((p.snd_wnd_max / 2).min(0xffff) as u16);
        if mss_local == 0 {
            mss_local = p.mss;
        }
        // LWIP_ERROR("tcp_write: arg == NULL (programmer violates API)", ...)
        let Some(src) = arg else {
            return Ok(Err::Arg);
        };
        let len = match src {
            WriteSrc::Bytes(d) => {
                if !apiflags.copy {
                    return Err(ApiError::NeedsRef(h));
                }
                let Ok(len) = u16::try_from(d.len()) else {
                    return Ok(Err::Arg);
                };
                len
            }
            WriteSrc::Rom(_, len) => len,
        };
        // tcp_write_checks: ERR_OK for len 0 without the buffer checks, and
        // tcp_write then goes on (with nothing to add it still sets PSH on
        // the last unsent segment when there is oversize room).
        if !matches!(
            p.state(),
            TcpState::Established | TcpState::CloseWait | TcpState::SynSent | TcpState::SynRcvd
        ) {
            return Ok(Err::Conn);
        } else if len != 0 {
            if u32::from(len) > p.snd_buf {
                self.p(i).flags |= TF_NAGLEMEMERR;
                return Ok(Err::Mem);
            }
            if p.snd_queuelen >= P::CONFIG.tcp_snd_queuelen.min(TCP_SNDQUEUELEN_OVERFLOW + 1) {
                self.p(i).flags |= TF_NAGLEMEMERR;
                self.tcp_stat(TcpStat::MemErr);
                return Ok(Err::Mem);
            }
        }
        let mut queuelen = p.snd_queuelen;
        let optflags = tcp_data_optflags(&P::CONFIG, p.flags);
        if optflags != 0 {
            mss_local = mss_local.max(u16::from(LWIP_TCP_OPT_LEN_TS) + 1);
        }
        let optlen16 = u16::from(lwip_tcp_opt_length(&P::CONFIG, optflags));
        let mut pos: u16 = 0;
        let mut oversize: u16 = 0;
        let mut oversize_used: u16 = 0;
        // TCP_OVERSIZE_DBGCHECK's oversize_add.
        let mut oversize_add: u16 = 0;
        let mut concat_p: Option<PbufOf<P>> = None;
        let mut extendlen: u16 = 0;
        let last_unsent = self.last_unsent(i);
        let mut seg: Option<SegOf<P>> = None;
        if let Some(lu) = last_unsent {
            let lus = *self.seg_ref(lu);
            let unsent_optlen = u16::from(lwip_tcp_opt_length(&P::CONFIG, lus.flags));
            if u32::from(mss_local) < u32::from(lus.len) + u32::from(unsent_optlen) {
                return Err(self.lwip_assert_failed(&Assertion {
                    msg: c"mss_local is too small",
                    file: crate::stack::LwipFile::TcpOut,
                    line: 489,
                }));
            }
            let mut space = mss_local.saturating_sub(lus.len.wrapping_add(unsent_optlen));
            // Phase 1: the oversized tail of the last pbuf.
            if P::CONFIG.tcp_oversize_dbgcheck && p.unsent_oversize != lus.oversize_left.get() {
                return Err(self.lwip_assert_failed(&Assertion {
                    msg: c"unsent_oversize mismatch (pcb vs. last_unsent)",
                    file: crate::stack::LwipFile::TcpOut,
                    line: 502,
                }));
            }
            oversize = p.unsent_oversize;
            if oversize > 0 {
                if oversize > space {
                    return Err(self.lwip_assert_failed(&Assertion {
                        msg: c"inconsistent oversize vs. space",
                        file: crate::stack::LwipFile::TcpOut,
                        line: 507,
                    }));
                }
                seg = Some(lu);
                oversize_used = space.min(oversize.min(len));
                pos += oversize_used;
                oversize -= oversize_used;
                space -= oversize_used;
            }
            // Phase 2: chain a new pbuf to the last unsent segment (not
            // with LWIP_NETIF_TX_SINGLE_PBUF).
            if !P::CONFIG.lwip_netif_tx_single_pbuf && pos < len && space > 0 && lus.len > 0 {
                let seglen = space.min(len - pos);
                seg = Some(lu);
                match src {
                    _ if apiflags.copy => {
                        let Some((cp, os)) =
                            self.tcp_pbuf_prealloc(i, 0, seglen, space, apiflags, true)
                        else {
                            self.p(i).flags |= TF_NAGLEMEMERR;
                            self.tcp_stat(TcpStat::MemErr);
                            return Ok(Err::Mem);
                        };
                        self.tcp_data_copy(src, pos, seglen, cp, 0);
                        oversize = os;
                        oversize_add = os;
                        queuelen = queuelen.wrapping_add(self.pbufs.pbuf_clen(cp));
                        concat_p = Some(cp);
                    }
                    WriteSrc::Rom(r, _) => {
                        // A PBUF_ROM tail that ends where this data starts
                        // is extended (lwIP asserts pos == 0 there: only a
                        // RAM tail has oversize).
                        let at = PbufsOf::<P>::rom_at(r, pos);
                        let tail = lus.p.map(|h| self.last_pbuf(h));
                        let extends = tail.is_some_and(|t| {
                            self.pbufs.pbuf_type(t) == PbufType::Rom
                                && self.pbufs.rom_ref(t).is_some_and(|tr| {
                                    PbufsOf::<P>::rom_at(tr, self.pbufs.len(t)) == at
                                })
                        });
                        if extends {
                            extendlen = seglen;
                        } else {
                            let Some(cp) = self.pbufs.pbuf_alloc(0, seglen, PbufType::Rom) else {
                                self.p(i).flags |= TF_NAGLEMEMERR;
                                self.tcp_stat(TcpStat::MemErr);
                                return Ok(Err::Mem);
                            };
                            self.pbufs.set_rom(cp, at);
                            queuelen = queuelen.wrapping_add(self.pbufs.pbuf_clen(cp));
                            concat_p = Some(cp);
                        }
                    }
                    WriteSrc::Bytes(_) => {}
                }
                pos += seglen;
            }
        }
        // Phase 3: new segments, queued locally.
        let mut queue = None;
        let mut prev_seg = None;
        let snd_lbb = p.snd_lbb;
        let mut failed = false;
        let transport = P::CONFIG.pbuf_layer_transport();
        while pos < len {
            let left = len - pos;
            // u16 arithmetic as in C: with timestamps mss_local may be 11 (TS + 1)
            // and optlen 12, so max_len wraps to 65535 in lwIP too.
            let max_len = mss_local.wrapping_sub(optlen16);
            let seglen = left.min(max_len);
            let pb = match src {
                _ if apiflags.copy => {
                    let Some((pb, os)) = self.tcp_pbuf_prealloc(
                        i,
                        transport,
                        seglen.wrapping_add(optlen16),
                        mss_local,
                        apiflags,
                        queue.is_none(),
                    ) else {
                        failed = true;
                        break;
                    };
                    oversize = os;
                    self.tcp_data_copy(src, pos, seglen, pb, optlen16);
                    pb
                }
                WriteSrc::Rom(r, _) => {
                    // The PBUF_ROM data, then the PBUF_RAM header pbuf.
                    let Some(p2) = self.pbufs.pbuf_alloc(transport, seglen, PbufType::Rom) else {
                        failed = true;
                        break;
                    };
                    let at = PbufsOf::<P>::rom_at(r, pos);
                    self.pbufs.set_rom(p2, at);
                    let Some(ph) = self.pbuf_alloc_ram(transport, optlen16) else {
                        self.pbuf_free(p2);
                        failed = true;
                        break;
                    };
                    self.pbufs.pbuf_cat(ph, p2);
                    ph
                }
                WriteSrc::Bytes(_) => break,
            };
            queuelen = queuelen.wrapping_add(self.pbufs.pbuf_clen(pb));
            if queuelen > P::CONFIG.tcp_snd_queuelen.min(TCP_SNDQUEUELEN_OVERFLOW) {
                self.pbuf_free(pb);
                failed = true;
                break;
            }
            let Some(s) =
                self.tcp_create_segment(pb, 0, snd_lbb.wrapping_add(u32::from(pos)), optflags)
            else {
                failed = true;
                break;
            };
            self.sg(s).oversize_left.set(oversize);
            match prev_seg {
                None => queue = Some(s),
                Some(pv) => self.sg(pv).next = Some(s),
            }
            prev_seg = Some(s);
            seg = Some(s);
            pos += seglen;
        }
        if failed {
            // memerr:
            self.p(i).flags |= TF_NAGLEMEMERR;
            self.tcp_stat(TcpStat::MemErr);
            if let Some(cp) = concat_p {
                self.pbuf_free(cp);
            }
            self.tcp_segs_free(queue);
            return Ok(Err::Mem);
        }
        // Commit: TCP_OVERSIZE_DBGCHECK's record of phase 2's room, then
        // phase 1 grows the tail pbuf (and every tot_len).
        if let Some(lu) = last_unsent
            && oversize_add != 0
        {
            let sg = self.sg(lu);
            let left = sg.oversize_left.get().wrapping_add(oversize_add);
            sg.oversize_left.set(left);
        }
        if let Some(lu) = last_unsent
            && oversize_used > 0
        {
            let mut q = self.seg_ref(lu).p;
            while let Some(pq) = q {
                let t = self.pbufs.tot_len(pq).wrapping_add(oversize_used);
                self.pbufs.set_tot_len(pq, t);
                q = self.pbufs.next(pq);
                if q.is_none() {
                    let at = self.pbufs.len(pq);
                    self.pbufs.set_len(pq, at.wrapping_add(oversize_used));
                    self.tcp_data_copy(src, 0, oversize_used, pq, at);
                }
            }
            let sg = self.sg(lu);
            sg.len = sg.len.wrapping_add(oversize_used);
            if P::CONFIG.tcp_oversize_dbgcheck {
                let left = sg.oversize_left.get();
                if left < oversize_used {
                    return Err(self.lwip_assert_failed(&Assertion {
                        msg: c"last_unsent->oversize_left >= oversize_used",
                        file: crate::stack::LwipFile::TcpOut,
                        line: 726,
                    }));
                }
                self.sg(lu).oversize_left.set(left - oversize_used);
            }
        }
        self.p(i).unsent_oversize = oversize;
        if let Some(lu) = last_unsent {
            if let (Some(cp), Some(head)) = (concat_p, self.seg_ref(lu).p) {
                self.pbufs.pbuf_cat(head, cp);
                let add = self.pbufs.tot_len(cp);
                let sg = self.sg(lu);
                sg.len = sg.len.wrapping_add(add);
            } else if extendlen > 0 {
                let mut q = self.seg_ref(lu).p;
                while let Some(pq) = q {
                    let t = self.pbufs.tot_len(pq).wrapping_add(extendlen);
                    self.pbufs.set_tot_len(pq, t);
                    q = self.pbufs.next(pq);
                    if q.is_none() {
                        let l = self.pbufs.len(pq).wrapping_add(extendlen);
                        self.pbufs.set_len(pq, l);
                    }
                }
                let sg = self.sg(lu);
                sg.len = sg.len.wrapping_add(extendlen);
            }
        }
        match last_unsent {
            None => self.p(i).unsent = queue,
            Some(lu) => self.sg(lu).next = queue,
        }
        {
            let q = self.p(i);
            q.snd_lbb = q.snd_lbb.wrapping_add(u32::from(len));
            q.snd_buf = q.snd_buf.wrapping_sub(u32::from(len));
            q.snd_queuelen = queuelen;
        }
        if let Some(s) = seg
            && !apiflags.more
        {
            let f = self.seg_hdr_flags(s) | TCP_PSH;
            self.seg_set_hdr_flags(s, f);
        }
        Ok(Err::Ok)
    }

    /// The last pbuf of a chain.
    fn last_pbuf(&self, p: PbufOf<P>) -> PbufOf<P> {
        let mut q = p;
        while let Some(n) = self.pbufs.next(q) {
            q = n;
        }
        q
    }

    /// Port of `tcp_output()` (tcp_out.c), public entry.
    pub fn tcp_output(&mut self, h: Handle) -> Result<Err, ApiError> {
        let i = self.resolve_conn(h)?;
        Ok(self.tcp_output_idx(i))
    }

    /// `tcp_do_output_nagle(tpcb)` (tcp_priv.h).
    fn tcp_do_output_nagle(&self, i: PcbOf<P>) -> bool {
        let p = self.pcb_ref(i);
        p.unacked.is_none()
            || p.flags & (TF_NODELAY | TF_INFR) != 0
            || p.unsent.is_some_and(|u| {
                let s = self.seg_ref(u);
                s.next.is_some() || s.len >= p.mss
            })
            || p.snd_buf.min(0xffff) == 0
            || p.snd_queuelen >= P::CONFIG.tcp_snd_queuelen
    }

    /// Port of `tcp_output()` (tcp_out.c).
    pub(crate) fn tcp_output_idx(&mut self, i: PcbOf<P>) -> Err {
        if self.st.input_pcb() == Some(i) {
            return Err::Ok;
        }
        let p = *self.pcb_ref(i);
        let wnd = p.snd_wnd.min(p.cwnd);
        let Some(mut seg) = p.unsent else {
            if p.flags & TF_ACK_NOW != 0 {
                return self.tcp_send_empty_ack(i);
            }
            self.p(i).flags &= !TF_NAGLEMEMERR;
            return Err::Ok;
        };
        // tcp_route: nothing goes out without a route.
        let Some(netif) = self.tcp_route(Some(i), &p.local_ip, &p.remote_ip) else {
            return Err::Rte;
        };
        // "If we don't have a local IP address, we get one from netif"
        if p.local_ip.isany() {
            let Some(ip) = self.st.ip_netif_get_local_ip(netif, &p.remote_ip) else {
                return Err::Rte;
            };
            self.p(i).local_ip = ip;
        }
        if self
            .seg_seqno(seg)
            .wrapping_sub(p.lastack)
            .wrapping_add(u32::from(self.seg_ref(seg).len))
            > wnd
        {
            if wnd == p.snd_wnd && p.unacked.is_none() && p.persist_backoff == 0 {
                let q = self.p(i);
                q.persist_cnt = 0;
                q.persist_backoff = 1;
                q.persist_probe = 0;
            }
            if p.flags & TF_ACK_NOW != 0 {
                return self.tcp_send_empty_ack(i);
            }
            self.p(i).flags &= !TF_NAGLEMEMERR;
            return Err::Ok;
        }
        self.p(i).persist_backoff = 0;
        let mut useg = self.pcb_ref(i).unacked;
        if let Some(mut u) = useg {
            while let Some(n) = self.seg_ref(u).next {
                u = n;
            }
            useg = Some(u);
        }
        loop {
            let p = *self.pcb_ref(i);
            if self
                .seg_seqno(seg)
                .wrapping_sub(p.lastack)
                .wrapping_add(u32::from(self.seg_ref(seg).len))
                > wnd
            {
                break;
            }
            if !self.tcp_do_output_nagle(i) && p.flags & (TF_NAGLEMEMERR | TF_FIN) == 0 {
                break;
            }
            if p.state() != TcpState::SynSent {
                let f = self.seg_hdr_flags(seg) | TCP_ACK;
                self.seg_set_hdr_flags(seg, f);
            }
            let err = self.tcp_output_segment(seg, i, netif);
            if err != Err::Ok {
                self.p(i).flags |= TF_NAGLEMEMERR;
                return err;
            }
            self.sg(seg).oversize_left.set(0);
            let (s_next, s_seqno, s_tcplen) = (
                self.seg_ref(seg).next,
                self.seg_seqno(seg),
                self.seg_tcplen(seg),
            );
            self.p(i).unsent = s_next;
            if p.state() != TcpState::SynSent {
                self.p(i).flags &= !(TF_ACK_DELAY | TF_ACK_NOW);
            }
            let snd_nxt = s_seqno.wrapping_add(s_tcplen);
            if tcp_seq_lt(self.pcb_ref(i).snd_nxt, snd_nxt) {
                self.p(i).snd_nxt = snd_nxt;
            }
            if s_tcplen > 0 {
                self.sg(seg).next = None;
                match useg {
                    None => {
                        self.p(i).unacked = Some(seg);
                        useg = Some(seg);
                    }
                    Some(u) => {
                        if tcp_seq_lt(s_seqno, self.seg_seqno(u)) {
                            // Insert sorted (fast retransmit case).
                            let mut prev = None;
                            let mut cur = self.pcb_ref(i).unacked;
                            while let Some(c) = cur {
                                if !tcp_seq_lt(self.seg_seqno(c), s_seqno) {
                                    break;
                                }
                                prev = Some(c);
                                cur = self.seg_ref(c).next;
                            }
                            self.sg(seg).next = cur;
                            match prev {
                                None => self.p(i).unacked = Some(seg),
                                Some(pv) => self.sg(pv).next = Some(seg),
                            }
                        } else {
                            self.sg(u).next = Some(seg);
                            useg = Some(seg);
                        }
                    }
                }
            } else {
                self.tcp_seg_free(seg);
            }
            match self.pcb_ref(i).unsent {
                Some(n) => seg = n,
                None => break,
            }
        }
        if self.pcb_ref(i).unsent.is_none() {
            self.p(i).unsent_oversize = 0;
        }
        self.p(i).flags &= !TF_NAGLEMEMERR;
        Err::Ok
    }

    /// Port of `tcp_output_segment()` (tcp_out.c): the header's ackno,
    /// window and options filled in and the segment's chain sent. A
    /// segment whose pbuf someone else still references (a driver holding
    /// it) is skipped with ERR_OK, as in lwIP.
    fn tcp_output_segment(&mut self, s: SegOf<P>, i: PcbOf<P>, netif: NetifOf<P::Storage>) -> Err {
        let p = *self.pcb_ref(i);
        let sg = *self.seg_ref(s);
        let Some(pb) = sg.p else {
            return Err::Ok;
        };
        let (sg_seqno, sg_flags) = (self.seg_seqno(s), self.seg_hdr_flags(s));
        if self.pbufs.refcount(pb) != 1 {
            return Err::Ok;
        }
        // The payload back at the TCP header, where lwIP's IP layer left
        // its own in front of it last time.
        if !self.st.seg_payload_to_tcphdr(&mut self.pbufs, s) {
            // Exclude retransmitted segments from this count.
            self.mib2_stat(Mib2Tcp::OutSegs);
        }
        let wnd = if P::CONFIG.lwip_wnd_scale && sg.flags & TF_SEG_OPTS_WND_SCALE != 0 {
            p.rcv_ann_wnd.min(0xffff) as u16
        } else {
            (p.rcv_ann_wnd >> p.rcv_scale).min(0xffff) as u16
        };
        {
            let ts = P::CONFIG.lwip_tcp_timestamps;
            let q = self.p(i);
            q.rcv_ann_right_edge = q.rcv_nxt.wrapping_add(q.rcv_ann_wnd);
            if ts {
                q.ts_lastacksent.set(q.rcv_nxt);
            }
        }
        let v = OptValues {
            mss: self.tcp_eff_send_mss_netif(P::CONFIG.tcp_mss, netif, &p.remote_ip),
            sys_now: self.hooks.sys_now(self.now),
            ts_recent: p.ts_recent.get(),
        };
        let opts = build_segment_options(&P::CONFIG, sg.flags, &v);
        let olen = usize::from(opts.len());
        {
            let ticks = self.st.tcp_ticks();
            let q = self.p(i);
            q.rtime = q.rtime.max(0);
            if q.rttest == 0 {
                q.rttest = ticks;
                q.rtseq = sg_seqno;
            }
        }
        let hdr = self.pbufs.payload_mut(pb);
        put_tcp_hdr(
            hdr,
            p.local_port,
            p.remote_port,
            sg_seqno,
            p.rcv_nxt,
            5 + (olen / 4) as u8,
            sg_flags,
            wnd,
        );
        if let Some(o) = hdr.get_mut(TCP_HLEN..TCP_HLEN + olen) {
            o.copy_from_slice(opts.as_slice());
        }
        let (ttl, tos) = (p.ttl, p.tos);
        let local_ip = self.pcb_ref(i).local_ip;
        self.tcp_output_pbuf(pb, &local_ip, &p.remote_ip, ttl, tos, netif)
    }

    /// Port of `tcp_rexmit_rto_prepare()` (tcp_out.c).
    pub(crate) fn tcp_rexmit_rto_prepare(&mut self, i: PcbOf<P>) -> Err {
        let Some(mut last) = self.pcb_ref(i).unacked else {
            return Err::Val;
        };
        while let Some(n) = self.seg_ref(last).next {
            last = n;
        }
        let unsent = self.pcb_ref(i).unsent;
        self.sg(last).next = unsent;
        // TCP_OVERSIZE_DBGCHECK: the last unsent segment is now `last`.
        if P::CONFIG.tcp_oversize_dbgcheck && unsent.is_none() {
            let left = self.seg_ref(last).oversize_left.get();
            self.p(i).unsent_oversize = left;
        }
        let end = self.seg_seqno(last).wrapping_add(self.seg_tcplen(last));
        let q = self.p(i);
        q.unsent = q.unacked;
        q.unacked = None;
        q.flags |= TF_RTO;
        q.rto_end = end;
        q.rttest = 0;
        Err::Ok
    }

    /// Port of `tcp_rexmit_rto_commit()` (tcp_out.c).
    pub(crate) fn tcp_rexmit_rto_commit(&mut self, i: PcbOf<P>) {
        let q = self.p(i);
        q.nrtx = q.nrtx.saturating_add(1);
        self.tcp_output_idx(i);
    }

    /// Port of `tcp_rexmit_rto()` (tcp_out.c).
    pub(crate) fn tcp_rexmit_rto(&mut self, i: PcbOf<P>) {
        if self.tcp_rexmit_rto_prepare(i) == Err::Ok {
            self.tcp_rexmit_rto_commit(i);
        }
    }

    /// Port of `tcp_rexmit()` (tcp_out.c).
    pub(crate) fn tcp_rexmit(&mut self, i: PcbOf<P>) -> Err {
        let Some(seg) = self.pcb_ref(i).unacked else {
            return Err::Val;
        };
        let (s_next, s_seqno) = (self.seg_ref(seg).next, self.seg_seqno(seg));
        self.p(i).unacked = s_next;
        let mut prev = None;
        let mut cur = self.pcb_ref(i).unsent;
        while let Some(c) = cur {
            if !tcp_seq_lt(self.seg_seqno(c), s_seqno) {
                break;
            }
            prev = Some(c);
            cur = self.seg_ref(c).next;
        }
        self.sg(seg).next = cur;
        match prev {
            None => self.p(i).unsent = Some(seg),
            Some(pv) => self.sg(pv).next = Some(seg),
        }
        let q = self.p(i);
        if cur.is_none() {
            q.unsent_oversize = 0;
        }
        q.nrtx = q.nrtx.saturating_add(1);
        q.rttest = 0;
        self.mib2_stat(Mib2Tcp::RetransSegs);
        Err::Ok
    }

    /// Port of `tcp_rexmit_fast()` (tcp_out.c).
    pub(crate) fn tcp_rexmit_fast(&mut self, i: PcbOf<P>) {
        let p = *self.pcb_ref(i);
        if p.unacked.is_some() && p.flags & TF_INFR == 0 && self.tcp_rexmit(i) == Err::Ok {
            let q = self.p(i);
            q.ssthresh = q.cwnd.min(q.snd_wnd) / 2;
            let mss = u32::from(q.mss);
            q.ssthresh = q.ssthresh.max(2 * mss);
            // `pcb->cwnd = pcb->ssthresh + 3 * pcb->mss`, kept to
            // tcpwnd_size_t's width.
            q.cwnd = q.ssthresh.wrapping_add(3 * mss) & P::CONFIG.tcpwnd_size_max();
            q.flags |= TF_INFR;
            q.rtime = 0;
        }
    }
    /// Port of `tcp_split_unsent_seg()` (tcp_out.c): splits the head of
    /// `pcb->unsent` so that it carries `split` bytes; the remainder becomes
    /// a new segment (one `PBUF_RAM` pbuf) right after it. `ERR_MEM` when
    /// there is nothing unsent, no segment or heap left. lwIP's assertions
    /// "Can't split segment into length 0" and "split <= mss" are checked
    /// (the stack is then poisoned, [`Tcp::asserted`]).
    pub(crate) fn tcp_split_unsent_seg(&mut self, i: PcbOf<P>, split: u16) -> Err {
        let Some(useg) = self.pcb_ref(i).unsent else {
            return Err::Mem;
        };
        if split == 0 {
            // Reachable: tcp_slowtmr passes (u16_t)snd_wnd, 0 for a scaled
            // window that is a multiple of 65536.
            let _ = self.lwip_assert_failed(&Assertion {
                msg: c"Can't split segment into length 0",
                file: crate::stack::LwipFile::TcpOut,
                line: 854,
            });
            return Err::Val;
        }
        let u = *self.seg_ref(useg);
        if u.len <= split {
            return Err::Ok;
        }
        if split > self.pcb_ref(i).mss {
            // Reachable from the wire: the window is not bounded by the MSS.
            let _ = self.lwip_assert_failed(&Assertion {
                msg: c"split <= mss",
                file: crate::stack::LwipFile::TcpOut,
                line: 862,
            });
            return Err::Mem;
        }
        let Some(up) = u.p else {
            return Err::Mem;
        };
        let optflags = u.flags;
        let remainder = u.len - split;
        let optlen = u16::from(lwip_tcp_opt_length(&P::CONFIG, optflags));
        let Some(pb) = self.pbuf_alloc_ram(
            P::CONFIG.pbuf_layer_transport(),
            remainder.wrapping_add(optlen),
        ) else {
            // memerr:
            self.tcp_stat(TcpStat::MemErr);
            return Err::Mem;
        };
        // Past the headers, options and the split amount.
        let offset = self
            .pbufs
            .tot_len(up)
            .wrapping_sub(u.len)
            .wrapping_add(split);
        let copied =
            self.pbufs
                .pbuf_copy_partial_pbuf(&self.hooks, up, offset, remainder, pb, optlen);
        if copied != remainder {
            self.pbuf_free(pb);
            self.tcp_stat(TcpStat::MemErr);
            return Err::Mem;
        }
        let mut split_flags = self.seg_hdr_flags(useg);
        let mut remainder_flags = 0u8;
        if split_flags & TCP_PSH != 0 {
            split_flags &= !TCP_PSH;
            remainder_flags |= TCP_PSH;
        }
        if split_flags & TCP_FIN != 0 {
            split_flags &= !TCP_FIN;
            remainder_flags |= TCP_FIN;
        }
        let Some(seg) = self.tcp_create_segment(
            pb,
            remainder_flags,
            self.seg_seqno(useg).wrapping_add(u32::from(split)),
            optflags,
        ) else {
            // tcp_create_segment freed the pbuf.
            self.tcp_stat(TcpStat::MemErr);
            return Err::Mem;
        };
        let old_clen = self.pbufs.pbuf_clen(up);
        let keep = self.pbufs.tot_len(up).wrapping_sub(remainder);
        self.pbuf_realloc(up, keep);
        if self.asserted.is_some() {
            // mem_trim asserted inside pbuf_realloc: lwIP left here.
            return Err::Mem;
        }
        let new_clen = self.pbufs.pbuf_clen(up);
        let seg_clen = self.pbufs.pbuf_clen(pb);
        self.sg(useg).len = split;
        // TCP_OVERSIZE_DBGCHECK: trimming may have shrunk the pbuf.
        self.sg(useg).oversize_left.set(0);
        // TCPH_SET_FLAG only ORs: the head keeps PSH and FIN too.
        let f = self.seg_hdr_flags(useg) | split_flags;
        self.seg_set_hdr_flags(useg, f);
        let q = self.p(i);
        q.snd_queuelen = q
            .snd_queuelen
            .wrapping_sub(old_clen)
            .wrapping_add(new_clen)
            .wrapping_add(seg_clen);
        self.sg(seg).next = u.next;
        self.sg(useg).next = Some(seg);
        if u.next.is_none() {
            self.p(i).unsent_oversize = 0;
        }
        Err::Ok
    }

    /// Port of `tcp_zero_window_probe()` (tcp_out.c): counts a probe
    /// (`persist_probe`, even if sending fails) and sends the first byte of
    /// the unsent head (or its bare FIN) without options; `snd_nxt` moves
    /// past it.
    pub(crate) fn tcp_zero_window_probe(&mut self, i: PcbOf<P>) -> Err {
        let Some(seg) = self.pcb_ref(i).unsent else {
            return Err::Ok;
        };
        {
            let q = self.p(i);
            // `if (pcb->persist_probe < 0xFF) ++pcb->persist_probe;`
            q.persist_probe = q.persist_probe.saturating_add(1);
        }
        let s = *self.seg_ref(seg);
        let s_seqno = self.seg_seqno(seg);
        let is_fin = self.seg_hdr_flags(seg) & TCP_FIN != 0 && s.len == 0;
        let Some(pb) = self.tcp_output_alloc_header(i, 0, u16::from(!is_fin), s_seqno) else {
            return Err::Mem;
        };
        if is_fin {
            // TCPH_FLAGS_SET(tcphdr, TCP_ACK | TCP_FIN)
            if let Some(f) = self.pbufs.payload_mut(pb).get_mut(13) {
                *f = TCP_ACK | TCP_FIN;
            }
        } else if let Some(sp) = s.p {
            let offset = self.pbufs.tot_len(sp).wrapping_sub(s.len);
            self.pbufs
                .pbuf_copy_partial_pbuf(&self.hooks, sp, offset, 1, pb, TCP_HLEN as u16);
        }
        let snd_nxt = s_seqno.wrapping_add(1);
        if tcp_seq_lt(self.pcb_ref(i).snd_nxt, snd_nxt) {
            self.p(i).snd_nxt = snd_nxt;
        }
        let p = *self.pcb_ref(i);
        self.tcp_output_control_segment(Some(i), pb, &p.local_ip, &p.remote_ip)
    }
}

/// Port of `tcp_keepalive()` (tcp_out.c): an empty ACK with sequence number
/// `snd_nxt - 1` and no options, which makes the peer answer. (A free
/// function: the method name `Tcp::tcp_keepalive` is the API that sets
/// `SOF_KEEPALIVE` and the keepalive parameters.)
pub(crate) fn tcp_keepalive<H: Hooks, P: Profile>(tcp: &mut Tcp<H, P>, i: PcbOf<P>) -> Err {
    let seqno = tcp.pcb_ref(i).snd_nxt.wrapping_sub(1);
    let Some(pb) = tcp.tcp_output_alloc_header(i, 0, 0, seqno) else {
        return Err::Mem;
    };
    let p = *tcp.pcb_ref(i);
    tcp.tcp_output_control_segment(Some(i), pb, &p.local_ip, &p.remote_ip)
}
