"""Pytest plugin: real servers, started as subprocesses on free 127.0.0.1 ports.

Register it in ``tests/conftest.py`` (``pytest_plugins = ["tests.live_server"]``) or import
its fixtures in a test module. Every fixture starts a real ``gunicorn`` process tree (through
``ninek-graph serve`` or :mod:`tests.http_protocol_app`), waits a bounded time for
``/health`` to answer and fails with the tail of the server's output if it does not. Servers
are stopped with SIGTERM to their process group and, if that is not enough, SIGKILL.

* ``live_url``: the embedded store on the session's freshly built ``dist_dir``, with a short
  query timeout (:data:`LIVE_TIMEOUT_S`) so the timeout tests are quick.
* ``capped_url``: the same with a row cap of :data:`CAPPED_ROWS`.
* ``protocol_url``: a server holding the W3C protocol suite's data (see
  :mod:`tests.http_protocol_app`).
* ``virtuoso_full`` / ``virtuoso_url``: ``ninek-graph serve --endpoint`` on a Virtuoso loaded
  with the session's dumps. The shared ``virtuoso`` fixture caps answers at 50 rows (it is
  made to test caps), and three canned queries answer more rows than that, so comparing
  whole answers needs a Virtuoso with its production cap; this one has Virtuoso's default.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from ninek_graph.backend import DATA_GRAPH, ONTOLOGY_GRAPH

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
NINEK = str(VENV_BIN / "ninek-graph")
LIVE_TIMEOUT_S = 3
CAPPED_ROWS = 5
START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 15.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    name: str
    url: str
    proc: subprocess.Popen
    log: Path

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no output file)"
        return "\n".join(text.splitlines()[-lines:]) or "(no output)"

    def stop(self) -> None:
        if self.proc.poll() is None:
            _signal_group(self.proc, signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                pass
        # Workers or query processes that outlived their master: same process group.
        _signal_group(self.proc, signal.SIGKILL)
        try:
            self.proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:  # pragma: no cover - only with a stuck kernel
            pass


def group_pids(pgid: int) -> list[int]:
    """The processes of process group ``pgid`` (a server started by :func:`start_server`
    leads its own group: the gunicorn master, its workers and their query workers)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rfind(")") + 2:].split()[2]) == pgid:
                pids.append(int(entry))
    return pids


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)  # the group we created with start_new_session
    except (ProcessLookupError, PermissionError):
        pass


def start_server(name: str, argv: list[str], env: dict[str, str], log_dir: Path,
                 *, port: int) -> LiveServer:
    """Start ``argv`` (which must bind 127.0.0.1:``port``) and wait until ``/health``
    answers 200; fail the test with the server's output tail if it does not."""
    log = log_dir / f"{name}.log"
    full_env = {**os.environ, **env}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=full_env, stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
    server = LiveServer(name, f"http://127.0.0.1:{port}", proc, log)
    deadline = time.monotonic() + START_TIMEOUT_S
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            server.stop()
            pytest.fail(f"the {name} server exited with {proc.returncode} before answering; "
                        f"its output ends:\n{server.tail()}", pytrace=False)
        try:
            response = requests.get(server.url + "/health", timeout=2)
            if response.status_code == 200:
                return server
            last_error = f"/health answered {response.status_code}"
        except requests.RequestException as error:
            last_error = str(error)
        time.sleep(0.1)
    server.stop()
    pytest.fail(f"the {name} server did not answer /health within {START_TIMEOUT_S:.0f} s "
                f"({last_error}); its output ends:\n{server.tail()}", pytrace=False)


def _serve_argv(port: int, *extra: str) -> list[str]:
    return [NINEK, "serve", "--host", "127.0.0.1", "--port", str(port), *extra]


def _ninek_env(dist_dir: Path, **settings: object) -> dict[str, str]:
    env = {"NINEK_DIST": str(dist_dir), "PYTHONUNBUFFERED": "1"}
    env.update({f"NINEK_{k.upper()}": str(v) for k, v in settings.items()})
    return env


@pytest.fixture(scope="session")
def live_server(dist_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    port = free_port()
    server = start_server(
        "embedded", _serve_argv(port),
        _ninek_env(dist_dir, query_timeout=LIVE_TIMEOUT_S),
        tmp_path_factory.mktemp("live"), port=port,
    )
    yield server
    server.stop()


@pytest.fixture(scope="session")
def live_url(live_server: LiveServer) -> str:
    return live_server.url


@pytest.fixture(scope="session")
def capped_url(dist_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    server = start_server(
        "capped", _serve_argv(port),
        _ninek_env(dist_dir, query_timeout=LIVE_TIMEOUT_S, max_rows=CAPPED_ROWS,
                   server_workers=1, query_workers=1),
        tmp_path_factory.mktemp("capped"), port=port,
    )
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def protocol_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    server = start_server(
        "protocol",
        [sys.executable, "-m", "tests.http_protocol_app", "--port", str(port)],
        {"PYTHONUNBUFFERED": "1"}, tmp_path_factory.mktemp("protocol"), port=port,
    )
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def virtuoso_full(dist_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """A Virtuoso with its default row cap, holding the session's dumps in DATA_GRAPH and
    ONTOLOGY_GRAPH (loaded with Virtuoso's own loader)."""
    from ninek_graph.virtuoso import VirtuosoNotInstalled, VirtuosoServer, find_binaries

    try:
        find_binaries()
    except VirtuosoNotInstalled as error:
        pytest.fail(f"these tests need Virtuoso Open Source: {error}", pytrace=False)
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso-full"), load_dirs=[dist_dir])
    server.start()
    try:
        for graph, path in ((DATA_GRAPH, dist_dir / "ninek.nt"),
                            (ONTOLOGY_GRAPH, dist_dir / "ontology.nt")):
            server.load(path, graph, replace=True)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def virtuoso_url(virtuoso_full, dist_dir: Path,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``ninek-graph serve --endpoint <Virtuoso's /sparql>``."""
    port = free_port()
    server = start_server(
        "virtuoso-backed", _serve_argv(port, "--endpoint", virtuoso_full.sparql_url),
        _ninek_env(dist_dir, query_timeout=20),
        tmp_path_factory.mktemp("virtuoso-backed"), port=port,
    )
    yield server.url
    server.stop()
