"""An application over the real built graph, for tests that need the app in process."""

from __future__ import annotations

from pathlib import Path

from ninek_graph.backend import DATA_GRAPH, ONTOLOGY_GRAPH


def make_app(dist: Path, **config):
    """``(app, backend)`` over ``dist`` with one query worker and ``config`` on top; the
    caller closes the back-end."""
    from ninek_graph.app import create_app
    from ninek_graph.embedded import OxigraphBackend

    backend = OxigraphBackend.from_files(
        {DATA_GRAPH: dist / "ninek.nt", ONTOLOGY_GRAPH: dist / "ontology.nt"}, workers=1)
    return create_app({"dist": str(dist), **config}, backend=backend), backend
