"""Every test of the W3C SPARQL 1.1 syntax-query and syntax-fed suites, from their manifests.

Positive syntax tests must pass the guard and run on an OxigraphBackend over a tiny store
without a syntax error. Negative ones must raise QuerySyntaxError with a position (from the
guard's tokenizer or from the engine). Tests that are valid SPARQL but outside what this
closed endpoint runs (SERVICE, a FROM graph it does not publish) must be refused by the guard
with QueryRefused instead: that is the right answer here, not a failure.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from ninek_graph import sparql_guard
from ninek_graph.backend import QueryError, QueryRefused, QuerySyntaxError
from ninek_graph.embedded import OxigraphBackend
from tests.w3c_manifest import MF, local_name, local_path, read_manifest

GRAPH = "http://example.org/graph"
MAX_LENGTH = 100_000

# Valid queries this endpoint refuses on purpose (QueryRefused), with the reason.
REFUSED_BY_DESIGN = {
    "syntax-fed/test_1": "SERVICE: federated query is disabled",
    "syntax-fed/test_2": "SERVICE: federated query is disabled",
    "syntax-fed/test_3": "SERVICE SILENT: federated query is disabled",
    "syntax-query/test_42": "FROM <file>: a relative IRI naming no published graph",
}
# Valid queries the engine parses but cannot evaluate (a QueryError that is not a syntax
# error), with the reason.
NOT_EVALUABLE = {
    "syntax-query/test_4": "calls :function, an extension function pyoxigraph does not have",
}
# Entries where our behaviour differs from the suite's verdict, with the reason.
EXPECTED_FAILURES: dict[str, str] = {}


def entries(suite: str) -> list[tuple[str, str, Path]]:
    graph, items = read_manifest(suite)
    out = []
    for entry in items:
        kind = local_name(graph.value(entry, rdflib.RDF.type))
        action = local_path(graph.value(entry, MF.action))
        out.append((f"{suite}/{local_name(entry)}", kind, action))
    return out


ENTRIES = entries("syntax-query") + entries("syntax-fed")


@pytest.fixture(scope="module")
def backend():
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"),
                      ox.Literal("o"), ox.NamedNode(GRAPH)))
    # The W3C harness resolves relative IRIs (e.g. <x> in syntax-oneof-03) against a base.
    b = OxigraphBackend(store, workers=2, base_iri="http://example.org/base/")
    yield b
    b.close()


def test_every_manifest_entry_is_collected() -> None:
    kinds = [kind for _, kind, _ in ENTRIES]
    assert len(ENTRIES) == 94 + 3
    assert kinds.count("PositiveSyntaxTest11") == 63 + 3
    assert kinds.count("NegativeSyntaxTest11") == 31
    assert set(REFUSED_BY_DESIGN) <= {name for name, _, _ in ENTRIES}


def _params() -> list:
    return [
        pytest.param(e, id=e[0], marks=pytest.mark.xfail(strict=True,
                                                          reason=EXPECTED_FAILURES[e[0]]))
        if e[0] in EXPECTED_FAILURES else pytest.param(e, id=e[0])
        for e in ENTRIES
    ]


@pytest.mark.parametrize("entry", _params())
def test_syntax(entry: tuple[str, str, Path], backend: OxigraphBackend) -> None:
    name, kind, path = entry
    text = path.read_text(encoding="utf-8")
    if name in REFUSED_BY_DESIGN:
        with pytest.raises(QueryRefused):
            sparql_guard.check(text, allowed_graphs={GRAPH}, max_length=MAX_LENGTH)
        return
    if kind == "PositiveSyntaxTest11":
        sparql_guard.check(text, allowed_graphs={GRAPH}, max_length=MAX_LENGTH)
        try:
            backend.query(text, timeout=10, max_rows=10)
        except QuerySyntaxError:
            raise
        except QueryError as error:
            assert name in NOT_EVALUABLE, error.message
            assert "cannot evaluate" in error.message
        else:
            assert name not in NOT_EVALUABLE
        return
    assert kind == "NegativeSyntaxTest11"
    with pytest.raises(QuerySyntaxError) as info:
        sparql_guard.check(text, allowed_graphs={GRAPH}, max_length=MAX_LENGTH)
        backend.query(text, timeout=10, max_rows=10)
    error = info.value
    assert error.line is not None and error.line >= 1
    assert error.column is not None and error.column >= 1
    assert f"line {error.line}, column {error.column}" in error.message
