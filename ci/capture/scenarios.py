"""Scenario table for ci/capture-traces.

One entry per capture file in traces/.  Everything the capture script, the
peers (peer.py) and the checker (pcapcheck.py) need to know about a scenario
lives here, so the three cannot drift apart.

Fields
  name     file name without extension (also the scenario id on the CLI)
  kind     peer behaviour implemented in peer.py
  args     parameters for that behaviour
  port     fixed client source port (first one, for several connections)
  fmt      capture format: pcap | pcap-nsec | pcapng | sll | sll2
  mtu      veth MTU (both ends)
  cli_sysctl / srv_sysctl   per-netns sysctls (net.ipv4.* are per netns)
  cli_ipt / srv_ipt         iptables rules (args after `iptables`) added in
                            the client / server namespace before traffic
  expect   features the checker must observe in the capture (see pcapcheck)
  conns    number of TCP connections expected in the file
  maxpay   largest TCP payload allowed in the file
  special  human text for the README "special" column
"""

import os

# `ci/capture-traces --ipv6` sets CAPTURE_IPV6=1: the same scenarios over
# IPv6 (documentation prefix 2001:db8::/64), into traces/ipv6/.
IPV6 = os.environ.get("CAPTURE_IPV6") == "1"
CLIENT_IP = "2001:db8::1" if IPV6 else "192.0.2.1"
SERVER_IP = "2001:db8::2" if IPV6 else "192.0.2.2"
CLIENT_MAC = "02:00:00:00:00:01"
SERVER_MAC = "02:00:00:00:00:02"
SERVER_PORT = 5000
CLOSED_PORT = 5999

# Loss.  `-j DROP` in OUTPUT is no loss at all: the verdict comes back to
# TCP as -EPERM, which treats the segment as not sent and simply sends it
# again on its next attempt.  NFQUEUE to a queue nobody listens on frees
# the packet and reports success, so TCP believes it was transmitted: a
# real loss on the wire, before the capture point (the capture is what the
# receiver got).  The veths have gso_max_segs 1, so each packet the OUTPUT
# chain sees is one wire segment (otherwise TCP hands netfilter GSO
# super-packets of several segments and one "drop" loses all of them).
LOSS = "-j NFQUEUE --queue-num 9"

# A data segment, for iptables: an IPv4 packet of >= 100 bytes that is
# not a SYN.  Pure ACKs (even with 3 SACK blocks) are shorter than that.
_DATA = "-m length --length 100:65535 ! --syn"


def _drop_data(direction_opt, every, packet):
    return (f"-A OUTPUT -p tcp {direction_opt} {_DATA} "
            f"-m statistic --mode nth --every {every} --packet {packet} {LOSS}")


def _once(k):
    """nth-match parameters that match only the k-th (1-based) packet seen by
    the rule: `--packet P` matches packet P+1 first, then every N-th."""
    return 100000, k - 1


SCENARIOS = []


def S(name, kind, port, special, args=None, fmt="pcap", mtu=1500,
      cli_sysctl=None, srv_sysctl=None, cli_ipt=None, srv_ipt=None,
      expect=(), conns=1, maxpay=None, initiator="client", desc=None,
      retries=1):
    if maxpay is None:
        maxpay = mtu - 40
    SCENARIOS.append(dict(
        name=name, kind=kind, port=port, special=special, args=args or {},
        fmt=fmt, mtu=mtu, cli_sysctl=cli_sysctl or {},
        srv_sysctl=srv_sysctl or {}, cli_ipt=cli_ipt or [],
        srv_ipt=srv_ipt or [], expect=set(expect) | {"checksums"},
        conns=conns, maxpay=maxpay, initiator=initiator, desc=desc or kind,
        retries=retries))


# --- HTTP-like request/response, server closes after the response --------
for i, size in enumerate([0, 100, 1460, 4000, 20000, 60000]):
    S(f"http-get-{size}", "http", 41000 + i,
      f"response: 38..42 B header + {size} B body; server closes first",
      args=dict(size=size), expect={"handshake", "fin"},
      desc=f"HTTP/1.0-like GET, {size} B body")

# --- bulk transfers --------------------------------------------------------
S("bulk-upload-100000", "bulk_upload", 41010,
  "client sends 100000 B then shuts down write; server answers a 32 B digest",
  args=dict(size=100000), expect={"handshake", "fin"}, desc="bulk upload")
S("bulk-download-100000", "bulk_download", 41011,
  "server sends 100000 B then closes", args=dict(size=100000),
  expect={"handshake", "fin"}, desc="bulk download")
S("duplex-bulk-40000-nsec", "duplex", 41012,
  "both sides send 40000 B at once; nanosecond-resolution pcap (magic a1b23c4d)",
  args=dict(size=40000), fmt="pcap-nsec", expect={"handshake", "fin"},
  desc="full-duplex bulk, both directions at once")

