"""Reader, checker and README writer for the captures in traces/.

usage: pcapcheck.py TRACES_DIR [--readme FILE] [--duration SECONDS]
       pcapcheck.py --one FILE SCENARIO

Reads every *.pcap / *.pcapng in TRACES_DIR (classic pcap in micro- or
nanosecond resolution; pcapng with EPB/SPB; link types Ethernet, LINUX_SLL
and LINUX_SLL2), decodes IPv4/TCP, and checks each file against its entry
in scenarios.py:
  - no truncated packet (caplen == original length), size < 200 KB,
  - only TCP between the two scenario addresses, the expected number of
    connections, valid IPv4 and TCP checksums, payload <= the scenario MSS,
  - the handshake is captured and every connection ends with FIN from both
    sides or an RST (unless the scenario says otherwise),
  - the features the scenario is built to show (retransmission, SACK, zero
    window, window probes, keepalives, RST side, options, ...) are present.
Prints one summary line per file and, with --readme, rewrites the README
with a table generated from what was actually read.
Exits 1 if any file fails.
"""

import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scenarios  # noqa: E402

MAX_FILE = 200 * 1024
LINKTYPES = {1: "EN10MB (Ethernet)", 113: "LINUX_SLL", 276: "LINUX_SLL2"}


# ------------------------------------------------------------- reading ----
class Capture:
    def __init__(self):
        self.fmt = None          # "pcap" | "pcap-nsec" | "pcapng"
        self.linktypes = set()
        self.packets = []        # (ts_seconds_float, linktype, caplen, origlen, data)


