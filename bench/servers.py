"""The servers under test: ours (gunicorn, as ``ninek-graph serve`` runs it) and Virtuoso.

Ours runs as a process tree in its own session (gunicorn master, its workers, their forked
query processes), so its memory is measured over the whole group. The processes share the
loaded store copy-on-write, so the sum of their RSS counts it once per process; the figure
reported is the sum of PSS (proportional set size: each shared page divided among the
processes mapping it), which is what the tree really occupies. The master's RSS and the RSS
sum are recorded too.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from ninek_graph import canned
from ninek_graph.backend import DATA_GRAPH, ONTOLOGY_GRAPH
from ninek_graph.remote import bind_substitutions

from .load import timed_get

ROOT = Path(__file__).resolve().parent.parent
NINEK = str(Path(sys.executable).parent / "ninek-graph")
# Real parameter values of the canned queries (the brief's; they exist in the source).
PARAMS = {"municipality": "Tønsberg", "project": "Geodata", "organisation": "HVE"}
JSON_RESULTS = "application/sparql-results+json"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def canned_queries() -> dict[str, canned.CannedQuery]:
    return dict(canned.all_queries())


def params_for(query: canned.CannedQuery) -> dict[str, str]:
    """The real values for the query's parameters (its default for one we do not know)."""
    raw = {}
    for p in query.parameters:
        if p.name in PARAMS:
            raw[p.name] = PARAMS[p.name]
        elif p.required:
            raise KeyError(f"no benchmark value for required parameter {p.name!r} of "
                           f"{query.name}; add one to bench.servers.PARAMS")
    return raw


def canned_path(query: canned.CannedQuery) -> str:
    raw = {**params_for(query), "format": "json"}
    return f"/queries/{query.name}?" + urllib.parse.urlencode(raw)


def virtuoso_query_url(sparql_url: str, query: canned.CannedQuery) -> str:
    """The canned query with its parameters bound by a VALUES block (as the remote back-end
    sends it), on Virtuoso's own endpoint, with both published graphs as the default graph."""
    text = bind_substitutions(query.text, query.bindings(params_for(query))) \
        if query.parameters else query.text
    pairs = [("query", text), ("default-graph-uri", DATA_GRAPH),
             ("default-graph-uri", ONTOLOGY_GRAPH)]
    return sparql_url + "?" + urllib.parse.urlencode(pairs)


@dataclass
class OurServer:
    url: str
    proc: subprocess.Popen
    log: Path
    ready_s: float = 0.0
    env: dict = field(default_factory=dict)

    def stop(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.proc.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                continue
        # Anything left in the group (query workers) goes with SIGKILL.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def memory(self) -> dict:
        return group_memory(self.proc.pid)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start_ours(dist: Path, log_dir: Path, *, name: str, settings: dict | None = None,
               launcher: str = "cli", wait_for: str = "/health",
               start_timeout: float = 300.0) -> OurServer:
    """Start our server on ``dist`` and wait for ``wait_for`` to answer 200.

    ``launcher="cli"`` runs ``ninek-graph serve`` (which rebuilds a stale dist/);
    ``"module"`` runs :mod:`bench.serve`, the same application and gunicorn settings without
    the staleness check, for synthetic graphs that no build would produce.
    """
    port = free_port()
    env = {**os.environ, "NINEK_DIST": str(dist), "PYTHONUNBUFFERED": "1"}
    env.update({f"NINEK_{k.upper()}": str(v) for k, v in (settings or {}).items()})
    if launcher == "cli":
        argv = [NINEK, "serve", "--host", "127.0.0.1", "--port", str(port)]
    else:
        argv = [sys.executable, "-m", "bench.serve", "--host", "127.0.0.1", "--port",
                str(port)]
    log = log_dir / f"{name}.log"
    started = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    server = OurServer(f"http://127.0.0.1:{port}", proc, log, env=settings or {})
    deadline = started + start_timeout
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server {name} exited ({proc.returncode}):\n{server.tail()}")
        try:
            status, _, _, _ = timed_get(server.url + wait_for, timeout=30)
            if status == 200:
                server.ready_s = time.perf_counter() - started
                return server
        except OSError:
            pass
        time.sleep(0.01)
    server.stop()
    raise RuntimeError(f"server {name} not ready in {start_timeout:.0f} s:\n{server.tail()}")


def _status_fields(pid: int) -> dict[str, int]:
    out = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                key, _, rest = line.partition(":")
                if key in ("Rss", "Pss"):
                    out[key] = int(rest.split()[0]) * 1024
    except OSError:
        pass
    return out


def group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if int(fields[2]) == pgid:  # field 5 of stat: pgrp
            pids.append(int(entry))
    return pids


def group_memory(pgid: int) -> dict:
    """PSS and RSS summed over a process group, and the leader's RSS (bytes)."""
    pss = rss = 0
    pids = group_pids(pgid)
    for pid in pids:
        fields = _status_fields(pid)
        pss += fields.get("Pss", 0)
        rss += fields.get("Rss", 0)
    return {"pss": pss, "rss_sum": rss, "leader_rss": _status_fields(pgid).get("Rss", 0),
            "processes": len(pids)}


def process_memory(pid: int) -> dict:
    fields = _status_fields(pid)
    return {"pss": fields.get("Pss", 0), "rss_sum": fields.get("Rss", 0),
            "leader_rss": fields.get("Rss", 0), "processes": 1}


def start_virtuoso(load_dir: Path, files: dict[str, Path], *, number_of_buffers: int,
                   query_timeout_s: int = 60):
    """A VirtuosoServer with the dumps loaded; its HTTP threads raised so 32 clients are
    served concurrently rather than queued (the packaged ini allows 10)."""
    from ninek_graph.virtuoso import VirtuosoServer

    server = VirtuosoServer(
        load_dirs=[load_dir], number_of_buffers=number_of_buffers,
        query_timeout_s=query_timeout_s,
        ini_overrides={"HTTPServer": {"ServerThreads": "40", "MaxClientConnections": "40"},
                       "Parameters": {"MaxClientConnections": "40"}},
    )
    started = time.perf_counter()
    server.start()
    start_s = time.perf_counter() - started
    started = time.perf_counter()
    counts = {graph: server.load(path, graph, replace=True) for graph, path in files.items()}
    load_s = time.perf_counter() - started
    return server, {"start_s": start_s, "load_s": load_s, "triples": counts}


def row_count(body: bytes) -> int | None:
    try:
        return len(json.loads(body)["results"]["bindings"])
    except (ValueError, KeyError, TypeError):
        return None
