"""Hardening: the live server under load, malformed input, fuzzing and a pathological query.

One real server (``ninek-graph serve`` on the session's built ``dist/``, gunicorn, query
timeout 2 s) takes:

* load: a few thousand mixed requests (canned queries, SPARQL SELECT/ASK/CONSTRUCT, /health,
  /queries, requests that must fail) from 16 concurrent clients: no 5xx, no connection error,
  every status the expected one, memory and the number of processes stable;
* a malformed-input corpus (generated and hand-written, well over 200 cases; see
  :func:`corpus`): every answer 4xx (or, where the input is odd but legal, not 5xx), with a
  message a person can read, in bounded time;
* Hypothesis: canned-query parameters, entity paths and SPARQL token soup never give a 5xx
  (a valid but expensive query may time out: 503 with the time-limit message, never 500/502);
* a triple cross join stopped at the time limit while other clients keep being answered.

Requests are sent with raw sockets where the bytes matter (``requests``/urllib3 would
normalise ``../`` and refuse invalid bytes). No socket of this process may connect outside
127.0.0.0/8 while these tests run (:class:`OutboundGuard`, unless the session-wide
``tests/outbound_guard.py`` exists), and the server's own sockets are checked at the end.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import importlib.util
import ipaddress
import os
import random
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.live_server import NINEK, LiveServer, free_port, group_pids, start_server

QUERY_TIMEOUT_S = 2
REQUEST_TIMEOUT_S = 20.0  # no single request may take longer: a hang fails the test
CONCURRENCY = 16
LOAD_REQUESTS = 3000
SECRETS = (b"root:x:0", b"[project]", b"def create_app", b"inputs_sha256", b"BEGIN RSA")
PROJECT_IRI = "https://w3id.org/ninek/project/geodata"
NK = "https://w3id.org/ninek/def#"


# -- no outbound connection ------------------------------------------------------------------
class OutboundGuard:
    """Wraps ``socket.socket.connect``/``connect_ex``: a connection to anything but loopback
    (127.0.0.0/8, ::1) or a Unix socket is refused before it is made, and recorded."""

    def __init__(self) -> None:
        self.violations: list[str] = []
        self._connect = socket.socket.connect
        self._connect_ex = socket.socket.connect_ex

    @staticmethod
    def allowed(family: int, address) -> bool:
        if family not in (socket.AF_INET, socket.AF_INET6):
            return True
        host = address[0]
        try:
            return ipaddress.ip_address(host.split("%")[0]).is_loopback
        except ValueError:  # a host name: allowed only if every address it has is loopback
            try:
                infos = socket.getaddrinfo(host, None)
            except OSError:
                return False
            return bool(infos) and all(
                ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback for info in infos)

    def check(self, sock: socket.socket, address) -> None:
        if not self.allowed(sock.family, address):
            self.violations.append(repr(address))
            raise ConnectionRefusedError(f"outbound connection to {address!r} blocked by the "
                                         "hardening tests: nothing may leave 127.0.0.0/8")

    def install(self) -> None:
        guard = self

        def connect(sock, address):
            guard.check(sock, address)
            return guard._connect(sock, address)

        def connect_ex(sock, address):
            guard.check(sock, address)
            return guard._connect_ex(sock, address)

        socket.socket.connect = connect  # type: ignore[method-assign]
        socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]

    def uninstall(self) -> None:
        socket.socket.connect = self._connect  # type: ignore[method-assign]
        socket.socket.connect_ex = self._connect_ex  # type: ignore[method-assign]


SESSION_GUARD = importlib.util.find_spec("tests.outbound_guard") is not None


@pytest.fixture(scope="module", autouse=True)
def outbound_guard() -> Iterator[OutboundGuard | None]:
    if SESSION_GUARD:  # the session-wide guard watches every test, these included
        yield None
        return
    guard = OutboundGuard()
    guard.install()
    try:
        yield guard
    finally:
        guard.uninstall()
    assert not guard.violations, f"outbound connections attempted: {guard.violations}"


def test_outbound_guard_refuses_non_loopback():
    guard = OutboundGuard()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(ConnectionRefusedError, match="127.0.0.0/8"):
            guard.check(sock, ("192.0.2.1", 80))  # TEST-NET-1: never routed
        guard.check(sock, ("127.0.0.1", 80))
        guard.check(sock, ("127.255.0.9", 80))
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
        guard.check(sock, ("::1", 80, 0, 0))
        with pytest.raises(ConnectionRefusedError):
            guard.check(sock, ("2001:db8::1", 80, 0, 0))
    assert guard.violations == ["('192.0.2.1', 80)", "('2001:db8::1', 80, 0, 0)"]


# -- the server ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(dist_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    port = free_port()
    live = start_server(
        "hardening", [NINEK, "serve", "--host", "127.0.0.1", "--port", str(port)],
        {"NINEK_DIST": str(dist_dir), "NINEK_QUERY_TIMEOUT": str(QUERY_TIMEOUT_S),
         "PYTHONUNBUFFERED": "1"},
        tmp_path_factory.mktemp("hardening"), port=port,
    )
    yield live
    live.stop()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def send(server: LiveServer, method: str, target: str | bytes, *,
         headers: list[tuple[str | bytes, str | bytes]] | None = None, body: bytes = b"",
         timeout: float = REQUEST_TIMEOUT_S) -> Reply:
    """One HTTP/1.1 request with exactly these bytes (target and headers are not normalised
    or validated), on a fresh connection; the response parsed by http.client."""
    port = int(server.url.rsplit(":", 1)[1])

    def b(x: str | bytes) -> bytes:
        return x if isinstance(x, bytes) else x.encode("utf-8")

    lines = [b(method) + b" " + b(target) + b" HTTP/1.1", b"Host: 127.0.0.1:%d" % port,
             b"Connection: close"]
    names = {b(k).lower() for k, _ in headers or []}
    for key, value in headers or []:
        lines.append(b(key) + b": " + b(value))
    if body and b"content-length" not in names and b"transfer-encoding" not in names:
        lines.append(b"Content-Length: %d" % len(body))
    raw = b"\r\n".join(lines) + b"\r\n\r\n" + body
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading a huge request
        response = http.client.HTTPResponse(sock, method=method)
        response.begin()
        data = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data,
                     time.monotonic() - started)


def get(server: LiveServer, path: str, **params: str) -> Reply:
    query = urllib.parse.urlencode(params) if params else ""
    return send(server, "GET", path + (f"?{query}" if query else ""))


def readable_message(reply: Reply) -> str:
    """The visible text of an error answer (tags stripped)."""
    text = re.sub(r"<[^>]+>", " ", reply.text)
    return " ".join(text.split())


def is_valid_sparql(text: str) -> bool:
    try:
        ox.Store().query(text)
    except SyntaxError:
        return False
    return True


# -- the corpus ------------------------------------------------------------------------------
@dataclass
class Case:
    id: str
    method: str
    target: str | bytes
    headers: list[tuple[str | bytes, str | bytes]] = field(default_factory=list)
    body: bytes = b""
    expect: str = "4xx"  # "4xx", "not5xx", "200", or a status such as "406"
    marks: tuple = ()


def q(text: str) -> str:
    return urllib.parse.quote(text, safe="")


SPARQL_QUERY = [("Content-Type", "application/sparql-query")]
FORM = [("Content-Type", "application/x-www-form-urlencoded")]
BASE_QUERY = (
    "PREFIX nk: <https://w3id.org/ninek/def#> "
    "SELECT ?p (COUNT(?x) AS ?n) WHERE { ?p a nk:Project ; nk:startYear ?y . "
    "OPTIONAL { ?p nk:endYear ?x } FILTER(STR(?y) > \"1999\") } "
    "GROUP BY ?p ORDER BY DESC(?n) LIMIT 3"
)

# Hand-written broken SPARQL: (id, text, expected status).
BROKEN_SPARQL = [
    ("empty", "", "400"),
    ("blank", "   \n\t ", "400"),
    ("comment only", "# nothing here\n", "400"),
    ("unterminated string", 'SELECT * WHERE { ?s ?p "abc }', "400"),
    ("unterminated long string", "SELECT * WHERE { ?s ?p '''abc }", "400"),
    ("iri with space", "SELECT * WHERE { ?s <http://a b> ?o }", "400"),
    ("iri with brace", "SELECT * WHERE { ?s <http://a{b}> ?o }", "400"),
    ("unknown prefix", "SELECT * WHERE { ?s zz:p ?o }", "400"),
    ("bad escape", 'SELECT * WHERE { ?s ?p "a\\qb" }', "400"),
    ("no projection", "SELECT WHERE { ?s ?p ?o }", "400"),
    ("open group", "SELECT * WHERE {", "400"),
    ("close only", "}", "400"),
    ("lone variable", "SELECT ?x WHERE { ?x }", "400"),
    ("ask without group", "ASK", "400"),
    ("construct short pattern", "CONSTRUCT WHERE { ?s ?p }", "400"),
    ("describe nothing", "DESCRIBE", "400"),
    ("limit word", "SELECT * WHERE { ?s ?p ?o } LIMIT x", "400"),
    ("limit decimal", "SELECT * WHERE { ?s ?p ?o } LIMIT 1.5", "400"),
    ("offset negative", "SELECT * WHERE { ?s ?p ?o } OFFSET -1", "400"),
    ("group by nothing", "SELECT * WHERE { ?s ?p ?o } GROUP BY", "400"),
    ("order by nothing", "SELECT * WHERE { ?s ?p ?o } ORDER BY", "400"),
    ("alias reuses variable", "SELECT ?s (COUNT(*) AS ?s) WHERE { ?s ?p ?o } GROUP BY ?s",
     "400"),
    ("alias twice", "SELECT (1 AS ?x) (2 AS ?x) WHERE {}", "400"),
    ("bind bound variable", "SELECT * WHERE { ?s ?p ?o BIND(1 AS ?s) }", "400"),
    ("ungrouped projection", "SELECT ?s (COUNT(?o) AS ?n) WHERE { ?s ?p ?o }", "400"),
    ("values arity", "SELECT * WHERE { VALUES (?a ?b) { (1) } }", "400"),
    ("empty filter", "SELECT * WHERE { ?s ?p ?o FILTER() }", "400"),
    ("datatype missing", 'SELECT * WHERE { ?s ?p "x"^^ }', "400"),
    ("language tag missing", 'SELECT * WHERE { ?s ?p "x"@ }', "400"),
    ("number junk", "SELECT * WHERE { ?s ?p 1.2.3 }", "400"),
    ("distinct reduced", "SELECT DISTINCT REDUCED * WHERE { ?s ?p ?o }", "400"),
    ("relative iri without base", "SELECT * WHERE { <a> ?p ?o }", "400"),
    ("keyword typo", "SELET * WHERE { ?s ?p ?o }", "400"),
    ("two queries", "ASK {} ASK {}", "400"),
    ("path junk", "SELECT * WHERE { ?s <a>// ?o }", "400"),
    ("right-to-left override", "SELECT * WHERE { ?s ?p \u202e?o }", "400"),
    ("service", "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
     "400"),
    ("service silent variable", "SELECT * WHERE { SERVICE SILENT ?g { ?s ?p ?o } }", "400"),
    ("from outside", "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }", "400"),
    ("from named file", "SELECT * FROM NAMED <file:///etc/passwd> WHERE { ?s ?p ?o }", "400"),
    ("insert data", "INSERT DATA { <http://a> <http://b> <http://c> }", "403"),
    ("delete where", "DELETE WHERE { ?s ?p ?o }", "403"),
    ("load", "LOAD <http://example.org/data.ttl>", "4xx"),
    ("clear all", "CLEAR ALL", "403"),
    ("drop all", "DROP ALL", "403"),
    ("create graph", "CREATE GRAPH <http://example.org/g>", "403"),
    ("update after prologue", "PREFIX a: <http://a/> INSERT DATA { a:x a:y a:z }", "403"),
]


def _tokens(text: str) -> list[str]:
    return text.split(" ")


def sparql_cases() -> list[Case]:
    cases = []
    # Every truncation and every single-token deletion of a valid query: a syntax error
    # (400) where the text is invalid, an answer where it is still valid.
    tokens = _tokens(BASE_QUERY)
    seen = set()
    for cut in range(1, len(tokens)):
        for kind, text in (("truncated", " ".join(tokens[:cut])),
                           ("deleted", " ".join(tokens[:cut - 1] + tokens[cut:]))):
            if text in seen:
                continue
            seen.add(text)
            cases.append(Case(f"{kind} at token {cut}", "POST", "/sparql", SPARQL_QUERY,
                              text.encode(), "4xx" if not is_valid_sparql(text) else "200"))
    for name, text, status in BROKEN_SPARQL:
        cases.append(Case(f"GET {name}", "GET", "/sparql?query=" + q(text), expect=status))
        cases.append(Case(f"POST {name}", "POST", "/sparql", SPARQL_QUERY, text.encode(),
                          expect=status))
    cases.append(Case("POST form update field", "POST", "/sparql", FORM,
                      b"update=" + q("CLEAR ALL").encode(), expect="4xx"))
    return cases


def size_cases() -> list[Case]:
    pad = "SELECT * WHERE { ?s ?p ?o } LIMIT 1 " + "#" * 25_000
    return [
        Case("GET query longer than max_query_length", "GET",
             "/sparql?query=" + q("ASK {} #" + "x" * 25_000)),
        Case("GET query of 9 000 characters, within max_query_length", "GET",
             "/sparql?query=" + q("ASK {} #" + "x" * 9000), expect="200"),
        Case("POST query over max_query_length", "POST", "/sparql", SPARQL_QUERY,
             pad.encode()),
        Case("POST form query over max_query_length", "POST", "/sparql", FORM,
             b"query=" + q(pad).encode()),
        Case("POST 5 MB body", "POST", "/sparql", SPARQL_QUERY, b"ASK {} " + b"#" * 5_000_000),
        Case("POST form of 50000 fields", "POST", "/sparql", FORM,
             b"&".join(b"f%d=1" % i for i in range(50_000)) + b"&query=ASK%7B%7D",
             expect="not5xx"),
        Case("canned parameter of 6000 characters", "GET",
             "/queries/municipality-projects?format=json&municipality=" + "x" * 6000,
             expect="not5xx"),
        Case("canned parameter name of 3000 characters", "GET",
             "/queries/projects?format=json&" + "p" * 3000 + "=1"),
        Case("20004 characters of braces (over max_query_length)", "POST",
             "/sparql", SPARQL_QUERY, b"ASK " + b"{" * 10_000 + b"}" * 10_000),
    ]


# Regression: nesting deeper than the guard's limit used to pass the guard and crash the
# Oxigraph worker with SIGSEGV (stack overflow in its parser), and the client got 502.


def nesting_cases() -> list[Case]:
    cases = []
    for depth in (50, 500):  # valid, shallow enough: answered
        cases.append(Case(f"{depth} nested groups", "POST", "/sparql", SPARQL_QUERY,
                          ("SELECT * WHERE " + "{" * depth + "}" * depth).encode(), "200"))
        cases.append(Case(f"{depth} nested parentheses", "POST", "/sparql", SPARQL_QUERY,
                          ("ASK { FILTER(" + "(" * depth + "1" + ")" * depth + ") }").encode(),
                          "200"))
    for depth in (5000,):
        for name, text in (
            ("groups", "SELECT * WHERE " + "{" * depth + "}" * depth),
            ("parentheses", "ASK { FILTER(" + "(" * depth + "1" + ")" * depth + ") }"),
            ("collections", "ASK { ?s ?p " + "(" * depth + ")" * depth + " }"),
        ):
            cases.append(Case(f"{depth} nested {name}", "POST", "/sparql", SPARQL_QUERY,
                              text.encode()))
    cases += [
        Case("unbalanced 3000 open groups", "POST", "/sparql", SPARQL_QUERY,
             ("SELECT * WHERE " + "{" * 3000).encode()),
        Case("unbalanced 3000 closing groups", "POST", "/sparql", SPARQL_QUERY,
             ("SELECT * WHERE {" + "}" * 3000).encode()),
        Case("3000 nested blank node lists", "POST", "/sparql", SPARQL_QUERY,
             ("ASK { ?s ?p " + "[" * 3000 + "]" * 3000 + " }").encode()),
        Case("1000 nested negated paths", "POST", "/sparql", SPARQL_QUERY,
             ("ASK { ?s " + "!(" * 1000 + "<http://a>" + ")" * 1000 + " ?o }").encode()),
    ]
    return cases


def parameter_cases() -> list[Case]:
    m = "/queries/municipality-projects"
    return [
        Case("canned: missing required parameter", "GET", m + "?format=json"),
        Case("canned: empty required parameter", "GET", m + "?format=json&municipality="),
        Case("canned: unknown parameter", "GET", "/queries/projects?format=json&colour=red"),
        Case("canned: parameter twice", "GET",
             m + "?format=json&municipality=Re&municipality=Re"),
        Case("canned: format twice", "GET", m + "?format=json&format=csv&municipality=Re"),
        Case("canned: NUL in a value", "GET", m + "?format=json&municipality=T%00nsberg"),
        Case("canned: invalid UTF-8 in a value", "GET", m + "?format=json&municipality=%FF"),
        Case("canned: truncated UTF-8 in a value", "GET",
             m + "?format=json&municipality=T%C3"),
        Case("canned: lone surrogate in a value", "GET",
             m + "?format=json&municipality=%ED%A0%80"),
        Case("canned: unknown format", "GET", "/queries/projects?format=exe"),
        Case("canned: unknown query", "GET", "/queries/no-such-query?format=json"),
        Case("canned: query name in capitals", "GET", "/queries/PROJECTS?format=json"),
        Case("canned: query name with NUL", "GET", "/queries/proj%00ects?format=json"),
        Case("canned: query name with encoded slash", "GET", "/queries/a%2Fb?format=json"),
        Case("canned: query name with dots", "GET", "/queries/..?format=json"),
        Case("canned: POST to a canned query", "POST", "/queries/projects", FORM, b"x=1"),
        Case("sparql: query twice", "GET",
             "/sparql?query=ASK%7B%7D&query=ASK%7B%7D"),
        Case("sparql: query and update", "POST", "/sparql", FORM,
             b"query=ASK%7B%7D&update=CLEAR%20ALL"),
        Case("sparql: default graph outside the dataset", "GET",
             "/sparql?query=ASK%7B%7D&default-graph-uri=" + q("http://example.org/g")),
        Case("sparql: named graph file IRI", "GET",
             "/sparql?query=ASK%7B%7D&named-graph-uri=" + q("file:///etc/passwd")),
        Case("sparql: default graph not an IRI", "GET",
             "/sparql?query=ASK%7B%7D&default-graph-uri=" + q("not an iri")),
        Case("sparql: unknown format", "GET", "/sparql?query=ASK%7B%7D&format=exe"),
        Case("sparql: format for the wrong form", "GET",
             "/sparql?query=ASK%7B%7D&format=turtle"),
        Case("sparql: empty query parameter", "GET", "/sparql?query="),
        Case("sparql: query in the form and the URL", "POST", "/sparql?query=ASK%7B%7D", FORM,
             b"query=ASK%7B%7D"),
    ]


BAD_ACCEPT = [
    "", "garbage", "*/*;q=abc", "text/html;q=2", "application/json;q=-1", ";;;", ",,,",
    "*/*;q=0.0000001", "text/*;q=0.5, image/*", "application/sparql-results+json; charset=x",
    "a/b/c", "*/json", "application/" + "x" * 300, ", ".join(f"t{i}/x" for i in range(300)),
]


def accept_cases() -> list[Case]:
    cases = []
    for path in ("/sparql?query=ASK%7B%7D", "/queries/projects?", "/sparql"):
        for accept in BAD_ACCEPT:
            cases.append(Case(f"Accept {accept[:40]!r} on {path}", "GET", path,
                              [("Accept", accept)], expect="not5xx"))
        for accept in ("image/png", "application/sparql-results+json;q=0, */*;q=0",
                       "text/turtle;q=1, image/*"):
            expect = "406" if path != "/sparql" else "not5xx"
            cases.append(Case(f"Accept {accept!r} on {path} (nothing offered)", "GET", path,
                              [("Accept", accept)], expect=expect))
    cases.append(Case("Accept with latin-1 bytes", "GET", "/sparql?query=ASK%7B%7D",
                      [("Accept", b"t\xe9xt/html")], expect="not5xx"))
    return cases


def encoding_cases() -> list[Case]:
    cases = []
    for name, value in (("FF FE", "%FF%FE"), ("C3 28", "%C3%28"), ("surrogate", "%ED%A0%80"),
                        ("overlong slash", "%C0%AF"), ("truncated euro", "%E2%82"),
                        ("5-byte form", "%F8%88%80%80%80"), ("NUL", "ASK%7B%7D%00"),
                        ("bad percent", "ASK%ZZ%7B%7D"), ("lone percent", "ASK%"),
                        ("half percent", "ASK%4")):
        cases.append(Case(f"query with {name}", "GET", "/sparql?query=" + value))
        cases.append(Case(f"form with {name}", "POST", "/sparql", FORM,
                          b"query=" + value.encode()))
    cases += [
        Case("raw byte FF in the query string", "GET", b"/sparql?query=ASK\xff%7B%7D"),
        Case("raw byte FF in a canned path", "GET", b"/queries/\xff\xfe"),
        Case("raw NUL-free control character in the query string", "GET",
             b"/sparql?query=ASK\x01%7B%7D"),
        Case("sparql-query body invalid UTF-8", "POST", "/sparql", SPARQL_QUERY,
             b"ASK { ?s ?p \"\xff\xfe\" }"),
        Case("sparql-query body with NUL", "POST", "/sparql", SPARQL_QUERY, b"ASK {}\x00"),
        Case("sparql-query body UTF-16", "POST", "/sparql", SPARQL_QUERY,
             "ASK {}".encode("utf-16")),
        Case("sparql-query body declared latin-1", "POST", "/sparql",
             [("Content-Type", "application/sparql-query; charset=latin-1")],
             "ASK { ?s ?p \"Tønsberg\" }".encode("latin-1"), expect="not5xx"),
    ]
    return cases


TRAVERSALS = [
    "../", "..%2f", "%2e%2e/", "%2e%2e%2f", "..%5c", "%252e%252e%252f", "....//", "..;/",
    "%c0%ae%c0%ae/", "..%c0%af", ".%2e/", "%2e./",
]
TARGETS = ["etc/passwd", "pyproject.toml", "ninek_graph/app.py", "dist/manifest.json"]


def traversal_cases() -> list[Case]:
    cases = []
    for prefix in ("/static/", "/project/", "/municipality/", "/organisation/", "/queries/",
                   "/"):
        for number, step in enumerate(TRAVERSALS):
            target = TARGETS[number % len(TARGETS)]
            path = prefix + step * 6 + target
            cases.append(Case(f"traversal {path}", "GET", path, expect="traversal"))
    cases += [
        Case("absolute path after static", "GET", "/static//etc/passwd", expect="traversal"),
        Case("backslashes after static", "GET", "/static/..\\..\\pyproject.toml",
             expect="traversal"),
        Case("encoded NUL in a static path", "GET", "/static/style.css%00.png",
             expect="traversal"),
        Case("absolute-form request target", "GET", "http://example.org/etc/passwd",
             expect="traversal"),
    ]
    return cases


def reconcile_cases() -> list[Case]:
    deep = b"queries=" + urllib.parse.quote("[" * 100_000 + "]" * 100_000).encode()
    bodies = [
        ("not JSON", b"queries=%7Bbad"),
        ("a JSON array", b"queries=" + q("[1, 2]").encode()),
        ("a JSON number", b"queries=5"),
        ("a JSON string", b"queries=" + q('"Re"').encode()),
        ("an entry without query", b"queries=" + q('{"q0": {"type": "project"}}').encode()),
        ("a query that is a number", b"queries=" + q('{"q0": {"query": 5}}').encode()),
        ("a limit that is a string",
         b"queries=" + q('{"q0": {"query": "Re", "limit": "x"}}').encode()),
        ("an entry that is a list", b"queries=" + q('{"q0": [1]}').encode()),
        ("100000 nested arrays", deep),
        ("invalid UTF-8", b"queries=%FF%FE"),
    ]
    cases = [Case(f"reconcile POST {name}", "POST", "/reconcile", FORM, body)
             for name, body in bodies]
    cases += [
        Case("reconcile GET not JSON", "GET", "/reconcile?queries=%7Bbad"),
        Case("reconcile POST JSON body", "POST", "/reconcile",
             [("Content-Type", "application/json")], b"{bad"),
    ]
    return cases


def method_cases() -> list[Case]:
    cases = []
    for path in ("/sparql", "/health", "/queries", "/queries/projects", "/static/style.css",
                 "/project/geodata"):
        for method in ("PUT", "DELETE", "PATCH"):
            cases.append(Case(f"{method} {path}", method, path))
    cases += [
        Case("POST /health", "POST", "/health", FORM, b"x=1"),
        Case("POST /sparql without Content-Type", "POST", "/sparql", [], b"ASK {}"),
        Case("POST /sparql text/plain", "POST", "/sparql", [("Content-Type", "text/plain")],
             b"ASK {}"),
        Case("POST /sparql multipart", "POST", "/sparql",
             [("Content-Type", "multipart/form-data; boundary=x")],
             b"--x\r\nContent-Disposition: form-data; name=\"query\"\r\n\r\nASK {}\r\n--x--"),
        Case("POST /sparql empty sparql-query", "POST", "/sparql", SPARQL_QUERY, b""),
        Case("POST /sparql sparql-update", "POST", "/sparql",
             [("Content-Type", "application/sparql-update")], b"CLEAR ALL", expect="403"),
        Case("POST /sparql form without query", "POST", "/sparql", FORM, b"x=1"),
        Case("made-up method", "FROB", "/sparql"),
        Case("TRACE", "TRACE", "/health"),
    ]
    return cases


def header_cases() -> list[Case]:
    return [
        Case("a header of 20 KB", "GET", "/health", [("X-Big", "a" * 20_000)]),
        Case("150 headers", "GET", "/health", [(f"X-H{i}", "1") for i in range(150)]),
        Case("a header with NUL", "GET", "/health", [("X-Nul", b"a\x00b")]),
        Case("a header name with a space", "GET", "/health", [("X Bad", "1")]),
        Case("a header name with a colon inside", "GET", "/health", [(b"X(Bad)", "1")]),
        Case("Content-Length not a number", "POST", "/sparql",
             [("Content-Type", "application/sparql-query"), ("Content-Length", "abc")],
             b"ASK {}"),
        Case("Content-Length negative", "POST", "/sparql",
             [("Content-Type", "application/sparql-query"), ("Content-Length", "-1")],
             b"ASK {}"),
        Case("Content-Length and Transfer-Encoding", "POST", "/sparql",
             [("Content-Type", "application/sparql-query"), ("Content-Length", "6"),
              ("Transfer-Encoding", "chunked")], b"0\r\n\r\n"),
        Case("If-None-Match garbage", "GET", "/queries/projects?format=json",
             [("If-None-Match", '"' + "z" * 4000 + '", W/"x", *,,')], expect="not5xx"),
        Case("Host header empty", "GET", "/health", [("Host", "")], expect="not5xx"),
    ]


def corpus() -> list[Case]:
    return (sparql_cases() + size_cases() + nesting_cases() + parameter_cases()
            + accept_cases() + encoding_cases() + traversal_cases() + reconcile_cases()
            + method_cases() + header_cases())


CORPUS = corpus()


def test_corpus_is_large_and_ids_unique():
    ids = [case.id for case in CORPUS]
    assert len(ids) >= 200, len(ids)
    assert len(set(ids)) == len(ids), [i for i in ids if ids.count(i) > 1]
    assert sum(case.expect != "200" for case in CORPUS) >= 200


def check_reply(case: Case, reply: Reply) -> None:
    what = f"{case.id}: {reply.status} {readable_message(reply)[:300]!r}"
    assert reply.status < 500, what
    assert reply.seconds < REQUEST_TIMEOUT_S, what
    if case.expect == "200":
        assert reply.status == 200, what
        return
    if case.expect == "traversal":
        assert reply.status in (301, 302, 303, 307, 308) or 400 <= reply.status < 500, what
        assert not any(secret in reply.body for secret in SECRETS), what
        location = reply.headers.get("location", "")
        assert ".." not in location and "etc/passwd" not in location.replace("%2F", "/"), what
        return
    if case.expect == "not5xx":
        return
    if case.expect == "4xx":
        assert 400 <= reply.status < 500, what
    else:
        assert reply.status == int(case.expect), what
    message = readable_message(reply)
    assert len(message) >= 20, f"{what}: no message a person can act on"
    assert "Traceback" not in reply.text, what


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.id, marks=c.marks) for c in CORPUS])
def test_malformed_input(server: LiveServer, case: Case):
    reply = send(server, case.method, case.target, headers=case.headers, body=case.body)
    check_reply(case, reply)


def test_server_survives_the_corpus(server: LiveServer):
    """After everything above (crashed workers included) the server answers as before."""
    assert get(server, "/health").status == 200
    reply = get(server, "/queries/municipality-projects", format="json",
                municipality="Tønsberg")
    assert reply.status == 200 and b"geodata" in reply.body


# -- Hypothesis ------------------------------------------------------------------------------
FUZZ = settings(max_examples=120, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=120)


@FUZZ
@given(name=st.sampled_from(["municipality-projects", "organisation-projects",
                             "project-participants", "successor-projects"]),
       value=TEXT, fmt=st.sampled_from(["json", "csv", "tsv", "xml", "html"]))
def test_fuzz_canned_parameters(server: LiveServer, name: str, value: str, fmt: str):
    param = {"municipality-projects": "municipality", "organisation-projects": "organisation",
             "project-participants": "project", "successor-projects": "municipality"}[name]
    reply = get(server, f"/queries/{name}", format=fmt, **{param: value})
    expected = {400} if "\x00" in value or not value else {200, 400}
    assert reply.status in expected, (value, reply.status, reply.text[:300])
    assert reply.seconds < REQUEST_TIMEOUT_S


SEGMENTS = st.one_of(
    TEXT.map(lambda s: urllib.parse.quote(s, safe="")),
    st.sampled_from(["..", ".", "%2e%2e", "%2f", "%00", "%ff", "%c0%af", "//", "%5c", "~",
                     ";", "geodata", "geodata.html", "tonsberg", "hve", "%252e"]),
)


@FUZZ
@given(prefix=st.sampled_from(["project", "municipality", "organisation", "grant",
                               "participation", "source/line", "concept/role", "def", "static",
                               "queries", "workarea", "page", "data"]),
       segments=st.lists(SEGMENTS, min_size=1, max_size=5),
       accept=st.sampled_from(["", "text/html", "text/turtle", "application/ld+json", "*/*"]))
def test_fuzz_entity_paths(server: LiveServer, prefix: str, segments: list[str], accept: str):
    path = f"/{prefix}/" + "/".join(segments)
    reply = send(server, "GET", path, headers=[("Accept", accept)] if accept else [])
    assert reply.status < 500, (path, reply.status, reply.text[:300])
    assert not any(secret in reply.body for secret in SECRETS), path
    assert reply.seconds < REQUEST_TIMEOUT_S


SPARQL_TOKENS = [
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "*", "DISTINCT", "{", "}", "(", ")", ".",
    ";", ",", "?s", "?p", "?o", "?x", "a", "<https://w3id.org/ninek/project/geodata>",
    "<http://www.w3.org/2000/01/rdf-schema#label>", '"Tønsberg"', '"x"@nb', "1", "2.5",
    "true", "FILTER", "OPTIONAL", "UNION", "MINUS", "BIND", "AS", "VALUES", "UNDEF", "STR",
    "COUNT", "GROUP", "BY", "HAVING", "=", "!=", "<", "&&", "||", "!", "/", "|", "^", "+",
    "REGEX", "LANG", "IRI", "EXISTS", "NOT", "PREFIX", "nk:", "BASE", "SERVICE", "FROM",
    "NAMED", "GRAPH", "INSERT", "DATA", "LOAD", "#", "\n",
]


@FUZZ
@given(tokens=st.lists(st.sampled_from(SPARQL_TOKENS), max_size=25))
def test_fuzz_sparql_token_soup(server: LiveServer, tokens: list[str]):
    text = " ".join(tokens) + " LIMIT 1"
    reply = send(server, "POST", "/sparql", headers=SPARQL_QUERY, body=text.encode())
    assert reply.status in (200, 400, 403, 503), (text, reply.status, reply.text[:300])
    if reply.status == 503:  # a valid but expensive query: stopped at the time limit
        assert "time limit" in reply.text, (text, reply.text[:300])
    assert reply.seconds < REQUEST_TIMEOUT_S


# -- memory and processes of the server ------------------------------------------------------
def group_rss(pgid: int) -> int:
    total = 0
    for pid in group_pids(pgid):
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def remote_addresses(pgid: int) -> set[str]:
    """Remote ends of the TCP sockets the server's processes hold (from /proc)."""
    inodes = set()
    for pid in group_pids(pgid):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    link = os.readlink(f"/proc/{pid}/fd/{fd}")
                except OSError:
                    continue
                if link.startswith("socket:["):
                    inodes.add(link[8:-1])
        except OSError:
            continue
    remotes = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[9] not in inodes:
                continue
            host_hex = fields[2].split(":")[0]
            raw = bytes.fromhex(host_hex)
            if width == 8:
                address = ipaddress.IPv4Address(raw[::-1])
            else:
                words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                address = ipaddress.IPv6Address(words)
                if address.ipv4_mapped:
                    address = address.ipv4_mapped
            remotes.add(str(address))
    return remotes


def assert_server_connects_nowhere(server: LiveServer) -> None:
    outside = {a for a in remote_addresses(server.proc.pid)
               if not (ipaddress.ip_address(a).is_loopback or ipaddress.ip_address(a)
                       .is_unspecified)}
    assert not outside, f"the server holds connections outside loopback: {outside}"


# -- load ------------------------------------------------------------------------------------
MUNICIPALITIES = ["Tønsberg", "Re", "Våle", "Ramnes", "Horten", "Borre", "Sande", "Svelvik",
                  "Hof", "Holmestrand", "Andebu", "Stokke", "Nøtterøy", "Tjøme", "0704",
                  "Larvik", "Sandefjord", "Lardal", "Oslo", "nowhere"]


def load_requests(count: int, seed: int = 9) -> list[tuple[str, str, bytes, list, int]]:
    """(method, target, body, headers, expected status), a fixed mix."""
    rng = random.Random(seed)
    prefix = f"PREFIX nk: <{NK}> "
    mix = []
    for i in range(count):
        kind = rng.randrange(14)
        if kind == 0:
            mix.append(("GET", "/health", b"", [], 200))
        elif kind == 1:
            mix.append(("GET", rng.choice(["/queries", "/queries?format=json"]), b"", [], 200))
        elif kind == 2:
            name = rng.choice(MUNICIPALITIES)
            mix.append(("GET", "/queries/municipality-projects?format=json&municipality="
                        + q(name), b"", [], 200))
        elif kind == 3:
            org = rng.choice(["HVE", "Høgskolen", "KRD", "FM", "Uninett ABC", "none"])
            mix.append(("GET", f"/queries/organisation-projects?format=csv&organisation={q(org)}",
                        b"", [], 200))
        elif kind == 4:
            name = rng.choice(["projects", "grants", "funding-by-funder", "savings", "hosts",
                               "participation-matrix", "project-lineage", "exclusions",
                               "projects-by-start-year"])
            fmt = rng.choice(["json", "csv", "tsv", "xml"])
            mix.append(("GET", f"/queries/{name}?format={fmt}", b"", [], 200))
        elif kind == 5:
            mix.append(("GET", "/queries/project-participants?format=json&project="
                        + q(rng.choice(["Geodata", PROJECT_IRI, "SOLID", "x"])), b"", [], 200))
        elif kind in (6, 7):
            text = (prefix + "SELECT ?p ?t WHERE { ?p a nk:Project ; "
                    "<http://purl.org/dc/terms/title> ?t } ORDER BY ?t "
                    f"LIMIT {rng.randrange(1, 60)} OFFSET {rng.randrange(0, 40)}")
            mix.append(("GET", "/sparql?query=" + q(text), b"",
                        [("Accept", "application/sparql-results+json")], 200))
        elif kind == 8:
            text = f'ASK {{ ?s ?p "{rng.randrange(100000)}" }}'
            mix.append(("POST", "/sparql", text.encode(), SPARQL_QUERY, 200))
        elif kind == 9:
            text = (prefix + "CONSTRUCT { ?p ?q ?o } WHERE { ?p a nk:Project ; ?q ?o } "
                    f"LIMIT {rng.randrange(1, 200)}")
            mix.append(("POST", "/sparql", b"query=" + q(text).encode(),
                        FORM + [("Accept", rng.choice(["text/turtle", "application/n-triples",
                                                       "application/ld+json"]))], 200))
        elif kind == 10:
            mix.append(("GET", "/sparql?query=" + q(f"SELEC * WHERE {{ ?s ?p {i} }}"), b"", [],
                        400))
        elif kind == 11:
            mix.append(("GET", f"/queries/no-such-query-{i % 7}", b"", [], 404))
        elif kind == 12:
            mix.append(("GET", "/queries/municipality-projects?format=json", b"", [], 400))
        else:
            mix.append(("POST", "/sparql", b"CLEAR ALL",
                        [("Content-Type", "application/sparql-update")], 403))
    return mix


