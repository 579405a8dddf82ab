//! The application both engines run: one implementation of what happens
//! inside callbacks (accept, recv, sent...), driven by the scenario's
//! policies, written once over a small [`Api`] each engine provides. Each
//! engine gets its own [`AppState`], so neither sees the other.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::Hash;

use lwip_vocab::Err as LwipErr;
use lwip_vocab::IpAddr;

use crate::model::{CbAction, FinPolicy, PolicyChange, RecvPolicy, SentPolicy};

/// ERR_OK, ERR_MEM, ERR_ABRT and ERR_ARG, as lwIP's raw err_t values
/// (the application and the socket layer work on raw values, as both
/// engines report them).
pub const ERR_OK: i8 = LwipErr::Ok.as_raw();
/// ERR_MEM
pub const ERR_MEM: i8 = LwipErr::Mem.as_raw();
/// ERR_ABRT
pub const ERR_ABRT: i8 = LwipErr::Abrt.as_raw();
/// ERR_ARG
pub const ERR_ARG: i8 = LwipErr::Arg.as_raw();

/// A raw err_t the application hands back to a stack, typed. The
/// application returns only lwIP's values (the constants above, err_t
/// names from the script, what the stack returned to it), so an unknown
/// value is a harness bug: it becomes ERR_ARG, in both engines alike.
pub fn lwip_err(raw: i8) -> LwipErr {
    LwipErr::from_raw(raw).unwrap_or(LwipErr::Arg)
}

/// The raw-API calls the application makes from inside callbacks.
pub trait Api {
    /// A connection handle.
    type H: Copy + Eq + Hash;
    /// tcp_write
    fn write(&mut self, h: Self::H, data: &[u8], copy: bool, more: bool) -> i8;
    /// tcp_output
    fn output(&mut self, h: Self::H) -> i8;
    /// tcp_recved
    fn recved(&mut self, h: Self::H, len: u16);
    /// tcp_close
    fn close(&mut self, h: Self::H) -> i8;
    /// tcp_abort
    fn abort(&mut self, h: Self::H);
    /// `tcp_new`, then `tcp_connect` of the new pcb to `ip:port`; if
    /// tcp_connect fails, `tcp_close` of the new pcb. The new pcb, if it
    /// was made and is connecting.
    fn connect_new(&mut self, ip: IpAddr, port: u16) -> Option<Self::H>;
}

/// The bytes a connection sends: a pattern of the stream offset, so any
/// two engines writing "the next n bytes" write the same bytes.
pub fn pattern(offset: u64, len: usize) -> Vec<u8> {
    (0..len as u64)
        .map(|i| ((offset + i).wrapping_mul(31).wrapping_add(7) % 251) as u8)
        .collect()
}

/// Per-connection policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// recv behaviour.
    pub recv: RecvPolicy,
    /// What recv does with the FIN.
    pub fin: FinPolicy,
    /// What sent does.
    pub sent: SentPolicy,
    /// What connected does.
    pub connected: CbAction,
    /// What poll does.
    pub poll: CbAction,
    /// accept's return value.
    pub accept_returns: i8,
}

impl Default for Policy {
    /// Socket-like: keep data until read(), note EOF, accept everything.
    fn default() -> Self {
        Policy {
            recv: RecvPolicy::Defer,
            fin: FinPolicy::Keep,
            sent: SentPolicy::Write(0),
            connected: CbAction::Nothing,
            poll: CbAction::Nothing,
            accept_returns: ERR_OK,
        }
    }
}

impl Policy {
    /// Applies one change.
    pub fn apply(&mut self, c: PolicyChange) {
        match c {
            PolicyChange::Recv(r) => self.recv = r,
            PolicyChange::Fin(f) => self.fin = f,
            PolicyChange::Sent(s) => self.sent = s,
            PolicyChange::Connected(a) => self.connected = a,
            PolicyChange::Poll(a) => self.poll = a,
            PolicyChange::AcceptReturns(e) => self.accept_returns = e,
        }
    }
}

/// The application's state in one engine.
#[derive(Debug)]
pub struct AppState<H> {
    /// Policy for connections without their own.
    pub default: Policy,
    /// Per-connection policies.
    pub per_conn: HashMap<H, Policy>,
    /// Connections delivered by accept and not yet taken by accept().
    pub accepted: VecDeque<H>,
    /// Received and not yet read bytes.
    pub rx: HashMap<H, Vec<u8>>,
    /// Connections whose peer sent FIN.
    pub eof: HashMap<H, bool>,
    /// Bytes written so far per connection (the pattern's offset).
    pub tx_offset: HashMap<H, u64>,
    /// Connections the application gave up inside a callback (tcp_close
    /// on FIN, tcp_abort in recv): their descriptors act as freed.
    pub given_up: HashSet<H>,
    /// The peer every connection the application opens itself goes to.
    pub remote: (IpAddr, u16),
    /// Connections the application opened inside callbacks (policy
    /// `CONNECT`), not yet given a descriptor.
    pub opened: VecDeque<H>,
}

impl<H: Copy + Eq + Hash> Default for AppState<H> {
    fn default() -> Self {
        AppState {
            default: Policy::default(),
            per_conn: HashMap::new(),
            accepted: VecDeque::new(),
            rx: HashMap::new(),
            eof: HashMap::new(),
            tx_offset: HashMap::new(),
            given_up: HashSet::new(),
            remote: (IpAddr::V4([0; 4]), 0),
            opened: VecDeque::new(),
        }
    }
}

impl<H: Copy + Eq + Hash> AppState<H> {
    /// The policy of a connection.
    pub fn policy(&self, h: H) -> Policy {
        self.per_conn.get(&h).copied().unwrap_or(self.default)
    }

    /// The next `len` bytes of `h`'s stream, advancing its offset.
    pub fn next_tx(&mut self, h: H, len: usize) -> Vec<u8> {
        let off = self.tx_offset.entry(h).or_insert(0);
        pattern(*off, len)
    }

    /// Records that `n` bytes were accepted by tcp_write.
    pub fn wrote(&mut self, h: H, n: usize) {
        *self.tx_offset.entry(h).or_insert(0) += n as u64;
    }

    /// accept callback.
    pub fn on_accept(&mut self, listener: H, new: Option<H>, err: i8) -> i8 {
        let _ = err;
        let ret = self.policy(listener).accept_returns;
        if let Some(h) = new
            && ret == ERR_OK
        {
            let p = self.policy(listener);
            self.per_conn.insert(h, p);
            self.accepted.push_back(h);
        }
        ret
    }

    /// recv callback.
    pub fn on_recv<A: Api<H = H>>(
        &mut self,
        api: &mut A,
        h: H,
        data: Option<&[u8]>,
        err: i8,
    ) -> i8 {
        let p = self.policy(h);
        let Some(data) = data else {
            if err == ERR_OK {
                self.eof.insert(h, true);
                match p.fin {
                    FinPolicy::Keep => {}
                    FinPolicy::Close => {
                        // After the application's own close lwIP still
                        // reports the FIN; closing again is then refused
                        // and ignored.
                        let r = api.close(h);
                        if r == ERR_OK {
                            self.given_up.insert(h);
                        }
                        return r;
                    }
                    FinPolicy::Abort => {
                        api.abort(h);
                        self.given_up.insert(h);
                        return ERR_ABRT;
                    }
                }
            }
            return ERR_OK;
        };
        match p.recv {
            RecvPolicy::Refuse => ERR_MEM,
            RecvPolicy::Abort => {
                api.abort(h);
                self.given_up.insert(h);
                ERR_ABRT
            }
            RecvPolicy::Consume => {
                api.recved(h, u16::try_from(data.len()).unwrap_or(u16::MAX));
                ERR_OK
            }
            RecvPolicy::Defer => {
                self.rx.entry(h).or_default().extend_from_slice(data);
                ERR_OK
            }
        }
    }

    /// connected callback.
    pub fn on_connected<A: Api<H = H>>(&mut self, api: &mut A, h: H, _err: i8) -> i8 {
        let a = self.policy(h).connected;
        if let CbAction::Connect(_) = a {
            self.apply(h, PolicyChange::Connected(CbAction::Nothing));
        }
        self.act(api, h, a)
    }

    /// poll callback.
    pub fn on_poll<A: Api<H = H>>(&mut self, api: &mut A, h: H) -> i8 {
        let a = self.policy(h).poll;
        if let CbAction::Connect(_) = a {
            self.apply(h, PolicyChange::Poll(CbAction::Nothing));
        }
        self.act(api, h, a)
    }

    /// Changes one connection's own policy (starting from the one it has).
    fn apply(&mut self, h: H, c: PolicyChange) {
        let mut p = self.policy(h);
        p.apply(c);
        self.per_conn.insert(h, p);
    }

    /// What connected and poll do.
    fn act<A: Api<H = H>>(&mut self, api: &mut A, h: H, a: CbAction) -> i8 {
        match a {
            CbAction::Nothing => ERR_OK,
            CbAction::Close => {
                let r = api.close(h);
                if r == ERR_OK {
                    self.given_up.insert(h);
                }
                r
            }
            CbAction::Abort => {
                api.abort(h);
                self.given_up.insert(h);
                ERR_ABRT
            }
            CbAction::Connect(port) => {
                let (ip, remote_port) = self.remote;
                let port = if port == 0 { remote_port } else { port };
                if let Some(new) = api.connect_new(ip, port) {
                    self.opened.push_back(new);
                }
                ERR_OK
            }
        }
    }

    /// sent callback.
    pub fn on_sent<A: Api<H = H>>(&mut self, api: &mut A, h: H, _len: u16) -> i8 {
        let n = match self.policy(h).sent {
            SentPolicy::Write(n) => n as usize,
            SentPolicy::Abort => {
                api.abort(h);
                self.given_up.insert(h);
                return ERR_ABRT;
            }
        };
        if n > 0 {
            let data = self.next_tx(h, n);
            let err = api.write(h, &data, true, false);
            if err == ERR_OK {
                self.wrote(h, n);
                api.output(h);
            }
        }
        ERR_OK
    }

    /// read(): up to `len` buffered bytes, acknowledged with tcp_recved.
    /// Returns the byte count, or None if nothing is buffered (0 at EOF is
    /// Some(0)).
    pub fn read<A: Api<H = H>>(&mut self, api: &mut A, h: H, len: usize) -> Option<usize> {
        let buf = self.rx.entry(h).or_default();
        if buf.is_empty() {
            return self.eof.get(&h).copied().unwrap_or(false).then_some(0);
        }
        let n = len.min(buf.len());
        buf.drain(..n);
        let mut left = n;
        while left > 0 {
            let chunk = left.min(usize::from(u16::MAX));
            api.recved(h, chunk as u16);
            left -= chunk;
        }
        Some(n)
    }
}
