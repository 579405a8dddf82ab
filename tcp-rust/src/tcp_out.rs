//! Port of lwIP's tcp_out.c: segment queueing (`tcp_write`,
//! `tcp_enqueue_flags`), `tcp_output`, control segments (empty ACK, RST)
//! and retransmission.

use crate::err::Err;
use crate::mem::MemPtr;
use crate::options::{
    LWIP_TCP_OPT_LEN_TS, OptValues, TF_SEG_OPTS_WND_SCALE, build_segment_options,
    lwip_tcp_opt_length, tcp_data_optflags, tcp_enqueue_flags_optflags, tcp_send_empty_ack_options,
};
use crate::seq::tcp_seq_lt;
use crate::stack::{ApiError, Handle, Hooks, OUT_BUF, SEG_PBUF_CAP, Tcp, TcpSeg, WriteFlags};
use crate::state::{
    TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TF_ACK_DELAY, TF_ACK_NOW, TF_FIN, TF_INFR,
    TF_NAGLEMEMERR, TF_NODELAY, TF_RTO, TcpState,
};
use crate::wire::{IP_HLEN, IP_PROTO_TCP, TCP_HLEN, inet_chksum_pseudo};

/// lwIP's `TCP_SNDQUEUELEN_OVERFLOW` (tcp_priv.h).
const TCP_SNDQUEUELEN_OVERFLOW: u16 = 0xffff - 3;

/// Writes a TCP header into `b` (20 bytes).
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

/// Adds `n` data bytes to the tail pbuf of a segment's chain (`p->len +=`
/// in tcp_write's phase 1).
fn seg_pbuf_grow_tail(sg: &mut TcpSeg, n: u16) {
    if let Some(l) = sg.pbuf_len.get_mut(usize::from(sg.pbufs.saturating_sub(1))) {
        *l = l.wrapping_add(n);
    }
}

/// Chains one pbuf of `n` data bytes to a segment (`pbuf_cat` of
/// tcp_write's phase 2); `rom` for a `PBUF_ROM` reference, `mem` for the
/// heap block of a `PBUF_RAM` one. Returns a block it could not record
/// (only past [`SEG_PBUF_CAP`], which no configuration `Tcp::reset`
/// accepts reaches: a chain is at most `TCP_SND_QUEUELEN` pbufs).
fn seg_pbuf_push(sg: &mut TcpSeg, n: u16, rom: bool, mem: Option<MemPtr>) -> Option<MemPtr> {
    let k = usize::from(sg.pbufs);
    let mut unrecorded = None;
    if k >= SEG_PBUF_CAP {
        // Beyond any chain lwIP can build: keep the bytes on the tail.
        seg_pbuf_grow_tail(sg, n);
        unrecorded = mem;
    } else if let (Some(l), Some(b)) = (sg.pbuf_len.get_mut(k), sg.pbuf_mem.get_mut(k)) {
        *l = n;
        *b = mem;
        if rom {
            sg.pbuf_rom |= 1u32.checked_shl(k as u32).unwrap_or(0);
        }
    }
    sg.pbufs = sg.pbufs.wrapping_add(1);
    if rom {
        sg.rom_pbufs = sg.rom_pbufs.wrapping_add(1);
    }
    unrecorded
}

impl<H: Hooks> Tcp<H> {
    /// Fills the TCP checksum of the `tcp_len` bytes at `buf[IP_HLEN..]`
    /// and sends the packet (`ip_output_if`).
    fn send_tcp(
        &mut self,
        buf: &mut [u8],
        tcp_len: usize,
        src: [u8; 4],
        dst: [u8; 4],
        ttl: u8,
        tos: u8,
    ) -> Err {
        let Ok(l16) = u16::try_from(tcp_len) else {
            return Err::Buf;
        };
        if self.cfg.checksum_gen_tcp
            && let Some(t) = buf.get_mut(IP_HLEN..IP_HLEN + tcp_len)
        {
            let c = inet_chksum_pseudo(t, IP_PROTO_TCP, l16, Self::addr(src), Self::addr(dst));
            if let Some(f) = t.get_mut(16..18) {
                f.copy_from_slice(&c.to_be_bytes());
            }
        }
        self.ip4_output_if(buf, tcp_len, src, dst, ttl, tos)
    }

