#!/usr/bin/env python3
"""Helper for bench/list-bench.sh: populate a daemon with tiny images over its unix socket, time
GET /images/json, wait for /_ping. Standard library only. The timings are curl's time_total (connect to
last byte, body to /dev/null): one C client for every daemon, so the comparison measures the daemons.

  listbench.py populate SOCK FROM TO [--jobs J]   images FROM..TO-1 (idempotent: skips existing tags)
  listbench.py time SOCK LABEL [--runs R] [--api V] -> one JSON line per query: median/min/max seconds
  listbench.py ping-wait SOCK TIMEOUT               -> seconds until the first 200 from /_ping
"""
import argparse
import concurrent.futures
import http.client
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tarfile
import threading
import time
import urllib.parse


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=600):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


_local = threading.local()


def conn(sock):
    c = getattr(_local, "conn", None)
    if c is None or getattr(_local, "sock", None) != sock:
        c = UnixHTTPConnection(sock)
        _local.conn, _local.sock = c, sock
    return c


def request(sock, method, path, body=None, headers=None):
    """One request on this thread's keep-alive connection; reconnects once if the daemon closed it."""
    for attempt in (0, 1):
        c = conn(sock)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, data
        except (http.client.HTTPException, OSError):
            c.close()
            _local.conn = None
            if attempt:
                raise


def rootfs_tar(i):
    """A distinct one-file rootfs per image, so every image has its own layer (as real images do)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        data = ("image %d\n" % i).encode()
        ti = tarfile.TarInfo("etc/bench-id")
        ti.size, ti.mtime, ti.mode = len(data), 1700000000, 0o644
        t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def names(i):
    """Two tags per image: bench/img<i>:v1 (set by the import) and bench/r<i%50>:t<i>; labels group and idx."""
    return ("bench/img%d" % i, "v1"), ("bench/r%d" % (i % 50), "t%d" % i)


def populate_one(sock, i):
    (repo1, tag1), (repo2, tag2) = names(i)
    st, _ = request(sock, "GET", "/v1.41/images/%s:%s/json" % (repo2, tag2))
    if st == 200:
        return 0
    q = [("fromSrc", "-"), ("repo", repo1), ("tag", tag1), ("message", "bench %d" % i),
         ("changes", "LABEL group=g%d" % (i % 10)), ("changes", "LABEL idx=%d" % i)]
    st, body = request(sock, "POST", "/v1.41/images/create?" + urllib.parse.urlencode(q), body=rootfs_tar(i),
                       headers={"Content-Type": "application/x-tar"})
    if st != 200:
        raise RuntimeError("import %d: %d %s" % (i, st, body[:300]))
    st, body = request(sock, "POST", "/v1.41/images/%s:%s/tag?%s" % (repo1, tag1, urllib.parse.urlencode({"repo": repo2, "tag": tag2})))
    if st != 201:
        raise RuntimeError("tag %d: %d %s" % (i, st, body[:300]))
    return 1


def cmd_populate(a):
    t0 = time.time()
    done = 0
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
        for n in ex.map(lambda i: populate_one(a.sock, i), range(a.start, a.end), chunksize=16):
            done += n
            if done and done % 1000 == 0:
                print("  %s: %d new images, %.0f s" % (a.sock, done, time.time() - t0), file=sys.stderr, flush=True)
    print(json.dumps({"sock": a.sock, "created": done, "seconds": round(time.time() - t0, 1)}))


QUERIES = [
    ("plain", "/images/json"),
    ("all=1", "/images/json?all=1"),
    ("label", "/images/json?" + urllib.parse.urlencode({"filters": json.dumps({"label": {"group=g3": True}})})),
    ("digests=1", "/images/json?digests=1"),
]


def curl_time(sock, path):
    """Seconds from connect to the last byte, as curl measures it (C client: its own cost is small and the same
    for every daemon; the body goes to /dev/null)."""
    out = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "--unix-socket", sock,
                          "http://localhost" + path], check=True, capture_output=True, text=True).stdout.split()
    if out[0] != "200":
        raise RuntimeError("%s: HTTP %s" % (path, out[0]))
    return float(out[1])


def cmd_time(a):
    prefix = "/v%s" % a.api if a.api else ""
    for name, path in QUERIES:
        st, body = request(a.sock, "GET", prefix + path)
        if st != 200:
            raise RuntimeError("%s: %d %s" % (path, st, body[:300]))
        count = len(json.loads(body))
        for _ in range(a.warmup):
            curl_time(a.sock, prefix + path)
        times = [curl_time(a.sock, prefix + path) for _ in range(a.runs)]
        print(json.dumps({"daemon": a.label, "query": name, "entries": count, "bytes": len(body), "runs": a.runs,
                          "median": round(statistics.median(times), 5), "min": round(min(times), 5),
                          "max": round(max(times), 5)}), flush=True)


def cmd_ping_wait(a):
    t0 = time.time()
    while time.time() - t0 < a.timeout:
        try:
            c = UnixHTTPConnection(a.sock, timeout=5)
            c.request("GET", "/_ping")
            if c.getresponse().status == 200:
                print("%.3f" % (time.time() - t0))
                return
        except OSError:
            pass
        time.sleep(0.02)
    sys.exit("no /_ping answer from %s in %s s" % (a.sock, a.timeout))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("populate")
    s.add_argument("sock")
    s.add_argument("start", type=int)
    s.add_argument("end", type=int)
    s.add_argument("--jobs", type=int, default=4)
    s = sub.add_parser("time")
    s.add_argument("sock")
    s.add_argument("label")
    s.add_argument("--runs", type=int, default=20)
    s.add_argument("--warmup", type=int, default=3)
    s.add_argument("--api", default="1.41")
    s = sub.add_parser("ping-wait")
    s.add_argument("sock")
    s.add_argument("timeout", type=float)
    a = p.parse_args()
    {"populate": cmd_populate, "time": cmd_time, "ping-wait": cmd_ping_wait}[a.cmd](a)


if __name__ == "__main__":
    main()
