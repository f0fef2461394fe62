"""ninek-graph: the project overview of 9-kommunesamarbeidet i Vestfold (1998-2005) as linked data.

Researchers start with :func:`load`, which returns the built graph as an rdflib
:class:`~rdflib.Graph` read from the local ``dist/`` dump, without touching the network.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["load", "__version__"]
__version__ = "0.1.0"


def load(path: str | Path | None = None):
    """Return the built knowledge graph as an rdflib Graph.

    Reads ``dist/ninek.nt`` (building it first if it is missing). Nothing is fetched from
    the network: the dump is a local file and parsing N-Triples resolves no IRIs.
    """
    from rdflib import Graph

    from .paths import DIST_DIR

    dump = Path(path) if path else DIST_DIR / "ninek.nt"
    if path is None and not dump.exists():
        from .build import build_dist

        build_dist()
    graph = Graph()
    graph.parse(dump, format="nt")
    from .namespaces import bind_prefixes

    bind_prefixes(graph)
    return graph
