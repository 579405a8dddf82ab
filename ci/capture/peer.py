"""Client and server peers for ci/capture-traces: real Linux TCP sockets.

usage: peer.py server SCENARIO READYFILE   (run in the server namespace)
       peer.py client SCENARIO             (run in the client namespace)

The server writes READYFILE once it listens.  Both sides check the bytes
they receive against the deterministic payload and exit non-zero on any
mismatch, so a capture is only kept when the conversation went as designed.
"""

import hashlib
import os
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scenarios import (BY_NAME, CLIENT_IP, CLOSED_PORT, SERVER_IP,  # noqa: E402
                       SERVER_PORT)

FAMILY = socket.AF_INET6 if ":" in SERVER_IP else socket.AF_INET


def payload(tag, n):
    """n deterministic pseudo-random bytes: SHA-256 in counter mode."""
    out = bytearray()
    ctr = 0
    while len(out) < n:
        out += hashlib.sha256(f"tcpdiff:{tag}:{ctr}".encode()).digest()
        ctr += 1
    return bytes(out[:n])


def recv_exact(s, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError(f"EOF after {len(buf)} of {n} bytes")
        buf += chunk
    return bytes(buf)


def recv_until(s, marker):
    buf = bytearray()
    while marker not in buf:
        chunk = s.recv(4096)
        if not chunk:
            raise EOFError(f"EOF before {marker!r}")
        buf += chunk
    return bytes(buf)


def recv_eof(s, chunk=65536):
    buf = bytearray()
    while True:
        d = s.recv(chunk)
        if not d:
            return bytes(buf)
        buf += d


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def linger0(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def connect(port, dport=SERVER_PORT, before=None):
    s = socket.socket(FAMILY, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if before:
        before(s)
    s.bind((CLIENT_IP, port))
    s.connect((SERVER_IP, dport))
    return s


def blackhole_self():
    """Drop (silently, see scenarios.LOSS) every TCP segment this namespace
    sends from now on."""
    subprocess.run(["iptables", "-A", "OUTPUT", "-p", "tcp", "-j", "NFQUEUE",
                    "--queue-num", "9"], check=True)


# ---------------------------------------------------------------- http ----
def http_request(size):
    return (f"GET /{size} HTTP/1.0\r\nHost: {SERVER_IP}\r\n"
            f"User-Agent: tcpdiff-capture\r\n\r\n").encode()


def http_response(size):
    return (f"HTTP/1.0 200 OK\r\nContent-Length: {size}\r\n\r\n".encode()
            + payload(f"http{size}", size))


def srv_http(ls, a):
    c, _ = ls.accept()
    req = recv_until(c, b"\r\n\r\n")
    expect(req == http_request(a["size"]), "bad request")
    c.sendall(http_response(a["size"]))
    c.close()


def cli_http(sc, a):
    def before(s):
        if a.get("client_mss"):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, a["client_mss"])
    s = connect(sc["port"], before=before)
    s.sendall(http_request(a["size"]))
    expect(recv_eof(s) == http_response(a["size"]), "bad response")
    s.close()


# ---------------------------------------------------------------- bulk ----
def srv_bulk_upload(ls, a):
    c, _ = ls.accept()
    data = recv_eof(c)
    expect(data == payload("up", a["size"]), "bad upload")
    c.sendall(hashlib.sha256(data).digest())
    c.close()


def cli_bulk_upload(sc, a):
    s = connect(sc["port"])
    data = payload("up", a["size"])
    for i in range(0, len(data), 8192):
        s.sendall(data[i:i + 8192])
    s.shutdown(socket.SHUT_WR)
    expect(recv_eof(s) == hashlib.sha256(data).digest(), "bad digest")
    s.close()


def srv_bulk_download(ls, a):
    c, _ = ls.accept()
    expect(recv_until(c, b"\n") == b"GET-BULK\n", "bad request")
    data = payload("down", a["size"])
    for i in range(0, len(data), 8192):
        c.sendall(data[i:i + 8192])
    c.close()


def cli_bulk_download(sc, a):
    s = connect(sc["port"])
    s.sendall(b"GET-BULK\n")
    expect(recv_eof(s) == payload("down", a["size"]), "bad download")
    s.close()


def srv_duplex(ls, a):
    c, _ = ls.accept()
    got = {}
    t = threading.Thread(target=lambda: got.setdefault("d", recv_eof(c)))
    t.start()
    c.sendall(payload("duplex-s", a["size"]))
    t.join()
    expect(got["d"] == payload("duplex-c", a["size"]), "bad duplex data")
    c.close()


def cli_duplex(sc, a):
    s = connect(sc["port"])
    got = {}
    t = threading.Thread(target=lambda: got.setdefault(
        "d", recv_exact(s, a["size"])))
    t.start()
    s.sendall(payload("duplex-c", a["size"]))
    t.join()
    s.shutdown(socket.SHUT_WR)
    expect(recv_eof(s) == b"", "trailing data")
    expect(got["d"] == payload("duplex-s", a["size"]), "bad duplex data")
    s.close()


# ---------------------------------------------------------- interactive ---
def srv_echo(ls, a):
    c, _ = ls.accept()
    while True:
        d = c.recv(65536)
        if not d:
            break
        c.sendall(d)
    c.close()


def cli_echo(sc, a):
    s = connect(sc["port"])
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for i, n in enumerate(a["sizes"]):
        msg = payload(f"echo{i}", n)
        s.sendall(msg)
        expect(recv_exact(s, n) == msg, "bad echo")
        time.sleep(a["gap"])
    s.close()


BANNER = b"220 tcpdiff capture server ready\r\n"


def srv_banner(ls, a):
    c, _ = ls.accept()
    c.sendall(BANNER)
    expect(recv_until(c, b"\r\n") == b"HELO client\r\n", "bad HELO")
    c.sendall(b"250 hello client\r\n")
    expect(recv_until(c, b"\r\n") == b"QUIT\r\n", "bad QUIT")
    c.sendall(b"221 bye\r\n")
    c.close()


def cli_banner(sc, a):
    s = connect(sc["port"])
    expect(recv_exact(s, len(BANNER)) == BANNER, "bad banner")
    time.sleep(0.05)
    s.sendall(b"HELO client\r\n")
    expect(recv_until(s, b"\r\n") == b"250 hello client\r\n", "bad 250")
    time.sleep(0.05)
    s.sendall(b"QUIT\r\n")
    expect(recv_eof(s) == b"221 bye\r\n", "bad 221")
    s.close()


def srv_nagle(ls, a):
    c, _ = ls.accept()
    n = a["count"] * a["size"]
    data = recv_exact(c, n)
    expect(data == payload("nagle", n), "bad nagle data")
    c.sendall(b"OK\n")
    expect(recv_eof(c) == b"", "trailing data")
    c.close()


def cli_nagle(sc, a):
    s = connect(sc["port"])
    data = payload("nagle", a["count"] * a["size"])
    for i in range(a["count"]):
        s.send(data[i * a["size"]:(i + 1) * a["size"]])
        time.sleep(a["gap"])
    expect(recv_exact(s, 3) == b"OK\n", "bad OK")
    s.close()


def srv_urgent(ls, a):
    c, _ = ls.accept()
    c.setsockopt(socket.SOL_SOCKET, socket.SO_OOBINLINE, 1)
    data = recv_eof(c)
    expect(data == b"normal-before!normal-after", f"bad data {data!r}")
    c.sendall(b"OK\n")
    c.close()


def cli_urgent(sc, a):
    s = connect(sc["port"])
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(b"normal-before")
    time.sleep(0.05)
    s.send(b"!", socket.MSG_OOB)
    time.sleep(0.05)
    s.sendall(b"normal-after")
    s.shutdown(socket.SHUT_WR)
    expect(recv_eof(s) == b"OK\n", "bad OK")
    s.close()


# -------------------------------------------------------------- closing ---
def srv_half_close(ls, a):
    c, _ = ls.accept()
    expect(recv_eof(c) == payload("hc-req", 200), "bad request")
    for i in range(a["chunks"]):
        c.sendall(payload(f"hc{i}", a["chunk"]))
        time.sleep(a["gap"])
    c.close()


def cli_half_close(sc, a):
    s = connect(sc["port"])
    s.sendall(payload("hc-req", 200))
    s.shutdown(socket.SHUT_WR)
    want = b"".join(payload(f"hc{i}", a["chunk"]) for i in range(a["chunks"]))
    expect(recv_eof(s) == want, "bad half-close data")
    s.close()


def srv_abort_client(ls, a):
    c, _ = ls.accept()
    expect(recv_exact(c, 100) == payload("ac-req", 100), "bad request")
    c.sendall(payload("ac-resp", 1000))
    try:
        d = c.recv(100)
        expect(False, f"expected RST, got {d!r}")
    except ConnectionResetError:
        pass
    c.close()


def cli_abort_client(sc, a):
    s = connect(sc["port"])
    s.sendall(payload("ac-req", 100))
    expect(recv_exact(s, 1000) == payload("ac-resp", 1000), "bad response")
    time.sleep(0.05)
    linger0(s)
    s.close()


def srv_abort_server(ls, a):
    c, _ = ls.accept()
    expect(recv_exact(c, 100) == payload("as-req", 100), "bad request")
    c.sendall(payload("as-resp", 1000))
    time.sleep(0.1)
    linger0(c)
    c.close()


def cli_abort_server(sc, a):
    s = connect(sc["port"])
    s.sendall(payload("as-req", 100))
    expect(recv_exact(s, 1000) == payload("as-resp", 1000), "bad response")
    try:
        d = s.recv(100)
        expect(False, f"expected RST, got {d!r}")
    except ConnectionResetError:
        pass
    s.close()


def srv_abort_unread(ls, a):
    c, _ = ls.accept()
    expect(recv_exact(c, 100) == payload("au", 3000)[:100], "bad head")
    time.sleep(0.2)  # the other 2900 bytes arrive and stay unread
    c.close()


def cli_abort_unread(sc, a):
    s = connect(sc["port"])
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(payload("au", 3000))
    try:
        d = s.recv(100)
        expect(False, f"expected RST, got {d!r}")
    except ConnectionResetError:
        pass
    s.close()


def srv_simul_close(ls, a):
    c, _ = ls.accept()
    expect(recv_exact(c, 500) == payload("sc-req", 500), "bad request")
    c.sendall(payload("sc-resp", 500))
    # The client closes right after reading the response; its FIN is lost.
    # Close 50 ms later: our FIN reaches a client in FIN_WAIT_1.
    time.sleep(0.05)
    c.close()


def cli_simul_close(sc, a):
    s = connect(sc["port"])
    s.sendall(payload("sc-req", 500))
    expect(recv_exact(s, 500) == payload("sc-resp", 500), "bad response")
    s.close()


def _spin_until(t):
    while time.time() < t - 0.002:
        time.sleep(0.001)
    while time.time() < t:
        pass


def srv_simul_close_timed(ls, a):
    c, _ = ls.accept()
    expect(recv_exact(c, 500) == payload("sct-req", 500), "bad request")
    c.sendall(payload("sct-resp", 500))
    deadline = time.time() + 0.3
    # out of band, so the payload bytes stay fixed
    with open(os.environ["CAPTURE_SYNC"] + ".tmp", "w") as f:
        f.write(repr(deadline))
    os.rename(os.environ["CAPTURE_SYNC"] + ".tmp", os.environ["CAPTURE_SYNC"])
    _spin_until(deadline)
    c.shutdown(socket.SHUT_WR)
    expect(recv_eof(c) == b"", "trailing data")
    c.close()


def cli_simul_close_timed(sc, a):
    s = connect(sc["port"])
    s.sendall(payload("sct-req", 500))
    expect(recv_exact(s, 500) == payload("sct-resp", 500), "bad response")
    path = os.environ["CAPTURE_SYNC"]
    for _ in range(200):
        if os.path.exists(path):
            break
        time.sleep(0.005)
    with open(path) as f:
        deadline = float(f.read())
    _spin_until(deadline)
    s.shutdown(socket.SHUT_WR)
    expect(recv_eof(s) == b"", "trailing data")
    s.close()


def srv_closed_port(ls, a):
    pass  # nothing accepts on CLOSED_PORT


def cli_closed_port(sc, a):
    try:
        connect(sc["port"], dport=CLOSED_PORT)
        expect(False, "connect to closed port succeeded")
    except ConnectionRefusedError:
        pass


def srv_many_short(ls, a):
    for i, n in enumerate(a["sizes"]):
        c, _ = ls.accept()
        expect(recv_until(c, b"\n") == f"GET {i}\n".encode(), "bad request")
        c.sendall(payload(f"short{i}", n))
        c.close()


def cli_many_short(sc, a):
    for i, n in enumerate(a["sizes"]):
        s = connect(sc["port"] + i)
        s.sendall(f"GET {i}\n".encode())
        expect(recv_eof(s) == payload(f"short{i}", n), "bad response")
        s.close()
        time.sleep(a["gap"])


# ------------------------------------------------------ windows, timers ---
def slow_read(s, a):
    time.sleep(a["first"])
    buf = bytearray()
    while True:
        d = s.recv(a["chunk"])
        if not d:
            return bytes(buf)
        buf += d
        time.sleep(a["gap"])


def srv_zero_window_upload(ls, a):
    c, _ = ls.accept()
    expect(slow_read(c, a) == payload("zw-up", a["size"]), "bad data")
    c.sendall(b"OK\n")
    c.close()


def cli_zero_window_upload(sc, a):
    s = connect(sc["port"])
    s.sendall(payload("zw-up", a["size"]))
    s.shutdown(socket.SHUT_WR)
    expect(recv_eof(s) == b"OK\n", "bad OK")
    s.close()


def srv_zero_window_download(ls, a):
    c, _ = ls.accept()
    expect(recv_until(c, b"\n") == b"GET-SLOW\n", "bad request")
    c.sendall(payload("zw-down", a["size"]))
    c.close()


def cli_zero_window_download(sc, a):
    def before(s):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a["rcvbuf"])
    s = connect(sc["port"], before=before)
    s.sendall(b"GET-SLOW\n")
    expect(slow_read(s, a) == payload("zw-down", a["size"]), "bad data")
    s.close()


def keepalive_opts(s, cnt=9):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, cnt)


