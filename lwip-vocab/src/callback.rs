//! lwIP's TCP callbacks: which one was made.

/// Which of a TCP pcb's callbacks lwIP made: the function types
/// `tcp_accept_fn`, `tcp_connected_fn`, `tcp_recv_fn`, `tcp_sent_fn`,
/// `tcp_poll_fn` and `tcp_err_fn` (tcpbase.h, tcp.h).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallbackKind {
    /// `accept(arg, newpcb, err)`: `tcp_accept_fn`.
    Accept,
    /// `connected(arg, pcb, err)`: `tcp_connected_fn`.
    Connected,
    /// `recv(arg, pcb, p, err)`: `tcp_recv_fn`.
    Recv,
    /// `sent(arg, pcb, len)`: `tcp_sent_fn`.
    Sent,
    /// `poll(arg, pcb)`: `tcp_poll_fn`.
    Poll,
    /// `err(arg, err)`: `tcp_err_fn`.
    Err,
}

impl CallbackKind {
    /// Every kind.
    pub const ALL: [CallbackKind; 6] = [
        CallbackKind::Accept,
        CallbackKind::Connected,
        CallbackKind::Recv,
        CallbackKind::Sent,
        CallbackKind::Poll,
        CallbackKind::Err,
    ];

    /// lwIP's name for it: the `X` of its function type `tcp_X_fn`
    /// (`"recv"`).
    pub const fn name(self) -> &'static str {
        match self {
            CallbackKind::Accept => "accept",
            CallbackKind::Connected => "connected",
            CallbackKind::Recv => "recv",
            CallbackKind::Sent => "sent",
            CallbackKind::Poll => "poll",
            CallbackKind::Err => "err",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct() {
        let names: std::collections::BTreeSet<_> =
            CallbackKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names.len(), CallbackKind::ALL.len());
        assert_eq!(CallbackKind::Connected.name(), "connected");
    }
}
