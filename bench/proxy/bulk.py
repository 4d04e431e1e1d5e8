#!/usr/bin/env python3
"""Bulk TCP throughput for bench/proxy.sh.

  bulk.py sink PORT           accept connections and discard what they send (until killed)
  bulk.py send PORT SECONDS   stream to PORT for SECONDS on one connection, print GB/s received by the sink
                              (the sink answers with its byte count when the sender half-closes)
"""
import socket
import sys
import threading
import time

CHUNK = 1 << 20


def sink(port):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(64)

    def serve(c):
        total = 0
        buf = bytearray(CHUNK)
        view = memoryview(buf)
        try:
            while True:
                n = c.recv_into(view)
                if n == 0:
                    break
                total += n
            c.sendall(str(total).encode())
        except OSError:
            pass  # a port probe or a proxy closing early: nothing to report
        finally:
            c.close()

    while True:
        c, _ = srv.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


def send(port, seconds):
    c = socket.create_connection(("127.0.0.1", port))
    data = b"\0" * CHUNK
    start = time.monotonic()
    end = start + seconds
    while time.monotonic() < end:
        c.sendall(data)
    c.shutdown(socket.SHUT_WR)
    received = int(c.recv(64) or b"0")
    elapsed = time.monotonic() - start
    print(f"{received / elapsed / 1e9:.3f}")


if __name__ == "__main__":
    if sys.argv[1] == "sink":
        sink(int(sys.argv[2]))
    else:
        send(int(sys.argv[2]), float(sys.argv[3]))
