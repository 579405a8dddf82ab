//! Port of lwIP's tcp_in.c: demultiplexing, the LISTEN/TIME_WAIT input
//! paths, the state machine (`tcp_process`) and `tcp_receive`.

use crate::config::Profile;
use crate::err::Err;
use crate::options::TcpSackRange;
use crate::options::{ParseoptCtx, tcp_parseopt};
use crate::pbuf::{PBUF_FLAG_PUSH, PBUF_FLAG_TCP_FIN, PbufStore};
use crate::seq::{tcp_seq_between, tcp_seq_geq, tcp_seq_gt, tcp_seq_leq, tcp_seq_lt};
use crate::stack::{
    AcceptFn, ApiError, Assertion, Callback, Hooks, IpAddrOf, List, LpcbOf, NETIF_NO_INDEX, PbufOf,
    PcbOf, SOF_INHERITED, SegOf, Tcp, TcpApp,
};
use crate::state::{
    TCP_ACK, TCP_FIN, TCP_FLAGS, TCP_PSH, TCP_RST, TCP_SYN, TF_ACK_DELAY, TF_ACK_NOW,
    TF_BACKLOGPEND, TF_CLOSED, TF_GOT_FIN, TF_INFR, TF_RESET, TF_RTO, TF_RXCLOSED, TF_SACK,
    TcpState,
};
use crate::storage::{
    AcceptRepr, CallbackRepr, IpAddrRepr, NetifOf, NullValue, OptField, SackTable, Storage,
};
use crate::storage::{Mib2Tcp, TcpStat};
use crate::wire::{TCP_HLEN, inet_chksum_pseudo_chain};

/// Port of `LWIP_TCP_CALC_INITIAL_CWND(mss)` (tcp_in.c).
fn lwip_tcp_calc_initial_cwnd(mss: u16) -> u32 {
    let mss = u32::from(mss);
    (4 * mss).min((2 * mss).max(4380))
}

fn be16(b: &[u8], at: usize) -> u16 {
    match b.get(at..at + 2) {
        Some(&[x, y]) => u16::from_be_bytes([x, y]),
        _ => 0,
    }
}

fn be32(b: &[u8], at: usize) -> u32 {
    match b.get(at..at + 4) {
        Some(&[w, x, y, z]) => u32::from_be_bytes([w, x, y, z]),
        _ => 0,
    }
}

impl<H: Hooks, P: Profile> Tcp<H, P> {
    // -- TCP_EVENT_* ----------------------------------------------------------

    /// `TCP_EVENT_RECV` (tcp_priv.h) with data `p`. lwIP raises it only
    /// with data (a FIN is `TCP_EVENT_CLOSED`), so with no recv callback
    /// `tcp_recv_null` (tcp.c) takes the data back and frees it; its FIN
    /// branch cannot be reached through the macros. The application's
    /// callback gets the chain; the stack frees it after `ERR_OK` or
    /// `ERR_ABRT` (see [`TcpApp::recv`]).
    pub(crate) fn tcp_event_recv<A: TcpApp<H, P>>(
        &mut self,
        app: &mut A,
        i: PcbOf<P>,
        p: PbufOf<P>,
        err: Err,
    ) -> Err {
        let tot_len = self.pbufs.tot_len(p);
        if !self.pcb_ref(i).recv.is_set() {
            let h = self.conn_handle(i);
            let r = self.tcp_recv_null(h, Some(tot_len), err).unwrap_or(Err::Ok);
            self.pbuf_free(p);
            return r;
        }
        let r = self.app_recv(app, i, Some((p, tot_len)), err);
        if !A::OWNS_RECV_PBUF && (r == Err::Ok || r == Err::Abrt) {
            self.pbuf_free(p);
        }
        r
    }

    /// `TCP_EVENT_CLOSED` (tcp_priv.h): the FIN, as recv(NULL), to a recv
    /// callback if there is one.
    pub(crate) fn tcp_event_closed<A: TcpApp<H, P>>(&mut self, app: &mut A, i: PcbOf<P>) -> Err {
        if !self.pcb_ref(i).recv.is_set() {
            return Err::Ok;
        }
        self.app_recv(app, i, None, Err::Ok)
    }

    /// The application's recv callback, logged.
    fn app_recv<A: TcpApp<H, P>>(
        &mut self,
        app: &mut A,
        i: PcbOf<P>,
        data: Option<(PbufOf<P>, u16)>,
        err: Err,
    ) -> Err {
        let h = self.conn_handle(i);
        let len = data.map(|(_, l)| l);
        let seq = self.ev_push(Callback::Recv { pcb: h, len, err });
        let r = self.call_app(app, |a, t| a.recv(t, h, data.map(|(p, _)| p), err));
        self.ev_ret(seq, r);
        r
    }

    /// `TCP_EVENT_SENT` (tcp_priv.h).
    pub(crate) fn tcp_event_sent<A: TcpApp<H, P>>(
        &mut self,
        app: &mut A,
        i: PcbOf<P>,
        len: u16,
    ) -> Err {
        if !self.pcb_ref(i).sent.is_set() {
            return Err::Ok;
        }
        let h = self.conn_handle(i);
        let seq = self.ev_push(Callback::Sent { pcb: h, len });
        let r = self.call_app(app, |a, t| a.sent(t, h, len));
        self.ev_ret(seq, r);
        r
    }

    /// `TCP_EVENT_POLL` (tcp_priv.h).
    pub(crate) fn tcp_event_poll<A: TcpApp<H, P>>(&mut self, app: &mut A, i: PcbOf<P>) -> Err {
        if !self.pcb_ref(i).poll.is_set() {
            return Err::Ok;
        }
        let h = self.conn_handle(i);
        let seq = self.ev_push(Callback::Poll { pcb: h });
        let r = self.call_app(app, |a, t| a.poll(t, h));
        self.ev_ret(seq, r);
        r
    }

    /// `TCP_EVENT_CONNECTED` (tcp_priv.h).
    fn tcp_event_connected<A: TcpApp<H, P>>(&mut self, app: &mut A, i: PcbOf<P>, err: Err) -> Err {
        if !self.pcb_ref(i).connected.is_set() {
            return Err::Ok;
        }
        let h = self.conn_handle(i);
        let seq = self.ev_push(Callback::Connected { pcb: h, err });
        let r = self.call_app(app, |a, t| a.connected(t, h, err));
        self.ev_ret(seq, r);
        r
    }

    /// `TCP_EVENT_ACCEPT` (tcp_priv.h), with the shim's setup of the new
    /// pcb's callbacks (recv/sent before, err after an `ERR_OK`).
    fn tcp_event_accept<A: TcpApp<H, P>>(
        &mut self,
        app: &mut A,
        l: LpcbOf<P>,
        new: Option<PcbOf<P>>,
        err: Err,
    ) -> Err {
        match self.lpcb_ref(l).accept.kind() {
            AcceptFn::Null => return Err::Arg,
            AcceptFn::App => {}
            AcceptFn::AcceptNull => {
                // tcp_accept_null (tcp.c).
                let Some(i) = new else {
                    self.lwip_assert_failed(&Assertion {
                        msg: c"tcp_accept_null: invalid pcb",
                        file: crate::stack::LwipFile::Tcp,
                        line: 784,
                    });
                    return Err::Abrt;
                };
                self.tcp_abandon(i, true, app);
                return Err::Abrt;
            }
        }
        let lh = self.listen_handle(l);
        // The shim's accept registers recv and sent on the new pcb before
        // the application's accept runs, and err after it returned ERR_OK;
        // where the layout has no "application's" callback (a C
        // application's, which registers its own), nothing is written.
        let nh = new.map(|i| {
            if let Some(f) = CallbackRepr::app() {
                self.p(i).recv = f;
            }
            if let Some(f) = CallbackRepr::app() {
                self.p(i).sent = f;
            }
            self.conn_handle(i)
        });
        let seq = self.ev_push(Callback::Accept {
            listener: lh,
            new: nh,
            err,
        });
        let r = self.call_app(app, |a, t| a.accept(t, lh, nh, err));
        self.ev_ret(seq, r);
        if let (Some(i), Some(h)) = (new, nh)
            && r == Err::Ok
            && self.conn_alive(i, h.generation())
            && let Some(f) = CallbackRepr::app()
        {
            self.p(i).errf = f;
        }
        r
    }

    // -- tcp_input --------------------------------------------------------------