def _session_worker(server: LiveServer, jobs: list, results: list, lock: threading.Lock):
    """One client: a keep-alive connection, reopened when the server closes it."""
    port = int(server.url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_S)
    mine = []
    for method, target, body, headers, expected in jobs:
        started = time.monotonic()
        try:
            conn.request(method, target, body=body or None, headers=dict(headers))
            response = conn.getresponse()
            data = response.read()
            mine.append((target, expected, response.status, time.monotonic() - started,
                         data[:200]))
            if response.getheader("connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException) as error:
            mine.append((target, expected, f"connection error: {error!r}",
                         time.monotonic() - started, b""))
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_S)
    conn.close()
    with lock:
        results.extend(mine)


def run_clients(server: LiveServer, mix: list, clients: int) -> list:
    results: list = []
    lock = threading.Lock()
    chunks = [mix[i::clients] for i in range(clients)]
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(_session_worker, server, chunk, results, lock)
                       for chunk in chunks]:
            future.result()
    return results


def test_load_mixed_requests(server: LiveServer):
    started = time.monotonic()
    warm = run_clients(server, load_requests(600, seed=1), CONCURRENCY)
    memory_warm = group_rss(server.proc.pid)
    processes_warm = len(group_pids(server.proc.pid))
    results = warm + run_clients(server, load_requests(LOAD_REQUESTS, seed=2), CONCURRENCY)
    memory_end = group_rss(server.proc.pid)
    processes_end = len(group_pids(server.proc.pid))
    elapsed = time.monotonic() - started

    failures = [r for r in results if not isinstance(r[2], int) or r[2] >= 500]
    assert not failures, f"{len(failures)} errors, e.g. {failures[:5]}"
    wrong = [r for r in results if r[2] != r[1]]
    assert not wrong, f"{len(wrong)} unexpected statuses, e.g. {wrong[:5]}"
    assert len(results) == 600 + LOAD_REQUESTS
    slowest = max(r[3] for r in results)
    assert slowest < REQUEST_TIMEOUT_S, slowest
    # Memory (PSS of the whole process tree) stable after the warm-up: a generous margin for
    # the answer cache filling up, none for a leak that grows with the number of requests.
    assert memory_end <= memory_warm * 1.5 + 64 * 2**20, (memory_warm, memory_end)
    # Query workers are forked on demand, so a pool may still be filling after the warm-up
    # (how many queries overlapped depends on timing); a leak is any process beyond the
    # master, 2 server processes and their 2 + 2 query workers.
    assert processes_warm <= processes_end <= 1 + 2 * (1 + 2), (processes_warm, processes_end)
    assert elapsed < 90, elapsed
    assert_server_connects_nowhere(server)


