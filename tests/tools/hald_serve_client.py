#!/usr/bin/env python3
"""A test and benchmark client for `hald serve` over a Unix socket.

  hald_serve_client.py post SOCKET URL FILE [--clients N] [--expect FILE]
      N clients at once (threads) each POST FILE; each answer must be 200
      and, with --expect, equal that file byte for byte.  Prints records/s.
  hald_serve_client.py cut SOCKET URL FILE BYTES
      announces FILE's length, sends BYTES of it, and hangs up.
  hald_serve_client.py slow SOCKET URL FILE
      POSTs FILE, reads 10 bytes of the answer, sleeps 2 s, hangs up.
  hald_serve_client.py hold SOCKET URL FILE SECONDS [--expect FILE] [--ready FILE]
      sends half of FILE (then makes the --ready file), waits SECONDS, sends
      the rest; checks the answer.
  hald_serve_client.py latency SOCKET URL FILE N
      N requests one after another, each FILE (one window); prints the
      median and 99th percentile in ms.
"""
import argparse
import http.client
import socket
import sys
import threading
import time


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=120):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


def post(sock, url, body, conn=None):
    own = conn is None
    conn = conn or UnixConnection(sock)
    conn.request("POST", url, body=body, headers={"Content-Type": "application/octet-stream"})
    resp = conn.getresponse()
    data = resp.read()
    if own:
        conn.close()
    return resp.status, data


def cmd_post(a):
    body = open(a.file, "rb").read()
    expect = open(a.expect, "rb").read() if a.expect else None
    failures, records = [], [0]
    lock = threading.Lock()

    def client(i):
        try:
            status, data = post(a.socket, a.url, body)
            ok = status == 200 and (expect is None or data == expect)
            with lock:
                records[0] += max(data.count(b"\n") - 1, 0)
                if not ok:
                    failures.append("client %d: status %d, %d bytes%s" % (
                        i, status, len(data), "" if status != 200 else " (differs)"))
        except Exception as e:  # noqa: BLE001 - any failure fails the test
            with lock:
                failures.append("client %d: %s" % (i, e))

    t0 = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    dt = time.monotonic() - t0
    for f in failures:
        print(f, file=sys.stderr)
    print("%d clients, %d records in %.3f s, %.0f records/s" % (a.clients, records[0], dt, records[0] / dt))
    return 1 if failures else 0


def raw_request(sock, url, length):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (url, length)).encode())
    return s


def cmd_cut(a):
    body = open(a.file, "rb").read()
    s = raw_request(a.socket, a.url, len(body))
    s.sendall(body[:a.bytes])
    time.sleep(0.2)
    s.close()
    return 0


def cmd_slow(a):
    body = open(a.file, "rb").read()
    s = raw_request(a.socket, a.url, len(body))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(body)
    got = s.recv(10)
    time.sleep(2)
    s.close()
    return 0 if got.startswith(b"HTTP/1.1") else 1


def cmd_hold(a):
    body = open(a.file, "rb").read()
    conn = UnixConnection(a.socket)
    conn.putrequest("POST", a.url)
    conn.putheader("Content-Length", str(len(body)))
    conn.endheaders()
    half = len(body) // 2
    conn.send(body[:half])
    if a.ready:
        open(a.ready, "w").close()
    time.sleep(a.seconds)
    conn.send(body[half:])
    resp = conn.getresponse()
    data = resp.read()
    ok = resp.status == 200 and (not a.expect or data == open(a.expect, "rb").read())
    if not ok:
        print("status %d, %d bytes" % (resp.status, len(data)), file=sys.stderr)
    return 0 if ok else 1


def cmd_latency(a):
    body = open(a.file, "rb").read()
    conn = UnixConnection(a.socket)
    times = []
    for _ in range(a.n):
        t0 = time.perf_counter()
        status, _ = post(a.socket, a.url, body, conn)
        times.append(1e3 * (time.perf_counter() - t0))
        if status != 200:
            print("status %d" % status, file=sys.stderr)
            return 1
    times.sort()
    print("%d requests on one connection: median %.3f ms, p99 %.3f ms" % (
        a.n, times[len(times) // 2], times[min(len(times) - 1, int(0.99 * len(times)))]))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("post", "cut", "slow", "hold", "latency"):
        s = sub.add_parser(name)
        s.add_argument("socket")
        s.add_argument("url")
        s.add_argument("file")
        if name == "post":
            s.add_argument("--clients", type=int, default=1)
            s.add_argument("--expect")
        if name == "cut":
            s.add_argument("bytes", type=int)
        if name == "hold":
            s.add_argument("seconds", type=float)
            s.add_argument("--expect")
            s.add_argument("--ready", help="a file made once half the body is sent")
        if name == "latency":
            s.add_argument("n", type=int)
    a = p.parse_args()
    return {"post": cmd_post, "cut": cmd_cut, "slow": cmd_slow, "hold": cmd_hold,
            "latency": cmd_latency}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
