"""The ontology: the Turtle files in ``ontology/``, merged into one graph.

``ontology/ninek.ttl`` declares the ontology and the core terms; other files (for example
``registry.ttl``) add the terms of one concern each. They are served and dumped as one
document, ``https://w3id.org/ninek/def``.
"""

from __future__ import annotations

from rdflib import Graph

from .namespaces import bind_prefixes
from .paths import ONTOLOGY_DIR


def ontology_graph() -> Graph:
    graph = bind_prefixes(Graph())
    for path in sorted(ONTOLOGY_DIR.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph
