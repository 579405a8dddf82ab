//! Port of lwIP's tcp.c: pcb allocation, bind/listen/connect/close/abort,
//! the timers, and pcb-list housekeeping.

use crate::config::Profile;
use crate::err::Err;
use crate::ip6::IP6_HLEN;
use crate::pbuf::{PBUF_FLAG_TCP_FIN, PbufStore};
use crate::seq::{tcp_seq_geq, tcp_seq_gt};
use crate::stack::{
    AcceptFn, AcceptFnOf, ApiError, ArgOf, Assertion, ConnectedFnOf, ErrFnOf, Handle, Hooks,
    IpAddrOf, List, LpcbOf, NETIF_INDEX, NETIF_NO_INDEX, PcbOf, PollFnOf, RecvFnOf, SOF_KEEPALIVE,
    SegOf, SentFnOf, TCP_PRIO_MAX, TCP_PRIO_NORMAL, Tcp, TcpApp, TcpPcb,
};
use crate::state::{
    TF_ACK_DELAY, TF_ACK_NOW, TF_BACKLOGPEND, TF_CLOSEPEND, TF_NAGLEMEMERR, TF_NODELAY,
    TF_RXCLOSED, TF_WND_SCALE, TcpState,
};
use crate::storage::{AcceptRepr, IpAddrRepr, NetifOf, OptField, app_or_null};
use crate::storage::{Mib2Tcp, Storage};
use crate::wire::{IP_HLEN, TCP_HLEN};

/// `IP6_MIN_MTU_LENGTH` (ip6.h): nd6_get_destination_mtu without a netif.
const IP6_MIN_MTU_LENGTH: u16 = 1280;

/// tcp.c's `tcp_backoff[]`.
const TCP_BACKOFF: [u8; 13] = [1, 2, 3, 4, 5, 6, 7, 7, 7, 7, 7, 7, 7];
/// tcp.c's `tcp_persist_backoff[]`.
const TCP_PERSIST_BACKOFF: [u8; 7] = [3, 6, 12, 24, 48, 96, 120];

impl<H: Hooks, P: Profile> Tcp<H, P> {
    /// lwIP's `INITIAL_MSS` (tcp.c): `TCP_MSS` limited to 536.
    pub(crate) fn initial_mss(&self) -> u16 {
        P::CONFIG.tcp_mss.min(536)
    }

    /// `TCP_WND_MAX(pcb)` (tcp.h).
    pub(crate) fn tcp_wnd_max(&self, i: PcbOf<P>) -> u32 {
        P::CONFIG.tcp_wnd_max(self.pcb_ref(i).flags & TF_WND_SCALE != 0)
    }

    /// `TCPWND_MIN16(TCP_WND)`.
    pub(crate) fn tcpwnd_min16_tcp_wnd(&self) -> u32 {
        if P::CONFIG.lwip_wnd_scale {
            P::CONFIG.tcp_wnd.min(0xffff)
        } else {
            P::CONFIG.tcp_wnd
        }
    }

    /// Port of `tcp_free()` (tcp.c): the pcb goes back to its pool. lwIP
    /// does not free `refused_data` here; `tcp_pcb_purge` does, but skips
    /// TIME_WAIT pcbs, so a pcb that reaches TIME_WAIT with refused data
    /// (a refused FIN-carrying segment in FIN_WAIT_2) leaks those pool
    /// pbufs for good; so does the port
    /// (corpus/findings/lwip-leak-refused-data-in-time-wait.pkt).
    pub(crate) fn tcp_free(&mut self, i: PcbOf<P>) {
        self.p(i).refused_data = None;
        self.memp_free_pcb(i);
    }

    /// `pbuf_free(pcb->refused_data); pcb->refused_data = NULL`.
    pub(crate) fn release_refused(&mut self, i: PcbOf<P>) {
        if let Some(r) = self.p(i).refused_data.take() {
            self.pbuf_free(r);
        }
    }

    /// Port of `tcp_remove_listener()` + `tcp_listen_closed()` (tcp.c).
    fn tcp_listen_closed(&mut self, l: LpcbOf<P>) {
        for head in [
            self.st.list(List::Bound),
            self.st.list(List::Active),
            self.st.list(List::TimeWait),
        ] {
            let mut p = head;
            while let Some(i) = p {
                if self.pcb_ref(i).listener == Some(l) {
                    self.p(i).listener = None;
                }
                p = self.pcb_ref(i).next;
            }
        }
    }

    /// Port of `tcp_backlog_delayed()` (tcp.c); without
    /// `TCP_LISTEN_BACKLOG` tcp.h makes it an empty macro.
    pub fn tcp_backlog_delayed(&mut self, h: Handle) -> Result<(), ApiError> {
        let i = self.resolve_conn(h)?;
        if P::CONFIG.tcp_listen_backlog
            && self.pcb_ref(i).flags & TF_BACKLOGPEND == 0
            && let Some(l) = self.pcb_ref(i).listener
        {
            let lp = self.lp(l);
            lp.accepts_pending
                .set(lp.accepts_pending.get().wrapping_add(1));
            self.p(i).flags |= TF_BACKLOGPEND;
        }
        Ok(())
    }

    /// Port of `tcp_arg(pcb, arg)` (tcp.c): a connection's or a
    /// listener's `callback_arg`.
    pub fn tcp_arg(&mut self, h: Handle, arg: ArgOf<P>) -> Result<(), ApiError> {
        // `if (pcb != NULL)`
        if h.is_null() {
            return Ok(());
        }
        if let Ok(l) = self.resolve_listen(h) {
            self.lp(l).callback_arg = arg;
            return Ok(());
        }
        let i = self.resolve_conn(h)?;
        self.p(i).callback_arg = arg;
        Ok(())
    }

    /// Port of `tcp_recv(pcb, recv)` (tcp.c): NULL (lwIP then uses
    /// `tcp_recv_null`) or a callback, in the layout's terms (for the
    /// port's own, `true` is the application's).
    pub fn tcp_recv(&mut self, h: Handle, recv: RecvFnOf<P>) -> Result<(), ApiError> {
        // `if (pcb != NULL)`
        if h.is_null() {
            return Ok(());
        }
        let i = self.resolve_conn(h)?;
        self.p(i).recv = recv;
        Ok(())
    }

    /// Port of `tcp_sent(pcb, sent)` (tcp.c).
    pub fn tcp_sent(&mut self, h: Handle, sent: SentFnOf<P>) -> Result<(), ApiError> {
        // `if (pcb != NULL)`
        if h.is_null() {
            return Ok(());
        }
        let i = self.resolve_conn(h)?;
        self.p(i).sent = sent;
        Ok(())
    }

    /// Port of `tcp_err(pcb, err)` (tcp.c).
    pub fn tcp_err(&mut self, h: Handle, errf: ErrFnOf<P>) -> Result<(), ApiError> {
        // `if (pcb != NULL)`
        if h.is_null() {
            return Ok(());
        }
        let i = self.resolve_conn(h)?;
        self.p(i).errf = errf;
        Ok(())
    }

    /// Port of `tcp_accept(pcb, accept)` (tcp.c): a pcb that is not
    /// listening is left alone, as lwIP does.
    pub fn tcp_accept(&mut self, h: Handle, accept: AcceptFnOf<P>) -> Result<(), ApiError> {
        // `if ((pcb != NULL) && (pcb->state == LISTEN))`
        if h.is_null() {
            return Ok(());
        }
        if let Ok(l) = self.resolve_listen(h) {
            self.lp(l).accept = accept;
            return Ok(());
        }
        self.resolve_conn(h).map(|_| ())
    }

    /// Port of `tcp_txnow()` (tcp.c): `tcp_output` on every active pcb
    /// whose last write failed for lack of memory (TF_NAGLEMEMERR).
    pub fn tcp_txnow(&mut self) -> Result<(), ApiError> {
        if self.depth != 0 {
            return Err(ApiError::Reentrant);
        }
        if let Some(a) = self.asserted {
            return Err(ApiError::Asserted(a));
        }
        let mut pcb = self.st.list(List::Active);
        while let Some(i) = pcb {
            if self.pcb_ref(i).flags & TF_NAGLEMEMERR != 0 {
                self.tcp_output_idx(i);
            }
            pcb = self.pcb_ref(i).next;
        }
        Ok(())
    }

    /// Port of `tcp_backlog_accepted()` (tcp.c), public entry.
    pub fn tcp_backlog_accepted_api(&mut self, h: Handle) -> Result<(), ApiError> {
        let i = self.resolve_conn(h)?;
        self.tcp_backlog_accepted(i);
        Ok(())
    }

    /// Port of `tcp_backlog_accepted()` (tcp.c); without
    /// `TCP_LISTEN_BACKLOG` tcp.h makes it an empty macro.
    pub(crate) fn tcp_backlog_accepted(&mut self, i: PcbOf<P>) {
        if P::CONFIG.tcp_listen_backlog
            && self.pcb_ref(i).flags & TF_BACKLOGPEND != 0
            && let Some(l) = self.pcb_ref(i).listener
        {
            let lp = self.lp(l);
            lp.accepts_pending
                .set(lp.accepts_pending.get().wrapping_sub(1));
            self.p(i).flags &= !TF_BACKLOGPEND;
        }
    }

