"""Every setting of the server, declared once with its default and help text.

Settings come from (in order of precedence) ``create_app(config)``, command-line options of
``ninek-graph serve``, and environment variables ``NINEK_<NAME>``. The README lists them
all; a test checks that each one declared here is documented there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str

    @property
    def env(self) -> str:
        return f"NINEK_{self.name.upper()}"

    def parse(self, text: str) -> Any:
        if isinstance(self.default, bool):
            return text.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(self.default, int):
            return int(text)
        if isinstance(self.default, float):
            return float(text)
        return text


SETTINGS = (
    Setting("query_timeout", 10.0,
            "Seconds a SPARQL query may run before it is stopped (its worker process is "
            "killed) and the client gets 503 with an explanation."),
    Setting("max_rows", 10_000,
            "Most result rows (or triples) one answer carries; a longer answer is cut and "
            "says so in the X-Ninek-Truncated header and, in HTML, on the page."),
    Setting("html_max_cells", 20_000,
            "Most cells an HTML answer page (/sparql, /queries/NAME) shows: the first rows "
            "that fit (at least one), with a notice and links to the whole answer in "
            "CSV/JSON. Laying out a page costs server time after the query is done."),
    Setting("max_query_length", 20_000,
            "Most characters a query text may have; a longer one gets 400."),
    Setting("max_request_kib", 1024,
            "KiB a request body may have; the server's front answers a longer one 413 from "
            "its Content-Length (or, chunked, as soon as it passes the limit), before "
            "reading it."),
    Setting("query_workers", 2,
            "Query worker processes per server process (the embedded store); each runs one "
            "query at a time."),
    Setting("query_worker_memory", 96,
            "MiB of private memory after which a query worker process is replaced by a "
            "fresh fork (reading the in-memory store turns its shared pages into private "
            "copies: ~200 MiB per worker at a million triples; 0: never replaced)."),
    Setting("query_memory", 512,
            "MiB of memory one query may take in its worker process, over what the worker "
            "shares with the server at its fork (the loaded store is not counted); a query "
            "past it is stopped with 503 and its worker replaced (0: no limit)."),
    Setting("max_answer_mib", 32,
            "MiB one answer may take (SPARQL JSON for SELECT, N-Triples for CONSTRUCT and "
            "DESCRIBE, and every other format or HTML page made from it); a larger one is cut "
            "after its last whole row or triple within it "
            "and says so, like the row cap (X-Ninek-Truncated)."),
    Setting("query_sandbox", "required",
            "Query workers run without network or file access (seccomp and Landlock); "
            "'required': the server does not start where the kernel lacks a layer; "
            "'best-effort': it starts with the layers there are and logs a warning."),
    Setting("server_workers", 2, "Server processes (gunicorn workers)."),
    Setting("server_threads", 4, "Threads per server process."),
    Setting("max_queued_requests", 32,
            "Requests one server process lets wait for a thread; with every thread busy and "
            "this many waiting, the next is answered 503 with Retry-After at once (and one "
            "that waited longer than query_timeout gets 503 instead of being run). /health "
            "never waits: the front answers it itself."),
    Setting("cache_entries", 512,
            "Answers (and whole responses) kept in memory per server process; 0 turns both "
            "caches off. Answers depend only on the build, so they never go stale (a new "
            "build is a new server)."),
    Setting("cache_mib", 64,
            "MiB the kept answers (and, as much again, the kept whole responses) may take "
            "per server process; an answer over a quarter of it is not kept."),
    Setting("endpoint", "",
            "URL of an external SPARQL 1.1 endpoint to query instead of the embedded store "
            "(e.g. Virtuoso's http://127.0.0.1:8890/sparql); empty: embedded store."),
    Setting("dist", "",
            "Directory of the built dumps the server loads (empty: dist/ in the repository)."),
    Setting("public_base", "",
            "Base URL the server is reached at (e.g. https://example.org/ninek/); empty: "
            "the Host of a request to a loopback address, relative paths for any other (a "
            "forged Host is never written). Canonical IRIs (https://w3id.org/ninek/...) "
            "are mapped to it in links and redirects. Set it in every deployment."),
)

BY_NAME = {setting.name: setting for setting in SETTINGS}


def defaults() -> dict[str, Any]:
    """Defaults overridden by ``NINEK_*`` environment variables."""
    values = {}
    for setting in SETTINGS:
        raw = os.environ.get(setting.env)
        values[setting.name] = setting.default if raw is None else setting.parse(raw)
    return values
