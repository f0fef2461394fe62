"""Reading the manifests of the W3C SPARQL 1.1 test suites under ``tests/standards``.

Each suite directory has a ``manifest.ttl`` (the W3C test-manifest vocabulary) whose
``mf:entries`` list names the tests in order. The syntax tests and the result-format tests
read the same manifests and take different fields from each entry, so the reading lives
here once and each test module picks its fields.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import rdflib
from rdflib.collection import Collection

SUITES = Path(__file__).parent / "standards" / "w3c-sparql11"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")


def read_manifest(suite: str) -> tuple[rdflib.Graph, list[rdflib.term.Node]]:
    """A suite's manifest.ttl as a graph, and its entries in manifest order."""
    directory = SUITES / suite
    graph = rdflib.Graph()
    graph.parse(directory / "manifest.ttl", format="turtle",
                publicID=(directory / "manifest.ttl").as_uri())
    manifest = next(graph.subjects(rdflib.RDF.type, MF.Manifest))
    return graph, list(Collection(graph, graph.value(manifest, MF.entries)))


def local_name(iri: rdflib.term.Node | None) -> str:
    """The part of an IRI after ``#``: an entry's name (``test_1``) or a type's."""
    return str(iri).rsplit("#", 1)[-1]


def local_path(iri: rdflib.term.Node | None) -> Path:
    """The file a ``file:`` IRI of the manifest (an action, data or result) names."""
    return Path(url2pathname(urlparse(str(iri)).path))