# --- echo / interactive ----------------------------------------------------
S("echo-8rounds", "echo", 41020,
  "8 rounds (1..3000 B) 20 ms apart, client closes; pcapng written by dumpcap",
  args=dict(sizes=[1, 10, 100, 500, 1000, 1460, 3000, 64], gap=0.02),
  fmt="pcapng", expect={"handshake", "fin"}, desc="echo, 8 rounds")
S("banner-server-first", "banner", 41021,
  "server speaks first (banner), then command/reply, server closes",
  expect={"handshake", "fin"}, desc="server-first banner protocol")
S("nagle-small-writes", "nagle", 41022,
  "client writes 40 x 10 B 2 ms apart without TCP_NODELAY (Nagle coalescing)",
  args=dict(count=40, size=10, gap=0.002), expect={"handshake", "fin"},
  desc="many small writes, Nagle on")
S("urgent-oob", "urgent", 41023,
  "client sends one byte with MSG_OOB between normal data (URG flag)",
  expect={"handshake", "fin", "urg"}, desc="urgent data")

# --- closing variants ------------------------------------------------------
S("half-close-sll", "half_close", 41030,
  "client shutdown(SHUT_WR) after request; server sends 3 x 2000 B 100 ms "
  "apart, then closes; captured with -i any (LINUX_SLL)",
  args=dict(chunks=3, chunk=2000, gap=0.1), fmt="sll",
  expect={"handshake", "fin", "half-close"}, desc="half-close")
S("abort-client-rst", "abort_client", 41031,
  "client closes with SO_LINGER {1,0} after the reply -> RST from client",
  expect={"handshake", "rst-client"}, desc="abortive close by client")
S("abort-server-rst-sll2", "abort_server", 41032,
  "server closes with SO_LINGER {1,0} after its reply -> RST from server; "
  "captured with -i any -y LINUX_SLL2",
  fmt="sll2", expect={"handshake", "rst-server"},
  desc="abortive close by server")
S("abort-unread-data", "abort_unread", 41033,
  "server close()s with 2900 B unread in its receive buffer -> RST",
  expect={"handshake", "rst-server"}, desc="close with unread data")
S("simultaneous-close", "simul_close", 41034,
  "both sides close; the client's first FIN is dropped (client OUTPUT, once) "
  "so the server's FIN reaches a client in FIN_WAIT_1 -> CLOSING, and its "
  "retransmitted FIN reaches the server in FIN_WAIT_2 (both TIME_WAIT)",
  cli_ipt=[f"-A OUTPUT -p tcp --tcp-flags FIN FIN -m statistic --mode nth "
           f"--every {_once(1)[0]} --packet {_once(1)[1]} {LOSS}"],
  expect={"handshake", "fin", "simul-close", "retx"},
  desc="simultaneous close")
S("simultaneous-close-timed", "simul_close_timed", 41036,
  "both sides spin until the same instant, then shutdown(SHUT_WR): the two "
  "FINs cross on the wire (kept only if the checker sees them cross)",
  expect={"handshake", "fin", "simul-close"}, retries=8,
  desc="simultaneous close, FINs crossing")
S("closed-port-rst", "closed_port", 41035,
  f"SYN to port {CLOSED_PORT} where nothing listens -> RST,ACK",
  expect={"rst-server", "no-handshake"}, desc="connect to closed port")
S("many-short-5", "many_short", 41040,
  "5 sequential connections (source ports 41040..41044), 50 ms apart; "
  "pcapng written by dumpcap",
  args=dict(sizes=[10, 200, 1500, 3000, 0], gap=0.05), fmt="pcapng",
  conns=5, expect={"handshake", "fin"}, desc="5 short connections")

# --- windows and timers ----------------------------------------------------
S("zero-window-upload", "zero_window_upload", 41050,
  "server SO_RCVBUF 2048 (wscale 0), sleeps 1.5 s then reads 1024 B / 50 ms; "
  "client sends 40000 B -> zero window, probes, window update",
  args=dict(size=40000, rcvbuf=2048, first=1.5, chunk=1024, gap=0.05),
  expect={"handshake", "fin", "zero-window", "window-probe"},
  desc="slow reader (server), zero window")
S("zero-window-download", "zero_window_download", 41051,
  "client SO_RCVBUF 2048, sleeps 1.5 s then reads 1024 B / 50 ms; "
  "server sends 30000 B -> zero window, probes, window update",
  args=dict(size=30000, rcvbuf=2048, first=1.5, chunk=1024, gap=0.05),
  expect={"handshake", "fin", "zero-window", "window-probe"},
  desc="slow reader (client), zero window")