    /// Port of lwIP's `tcp_input(p, inp)` (tcp_in.c) as an IP layer below
    /// calls it (lwIP's `ip4_input`, through the drop-in): `p`'s payload at
    /// the TCP header, `src` and `dest` its addresses
    /// (`ip_current_src_addr()`, `ip_current_dest_addr()`), `inp` the netif
    /// it came in on. `p` is the stack's from here on, whatever the result
    /// (freed unless its data went on); an `Err` is a call the stack could
    /// not take (made from inside a callback, or after a failed
    /// `LWIP_ASSERT`).
    pub fn tcp_input_from<A: TcpApp<H, P>>(
        &mut self,
        p: PbufOf<P>,
        src: IpAddrOf<P>,
        dest: IpAddrOf<P>,
        inp: NetifOf<P::Storage>,
        app: &mut A,
    ) -> Result<(), ApiError> {
        if self.depth != 0 {
            self.pbuf_free(p);
            return Err(ApiError::Reentrant);
        }
        if let Some(a) = self.asserted {
            self.pbuf_free(p);
            return Err(ApiError::Asserted(a));
        }
        self.inp.src_ip = src;
        self.inp.dest_ip = dest;
        self.inp.netif = Some(inp);
        self.tcp_input(p, app);
        match self.asserted {
            Some(a) => Err(ApiError::Asserted(a)),
            None => Ok(()),
        }
    }

    /// Port of lwIP's `tcp_input()` (tcp_in.c): `p` is the packet, its
    /// payload at the TCP header (`ip4_input` moved it), the addresses and
    /// netif in `inp`. It is freed here unless its data went on
    /// (`recv_data`, the ooseq queue, refused data).
    pub(crate) fn tcp_input<A: TcpApp<H, P>>(&mut self, p: PbufOf<P>, app: &mut A) {
        self.tcp_stat(TcpStat::Recv);
        self.mib2_stat(Mib2Tcp::InSegs);
        if self.tcp_input_header(p) {
            self.tcp_input_demux(p, app);
        } else {
            // dropped:
            self.tcp_stat(TcpStat::Drop);
            self.mib2_stat(Mib2Tcp::InErrs);
            self.pbuf_free(p);
        }
    }

    /// tcp_input's checks and header parsing: whether the segment goes on
    /// (its payload then at the data, the header fields in `inp`).
    fn tcp_input_header(&mut self, p: PbufOf<P>) -> bool {
        // "Check that TCP header fits in payload": the first pbuf.
        if usize::from(self.pbufs.len(p)) < TCP_HLEN {
            self.tcp_stat(TcpStat::LenErr);
            return false;
        }
        let (src_ip, dest_ip) = (self.inp.src_ip, self.inp.dest_ip);
        let Some(n) = self.inp.netif else {
            return false;
        };
        // ip_addr_isbroadcast(dest, netif) || ip_addr_ismulticast(dest)
        let bcast_or_mcast = if dest_ip.is_v6() {
            crate::ip6::ismulticast(&dest_ip.v6())
        } else {
            self.st.ip4_addr_isbroadcast(dest_ip.v4(), n)
                || Self::ip4_addr_ismulticast(dest_ip.v4())
        };
        if bcast_or_mcast {
            self.tcp_stat(TcpStat::ProtErr);
            return false;
        }
        let tot = self.pbufs.tot_len(p);
        if P::CONFIG.checksum_check_tcp {
            let c = inet_chksum_pseudo_chain(
                self.pbufs.chain(&self.hooks, p),
                crate::wire::IP_PROTO_TCP,
                tot,
                src_ip,
                dest_ip,
            );
            if c != 0 {
                self.tcp_stat(TcpStat::ChkErr);
                return false;
            }
        }
        // The header is in the first pbuf (checked above); the options may
        // continue in the next (tcphdr_opt1, tcphdr_opt2).
        let first = self.pbufs.payload(&self.hooks, p);
        let hdrlen = usize::from(first.get(12).copied().unwrap_or(0) >> 4) * 4;
        if hdrlen < TCP_HLEN || hdrlen > usize::from(tot) {
            self.tcp_stat(TcpStat::LenErr);
            return false;
        }
        match (first.get(..hdrlen), self.inp_hdr.get_mut(..hdrlen)) {
            (Some(sv), Some(d)) => d.copy_from_slice(sv),
            _ => {
                if let Some(d) = self.inp_hdr.get_mut(..hdrlen) {
                    self.pbufs.pbuf_copy_partial(&self.hooks, p, d, 0);
                }
            }
        }
        // `tcphdr = (struct tcp_hdr *)p->payload`, which inseg keeps.
        self.inp.tcphdr = P::Storage::tcphdr_at(p);
        // Move the payload to the data: the options may continue in the
        // next pbuf, which must hold the rest of them.
        let hdrlen16 = hdrlen as u16;
        if self.pbufs.len(p) >= hdrlen16 {
            self.pbufs.pbuf_remove_header(p, hdrlen16);
        } else {
            self.pbufs.pbuf_remove_header(p, TCP_HLEN as u16);
            let opt1len = self.pbufs.len(p);
            let opt2len = hdrlen16 - TCP_HLEN as u16 - opt1len;
            self.pbufs.pbuf_remove_header(p, opt1len);
            let Some(next) = self.pbufs.next(p) else {
                let _ = self.lwip_assert_failed(&Assertion {
                    msg: c"p->next != NULL",
                    file: crate::stack::LwipFile::TcpIn,
                    line: 210,
                });
                return false;
            };
            if opt2len > self.pbufs.len(next) {
                self.tcp_stat(TcpStat::LenErr);
                return false;
            }
            self.pbufs.pbuf_remove_header(next, opt2len);
            let t = self.pbufs.tot_len(p).wrapping_sub(opt2len);
            self.pbufs.set_tot_len(p, t);
        }
        let tot_len = self.pbufs.tot_len(p);
        let hdr = &self.inp_hdr;
        let flags = hdr[13] & TCP_FLAGS;
        // "u16_t overflow, cannot handle this": the length with SYN/FIN
        // must fit in 16 bits.
        let Ok(tcplen) = u16::try_from(Self::tcp_tcplen(tot_len, flags)) else {
            self.tcp_stat(TcpStat::LenErr);
            return false;
        };
        let (src_port, dest_port) = (be16(hdr, 0), be16(hdr, 2));
        let (seqno, ackno, wnd) = (be32(hdr, 4), be32(hdr, 8), be16(hdr, 14));
        let inp = &mut self.inp;
        inp.src_port = src_port;
        inp.dest_port = dest_port;
        inp.seqno = seqno;
        inp.ackno = ackno;
        inp.wnd = wnd;
        inp.flags = flags;
        inp.tcplen = tcplen;
        inp.hdrlen = hdrlen;
        inp.inseg_len = tot_len;
        inp.inseg_flags = flags;
        true
    }

    /// tcp_input's demultiplexing and what follows it, for a segment that
    /// passed [`Tcp::tcp_input_header`].
    fn tcp_input_demux<A: TcpApp<H, P>>(&mut self, pkt: PbufOf<P>, app: &mut A) {
        let (src_ip, dest_ip) = (self.inp.src_ip, self.inp.dest_ip);
        let (flags, tcplen) = (self.inp.flags, self.inp.tcplen);
        let inp = &self.inp;
        let (sport, dport) = (inp.src_port, inp.dest_port);
        // `netif_get_index(ip_data.current_input_netif)`: a pcb bound to
        // another netif (`tcp_bind_netif`) does not match.
        let in_idx = inp.netif.map_or(NETIF_NO_INDEX, |n| self.st.netif_index(n));
        let other_netif = |idx: u8| idx != NETIF_NO_INDEX && idx != in_idx;

        // Active pcbs (move-to-front on a match).
        let mut prev = None;
        let mut found = None;
        let mut cur = self.st.list(List::Active);
        while let Some(i) = cur {
            let p = self.pcb_ref(i);
            if other_netif(p.netif_idx) {
                prev = Some(i);
                cur = p.next;
                continue;
            }
            if p.remote_port == sport
                && p.local_port == dport
                && p.remote_ip.addr_eq(&src_ip)
                && p.local_ip.addr_eq(&dest_ip)
            {
                if let Some(pv) = prev {
                    let n = p.next;
                    self.p(pv).next = n;
                    let head = self.st.list(List::Active);
                    self.p(i).next = head;
                    self.st.set_list(List::Active, Some(i));
                } else {
                    self.tcp_stat(TcpStat::CacheHit);
                }
                found = Some(i);
                break;
            }
            prev = Some(i);
            cur = p.next;
        }

        if found.is_none() {
            let mut cur = self.st.list(List::TimeWait);
            while let Some(i) = cur {
                let p = self.pcb_ref(i);
                if !other_netif(p.netif_idx)
                    && p.remote_port == sport
                    && p.local_port == dport
                    && p.remote_ip.addr_eq(&src_ip)
                    && p.local_ip.addr_eq(&dest_ip)
                {
                    self.tcp_timewait_input(i);
                    self.pbuf_free(pkt);
                    return;
                }
                cur = p.next;
            }
            let mut prev = None;
            let mut cur = self.st.listen_pcbs();
            let mut lfound = None;
            while let Some(l) = cur {
                let lp = self.lpcb_ref(l);
                if !other_netif(lp.netif_idx)
                    && lp.local_port == dport
                    // An IP_ANY_TYPE listener takes both versions; any
                    // other one its own version, its address or any.
                    && (lp.local_ip.is_any_type()
                        || (lp.local_ip.ip_type() == dest_ip.ip_type()
                            && (lp.local_ip.addr_eq(&dest_ip) || lp.local_ip.isany())))
                {
                    lfound = Some(l);
                    break;
                }
                prev = Some(l);
                cur = lp.next;
            }
            if let Some(l) = lfound {
                if let Some(pv) = prev {
                    let n = self.lpcb_ref(l).next;
                    self.lp(pv).next = n;
                    let head = self.st.listen_pcbs();
                    self.lp(l).next = head;
                    self.st.set_listen_pcbs(Some(l));
                } else {
                    self.tcp_stat(TcpStat::CacheHit);
                }
                self.tcp_listen_input(l, app);
                self.pbuf_free(pkt);
                return;
            }
        }

        let Some(i) = found else {
            // No matching pcb: RST unless it is one.
            if flags & TCP_RST == 0 {
                self.tcp_stat(TcpStat::ProtErr);
                self.tcp_stat(TcpStat::Drop);
                let (ackno, seqno) = (self.inp.ackno, self.inp.seqno);
                self.tcp_rst(
                    None,
                    ackno,
                    seqno.wrapping_add(u32::from(tcplen)),
                    &dest_ip,
                    &src_ip,
                    dport,
                    sport,
                );
            }
            self.pbuf_free(pkt);
            return;
        };

        let generation = self.conn_handle(i).generation();
        self.inp.inseg_p = Some(pkt);
        self.inp.recv_data = None;
        self.inp.recv_flags = 0;
        if flags & TCP_PSH != 0 {
            let f = self.pbufs.flags(pkt);
            self.pbufs.set_flags(pkt, f | PBUF_FLAG_PUSH);
        }
        self.inp.recv_acked = 0;

        if self.pcb_ref(i).refused_data.is_some()
            && (self.tcp_process_refused_data(i, app) == Err::Abrt
                || !self.conn_alive(i, generation)
                || (self.pcb_ref(i).refused_data.is_some() && tcplen > 0))
        {
            if self.conn_alive(i, generation) && self.pcb_ref(i).rcv_ann_wnd == 0 {
                self.tcp_send_empty_ack(i);
            }
            self.tcp_stat(TcpStat::Drop);
            self.mib2_stat(Mib2Tcp::InErrs);
            self.tcp_input_aborted();
            return;
        }
        self.st.set_input_pcb(Some(i));
        let err = self.tcp_process(i, app);
        if err != Err::Abrt && self.conn_alive(i, generation) {
            if self.inp.recv_flags & TF_RESET != 0 {
                let h = self.conn_handle(i);
                let (errf, arg) = (self.pcb_ref(i).errf, self.pcb_ref(i).callback_arg);
                self.tcp_event_err(app, errf, arg, h, Err::Rst);
                self.tcp_pcb_remove(List::Active, i);
                self.st.set_active_pcbs_changed(true);
                self.tcp_free(i);
            } else {
                self.tcp_input_rest(i, generation, app);
            }
        }
        self.tcp_input_aborted();
    }

    /// tcp_input's `aborted:` label and end: `recv_data` forgotten (lwIP
    /// does not free it: data a sent callback's abort left there leaks, as
    /// corpus/findings/lwip-leak-recv-data-after-sent-abort.pkt shows), our
    /// reference to `inseg.p` given up.
    fn tcp_input_aborted(&mut self) {
        self.st.set_input_pcb(None);
        self.inp.recv_data = None;
        if let Some(p) = self.inp.inseg_p.take() {
            self.pbuf_free(p);
        }
    }

    /// The part of `tcp_input()` after `tcp_process()` returned normally:
    /// sent, delayed close, recv, FIN, output (returns at `aborted:`).
    fn tcp_input_rest<A: TcpApp<H, P>>(&mut self, i: PcbOf<P>, generation: u32, app: &mut A) {
        let mut acked = self.inp.recv_acked;
        while acked > 0 {
            let acked16 = acked.min(0xffff) as u16;
            acked -= u32::from(acked16);
            let e = self.tcp_event_sent(app, i, acked16);
            if e == Err::Abrt || !self.conn_alive(i, generation) {
                return;
            }
        }
        self.inp.recv_acked = 0;
        if self.tcp_input_delayed_close(i, app) {
            return;
        }
        // With TCP_QUEUE_OOSEQ and LWIP_WND_SCALE, in-sequence data and
        // the ooseq segments it releases can exceed what a pbuf's u16_t
        // tot_len counts: lwIP hands it to the application in parts below
        // 64 KiB (pbuf_split_64k), and keeps the rest with refused data.
        let split = P::CONFIG.tcp_queue_ooseq && P::CONFIG.lwip_wnd_scale;
        while let Some(data) = self.inp.recv_data {
            let rest = if split {
                self.pbufs.pbuf_split_64k(data)
            } else {
                None
            };
            if self.pcb_ref(i).flags & TF_RXCLOSED != 0 {
                self.pbuf_free(data);
                if let Some(r) = rest {
                    self.pbuf_free(r);
                }
                self.inp.recv_data = None;
                self.tcp_abandon(i, true, app);
                return;
            }
            let e = self.tcp_event_recv(app, i, data, Err::Ok);
            if e == Err::Abrt || !self.conn_alive(i, generation) {
                if let Some(r) = rest {
                    self.pbuf_free(r);
                }
                return;
            }
            if e != Err::Ok {
                if let Some(r) = rest {
                    self.pbufs.pbuf_cat(data, r);
                }
                self.p(i).refused_data = Some(data);
                break;
            }
            self.inp.recv_data = rest;
        }
        if self.inp.recv_flags & TF_GOT_FIN != 0 {
            if let Some(r) = self.pcb_ref(i).refused_data {
                // Delay this if we have refused data.
                let f = self.pbufs.flags(r);
                self.pbufs.set_flags(r, f | PBUF_FLAG_TCP_FIN);
            } else {
                if self.pcb_ref(i).rcv_wnd != self.tcp_wnd_max(i) {
                    self.p(i).rcv_wnd = self.pcb_ref(i).rcv_wnd.wrapping_add(1);
                }
                let e = self.tcp_event_closed(app, i);
                if e == Err::Abrt || !self.conn_alive(i, generation) {
                    return;
                }
            }
        }
        self.st.set_input_pcb(None);
        if self.tcp_input_delayed_close(i, app) {
            return;
        }
        self.tcp_output_idx(i);
    }

    /// Port of `tcp_input_delayed_close()` (tcp_in.c).
    fn tcp_input_delayed_close<A: TcpApp<H, P>>(&mut self, i: PcbOf<P>, app: &mut A) -> bool {
        if self.inp.recv_flags & TF_CLOSED != 0 {
            if self.pcb_ref(i).flags & TF_RXCLOSED == 0 {
                let h = self.conn_handle(i);
                let (errf, arg) = (self.pcb_ref(i).errf, self.pcb_ref(i).callback_arg);
                self.tcp_event_err(app, errf, arg, h, Err::Clsd);
            }
            self.tcp_pcb_remove(List::Active, i);
            self.st.set_active_pcbs_changed(true);
            self.tcp_free(i);
            return true;
        }
        false
    }

    /// Port of `tcp_listen_input()` (tcp_in.c).
    fn tcp_listen_input<A: TcpApp<H, P>>(&mut self, l: LpcbOf<P>, app: &mut A) {
        let inp = self.inp;
        if inp.flags & TCP_RST != 0 {
            return;
        }
        if inp.flags & TCP_ACK != 0 {
            self.tcp_rst(
                None,
                inp.ackno,
                inp.seqno.wrapping_add(u32::from(inp.tcplen)),
                &inp.dest_ip,
                &inp.src_ip,
                inp.dest_port,
                inp.src_port,
            );
        } else if inp.flags & TCP_SYN != 0 {
            if P::CONFIG.tcp_listen_backlog
                && self.lpcb_ref(l).accepts_pending.get() >= self.lpcb_ref(l).backlog.get()
            {
                return;
            }
            let prio = self.lpcb_ref(l).prio;
            let Some(n) = self.tcp_alloc(prio, app) else {
                self.tcp_stat(TcpStat::MemErr);
                let _ = self.tcp_event_accept(app, l, None, Err::Mem);
                return;
            };
            if P::CONFIG.tcp_listen_backlog {
                let lp = self.lp(l);
                lp.accepts_pending
                    .set(lp.accepts_pending.get().wrapping_add(1));
                self.p(n).flags |= TF_BACKLOGPEND;
            }
            let lsn = *self.lpcb_ref(l);
            {
                let p = self.p(n);
                p.local_ip = inp.dest_ip;
                p.remote_ip = inp.src_ip;
                p.local_port = lsn.local_port;
                p.remote_port = inp.src_port;
                p.set_state(TcpState::SynRcvd);
                p.rcv_nxt = inp.seqno.wrapping_add(1);
                p.rcv_ann_right_edge = p.rcv_nxt;
            }
            let iss = self.tcp_next_iss(n);
            {
                let p = self.p(n);
                p.snd_wl2 = iss;
                p.snd_nxt = iss;
                p.lastack = iss;
                p.snd_lbb = iss;
                p.snd_wl1 = inp.seqno.wrapping_sub(1);
                p.callback_arg = lsn.callback_arg;
                p.listener = Some(l);
                p.so_options = lsn.so_options & SOF_INHERITED;
                p.netif_idx = lsn.netif_idx;
            }
            self.tcp_reg(List::Active, n);
            self.tcp_parseopt(n);
            let q = self.pcb_ref(n);
            let (mss, local_ip, remote_ip) = (q.mss, q.local_ip, q.remote_ip);
            let mss = self.tcp_eff_send_mss(mss, &local_ip, &remote_ip);
            {
                let p = self.p(n);
                p.snd_wnd = u32::from(inp.wnd);
                p.snd_wnd_max = p.snd_wnd;
                p.mss = mss;
            }
            self.mib2_stat(Mib2Tcp::PassiveOpens);
            let rc = self.tcp_enqueue_flags(n, TCP_SYN | TCP_ACK);
            if rc != Err::Ok {
                self.tcp_abandon(n, false, app);
                return;
            }
            self.tcp_output_idx(n);
        }
    }

