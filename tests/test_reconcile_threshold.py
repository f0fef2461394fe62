"""The reconciliation ``match`` flag exactly at its thresholds.

A candidate is a match when it scores at least ``MATCH_SCORE`` (95) and the next one scores at
least ``MATCH_GAP`` (10) less (:mod:`ninek_graph.reconcile_index`). Both are ``>=``: a score of
exactly 95 is a match. Real queries land there: "Borre uskole" is Borre ungdomsskole's
alternative name "Borre u-skole" without its hyphen (the compact tier, 98, less 3 for an
alternative name). The gap has no real query exactly on it, so it is built from the scoring's
own tiers: an exact name (100) above an abbreviation of another entity's name (90).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ninek_graph.backend import DATA_GRAPH, ONTOLOGY_GRAPH
from ninek_graph.reconcile_batch import Query
from ninek_graph.reconcile_entities import Entity, Label
from ninek_graph.reconcile_index import MATCH_GAP, MATCH_SCORE, ReconcileIndex
from ninek_graph.reconcile_match import Form, fold, name_score


@pytest.fixture(scope="module")
def client(dist_dir: Path):
    from ninek_graph.app import create_app
    from ninek_graph.embedded import OxigraphBackend

    backend = OxigraphBackend.from_files(
        {DATA_GRAPH: dist_dir / "ninek.nt", ONTOLOGY_GRAPH: dist_dir / "ontology.nt"},
        workers=1)
    yield create_app({"dist": str(dist_dir)}, backend=backend).test_client()
    backend.close()


def reconcile(client, **queries: dict) -> dict:
    response = client.post("/reconcile", data={"queries": json.dumps(queries)})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_the_thresholds_are_the_documented_ones():
    assert (MATCH_SCORE, MATCH_GAP) == (95.0, 10.0)


@pytest.mark.parametrize(("text", "top"), [
    ("Borre uskole", "organisation/borre-u-skole"),
    ("Revetal uskole", "organisation/revetal-u-skole"),
    ("Vekstogbo1", "project/vekst-og-bo-1"),
])
def test_a_real_query_scoring_exactly_95_is_a_match(client, text, top):
    result = reconcile(client, q={"query": text})["q"]["result"]
    assert result[0]["id"] == top
    assert result[0]["score"] == MATCH_SCORE, result[:2]
    assert len(result) == 1 or result[0]["score"] - result[1]["score"] >= MATCH_GAP, result[:2]
    assert result[0]["match"] is True, result[:2]


def test_just_below_95_is_not_a_match(client):
    """The same alternative name with its words swapped: 96 - 3 = 93."""
    result = reconcile(client, q={"query": "u-skole Borre"})["q"]["result"]
    assert result[0]["id"] == "organisation/borre-u-skole"
    assert result[0]["score"] == 93.0 and result[0]["match"] is False, result[:2]


def entity(ident: str, name: str, *, in_source: bool = True) -> Entity:
    return Entity(ident, "organisation", name, labels=[Label(Form.of(name), True)],
                  in_source=in_source)


def candidates(index: ReconcileIndex, text: str) -> list[tuple[str, float, bool]]:
    return [(c.entity.id, c.score, c.match) for c in index.reconcile(Query(text))]


def test_the_tiers_the_gap_cases_are_built_from():
    assert name_score(Form.of("HVE"), Form.of("HVE")) == 100.0
    assert name_score(Form.of("HVE"), Form.of("Høgskolen i Vestfold")) == 90.0
    assert name_score(Form.of("HVE"), Form.of("Høgskolen Vestfold Etat")) == 90.0
    assert fold("Høgskolen i Vestfold") == "hogskolen i vestfold"


def test_a_gap_of_exactly_10_is_a_match():
    index = ReconcileIndex([entity("organisation/a", "HVE"),
                            entity("organisation/b", "Høgskolen i Vestfold")])
    assert candidates(index, "HVE") == [("organisation/a", 100.0, True),
                                        ("organisation/b", 90.0, False)]


def test_a_gap_under_10_is_not_a_match():
    """A namesake outside the source (100 - 5 = 95) comes only 5 under the exact name."""
    index = ReconcileIndex([entity("organisation/a", "HVE"),
                            entity("organisation/b", "HVE", in_source=False)])
    assert candidates(index, "HVE") == [("organisation/a", 100.0, False),
                                        ("organisation/b", 95.0, False)]


def test_a_lone_candidate_exactly_at_95_outside_the_source_is_a_match():
    """A name only the registries give (e.g. a later merger) scores 100 - 5 = 95."""
    index = ReconcileIndex([entity("municipality/x", "Færder", in_source=False)])
    assert candidates(index, "Færder") == [("municipality/x", 95.0, True)]