    /// Port of `tcp_close_shutdown()` (tcp.c) for a connection pcb.
    fn tcp_close_shutdown(&mut self, i: PcbOf<P>, rst_on_unacked_data: bool) -> Err {
        let st = self.pcb_ref(i).state();
        if rst_on_unacked_data
            && (st == TcpState::Established || st == TcpState::CloseWait)
            && (self.pcb_ref(i).refused_data.is_some()
                || self.pcb_ref(i).rcv_wnd != self.tcp_wnd_max(i))
        {
            let p = *self.pcb_ref(i);
            self.tcp_rst(
                Some(i),
                p.snd_nxt,
                p.rcv_nxt,
                &p.local_ip,
                &p.remote_ip,
                p.local_port,
                p.remote_port,
            );
            self.tcp_pcb_purge(i);
            self.tcp_rmv(List::Active, i);
            if self.st.input_pcb() == Some(i) {
                // tcp_trigger_input_pcb_close(): freed from tcp_input.
                self.inp.recv_flags |= crate::state::TF_CLOSED;
            } else {
                self.tcp_free(i);
            }
            return Err::Ok;
        }
        match st {
            TcpState::Closed => {
                if self.pcb_ref(i).local_port != 0 {
                    self.tcp_rmv(List::Bound, i);
                }
                self.tcp_free(i);
            }
            TcpState::SynSent => {
                self.tcp_pcb_remove(List::Active, i);
                self.st.set_active_pcbs_changed(true);
                self.tcp_free(i);
                self.mib2_stat(Mib2Tcp::AttemptFails);
            }
            _ => return self.tcp_close_shutdown_fin(i),
        }
        Err::Ok
    }

    /// Port of `tcp_close_shutdown_fin()` (tcp.c).
    pub(crate) fn tcp_close_shutdown_fin(&mut self, i: PcbOf<P>) -> Err {
        let err = match self.pcb_ref(i).state() {
            TcpState::SynRcvd => {
                let e = self.tcp_send_fin(i);
                if e == Err::Ok {
                    self.tcp_backlog_accepted(i);
                    self.mib2_stat(Mib2Tcp::AttemptFails);
                    self.p(i).set_state(TcpState::FinWait1);
                }
                e
            }
            TcpState::Established => {
                let e = self.tcp_send_fin(i);
                if e == Err::Ok {
                    self.mib2_stat(Mib2Tcp::EstabResets);
                    self.p(i).set_state(TcpState::FinWait1);
                }
                e
            }
            TcpState::CloseWait => {
                let e = self.tcp_send_fin(i);
                if e == Err::Ok {
                    self.mib2_stat(Mib2Tcp::EstabResets);
                    self.p(i).set_state(TcpState::LastAck);
                }
                e
            }
            _ => return Err::Ok,
        };
        if err == Err::Ok {
            self.tcp_output_idx(i);
        } else if err == Err::Mem {
            self.p(i).flags |= TF_CLOSEPEND;
            return Err::Ok;
        }
        err
    }

    /// Port of `tcp_close()` (tcp.c). Works on listening and connection
    /// pcbs. After `ERR_OK` lwIP may keep the pcb (FIN_WAIT, TIME_WAIT)
    /// and still call its callbacks; the handle stays valid while it lives.
    pub fn tcp_close(&mut self, h: Handle) -> Result<Err, ApiError> {
        // LWIP_ERROR("tcp_close: invalid pcb", pcb != NULL, return ERR_ARG)
        if h.is_null() {
            return Ok(Err::Arg);
        }
        if h.is_listen() {
            let l = self.resolve_listen(h)?;
            self.tcp_listen_closed(l);
            self.tcp_rmv_listen(l);
            self.memp_free_lpcb(l);
            return Ok(Err::Ok);
        }
        let i = self.resolve_conn(h)?;
        self.p(i).flags |= TF_RXCLOSED;
        Ok(self.tcp_close_shutdown(i, true))
    }

    /// Port of `tcp_shutdown()` (tcp.c).
    pub fn tcp_shutdown(
        &mut self,
        h: Handle,
        shut_rx: bool,
        shut_tx: bool,
    ) -> Result<Err, ApiError> {
        // LWIP_ERROR("tcp_shutdown: invalid pcb", pcb != NULL, return ERR_ARG)
        if h.is_null() {
            return Ok(Err::Arg);
        }
        if h.is_listen() {
            self.resolve_listen(h)?;
            return Ok(Err::Conn);
        }
        let i = self.resolve_conn(h)?;
        if shut_rx {
            self.p(i).flags |= TF_RXCLOSED;
            if shut_tx {
                return Ok(self.tcp_close_shutdown(i, true));
            }
            self.release_refused(i);
        }
        if shut_tx {
            return Ok(match self.pcb_ref(i).state() {
                TcpState::SynRcvd | TcpState::Established | TcpState::CloseWait => {
                    self.tcp_close_shutdown(i, shut_rx)
                }
                _ => Err::Conn,
            });
        }
        Ok(Err::Ok)
    }

    /// Port of `tcp_abandon()` (tcp.c). Out of line: rare, and its callers
    /// are the hot input path (ci/cpu).
    #[inline(never)]
    pub(crate) fn tcp_abandon<A: TcpApp<H, P>>(&mut self, i: PcbOf<P>, reset: bool, app: &mut A) {
        let h = self.conn_handle(i);
        if self.pcb_ref(i).state() == TcpState::TimeWait {
            self.tcp_pcb_remove(List::TimeWait, i);
            self.tcp_free(i);
            return;
        }
        let p = *self.pcb_ref(i);
        let (seqno, ackno) = (p.snd_nxt, p.rcv_nxt);
        let (errf, arg) = (p.errf, p.callback_arg);
        let mut send_rst = false;
        let mut local_port = 0;
        if p.state() == TcpState::Closed {
            if p.local_port != 0 {
                self.tcp_rmv(List::Bound, i);
            }
        } else {
            send_rst = reset;
            local_port = p.local_port;
            self.tcp_pcb_remove(List::Active, i);
            self.st.set_active_pcbs_changed(true);
        }
        let (unacked, unsent, ooseq) = {
            let q = self.pcb_ref(i);
            (q.unacked, q.unsent, q.ooseq)
        };
        self.tcp_segs_free(unacked);
        self.tcp_segs_free(unsent);
        self.tcp_segs_free(ooseq);
        {
            let q = self.p(i);
            q.unacked = None;
            q.unsent = None;
            q.ooseq = None;
        }
        self.tcp_backlog_accepted(i);
        if send_rst {
            let q = *self.pcb_ref(i);
            self.tcp_rst(
                Some(i),
                seqno,
                ackno,
                &q.local_ip,
                &q.remote_ip,
                local_port,
                q.remote_port,
            );
        }
        self.tcp_free(i);
        self.tcp_event_err(app, errf, arg, h, Err::Abrt);
    }

    /// Port of `tcp_abort()` (tcp.c): RST if connected, freed, then the err
    /// callback (`app`'s, and logged).
    pub fn tcp_abort<A: TcpApp<H, P>>(&mut self, h: Handle, app: &mut A) -> Result<(), ApiError> {
        // tcp_abandon's LWIP_ERROR("tcp_abandon: invalid pcb", pcb != NULL,
        // return) (the internal tcp_abandon takes a live pool index)
        if h.is_null() {
            return Ok(());
        }
        let i = self.resolve_conn(h)?;
        self.tcp_abandon(i, true, app);
        Ok(())
    }

    /// Port of `tcp_bind()` (tcp.c); port 0 picks one with `tcp_new_port`.
    pub fn tcp_bind(&mut self, h: Handle, ipaddr: IpAddrOf<P>, port: u16) -> Result<Err, ApiError> {
        self.tcp_bind_ptr(h, Some(&ipaddr), port)
    }