    /// Port of `tcp_timewait_input()` (tcp_in.c).
    fn tcp_timewait_input(&mut self, i: PcbOf<P>) {
        let inp = self.inp;
        if inp.flags & TCP_RST != 0 {
            return;
        }
        if inp.flags & TCP_SYN != 0 {
            let p = self.pcb_ref(i);
            if tcp_seq_between(inp.seqno, p.rcv_nxt, p.rcv_nxt.wrapping_add(p.rcv_wnd)) {
                self.tcp_rst(
                    Some(i),
                    inp.ackno,
                    inp.seqno.wrapping_add(u32::from(inp.tcplen)),
                    &inp.dest_ip,
                    &inp.src_ip,
                    inp.dest_port,
                    inp.src_port,
                );
                return;
            }
        } else if inp.flags & TCP_FIN != 0 {
            let t = self.st.tcp_ticks();
            self.p(i).tmr = t;
        }
        if inp.tcplen > 0 {
            self.p(i).flags |= TF_ACK_NOW;
            self.tcp_output_idx(i);
        }
    }

    /// Port of `tcp_parseopt()` (tcp_in.c): [`crate::options::tcp_parseopt`]
    /// applied to the pcb.
    fn tcp_parseopt(&mut self, i: PcbOf<P>) {
        let inp = self.inp;
        let opts = self.inp_hdr.get(TCP_HLEN..inp.hdrlen).unwrap_or(&[]);
        if opts.is_empty() {
            return;
        }
        let p = *self.pcb_ref(i);
        let ctx = ParseoptCtx {
            flags: inp.flags,
            seqno: inp.seqno,
            tcplen: inp.tcplen,
            pcb_flags: p.flags,
            ts_lastacksent: p.ts_lastacksent.get(),
        };
        let r = tcp_parseopt(&P::CONFIG, &ctx, opts).effects;
        let q = self.p(i);
        if let Some(m) = r.mss {
            q.mss = m;
        }
        if let Some(s) = r.snd_scale {
            q.snd_scale = s;
        }
        if let Some(s) = r.rcv_scale {
            q.rcv_scale = s;
        }
        if let Some(w) = r.rcv_wnd {
            q.rcv_wnd = w;
            q.rcv_ann_wnd = w;
        }
        if let Some(t) = r.ts_recent {
            q.ts_recent.set(t);
        }
        q.flags = r.apply_flags(q.flags);
    }

    /// Port of `tcp_process()` (tcp_in.c). `ERR_ABRT`: the pcb is gone.
    fn tcp_process<A: TcpApp<H, P>>(&mut self, i: PcbOf<P>, app: &mut A) -> Err {
        let inp = self.inp;
        let flags = inp.flags;
        if flags & TCP_RST != 0 {
            let p = *self.pcb_ref(i);
            let mut acceptable = false;
            if p.state() == TcpState::SynSent {
                if inp.ackno == p.snd_nxt {
                    acceptable = true;
                }
            } else if inp.seqno == p.rcv_nxt {
                acceptable = true;
            } else if tcp_seq_between(inp.seqno, p.rcv_nxt, p.rcv_nxt.wrapping_add(p.rcv_wnd)) {
                self.p(i).flags |= TF_ACK_NOW;
            }
            if acceptable {
                self.inp.recv_flags |= TF_RESET;
                self.p(i).flags &= !TF_ACK_DELAY;
                return Err::Rst;
            }
            return Err::Ok;
        }
        let st = self.pcb_ref(i).state();
        if flags & TCP_SYN != 0 && st != TcpState::SynSent && st != TcpState::SynRcvd {
            self.p(i).flags |= TF_ACK_NOW;
            return Err::Ok;
        }
        if self.pcb_ref(i).flags & TF_RXCLOSED == 0 {
            let t = self.st.tcp_ticks();
            self.p(i).tmr = t;
        }
        self.p(i).keep_cnt_sent = 0;
        self.p(i).persist_probe = 0;
        self.tcp_parseopt(i);

        match st {
            TcpState::SynSent => {
                let p = *self.pcb_ref(i);
                if flags & TCP_ACK != 0
                    && flags & TCP_SYN != 0
                    && inp.ackno == p.lastack.wrapping_add(1)
                {
                    let mss = self.tcp_eff_send_mss(p.mss, &p.local_ip, &p.remote_ip);
                    {
                        let q = self.p(i);
                        q.rcv_nxt = inp.seqno.wrapping_add(1);
                        q.rcv_ann_right_edge = q.rcv_nxt;
                        q.lastack = inp.ackno;
                        q.snd_wnd = u32::from(inp.wnd);
                        q.snd_wnd_max = q.snd_wnd;
                        q.snd_wl1 = inp.seqno.wrapping_sub(1);
                        q.set_state(TcpState::Established);
                        q.mss = mss;
                        q.cwnd = lwip_tcp_calc_initial_cwnd(mss);
                        q.snd_queuelen = q.snd_queuelen.wrapping_sub(1);
                    }
                    let rseg = match self.pcb_ref(i).unacked {
                        Some(s) => {
                            let n = self.seg_ref(s).next;
                            self.p(i).unacked = n;
                            Some(s)
                        }
                        None => {
                            let s = self.pcb_ref(i).unsent;
                            if let Some(s) = s {
                                let n = self.seg_ref(s).next;
                                self.p(i).unsent = n;
                            }
                            s
                        }
                    };
                    if let Some(s) = rseg {
                        self.tcp_seg_free(s);
                    }
                    if self.pcb_ref(i).unacked.is_none() {
                        self.p(i).rtime = -1;
                    } else {
                        self.p(i).rtime = 0;
                        self.p(i).nrtx = 0;
                    }
                    let generation = self.conn_handle(i).generation();
                    let e = self.tcp_event_connected(app, i, Err::Ok);
                    if e == Err::Abrt || !self.conn_alive(i, generation) {
                        return Err::Abrt;
                    }
                    self.p(i).flags |= TF_ACK_NOW;
                } else if flags & TCP_ACK != 0 {
                    self.tcp_rst(
                        Some(i),
                        inp.ackno,
                        inp.seqno.wrapping_add(u32::from(inp.tcplen)),
                        &inp.dest_ip,
                        &inp.src_ip,
                        inp.dest_port,
                        inp.src_port,
                    );
                    if self.pcb_ref(i).nrtx < P::CONFIG.tcp_synmaxrtx {
                        self.p(i).rtime = 0;
                        self.tcp_rexmit_rto(i);
                    }
                }
            }
            TcpState::SynRcvd => {
                if flags & TCP_SYN != 0 {
                    if inp.seqno == self.pcb_ref(i).rcv_nxt.wrapping_sub(1) {
                        self.tcp_rexmit(i);
                    }
                } else if flags & TCP_ACK != 0 {
                    let p = *self.pcb_ref(i);
                    if tcp_seq_between(inp.ackno, p.lastack.wrapping_add(1), p.snd_nxt) {
                        self.p(i).set_state(TcpState::Established);
                        let generation = self.conn_handle(i).generation();
                        let err = match p.listener {
                            None => Err::Val,
                            Some(l) => {
                                if self.lpcb_ref(l).accept.kind() == AcceptFn::Null {
                                    self.lwip_assert_failed(&Assertion {
                                        msg: c"pcb->listener->accept != NULL",
                                        file: crate::stack::LwipFile::TcpIn,
                                        line: 952,
                                    });
                                    return Err::Abrt;
                                }
                                self.tcp_backlog_accepted(i);
                                self.tcp_event_accept(app, l, Some(i), Err::Ok)
                            }
                        };
                        if err != Err::Ok {
                            if err != Err::Abrt && self.conn_alive(i, generation) {
                                self.tcp_abandon(i, true, app);
                            }
                            return Err::Abrt;
                        }
                        if !self.conn_alive(i, generation) {
                            return Err::Abrt;
                        }
                        self.tcp_receive(i);
                        // lwIP then decrements a non-zero recv_acked ("Prevent
                        // ACK for SYN to generate a sent event"), but 2.2.1
                        // counts only data bytes in it (tcp_free_acked_segments
                        // adds `len`), and this ACK cannot acknowledge data: the
                        // SYN-ACK is all that was sent. It is always 0 here.
                        let mss = self.pcb_ref(i).mss;
                        self.p(i).cwnd = lwip_tcp_calc_initial_cwnd(mss);
                        if self.inp.recv_flags & TF_GOT_FIN != 0 {
                            self.p(i).flags |= TF_ACK_NOW;
                            self.p(i).set_state(TcpState::CloseWait);
                        }
                    } else {
                        self.tcp_rst(
                            Some(i),
                            inp.ackno,
                            inp.seqno.wrapping_add(u32::from(inp.tcplen)),
                            &inp.dest_ip,
                            &inp.src_ip,
                            inp.dest_port,
                            inp.src_port,
                        );
                    }
                }
            }
            TcpState::CloseWait | TcpState::Established => {
                self.tcp_receive(i);
                if self.inp.recv_flags & TF_GOT_FIN != 0 {
                    self.p(i).flags |= TF_ACK_NOW;
                    self.p(i).set_state(TcpState::CloseWait);
                }
            }
            TcpState::FinWait1 => {
                self.tcp_receive(i);
                let p = *self.pcb_ref(i);
                let acked_all =
                    flags & TCP_ACK != 0 && inp.ackno == p.snd_nxt && p.unsent.is_none();
                if self.inp.recv_flags & TF_GOT_FIN != 0 {
                    self.p(i).flags |= TF_ACK_NOW;
                    if acked_all {
                        self.enter_time_wait(i);
                    } else {
                        self.p(i).set_state(TcpState::Closing);
                    }
                } else if acked_all {
                    self.p(i).set_state(TcpState::FinWait2);
                }
            }
            TcpState::FinWait2 => {
                self.tcp_receive(i);
                if self.inp.recv_flags & TF_GOT_FIN != 0 {
                    self.p(i).flags |= TF_ACK_NOW;
                    self.enter_time_wait(i);
                }
            }
            TcpState::Closing => {
                self.tcp_receive(i);
                let p = *self.pcb_ref(i);
                if flags & TCP_ACK != 0 && inp.ackno == p.snd_nxt && p.unsent.is_none() {
                    self.enter_time_wait(i);
                }
            }
            TcpState::LastAck => {
                self.tcp_receive(i);
                let p = *self.pcb_ref(i);
                if flags & TCP_ACK != 0 && inp.ackno == p.snd_nxt && p.unsent.is_none() {
                    self.inp.recv_flags |= TF_CLOSED;
                }
            }
            _ => {}
        }
        Err::Ok
    }