    /// Port of `tcp_rst()` / `tcp_rst_netif()` (tcp_out.c; `pcb` None is
    /// the netif variant). The window field is `PP_HTONS(TCP_WND >>
    /// TCP_RCV_SCALE)` passed through `lwip_htons` again, i.e. byte-swapped
    /// on the little-endian hosts lwIP runs on here.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn tcp_rst(
        &mut self,
        pcb: Option<u8>,
        seqno: u32,
        ackno: u32,
        local_ip: [u8; 4],
        remote_ip: [u8; 4],
        local_port: u16,
        remote_port: u16,
    ) {
        let raw = if self.cfg.lwip_wnd_scale {
            (self.cfg.tcp_wnd >> self.cfg.tcp_rcv_scale) & 0xffff
        } else {
            self.cfg.tcp_wnd & 0xffff
        } as u16;
        let wnd = raw.swap_bytes();
        // tcp_output_alloc_header_common: no pbuf, no RST.
        if !self.pbuf_alloc_ram_transient(self.cfg.pbuf_layer_ip(), TCP_HLEN as u16) {
            return;
        }
        let mut buf = [0u8; IP_HLEN + TCP_HLEN];
        if let Some(t) = buf.get_mut(IP_HLEN..) {
            put_tcp_hdr(
                t,
                local_port,
                remote_port,
                seqno,
                ackno,
                5,
                TCP_RST | TCP_ACK,
                wnd,
            );
        }
        let (ttl, tos) = match pcb {
            Some(i) => (self.pcb_ref(i).ttl, self.pcb_ref(i).tos),
            None => (self.cfg.tcp_ttl, 0),
        };
        // tcp_rst routes (tcp_output_control_segment); tcp_rst_netif sends
        // on the netif the segment came in on.
        if pcb.is_some() && !self.tcp_route(pcb, remote_ip) {
            return;
        }
        self.send_tcp(&mut buf, TCP_HLEN, local_ip, remote_ip, ttl, tos);
    }

    /// Port of `tcp_send_empty_ack()` (tcp_out.c).
    pub(crate) fn tcp_send_empty_ack(&mut self, i: u8) -> Err {
        let p = *self.pcb_ref(i);
        let nsacks = usize::from(self.cfg.lwip_tcp_max_sack_num).min(p.rcv_sacks.len());
        let sacks = p.rcv_sacks.get(..nsacks).unwrap_or(&[]);
        let v = OptValues {
            mss: 0,
            sys_now: self.now,
            ts_recent: p.ts_recent,
        };
        let opts = tcp_send_empty_ack_options(&self.cfg, p.flags, &v, sacks);
        let olen = usize::from(opts.len());
        // tcp_output_alloc_header.
        if !self.pbuf_alloc_ram_transient(self.cfg.pbuf_layer_ip(), (TCP_HLEN + olen) as u16) {
            self.tcp_fasttmr_retries_ack(i);
            return Err::Buf;
        }
        let wnd = (p.rcv_ann_wnd >> p.rcv_scale).min(0xffff) as u16;
        let mut buf = [0u8; IP_HLEN + TCP_HLEN + 40];
        if let Some(t) = buf.get_mut(IP_HLEN..) {
            put_tcp_hdr(
                t,
                p.local_port,
                p.remote_port,
                p.snd_nxt,
                p.rcv_nxt,
                5 + (olen / 4) as u8,
                TCP_ACK,
                wnd,
            );
            if let Some(o) = t.get_mut(TCP_HLEN..TCP_HLEN + olen) {
                o.copy_from_slice(opts.as_slice());
            }
        }
        {
            let q = self.p(i);
            q.rcv_ann_right_edge = q.rcv_nxt.wrapping_add(q.rcv_ann_wnd);
            q.ts_lastacksent = q.rcv_nxt;
        }
        // tcp_output_control_segment: ERR_RTE without a route.
        let err = if self.tcp_route(Some(i), p.remote_ip) {
            self.send_tcp(
                &mut buf,
                TCP_HLEN + olen,
                p.local_ip,
                p.remote_ip,
                p.ttl,
                p.tos,
            )
        } else {
            Err::Rte
        };
        if err != Err::Ok {
            self.tcp_fasttmr_retries_ack(i);
        } else {
            self.p(i).flags &= !(TF_ACK_DELAY | TF_ACK_NOW);
        }
        err
    }

    /// tcp_send_empty_ack's "let tcp_fasttmr retry sending this ACK" (when
    /// no pbuf or no route): both ACK flags set.
    fn tcp_fasttmr_retries_ack(&mut self, i: u8) {
        self.p(i).flags |= TF_ACK_DELAY | TF_ACK_NOW;
    }

    /// Port of `tcp_create_segment()` (tcp_out.c): a segment from the pool
    /// (`None` when `MEMP_TCP_SEG` is exhausted).
    fn tcp_create_segment(&mut self, i: u8, hdrflags: u8, seqno: u32, optflags: u8) -> Option<u8> {
        let _ = i;
        let s = self.memp_alloc_seg()?;
        let sg = self.sg(s);
        sg.flags = optflags;
        sg.hdr_flags = hdrflags;
        sg.seqno = seqno;
        Some(s)
    }

    /// Port of `tcp_enqueue_flags()` (tcp_out.c).
    pub(crate) fn tcp_enqueue_flags(&mut self, i: u8, flags: u8) -> Err {
        let p = *self.pcb_ref(i);
        let optflags = tcp_enqueue_flags_optflags(&self.cfg, flags, p.state, p.flags);
        let optlen = u16::from(lwip_tcp_opt_length(&self.cfg, optflags));
        // pbuf_alloc(PBUF_TRANSPORT, optlen, PBUF_RAM), then the segment
        // (tcp_create_segment frees the pbuf when there is none).
        let Some(m) = self.pbuf_alloc_ram(self.cfg.pbuf_layer_transport(), optlen) else {
            self.p(i).flags |= TF_NAGLEMEMERR;
            return Err::Mem;
        };
        let Some(s) = self.tcp_create_segment(i, flags, p.snd_lbb, optflags) else {
            self.heap.mem_free(m);
            self.p(i).flags |= TF_NAGLEMEMERR;
            return Err::Mem;
        };
        self.sg(s).pbufs = 1;
        self.sg(s).pbuf_mem[0] = Some(m);
        self.append_unsent(i, s);
        let q = self.p(i);
        q.unsent_oversize = 0;
        // "SYN and FIN bump the sequence number": every caller passes one
        // of them (lwIP asserts it on entry).
        q.snd_lbb = q.snd_lbb.wrapping_add(1);
        if flags & TCP_FIN != 0 {
            q.flags |= TF_FIN;
        }
        q.snd_queuelen = q.snd_queuelen.wrapping_add(1);
        Err::Ok
    }

    fn last_unsent(&self, i: u8) -> Option<u8> {
        let mut s = self.pcb_ref(i).unsent?;
        while let Some(n) = self.seg_ref(s).next {
            s = n;
        }
        Some(s)
    }

    fn append_unsent(&mut self, i: u8, s: u8) {
        match self.last_unsent(i) {
            None => self.p(i).unsent = Some(s),
            Some(l) => self.sg(l).next = Some(s),
        }
    }

    /// Port of `tcp_send_fin()` (tcp_out.c).
    pub(crate) fn tcp_send_fin(&mut self, i: u8) -> Err {
        if let Some(l) = self.last_unsent(i)
            && self.seg_ref(l).hdr_flags & (TCP_SYN | TCP_FIN | TCP_RST) == 0
        {
            self.sg(l).hdr_flags |= TCP_FIN;
            self.p(i).flags |= TF_FIN;
            return Err::Ok;
        }
        self.tcp_enqueue_flags(i, TCP_FIN)
    }

    /// Port of `tcp_pbuf_prealloc()`'s size choice (tcp_out.c): returns the
    /// oversize (allocated minus `length`).
    fn tcp_pbuf_prealloc_oversize(
        &self,
        i: u8,
        length: u16,
        max_length: u16,
        apiflags: WriteFlags,
        first_seg: bool,
    ) -> u16 {
        let p = self.pcb_ref(i);
        let mut alloc = length;
        // lwIP also requires `length < max_length`; without it `alloc` is
        // at most `max_length`, so the oversize is 0 either way.
        if apiflags.more
            || (p.flags & TF_NODELAY == 0
                && (!first_seg || p.unsent.is_some() || p.unacked.is_some()))
        {
            let want = self
                .cfg
                .lwip_mem_align_size(u32::from(length) + u32::from(self.cfg.tcp_oversize));
            alloc = (u32::from(max_length).min(want)) as u16;
        }
        alloc.saturating_sub(length)
    }

    /// Port of `tcp_write()` (tcp_out.c). The data is always copied; without
    /// `copy` the pbuf accounting of lwIP's `PBUF_ROM` references is kept
    /// (lwIP's extension of an adjacent ROM pbuf never happens here).
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
        // LWIP_ERROR("tcp_write: invalid pcb", pcb != NULL, return ERR_ARG)
        if h.is_null() {
            return Ok(Err::Arg);
        }
        let i = self.resolve_conn(h, "tcp_write")?;
        let p = *self.pcb_ref(i);
        let mut mss_local = p.mss.min((p.snd_wnd_max / 2).min(0xffff) as u16);
        if mss_local == 0 {
            mss_local = p.mss;
        }
        // LWIP_ERROR("tcp_write: arg == NULL (programmer violates API)", ...)
        let Some(data) = arg else {
            return Ok(Err::Arg);
        };
        let Ok(len) = u16::try_from(data.len()) else {
            return Ok(Err::Arg);
        };
        // tcp_write_checks: ERR_OK for len 0 without the buffer checks, and
        // tcp_write then goes on (with nothing to add it still sets PSH on
        // the last unsent segment when there is oversize room).
        if !matches!(
            p.state,
            TcpState::Established | TcpState::CloseWait | TcpState::SynSent | TcpState::SynRcvd
        ) {
            return Ok(Err::Conn);
        } else if len != 0 {
            if u32::from(len) > p.snd_buf {
                self.p(i).flags |= TF_NAGLEMEMERR;
                return Ok(Err::Mem);
            }
            if p.snd_queuelen >= self.cfg.tcp_snd_queuelen.min(TCP_SNDQUEUELEN_OVERFLOW + 1) {
                self.p(i).flags |= TF_NAGLEMEMERR;
                return Ok(Err::Mem);
            }
        }
        let mut queuelen = p.snd_queuelen;
        let optflags = tcp_data_optflags(&self.cfg, p.flags);
        if optflags != 0 {
            mss_local = mss_local.max(u16::from(LWIP_TCP_OPT_LEN_TS) + 1);
        }
        let optlen = lwip_tcp_opt_length(&self.cfg, optflags);
        let optlen16 = u16::from(optlen);
        let mut pos: u16 = 0;
        let mut oversize: u16 = 0;
        let mut oversize_used: u16 = 0;
        // Phase 2's pbuf: (len, rom, heap block of a PBUF_RAM copy).
        let mut concat: Option<(u16, bool, Option<MemPtr>)> = None;
        let last_unsent = self.last_unsent(i);
        let mut seg: Option<u8> = None;
        if let Some(lu) = last_unsent {
            let lus = *self.seg_ref(lu);
            let unsent_optlen = u16::from(lwip_tcp_opt_length(&self.cfg, lus.flags));
            if u32::from(mss_local) < u32::from(lus.len) + u32::from(unsent_optlen) {
                return Err(self.lwip_assert_failed("mss_local is too small", "tcp_out.c:489"));
            }
            let mut space = mss_local.saturating_sub(lus.len.wrapping_add(unsent_optlen));
            // Phase 1: the oversized tail of the last pbuf.
            oversize = p.unsent_oversize;
            if oversize > 0 {
                if oversize > space {
                    return Err(
                        self.lwip_assert_failed("inconsistent oversize vs. space", "tcp_out.c:507")
                    );
                }
                seg = Some(lu);
                oversize_used = space.min(oversize.min(len));
                pos += oversize_used;
                oversize -= oversize_used;
                space -= oversize_used;
            }
            // Phase 2: chain a new pbuf to the last unsent segment.
            if pos < len && space > 0 && lus.len > 0 {
                let seglen = space.min(len - pos);
                seg = Some(lu);
                if apiflags.copy {
                    // tcp_pbuf_prealloc(PBUF_RAW, seglen, space, ..).
                    let os = self.tcp_pbuf_prealloc_oversize(i, seglen, space, apiflags, true);
                    let Some(m) = self.pbuf_alloc_ram(0, seglen.wrapping_add(os)) else {
                        self.p(i).flags |= TF_NAGLEMEMERR;
                        return Ok(Err::Mem);
                    };
                    oversize = os;
                    queuelen = queuelen.wrapping_add(1);
                    concat = Some((seglen, false, Some(m)));
                } else {
                    if self.memp_pbuf_used >= self.cfg.memp_num_pbuf {
                        self.p(i).flags |= TF_NAGLEMEMERR;
                        return Ok(Err::Mem);
                    }
                    self.memp_pbuf_used += 1;
                    queuelen = queuelen.wrapping_add(1);
                    concat = Some((seglen, true, None));
                }
                pos += seglen;
            }
        }
        // Phase 3: new segments, queued locally.
        let mut queue: Option<u8> = None;
        let mut prev_seg: Option<u8> = None;
        let snd_lbb = p.snd_lbb;
        let mut failed = false;
        while pos < len {
            let left = len - pos;
            // u16 arithmetic as in C: with timestamps mss_local may be 11 (TS + 1)
            // and optlen 12, so max_len wraps to 65535 in lwIP too.
            let max_len = mss_local.wrapping_sub(optlen16);
            let seglen = left.min(max_len);
            let transport = self.cfg.pbuf_layer_transport();
            let (pbufs, rom, m) = if apiflags.copy {
                // tcp_pbuf_prealloc(PBUF_TRANSPORT, seglen + optlen, mss_local, ..).
                let length = seglen.wrapping_add(optlen16);
                let os = self.tcp_pbuf_prealloc_oversize(
                    i,
                    length,
                    mss_local,
                    apiflags,
                    queue.is_none(),
                );
                let Some(m) = self.pbuf_alloc_ram(transport, length.wrapping_add(os)) else {
                    failed = true;
                    break;
                };
                oversize = os;
                (1u8, 0u8, m)
            } else {
                // The PBUF_ROM data pbuf, then the PBUF_RAM header pbuf.
                if self.memp_pbuf_used >= self.cfg.memp_num_pbuf {
                    failed = true;
                    break;
                }
                let Some(m) = self.pbuf_alloc_ram(transport, optlen16) else {
                    failed = true;
                    break;
                };
                (2, 1, m)
            };
            queuelen = queuelen.wrapping_add(u16::from(pbufs));
            if queuelen > self.cfg.tcp_snd_queuelen.min(TCP_SNDQUEUELEN_OVERFLOW) {
                self.heap.mem_free(m);
                failed = true;
                break;
            }
            let Some(s) =
                self.tcp_create_segment(i, 0, snd_lbb.wrapping_add(u32::from(pos)), optflags)
            else {
                self.heap.mem_free(m);
                failed = true;
                break;
            };
            self.memp_pbuf_used += u16::from(rom);
            {
                let sg = self.sg(s);
                sg.pbufs = pbufs;
                sg.rom_pbufs = rom;
                sg.pbuf_mem[0] = Some(m);
                // Copy: one PBUF_RAM pbuf with headers and data. No copy:
                // a PBUF_RAM header pbuf, then the PBUF_ROM data.
                if rom == 0 {
                    sg.pbuf_len[0] = seglen;
                } else {
                    sg.pbuf_len[1] = seglen;
                    sg.pbuf_rom = 1 << 1;
                }
                sg.len = seglen;
                let src = data
                    .get(usize::from(pos)..usize::from(pos) + usize::from(seglen))
                    .unwrap_or(&[]);
                if let Some(d) = sg.data.get_mut(..src.len()) {
                    d.copy_from_slice(src);
                }
            }
            match prev_seg {
                None => queue = Some(s),
                Some(pv) => self.sg(pv).next = Some(s),
            }
            prev_seg = Some(s);
            seg = Some(s);
            pos += seglen;
        }
        if failed {
            self.p(i).flags |= TF_NAGLEMEMERR;
            match concat {
                Some((_, true, _)) => {
                    self.memp_pbuf_used = self.memp_pbuf_used.saturating_sub(1);
                }
                Some((_, false, Some(m))) => self.heap.mem_free(m),
                _ => {}
            }
            self.tcp_segs_free(queue);
            return Ok(Err::Mem);
        }
        // Commit.
        if let Some(lu) = last_unsent {
            let mut at = 0usize;
            let add1 = usize::from(oversize_used);
            let add2 = concat.map_or(0, |(l, _, _)| usize::from(l));
            let sg = self.sg(lu);
            let start = usize::from(sg.len);
            if let (Some(d), Some(s)) = (
                sg.data.get_mut(start..start + add1 + add2),
                data.get(..add1 + add2),
            ) {
                d.copy_from_slice(s);
                at = add1 + add2;
            }
            sg.len = sg.len.wrapping_add(at as u16);
            // Phase 1 grew the tail pbuf; phase 2 chains a new one.
            seg_pbuf_grow_tail(sg, oversize_used);
            if let Some((clen, rom, m)) = concat
                && let Some(lost) = seg_pbuf_push(sg, clen, rom, m)
            {
                self.heap.mem_free(lost);
            }
        }
        self.p(i).unsent_oversize = oversize;
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
            self.sg(s).hdr_flags |= TCP_PSH;
        }
        Ok(Err::Ok)
    }

    /// Port of `tcp_output()` (tcp_out.c), public entry.
    pub fn tcp_output(&mut self, h: Handle) -> Result<Err, ApiError> {
        let i = self.resolve_conn(h, "tcp_output")?;
        Ok(self.tcp_output_idx(i))
    }

    /// `tcp_do_output_nagle(tpcb)` (tcp_priv.h).
    fn tcp_do_output_nagle(&self, i: u8) -> bool {
        let p = self.pcb_ref(i);
        p.unacked.is_none()
            || p.flags & (TF_NODELAY | TF_INFR) != 0
            || p.unsent.is_some_and(|u| {
                let s = self.seg_ref(u);
                s.next.is_some() || s.len >= p.mss
            })
            || p.snd_buf.min(0xffff) == 0
            || p.snd_queuelen >= self.cfg.tcp_snd_queuelen
    }

    /// Port of `tcp_output()` (tcp_out.c).
    pub(crate) fn tcp_output_idx(&mut self, i: u8) -> Err {
        if self.tcp_input_pcb == Some(i) {
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
        if !self.tcp_route(Some(i), p.remote_ip) {
            return Err::Rte;
        }
        if p.local_ip == [0; 4] {
            let ip = self.netif.ip;
            self.p(i).local_ip = ip;
        }
        let s = self.seg_ref(seg);
        if s.seqno
            .wrapping_sub(p.lastack)
            .wrapping_add(u32::from(s.len))
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
            let s = self.seg_ref(seg);
            if s.seqno
                .wrapping_sub(p.lastack)
                .wrapping_add(u32::from(s.len))
                > wnd
            {
                break;
            }
            if !self.tcp_do_output_nagle(i) && p.flags & (TF_NAGLEMEMERR | TF_FIN) == 0 {
                break;
            }
            if p.state != TcpState::SynSent {
                self.sg(seg).hdr_flags |= TCP_ACK;
            }
            let err = self.tcp_output_segment(seg, i);
            if err != Err::Ok {
                self.p(i).flags |= TF_NAGLEMEMERR;
                return err;
            }
            let s = *self.seg_ref(seg);
            self.p(i).unsent = s.next;
            if p.state != TcpState::SynSent {
                self.p(i).flags &= !(TF_ACK_DELAY | TF_ACK_NOW);
            }
            let snd_nxt = s.seqno.wrapping_add(Self::tcp_tcplen(s.len, s.hdr_flags));
            if tcp_seq_lt(self.pcb_ref(i).snd_nxt, snd_nxt) {
                self.p(i).snd_nxt = snd_nxt;
            }
            if Self::tcp_tcplen(s.len, s.hdr_flags) > 0 {
                self.sg(seg).next = None;
                match useg {
                    None => {
                        self.p(i).unacked = Some(seg);
                        useg = Some(seg);
                    }
                    Some(u) => {
                        if tcp_seq_lt(s.seqno, self.seg_ref(u).seqno) {
                            // Insert sorted (fast retransmit case).
                            let mut prev: Option<u8> = None;
                            let mut cur = self.pcb_ref(i).unacked;
                            while let Some(c) = cur {
                                if !tcp_seq_lt(self.seg_ref(c).seqno, s.seqno) {
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

    /// Port of `tcp_output_segment()` (tcp_out.c).
    fn tcp_output_segment(&mut self, s: u8, i: u8) -> Err {
        let p = *self.pcb_ref(i);
        let sg = self.seg_ref(s);
        let (seqno, len, sflags, hflags) = (sg.seqno, sg.len, sg.flags, sg.hdr_flags);
        let wnd = if self.cfg.lwip_wnd_scale && sflags & TF_SEG_OPTS_WND_SCALE != 0 {
            p.rcv_ann_wnd.min(0xffff) as u16
        } else {
            (p.rcv_ann_wnd >> p.rcv_scale).min(0xffff) as u16
        };
        {
            let ts = self.cfg.lwip_tcp_timestamps;
            let q = self.p(i);
            q.rcv_ann_right_edge = q.rcv_nxt.wrapping_add(q.rcv_ann_wnd);
            if ts {
                q.ts_lastacksent = q.rcv_nxt;
            }
        }
        let v = OptValues {
            mss: self.tcp_eff_send_mss_netif(self.cfg.tcp_mss),
            sys_now: self.now,
            ts_recent: p.ts_recent,
        };
        let opts = build_segment_options(&self.cfg, sflags, &v);
        let olen = usize::from(opts.len());
        {
            let ticks = self.tcp_ticks;
            let q = self.p(i);
            q.rtime = q.rtime.max(0);
            if q.rttest == 0 {
                q.rttest = ticks;
                q.rtseq = seqno;
            }
        }
        let mut buf = [0u8; OUT_BUF];
        let dlen = usize::from(len);
        let tcp_len = TCP_HLEN + olen + dlen;
        let sg = self.seg_ref(s);
        if let Some(t) = buf.get_mut(IP_HLEN..IP_HLEN + tcp_len) {
            put_tcp_hdr(
                t,
                p.local_port,
                p.remote_port,
                seqno,
                p.rcv_nxt,
                5 + (olen / 4) as u8,
                hflags,
                wnd,
            );
            if let Some(o) = t.get_mut(TCP_HLEN..TCP_HLEN + olen) {
                o.copy_from_slice(opts.as_slice());
            }
            if let (Some(d), Some(src)) = (t.get_mut(TCP_HLEN + olen..), sg.data.get(..dlen)) {
                d.copy_from_slice(src);
            }
        } else {
            return Err::Buf;
        }
        let (ttl, tos) = (p.ttl, p.tos);
        let local_ip = self.pcb_ref(i).local_ip;
        self.send_tcp(&mut buf, tcp_len, local_ip, p.remote_ip, ttl, tos)
    }

    /// Port of `tcp_rexmit_rto_prepare()` (tcp_out.c).
    pub(crate) fn tcp_rexmit_rto_prepare(&mut self, i: u8) -> Err {
        let Some(mut last) = self.pcb_ref(i).unacked else {
            return Err::Val;
        };
        while let Some(n) = self.seg_ref(last).next {
            last = n;
        }
        let unsent = self.pcb_ref(i).unsent;
        self.sg(last).next = unsent;
        let l = *self.seg_ref(last);
        let q = self.p(i);
        q.unsent = q.unacked;
        q.unacked = None;
        q.flags |= TF_RTO;
        q.rto_end = l.seqno.wrapping_add(Self::tcp_tcplen(l.len, l.hdr_flags));
        q.rttest = 0;
        Err::Ok
    }

    /// Port of `tcp_rexmit_rto_commit()` (tcp_out.c).
    pub(crate) fn tcp_rexmit_rto_commit(&mut self, i: u8) {
        let q = self.p(i);
        q.nrtx = q.nrtx.saturating_add(1);
        self.tcp_output_idx(i);
    }

    /// Port of `tcp_rexmit_rto()` (tcp_out.c).
    pub(crate) fn tcp_rexmit_rto(&mut self, i: u8) {
        if self.tcp_rexmit_rto_prepare(i) == Err::Ok {
            self.tcp_rexmit_rto_commit(i);
        }
    }

    /// Port of `tcp_rexmit()` (tcp_out.c).
    pub(crate) fn tcp_rexmit(&mut self, i: u8) -> Err {
        let Some(seg) = self.pcb_ref(i).unacked else {
            return Err::Val;
        };
        let s = *self.seg_ref(seg);
        self.p(i).unacked = s.next;
        let mut prev: Option<u8> = None;
        let mut cur = self.pcb_ref(i).unsent;
        while let Some(c) = cur {
            if !tcp_seq_lt(self.seg_ref(c).seqno, s.seqno) {
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
        Err::Ok
    }

    /// Port of `tcp_rexmit_fast()` (tcp_out.c).
    pub(crate) fn tcp_rexmit_fast(&mut self, i: u8) {
        let p = *self.pcb_ref(i);
        if p.unacked.is_some() && p.flags & TF_INFR == 0 && self.tcp_rexmit(i) == Err::Ok {
            let q = self.p(i);
            q.ssthresh = q.cwnd.min(q.snd_wnd) / 2;
            let mss = u32::from(q.mss);
            q.ssthresh = q.ssthresh.max(2 * mss);
            q.cwnd = q.ssthresh.wrapping_add(3 * mss);
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
    pub(crate) fn tcp_split_unsent_seg(&mut self, i: u8, split: u16) -> Err {
        let Some(useg) = self.pcb_ref(i).unsent else {
            return Err::Mem;
        };
        if split == 0 {
            // Reachable: tcp_slowtmr passes (u16_t)snd_wnd, 0 for a scaled
            // window that is a multiple of 65536.
            let _ = self.lwip_assert_failed("Can't split segment into length 0", "tcp_out.c:854");
            return Err::Val;
        }
        let u = *self.seg_ref(useg);
        if u.len <= split {
            return Err::Ok;
        }
        if split > self.pcb_ref(i).mss {
            // Reachable from the wire: the window is not bounded by the MSS.
            let _ = self.lwip_assert_failed("split <= mss", "tcp_out.c:862");
            return Err::Mem;
        }
        let optflags = u.flags;
        let remainder = u.len - split;
        let optlen = u16::from(lwip_tcp_opt_length(&self.cfg, optflags));
        let Some(m) = self.pbuf_alloc_ram(
            self.cfg.pbuf_layer_transport(),
            remainder.wrapping_add(optlen),
        ) else {
            return Err::Mem;
        };
        let mut split_flags = u.hdr_flags;
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
            i,
            remainder_flags,
            u.seqno.wrapping_add(u32::from(split)),
            optflags,
        ) else {
            // tcp_create_segment freed the pbuf.
            self.heap.mem_free(m);
            return Err::Mem;
        };
        {
            let sg = self.sg(seg);
            sg.len = remainder;
            sg.pbufs = 1;
            sg.pbuf_len[0] = remainder;
            sg.pbuf_mem[0] = Some(m);
            let (a, b) = (usize::from(split), usize::from(u.len));
            if let (Some(d), Some(src)) = (sg.data.get_mut(..b - a), u.data.get(a..b)) {
                d.copy_from_slice(src);
            }
        }
        // snd_queuelen -= pbuf_clen(useg->p); pbuf_realloc(useg->p, ..);
        // snd_queuelen += pbuf_clen(useg->p).
        let freed_rom = self.seg_pbuf_realloc(useg, split);
        if self.asserted.is_some() {
            // mem_trim asserted inside pbuf_realloc: lwIP left here.
            return Err::Mem;
        }
        self.memp_pbuf_used = self.memp_pbuf_used.saturating_sub(freed_rom);
        let new_clen = self.seg_ref(useg).pbufs;
        {
            let sg = self.sg(useg);
            sg.len = split;
            // TCPH_SET_FLAG only ORs: the head keeps PSH and FIN too.
            sg.hdr_flags |= split_flags;
        }
        let q = self.p(i);
        q.snd_queuelen = q
            .snd_queuelen
            .wrapping_sub(u16::from(u.pbufs))
            .wrapping_add(u16::from(new_clen))
            .wrapping_add(1);
        self.sg(seg).next = u.next;
        self.sg(useg).next = Some(seg);
        if u.next.is_none() {
            self.p(i).unsent_oversize = 0;
        }
        Err::Ok
    }

    /// `pbuf_realloc(seg->p, <headers> + keep)` (pbuf.c) on a segment's
    /// chain: pbufs wholly past the first `keep` data bytes are freed, the
    /// last one kept is shortened (`mem_trim` of its heap block when it is
    /// `PBUF_RAM` and its length changes, before the rest is freed).
    /// Returns how many freed pbufs were `PBUF_ROM` (already taken off
    /// `rom_pbufs`).
    fn seg_pbuf_realloc(&mut self, s: u8, keep: u16) -> u16 {
        let optlen = u16::from(lwip_tcp_opt_length(&self.cfg, self.seg_ref(s).flags));
        let sg = self.sg(s);
        let n = usize::from(sg.pbufs).min(SEG_PBUF_CAP);
        let mut before: u32 = 0;
        let mut kept = n;
        // (block, layer, new length from the payload start) to mem_trim.
        let mut trim: Option<(MemPtr, bool, u16)> = None;
        for k in 0..n {
            let Some(l) = sg.pbuf_len.get_mut(k) else {
                break;
            };
            // `while (rem_len > q->len)`: the head always stays, and each
            // pbuf with data before it short of `keep`.
            if k > 0 && before >= u32::from(keep) {
                kept = k;
                break;
            }
            let len = u32::from(*l);
            if u32::from(keep) <= before + len {
                let new = (u32::from(keep) - before) as u16;
                if u32::from(new) != len
                    && let Some(Some(m)) = sg.pbuf_mem.get(k)
                {
                    // The head pbuf was allocated at PBUF_TRANSPORT with the
                    // options first; chained ones at PBUF_RAW.
                    trim = Some(if k == 0 {
                        (*m, true, optlen.wrapping_add(new))
                    } else {
                        (*m, false, new)
                    });
                }
                *l = new;
                kept = k + 1;
                break;
            }
            before += len;
        }
        let mut freed_rom = 0u16;
        let mut freed_ram = [None; SEG_PBUF_CAP];
        for k in kept..n {
            let bit = 1u32.checked_shl(k as u32).unwrap_or(0);
            if sg.pbuf_rom & bit != 0 {
                sg.pbuf_rom &= !bit;
                freed_rom += 1;
            }
            if let Some(l) = sg.pbuf_len.get_mut(k) {
                *l = 0;
            }
            if let (Some(b), Some(f)) = (sg.pbuf_mem.get_mut(k), freed_ram.get_mut(k)) {
                *f = b.take();
            }
        }
        sg.pbufs = kept as u8;
        sg.rom_pbufs = sg.rom_pbufs.saturating_sub(freed_rom as u8);
        if let Some((m, head, len)) = trim {
            let layer = if head {
                self.cfg.pbuf_layer_transport()
            } else {
                0
            };
            self.pbuf_trim_ram(m, layer, len);
        }
        for m in freed_ram.into_iter().flatten() {
            self.heap.mem_free(m);
        }
        freed_rom
    }

    /// `tcp_output_alloc_header()` (tcp_out.c) for a bare control segment
    /// (no options, `datalen` data bytes): whether the heap had room for
    /// its pbuf; if so, "update the announced right window edge".
    fn tcp_output_alloc_header_bare(&mut self, i: u8, datalen: u16) -> bool {
        let len = (TCP_HLEN as u16).wrapping_add(datalen);
        if !self.pbuf_alloc_ram_transient(self.cfg.pbuf_layer_ip(), len) {
            return false;
        }
        let q = self.p(i);
        q.rcv_ann_right_edge = q.rcv_nxt.wrapping_add(q.rcv_ann_wnd);
        true
    }

    /// `tcp_output_fill_options(pcb, p, 0, 0)` and
    /// `tcp_output_control_segment()` (tcp_out.c) for a bare control segment
    /// of the pcb whose pbuf [`Self::tcp_output_alloc_header_bare`] got: no
    /// options, flags `flags`, up to one data byte.
    fn tcp_output_bare_control(&mut self, i: u8, seqno: u32, flags: u8, data: Option<u8>) -> Err {
        let p = *self.pcb_ref(i);
        // tcp_output_control_segment: ERR_RTE without a route.
        if !self.tcp_route(Some(i), p.remote_ip) {
            return Err::Rte;
        }
        let wnd = (p.rcv_ann_wnd >> p.rcv_scale).min(0xffff) as u16;
        let mut buf = [0u8; IP_HLEN + TCP_HLEN + 1];
        let dlen = usize::from(data.is_some());
        if let Some(t) = buf.get_mut(IP_HLEN..) {
            put_tcp_hdr(
                t,
                p.local_port,
                p.remote_port,
                seqno,
                p.rcv_nxt,
                5,
                flags,
                wnd,
            );
            if let (Some(b), Some(d)) = (data, t.get_mut(TCP_HLEN)) {
                *d = b;
            }
        }
        self.send_tcp(
            &mut buf,
            TCP_HLEN + dlen,
            p.local_ip,
            p.remote_ip,
            p.ttl,
            p.tos,
        )
    }

    /// Port of `tcp_zero_window_probe()` (tcp_out.c): counts a probe
    /// (`persist_probe`, even if sending fails) and sends the first byte of
    /// the unsent head (or its bare FIN) without options; `snd_nxt` moves
    /// past it.
    pub(crate) fn tcp_zero_window_probe(&mut self, i: u8) -> Err {
        let Some(seg) = self.pcb_ref(i).unsent else {
            return Err::Ok;
        };
        {
            let q = self.p(i);
            // `if (pcb->persist_probe < 0xFF) ++pcb->persist_probe;`
            q.persist_probe = q.persist_probe.saturating_add(1);
        }
        let s = self.seg_ref(seg);
        let (seqno, hdr_flags, len) = (s.seqno, s.hdr_flags, s.len);
        let first = s.data.first().copied().unwrap_or(0);
        let is_fin = hdr_flags & TCP_FIN != 0 && len == 0;
        if !self.tcp_output_alloc_header_bare(i, u16::from(!is_fin)) {
            return Err::Mem;
        }
        let snd_nxt = seqno.wrapping_add(1);
        if tcp_seq_lt(self.pcb_ref(i).snd_nxt, snd_nxt) {
            self.p(i).snd_nxt = snd_nxt;
        }
        if is_fin {
            self.tcp_output_bare_control(i, seqno, TCP_ACK | TCP_FIN, None)
        } else {
            self.tcp_output_bare_control(i, seqno, TCP_ACK, Some(first))
        }
    }
}

/// Port of `tcp_keepalive()` (tcp_out.c): an empty ACK with sequence number
/// `snd_nxt - 1` and no options, which makes the peer answer. (A free
/// function: the method name `Tcp::tcp_keepalive` is the API that sets
/// `SOF_KEEPALIVE` and the keepalive parameters.)
pub(crate) fn tcp_keepalive<H: Hooks>(tcp: &mut Tcp<H>, i: u8) -> Err {
    let seqno = tcp.pcb_ref(i).snd_nxt.wrapping_sub(1);
    if !tcp.tcp_output_alloc_header_bare(i, 0) {
        return Err::Mem;
    }
    tcp.tcp_output_bare_control(i, seqno, TCP_ACK, None)
}