S("keepalive-idle", "keepalive", 41052,
  "client SO_KEEPALIVE, TCP_KEEPIDLE=1 s, TCP_KEEPINTVL=1 s; idle 3.5 s "
  "between request/reply and the final exchange",
  args=dict(idle=3.5), expect={"handshake", "fin", "keepalive"},
  desc="idle connection with keepalive probes")
S("keepalive-dead-peer", "keepalive_dead", 41053,
  "as keepalive-idle with TCP_KEEPCNT=3, but after the exchange the server "
  "namespace drops all its outgoing TCP; probes go unanswered and the "
  "client gives up with RST",
  expect={"handshake", "keepalive", "rst-client"},
  desc="keepalive to a dead peer")

# --- loss (iptables statistic in the sender's OUTPUT chain: dropped ------
# --- segments never reach the wire, so they are absent from the capture) ---
S("bulk-upload-lossy-drop5th", "bulk_upload", 41060,
  "client's 5th data segment dropped once -> dupacks with SACK, fast "
  "retransmit", args=dict(size=100000),
  cli_ipt=[_drop_data(f"--dport {SERVER_PORT}", *_once(5))],
  expect={"handshake", "fin", "retx", "sack", "hole"},
  desc="bulk upload, one loss")
S("bulk-download-lossy-nth7", "bulk_download", 41061,
  "every 7th server data segment dropped (incl. retransmissions) -> SACK, "
  "fast recovery", args=dict(size=100000),
  srv_ipt=[_drop_data(f"--sport {SERVER_PORT}", 7, 6)],
  expect={"handshake", "fin", "retx", "sack", "hole"},
  desc="bulk download, periodic loss")
S("bulk-download-lossy-nth7-nosack", "bulk_download", 41062,
  "as bulk-download-lossy-nth7 with tcp_sack=0 on the client (no SACK_PERM "
  "in its SYN) -> NewReno recovery", args=dict(size=100000),
  cli_sysctl={"net.ipv4.tcp_sack": 0},
  srv_ipt=[_drop_data(f"--sport {SERVER_PORT}", 7, 6)],
  expect={"handshake", "fin", "retx", "hole", "no-sack"},
  desc="bulk download, periodic loss, no SACK")
S("bulk-download-lossy-random5pct", "bulk_download", 41063,
  "server data segments dropped at random with p=0.05 (NOT reproducible: "
  "the drop pattern differs on each run)", args=dict(size=100000),
  srv_ipt=[f"-A OUTPUT -p tcp --sport {SERVER_PORT} {_DATA} -m statistic "
           f"--mode random --probability 0.05 {LOSS}"],
  expect={"handshake", "fin"}, desc="bulk download, random loss")
S("bulk-upload-ackloss-nth3", "bulk_upload", 41064,
  "every 3rd pure ACK from the server dropped (cumulative ACKs cover it)",
  args=dict(size=100000),
  srv_ipt=[f"-A OUTPUT -p tcp --sport {SERVER_PORT} -m length --length 0:99 "
           f"--tcp-flags ALL ACK -m statistic --mode nth --every 3 "
           f"--packet 2 {LOSS}"],
  expect={"handshake", "fin"}, desc="bulk upload, ACK loss")
S("http-get-60000-tailloss", "http", 41065,
  "last data segment of the response (the 42nd) dropped once; the FIN "
  "follows alone, the client SACKs it, the server retransmits the tail", args=dict(size=60000),
  srv_ipt=[_drop_data(f"--sport {SERVER_PORT}", *_once(42))],
  expect={"handshake", "fin", "retx", "hole"}, desc="GET 60000, tail loss")
S("syn-loss", "http", 41066,
  "client's first SYN dropped -> SYN retransmitted after 1 s (the only "
  "SYN on the wire)",
  args=dict(size=1000),
  cli_ipt=[f"-A OUTPUT -p tcp --syn -m statistic --mode nth --every "
           f"{_once(1)[0]} --packet {_once(1)[1]} {LOSS}"],
  expect={"handshake", "fin"}, desc="SYN lost")
S("synack-loss", "http", 41067,
  "server's first SYN-ACK dropped -> SYN-ACK (and/or SYN) retransmitted",
  args=dict(size=1000),
  srv_ipt=[f"-A OUTPUT -p tcp --tcp-flags SYN,ACK SYN,ACK -m statistic "
           f"--mode nth --every {_once(1)[0]} --packet {_once(1)[1]} {LOSS}"],
  expect={"handshake", "fin", "retx"}, desc="SYN-ACK lost")
S("fin-loss", "http", 41068,
  "server's first FIN dropped -> FIN retransmitted after the RTO (~200 ms "
  "gap before the only FIN on the wire)", args=dict(size=100),
  srv_ipt=[f"-A OUTPUT -p tcp --sport {SERVER_PORT} --tcp-flags FIN FIN "
           f"-m statistic --mode nth --every {_once(1)[0]} "
           f"--packet {_once(1)[1]} {LOSS}"],
  expect={"handshake", "fin", "gap"}, desc="FIN lost")