    /// `tcp_pcb_purge; TCP_RMV_ACTIVE; state = TIME_WAIT; TCP_REG(tw)`.
    fn enter_time_wait(&mut self, i: PcbOf<P>) {
        self.tcp_pcb_purge(i);
        self.tcp_rmv(List::Active, i);
        self.p(i).set_state(TcpState::TimeWait);
        self.tcp_reg(List::TimeWait, i);
    }

    /// Port of `tcp_free_acked_segments()` (tcp_in.c).
    fn tcp_free_acked_segments(
        &mut self,
        i: PcbOf<P>,
        mut list: Option<SegOf<P>>,
    ) -> Option<SegOf<P>> {
        let ackno = self.inp.ackno;
        while let Some(s) = list {
            let end = self.seg_seqno(s).wrapping_add(self.seg_tcplen(s));
            if !tcp_seq_leq(end, ackno) {
                break;
            }
            let sg = self.seg_ref(s);
            let (next, p, len) = (sg.next, sg.p, sg.len);
            let clen = p.map_or(0, |p| self.pbufs.pbuf_clen(p));
            list = next;
            let q = self.p(i);
            q.snd_queuelen = q.snd_queuelen.wrapping_sub(clen);
            self.inp.recv_acked = self.inp.recv_acked.wrapping_add(u32::from(len));
            self.tcp_seg_free(s);
        }
        list
    }

    /// `TCP_TCPLEN(seg)`.
    pub(crate) fn tcp_tcplen(len: u16, hdr_flags: u8) -> u32 {
        u32::from(len) + u32::from(hdr_flags & (TCP_FIN | TCP_SYN) != 0)
    }

