# Sends N imports with a malformed chunked body over a unix socket and counts the answers by shape:
# usage: python3 scripts/probe-malformed-chunked.py DATA_ROOT/imaged.sock 300  (every answer: 400 json closed; see docs/compatibility.md)
import socket, sys
sock, n = sys.argv[1], int(sys.argv[2])
req = (b"POST /images/create?fromSrc=-&repo=errors/chunk&tag=1 HTTP/1.1\r\nHost: localhost\r\n"
       b"Content-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nabc\r\n0\r\n\r\n")
kinds = {}
for i in range(n):
    s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sock); s.sendall(req)
    data = b""
    try:
        while True:
            d = s.recv(65536)
            if not d: break
            data += d
        closed = "closed"
    except socket.timeout:
        closed = "TIMEOUT"
    s.close()
    head = data.split(b"\r\n\r\n")[0].decode(errors="replace")
    status = head.split("\r\n")[0]
    ct = "content-type" in head.lower()
    k = status + (" json" if ct else " NO-CT") + " " + closed
    kinds[k] = kinds.get(k, 0) + 1
    if i == 0: print(repr(data[:400]))
print(kinds)