def srv_keepalive(ls, a):
    c, _ = ls.accept()
    expect(recv_until(c, b"\n") == b"PING\n", "bad PING")
    c.sendall(b"PONG\n")
    expect(recv_until(c, b"\n") == b"BYE\n", "bad BYE")
    c.sendall(b"BYE\n")
    c.close()


def cli_keepalive(sc, a):
    s = connect(sc["port"], before=keepalive_opts)
    s.sendall(b"PING\n")
    expect(recv_exact(s, 5) == b"PONG\n", "bad PONG")
    time.sleep(a["idle"])
    s.sendall(b"BYE\n")
    expect(recv_eof(s) == b"BYE\n", "bad BYE")
    s.close()


def srv_keepalive_dead(ls, a):
    c, _ = ls.accept()
    expect(recv_until(c, b"\n") == b"PING\n", "bad PING")
    c.sendall(b"PONG\n")
    time.sleep(0.3)  # let the client's ACK of PONG arrive, then go silent
    blackhole_self()
    try:
        d = c.recv(100)
        expect(False, f"expected RST, got {d!r}")
    except ConnectionResetError:
        pass
    c.close()


def cli_keepalive_dead(sc, a):
    s = connect(sc["port"], before=lambda s: keepalive_opts(s, cnt=3))
    s.sendall(b"PING\n")
    expect(recv_exact(s, 5) == b"PONG\n", "bad PONG")
    try:
        d = s.recv(100)
        expect(False, f"expected keepalive timeout, got {d!r}")
    except TimeoutError:
        pass
    s.close()


# ----------------------------------------------------------------- main ---
def listener(sc):
    ls = socket.socket(FAMILY, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if sc["kind"] == "zero_window_upload":
        # set before listen(): inherited by the accepted socket, and it
        # fixes the window scale offered in the SYN-ACK
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, sc["args"]["rcvbuf"])
    ls.bind((SERVER_IP, SERVER_PORT))
    ls.listen(8)
    return ls


def main():
    role, name = sys.argv[1], sys.argv[2]
    sc = BY_NAME[name]
    fn = globals()[("srv_" if role == "server" else "cli_") + sc["kind"]]
    if role == "server":
        ls = listener(sc)
        with open(sys.argv[3], "w") as f:
            f.write("ready\n")
        fn(ls, sc["args"])
        ls.close()
    else:
        fn(sc, sc["args"])


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # report, not a traceback, on a failed check
        sys.exit(f"peer {sys.argv[1]} {sys.argv[2]}: {type(e).__name__}: {e}")
