"""Pytest plugin: one throw-away Virtuoso server for the whole test session.

Register it in ``tests/conftest.py`` with ``pytest_plugins = ["tests.virtuoso_fixture"]``.
Tests that use the ``virtuoso`` fixture need ``virtuoso-t``: when it is missing they *fail*
with the command that installs it (CI installs ``.ci/apt-packages.txt``), they do not skip.

The server has a small row cap (``ResultSetMaxRows`` = :data:`MAX_ROWS`) so the tests can
see Virtuoso cut answers, and a high ``MaxQueryCostEstimationTime`` so a deliberately heavy
query runs (and is stopped by the ``timeout`` parameter) instead of being refused up front.
It holds each ``tests/data/remote_*.ttl`` in the graph ``TEST_BASE + <file stem>`` and, when
``dist/ninek.nt`` exists, the real dumps in DATA_GRAPH and ONTOLOGY_GRAPH.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ninek_graph.backend import DATA_GRAPH, ONTOLOGY_GRAPH
from ninek_graph.virtuoso import VirtuosoNotInstalled, VirtuosoServer, find_binaries

TEST_DATA = Path(__file__).resolve().parent / "data"
TEST_BASE = "https://w3id.org/ninek/test/"
MAX_ROWS = 50


@dataclass
class VirtuosoForTests:
    server: VirtuosoServer
    graphs: dict[str, Path] = field(default_factory=dict)  # graph IRI -> file loaded there
    real_graphs: dict[str, Path] = field(default_factory=dict)
    load_seconds: float = 0.0

    @property
    def sparql_url(self) -> str:
        return self.server.sparql_url

    def graph(self, stem: str) -> str:
        """The graph a ``tests/data/<stem>.ttl`` file was loaded into."""
        return TEST_BASE + stem


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory, dist_dir):
    """One Virtuoso for the session, holding the test graphs and the real graph built for
    this session (the ``dist_dir`` fixture)."""
    try:
        find_binaries()
    except VirtuosoNotInstalled as e:
        pytest.fail(f"these tests need Virtuoso Open Source: {e}", pytrace=False)
    load_dirs = [TEST_DATA, dist_dir]
    server = VirtuosoServer(
        tmp_path_factory.mktemp("virtuoso"),
        max_rows=MAX_ROWS,
        query_timeout_s=60,
        load_dirs=load_dirs,
        ini_overrides={"SPARQL": {"MaxQueryCostEstimationTime": "100000"}},
    )
    server.start()
    try:
        fixture = VirtuosoForTests(server)
        started = time.monotonic()
        for path in sorted(TEST_DATA.glob("remote_*.ttl")):
            graph = TEST_BASE + path.stem
            server.load(path, graph)
            fixture.graphs[graph] = path
        dumps = {DATA_GRAPH: dist_dir / "ninek.nt", ONTOLOGY_GRAPH: dist_dir / "ontology.ttl"}
        for graph, path in dumps.items():
            server.load(path, graph)
            fixture.real_graphs[graph] = path
        fixture.load_seconds = time.monotonic() - started
        yield fixture
    finally:
        server.stop()
