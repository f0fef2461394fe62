"""The front's HTTP/1.1 framing and its own answers, against a real server (issue 10, web
security review: smuggling shapes, refusals that were not logged, headers missing on the
front's own answers, a traceback when clients leave).

Every exchange is a raw socket to 127.0.0.1, so the bytes are exactly the ones named. A
request whose framing is ambiguous (RFC 9112 sections 6.1 and 6.3) is refused with 400 and
its connection closed, so bytes sent after it are never read as a second request.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ninek_graph.http_front import header_limit
from ninek_graph.settings import BY_NAME
from tests.live_server import NINEK, LiveServer, free_port, start_server

MAX_QUERY_LENGTH = BY_NAME["max_query_length"].default
MAX_BODY = BY_NAME["max_request_kib"].default * 1024
SMUGGLED = b"GET /health?smuggled=1 HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.fixture(scope="module")
def server(dist_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    port = free_port()
    live = start_server(
        "front-protocol",
        [NINEK, "serve", "--host", "127.0.0.1", "--port", str(port), "--access-log"],
        {"NINEK_DIST": str(dist_dir), "NINEK_QUERY_TIMEOUT": "3", "PYTHONUNBUFFERED": "1"},
        tmp_path_factory.mktemp("front-protocol"), port=port,
    )
    yield live
    live.stop()


def port_of(server: LiveServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def talk(server: LiveServer, raw: bytes, *, timeout: float = 5.0) -> bytes:
    """Send ``raw`` and read everything the server sends until it closes the connection (or
    ``timeout`` passes with the connection still open: then what came so far)."""
    with socket.create_connection(("127.0.0.1", port_of(server)), timeout=timeout) as sock:
        sock.sendall(raw)
        chunks = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                data = sock.recv(65536)
            except TimeoutError:
                break
            except ConnectionResetError:
                break
            if not data:
                return b"".join(chunks)
            chunks.append(data)
        return b"".join(chunks) + b"\x00STILL-OPEN"


def statuses(answer: bytes) -> list[int]:
    return [int(code) for code in re.findall(rb"^HTTP/1\.[01] (\d{3}) ", answer, re.M)]


def head_fields(answer: bytes) -> dict[str, str]:
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
    return {name.lower(): value.strip() for name, _, value in
            (line.partition(":") for line in head)}


def post(headers: bytes, body: bytes, version: bytes = b"HTTP/1.1") -> bytes:
    return (b"POST /sparql " + version + b"\r\nHost: x\r\n"
            b"Content-Type: application/sparql-query\r\n" + headers + b"\r\n" + body)


ASK_CHUNKED = b"6\r\nASK {}\r\n0\r\n\r\n"


# -- finding 2: framing ----------------------------------------------------------------------
@pytest.mark.parametrize(("name", "raw"), [
    ("content-length and chunked",
     post(b"Content-Length: 6\r\nTransfer-Encoding: chunked\r\n", ASK_CHUNKED)),
    ("chunked and content-length",
     post(b"Transfer-Encoding: chunked\r\nContent-Length: 60\r\n", ASK_CHUNKED)),
    ("chunked, identity", post(b"Transfer-Encoding: chunked, identity\r\n", ASK_CHUNKED)),
    ("identity, chunked", post(b"Transfer-Encoding: identity, chunked\r\n", ASK_CHUNKED)),
    ("chunked twice in one field", post(b"Transfer-Encoding: chunked, chunked\r\n",
                                        ASK_CHUNKED)),
    ("chunked in two fields", post(b"Transfer-Encoding: chunked\r\n"
                                   b"Transfer-Encoding: chunked\r\n", ASK_CHUNKED)),
    ("gzip, chunked", post(b"Transfer-Encoding: gzip, chunked\r\n", ASK_CHUNKED)),
    ("empty transfer-encoding", post(b"Transfer-Encoding: \r\nContent-Length: 6\r\n",
                                     b"ASK {}")),
    ("vertical tab before chunked", post(b"Transfer-Encoding: \x0bchunked\r\n", ASK_CHUNKED)),
    ("chunked with a parameter", post(b"Transfer-Encoding: chunked;x=1\r\n", ASK_CHUNKED)),
    ("transfer-encoding in HTTP/1.0",
     post(b"Connection: keep-alive\r\nTransfer-Encoding: chunked\r\nContent-Length: 6\r\n",
          b"ASK {}", b"HTTP/1.0")),
    ("two different content-lengths",
     post(b"Content-Length: 6\r\nContent-Length: 7\r\n", b"ASK {}")),
    ("two content-lengths in one field", post(b"Content-Length: 6, 7\r\n", b"ASK {}")),
    ("obsolete line folding", b"GET /health HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n"),
    ("folded transfer-encoding",
     post(b"Content-Length: 6\r\nX-A: 1\r\n Transfer-Encoding: chunked\r\n", b"ASK {}")),
])
def test_ambiguous_framing_is_refused_and_closed(server: LiveServer, name: str, raw: bytes):
    """RFC 9112: a request with both Content-Length and Transfer-Encoding (6.1), one whose
    final coding is not chunked or that repeats it (6.3), Transfer-Encoding in HTTP/1.0
    (6.1), conflicting Content-Lengths (6.3) or a folded line (5.2) is refused with 400 and
    the connection closed: what follows it is never answered as a second request."""
    answer = talk(server, raw + SMUGGLED)
    assert not answer.endswith(b"STILL-OPEN"), (name, answer[:400])
    assert statuses(answer) == [400], (name, answer[:600])
    assert b"smuggled" not in answer
    fields = head_fields(answer)
    assert fields.get("connection") == "close", (name, fields)


@pytest.mark.parametrize("coding", [b"chunked", b"CHUNKED", b"Chunked", b" chunked ",
                                    b"\tchunked"])
def test_chunked_is_read_whatever_its_case_and_spaces(server: LiveServer, coding: bytes):
    """Transfer-coding names are case-insensitive (RFC 9110 section 10.1.4) and a field
    value's leading and trailing spaces and tabs are not part of it (RFC 9110 section 5.5):
    these are all plain chunked bodies, read, answered, and the connection kept."""
    answer = talk(server, post(b"Accept: application/sparql-results+json\r\n"
                               b"Transfer-Encoding: " + coding + b"\r\n", ASK_CHUNKED)
                  + SMUGGLED, timeout=3)
    assert statuses(answer) == [200, 200], answer[:600]
    assert b'"boolean"' in answer


def test_equal_content_lengths_are_one(server: LiveServer):
    """Two Content-Length fields with the same value may be read as one (RFC 9112 6.3)."""
    answer = talk(server, post(b"Accept: application/sparql-results+json\r\n"
                               b"Content-Length: 6\r\nContent-Length: 6\r\n", b"ASK {}")
                  + SMUGGLED, timeout=3)
    assert statuses(answer) == [200, 200], answer[:600]


def test_pipelined_requests_are_answered_in_order(server: LiveServer):
    """Keep-alive framing still works: a well-framed POST, then a GET, both answered."""
    first = post(b"Accept: application/sparql-results+json\r\nContent-Length: 6\r\n",
                 b"ASK {}")
    answer = talk(server, first + SMUGGLED, timeout=3)
    assert statuses(answer) == [200, 200], answer[:600]
    assert answer.index(b'"boolean"') < answer.index(b'"status"')
