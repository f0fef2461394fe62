"""The W3C SPARQL 1.1 Protocol tests, run from their manifest against a real server.

Each ``mf:ProtocolTest`` in ``tests/standards/w3c-sparql11/protocol/manifest.ttl`` is a
sequence of ``ht:Request`` resources (method, ``ht:absolutePath``, headers, body) with an
``ht:resp`` giving the expected status class, result format and boolean. The requests go
over HTTP to ``protocol_url`` (:mod:`tests.http_protocol_app`, the real application under
gunicorn with the suite's data loaded into the graphs the manifest names), with ``/sparql/``
replaced by ``/sparql``.

This endpoint is read-only, so the ``update_*`` tests cannot pass as written (they expect a
read-write store to apply the update): :data:`ADAPTED` maps each of them to what a read-only
server must answer, and says why. Every other test, every query test and every ``bad_*``
test, runs exactly as written, and a ``bad_*`` test must get a 4xx, never a 5xx.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import rdflib
import requests
from rdflib import RDF, Namespace
from rdflib.collection import Collection

MANIFEST = Path(__file__).resolve().parent / "standards" / "w3c-sparql11" / "protocol" / \
    "manifest.ttl"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
SRX = "{http://www.w3.org/2005/sparql-results#}"

READ_ONLY_UPDATE = (
    "the endpoint is read-only (issue 3): SPARQL Update is refused with 403, so the update "
    "request expects 403 instead of 2xx, and the follow-up ASK, which checks that the update "
    "took effect, must answer false: nothing changed"
)
ADAPTED: dict[str, str] = {
    "update_dataset_default_graph": READ_ONLY_UPDATE,
    "update_dataset_default_graphs": READ_ONLY_UPDATE,
    "update_dataset_named_graphs": READ_ONLY_UPDATE,
    "update_dataset_full": READ_ONLY_UPDATE,
    "update_base_uri": READ_ONLY_UPDATE,
    "update_post_form": "read-only: an update in a form POST gets 403 instead of 2xx",
    "update_post_direct": "read-only: an update in a direct POST gets 403 instead of 2xx",
}


@dataclass
class Expected:
    statuses: set[str]  # "2xx", "3xx", "4xx", ...
    format: str | None = None
    boolean: bool | None = None


@dataclass
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    expected: Expected = field(default_factory=lambda: Expected(set()))


@dataclass
class ProtocolTest:
    name: str
    title: str
    requests: list[HttpRequest]


def _load_manifest() -> list[ProtocolTest]:
    graph = rdflib.Graph().parse(MANIFEST, format="turtle")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in Collection(graph, graph.value(manifest, MF.entries)):
        action = graph.value(entry, MF.action)
        http_requests = []
        for node in Collection(graph, graph.value(action, HT.requests)):
            headers = {}
            header_list = graph.value(node, HT.headers)
            if header_list is not None:
                for header in Collection(graph, header_list):
                    headers[str(graph.value(header, HT.fieldName))] = str(
                        graph.value(header, HT.fieldValue))
            body = None
            body_node = graph.value(node, HT.body)
            if body_node is not None:
                encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(graph.value(body_node, CNT.chars)).encode(encoding)
            resp = graph.value(node, HT.resp)
            statuses = {str(s).rsplit("StatusCode", 1)[1]
                        for s in graph.objects(resp, MF.expectedStatus)}
            fmt = graph.value(resp, MF.expectedFormat)
            boolean = graph.value(resp, MF.expectedBoolean)
            path = str(graph.value(node, HT.absolutePath))
            assert path.startswith("/sparql/"), path
            http_requests.append(HttpRequest(
                method=str(graph.value(node, HT.methodName)),
                path="/sparql" + path[len("/sparql/"):],
                headers=headers, body=body,
                expected=Expected(statuses, None if fmt is None else str(fmt),
                                  None if boolean is None else bool(boolean.toPython())),
            ))
        name = str(entry).rsplit("#", 1)[1]
        tests.append(ProtocolTest(name, str(graph.value(entry, MF.name)), http_requests))
    return tests


TESTS = _load_manifest()


def test_manifest_is_read_completely():
    """The suite has 34 tests; every one has at least one request and an expected status,
    and every adapted name exists (a typo would silently run a test unadapted)."""
    assert len(TESTS) == 34
    assert all(t.requests and all(r.expected.statuses for r in t.requests) for t in TESTS)
    names = {t.name for t in TESTS}
    assert set(ADAPTED) <= names
    assert {n for n in names if n.startswith("update_")} == set(ADAPTED)


def _status_class(status: int) -> str:
    return f"{status // 100}xx"


def _format_of(response: requests.Response) -> tuple[str, bool | None]:
    """("boolean" | "tabular" | "RDF", the boolean if any), read from the body as the
    Content-Type says, so a wrong body fails here."""
    ctype = response.headers.get("Content-Type", "").split(";")[0].strip()
    if ctype == "application/sparql-results+json":
        data = json.loads(response.content)
        if "boolean" in data:
            return "boolean", data["boolean"]
        assert isinstance(data["results"]["bindings"], list)
        return "tabular", None
    if ctype == "application/sparql-results+xml":
        root = ET.fromstring(response.content)
        boolean = root.find(f"{SRX}boolean")
        if boolean is not None:
            return "boolean", boolean.text.strip() == "true"
        assert root.find(f"{SRX}results") is not None
        return "tabular", None
    if ctype in ("text/csv", "text/tab-separated-values"):
        assert response.text.splitlines()[0]
        return "tabular", None
    rdf_formats = {"text/turtle": "turtle", "application/n-triples": "nt",
                   "application/ld+json": "json-ld", "application/rdf+xml": "xml"}
    assert ctype in rdf_formats, f"unexpected Content-Type {ctype!r}"
    rdflib.Graph().parse(data=response.content, format=rdf_formats[ctype])
    return "RDF", None


def _adapt(test: ProtocolTest, index: int, request: HttpRequest) -> Expected:
    if test.name not in ADAPTED:
        return request.expected
    if index == 0:
        return Expected({"403"})
    return Expected(request.expected.statuses, request.expected.format, False)


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_protocol(protocol_url: str, test: ProtocolTest):
    with requests.Session() as session:
        for index, request in enumerate(test.requests):
            expected = _adapt(test, index, request)
            response = session.request(
                request.method, protocol_url + request.path, headers=request.headers,
                data=request.body, timeout=30, allow_redirects=False,
            )
            what = f"{test.name} request {index + 1} ({test.title}): {response.status_code} " \
                   f"{response.text[:300]!r}"
            assert response.status_code < 500, what
            if expected.statuses == {"403"}:
                assert response.status_code == 403, what
                assert "read-only" in response.text, what
                continue
            assert _status_class(response.status_code) in expected.statuses, what
            if expected.format is not None:
                fmt, boolean = _format_of(response)
                assert fmt == expected.format, what
                if expected.boolean is not None:
                    assert boolean is expected.boolean, what
            if test.name.startswith("bad_"):
                assert response.text.strip(), f"{what}: a refusal must say why"
