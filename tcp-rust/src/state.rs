//! Connection states, PCB flags and TCP header flag bits.
//!
//! - [`TcpState`]: port of lwIP's `enum tcp_state` (tcpbase.h).
//! - [`TcpFlags`] and the `TF_*` constants: port of lwIP's `tcpflags_t` and
//!   the `pcb->flags` bits (tcp.h), plus the input-processing `recv_flags`
//!   bits `TF_RESET`, `TF_CLOSED`, `TF_GOT_FIN` (tcp_priv.h).
//! - `TCP_FIN` … `TCP_CWR`, `TCP_FLAGS`: the header flag bits (prot/tcp.h),
//!   as raw `u8` constants because a segment may carry any combination
//!   (e.g. SYN+FIN).

/// Port of lwIP's `enum tcp_state` (tcpbase.h), with the same numeric
/// values (`CLOSED = 0` … `TIME_WAIT = 10`): defined once for the port, the
/// C stack's driver and the harness in `lwip-vocab`, with lwIP's names
/// (`tcp_state_str`).
pub use lwip_vocab::TcpState;

// ---------------------------------------------------------------------------
// pcb->flags
// ---------------------------------------------------------------------------

/// Port of lwIP's `tcpflags_t` (tcp.h): the type of `pcb->flags`.
///
/// lwIP 2.2.1 defines it as `u16_t` unconditionally.
pub type TcpFlags = u16;

/// Port of lwIP's `TCP_ALLFLAGS` (tcp.h).
pub const TCP_ALLFLAGS: TcpFlags = 0xffff;

/// Port of lwIP's `TF_ACK_DELAY` (tcp.h): delayed ACK.
pub const TF_ACK_DELAY: TcpFlags = 0x01;
/// Port of lwIP's `TF_ACK_NOW` (tcp.h): immediate ACK.
pub const TF_ACK_NOW: TcpFlags = 0x02;
/// Port of lwIP's `TF_INFR` (tcp.h): in fast recovery.
pub const TF_INFR: TcpFlags = 0x04;
/// Port of lwIP's `TF_CLOSEPEND` (tcp.h): `tcp_close` failed to enqueue the
/// FIN (retried in `tcp_tmr`).
pub const TF_CLOSEPEND: TcpFlags = 0x08;
/// Port of lwIP's `TF_RXCLOSED` (tcp.h): rx closed by `tcp_shutdown`.
pub const TF_RXCLOSED: TcpFlags = 0x10;
/// Port of lwIP's `TF_FIN` (tcp.h): connection was closed locally (FIN
/// segment enqueued).
pub const TF_FIN: TcpFlags = 0x20;
/// Port of lwIP's `TF_NODELAY` (tcp.h): Nagle algorithm disabled.
pub const TF_NODELAY: TcpFlags = 0x40;
/// Port of lwIP's `TF_NAGLEMEMERR` (tcp.h): Nagle enabled, memerr, try to
/// output to prevent the delayed ACK from happening.
pub const TF_NAGLEMEMERR: TcpFlags = 0x80;
/// Port of lwIP's `TF_WND_SCALE` (tcp.h): window scale option enabled.
/// (Defined in C only `#if LWIP_WND_SCALE`.)
pub const TF_WND_SCALE: TcpFlags = 0x0100;
/// Port of lwIP's `TF_BACKLOGPEND` (tcp.h): this connection pcb has
/// increased the backlog on its listener. (C: only `#if TCP_LISTEN_BACKLOG`.)
pub const TF_BACKLOGPEND: TcpFlags = 0x0200;
/// Port of lwIP's `TF_TIMESTAMP` (tcp.h): timestamp option enabled.
/// (C: only `#if LWIP_TCP_TIMESTAMPS`.)
pub const TF_TIMESTAMP: TcpFlags = 0x0400;
/// Port of lwIP's `TF_RTO` (tcp.h): RTO timer has fired, in-flight data
/// moved to unsent and being retransmitted.
pub const TF_RTO: TcpFlags = 0x0800;
/// Port of lwIP's `TF_SACK` (tcp.h): selective ACKs enabled.
/// (C: only `#if LWIP_TCP_SACK_OUT`.)
pub const TF_SACK: TcpFlags = 0x1000;

