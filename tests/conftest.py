"""Shared fixtures: the real graph, built once per test session into a temporary dist/."""

from __future__ import annotations

from pathlib import Path

import pytest

from ninek_graph.paths import SOURCE_FILE

pytest_plugins = ["tests.virtuoso_fixture", "tests.live_server", "tests.outbound_guard"]


@pytest.fixture(scope="session")
def dist_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dist/ built from the real source, shared by the session's tests."""
    from ninek_graph.build import build_dist

    dist = tmp_path_factory.mktemp("dist") / "dist"
    build_dist(dist)
    return dist


@pytest.fixture(scope="session")
def graph(dist_dir: Path):
    """The built graph, read back from its N-Triples dump as a researcher would."""
    import ninek_graph

    return ninek_graph.load(dist_dir / "ninek.nt")


@pytest.fixture(scope="session")
def source_text() -> str:
    return SOURCE_FILE.read_text(encoding="utf-8")