    /// Port of `tcp_receive()` (tcp_in.c). The `TCP_QUEUE_OOSEQ` parts are
    /// split out: [`Tcp::tcp_receive_trim_to_ooseq`],
    /// [`Tcp::tcp_receive_dequeue_ooseq`], [`Tcp::tcp_receive_queue_ooseq`].
    fn tcp_receive(&mut self, i: PcbOf<P>) {
        let inp = self.inp;
        let (seqno, ackno, flags) = (inp.seqno, inp.ackno, inp.flags);
        let wnd_max = P::CONFIG.tcpwnd_size_max();
        if flags & TCP_ACK != 0 {
            let p = *self.pcb_ref(i);
            let right_wnd_edge = p.snd_wnd.wrapping_add(p.snd_wl2);
            let swnd = u32::from(inp.wnd) << p.snd_scale;
            if tcp_seq_lt(p.snd_wl1, seqno)
                || (p.snd_wl1 == seqno && tcp_seq_lt(p.snd_wl2, ackno))
                || (p.snd_wl2 == ackno && swnd > p.snd_wnd)
            {
                let q = self.p(i);
                q.snd_wnd = swnd;
                q.snd_wnd_max = q.snd_wnd_max.max(q.snd_wnd);
                q.snd_wl1 = seqno;
                q.snd_wl2 = ackno;
            }
            let p = *self.pcb_ref(i);
            if tcp_seq_leq(ackno, p.lastack) {
                if inp.tcplen == 0
                    && p.snd_wl2.wrapping_add(p.snd_wnd) == right_wnd_edge
                    && p.rtime >= 0
                    && p.lastack == ackno
                {
                    let q = self.p(i);
                    q.dupacks = q.dupacks.saturating_add(1);
                    if q.dupacks > 3 {
                        q.cwnd = tcp_wnd_inc(q.cwnd, u32::from(q.mss), wnd_max);
                    }
                    if q.dupacks >= 3 {
                        self.tcp_rexmit_fast(i);
                    }
                }
            } else if tcp_seq_between(ackno, p.lastack.wrapping_add(1), p.snd_nxt) {
                {
                    let q = self.p(i);
                    if q.flags & TF_INFR != 0 {
                        q.flags &= !TF_INFR;
                        q.cwnd = q.ssthresh;
                        q.bytes_acked = 0;
                    }
                    q.nrtx = 0;
                    q.rto = (q.sa >> 3).wrapping_add(q.sv);
                    // `acked = (tcpwnd_size_t)(ackno - pcb->lastack)`.
                    let acked = ackno.wrapping_sub(q.lastack) & wnd_max;
                    q.dupacks = 0;
                    q.lastack = ackno;
                    if q.state() >= TcpState::Established {
                        if q.cwnd < q.ssthresh {
                            let num_seg: u32 = if q.flags & TF_RTO != 0 { 1 } else { 2 };
                            let increase = acked.min((num_seg * u32::from(q.mss)) & wnd_max);
                            q.cwnd = tcp_wnd_inc(q.cwnd, increase, wnd_max);
                        } else {
                            q.bytes_acked = tcp_wnd_inc(q.bytes_acked, acked, wnd_max);
                            if q.bytes_acked >= q.cwnd {
                                q.bytes_acked -= q.cwnd;
                                q.cwnd = tcp_wnd_inc(q.cwnd, u32::from(q.mss), wnd_max);
                            }
                        }
                    }
                }
                let unacked = self.pcb_ref(i).unacked;
                let u = self.tcp_free_acked_segments(i, unacked);
                self.p(i).unacked = u;
                let unsent = self.pcb_ref(i).unsent;
                let u = self.tcp_free_acked_segments(i, unsent);
                self.p(i).unsent = u;
                let recv_acked = self.inp.recv_acked;
                let q = *self.pcb_ref(i);
                let rto_end = q.rto_end;
                let unsent_seq = q.unsent.map(|s| self.seg_seqno(s));
                let unacked_seq = q.unacked.map(|s| self.seg_seqno(s));
                let q = self.p(i);
                q.rtime = if q.unacked.is_none() { -1 } else { 0 };
                q.polltmr = 0;
                if q.unsent.is_none() {
                    q.unsent_oversize = 0;
                }
                q.snd_buf = q.snd_buf.wrapping_add(recv_acked);
                if q.flags & TF_RTO != 0 {
                    match unacked_seq {
                        None => {
                            if unsent_seq.is_none_or(|s| tcp_seq_leq(rto_end, s)) {
                                q.flags &= !TF_RTO;
                            }
                        }
                        Some(s) => {
                            if tcp_seq_leq(rto_end, s) {
                                q.flags &= !TF_RTO;
                            }
                        }
                    }
                }
            } else {
                self.tcp_send_empty_ack(i);
            }
            let q = self.p(i);
            if q.rttest != 0 && tcp_seq_lt(q.rtseq, ackno) {
                let ticks = self.st.tcp_ticks();
                let q = self.p(i);
                let mut m = ticks.wrapping_sub(q.rttest) as i16;
                m = m.wrapping_sub(q.sa >> 3);
                q.sa = q.sa.wrapping_add(m);
                m = m.wrapping_abs();
                m = m.wrapping_sub(q.sv >> 2);
                q.sv = q.sv.wrapping_add(m);
                q.rto = (q.sa >> 3).wrapping_add(q.sv);
                q.rttest = 0;
            }
        }

        let inp = self.inp;
        let mut seqno = inp.seqno;
        let state = self.pcb_ref(i).state();
        if inp.tcplen > 0 && state < TcpState::CloseWait {
            let p = *self.pcb_ref(i);
            let tcplen = u32::from(inp.tcplen);
            if tcp_seq_between(
                p.rcv_nxt,
                seqno.wrapping_add(1),
                seqno.wrapping_add(tcplen).wrapping_sub(1),
            ) {
                // Trim the first edge: off is below tcplen, within the
                // chain (lwIP asserts "insane offset!", "pbuf too short!").
                let mut off = p.rcv_nxt.wrapping_sub(seqno) as u16;
                self.inp.inseg_len = self.inp.inseg_len.wrapping_sub(off);
                if let Some(head) = self.inp.inseg_p {
                    let new_tot_len = self.pbufs.tot_len(head).wrapping_sub(off);
                    let mut q = head;
                    while self.pbufs.len(q) < off {
                        off -= self.pbufs.len(q);
                        // All pbufs up to here have len 0, so tot_len is
                        // the same for each.
                        self.pbufs.set_tot_len(q, new_tot_len);
                        self.pbufs.set_len(q, 0);
                        match self.pbufs.next(q) {
                            Some(n) => q = n,
                            None => break,
                        }
                    }
                    self.pbufs.pbuf_remove_header(q, off);
                }
                seqno = p.rcv_nxt;
                self.inp.seqno = seqno;
            } else if tcp_seq_lt(seqno, p.rcv_nxt) {
                self.p(i).flags |= TF_ACK_NOW;
            }
            let p = *self.pcb_ref(i);
            if tcp_seq_between(
                seqno,
                p.rcv_nxt,
                p.rcv_nxt.wrapping_add(p.rcv_wnd).wrapping_sub(1),
            ) {
                if p.rcv_nxt == seqno {
                    let mut tcplen = Self::tcp_tcplen(self.inp.inseg_len, self.inp.inseg_flags);
                    if tcplen > p.rcv_wnd {
                        self.inp.inseg_flags &= !TCP_FIN;
                        let mut l = p.rcv_wnd.min(0xffff) as u16;
                        if self.inp.inseg_flags & TCP_SYN != 0 {
                            l = l.wrapping_sub(1);
                        }
                        self.inp.inseg_len = l;
                        self.inseg_realloc();
                        tcplen = Self::tcp_tcplen(self.inp.inseg_len, self.inp.inseg_flags);
                    }
                    if P::CONFIG.tcp_queue_ooseq && self.pcb_ref(i).ooseq.is_some() {
                        tcplen = self.tcp_receive_trim_to_ooseq(i, seqno, tcplen);
                    }
                    let q = self.p(i);
                    q.rcv_nxt = seqno.wrapping_add(tcplen);
                    q.rcv_wnd = q.rcv_wnd.wrapping_sub(tcplen);
                    self.inp.tcplen = tcplen as u16;
                    self.tcp_update_rcv_ann_wnd(i);
                    if let Some(ip) = self.inp.inseg_p
                        && self.pbufs.tot_len(ip) > 0
                    {
                        // The application's now: not freed at the end of
                        // tcp_input.
                        self.inp.recv_data = Some(ip);
                        self.inp.inseg_p = None;
                    }
                    if self.inp.inseg_flags & TCP_FIN != 0 {
                        self.inp.recv_flags |= TF_GOT_FIN;
                    }
                    if P::CONFIG.tcp_queue_ooseq {
                        self.tcp_receive_dequeue_ooseq(i);
                    }
                    // tcp_ack(pcb)
                    let q = self.p(i);
                    if q.flags & TF_ACK_DELAY != 0 {
                        q.flags &= !TF_ACK_DELAY;
                        q.flags |= TF_ACK_NOW;
                    } else {
                        q.flags |= TF_ACK_DELAY;
                    }
                    if P::CONFIG.lwip_tcp_sack_out
                        && self
                            .pcb_ref(i)
                            .rcv_sacks
                            .ranges()
                            .first()
                            .is_some_and(|s| s.is_valid())
                    {
                        self.tcp_send_empty_ack(i);
                    }
                } else {
                    // Out of sequence.
                    if P::CONFIG.tcp_queue_ooseq {
                        self.tcp_receive_queue_ooseq(i);
                        // #if defined(TCP_OOSEQ_BYTES_LIMIT) ||
                        // defined(TCP_OOSEQ_PBUFS_LIMIT): each limit is
                        // checked inside (neither set: nothing is cut).
                        self.tcp_receive_limit_ooseq(i);
                    }
                    self.tcp_send_empty_ack(i);
                }
            } else {
                self.tcp_send_empty_ack(i);
            }
        } else {
            let p = *self.pcb_ref(i);
            if !tcp_seq_between(
                seqno,
                p.rcv_nxt,
                p.rcv_nxt.wrapping_add(p.rcv_wnd).wrapping_sub(1),
            ) {
                self.p(i).flags |= TF_ACK_NOW;
            }
        }
    }

    // -- TCP_QUEUE_OOSEQ ---------------------------------------------------------

    /// Part of `tcp_receive()` (tcp_in.c): in-sequence data arrived while
    /// the ooseq queue holds segments. An in-order FIN bins the queue;
    /// otherwise segments the new one covers are freed (their FIN moves to
    /// it) and it is trimmed to the first one left. Returns the new
    /// `tcplen`.
    fn tcp_receive_trim_to_ooseq(&mut self, i: PcbOf<P>, seqno: u32, mut tcplen: u32) -> u32 {
        if self.inp.inseg_flags & TCP_FIN != 0 {
            // "received in-order FIN, binning ooseq queue"
            let o = self.pcb_ref(i).ooseq;
            self.tcp_segs_free(o);
            self.p(i).ooseq = None;
            return tcplen;
        }
        let mut next = self.pcb_ref(i).ooseq;
        while let Some(n) = next {
            let (nseq, nflags) = (self.in_seg_seqno(n), self.seg_hdr_flags(n));
            let (nlen, nnext) = {
                let g = self.seg_ref(n);
                (g.len, g.next)
            };
            if !tcp_seq_geq(
                seqno.wrapping_add(tcplen),
                nseq.wrapping_add(u32::from(nlen)),
            ) {
                break;
            }
            if nflags & TCP_FIN != 0 && self.inp.inseg_flags & TCP_SYN == 0 {
                self.inp.inseg_flags |= TCP_FIN;
                tcplen = Self::tcp_tcplen(self.inp.inseg_len, self.inp.inseg_flags);
            }
            self.tcp_seg_free(n);
            next = nnext;
        }
        if let Some(n) = next {
            let nseq = self.in_seg_seqno(n);
            if tcp_seq_gt(seqno.wrapping_add(tcplen), nseq) {
                let mut l = nseq.wrapping_sub(seqno) as u16;
                if self.inp.inseg_flags & TCP_SYN != 0 {
                    l = l.wrapping_sub(1);
                }
                self.inp.inseg_len = l;
                self.inseg_realloc();
                tcplen = Self::tcp_tcplen(self.inp.inseg_len, self.inp.inseg_flags);
            }
        }
        self.p(i).ooseq = next;
        tcplen
    }

