"""No request leaves the server on a user's behalf: a loopback listener counts connections.

Each case sends the live server (the embedded store, whose engine would follow SERVICE and
which forks query workers) a request that names the listener's URL in a place where some
SPARQL engine would fetch it: SERVICE, FROM, FROM NAMED, the protocol's dataset parameters,
LOAD, and a canned query's parameter. The request must be refused (or, for the canned
parameter, answered as a plain value) and the listener must see no connection, waited for
a bounded time after the answer.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
import requests

from tests import outbound_guard
from tests.listener import Listener

TIMEOUT = 30
GRACE_S = 0.5  # how long after the answer a late connection would still be counted


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def test_the_listener_counts_a_real_connection(listener):
    """The instrument works: one connection is counted (so zero below means none came)."""
    with socket.create_connection(("127.0.0.1", listener.port), timeout=5):
        pass
    deadline = time.monotonic() + 5
    while listener.connections == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert listener.connections == 1


def _cases(base: str) -> list[tuple[str, str, dict]]:
    """(label, path, request kwargs)."""
    q = "/sparql"
    return [
        ("SERVICE", q, {"params": {
            "query": f"SELECT * WHERE {{ SERVICE <{base}/sparql> {{ ?s ?p ?o }} }}"}}),
        ("SERVICE SILENT in OPTIONAL", q, {"params": {
            "query": "SELECT * WHERE { ?s a ?t OPTIONAL { SERVICE SILENT "
                     f"<{base}/sparql> {{ ?s ?p ?o }} }} }} LIMIT 1"}}),
        ("SERVICE via prefix", q, {"data": {
            "query": f"PREFIX r: <{base}/> SELECT * WHERE {{ SERVICE r:sparql {{ ?s ?p ?o }} }}"}}),
        ("FROM", q, {"params": {"query": f"SELECT * FROM <{base}/g> WHERE {{ ?s ?p ?o }}"}}),
        ("FROM NAMED", q, {"params": {
            "query": f"SELECT * FROM NAMED <{base}/g> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"}}),
        ("default-graph-uri", q, {"params": {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1",
                                             "default-graph-uri": f"{base}/g"}}),
        ("named-graph-uri", q, {"params": {
            "query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1",
            "named-graph-uri": f"{base}/g"}}),
        ("LOAD as query", q, {"params": {"query": f"LOAD <{base}/x>"}}),
        ("LOAD as update", q, {"data": {"update": f"LOAD <{base}/x> INTO GRAPH <urn:g>"}}),
        ("LOAD direct update", q, {"data": f"LOAD <{base}/x>".encode(),
                                   "headers": {"Content-Type": "application/sparql-update"}}),
        ("canned parameter", "/queries/project-participants",
         {"params": {"project": f"{base}/project", "format": "json"}}),
        ("canned parameter (HTML)", "/queries/organisation-projects",
         {"params": {"organisation": f"{base}/org"}}),
    ]


CASE_LABELS = [label for label, _, _ in _cases("http://127.0.0.1:1")]


@pytest.mark.parametrize("label", CASE_LABELS)
def test_no_connection_leaves_the_server(live_url, listener, label):
    base = f"http://127.0.0.1:{listener.port}"
    _, path, kwargs = next(c for c in _cases(base) if c[0] == label)
    method = "POST" if "data" in kwargs else "GET"
    response = requests.request(method, live_url + path, timeout=TIMEOUT, **kwargs)
    if label.startswith("canned"):
        assert response.status_code == 200  # a value, matched as text, never fetched
    else:
        assert 400 <= response.status_code < 500, response.text[:300]
    time.sleep(GRACE_S)
    assert listener.connections == 0, f"{label}: the server connected to the listener"


def test_guard_blocks_a_connection_outside_loopback():
    """The session-wide guard refuses (and would report) a connection to a public address;
    192.0.2.1 is TEST-NET-1 (RFC 5737), so nothing would answer even if it leaked."""
    outbound_guard.install()
    with outbound_guard.expected_attempts() as attempts:
        with pytest.raises(outbound_guard.OutboundConnectionBlocked):
            socket.create_connection(("192.0.2.1", 80), timeout=2)
        with pytest.raises(requests.ConnectionError):
            requests.get("http://192.0.2.1:80/", timeout=2)
        sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        try:
            with pytest.raises(outbound_guard.OutboundConnectionBlocked):
                sock.connect_ex(("2001:db8::1", 80, 0, 0))
        finally:
            sock.close()
    assert len(attempts) == 3
    assert all("192.0.2.1" in a or "2001:db8::1" in a for a in attempts)


def test_guard_lets_loopback_through(listener):
    outbound_guard.install()
    before = listener.connections
    for host in ("127.0.0.1", "localhost"):
        with socket.create_connection((host, listener.port), timeout=5):
            pass
    deadline = time.monotonic() + 5
    while listener.connections < before + 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert listener.connections == before + 2