// ---------------------------------------------------------------------------
// recv_flags (tcp_in.c), not pcb->flags
// ---------------------------------------------------------------------------

/// Port of lwIP's `TF_RESET` (tcp_priv.h): input-processing flag (lwIP's
/// `recv_flags` in tcp_in.c, *not* `pcb->flags`): connection was reset.
pub const TF_RESET: u8 = 0x08;
/// Port of lwIP's `TF_CLOSED` (tcp_priv.h): input-processing flag
/// (`recv_flags`): connection was successfully closed.
pub const TF_CLOSED: u8 = 0x10;
/// Port of lwIP's `TF_GOT_FIN` (tcp_priv.h): input-processing flag
/// (`recv_flags`): connection was closed by the remote end.
pub const TF_GOT_FIN: u8 = 0x20;

// ---------------------------------------------------------------------------
// TCP header flags (prot/tcp.h)
// ---------------------------------------------------------------------------

/// Port of lwIP's `TCP_FIN` (prot/tcp.h).
pub const TCP_FIN: u8 = 0x01;
/// Port of lwIP's `TCP_SYN` (prot/tcp.h).
pub const TCP_SYN: u8 = 0x02;
/// Port of lwIP's `TCP_RST` (prot/tcp.h).
pub const TCP_RST: u8 = 0x04;
/// Port of lwIP's `TCP_PSH` (prot/tcp.h).
pub const TCP_PSH: u8 = 0x08;
/// Port of lwIP's `TCP_ACK` (prot/tcp.h).
pub const TCP_ACK: u8 = 0x10;
/// Port of lwIP's `TCP_URG` (prot/tcp.h).
pub const TCP_URG: u8 = 0x20;
/// Port of lwIP's `TCP_ECE` (prot/tcp.h).
pub const TCP_ECE: u8 = 0x40;
/// Port of lwIP's `TCP_CWR` (prot/tcp.h).
pub const TCP_CWR: u8 = 0x80;
/// Port of lwIP's `TCP_FLAGS` (prot/tcp.h): the "valid" header flags
/// (FIN..URG). `TCPH_FLAGS` masks with this, so lwIP never sees ECE/CWR.
pub const TCP_FLAGS: u8 = 0x3f;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_values() {
        for (i, s) in TcpState::ALL.iter().enumerate() {
            assert_eq!(usize::from(*s as u8), i);
        }
        assert_eq!(TcpState::TimeWait as u8, 10);
    }

    #[test]
    fn pcb_flag_values() {
        assert_eq!(TF_ACK_DELAY, 0x0001);
        assert_eq!(TF_ACK_NOW, 0x0002);
        assert_eq!(TF_INFR, 0x0004);
        assert_eq!(TF_CLOSEPEND, 0x0008);
        assert_eq!(TF_RXCLOSED, 0x0010);
        assert_eq!(TF_FIN, 0x0020);
        assert_eq!(TF_NODELAY, 0x0040);
        assert_eq!(TF_NAGLEMEMERR, 0x0080);
        assert_eq!(TF_WND_SCALE, 0x0100);
        assert_eq!(TF_BACKLOGPEND, 0x0200);
        assert_eq!(TF_TIMESTAMP, 0x0400);
        assert_eq!(TF_RTO, 0x0800);
        assert_eq!(TF_SACK, 0x1000);
        assert_eq!((TF_RESET, TF_CLOSED, TF_GOT_FIN), (0x08, 0x10, 0x20));
    }

    #[test]
    fn header_flag_values() {
        assert_eq!(
            [
                TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK, TCP_URG, TCP_ECE, TCP_CWR
            ],
            [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80]
        );
        assert_eq!(TCP_FLAGS, 0x3f);
    }
}
