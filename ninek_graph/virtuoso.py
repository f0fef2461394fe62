"""A throw-away Virtuoso Open Source server, for the tests and the benchmarks.

:class:`VirtuosoServer` starts ``virtuoso-t`` (Debian package ``virtuoso-opensource``) in the
foreground with a database in a temporary directory, bound to 127.0.0.1 on two free ports
(SQL/isql and HTTP), waits until ``/sparql`` answers, loads RDF files into named graphs and
stops it again::

    with VirtuosoServer(load_dirs=[data_dir], max_rows=50) as v:
        v.load(data_dir / "x.ttl", "https://example.org/graph")
        print(v.sparql_url)       # http://127.0.0.1:<port>/sparql
        print(v.sparql_auth_url)  # .../sparql-auth: SPARQL Update for dba/dba, HTTP Digest

The server's configuration is the packaged ``/etc/virtuoso-opensource-7/virtuoso.ini`` with
the paths, ports, ``DirsAllowed``, ``ResultSetMaxRows`` and ``MaxQueryExecutionTime``
rewritten (and anything passed in ``ini_overrides``). Nothing listens beyond 127.0.0.1.

Measured on a 2-core machine (Virtuoso 7.2.5): a first start, which creates the database,
takes about 3-5 s; SIGTERM stops it in about 1-2 s (it checkpoints first).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
from pathlib import Path

log = logging.getLogger(__name__)

PACKAGED_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
INSTALL_HINT = (
    "install Virtuoso Open Source with: apt-get update && "
    "DEBIAN_FRONTEND=noninteractive apt-get install -y virtuoso-opensource "
    "(CI installs the packages listed in .ci/apt-packages.txt)"
)
DBA_USER = "dba"
DBA_PASSWORD = "dba"  # the password of a freshly created database

# Used when the packaged ini is missing (e.g. a locally built Virtuoso): the keys we need.
_MINIMAL_INI = """\
[Database]
FileExtend = 200
Striping = 0
[TempDatabase]
Striping = 0
[Parameters]
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode = 2
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
MaxClientConnections = 10
ServerThreads = 10
Charset = UTF-8
[URIQA]
DynamicLocal = 0
[SPARQL]
ResultSetMaxRows = 10000
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime = 60
"""

# RDF syntaxes Virtuoso's TTLP parser reads (N-Triples is a subset of Turtle).
_TTLP_SUFFIXES = {".ttl", ".nt", ".n3", ".turtle"}


class VirtuosoError(RuntimeError):
    """Virtuoso could not be started, could not load a file, or an isql command failed."""


class VirtuosoNotInstalled(VirtuosoError):
    """``virtuoso-t`` or ``isql-vt`` is not on this machine."""


def find_binaries() -> tuple[str, str]:
    """Paths of ``virtuoso-t`` and ``isql-vt``; raises :class:`VirtuosoNotInstalled`."""
    server = shutil.which("virtuoso-t")
    isql = shutil.which("isql-vt") or shutil.which("isql")
    missing = [n for n, p in (("virtuoso-t", server), ("isql-vt", isql)) if p is None]
    if missing:
        raise VirtuosoNotInstalled(f"{' and '.join(missing)} not found on PATH: {INSTALL_HINT}")
    return server, isql  # type: ignore[return-value]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rewrite_ini(text: str, settings: dict[str, dict[str, str]]) -> str:
    """Set ``settings[section][key]`` in an ini text, replacing a key's first live line in its
    section (commented-out lines are left alone) or appending it, and adding missing sections.
    """
    lines = text.splitlines()
    out: list[str] = []
    section: str | None = None
    pending = {s: dict(kv) for s, kv in settings.items()}

    def flush(sec: str | None) -> None:
        if sec is not None and pending.get(sec):
            # insert before the trailing blank lines of the section
            tail: list[str] = []
            while out and not out[-1].strip():
                tail.append(out.pop())
            out.extend(f"{k} = {v}" for k, v in pending[sec].items())
            pending[sec] = {}
            out.extend(tail)

    for line in lines:
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            flush(section)
            section = stripped[1:-1].strip()
            out.append(line)
            continue
        if section in pending and "=" in stripped and not stripped.startswith(";"):
            key = stripped.split("=", 1)[0].strip()
            if key in pending[section]:
                out.append(f"{key} = {pending[section].pop(key)}")
                continue
            if key in settings.get(section, {}):
                continue  # a second live line for a key we already set: drop it
        out.append(line)
    flush(section)
    for sec, kv in pending.items():
        if kv:
            out.append(f"[{sec}]")
            out.extend(f"{k} = {v}" for k, v in kv.items())
    return "\n".join(out) + "\n"


def _sql_string(value: str) -> str:
    """A Virtuoso SQL string literal (single quotes doubled; no backslash escapes in SQL)."""
    if "\x00" in value:
        raise ValueError("NUL character in an SQL string")
    return "'" + value.replace("'", "''") + "'"


def _check_iri(iri: str) -> str:
    if not iri or any(c in iri for c in "<>\"{}|^`\\ \t\r\n'"):
        raise ValueError(f"not an absolute IRI usable as a graph name: {iri!r}")
    return iri


class VirtuosoServer:
    """A Virtuoso server of our own, in a temporary (or given) directory.

    ``workdir``: where the database, ini and log live; a temporary directory (removed on
    :meth:`stop`) when ``None``. ``query_timeout_s`` becomes ``MaxQueryExecutionTime`` (the
    longest any query may run, which also bounds the per-request ``timeout`` parameter);
    ``max_rows`` becomes ``ResultSetMaxRows`` (Virtuoso's silent cap on result rows).
    ``load_dirs``: directories :meth:`load` may read in place (``DirsAllowed``); files elsewhere
    are copied into the work directory first. ``number_of_buffers``: 8 KiB pages of cache
    (10 000 = 80 MiB; raise it for benchmarks on large graphs). ``ini_overrides`` sets any
    other ini key: ``{"SPARQL": {"MaxQueryCostEstimationTime": "10"}}``.
    """

    def __init__(
        self,
        workdir: Path | None = None,
        *,
        query_timeout_s: int = 60,
        max_rows: int = 10_000,
        load_dirs: tuple[Path, ...] | list[Path] = (),
        number_of_buffers: int = 10_000,
        ini_overrides: dict[str, dict[str, str]] | None = None,
        start_timeout_s: float = 60.0,
        stop_timeout_s: float = 20.0,
        keep_workdir: bool = False,
    ):
        self._given_workdir = Path(workdir) if workdir is not None else None
        self.query_timeout_s = int(query_timeout_s)
        self.max_rows = int(max_rows)
        self.load_dirs = [Path(d).resolve() for d in load_dirs]
        self.number_of_buffers = int(number_of_buffers)
        self.ini_overrides = ini_overrides or {}
        self.start_timeout_s = start_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self.keep_workdir = keep_workdir
        self.workdir: Path | None = None
        self.http_port: int | None = None
        self.sql_port: int | None = None
        self.user = DBA_USER
        self.password = DBA_PASSWORD
        self.start_seconds: float | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file = None
        self._finalizer: weakref.finalize | None = None
        self._server_bin: str | None = None
        self._isql_bin: str | None = None

    # -- addresses -------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        self._require_running()
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def sparql_url(self) -> str:
        """The anonymous, read-only SPARQL endpoint."""
        return self.base_url + "/sparql"

    @property
    def sparql_auth_url(self) -> str:
        """The SPARQL endpoint that accepts updates from ``dba``/``dba`` (HTTP Digest)."""
        return self.base_url + "/sparql-auth"

    @property
    def log_path(self) -> Path:
        assert self.workdir is not None
        return self.workdir / "virtuoso.out"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # -- life cycle ------------------------------------------------------------------------
    def __enter__(self) -> VirtuosoServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> VirtuosoServer:
        """Start the server and wait (at most ``start_timeout_s``) until ``/sparql`` answers."""
        if self._proc is not None:
            raise VirtuosoError("this VirtuosoServer is already started")
        self._server_bin, self._isql_bin = find_binaries()
        if self._given_workdir is not None:
            self.workdir = self._given_workdir.resolve()
            self.workdir.mkdir(parents=True, exist_ok=True)
        else:
            self.workdir = Path(tempfile.mkdtemp(prefix="ninek-virtuoso-"))
        (self.workdir / "db").mkdir(exist_ok=True)
        (self.workdir / "staging").mkdir(exist_ok=True)
        last_error: VirtuosoError | None = None
        for _attempt in range(3):  # a free port may be taken between choosing and binding it
            try:
                self._start_once()
                return self
            except VirtuosoError as e:
                last_error = e
                if "address already in use" not in str(e).lower():
                    break
        self._cleanup_workdir()
        assert last_error is not None
        raise last_error

    def _start_once(self) -> None:
        assert self.workdir is not None
        self.sql_port = free_port()
        self.http_port = free_port()
        while self.http_port == self.sql_port:
            self.http_port = free_port()
        ini = self.workdir / "virtuoso.ini"
        ini.write_text(self._ini_text(), encoding="utf-8")
        self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        started = time.monotonic()
        self._proc = subprocess.Popen(
            [self._server_bin, "+foreground", "+configfile", str(ini)],
            cwd=self.workdir / "db",
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C in the terminal is ours to forward, not its
        )
        # Kill the server if the interpreter exits without stop() (a crashed test session).
        self._finalizer = weakref.finalize(self, _kill_quietly, self._proc)
        try:
            self._wait_until_ready(started)
        except BaseException:
            self._terminate()
            raise
        self.start_seconds = time.monotonic() - started
        log.info(
            "Virtuoso started in %.1f s: %s (isql port %s, workdir %s)",
            self.start_seconds, self.sparql_url, self.sql_port, self.workdir,
        )

    def _ini_text(self) -> str:
        assert self.workdir is not None
        db = self.workdir / "db"
        base = PACKAGED_INI.read_text(encoding="utf-8") if PACKAGED_INI.exists() else _MINIMAL_INI
        dirs = [".", str(self.workdir / "staging"), *map(str, self.load_dirs)]
        vad = Path("/usr/share/virtuoso-opensource-7/vad")
        if vad.exists():
            dirs.insert(1, str(vad))
        settings: dict[str, dict[str, str]] = {
            "Database": {
                "DatabaseFile": str(db / "virtuoso.db"),
                "ErrorLogFile": str(db / "virtuoso.log"),
                "LockFile": str(db / "virtuoso.lck"),
                "TransactionFile": str(db / "virtuoso.trx"),
                "xa_persistent_file": str(db / "virtuoso.pxa"),
            },
            "TempDatabase": {
                "DatabaseFile": str(db / "virtuoso-temp.db"),
                "TransactionFile": str(db / "virtuoso-temp.trx"),
            },
            "Parameters": {
                "ServerPort": f"127.0.0.1:{self.sql_port}",
                "DirsAllowed": ", ".join(dirs),
                "NumberOfBuffers": str(self.number_of_buffers),
                "MaxDirtyBuffers": str(max(1, self.number_of_buffers * 3 // 4)),
            },
            "HTTPServer": {"ServerPort": f"127.0.0.1:{self.http_port}"},
            "URIQA": {"DefaultHost": f"127.0.0.1:{self.http_port}"},
            "SPARQL": {
                "ResultSetMaxRows": str(self.max_rows),
                "MaxQueryExecutionTime": str(self.query_timeout_s),
            },
        }
        for sec, kv in self.ini_overrides.items():
            settings.setdefault(sec, {}).update({k: str(v) for k, v in kv.items()})
        return rewrite_ini(base, settings)

    def _wait_until_ready(self, started: float) -> None:
        deadline = started + self.start_timeout_s
        url = f"http://127.0.0.1:{self.http_port}/sparql?" + urllib.parse.urlencode(
            {"query": "ASK {}"}
        )
        while True:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise VirtuosoError(
                    f"virtuoso-t exited with status {self._proc.returncode} while starting; "
                    f"last lines of {self.log_path}:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200 and self._sql_port_open():
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise VirtuosoError(
                    f"Virtuoso did not answer on http://127.0.0.1:{self.http_port}/sparql within "
                    f"{self.start_timeout_s:.0f} s; last lines of {self.log_path}:\n"
                    f"{self.log_tail()}"
                )
            time.sleep(0.1)

    def _sql_port_open(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(
            ("127.0.0.1", self.sql_port), timeout=1
        ):
            return True
        return False

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the server's output and of its database log."""
        if self.workdir is None:
            return ""
        parts = []
        for path in (self.log_path, self.workdir / "db" / "virtuoso.log"):
            if path.exists():
                text = path.read_text(encoding="utf-8", errors="replace").splitlines()
                parts.append(f"== {path.name} ==\n" + "\n".join(text[-lines:]))
        return "\n".join(parts)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after ``stop_timeout_s``; removes a temporary workdir."""
        self._terminate()
        self._cleanup_workdir()

    def _terminate(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(self.stop_timeout_s)
            except subprocess.TimeoutExpired:
                log.warning("Virtuoso did not stop in %.0f s: SIGKILL", self.stop_timeout_s)
                proc.kill()
                proc.wait(10)
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def _cleanup_workdir(self) -> None:
        if self.workdir is not None and self._given_workdir is None and not self.keep_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def _require_running(self) -> None:
        if not self.running:
            raise VirtuosoError("the Virtuoso server is not running (call start() first)")

    # -- SQL and loading ---------------------------------------------------------------------
    def isql(self, sql: str, *, timeout: float = 600.0) -> str:
        """Run SQL statements through ``isql-vt`` as dba; returns its output, raises
        :class:`VirtuosoError` with Virtuoso's message when a statement fails."""
        self._require_running()
        cmd = [
            self._isql_bin, f"127.0.0.1:{self.sql_port}", self.user, self.password,
            "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF", "ECHO=OFF", "ERRORS=STDOUT",
            f"exec={sql}",
        ]
        try:
            proc = subprocess.run(
                cmd, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL
            )
        except subprocess.TimeoutExpired as e:
            raise VirtuosoError(f"isql did not finish in {timeout:.0f} s: {sql[:200]}") from e
        out = proc.stdout.decode("utf-8", "replace") + proc.stderr.decode("utf-8", "replace")
        if proc.returncode != 0 or "*** Error" in out:
            raise VirtuosoError(f"isql failed (exit {proc.returncode}) on {sql[:200]!r}:\n{out}")
        return out

    def load(self, path: Path | str, graph_iri: str, *, replace: bool = False) -> int:
        """Load an N-Triples or Turtle file into the named graph ``graph_iri`` with
        ``DB.DBA.TTLP_MT`` and checkpoint; returns the number of triples now in that graph.

        A file outside ``load_dirs`` (``DirsAllowed``) is copied into the work directory
        first. ``replace`` clears the graph before loading. Loading is strict: a syntax error
        raises :class:`VirtuosoError` with Virtuoso's message (which names the line).
        """
        self._require_running()
        assert self.workdir is not None
        path = Path(path).resolve()
        if not path.is_file():
            raise VirtuosoError(f"no such file to load: {path}")
        suffix = path.suffix.lower()
        if suffix not in _TTLP_SUFFIXES:
            raise VirtuosoError(
                f"{path.name}: only N-Triples or Turtle ({', '.join(sorted(_TTLP_SUFFIXES))}) "
                "can be loaded"
            )
        _check_iri(graph_iri)
        if not any(path.is_relative_to(d) for d in self.load_dirs):
            staged = self.workdir / "staging" / path.name
            shutil.copyfile(path, staged)
            path = staged
        started = time.monotonic()
        g = _sql_string(graph_iri)
        statements = []
        if replace:
            statements.append(f"SPARQL CLEAR GRAPH <{graph_iri}>;")
        # Flags 0: strict parsing. The file is read as UTF-8 text (file_to_string_output
        # returns bytes; TTLP decodes UTF-8). Base IRI: the graph's IRI.
        statements.append(
            f"DB.DBA.TTLP_MT(file_to_string_output({_sql_string(str(path))}), {g}, {g}, 0);"
        )
        statements.append("checkpoint;")
        self.isql(" ".join(statements))
        count = self.count_triples(graph_iri)
        log.info(
            "loaded %s into <%s> in %.2f s (%d triples in the graph)",
            path.name, graph_iri, time.monotonic() - started, count,
        )
        return count

    def count_triples(self, graph_iri: str) -> int:
        """Triples in a named graph, asked over HTTP of the SPARQL endpoint."""
        import json

        _check_iri(graph_iri)
        q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}"
        data = urllib.parse.urlencode({"query": q}).encode()
        req = urllib.request.Request(
            self.sparql_url, data=data,
            headers={"Accept": "application/sparql-results+json"},
        )
        with urllib.request.urlopen(req, timeout=60) as r:
            answer = json.load(r)
        return int(answer["results"]["bindings"][0]["n"]["value"])


def _kill_quietly(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(OSError):
            os.kill(proc.pid, signal.SIGKILL)
