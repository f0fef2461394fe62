"""Make the store back-end the settings ask for.

Embedded (default): the built dumps loaded into pyoxigraph, queried in forked worker
processes that can be killed at the time limit. Remote (``endpoint`` setting): any SPARQL
1.1 endpoint through SPARQLWrapper, e.g. Virtuoso loaded with ``ninek-graph load``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .backend import DATA_GRAPH, ONTOLOGY_GRAPH
from .paths import DIST_DIR
from .settings import BY_NAME


def make_backend(config: Mapping[str, Any]):
    endpoint = config.get("ENDPOINT") or ""
    if endpoint:
        from .remote import RemoteBackend

        return RemoteBackend(endpoint)
    from .embedded import OxigraphBackend

    dist = Path(config.get("DIST") or DIST_DIR)
    data, ontology = dist / "ninek.nt", dist / "ontology.nt"
    if not data.exists():
        raise FileNotFoundError(
            f"{data} does not exist: run `ninek-graph build` first (or `ninek-graph serve`, "
            "which builds when dist/ is missing or stale)."
        )
    return OxigraphBackend.from_files(
        {DATA_GRAPH: data, ONTOLOGY_GRAPH: ontology},
        workers=int(config.get("QUERY_WORKERS", 2)),
        max_private_mib=int(config.get("QUERY_WORKER_MEMORY", 0)) or None,
        query_memory_mib=int(config.get("QUERY_MEMORY", BY_NAME["query_memory"].default)),
        max_answer_bytes=int(config.get("MAX_ANSWER_MIB", BY_NAME["max_answer_mib"].default))
        << 20,
        sandbox_mode=str(config.get("QUERY_SANDBOX") or BY_NAME["query_sandbox"].default),
    )