# --- TCP option variants (sysctls are per network namespace) -------------
S("opts-no-timestamps", "http", 41070,
  "client tcp_timestamps=0: no TS in SYN nor SYN-ACK", args=dict(size=4000),
  cli_sysctl={"net.ipv4.tcp_timestamps": 0},
  expect={"handshake", "fin", "no-ts"}, desc="GET 4000, no timestamps")
S("opts-no-sack", "http", 41071,
  "client tcp_sack=0: no SACK_PERM in SYN nor SYN-ACK", args=dict(size=4000),
  cli_sysctl={"net.ipv4.tcp_sack": 0},
  expect={"handshake", "fin", "no-sack"}, desc="GET 4000, no SACK")
S("opts-no-wscale", "http", 41072,
  "client tcp_window_scaling=0: no WS in SYN nor SYN-ACK",
  args=dict(size=4000), cli_sysctl={"net.ipv4.tcp_window_scaling": 0},
  expect={"handshake", "fin", "no-ws"}, desc="GET 4000, no window scaling")
S("opts-mss-only", "http", 41073,
  "client timestamps, SACK and window scaling all off: SYN carries only MSS",
  args=dict(size=4000),
  cli_sysctl={"net.ipv4.tcp_timestamps": 0, "net.ipv4.tcp_sack": 0,
              "net.ipv4.tcp_window_scaling": 0},
  expect={"handshake", "fin", "no-ts", "no-sack", "no-ws"},
  desc="GET 4000, SYN with MSS only")
S("opts-server-no-timestamps", "http", 41074,
  "server tcp_timestamps=0: client SYN has TS, SYN-ACK declines it",
  args=dict(size=4000), srv_sysctl={"net.ipv4.tcp_timestamps": 0},
  expect={"handshake", "fin", "ts-declined", "no-ts"},
  desc="GET 4000, server declines timestamps")
S("opts-ecn", "http", 41075,
  "client tcp_ecn=1: SYN with ECE+CWR, SYN-ACK with ECE, data ECT(0)",
  args=dict(size=4000), cli_sysctl={"net.ipv4.tcp_ecn": 1},
  expect={"handshake", "fin", "ecn"}, desc="GET 4000, ECN negotiated")
S("mss-536-mtu576", "http", 41076,
  "veth MTU 576 -> MSS 536 on both SYNs", args=dict(size=4000), mtu=576,
  expect={"handshake", "fin"}, desc="GET 4000 over MTU 576")
S("mss-200-sockopt", "http", 41077,
  "client TCP_MAXSEG=200 before connect -> SYN MSS 200, server sends "
  "<= 200 B segments", args=dict(size=4000, client_mss=200), maxpay=200,
  expect={"handshake", "fin"}, desc="GET 4000, MSS 200 via TCP_MAXSEG")


BY_NAME = {s["name"]: s for s in SCENARIOS}

EXT = {"pcap": ".pcap", "pcap-nsec": ".pcap", "sll": ".pcap",
       "sll2": ".pcap", "pcapng": ".pcapng"}


def filename(s):
    return s["name"] + EXT[s["fmt"]]


def _shq(v):
    return "'" + str(v).replace("'", "'\\''") + "'"


def shell_vars(s):
    """Shell assignments consumed by ci/capture-traces."""
    out = [f"SC_NAME={_shq(s['name'])}",
           f"SC_FILE={_shq(filename(s))}",
           f"SC_FMT={_shq(s['fmt'])}",
           f"SC_MTU={_shq(s['mtu'])}",
           f"SC_RETRIES={_shq(s['retries'])}"]
    for side in ("cli", "srv"):
        sysctls = " ".join(f"{k}={v}" for k, v in s[f"{side}_sysctl"].items())
        out.append(f"SC_{side.upper()}_SYSCTL={_shq(sysctls)}")
        rules = s[f"{side}_ipt"]
        out.append(f"SC_{side.upper()}_IPT=(" +
                   " ".join(_shq(r) for r in rules) + ")")
    return "\n".join(out)


if __name__ == "__main__":
    import sys
    if sys.argv[1:2] == ["list"]:
        print("\n".join(s["name"] for s in SCENARIOS))
    elif sys.argv[1:2] == ["vars"]:
        s = BY_NAME.get(sys.argv[2])
        if s is None:
            sys.exit(f"unknown scenario {sys.argv[2]!r}")
        print(shell_vars(s))
    elif sys.argv[1:2] == ["files"]:
        print("\n".join(filename(s) for s in SCENARIOS))
    else:
        sys.exit("usage: scenarios.py list | vars NAME | files")