# -- a pathological query --------------------------------------------------------------------
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_pathological_query_is_stopped_while_others_are_answered(server: LiveServer):
    processes_before = len(group_pids(server.proc.pid))
    outcome: dict = {}

    def pathological() -> None:
        outcome["reply"] = send(server, "POST", "/sparql", headers=SPARQL_QUERY,
                                body=CROSS_JOIN.encode(), timeout=QUERY_TIMEOUT_S + 30)

    thread = threading.Thread(target=pathological)
    thread.start()
    time.sleep(0.2)  # let it reach a query worker
    others = []
    number = 0
    while thread.is_alive() and number < 400:
        number += 1
        municipality = q(MUNICIPALITIES[number % len(MUNICIPALITIES)])
        for target in ("/health",
                       f"/queries/municipality-projects?format=csv&municipality={municipality}",
                       "/sparql?query=" + q(f'ASK {{ ?s ?p "{number}" }}')):  # uncached
            reply = send(server, "GET", target, timeout=10)
            others.append((target, reply.status, reply.seconds))
        time.sleep(0.02)
    thread.join(QUERY_TIMEOUT_S + 30)
    assert not thread.is_alive(), "the pathological query never came back"

    reply = outcome["reply"]
    assert reply.status == 503, (reply.status, reply.text[:300])
    assert "time limit" in reply.text and f"{QUERY_TIMEOUT_S} s" in reply.text, reply.text
    assert QUERY_TIMEOUT_S - 0.5 <= reply.seconds <= QUERY_TIMEOUT_S + 8, reply.seconds
    assert reply.headers.get("retry-after"), reply.headers
    # Other clients were answered while it ran, and quickly.
    answered_during = [o for o in others if o[1] == 200]
    assert len(others) >= 6 and len(answered_during) == len(others), others[:10]
    assert max(o[2] for o in others) < QUERY_TIMEOUT_S, sorted(o[2] for o in others)[-5:]
    # The killed worker is replaced: the same number of processes, and queries still run.
    deadline = time.monotonic() + 10
    while len(group_pids(server.proc.pid)) != processes_before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(group_pids(server.proc.pid)) == processes_before
    after = send(server, "POST", "/sparql", headers=SPARQL_QUERY,
                 body=b"SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert after.status == 200, after.text[:300]


# -- page reads of the shared store while query workers come and go ----------------------------
PAGES = ["/project/geodata.html", "/municipality/tonsberg.html", "/organisation/hve.html",
         "/search?q=bredb%C3%A5nd", "/search?q=tonsberg&format=json", "/",
         "/reconcile?queries=" + q('{"q0": {"query": "Tbg"}}')]


def test_pages_and_queries_while_workers_are_replaced(dist_dir: Path, tmp_path: Path):
    """Without caches and with a query-worker memory limit of 1 MiB, every worker leaves
    after 50 ms of work and a fresh one is forked, while other threads of the same process
    read the shared store for pages (under the fork gate): no error, no hang."""
    port = free_port()
    live = start_server(
        "replaced-workers", [NINEK, "serve", "--host", "127.0.0.1", "--port", str(port)],
        {"NINEK_DIST": str(dist_dir), "NINEK_CACHE_ENTRIES": "0",
         "NINEK_QUERY_WORKER_MEMORY": "1", "PYTHONUNBUFFERED": "1"},
        tmp_path, port=port,
    )
    try:
        rng = random.Random(5)
        mix = load_requests(500, seed=3) + [("GET", rng.choice(PAGES), b"", [], 200)
                                             for _ in range(500)]
        rng.shuffle(mix)
        seen: set[int] = set()
        stop = threading.Event()

        def watch() -> None:
            while not stop.is_set():
                seen.update(group_pids(live.proc.pid))
                time.sleep(0.05)

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            results = run_clients(live, mix, CONCURRENCY)
        finally:
            stop.set()
            watcher.join()
        wrong = [r for r in results if r[2] != r[1]]
        assert not wrong, f"{len(wrong)} unexpected statuses, e.g. {wrong[:5]}"
        assert max(r[3] for r in results) < REQUEST_TIMEOUT_S
        # gunicorn's master and 2 workers, 2 x 2 query workers at a time: many more came
        # and went.
        assert len(seen) > 3 + 4, sorted(seen)
    finally:
        live.stop()