    /// Part of `tcp_receive()` (tcp_in.c): ooseq segments that are now in
    /// sequence are taken off the queue, their data chained to
    /// `recv_data` (a dequeued FIN moves ESTABLISHED to CLOSE_WAIT), and
    /// the SACK blocks below the queue's new start are dropped.
    fn tcp_receive_dequeue_ooseq(&mut self, i: PcbOf<P>) {
        while let Some(c) = self.pcb_ref(i).ooseq {
            let (cseq, cflags) = (self.in_seg_seqno(c), self.seg_hdr_flags(c));
            let (clen, cnext, cp) = {
                let g = self.seg_ref(c);
                (g.len, g.next, g.p)
            };
            if cseq != self.pcb_ref(i).rcv_nxt {
                break;
            }
            self.inp.seqno = cseq;
            let tl = Self::tcp_tcplen(clen, cflags);
            let q = self.p(i);
            q.rcv_nxt = q.rcv_nxt.wrapping_add(tl);
            if q.rcv_wnd < tl {
                // A queued segment longer than the window left: reached
                // when the window shrank below what was queued earlier
                // (small TCP_WND: the "minimal" profile).
                self.lwip_assert_failed(&Assertion {
                    msg: c"tcp_receive: ooseq tcplen > rcv_wnd",
                    file: crate::stack::LwipFile::TcpIn,
                    line: 1585,
                });
                return;
            }
            let q = self.p(i);
            q.rcv_wnd -= tl;
            self.tcp_update_rcv_ann_wnd(i);
            if let Some(cp) = cp
                && self.pbufs.tot_len(cp) > 0
            {
                // Chain it onto the pbuf that goes to the application.
                match self.inp.recv_data {
                    Some(rd) => self.pbufs.pbuf_cat(rd, cp),
                    None => self.inp.recv_data = Some(cp),
                }
                self.sg(c).p = None;
            }
            if cflags & TCP_FIN != 0 {
                self.inp.recv_flags |= TF_GOT_FIN;
                if self.pcb_ref(i).state() == TcpState::Established {
                    self.p(i).set_state(TcpState::CloseWait);
                }
            }
            self.p(i).ooseq = cnext;
            self.tcp_seg_free(c);
        }
        if P::CONFIG.lwip_tcp_sack_out && self.pcb_ref(i).flags & TF_SACK != 0 {
            match self.pcb_ref(i).ooseq {
                Some(o) => {
                    let seq = self.in_seg_seqno(o);
                    self.tcp_remove_sacks_lt(i, seq);
                }
                None => {
                    if self
                        .pcb_ref(i)
                        .rcv_sacks
                        .ranges()
                        .first()
                        .is_some_and(|s| s.is_valid())
                    {
                        self.p(i).rcv_sacks = NullValue::NULL;
                    }
                }
            }
        }
    }

    /// Part of `tcp_receive()` (tcp_in.c): an out-of-sequence segment in
    /// the window is queued on `pcb->ooseq` (kept in sequence order,
    /// overlaps trimmed, the longer of two equal starts kept) and the SACK
    /// blocks updated. The caller then sends the empty ACK.
    fn tcp_receive_queue_ooseq(&mut self, i: PcbOf<P>) {
        let seqno = self.inp.seqno;
        let sack = P::CONFIG.lwip_tcp_sack_out && self.pcb_ref(i).flags & TF_SACK != 0;
        let Some(first) = self.pcb_ref(i).ooseq else {
            let c = self.tcp_seg_copy();
            self.p(i).ooseq = c;
            if sack {
                // All the SACKs are invalid: store the most recent one.
                let right = seqno.wrapping_add(u32::from(self.inp.inseg_len));
                if let Some(d) = self.p(i).rcv_sacks.ranges_mut().first_mut() {
                    *d = TcpSackRange { left: seqno, right };
                }
            }
            return;
        };
        let inseg_len = self.inp.inseg_len;
        let first_seq = self.in_seg_seqno(first);
        let mut sackbeg = if tcp_seq_lt(seqno, first_seq) {
            seqno
        } else {
            first_seq
        };
        let mut prev = None;
        let mut next = Some(first);
        while let Some(n) = next {
            let (nseq, nflags) = (self.in_seg_seqno(n), self.seg_hdr_flags(n));
            let (nlen, nnext) = {
                let g = self.seg_ref(n);
                (g.len, g.next)
            };
            if seqno == nseq {
                // Same start: keep the longer one.
                if inseg_len > nlen {
                    if nnext.is_none() {
                        // The last one was trimmed to the window: keep it.
                        break;
                    }
                    if let Some(c) = self.tcp_seg_copy() {
                        match prev {
                            Some(pv) => self.sg(pv).next = Some(c),
                            None => self.p(i).ooseq = Some(c),
                        }
                        self.tcp_oos_insert_segment(c, Some(n));
                    }
                }
                break;
            }
            match prev {
                None => {
                    if tcp_seq_lt(seqno, nseq) {
                        // Before the first one.
                        if let Some(c) = self.tcp_seg_copy() {
                            self.p(i).ooseq = Some(c);
                            self.tcp_oos_insert_segment(c, Some(n));
                        }
                        break;
                    }
                }
                Some(pv) => {
                    let (pseq, plen) = (self.in_seg_seqno(pv), self.seg_ref(pv).len);
                    if tcp_seq_between(seqno, pseq.wrapping_add(1), nseq.wrapping_sub(1)) {
                        // Between prev and next: trim prev, insert.
                        if let Some(c) = self.tcp_seg_copy() {
                            if tcp_seq_gt(pseq.wrapping_add(u32::from(plen)), seqno) {
                                self.seg_trim(pv, seqno.wrapping_sub(pseq) as u16);
                            }
                            self.sg(pv).next = Some(c);
                            self.tcp_oos_insert_segment(c, Some(n));
                        }
                        break;
                    }
                }
            }
            // A hole between prev and next moves sackbeg.
            if let Some(pv) = prev {
                let pend = self
                    .in_seg_seqno(pv)
                    .wrapping_add(u32::from(self.seg_ref(pv).len));
                if pend != nseq {
                    sackbeg = nseq;
                }
            }
            prev = Some(n);
            if nnext.is_none() && tcp_seq_gt(seqno, nseq) {
                // After the last one.
                if nflags & TCP_FIN != 0 {
                    // It already holds all the data.
                    break;
                }
                let c = self.tcp_seg_copy();
                self.sg(n).next = c;
                if let Some(c) = c {
                    if tcp_seq_gt(nseq.wrapping_add(u32::from(nlen)), seqno) {
                        self.seg_trim(n, seqno.wrapping_sub(nseq) as u16);
                    }
                    let p = *self.pcb_ref(i);
                    let right_edge = p.rcv_nxt.wrapping_add(p.rcv_wnd);
                    if tcp_seq_gt(u32::from(self.inp.tcplen).wrapping_add(seqno), right_edge) {
                        // The peer overran the receive window.
                        let f = self.seg_hdr_flags(c) & !TCP_FIN;
                        self.seg_set_hdr_flags(c, f);
                        self.seg_trim(c, right_edge.wrapping_sub(seqno) as u16);
                        self.inp.tcplen = self.seg_tcplen(c) as u16;
                    }
                }
                break;
            }
            next = nnext;
        }
        if sack {
            let mut next = match prev {
                None => self.pcb_ref(i).ooseq,
                Some(pv) => match self.seg_ref(pv).next {
                    Some(nx) => {
                        let pend = self
                            .in_seg_seqno(pv)
                            .wrapping_add(u32::from(self.seg_ref(pv).len));
                        if pend != self.in_seg_seqno(nx) {
                            sackbeg = self.in_seg_seqno(nx);
                        }
                        Some(nx)
                    }
                    None => None,
                },
            };
            if let Some(nx) = next {
                let mut sackend = self.in_seg_seqno(nx);
                while let Some(nx) = next {
                    if sackend != self.in_seg_seqno(nx) {
                        break;
                    }
                    let g = self.seg_ref(nx);
                    sackend = sackend.wrapping_add(u32::from(g.len));
                    next = g.next;
                }
                self.tcp_add_sack(i, sackbeg, sackend);
            }
        }
    }

    /// Port of `tcp_seg_copy()` (tcp.c) applied to `inseg`: a new
    /// `MEMP_TCP_SEG` with inseg's length, flags and sequence number and a
    /// reference to its pbuf chain (`pbuf_ref`). None when the pool is
    /// empty.
    fn tcp_seg_copy(&mut self) -> Option<SegOf<P>> {
        let inp = self.inp;
        let c = self.memp_alloc_seg()?;
        let g = self.sg(c);
        g.len = inp.inseg_len;
        g.tcphdr = inp.tcphdr;
        g.p = inp.inseg_p;
        // What lwIP's inseg.tcphdr holds by now (tcp_receive writes its
        // trimming of seqno and FIN back into the header).
        self.seg_set_hdr_flags(c, inp.inseg_flags);
        self.in_seg_set_seqno(c, inp.seqno);
        if let Some(p) = inp.inseg_p {
            self.pbufs.pbuf_ref(p);
        }
        Some(c)
    }

    /// `seg->len = len; pbuf_realloc(seg->p, seg->len)` (tcp_in.c's
    /// trimming of a queued out-of-sequence segment).
    fn seg_trim(&mut self, s: SegOf<P>, len: u16) {
        self.sg(s).len = len;
        if let Some(p) = self.seg_ref(s).p {
            self.pbuf_realloc(p, len);
        }
    }

