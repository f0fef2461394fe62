"""Markup in a query's answer is shown as text on the server-rendered answer pages.

On ``/sparql`` a user writes the literals of the answer themselves (``BIND("<script>..."
AS ?x)``), and a link to such a query is all an attacker needs; on ``/queries/NAME`` the
cells come from the data. The entity pages' escaping is tested in ``test_pages.py``; these
are the two answer tables (SELECT rows, CONSTRUCT triples, language-tagged literals) and the
parameter form that echoes what was typed.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urlencode

import pytest

from ninek_graph.backend import DATA_GRAPH, ONTOLOGY_GRAPH, Term
from ninek_graph.results import parse_triples, serialize_triples

MARKUP = "<b id=x>hi</b><script>alert(1)</script>"
ESCAPED = "&lt;b id=x&gt;hi&lt;/b&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
TITLE = "http://purl.org/dc/terms/title"
GEODATA = "https://w3id.org/ninek/project/geodata"


def make_client(dist: Path):
    from ninek_graph.app import create_app
    from ninek_graph.embedded import OxigraphBackend

    backend = OxigraphBackend.from_files(
        {DATA_GRAPH: dist / "ninek.nt", ONTOLOGY_GRAPH: dist / "ontology.nt"}, workers=1)
    return create_app({"dist": str(dist)}, backend=backend).test_client(), backend


@pytest.fixture(scope="module")
def client(dist_dir: Path):
    made, backend = make_client(dist_dir)
    yield made
    backend.close()


@pytest.fixture(scope="module")
def poisoned(dist_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """The real graph with markup appended to Geodata's title."""
    dist = tmp_path_factory.mktemp("poisoned")
    for name in ("ontology.nt", "manifest.json", "ninek.ttl", "ninek.jsonld"):
        shutil.copy(dist_dir / name, dist / name)
    triples = []
    for s, p, o in parse_triples((dist_dir / "ninek.nt").read_bytes(), "application/n-triples"):
        if s.value == GEODATA and p.value == TITLE:
            o = Term("literal", o.value + MARKUP, o.datatype, o.lang)
        triples.append((s, p, o))
    (dist / "ninek.nt").write_bytes(serialize_triples(triples, "application/n-triples"))
    made, backend = make_client(dist)
    yield made
    backend.close()


def html_of(client, path: str) -> str:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, (path, response.get_data(as_text=True)[:500])
    assert response.headers["Content-Type"].startswith("text/html")
    return response.get_data(as_text=True)


def cells(html: str) -> list[str]:
    return re.findall(r"(?s)<td>(.*?)</td>", html)


def assert_no_markup_from_data(html: str) -> None:
    lowered = html.lower()
    assert "<script>alert" not in lowered
    assert "<b id=x>" not in lowered and "<i id=y>" not in lowered


@pytest.mark.parametrize("query", [
    f'SELECT ?x {{ BIND("{MARKUP}" AS ?x) }}',
    f'SELECT ?x ?y {{ BIND("{MARKUP}"@nb AS ?x) BIND("<i id=y>" AS ?y) }}',
    f'SELECT ?x {{ VALUES ?x {{ "{MARKUP}"^^<http://www.w3.org/2001/XMLSchema#string> }} }}',
    f'CONSTRUCT {{ <https://w3id.org/ninek/x> <http://example.org/p> "{MARKUP}" }} WHERE {{}}',
], ids=["select", "select-lang", "select-typed", "construct"])
def test_sparql_answer_page_shows_markup_in_literals_as_text(client, query):
    html = html_of(client, "/sparql?" + urlencode({"query": query}))
    assert_no_markup_from_data(html)
    assert any(cell.startswith(ESCAPED) for cell in cells(html)), cells(html)


def test_sparql_answer_page_escapes_iris_in_cells(client):
    query = 'SELECT ?i { BIND(IRI("http://example.org/a?b=1&c=2") AS ?i) }'
    html = html_of(client, "/sparql?" + urlencode({"query": query}))
    assert any("http://example.org/a?b=1&amp;c=2" in cell for cell in cells(html))
    assert "b=1&c=2" not in html.replace("b=1&amp;c=2", "")


def test_canned_answer_page_shows_markup_from_the_data_as_text(poisoned):
    html = html_of(poisoned, "/queries/projects")
    assert_no_markup_from_data(html)
    assert any(cell.startswith("Geodata" + ESCAPED) for cell in cells(html)), [
        c for c in cells(html) if "Geodata" in c]


def test_canned_answer_page_of_a_keyed_query_escapes_data_and_the_typed_key(poisoned):
    html = html_of(poisoned, "/queries/municipality-projects?" + urlencode(
        {"municipality": "Tønsberg"}))
    assert_no_markup_from_data(html)
    assert any(cell.startswith("Geodata" + ESCAPED) for cell in cells(html))
    typed = html_of(poisoned, "/queries/project-participants?" + urlencode({"project": MARKUP}))
    assert_no_markup_from_data(typed)
    assert ESCAPED in typed  # the form shows what was typed, as text