    /// Port of `tcp_bind()` (tcp.c) with lwIP's pointer argument: `None`
    /// is a NULL `ipaddr`, which a build with IPv4 takes as IP4_ADDR_ANY
    /// and an IPv6-only build refuses (ERR_ARG).
    pub fn tcp_bind_ptr(
        &mut self,
        h: Handle,
        ipaddr: Option<&IpAddrOf<P>>,
        port: u16,
    ) -> Result<Err, ApiError> {
        let ipaddr = match ipaddr {
            Some(a) => *a,
            // "Don't propagate NULL pointer (IPv4 ANY) to subsequent
            // functions"
            None if <IpAddrOf<P>>::HAS_V4 => <IpAddrOf<P>>::ANY,
            // LWIP_ERROR("tcp_bind: invalid ipaddr", ipaddr != NULL, return ERR_ARG)
            None => return Ok(Err::Arg),
        };
        // LWIP_ERROR("tcp_bind: invalid pcb", pcb != NULL, return ERR_ARG)
        if h.is_null() {
            return Ok(Err::Arg);
        }
        if h.is_listen() {
            self.resolve_listen(h)?;
            // LWIP_ERROR: can only bind in state CLOSED.
            return Ok(Err::Val);
        }
        let i = self.resolve_conn(h)?;
        if self.pcb_ref(i).state() != TcpState::Closed {
            return Ok(Err::Val);
        }
        let port = if port == 0 {
            let p = self.tcp_new_port();
            if p == 0 {
                return Ok(Err::Buf);
            }
            p
        } else {
            // "Check if the address already is in use (on all lists)"
            let mut in_use = false;
            self.for_each_port(|lport, lip| {
                if lport == port
                    && ipaddr.is_v6() == lip.is_v6()
                    && (lip.isany() || ipaddr.isany() || lip.addr_eq(&ipaddr))
                {
                    in_use = true;
                }
            });
            if in_use {
                return Ok(Err::Use);
            }
            port
        };
        // (lwIP compares the types in dual-stack builds only; elsewhere the
        // type is the build's one and they are equal.)
        if !ipaddr.isany() || ipaddr.ip_type() != self.pcb_ref(i).local_ip.ip_type() {
            self.p(i).local_ip = ipaddr;
        }
        self.p(i).local_port = port;
        self.tcp_reg(List::Bound, i);
        Ok(Err::Ok)
    }

    /// Calls `f(local_port, local_ip)` for every pcb on lwIP's lists in
    /// `tcp_pcb_lists[]` order.
    fn for_each_port(&self, mut f: impl FnMut(u16, &IpAddrOf<P>)) {
        let mut l = self.st.listen_pcbs();
        while let Some(i) = l {
            f(self.lpcb_ref(i).local_port, &self.lpcb_ref(i).local_ip);
            l = self.lpcb_ref(i).next;
        }
        for head in [
            self.st.list(List::Bound),
            self.st.list(List::Active),
            self.st.list(List::TimeWait),
        ] {
            let mut p = head;
            while let Some(i) = p {
                f(self.pcb_ref(i).local_port, &self.pcb_ref(i).local_ip);
                p = self.pcb_ref(i).next;
            }
        }
    }

    /// Port of `tcp_listen_with_backlog()` (tcp.c): without the error code.
    pub fn tcp_listen_with_backlog(
        &mut self,
        h: Handle,
        backlog: u8,
    ) -> Result<Option<Handle>, ApiError> {
        self.tcp_listen_with_backlog_and_err(h, backlog)
            .map(|(l, _)| l)
    }

    /// Port of `tcp_listen_with_backlog_and_err()` (tcp.c). On success the
    /// old handle is dead and the returned one names the listening pcb.
    pub fn tcp_listen_with_backlog_and_err(
        &mut self,
        h: Handle,
        backlog: u8,
    ) -> Result<(Option<Handle>, Err), ApiError> {
        // LWIP_ERROR("...: invalid pcb", pcb != NULL, res = ERR_ARG; goto done)
        if h.is_null() {
            return Ok((None, Err::Arg));
        }
        if h.is_listen() {
            self.resolve_listen(h)?;
            // state != CLOSED: "pcb already connected".
            return Ok((None, Err::Clsd));
        }
        let i = self.resolve_conn(h)?;
        if self.pcb_ref(i).state() != TcpState::Closed {
            return Ok((None, Err::Clsd));
        }
        let Some(l) = self.memp_alloc_lpcb() else {
            return Ok((None, Err::Mem));
        };
        let p = *self.pcb_ref(i);
        let backlog = if P::CONFIG.tcp_listen_backlog {
            // tcp_backlog_set: a backlog of 0 becomes 1.
            if backlog != 0 { backlog } else { 1 }
        } else {
            0
        };
        {
            let lp = self.lp(l);
            lp.callback_arg = p.callback_arg;
            lp.local_port = p.local_port;
            lp.set_state(TcpState::Listen);
            lp.prio = p.prio;
            lp.so_options = p.so_options;
            lp.ttl = p.ttl;
            lp.netif_idx = p.netif_idx;
            lp.tos = p.tos;
            // IP_SET_TYPE_VAL(lpcb->remote_ip, pcb->local_ip.type) (a
            // dual-stack build's; nothing elsewhere)
            lp.remote_ip.set_type(p.local_ip.ip_type());
            lp.local_ip = p.local_ip;
            lp.next = None;
            // lwIP installs tcp_accept_null; the harness's shim sets the
            // application's right after listen, and so does the port's API
            // where it can name it.
            lp.accept = AcceptRepr::from_kind(AcceptFn::App).unwrap_or(AcceptRepr::ACCEPT_NULL);
            lp.accepts_pending.set(0);
            lp.backlog.set(backlog);
        }
        if p.local_port != 0 {
            self.tcp_rmv(List::Bound, i);
        }
        self.tcp_free(i);
        self.tcp_reg_listen(l);
        Ok((Some(self.listen_handle(l)), Err::Ok))
    }

    /// Port of `tcp_update_rcv_ann_wnd()` (tcp.c).
    pub(crate) fn tcp_update_rcv_ann_wnd(&mut self, i: PcbOf<P>) -> u32 {
        let half = (P::CONFIG.tcp_wnd / 2).min(u32::from(self.pcb_ref(i).mss));
        let p = self.p(i);
        let new_right_edge = p.rcv_nxt.wrapping_add(p.rcv_wnd);
        if tcp_seq_geq(new_right_edge, p.rcv_ann_right_edge.wrapping_add(half)) {
            p.rcv_ann_wnd = p.rcv_wnd;
            new_right_edge.wrapping_sub(p.rcv_ann_right_edge)
        } else {
            if tcp_seq_gt(p.rcv_nxt, p.rcv_ann_right_edge) {
                p.rcv_ann_wnd = 0;
            } else {
                p.rcv_ann_wnd = p.rcv_ann_right_edge.wrapping_sub(p.rcv_nxt);
            }
            0
        }
    }

    /// Port of `tcp_recved()` (tcp.c).
    pub fn tcp_recved(&mut self, h: Handle, len: u16) -> Result<(), ApiError> {
        // LWIP_ERROR("tcp_recved: invalid pcb", pcb != NULL, return)
        if h.is_null() {
            return Ok(());
        }
        let i = self.resolve_conn(h)?;
        let max = self.tcp_wnd_max(i);
        let p = self.p(i);
        let rcv_wnd = p.rcv_wnd.wrapping_add(u32::from(len));
        // An addition that wrapped also opens the window to its maximum.
        p.rcv_wnd = if rcv_wnd < p.rcv_wnd {
            max
        } else {
            rcv_wnd.min(max)
        };
        let wnd_inflation = self.tcp_update_rcv_ann_wnd(i);
        if wnd_inflation >= P::CONFIG.tcp_wnd_update_threshold {
            self.p(i).flags |= TF_ACK_NOW;
            self.tcp_output_idx(i);
        }
        Ok(())
    }