def read_pcap(buf, cap):
    magic = buf[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise ValueError("not a pcap file")
    nsec = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    cap.fmt = "pcap-nsec" if nsec else "pcap"
    _, _, _, _, snaplen, linktype = struct.unpack(e + "HHiIII", buf[4:24])
    linktype &= 0xFFFF
    cap.linktypes.add(linktype)
    off = 24
    div = 1e9 if nsec else 1e6
    while off < len(buf):
        if off + 16 > len(buf):
            raise ValueError("truncated record header")
        sec, frac, incl, orig = struct.unpack(e + "IIII", buf[off:off + 16])
        off += 16
        if off + incl > len(buf):
            raise ValueError("truncated record data")
        cap.packets.append((sec + frac / div, linktype, incl, orig,
                            buf[off:off + incl]))
        off += incl


def read_pcapng(buf, cap):
    cap.fmt = "pcapng"
    off = 0
    e = "<"
    ifaces = []   # (linktype, snaplen, ts_divisor)
    while off < len(buf):
        if off + 12 > len(buf):
            raise ValueError("truncated block header")
        btype = struct.unpack(e + "I", buf[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            bom = buf[off + 8:off + 12]
            e = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            ifaces = []
        blen = struct.unpack(e + "I", buf[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(buf):
            raise ValueError("bad block length")
        body = buf[off + 8:off + blen - 4]
        if btype == 1:  # Interface Description Block
            linktype, _, snaplen = struct.unpack(e + "HHI", body[:8])
            div = 1e6
            o = 8
            while o + 4 <= len(body):
                code, olen = struct.unpack(e + "HH", body[o:o + 4])
                if code == 0:
                    break
                if code == 9 and olen >= 1:  # if_tsresol
                    r = body[o + 4]
                    div = float(2 ** (r & 0x7F)) if r & 0x80 else 10.0 ** r
                o += 4 + ((olen + 3) & ~3)
            ifaces.append((linktype, snaplen, div))
            cap.linktypes.add(linktype)
        elif btype == 6:  # Enhanced Packet Block
            iid, hi, lo, incl, orig = struct.unpack(e + "IIIII", body[:20])
            linktype, _, div = ifaces[iid]
            cap.packets.append((((hi << 32) | lo) / div, linktype, incl, orig,
                                body[20:20 + incl]))
        elif btype == 3:  # Simple Packet Block
            orig = struct.unpack(e + "I", body[:4])[0]
            linktype, snaplen, _ = ifaces[0]
            incl = min(orig, snaplen) if snaplen else orig
            cap.packets.append((0.0, linktype, incl, orig, body[4:4 + incl]))
        off += blen


def read_capture(path):
    with open(path, "rb") as f:
        buf = f.read()
    cap = Capture()
    if buf[:4] == b"\x0a\x0d\x0d\x0a":
        read_pcapng(buf, cap)
    else:
        read_pcap(buf, cap)
    return cap, len(buf)


# ------------------------------------------------------------ decoding ----
def l3(linktype, data):
    """(ethertype, offset of the network header)"""
    if linktype == 1:
        return struct.unpack(">H", data[12:14])[0], 14
    if linktype == 113:
        return struct.unpack(">H", data[14:16])[0], 16
    if linktype == 276:
        return struct.unpack(">H", data[0:2])[0], 20
    raise ValueError(f"unsupported link type {linktype}")


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f">{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


OPTNAMES = {2: "MSS", 3: "WS", 4: "SACK_PERM", 5: "SACK", 8: "TS"}


def tcp_options(raw):
    opts = []
    i = 0
    while i < len(raw):
        k = raw[i]
        if k == 0:
            break
        if k == 1:
            i += 1
            continue
        if i + 1 >= len(raw) or raw[i + 1] < 2:
            opts.append((k, b""))
            break
        ln = raw[i + 1]
        opts.append((k, raw[i + 2:i + ln]))
        i += ln
    return opts


class Seg:
    pass


def decode(pkt):
    """Decode one captured packet into a Seg; raise ValueError on anything
    that is not a well-formed IPv4/TCP packet with correct checksums."""
    ts, linktype, incl, orig, data = pkt
    etype, o = l3(linktype, data)
    if etype != 0x0800:
        raise ValueError(f"non-IPv4 ethertype {etype:#x}")
    ip = data[o:]
    ihl = (ip[0] & 0xF) * 4
    tot = struct.unpack(">H", ip[2:4])[0]
    if ip[0] >> 4 != 4 or len(ip) < tot:
        raise ValueError("bad/short IPv4 packet")
    ip = ip[:tot]
    if csum(ip[:ihl]) != 0xFFFF:
        raise ValueError("bad IPv4 header checksum")
    if ip[9] != 6:
        raise ValueError(f"non-TCP protocol {ip[9]}")
    s = Seg()
    s.ts = ts
    s.tos = ip[1]
    s.src = ".".join(map(str, ip[12:16]))
    s.dst = ".".join(map(str, ip[16:20]))
    t = ip[ihl:]
    pseudo = ip[12:20] + struct.pack(">BBH", 0, 6, len(t))
    s.csum_ok = csum(pseudo + t) == 0xFFFF
    (s.sport, s.dport, s.seq, s.ack, off_flags, s.win, _,
     s.urp) = struct.unpack(">HHIIHHHH", t[:20])
    doff = (off_flags >> 12) * 4
    s.flags = off_flags & 0x1FF
    s.opts = tcp_options(t[20:doff])
    s.payload = len(t) - doff
    return s


FIN, SYN, RST, PSH, ACK, URG, ECE, CWR = 1, 2, 4, 8, 16, 32, 64, 128


def fmt_opts(s):
    out = []
    for k, v in s.opts:
        if k == 2:
            out.append(f"MSS{struct.unpack('>H', v)[0]}")
        elif k == 3:
            out.append(f"WS{v[0]}")
        elif k == 4:
            out.append("SACK")
        elif k == 8:
            out.append("TS")
        else:
            out.append(OPTNAMES.get(k, f"opt{k}"))
    if s.flags & ECE:
        out.append("ECE")
    if s.flags & CWR:
        out.append("CWR")
    return ",".join(out) or "none"


# ------------------------------------------------------------ analysis ----
class Side:
    def __init__(self):
        self.isn = None
        self.syns = 0
        self.synseg = None
        self.maxend = None       # highest relative sequence end seen
        self.fin_rel = None
        self.fins = 0
        self.rsts = 0
        self.retx = 0
        self.holes = 0
        self.zero_win = 0
        self.sack_blocks = 0
        self.urg = 0
        self.ect = 0
        self.maxpay = 0
        self.last_win = None
        self.data_after_peer_fin = 0

    def rel(self, seq):
        return (seq - self.isn) & 0xFFFFFFFF


class Conn:
    def __init__(self, a, b):
        self.a, self.b = a, b    # a = initiator (sent the SYN) when known
        self.side = {a: Side(), b: Side()}
        self.segs = []
        self.first_close = None  # ("FIN"|"RST", endpoint)
        self.handshake = [False, False, False]


def analyse(segs):
    conns = []
    current = {}
    for s in segs:
        src, dst = (s.src, s.sport), (s.dst, s.dport)
        key = frozenset((src, dst))
        c = current.get(key)
        if c is None or (s.flags & SYN and not s.flags & ACK
                         and c.side[src].isn is not None
                         and s.seq != c.side[src].isn):
            c = Conn(src, dst)
            current[key] = c
            conns.append(c)
        c.segs.append(s)
        me, peer = c.side[src], c.side[dst]
        if s.flags & SYN:
            if me.isn is None:
                me.isn = s.seq
                me.maxend = 1
                me.synseg = s
            me.syns += 1
            if not s.flags & ACK:
                c.handshake[0] = True
            elif peer.isn is not None and peer.rel(s.ack) == 1:
                c.handshake[1] = True
            continue
        if me.isn is None:       # no SYN seen for this side: synthesise
            me.isn = (s.seq - 1) & 0xFFFFFFFF
            me.maxend = 1
        if (c.handshake[1] and not c.handshake[2] and src == c.a
                and s.flags & ACK and c.side[c.b].rel(s.ack) == 1):
            c.handshake[2] = True
        if s.flags & RST:
            me.rsts += 1
            if c.first_close is None:
                c.first_close = ("RST", src)
            continue
        start = me.rel(s.seq)
        end = start + s.payload
        if s.payload or s.flags & FIN:
            if start < me.maxend:
                me.retx += 1
            elif start > me.maxend:
                me.holes += 1
        if s.payload:
            me.maxpay = max(me.maxpay, s.payload)
            if peer.fin_rel is not None:
                me.data_after_peer_fin += 1
        if s.flags & FIN:
            me.fins += 1
            me.fin_rel = end
            end += 1
            if c.first_close is None:
                c.first_close = ("FIN", src)
        me.maxend = max(me.maxend, end)
        if s.win == 0:
            me.zero_win += 1
        me.last_win = s.win
        for k, v in s.opts:
            if k == 5:
                me.sack_blocks += len(v) // 8
        if s.flags & URG:
            me.urg += 1
        if s.tos & 3:
            me.ect += 1
    return conns


def _fin_before_ack(c, d, o):
    """Did endpoint d send its FIN before acknowledging o's FIN?  True when
    d's FIN shows up first, or when d's first segment acknowledging o's
    FIN already sits after d's own (lost, so unseen) FIN."""
    me, peer = c.side[d], c.side[o]
    if me.fin_rel is None or peer.fin_rel is None:
        return False
    for s in c.segs:
        if (s.src, s.sport) != d:
            continue
        if s.flags & ACK and peer.rel(s.ack) >= peer.fin_rel + 1:
            return not s.flags & FIN and me.rel(s.seq) == me.fin_rel + 1
        if s.flags & FIN:
            return True
    return False


def simultaneous_close(c):
    """True if each side sent its FIN before acknowledging the other's: both
    were active closers (FIN_WAIT_1 -> CLOSING on at least one side)."""
    return _fin_before_ack(c, c.a, c.b) and _fin_before_ack(c, c.b, c.a)


# -------------------------------------------------------------- checks ----
def check_file(path, sc):
    errors = []
    cap, size = read_capture(path)
    info = dict(file=os.path.basename(path), size=size, fmt=cap.fmt,
                linktype=", ".join(LINKTYPES.get(l, str(l))
                                   for l in sorted(cap.linktypes)),
                packets=len(cap.packets))
    if size >= MAX_FILE:
        errors.append(f"file is {size} B (>= 200 KB)")
    if sc is None:
        errors.append("no scenario in scenarios.py for this file")
        return info, errors
    want_link = {"pcap": 1, "pcap-nsec": 1, "pcapng": 1, "sll": 113,
                 "sll2": 276}[sc["fmt"]]
    if cap.linktypes != {want_link}:
        errors.append(f"link type {cap.linktypes}, expected {want_link}")
    want_fmt = "pcapng" if sc["fmt"] == "pcapng" else (
        "pcap-nsec" if sc["fmt"] == "pcap-nsec" else "pcap")
    if cap.fmt != want_fmt:
        errors.append(f"file format {cap.fmt}, expected {want_fmt}")
    segs = []
    for i, p in enumerate(cap.packets):
        if p[2] != p[3]:
            errors.append(f"packet {i + 1} truncated ({p[2]} of {p[3]} B)")
            continue
        try:
            s = decode(p)
        except (ValueError, IndexError, struct.error) as e:
            errors.append(f"packet {i + 1}: {e}")
            continue
        if not s.csum_ok:
            errors.append(f"packet {i + 1}: bad TCP checksum")
        if {s.src, s.dst} != {scenarios.CLIENT_IP, scenarios.SERVER_IP}:
            errors.append(f"packet {i + 1}: foreign addresses {s.src}->{s.dst}")
        if s.payload > sc["maxpay"]:
            errors.append(f"packet {i + 1}: payload {s.payload} > "
                          f"{sc['maxpay']}")
        segs.append(s)
    if not segs:
        errors.append("no TCP packets")
        return info, errors
    conns = analyse(segs)
    info["conns"] = len(conns)
    info["duration"] = segs[-1].ts - segs[0].ts
    gap = max((b.ts - a.ts for a, b in zip(segs, segs[1:])), default=0.0)
    if len(conns) != sc["conns"]:
        errors.append(f"{len(conns)} connections, expected {sc['conns']}")
    exp = sc["expect"]
    feats = {}

    def add(name, n=1):
        feats[name] = feats.get(name, 0) + n

    c0 = conns[0]
    cli = (scenarios.CLIENT_IP, sc["port"])
    info["initiator"] = "%s:%d" % c0.a
    info["responder"] = "%s:%d" % c0.b
    if c0.a != cli:
        errors.append(f"first connection initiated by {c0.a}, expected {cli}")
    info["bytes_cs"] = info["bytes_sc"] = 0
    for c in conns:
        ca, cb = c.side[c.a], c.side[c.b]
        fin_a = ca.fin_rel is not None
        fin_b = cb.fin_rel is not None
        info["bytes_cs"] += (ca.fin_rel if fin_a else ca.maxend) - 1
        info["bytes_sc"] += (cb.fin_rel if fin_b else cb.maxend) - 1 \
            if cb.isn is not None else 0
        if all(c.handshake):
            add("handshake")
        elif "no-handshake" not in exp:
            errors.append(f"conn {c.a}: handshake not captured "
                          f"(SYN/SYN-ACK/ACK = {c.handshake})")
        if not (ca.rsts or cb.rsts or (fin_a and fin_b)):
            errors.append(f"conn {c.a}: no close (FIN both ways or RST) "
                          f"in the capture")
        if fin_a and fin_b:
            add("fin")
        if ca.rsts:
            add("rst-client")
        if cb.rsts:
            add("rst-server")
        for side in (ca, cb):
            add("retx", side.retx + max(side.syns - 1, 0))
            add("hole", side.holes)
            add("zero-window", side.zero_win)
            add("sack", side.sack_blocks)
            add("urg", side.urg)
            add("ect", side.ect)
        kp, wp = _classify_probes(c)
        add("keepalive", kp)
        add("window-probe", wp)
        if cb.data_after_peer_fin and ca.fin_rel is not None:
            add("half-close")
        if simultaneous_close(c):
            add("simul-close")
        if ca.synseg is not None:
            info.setdefault("syn_opts", fmt_opts(ca.synseg))
        if cb.synseg is not None:
            info.setdefault("synack_opts", fmt_opts(cb.synseg))
        if c.first_close and "first_close" not in info:
            kind, who = c.first_close
            info["first_close"] = f"{kind} by " + (
                "client" if who == c.a else "server")
        synopts = [k for k, _ in ca.synseg.opts] if ca.synseg else []
        ackopts = [k for k, _ in cb.synseg.opts] if cb.synseg else []
        if ca.synseg and cb.synseg:
            if 8 not in synopts or 8 not in ackopts:
                add("no-ts")
            if 8 in synopts and 8 not in ackopts:
                add("ts-declined")
            if 4 not in synopts or 4 not in ackopts:
                add("no-sack")
            if 3 not in synopts or 3 not in ackopts:
                add("no-ws")
            if (ca.synseg.flags & (ECE | CWR) == ECE | CWR
                    and cb.synseg.flags & ECE):
                add("ecn")
    info["syn_opts"] = info.get("syn_opts", "-")
    info["synack_opts"] = info.get("synack_opts", "-")
    info["first_close"] = info.get("first_close", "none")
    feats["checksums"] = 1
    if gap >= 0.15:
        feats["gap"] = round(gap, 2)
    for f in sorted(exp):
        if f == "no-handshake":
            if "handshake" in feats:
                errors.append("handshake completed, expected none")
            continue
        if not feats.get(f):
            errors.append(f"expected feature '{f}' not observed")
    for f in ("no-ts", "no-sack", "no-ws", "ecn", "ts-declined"):
        if feats.get(f) and f not in exp:
            errors.append(f"unexpected '{f}'")
    info["features"] = feats
    return info, errors


def _classify_probes(c):
    """(keepalives, window probes): segments carrying 0 or 1 byte at
    sequence snd_nxt-1 after the handshake; a window probe if the last
    window the other side advertised was 0."""
    keep = win = 0
    side_state = {}
    last_win = {c.a: None, c.b: None}
    for s in c.segs:
        src, dst = (s.src, s.sport), (s.dst, s.dport)
        me = c.side[src]
        st = side_state.setdefault(src, {"maxend": 1})
        if me.isn is None:
            continue
        if s.flags & (SYN | RST):
            last_win[src] = s.win
            continue
        start = me.rel(s.seq)
        end = start + s.payload + (1 if s.flags & FIN else 0)
        if (s.payload <= 1 and not s.flags & FIN
                and start == st["maxend"] - 1 and st["maxend"] > 1):
            if last_win[dst] == 0:
                win += 1
            else:
                keep += 1
        st["maxend"] = max(st["maxend"], end)
        last_win[src] = s.win
    return keep, win


FEATURE_TEXT = [
    ("retx", "retx {}"), ("hole", "holes {}"), ("sack", "SACK blocks {}"),
    ("zero-window", "zero-window ads {}"), ("window-probe", "window probes {}"),
    ("keepalive", "keepalives {}"), ("half-close", "half-close"),
    ("simul-close", "simultaneous close"), ("urg", "URG segs {}"),
    ("ect", "ECT segs {}"), ("ecn", "ECN negotiated"),
    ("gap", "max gap {} s"),
]


def observed(feats):
    out = []
    for k, t in FEATURE_TEXT:
        if feats.get(k):
            out.append(t.format(feats[k]))
    return ", ".join(out) or "-"


# --------------------------------------------------------------- README ---
README_HEAD = """\
# traces/: real TCP conversations captured on Linux

Every file here is a capture of real Linux TCP sockets (python3 peers)
talking to each other across a veth pair between two network namespaces,
written by `ci/capture-traces`.  They are meant to be replayed against
lwIP: lwIP plays one endpoint and the other endpoint's segments are the
stimulus.

## Regenerating

    sudo ci/capture-traces                   # every scenario (about {secs} s)
    sudo ci/capture-traces http-get-4000 syn-loss   # just these
    ci/capture-traces --list                 # scenario names
    sudo ci/capture-traces --check           # only re-check traces/ and
                                             # rewrite this README

Needs root, `ip`/`ss` (iproute2), `iptables`, `ethtool`, `tcpdump`,
`dumpcap` (wireshark-common, for the pcapng files) and python3 >= 3.9;
missing tools are installed with apt-get.  The scenarios are defined in
`ci/capture/scenarios.py` (network setup, loss rules, expected features),
the peers in `ci/capture/peer.py`, and the reader/checker that produced
the table below in `ci/capture/pcapcheck.py`.  Every fresh capture is
checked before it replaces the old file; a failed scenario leaves the old
file in place.  This README is rewritten by every run: do not edit it by
hand.

IPv6: `sudo ci/capture-traces --ipv6 SCENARIO...` captures the named
scenarios over IPv6 into `traces/ipv6/` (see `traces/ipv6/README.md`); not
replayed until the engines take IPv6 (issue 16), so `tcpdiff regress` does
not search that folder (`traces/ipv6/.regress-skip`).

## Setup common to all captures

* Namespaces `tcpdiff-cli` and `tcpdiff-srv` (created afresh for every
  scenario, removed afterwards, also on error or Ctrl-C), joined by a
  veth pair, `eth0` in each.  **Client 192.0.2.1** (MAC 02:00:00:00:00:01),
  **server 192.0.2.2** (MAC 02:00:00:00:00:02), static neighbour entries
  (no ARP).  The server always listens on **port 5000** (the
  closed-port scenario targets 5999); the client binds a **fixed source
  port** per scenario (41000-41077), so 4-tuples are stable across
  regenerations.  **The client (192.0.2.1) always opens the connection**;
  the "Closed first by" column says which side closes first.
* MTU 1500 (576 in `mss-536-mtu576`).  TSO/GSO/GRO and checksum offloads
  are off on both veth ends, so every captured segment is <= MSS and has a
  real IPv4 and TCP checksum (the checker verifies them all).  The veths
  also have `gso_max_segs 1`: Linux TCP always builds GSO super-packets
  internally, and with this each one holds a single segment, so the loss
  rules below act on real segments.  (A side effect: Linux sends no more
  than one segment per transmit, as a small stack would.)
* SYN MSS is 1460 except `mss-536-mtu576` (536 both ways) and
  `mss-200-sockopt` (client 200, server 1460).  With timestamps on, full
  data segments carry 1448 bytes; no payload exceeds 1460.
* Capture in the client namespace on `eth0` (the wire between the two),
  filter `tcp`, snap length 262144 (no packet is truncated).  Classic
  pcap, microsecond, Ethernet unless the link type column says otherwise:
  two pcapng files written by `dumpcap`, one nanosecond pcap, one
  LINUX_SLL and one LINUX_SLL2 file (`tcpdump -i any`; ifindex 2 = the
  client's `eth0`; "Out" = sent by the client).
* Payloads are deterministic pseudo-random bytes (SHA-256 in counter mode
  over a per-scenario tag), sizes and sleeps are fixed, and both peers
  verify every byte they receive.
* Loss: iptables `statistic` rules in the *sending* namespace's OUTPUT
  chain, target `NFQUEUE` to a queue nobody reads.  Such a packet is freed
  while TCP is told it was sent, i.e. a genuine loss on the wire (`-j DROP`
  would not do: TCP gets -EPERM and just sends it again).  The lost
  segment never reaches the veth, so it is **absent from the capture**:
  the capture is exactly what the receiver got, the hole in the sequence
  space is visible, and a lost SYN or FIN shows only as a delay.
  `--mode nth` rules make the loss pattern reproducible; the one
  `--mode random` scenario is not.
* Option variants use per-namespace sysctls (`net.ipv4.tcp_timestamps`,
  `tcp_sack`, `tcp_window_scaling`, `tcp_ecn` are per netns), set on one
  side only, so the other side's SYN or SYN-ACK shows the default.

## What is NOT reproducible

Linux picks random initial sequence numbers and (with timestamps on) a
random per-connection timestamp offset, and inter-packet timing varies by
microseconds.  A replay must work in relative sequence numbers and must
not depend on absolute TSval or wall-clock values.  Delayed-ACK and Nagle
timing, and when the reading process happens to run (which sets the
advertised window), can shift which segments get coalesced or acknowledged
together, so windows and packet counts may differ slightly between
regenerations.
`bulk-download-lossy-random5pct` drops a different set of segments each
run; `simultaneous-close-timed` relies on both peers closing within a few
microseconds of each other and is retried until the FINs cross.

## Files

Bytes are TCP payload bytes (unique; retransmissions not counted).  "SYN
opts" is the client's SYN, "SYN-ACK opts" the server's reply (first
connection of the file).  "Observed" is what `pcapcheck.py` counted in the
file: retx = segments (data, SYN or FIN) whose sequence range had been seen
before; holes = segments starting beyond the highest sequence seen so far
(a lost segment before them); window probes / keepalives = 0/1-byte
segments at snd.nxt-1 (a window probe if the peer's last window was 0);
max gap = the longest silence between two packets (>= 0.15 s shown).

| File | Scenario | Link type | Initiator → responder | Bytes C→S | Bytes S→C | Pkts | Conns | Duration | SYN opts | SYN-ACK opts | Closed first by | Observed | Setup / what's special |
| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- | --- |
"""


def readme_row(info, sc):
    def esc(t):
        return str(t).replace("|", "\\|")
    return "| " + " | ".join(esc(x) for x in [
        f"`{info['file']}`", sc["desc"] if sc else "?",
        info["linktype"] + (" (pcapng)" if info["fmt"] == "pcapng" else
                            " (ns pcap)" if info["fmt"] == "pcap-nsec" else ""),
        "%s → %s" % (info.get("initiator", "?"), info.get("responder", "?")),
        info.get("bytes_cs", "?"), info.get("bytes_sc", "?"),
        info["packets"], info.get("conns", "?"),
        "%.3f s" % info.get("duration", 0),
        info.get("syn_opts", "-"), info.get("synack_opts", "-"),
        info.get("first_close", "-"), observed(info.get("features", {})),
        sc["special"] if sc else "",
    ]) + " |"


def check_one(path, name):
    """Check one fresh capture against scenario NAME (before it is kept)."""
    info, errors = check_file(path, scenarios.BY_NAME[name])
    for e in errors[:10]:
        print(f"    {e}")
    return 1 if errors else 0


def main():
    args = sys.argv[1:]
    if args[:1] == ["--one"]:
        return check_one(args[1], args[2])
    readme = None
    secs = "?"
    if "--readme" in args:
        i = args.index("--readme")
        readme = args[i + 1]
        del args[i:i + 2]
    if "--duration" in args:
        i = args.index("--duration")
        secs = args[i + 1]
        del args[i:i + 2]
    tdir = args[0]
    byfile = {scenarios.filename(s): s for s in scenarios.SCENARIOS}
    files = sorted(f for f in os.listdir(tdir)
                   if f.endswith(".pcap") or f.endswith(".pcapng"))
    order = {scenarios.filename(s): i for i, s in enumerate(scenarios.SCENARIOS)}
    files.sort(key=lambda f: (order.get(f, 10 ** 6), f))
    rows = []
    failed = 0
    total = 0
    for f in files:
        sc = byfile.get(f)
        try:
            info, errors = check_file(os.path.join(tdir, f), sc)
        except (ValueError, IndexError, struct.error) as e:
            info, errors = dict(file=f, size=os.path.getsize(
                os.path.join(tdir, f)), fmt="?", linktype="?", packets=0), \
                [f"unreadable: {e}"]
        total += info["size"]
        status = "ok  " if not errors else "FAIL"
        failed += bool(errors)
        print(f"{status} {f:42s} {info['size']:7d} B {info['packets']:4d} pkts "
              f"C>S {info.get('bytes_cs', '?')!s:>6} S>C "
              f"{info.get('bytes_sc', '?')!s:>6}  "
              f"{observed(info.get('features', {}))}")
        for e in errors[:10]:
            print(f"       {e}")
        rows.append(readme_row(info, sc))
    missing = [scenarios.filename(s) for s in scenarios.SCENARIOS
               if scenarios.filename(s) not in files]
    for m in missing:
        print(f"MISSING {m}")
    print(f"{len(files)} files, {total} bytes, {failed} failed, "
          f"{len(missing)} missing")
    if readme:
        with open(readme, "w") as fh:
            fh.write(README_HEAD.replace("{secs}", str(secs)))
            fh.write("\n".join(rows) + "\n")
            fh.write(f"\nTotal: {len(files)} files, {total} bytes.\n")
    return 1 if failed or missing else 0


if __name__ == "__main__":
    sys.exit(main())
