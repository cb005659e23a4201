"""HTTP/1.1 pipelining: answers come back in request order even when cached tiles
(served from the event loop) are mixed with requests the router answers."""
from __future__ import annotations

import json
import socket

HUACHENG = "/tiles/roads/14/13348/7109.mvt"


def read_responses(sock: socket.socket, count: int, timeout: float = 10.0) -> list[tuple[int, str, bytes]]:
    sock.settimeout(timeout)
    buf = b""
    out = []
    while len(out) < count:
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed after {len(out)} responses"
            buf += chunk
        head, buf = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(buf) < length:
            chunk = sock.recv(65536)
            assert chunk, "connection closed inside a body"
            buf += chunk
        body, buf = buf[:length], buf[length:]
        out.append((status, headers.get("content-type", ""), body))
    return out


def test_pipelined_answers_stay_in_order(server):
    warm = server.get(HUACHENG, headers={"Accept-Encoding": "identity"})
    assert warm.status_code == 200
    requests = [
        "/tiles/roads/nosuch.json",      # router, 404
        HUACHENG,                        # cached tile
        "/tiles/nosuchlayer/1/1/1.mvt",  # router, 404
        HUACHENG,                        # cached tile
        "/health",                       # router, 200 JSON
        HUACHENG,
    ]
    raw = "".join(f"GET {p} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: identity\r\n\r\n" for p in requests)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(raw.encode())
        answers = read_responses(s, len(requests))
    statuses = [a[0] for a in answers]
    types = [a[1].split(";")[0] for a in answers]
    assert statuses == [404, 200, 404, 200, 200, 200]
    assert types == ["application/problem+json", "application/vnd.mapbox-vector-tile",
                     "application/problem+json", "application/vnd.mapbox-vector-tile",
                     "application/json", "application/vnd.mapbox-vector-tile"]
    for a in (answers[1], answers[3], answers[5]):
        assert a[2] == warm.content


def test_cached_and_fresh_answers_agree(server):
    """The second request for a tile is answered from the cache on the event loop; it must
    carry the same bytes and headers as the router's first answer."""
    path = "/tiles/buildings,poi/15/26697/14218.mvt"
    first = server.get(path, headers={"Accept-Encoding": "gzip", "Origin": "http://app.example"})
    second = server.get(path, headers={"Accept-Encoding": "gzip", "Origin": "http://app.example"})
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    for h in ("Content-Type", "ETag", "Cache-Control", "Vary", "Content-Encoding", "Access-Control-Allow-Origin"):
        assert first.headers.get(h) == second.headers.get(h), h


def test_raw_utf8_url_gets_a_problem_not_silence(server):
    """curl with an unencoded Chinese query sends raw UTF-8, which NIO's HTTP parser
    rejects: the answer must still be a 400 problem+json saying to percent-encode, and
    the server must keep serving."""
    for raw in ("GET /search?q=天河 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode(),
                b"GET /search?q=\xff\xfe HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                b"NOT-HTTP\x00\r\n\r\n"):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
            s.sendall(raw)
            (status, ctype, body), = read_responses(s, 1)
        assert status == 400, (raw, status, body)
        assert ctype.startswith("application/problem+json"), (raw, ctype)
        problem = json.loads(body)
        assert problem["status"] == 400 and "percent-encode" in problem["detail"], problem
    assert server.get("/health").status_code == 200
    ok = server.get("/search", params={"q": "天河"})
    assert ok.status_code == 200 and ok.json()["numberMatched"] > 0