    /// Port of `tcp_new_port()` (tcp.c).
    pub(crate) fn tcp_new_port(&mut self) -> u16 {
        let start = P::CONFIG.tcp_local_port_range_start;
        let end = P::CONFIG.tcp_local_port_range_end;
        let mut n: u32 = 0;
        'again: loop {
            self.tcp_port = self.tcp_port.wrapping_add(1);
            if self.tcp_port == end {
                self.tcp_port = start;
            }
            let port = self.tcp_port;
            let mut used = false;
            self.for_each_port(|lp, _| used |= lp == port);
            if used {
                n += 1;
                if n > u32::from(end.wrapping_sub(start)) {
                    return 0;
                }
                continue 'again;
            }
            return port;
        }
    }

    /// Port of `tcp_next_iss()` (tcp.c) with `LWIP_HOOK_TCP_ISN`.
    pub(crate) fn tcp_next_iss(&mut self, i: PcbOf<P>) -> u32 {
        let p = self.pcb_ref(i);
        let (local_ip, local_port) = (p.local_ip, p.local_port);
        let (remote_ip, remote_port) = (p.remote_ip, p.remote_port);
        self.hooks
            .tcp_isn(&local_ip, local_port, &remote_ip, remote_port)
    }

    /// Port of `tcp_route()` (tcp_out.c), and of tcp_connect's own copy of
    /// it: a pcb bound to a netif (`tcp_bind_netif`) uses it whatever the
    /// destination (`netif_get_by_index`); any other goes through
    /// `ip_route`. None: no route.
    pub(crate) fn tcp_route(
        &self,
        i: Option<PcbOf<P>>,
        src: &IpAddrOf<P>,
        dest: &IpAddrOf<P>,
    ) -> Option<NetifOf<P::Storage>> {
        match i {
            Some(i) if self.pcb_ref(i).netif_idx != NETIF_NO_INDEX => {
                self.st.netif_get_by_index(self.pcb_ref(i).netif_idx)
            }
            _ => self.st.ip_route(src, dest),
        }
    }

    /// Port of `tcp_bind_netif()` (tcp.c): `bound` binds the pcb to the
    /// netif, otherwise to none. Listening pcbs have the field too.
    pub fn tcp_bind_netif(&mut self, h: Handle, bound: bool) -> Result<(), ApiError> {
        let idx = if bound { NETIF_INDEX } else { NETIF_NO_INDEX };
        self.tcp_bind_netif_index(h, idx)
    }

    /// Port of `tcp_bind_netif(pcb, netif)` (tcp.c) with the netif's index
    /// (`netif_get_index(netif)`, [`NETIF_NO_INDEX`] for NULL).
    pub fn tcp_bind_netif_index(&mut self, h: Handle, idx: u8) -> Result<(), ApiError> {
        if let Ok(l) = self.resolve_listen(h) {
            self.lp(l).netif_idx = idx;
        } else {
            let i = self.resolve_conn(h)?;
            self.p(i).netif_idx = idx;
        }
        Ok(())
    }

    /// Port of the `tcp_eff_send_mss(sendmss, src, dest)` macro
    /// (tcp_priv.h): `tcp_eff_send_mss_netif` with `ip_route(src, dest)`.
    /// Without a route: `sendmss` as it is for IPv4; for IPv6
    /// `nd6_get_destination_mtu` without a netif, IP6_MIN_MTU_LENGTH.
    pub(crate) fn tcp_eff_send_mss(
        &self,
        sendmss: u16,
        src: &IpAddrOf<P>,
        dest: &IpAddrOf<P>,
    ) -> u16 {
        match self.st.ip_route(src, dest) {
            Some(n) => self.tcp_eff_send_mss_netif(sendmss, n, dest),
            None if dest.is_v6() => Self::eff_send_mss_mtu(sendmss, IP6_MIN_MTU_LENGTH, true),
            None => sendmss,
        }
    }

    /// Port of `tcp_eff_send_mss_netif()` (tcp.c) through netif `n`: the
    /// MTU is the netif's (for an IPv6 `dest`, `nd6_get_destination_mtu`,
    /// whose destination cache stays empty in these builds: the netif's
    /// MTU too); the headers are IPv6's or IPv4's.
    pub(crate) fn tcp_eff_send_mss_netif(
        &self,
        sendmss: u16,
        n: NetifOf<P::Storage>,
        dest: &IpAddrOf<P>,
    ) -> u16 {
        Self::eff_send_mss_mtu(sendmss, self.st.netif_mtu(n), dest.is_v6())
    }

    /// tcp_eff_send_mss_netif's arithmetic: `sendmss`, at most the MTU
    /// less the IP (`v6`: IPv6) and TCP headers; an MTU of 0 is no limit.
    fn eff_send_mss_mtu(sendmss: u16, mtu: u16, v6: bool) -> u16 {
        if mtu != 0 {
            let offset = if v6 {
                (IP6_HLEN + TCP_HLEN) as u16
            } else {
                (IP_HLEN + TCP_HLEN) as u16
            };
            let mss_s = mtu.saturating_sub(offset);
            sendmss.min(mss_s)
        } else {
            sendmss
        }
    }

    /// Port of `tcp_connect()` (tcp.c); the connected callback goes to the
    /// application.
    pub fn tcp_connect(
        &mut self,
        h: Handle,
        ipaddr: IpAddrOf<P>,
        port: u16,
    ) -> Result<Err, ApiError> {
        self.tcp_connect_ptr(h, Some(&ipaddr), port, app_or_null())
    }

    /// Port of `tcp_connect()` (tcp.c) with lwIP's pointer arguments:
    /// `ipaddr` None is a NULL address (ERR_ARG), `connected` the
    /// callback in the layout's terms (NULL: TCP_EVENT_CONNECTED then
    /// calls nothing).
    pub fn tcp_connect_ptr(
        &mut self,
        h: Handle,
        ipaddr: Option<&IpAddrOf<P>>,
        port: u16,
        connected: ConnectedFnOf<P>,
    ) -> Result<Err, ApiError> {
        // LWIP_ERROR("tcp_connect: invalid pcb", pcb != NULL, return ERR_ARG)
        if h.is_null() {
            return Ok(Err::Arg);
        }
        // LWIP_ERROR("tcp_connect: invalid ipaddr", ipaddr != NULL, return ERR_ARG)
        let Some(&ipaddr) = ipaddr else {
            return Ok(Err::Arg);
        };
        if h.is_listen() {
            self.resolve_listen(h)?;
            return Ok(Err::IsConn);
        }
        let i = self.resolve_conn(h)?;
        if self.pcb_ref(i).state() != TcpState::Closed {
            return Ok(Err::IsConn);
        }
        self.p(i).remote_ip = ipaddr;
        self.p(i).remote_port = port;
        // "check if we have a route to the remote host"
        let local_ip = self.pcb_ref(i).local_ip;
        let Some(n) = self.tcp_route(Some(i), &local_ip, &ipaddr) else {
            return Ok(Err::Rte);
        };
        // "check if local IP has been assigned to pcb, if not, get one"
        if self.pcb_ref(i).local_ip.isany() {
            let Some(ip) = self.st.ip_netif_get_local_ip(n, &ipaddr) else {
                return Ok(Err::Rte);
            };
            self.p(i).local_ip = ip;
        }
        let old_local_port = self.pcb_ref(i).local_port;
        if old_local_port == 0 {
            let lp = self.tcp_new_port();
            self.p(i).local_port = lp;
            if lp == 0 {
                return Ok(Err::Buf);
            }
        }
        let iss = self.tcp_next_iss(i);
        let wnd16 = self.tcpwnd_min16_tcp_wnd();
        let remote_ip = self.pcb_ref(i).remote_ip;
        let mss = self.tcp_eff_send_mss_netif(self.initial_mss(), n, &remote_ip);
        let tcp_wnd = P::CONFIG.tcp_wnd;
        {
            let p = self.p(i);
            p.rcv_nxt = 0;
            p.snd_nxt = iss;
            p.lastack = iss.wrapping_sub(1);
            p.snd_wl2 = iss.wrapping_sub(1);
            p.snd_lbb = iss.wrapping_sub(1);
            p.rcv_wnd = wnd16;
            p.rcv_ann_wnd = wnd16;
            p.rcv_ann_right_edge = p.rcv_nxt;
            p.snd_wnd = tcp_wnd;
            p.mss = mss;
            p.cwnd = 1;
            p.connected = connected;
        }
        let ret = self.tcp_enqueue_flags(i, crate::state::TCP_SYN);
        if ret == Err::Ok {
            self.p(i).set_state(TcpState::SynSent);
            if old_local_port != 0 {
                self.tcp_rmv(List::Bound, i);
            }
            self.tcp_reg(List::Active, i);
            self.mib2_stat(Mib2Tcp::ActiveOpens);
            self.tcp_output_idx(i);
        }
        Ok(ret)
    }

    /// Port of `tcp_alloc()` (tcp.c), including the pcb-killing fallbacks.
    pub(crate) fn tcp_alloc<A: TcpApp<H, P>>(&mut self, prio: u8, app: &mut A) -> Option<PcbOf<P>> {
        let mut pcb = self.memp_alloc_pcb();
        if pcb.is_none() {
            self.tcp_handle_closepend();
            self.tcp_kill_timewait(app);
            pcb = self.memp_alloc_pcb();
            if pcb.is_none() {
                self.tcp_kill_state(TcpState::LastAck, app);
                pcb = self.memp_alloc_pcb();
                if pcb.is_none() {
                    self.tcp_kill_state(TcpState::Closing, app);
                    pcb = self.memp_alloc_pcb();
                    if pcb.is_none() {
                        self.tcp_kill_prio(prio, app);
                        pcb = self.memp_alloc_pcb();
                    }
                }
            }
        }
        let i = pcb?;
        let wnd16 = self.tcpwnd_min16_tcp_wnd();
        let mss = self.initial_mss();
        let (tcp_ticks, last_timer) = (self.st.tcp_ticks(), self.tcp_timer_ctr);
        // memset(pcb, 0, sizeof(struct tcp_pcb)), then the fields tcp_alloc
        // sets, written in place.
        let p = self.p(i);
        *p = TcpPcb::ZERO;
        p.prio = prio;
        p.snd_buf = P::CONFIG.tcp_snd_buf;
        p.rcv_wnd = wnd16;
        p.rcv_ann_wnd = wnd16;
        p.ttl = P::CONFIG.tcp_ttl;
        p.mss = mss;
        let rto = (P::CONFIG.lwip_tcp_rto_time / P::CONFIG.tcp_slow_interval().max(1)) as i16;
        p.rto = rto;
        p.sv = rto;
        p.rtime = -1;
        p.cwnd = 1;
        p.tmr = tcp_ticks;
        p.last_timer = last_timer;
        p.ssthresh = P::CONFIG.tcp_snd_buf;
        p.keep_idle = P::CONFIG.tcp_keepidle_default;
        p.keep_intvl.set(P::CONFIG.tcp_keepintvl_default);
        p.keep_cnt.set(P::CONFIG.tcp_keepcnt_default);
        self.release_refused(i);
        Some(i)
    }

    /// Port of `tcp_new()` (tcp.c). The shim sets recv, sent and err
    /// callbacks on every pcb it creates; so does this. `app` gets the err
    /// callbacks of the pcbs `tcp_alloc` kills to make room.
    pub fn tcp_new<A: TcpApp<H, P>>(&mut self, app: &mut A) -> Option<Handle> {
        let i = self.tcp_alloc(TCP_PRIO_NORMAL, app)?;
        let p = self.p(i);
        p.recv = app_or_null();
        p.sent = app_or_null();
        p.errf = app_or_null();
        Some(self.conn_handle(i))
    }

    /// Port of `tcp_new_ip_type()` (tcp.c): in a dual-stack build both
    /// addresses take the type (`IP_SET_TYPE_VAL`); elsewhere, as in lwIP,
    /// the type is not used.
    pub fn tcp_new_ip_type<A: TcpApp<H, P>>(&mut self, ty: u8, app: &mut A) -> Option<Handle> {
        if !<IpAddrOf<P>>::DUAL {
            return self.tcp_new(app);
        }
        let h = self.tcp_new(app)?;
        let i = self.resolve_conn(h).ok()?;
        let p = self.p(i);
        p.local_ip.set_type(ty);
        p.remote_ip.set_type(ty);
        Some(h)
    }

    /// Port of `tcp_tcp_get_tcp_addrinfo()` (tcp.c): the local (`local`)
    /// or remote address and port. A listening pcb has only a local side
    /// (lwIP would read a `remote_port` a `tcp_pcb_listen` does not have).
    pub fn tcp_tcp_get_tcp_addrinfo(
        &self,
        h: Handle,
        local: bool,
    ) -> Result<(Err, IpAddrOf<P>, u16), ApiError> {
        let (mut ip, mut port) = (<IpAddrOf<P>>::ANY, 0);
        let e = self.tcp_tcp_get_tcp_addrinfo_ptr(h, local, Some(&mut ip), Some(&mut port))?;
        Ok((e, ip, port))
    }

    /// Port of `tcp_tcp_get_tcp_addrinfo()` (tcp.c) with lwIP's pointer
    /// arguments: `addr`/`port` are written where they are not NULL
    /// (None). A NULL pcb is ERR_VAL.
    pub fn tcp_tcp_get_tcp_addrinfo_ptr(
        &self,
        h: Handle,
        local: bool,
        addr: Option<&mut IpAddrOf<P>>,
        port: Option<&mut u16>,
    ) -> Result<Err, ApiError> {
        // if (pcb) { ... return ERR_OK; } return ERR_VAL;
        if h.is_null() {
            return Ok(Err::Val);
        }
        let (ip, p) = self.addrinfo_of(h, local)?;
        if let Some(a) = addr {
            *a = ip;
        }
        if let Some(q) = port {
            *q = p;
        }
        Ok(Err::Ok)
    }

    /// The local or remote address and port of a pcb.
    fn addrinfo_of(&self, h: Handle, local: bool) -> Result<(IpAddrOf<P>, u16), ApiError> {
        if local && let Ok(l) = self.resolve_listen(h) {
            let lp = self.lpcb_ref(l);
            return Ok((lp.local_ip, lp.local_port));
        }
        let p = self.pcb_ref(self.resolve_conn(h)?);
        Ok(if local {
            (p.local_ip, p.local_port)
        } else {
            (p.remote_ip, p.remote_port)
        })
    }

    /// Port of `tcp_handle_closepend()` (tcp.c).
    fn tcp_handle_closepend(&mut self) {
        let mut pcb = self.st.list(List::Active);
        while let Some(i) = pcb {
            let next = self.pcb_ref(i).next;
            if self.pcb_ref(i).flags & TF_CLOSEPEND != 0 {
                self.p(i).flags &= !TF_CLOSEPEND;
                self.tcp_close_shutdown_fin(i);
            }
            pcb = next;
        }
    }

    /// Port of `tcp_kill_prio()` (tcp.c).
    fn tcp_kill_prio<A: TcpApp<H, P>>(&mut self, prio: u8, app: &mut A) {
        let mut mprio = prio.min(TCP_PRIO_MAX);
        if mprio == 0 {
            return;
        }
        mprio -= 1;
        let mut inactivity = 0u32;
        let mut inactive = None;
        let mut pcb = self.st.list(List::Active);
        while let Some(i) = pcb {
            let p = self.pcb_ref(i);
            let age = self.st.tcp_ticks().wrapping_sub(p.tmr);
            if p.prio < mprio || (p.prio == mprio && age >= inactivity) {
                inactivity = age;
                inactive = Some(i);
                mprio = p.prio;
            }
            pcb = p.next;
        }
        if let Some(i) = inactive {
            self.tcp_abandon(i, true, app);
        }
    }

    /// Port of `tcp_kill_state()` (tcp.c).
    fn tcp_kill_state<A: TcpApp<H, P>>(&mut self, state: TcpState, app: &mut A) {
        let mut inactivity = 0u32;
        let mut inactive = None;
        let mut pcb = self.st.list(List::Active);
        while let Some(i) = pcb {
            let p = self.pcb_ref(i);
            if p.state() == state {
                let age = self.st.tcp_ticks().wrapping_sub(p.tmr);
                if age >= inactivity {
                    inactivity = age;
                    inactive = Some(i);
                }
            }
            pcb = p.next;
        }
        if let Some(i) = inactive {
            self.tcp_abandon(i, false, app);
        }
    }

    /// Port of `tcp_kill_timewait()` (tcp.c).
    fn tcp_kill_timewait<A: TcpApp<H, P>>(&mut self, app: &mut A) {
        let mut inactivity = 0u32;
        let mut inactive = None;
        let mut pcb = self.st.list(List::TimeWait);
        while let Some(i) = pcb {
            let p = self.pcb_ref(i);
            let age = self.st.tcp_ticks().wrapping_sub(p.tmr);
            if age >= inactivity {
                inactivity = age;
                inactive = Some(i);
            }
            pcb = p.next;
        }
        if let Some(i) = inactive {
            self.tcp_abandon(i, true, app);
        }
    }

    /// Port of `netif_set_ipaddr()` (netif.c) for the single netif, as far
    /// as TCP sees it: when the address changes, `netif_do_set_ipaddr`
    /// first calls [`Self::tcp_netif_ip_addr_changed`] with the old and new
    /// addresses (RSTs go out from the old one), then the netif takes the
    /// new address.
    pub fn netif_set_ipaddr<A: TcpApp<H, P>>(
        &mut self,
        ip: [u8; 4],
        app: &mut A,
    ) -> Result<(), ApiError> {
        if self.depth != 0 {
            return Err(ApiError::Reentrant);
        }
        if let Some(a) = self.asserted {
            return Err(ApiError::Asserted(a));
        }
        let Some(n) = self.st.netif_get_by_index(NETIF_INDEX) else {
            return Ok(());
        };
        let old = self.st.netif_ip4(n);
        if old != ip {
            self.tcp_netif_ip_addr_changed(IpAddrRepr::from_v4(old), IpAddrRepr::from_v4(ip), app);
            self.st.netif_set_ip4(n, ip);
        }
        Ok(())
    }

    /// Port of `netif_ip6_addr_set(netif, 0, ip)` (netif.c) for the
    /// single netif with the address's state preferred, as a driver sets
    /// it after `netif_add` (lwip-c's shim does, at reset): when a valid
    /// address changes, `netif_do_ip_addr_changed` first calls
    /// [`Self::tcp_netif_ip_addr_changed`] with the old and new addresses.
    /// All zero: no address. Nothing happens in a build without IPv6 (the
    /// netif has no IPv6 address there).
    pub fn netif_ip6_addr_set<A: TcpApp<H, P>>(
        &mut self,
        ip: [u8; 16],
        app: &mut A,
    ) -> Result<(), ApiError> {
        if self.depth != 0 {
            return Err(ApiError::Reentrant);
        }
        if let Some(a) = self.asserted {
            return Err(ApiError::Asserted(a));
        }
        let Some(n) = self.st.netif_get_by_index(NETIF_INDEX) else {
            return Ok(());
        };
        let v6 = |a: [u8; 16]| <IpAddrOf<P>>::from_ip(crate::IpAddr::V6(a));
        let old = self.st.netif_ip6(n);
        if old != Some(ip) {
            if let (Some(o), Some(new)) = (old.and_then(v6), v6(ip)) {
                self.tcp_netif_ip_addr_changed(o, new, app);
            }
            self.st.netif_set_ip6(n, ip);
        }
        Ok(())
    }

    /// Port of `tcp_netif_ip_addr_changed()` (tcp.c): aborts the active
    /// and bound pcbs whose local address is `old_addr` and moves the
    /// listeners bound to it to `new_addr` (unless that is the any
    /// address). Nothing happens when `old_addr` is the any address.
    pub(crate) fn tcp_netif_ip_addr_changed<A: TcpApp<H, P>>(
        &mut self,
        old_addr: IpAddrOf<P>,
        new_addr: IpAddrOf<P>,
        app: &mut A,
    ) {
        if old_addr.isany() {
            return;
        }
        self.tcp_netif_ip_addr_changed_pcblist(old_addr, List::Active, app);
        self.tcp_netif_ip_addr_changed_pcblist(old_addr, List::Bound, app);
        if !new_addr.isany() {
            let mut l = self.st.listen_pcbs();
            while let Some(j) = l {
                let lp = self.lp(j);
                if lp.local_ip.addr_eq(&old_addr) {
                    lp.local_ip = new_addr;
                }
                l = lp.next;
            }
        }
    }

    /// Port of `tcp_netif_ip_addr_changed_pcblist()` (tcp.c): `tcp_abort`
    /// of every pcb on the list bound to `old_addr` (no LWIP_AUTOIP in the
    /// profile, so link-local addresses get no exception).
    fn tcp_netif_ip_addr_changed_pcblist<A: TcpApp<H, P>>(
        &mut self,
        old_addr: IpAddrOf<P>,
        list: List,
        app: &mut A,
    ) {
        let mut pcb = self.st.list(list);
        while let Some(i) = pcb {
            let next = self.pcb_ref(i).next;
            if self.pcb_ref(i).local_ip.addr_eq(&old_addr) {
                self.tcp_abandon(i, true, app);
            }
            pcb = next;
        }
    }

    /// Port of `tcp_seg_free()` (tcp.c): `pbuf_free(seg->p)`, then the
    /// segment goes back to its pool.
    pub(crate) fn tcp_seg_free(&mut self, s: SegOf<P>) {
        if let Some(p) = self.sg(s).p.take() {
            self.pbuf_free(p);
        }
        self.st.free_seg(s);
    }

    /// Port of `tcp_segs_free()` (tcp.c).
    pub(crate) fn tcp_segs_free(&mut self, mut seg: Option<SegOf<P>>) {
        while let Some(s) = seg {
            let next = self.seg_ref(s).next;
            self.tcp_seg_free(s);
            seg = next;
        }
    }

    /// Port of `tcp_pcb_purge()` (tcp.c).
    pub(crate) fn tcp_pcb_purge(&mut self, i: PcbOf<P>) {
        let st = self.pcb_ref(i).state();
        if st != TcpState::Closed && st != TcpState::TimeWait && st != TcpState::Listen {
            self.tcp_backlog_accepted(i);
            self.release_refused(i);
            self.tcp_free_ooseq(i);
            self.p(i).rtime = -1;
            let (unsent, unacked) = (self.pcb_ref(i).unsent, self.pcb_ref(i).unacked);
            self.tcp_segs_free(unsent);
            self.tcp_segs_free(unacked);
            let p = self.p(i);
            p.unacked = None;
            p.unsent = None;
            p.unsent_oversize = 0;
        }
    }

    /// Port of `tcp_pcb_remove()` (tcp.c).
    pub(crate) fn tcp_pcb_remove(&mut self, l: List, i: PcbOf<P>) {
        self.tcp_rmv(l, i);
        self.tcp_pcb_purge(i);
        let p = self.pcb_ref(i);
        if p.state() != TcpState::TimeWait
            && p.state() != TcpState::Listen
            && p.flags & TF_ACK_DELAY != 0
        {
            self.p(i).flags |= TF_ACK_NOW;
            self.tcp_output_idx(i);
        }
        let p = self.p(i);
        p.set_state(TcpState::Closed);
        p.local_port = 0;
    }

    /// Port of `tcp_recv_null()` (tcp.c), the recv function lwIP uses when
    /// the application set none; the application may call it too. `p` is
    /// the pbuf's `tot_len`, or None for a NULL pbuf (the FIN).
    pub fn tcp_recv_null(&mut self, h: Handle, p: Option<u16>, err: Err) -> Result<Err, ApiError> {
        // LWIP_ERROR("tcp_recv_null: invalid pcb", pcb != NULL, return ERR_ARG)
        if h.is_null() {
            return Ok(Err::Arg);
        }
        if let Some(tot_len) = p {
            self.tcp_recved(h, tot_len)?;
        } else if err == Err::Ok {
            return self.tcp_close(h);
        }
        Ok(Err::Ok)
    }

    /// Port of `tcp_process_refused_data()` (tcp.c) as the application
    /// calls it: by handle, with the application for the callbacks.
    pub fn tcp_process_refused_data_api<A: TcpApp<H, P>>(
        &mut self,
        h: Handle,
        app: &mut A,
    ) -> Result<Err, ApiError> {
        // LWIP_ERROR("tcp_process_refused_data: invalid pcb", pcb != NULL,
        // return ERR_ARG)
        if h.is_null() {
            return Ok(Err::Arg);
        }
        let i = self.resolve_conn(h)?;
        if self.pcb_ref(i).refused_data.is_none() {
            // lwIP's callers check refused_data first; without it lwIP
            // would dereference NULL.
            return Ok(Err::Ok);
        }
        Ok(self.tcp_process_refused_data(i, app))
    }

    /// Port of `tcp_pcb_purge()` (tcp.c) as the application calls it.
    pub fn tcp_pcb_purge_api(&mut self, h: Handle) -> Result<(), ApiError> {
        // LWIP_ERROR("tcp_pcb_purge: invalid pcb", pcb != NULL, return)
        if h.is_null() {
            return Ok(());
        }
        let i = self.resolve_conn(h)?;
        self.tcp_pcb_purge(i);
        Ok(())
    }

    /// Port of `tcp_free_ooseq()` (tcp.c) as lwIP's pbuf.c calls it
    /// (`pbuf_free_ooseq`, when the pbuf pool ran dry).
    pub fn tcp_free_ooseq_api(&mut self, h: Handle) -> Result<(), ApiError> {
        let i = self.resolve_conn(h)?;
        self.tcp_free_ooseq(i);
        Ok(())
    }

    /// Port of `tcp_netif_ip_addr_changed(old_addr, new_addr)` (tcp.c) as
    /// lwIP's netif.c calls it (None: a NULL address, which is "any").
    /// `app` gets the err callbacks of the pcbs it aborts.
    pub fn tcp_netif_ip_addr_changed_api<A: TcpApp<H, P>>(
        &mut self,
        old_addr: Option<&IpAddrOf<P>>,
        new_addr: Option<&IpAddrOf<P>>,
        app: &mut A,
    ) -> Result<(), ApiError> {
        if self.depth != 0 {
            return Err(ApiError::Reentrant);
        }
        if let Some(a) = self.asserted {
            return Err(ApiError::Asserted(a));
        }
        let any = <IpAddrOf<P>>::ANY;
        self.tcp_netif_ip_addr_changed(
            old_addr.copied().unwrap_or(any),
            new_addr.copied().unwrap_or(any),
            app,
        );
        Ok(())
    }

    /// Port of `tcp_rst(pcb, seqno, ackno, local_ip, remote_ip,
    /// local_port, remote_port)` (tcp_out.c) as an application calls it
    /// (lwIP's sockets tests do): a RST routed for `h`'s pcb
    /// ([`Handle::NULL`]: none, then it goes by `ip_route`).
    #[allow(clippy::too_many_arguments)]
    pub fn tcp_rst_api(
        &mut self,
        h: Handle,
        seqno: u32,
        ackno: u32,
        local_ip: &IpAddrOf<P>,
        remote_ip: &IpAddrOf<P>,
        local_port: u16,
        remote_port: u16,
    ) -> Result<(), ApiError> {
        if !h.is_null() {
            let i = self.resolve_conn(h)?;
            self.tcp_rst(
                Some(i),
                seqno,
                ackno,
                local_ip,
                remote_ip,
                local_port,
                remote_port,
            );
            return Ok(());
        }
        // The core's pcb-less tcp_rst is tcp_rst_netif on the input netif;
        // lwIP's tcp_rst(NULL, ..) routes (`tcp_route(NULL, ..)`:
        // `ip_route`), so the routed netif stands in for the input one.
        let input_netif = self.inp.netif;
        self.inp.netif = self.st.ip_route(local_ip, remote_ip);
        self.tcp_rst(
            None,
            seqno,
            ackno,
            local_ip,
            remote_ip,
            local_port,
            remote_port,
        );
        self.inp.netif = input_netif;
        Ok(())
    }

    /// `tcp_setprio()` (tcp.c).
    pub fn tcp_setprio(&mut self, h: Handle, prio: u8) -> Result<(), ApiError> {
        // LWIP_ERROR("tcp_setprio: invalid pcb", pcb != NULL, return)
        if h.is_null() {
            return Ok(());
        }
        if h.is_listen() {
            let l = self.resolve_listen(h)?;
            self.lp(l).prio = prio;
        } else {
            let i = self.resolve_conn(h)?;
            self.p(i).prio = prio;
        }
        Ok(())
    }

    /// `tcp_poll(pcb, poll, interval)` (tcp.c): poll callbacks go to the
    /// application.
    pub fn tcp_poll(&mut self, h: Handle, poll: PollFnOf<P>, interval: u8) -> Result<(), ApiError> {
        // LWIP_ERROR("tcp_poll: invalid pcb", pcb != NULL, return)
        if h.is_null() {
            return Ok(());
        }
        let i = self.resolve_conn(h)?;
        let p = self.p(i);
        p.poll = poll;
        p.pollinterval = interval;
        Ok(())
    }

    /// `tcp_nagle_disable()` (`disable`) / `tcp_nagle_enable()`.
    pub fn tcp_nagle(&mut self, h: Handle, disable: bool) -> Result<(), ApiError> {
        let i = self.resolve_conn(h)?;
        if disable {
            self.p(i).flags |= TF_NODELAY;
        } else {
            self.p(i).flags &= !TF_NODELAY;
        }
        Ok(())
    }

    /// SOF_KEEPALIVE and the keepalive parameters.
    pub fn tcp_keepalive(
        &mut self,
        h: Handle,
        enable: bool,
        idle_ms: u32,
        intvl_ms: u32,
        cnt: u32,
    ) -> Result<(), ApiError> {
        let i = self.resolve_conn(h)?;
        let p = self.p(i);
        if enable {
            p.so_options |= SOF_KEEPALIVE;
        } else {
            p.so_options &= !SOF_KEEPALIVE;
        }
        p.keep_idle = idle_ms;
        p.keep_intvl.set(intvl_ms);
        p.keep_cnt.set(cnt);
        Ok(())
    }

    /// `tcp_sndbuf()` (tcp.h): `TCPWND16(snd_buf)`.
    pub fn tcp_sndbuf(&self, h: Handle) -> Result<u32, ApiError> {
        let i = self.resolve_conn(h)?;
        Ok(self.pcb_ref(i).snd_buf.min(0xffff))
    }

    /// `tcp_sndqueuelen()` (tcp.h).
    pub fn tcp_sndqueuelen(&self, h: Handle) -> Result<u32, ApiError> {
        let i = self.resolve_conn(h)?;
        Ok(u32::from(self.pcb_ref(i).snd_queuelen))
    }

    /// Port of `tcp_tmr()` (tcp.c): `tcp_fasttmr`, and `tcp_slowtmr` every
    /// other call, for an application that drives the TCP timer itself
    /// (every `TCP_TMR_INTERVAL`).
    pub fn tcp_tmr<A: TcpApp<H, P>>(&mut self, app: &mut A) -> Result<(), ApiError> {
        self.tcp_fasttmr(app)?;
        self.tcp_timer = self.tcp_timer.wrapping_add(1);
        if self.tcp_timer & 1 != 0 {
            self.tcp_slowtmr(app)?;
        }
        Ok(())
    }

    /// Port of `tcp_fasttmr()` (tcp.c).
    pub fn tcp_fasttmr<A: TcpApp<H, P>>(&mut self, app: &mut A) -> Result<(), ApiError> {
        if self.depth != 0 {
            return Err(ApiError::Reentrant);
        }
        self.tcp_timer_ctr = self.tcp_timer_ctr.wrapping_add(1);
        'start: loop {
            let mut pcb = self.st.list(List::Active);
            while let Some(i) = pcb {
                if self.pcb_ref(i).last_timer != self.tcp_timer_ctr {
                    self.p(i).last_timer = self.tcp_timer_ctr;
                    if self.pcb_ref(i).flags & TF_ACK_DELAY != 0 {
                        self.p(i).flags |= TF_ACK_NOW;
                        self.tcp_output_idx(i);
                        self.p(i).flags &= !(TF_ACK_DELAY | TF_ACK_NOW);
                    }
                    if self.pcb_ref(i).flags & TF_CLOSEPEND != 0 {
                        self.p(i).flags &= !TF_CLOSEPEND;
                        self.tcp_close_shutdown_fin(i);
                    }
                    let next = self.pcb_ref(i).next;
                    if self.pcb_ref(i).refused_data.is_some() {
                        self.st.set_active_pcbs_changed(false);
                        self.tcp_process_refused_data(i, app);
                        if self.st.active_pcbs_changed() {
                            continue 'start;
                        }
                    }
                    pcb = next;
                } else {
                    pcb = self.pcb_ref(i).next;
                }
            }
            break;
        }
        Ok(())
    }

    /// Port of `tcp_process_refused_data()` (tcp.c). Returns `ERR_ABRT`
    /// when the pcb is gone.
    pub(crate) fn tcp_process_refused_data<A: TcpApp<H, P>>(
        &mut self,
        i: PcbOf<P>,
        app: &mut A,
    ) -> Err {
        let generation = self.conn_handle(i).generation();
        // With TCP_QUEUE_OOSEQ and LWIP_WND_SCALE, lwIP hands refused data
        // over in parts below 64 KiB (pbuf_split_64k), in a loop while
        // there is refused data; otherwise once.
        let split = P::CONFIG.tcp_queue_ooseq && P::CONFIG.lwip_wnd_scale;
        loop {
            let Some(refused) = self.pcb_ref(i).refused_data else {
                return Err::Ok;
            };
            let fin = self.pbufs.flags(refused) & PBUF_FLAG_TCP_FIN != 0;
            // pcb->refused_data becomes what is left (NULL without a
            // split), in case the callback closes the pcb.
            let rest = if split {
                self.pbufs.pbuf_split_64k(refused)
            } else {
                None
            };
            self.p(i).refused_data = rest;
            let err = self.tcp_event_recv(app, i, refused, Err::Ok);
            let alive = self.conn_alive(i, generation);
            if err == Err::Ok {
                if fin && rest.is_none() && alive {
                    if self.pcb_ref(i).rcv_wnd != self.tcp_wnd_max(i) {
                        self.p(i).rcv_wnd = self.pcb_ref(i).rcv_wnd.wrapping_add(1);
                    }
                    let e = self.tcp_event_closed(app, i);
                    if e == Err::Abrt || !self.conn_alive(i, generation) {
                        return Err::Abrt;
                    }
                }
            } else if err == Err::Abrt || !alive {
                return Err::Abrt;
            } else {
                // Still refused: the pbuf is still valid, the rest goes
                // back behind it.
                if let Some(r) = rest {
                    self.pbufs.pbuf_cat(refused, r);
                }
                self.p(i).refused_data = Some(refused);
                return Err::InProgress;
            }
            // (Without a split, refused_data is NULL now: the loop ends at
            // its top.) A callback that freed the pcb and returned ERR_OK
            // leaves nothing to read.
            if !alive {
                return Err::Ok;
            }
        }
    }

    /// Port of `tcp_slowtmr()` (tcp.c).
    pub fn tcp_slowtmr<A: TcpApp<H, P>>(&mut self, app: &mut A) -> Result<(), ApiError> {
        if self.depth != 0 {
            return Err(ApiError::Reentrant);
        }
        self.st.set_tcp_ticks(self.st.tcp_ticks().wrapping_add(1));
        self.tcp_timer_ctr = self.tcp_timer_ctr.wrapping_add(1);
        let slow = P::CONFIG.tcp_slow_interval().max(1);
        'start: loop {
            let mut prev = None;
            let mut pcb = self.st.list(List::Active);
            while let Some(i) = pcb {
                if self.pcb_ref(i).last_timer == self.tcp_timer_ctr {
                    prev = Some(i);
                    pcb = self.pcb_ref(i).next;
                    continue;
                }
                self.p(i).last_timer = self.tcp_timer_ctr;
                let mut pcb_remove = false;
                let mut pcb_reset = false;
                let p = *self.pcb_ref(i);
                if (p.state() == TcpState::SynSent && p.nrtx >= P::CONFIG.tcp_synmaxrtx)
                    || p.nrtx >= P::CONFIG.tcp_maxrtx
                {
                    pcb_remove = true;
                } else if p.persist_backoff > 0 {
                    if p.unacked.is_some() {
                        return Err(self.lwip_assert_failed(&Assertion {
                            msg: c"tcp_slowtimr: persist ticking with in-flight data",
                            file: crate::stack::LwipFile::Tcp,
                            line: 1240,
                        }));
                    }
                    if p.unsent.is_none() {
                        return Err(self.lwip_assert_failed(&Assertion {
                            msg: c"tcp_slowtimr: persist ticking with empty send buffer",
                            file: crate::stack::LwipFile::Tcp,
                            line: 1241,
                        }));
                    }
                    if p.persist_probe >= P::CONFIG.tcp_maxrtx {
                        pcb_remove = true;
                    } else {
                        let idx = usize::from(p.persist_backoff - 1);
                        let backoff_cnt = TCP_PERSIST_BACKOFF.get(idx).copied().unwrap_or(120);
                        if p.persist_cnt < backoff_cnt {
                            self.p(i).persist_cnt += 1;
                        }
                        if self.pcb_ref(i).persist_cnt >= backoff_cnt {
                            let mut next_slot = true;
                            let snd_wnd = self.pcb_ref(i).snd_wnd;
                            if snd_wnd == 0 {
                                // Send 1-byte probes.
                                if self.tcp_zero_window_probe(i) != Err::Ok {
                                    next_slot = false;
                                }
                            } else {
                                // (u16_t)pcb->snd_wnd, as lwIP passes it.
                                let split = self.tcp_split_unsent_seg(i, snd_wnd as u16);
                                if let Some(a) = self.asserted {
                                    // An assertion in the split (or its
                                    // mem_trim): lwIP left tcp_slowtmr.
                                    return Err(ApiError::Asserted(a));
                                }
                                if split == Err::Ok && self.tcp_output_idx(i) == Err::Ok {
                                    // Window not fully closed: the split head
                                    // went out, which cancels the persist timer.
                                    next_slot = false;
                                }
                            }
                            if next_slot {
                                let q = self.p(i);
                                q.persist_cnt = 0;
                                if usize::from(q.persist_backoff) < TCP_PERSIST_BACKOFF.len() {
                                    q.persist_backoff += 1;
                                }
                            }
                        }
                    }
                } else {
                    {
                        let q = self.p(i);
                        if q.rtime >= 0 && q.rtime < 0x7fff {
                            q.rtime += 1;
                        }
                    }
                    let q = *self.pcb_ref(i);
                    if q.rtime >= q.rto
                        && (self.tcp_rexmit_rto_prepare(i) == Err::Ok
                            || (self.pcb_ref(i).unacked.is_none()
                                && self.pcb_ref(i).unsent.is_some()))
                    {
                        let q = *self.pcb_ref(i);
                        if q.state() != TcpState::SynSent {
                            // nrtx <= TCP_MAXRTX <= 12 (Config::check), the table's last index.
                            let sh = TCP_BACKOFF.get(usize::from(q.nrtx)).copied().unwrap_or(7);
                            let calc = ((i32::from(q.sa) >> 3) + i32::from(q.sv)) << sh;
                            self.p(i).rto = calc.min(0x7fff) as i16;
                        }
                        let q = self.p(i);
                        q.rtime = 0;
                        let eff_wnd = q.cwnd.min(q.snd_wnd);
                        q.ssthresh = eff_wnd >> 1;
                        let two_mss = u32::from(q.mss) << 1;
                        q.ssthresh = q.ssthresh.max(two_mss);
                        q.cwnd = u32::from(q.mss);
                        q.bytes_acked = 0;
                        self.tcp_rexmit_rto_commit(i);
                    }
                }
                let p = *self.pcb_ref(i);
                let age = self.st.tcp_ticks().wrapping_sub(p.tmr);
                if p.state() == TcpState::FinWait2
                    && p.flags & TF_RXCLOSED != 0
                    && age > P::CONFIG.tcp_fin_wait_timeout / slow
                {
                    pcb_remove = true;
                }
                if p.so_options & SOF_KEEPALIVE != 0
                    && (p.state() == TcpState::Established || p.state() == TcpState::CloseWait)
                {
                    // TCP_KEEP_DUR(pcb) and TCP_KEEP_INTVL(pcb) (tcp.c): the
                    // pcb's values with LWIP_TCP_KEEPALIVE, else the
                    // defaults (TCP_MAXIDLE, TCP_KEEPINTVL_DEFAULT).
                    let (dur, intvl) = if P::CONFIG.lwip_tcp_keepalive {
                        (
                            p.keep_cnt.get().wrapping_mul(p.keep_intvl.get()),
                            p.keep_intvl.get(),
                        )
                    } else {
                        (
                            P::CONFIG
                                .tcp_keepcnt_default
                                .wrapping_mul(P::CONFIG.tcp_keepintvl_default),
                            P::CONFIG.tcp_keepintvl_default,
                        )
                    };
                    if age > p.keep_idle.wrapping_add(dur) / slow {
                        pcb_remove = true;
                        pcb_reset = true;
                    } else if age
                        > p.keep_idle
                            .wrapping_add(u32::from(p.keep_cnt_sent).wrapping_mul(intvl))
                            / slow
                        && crate::tcp_out::tcp_keepalive(self, i) == Err::Ok
                    {
                        let q = self.p(i);
                        q.keep_cnt_sent = q.keep_cnt_sent.wrapping_add(1);
                    }
                }
                if p.ooseq.is_some()
                    && age >= (p.rto as u32).wrapping_mul(crate::config::TCP_OOSEQ_TIMEOUT)
                {
                    self.tcp_free_ooseq(i);
                }
                if p.state() == TcpState::SynRcvd && age > P::CONFIG.tcp_syn_rcvd_timeout / slow {
                    pcb_remove = true;
                }
                if p.state() == TcpState::LastAck && age > 2 * P::CONFIG.tcp_msl / slow {
                    pcb_remove = true;
                }
                if pcb_remove {
                    let h = self.conn_handle(i);
                    let (errf, arg) = (self.pcb_ref(i).errf, self.pcb_ref(i).callback_arg);
                    self.tcp_pcb_purge(i);
                    let next = self.pcb_ref(i).next;
                    match prev {
                        Some(pv) => self.p(pv).next = next,
                        None => self.st.set_list(List::Active, next),
                    }
                    if pcb_reset {
                        let q = *self.pcb_ref(i);
                        self.tcp_rst(
                            Some(i),
                            q.snd_nxt,
                            q.rcv_nxt,
                            &q.local_ip,
                            &q.remote_ip,
                            q.local_port,
                            q.remote_port,
                        );
                    }
                    pcb = next;
                    self.tcp_free(i);
                    self.st.set_active_pcbs_changed(false);
                    self.tcp_event_err(app, errf, arg, h, Err::Abrt);
                    if self.st.active_pcbs_changed() {
                        continue 'start;
                    }
                } else {
                    prev = Some(i);
                    pcb = self.pcb_ref(i).next;
                    let q = self.p(i);
                    q.polltmr = q.polltmr.wrapping_add(1);
                    if q.polltmr >= q.pollinterval {
                        q.polltmr = 0;
                        self.st.set_active_pcbs_changed(false);
                        let generation = self.conn_handle(i).generation();
                        let err = self.tcp_event_poll(app, i);
                        if self.st.active_pcbs_changed() {
                            continue 'start;
                        }
                        if err == Err::Ok && self.conn_alive(i, generation) {
                            self.tcp_output_idx(i);
                        }
                    }
                }
            }
            break;
        }
        // TIME_WAIT pcbs.
        let mut prev = None;
        let mut pcb = self.st.list(List::TimeWait);
        while let Some(i) = pcb {
            let age = self.st.tcp_ticks().wrapping_sub(self.pcb_ref(i).tmr);
            if age > 2 * P::CONFIG.tcp_msl / slow {
                self.tcp_pcb_purge(i);
                let next = self.pcb_ref(i).next;
                match prev {
                    Some(pv) => self.p(pv).next = next,
                    None => self.st.set_list(List::TimeWait, next),
                }
                pcb = next;
                self.tcp_free(i);
            } else {
                prev = Some(i);
                pcb = self.pcb_ref(i).next;
            }
        }
        Ok(())
    }

    /// Advances virtual time to `to_ms`, running the timers on lwIP's
    /// cadence from time 0: at every multiple of `TCP_TMR_INTERVAL`
    /// `tcp_fasttmr()`, and at every multiple of twice that `tcp_slowtmr()`
    /// after it (as `lwip_c::Stack::advance_to`).
    pub fn advance_to<A: TcpApp<H, P>>(&mut self, to_ms: u32, app: &mut A) -> Result<(), ApiError> {
        if let Some(a) = self.asserted {
            return Err(ApiError::Asserted(a));
        }
        let fast = P::CONFIG.tcp_fast_interval().max(1);
        let slow = P::CONFIG.tcp_slow_interval().max(1);
        // The first tick after `now`; none once the clock would wrap.
        let mut next = (self.now / fast)
            .checked_add(1)
            .and_then(|n| n.checked_mul(fast));
        while let Some(tick) = next.filter(|&t| t <= to_ms) {
            self.now = tick;
            self.tcp_fasttmr(app)?;
            if tick.is_multiple_of(slow) {
                self.tcp_slowtmr(app)?;
            }
            // An assertion inside a callback the timers made.
            if let Some(a) = self.asserted {
                return Err(ApiError::Asserted(a));
            }
            next = tick.checked_add(fast);
        }
        self.now = self.now.max(to_ms);
        Ok(())
    }
}
