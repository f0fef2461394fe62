"""Search: Norwegian-aware matching (case folding, æ/ø/å and their transliterations, partial
words), ranking (title matches first), HTML and JSON answers, and highlighted snippets."""

from __future__ import annotations

from pathlib import Path

import pytest

from ninek_graph.backend import DATA_GRAPH, ONTOLOGY_GRAPH
from ninek_graph.pages_index import GraphIndex
from ninek_graph.pages_search import SearchIndex, spellings

BASE = "https://w3id.org/ninek/"


@pytest.fixture(scope="module")
def index(dist_dir: Path) -> SearchIndex:
    return SearchIndex.build(GraphIndex.load(dist_dir))


@pytest.fixture(scope="module")
def client(dist_dir: Path):
    from ninek_graph.app import create_app
    from ninek_graph.embedded import OxigraphBackend

    backend = OxigraphBackend.from_files(
        {DATA_GRAPH: dist_dir / "ninek.nt", ONTOLOGY_GRAPH: dist_dir / "ontology.nt"}, workers=1)
    yield create_app({"dist": str(dist_dir)}, backend=backend).test_client()
    backend.close()


def iris(index: SearchIndex, query: str, n: int = 5) -> list[str]:
    hits, _ = index.search(query)
    return [h.document.iri[len(BASE):] for h in hits[:n]]


@pytest.mark.parametrize("query", ["tonsberg", "Tønsberg", "TØNSBERG", "toensberg"])
def test_tonsberg_spellings_find_the_municipality_first(index, query):
    assert iris(index, query)[0] == "municipality/tonsberg"


def test_prefix_finds_tonsberg(index):
    assert "municipality/tonsberg" in iris(index, "Tønsb", 3)


@pytest.mark.parametrize("query", ["nærings", "naerings", "NÆRINGS"])
def test_naerings_finds_the_same_projects(index, query):
    found = iris(index, query, 30)
    assert "project/felles-naeringspolitikk" in found
    assert "project/naeringsarealer-1" in found
    assert set(iris(index, "nærings", 30)) == set(found)


def test_hogskolen_finds_the_college_first(index):
    assert iris(index, "høgskolen")[0] == "organisation/hve"
    assert iris(index, "hogskolen")[0] == "organisation/hve"


def test_aa_for_a_ring(index):
    assert iris(index, "vaale")[0] == "municipality/vale"
    assert iris(index, "Våle")[0] == "municipality/vale"


def test_infix_match(index):
    # "bredbånd" inside "Offentlig eid bredbånd" and as a part of longer words
    assert "project/offentlig-eid-bredband" in iris(index, "bredband", 20)
    assert "municipality/tonsberg" in iris(index, "nsber", 10)


def test_alt_and_hidden_labels_are_searched(index):
    assert iris(index, "HVE")[0] == "organisation/hve"
    assert "concept/result/pagar-fortlopende" in iris(index, "fort- løpende", 5)


def test_every_word_must_match(index):
    found = iris(index, "geodata plattform", 10)
    assert found[0] == "project/geodata-ny-teknologisk-plattform"
    assert "project/geodata" not in found


def test_title_matches_rank_before_text_matches(index):
    hits, _ = index.search("geodata")
    kinds = [h.field.kind for h in hits]
    assert kinds[0] == "title"
    assert kinds == sorted(kinds, key=lambda k: {"title": 0, "alt": 1, "text": 2}[k]) or \
        hits[0].document.iri == BASE + "project/geodata"


def test_spellings_keep_positions():
    forms = spellings("Tønsberg")
    assert [f for f, _ in forms] == ["tønsberg", "tonsberg", "toensberg"]
    folded, where = forms[2]
    assert where[folded.index("berg")] == 4


def test_html_results_link_and_highlight(client):
    html = client.get("/search?q=tonsberg").get_data(as_text=True)
    assert 'href="http://localhost/municipality/tonsberg"' in html
    assert "<mark>Tønsberg</mark>" in html
    assert "Municipality" in html


def test_json_results(client):
    for response in (client.get("/search?q=T%C3%B8nsb&format=json"),
                     client.get("/search?q=T%C3%B8nsb", headers={"Accept": "application/json"})):
        assert response.status_code == 200 and response.mimetype == "application/json"
        data = response.get_json()
        assert data["query"] == "Tønsb" and data["total"] >= 1
        first = {r["iri"]: r for r in data["results"]}[BASE + "municipality/tonsberg"]
        assert first["href"] == "http://localhost/municipality/tonsberg"
        assert first["snippet"]["match"] == "Tønsb"
        assert first["type"] == "Municipality"


def test_empty_and_unmatched_queries(client):
    assert client.get("/search").status_code == 200
    assert client.get("/search?q=zzzqqq&format=json").get_json()["total"] == 0


def test_a_word_never_matches_across_two_fields(index):
    """Fields are kept end to end in one string per spelling; a match must lie within one
    field, and a NUL (the separator) in a query finds nothing rather than everything."""
    assert index.search("\x00") == ([], 0)
    assert index.search("berg\x00") == ([], 0)
    for hit in index.search("berg")[0]:
        start, end = hit.span
        assert hit.field.text[start:end].casefold() == "berg"