    /// `pbuf_realloc(inseg.p, inseg.len)`.
    fn inseg_realloc(&mut self) {
        if let Some(p) = self.inp.inseg_p {
            self.pbuf_realloc(p, self.inp.inseg_len);
        }
    }

    /// Port of `tcp_oos_insert_segment()` (tcp_in.c): links `cseg` before
    /// `next`, freeing the segments it covers (a FIN of theirs moves to
    /// it) or, when it has a FIN, everything after it; trims it to the
    /// first segment left.
    fn tcp_oos_insert_segment(&mut self, cseg: SegOf<P>, mut next: Option<SegOf<P>>) {
        let seqno = self.inp.seqno;
        if self.seg_hdr_flags(cseg) & TCP_FIN != 0 {
            self.tcp_segs_free(next);
            next = None;
        } else {
            while let Some(n) = next {
                let clen = u32::from(self.seg_ref(cseg).len);
                let (nseq, nflags) = (self.in_seg_seqno(n), self.seg_hdr_flags(n));
                let (nlen, nnext) = {
                    let g = self.seg_ref(n);
                    (g.len, g.next)
                };
                if !tcp_seq_geq(seqno.wrapping_add(clen), nseq.wrapping_add(u32::from(nlen))) {
                    break;
                }
                if nflags & TCP_FIN != 0 {
                    let f = self.seg_hdr_flags(cseg) | TCP_FIN;
                    self.seg_set_hdr_flags(cseg, f);
                }
                self.tcp_seg_free(n);
                next = nnext;
            }
            if let Some(n) = next {
                let nseq = self.in_seg_seqno(n);
                let clen = u32::from(self.seg_ref(cseg).len);
                if tcp_seq_gt(seqno.wrapping_add(clen), nseq) {
                    self.seg_trim(cseg, nseq.wrapping_sub(seqno) as u16);
                }
            }
        }
        self.sg(cseg).next = next;
    }

    /// Port of `tcp_add_sack()` (tcp_in.c): the new block goes first, the
    /// blocks it overlaps are dropped, the others keep their order.
    fn tcp_add_sack(&mut self, i: PcbOf<P>, left: u32, right: u32) {
        // LWIP_TCP_MAX_SACK_NUM entries (the array may be larger).
        let max = usize::from(P::CONFIG.lwip_tcp_max_sack_num);
        let p = self.p(i);
        if p.flags & TF_SACK == 0 || !tcp_seq_lt(left, right) {
            return;
        }
        let n = p.rcv_sacks.ranges().len().min(max);
        let mut unused = 0usize;
        for k in 0..n {
            let Some(s) = p.rcv_sacks.ranges().get(k).copied() else {
                break;
            };
            if !s.is_valid() {
                break;
            }
            if tcp_seq_leq(s.right, left) || tcp_seq_leq(right, s.left) {
                if let Some(d) = p.rcv_sacks.ranges_mut().get_mut(unused) {
                    *d = s;
                }
                unused += 1;
            }
        }
        for k in (1..n).rev() {
            let v = if k > unused {
                TcpSackRange { left: 0, right: 0 }
            } else {
                p.rcv_sacks
                    .ranges()
                    .get(k - 1)
                    .copied()
                    .unwrap_or(TcpSackRange { left: 0, right: 0 })
            };
            if let Some(d) = p.rcv_sacks.ranges_mut().get_mut(k) {
                *d = v;
            }
        }
        if let Some(d) = p.rcv_sacks.ranges_mut().get_mut(0) {
            *d = TcpSackRange { left, right };
        }
    }

    /// tcp_receive's check that the ooseq queue stays within
    /// `TCP_OOSEQ_BYTES_LIMIT(pcb)` bytes (pbufs' `tot_len`) and
    /// `TCP_OOSEQ_PBUFS_LIMIT(pcb)` pbufs (`pbuf_clen`), each when set
    /// (`TCP_OOSEQ_MAX_BYTES`, `TCP_OOSEQ_MAX_PBUFS`): the first segment
    /// that goes over a limit and every one after it are freed, their SACK
    /// blocks with them.
    fn tcp_receive_limit_ooseq(&mut self, i: PcbOf<P>) {
        let (max_bytes, max_pbufs) = (P::CONFIG.tcp_ooseq_max_bytes, P::CONFIG.tcp_ooseq_max_pbufs);
        let (mut blen, mut qlen) = (0u32, 0u16);
        let mut prev: Option<SegOf<P>> = None;
        let mut next = self.pcb_ref(i).ooseq;
        while let Some(n) = next {
            let (p, after) = {
                let g = self.seg_ref(n);
                (g.p, g.next)
            };
            let mut stop_here = false;
            if let Some(p) = p {
                if max_bytes != 0 {
                    blen = blen.wrapping_add(u32::from(self.pbufs.tot_len(p)));
                    stop_here |= blen > max_bytes;
                }
                if max_pbufs != 0 {
                    qlen = qlen.wrapping_add(self.pbufs.pbuf_clen(p));
                    stop_here |= qlen > max_pbufs;
                }
            }
            if stop_here {
                if P::CONFIG.lwip_tcp_sack_out && self.pcb_ref(i).flags & TF_SACK != 0 {
                    // Let's remove all SACKs from next's seqno up.
                    let seq = self.in_seg_seqno(n);
                    self.tcp_remove_sacks_gt(i, seq);
                }
                // Too much ooseq data: dump this and everything after it.
                self.tcp_segs_free(Some(n));
                match prev {
                    None => self.p(i).ooseq = None,
                    Some(pv) => self.sg(pv).next = None,
                }
                break;
            }
            prev = Some(n);
            next = after;
        }
    }

    /// Port of `tcp_remove_sacks_gt()` (tcp_in.c): blocks that start at or
    /// after `seq` go, a block straddling it ends at it; the rest move up.
    fn tcp_remove_sacks_gt(&mut self, i: PcbOf<P>, seq: u32) {
        self.tcp_retain_sacks(i, |s| {
            tcp_seq_lt(s.left, seq).then(|| TcpSackRange {
                left: s.left,
                right: if tcp_seq_gt(s.right, seq) {
                    seq
                } else {
                    s.right
                },
            })
        });
    }

    /// Port of `tcp_remove_sacks_lt()` (tcp_in.c): blocks wholly below
    /// `seq` go, a block straddling it starts at it; the rest move up.
    fn tcp_remove_sacks_lt(&mut self, i: PcbOf<P>, seq: u32) {
        self.tcp_retain_sacks(i, |s| {
            tcp_seq_gt(s.right, seq).then(|| TcpSackRange {
                left: if tcp_seq_lt(s.left, seq) { seq } else { s.left },
                right: s.right,
            })
        });
    }

    /// The loop both `tcp_remove_sacks_*` share: each valid block, in
    /// order up to the first invalid one (of at most
    /// `LWIP_TCP_MAX_SACK_NUM`), is kept as `keep` returns it (moved up
    /// over those dropped) or dropped (None); the entries after the kept
    /// ones are invalidated.
    fn tcp_retain_sacks(
        &mut self,
        i: PcbOf<P>,
        keep: impl Fn(TcpSackRange) -> Option<TcpSackRange>,
    ) {
        let max = usize::from(P::CONFIG.lwip_tcp_max_sack_num);
        let p = self.p(i);
        let n = p.rcv_sacks.ranges().len().min(max);
        let mut unused = 0usize;
        for k in 0..n {
            let Some(s) = p.rcv_sacks.ranges().get(k).copied() else {
                break;
            };
            if !s.is_valid() {
                break;
            }
            if let Some(kept) = keep(s) {
                if let Some(d) = p.rcv_sacks.ranges_mut().get_mut(unused) {
                    *d = kept;
                }
                unused += 1;
            }
        }
        for k in unused..n {
            if let Some(d) = p.rcv_sacks.ranges_mut().get_mut(k) {
                *d = TcpSackRange { left: 0, right: 0 };
            }
        }
    }

    /// Port of `tcp_free_ooseq()` (tcp.c): frees the queue and forgets
    /// the SACK blocks.
    pub(crate) fn tcp_free_ooseq(&mut self, i: PcbOf<P>) {
        if let Some(o) = self.pcb_ref(i).ooseq {
            self.tcp_segs_free(Some(o));
            let p = self.p(i);
            p.ooseq = None;
            if P::CONFIG.lwip_tcp_sack_out {
                self.p(i).rcv_sacks = NullValue::NULL;
            }
        }
    }
}

/// Port of `TCP_WND_INC` (tcp.h): an add saturating at `max`, the largest
/// `tcpwnd_size_t` ([`crate::Config::tcpwnd_size_max`]: 0xffff without
/// `LWIP_WND_SCALE`), the sum taken modulo its width as lwIP's cast does.
fn tcp_wnd_inc(wnd: u32, inc: u32, max: u32) -> u32 {
    let s = wnd.wrapping_add(inc) & max;
    if s >= wnd { s } else { max }
}
