"""Content negotiation when q-values and specificity disagree (RFC 9110, section 12.5.1).

A media range's *quality* is taken from the most specific range that matches a type; the
ranking of offered types is then by that quality first, and specificity only breaks ties.
So ``text/*;q=0.9, text/csv;q=0.1`` asks for any text *except preferably not* CSV: TSV wins,
although ``text/csv`` is named more specifically. Every case below has a less specific range
with the higher q, so an implementation that ranks by specificity first (or takes the best q
of any matching range) picks the other type. The same cases go through the endpoint and the
303 of an entity IRI, on the real graph.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from ninek_graph import results
from ninek_graph.backend import DATA_GRAPH, ONTOLOGY_GRAPH
from ninek_graph.negotiation import choose, parse_accept, quality

BINDINGS = [f.media_type for f in results.FORMATS["bindings"]]
GRAPH = [f.media_type for f in results.FORMATS["graph"]]
HTML = "text/html"
PAGE_OFFER = [HTML, *GRAPH]


@pytest.mark.parametrize(("accept", "offered", "expected"), [
    # the wildcard is preferred; the specific type is named only to be given a low q
    ("text/*;q=0.9, text/csv;q=0.1", BINDINGS, "text/tab-separated-values"),
    ("text/csv;q=0.1, text/*;q=0.9", BINDINGS, "text/tab-separated-values"),  # order-free
    ("*/*;q=0.9, application/sparql-results+json;q=0.2", BINDINGS,
     "application/sparql-results+xml"),
    ("application/*;q=0.8, text/turtle;q=0.3", GRAPH, "application/n-triples"),
    ("text/*;q=0.9, text/turtle;q=0.1", PAGE_OFFER, HTML),
    ("text/*;q=0.1, text/turtle;q=0.9", PAGE_OFFER, "text/turtle"),
    ("application/*;q=0.9, application/ld+json;q=0.2, application/rdf+xml;q=0.2, "
     "text/turtle;q=0.5", PAGE_OFFER, "application/n-triples"),
    # the boundary: a specific q=0 excludes although the wildcard would take it
    ("text/*;q=1, text/csv;q=0", ["text/csv"], None),
    ("*/*;q=0.001, text/csv;q=0", ["text/csv", "text/tab-separated-values"],
     "text/tab-separated-values"),
])
def test_quality_outranks_specificity(accept, offered, expected):
    assert choose(accept, offered) == expected


@pytest.mark.parametrize(("accept", "expected"), [
    # equal q: now specificity decides, before the server's order (CSV is offered first)
    ("text/*;q=0.5, text/tab-separated-values;q=0.5", "text/tab-separated-values"),
    ("*/*;q=0.5, text/tab-separated-values;q=0.5", "text/tab-separated-values"),
    # equal q and specificity: the server's order
    ("text/tab-separated-values;q=0.5, text/csv;q=0.5", "text/csv"),
])
def test_specificity_breaks_ties_of_equal_quality(accept, expected):
    assert choose(accept, BINDINGS) == expected


def test_a_type_takes_the_q_of_its_most_specific_range():
    ranges = parse_accept("*/*;q=0.9, text/*;q=0.5, text/csv;q=0.1")
    assert quality(ranges, "text/csv") == (0.1, 3)
    assert quality(ranges, "text/tab-separated-values") == (0.5, 2)
    assert quality(ranges, "application/sparql-results+json") == (0.9, 1)
    assert choose("*/*;q=0.9, text/*;q=0.5, text/csv;q=0.1",
                  ["text/csv", "text/tab-separated-values", "application/sparql-results+json"]
                  ) == "application/sparql-results+json"


# --- through the application, on the real graph --------------------------------------------

@pytest.fixture(scope="module")
def client(dist_dir: Path):
    from ninek_graph.app import create_app
    from ninek_graph.embedded import OxigraphBackend

    backend = OxigraphBackend.from_files(
        {DATA_GRAPH: dist_dir / "ninek.nt", ONTOLOGY_GRAPH: dist_dir / "ontology.nt"},
        workers=1)
    yield create_app({"dist": str(dist_dir)}, backend=backend).test_client()
    backend.close()


SELECT = ("SELECT ?t { <https://w3id.org/ninek/project/geodata> "
          "<http://purl.org/dc/terms/title> ?t }")
CONSTRUCT = ("CONSTRUCT { ?s ?p ?o } WHERE { BIND(<https://w3id.org/ninek/project/geodata> AS ?s)"
             " ?s ?p ?o } LIMIT 3")


@pytest.mark.parametrize(("query", "accept", "content_type"), [
    (SELECT, "text/*;q=0.9, text/csv;q=0.1", "text/tab-separated-values"),
    (SELECT, "*/*;q=0.9, application/sparql-results+json;q=0.2",
     "application/sparql-results+xml"),
    (CONSTRUCT, "application/*;q=0.8, text/turtle;q=0.3", "application/n-triples"),
    (CONSTRUCT, "text/*;q=0.9, text/turtle;q=0.1", "text/html"),
], ids=["select-tsv", "select-xml", "construct-ntriples", "construct-html"])
def test_the_endpoint_answers_in_the_type_of_higher_quality(client, query, accept,
                                                            content_type):
    response = client.get("/sparql?query=" + quote(query), headers={"Accept": accept})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"].split(";")[0] == content_type


@pytest.mark.parametrize(("accept", "document"), [
    ("text/*;q=0.9, text/turtle;q=0.1", "/project/geodata.html"),
    ("text/*;q=0.1, text/turtle;q=0.9", "/project/geodata.ttl"),
    ("application/*;q=0.9, application/ld+json;q=0.2, application/rdf+xml;q=0.2, "
     "text/turtle;q=0.5", "/project/geodata.nt"),
])
def test_an_entity_iri_redirects_to_the_document_of_higher_quality(client, accept, document):
    response = client.get("/project/geodata", headers={"Accept": accept})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(document), response.headers["Location"]
