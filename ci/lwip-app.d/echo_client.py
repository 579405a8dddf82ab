#!/usr/bin/env python3
"""Send a file to a TCP echo server and write what comes back to another file.

    echo_client.py HOST PORT IN_FILE OUT_FILE TIMEOUT_S

Sends IN_FILE while reading the echo (one non-blocking socket, both
directions at once, so neither side's buffers fill up and stall the other),
half-closes after the last byte (shutdown SHUT_WR: lwIP's tcpecho_raw then
closes once it has echoed everything), and reads until the server's FIN.
Prints one JSON line: bytes sent, bytes received, seconds from connect() to
the server's FIN. Exits 1 on a connection error, a reset or TIMEOUT_S.
Comparing the two files is left to the caller (cmp).
"""
import json
import selectors
import socket
import sys
import time


def main():
    host, port, in_path, out_path, timeout = sys.argv[1:6]
    port, timeout = int(port), float(timeout)
    data = open(in_path, "rb").read()
    out = open(out_path, "wb")
    start = time.monotonic()
    deadline = start + timeout
    sock = socket.create_connection((host, port), timeout=min(timeout, 30))
    sock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
    sent = received = 0
    view = memoryview(data)
    write_open = True
    eof = False
    status = "ok"
    while not eof:
        left = deadline - time.monotonic()
        if left <= 0:
            status = "timeout"
            break
        for _key, events in sel.select(timeout=min(left, 1.0)):
            if events & selectors.EVENT_WRITE and write_open:
                try:
                    sent += sock.send(view[sent:sent + 65536])
                except BlockingIOError:
                    pass
                except OSError as e:
                    status = "error: %s" % e
                    eof = True
                    break
                if sent == len(data):
                    sock.shutdown(socket.SHUT_WR)
                    write_open = False
                    sel.modify(sock, selectors.EVENT_READ)
            if events & selectors.EVENT_READ:
                try:
                    chunk = sock.recv(262144)
                except BlockingIOError:
                    continue
                except OSError as e:
                    status = "error: %s" % e
                    eof = True
                    break
                if not chunk:
                    eof = True
                    break
                out.write(chunk)
                received += len(chunk)
    seconds = time.monotonic() - start
    out.close()
    sock.close()
    print(json.dumps({"sent": sent, "received": received,
                      "seconds": round(seconds, 3), "status": status}))
    return 0 if status == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
