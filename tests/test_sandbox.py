"""Query workers cannot reach the network or the file system, even with the guard bypassed.

The guard (:mod:`ninek_graph.sparql_guard`) is skipped on purpose here: requests go to the
worker pool below it, as a query the guard wrongly accepted would. A real listener on
127.0.0.1 counts TCP connections; the failing-before checks show that without the sandbox
the same request does reach it, so zero below means the sandbox stopped it. Each layer
(seccomp, Landlock) is also tried alone: either one is enough for SERVICE.

Where a layer is missing the server must not start unless told to: that is shown for real
by running it under a seccomp filter that answers the Landlock system calls with ENOSYS,
as an old kernel or a strict container profile does.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import signal
import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from ninek_graph import embedded, sandbox
from ninek_graph.backend import QueryError, QueryRefused
from ninek_graph.cli import EXIT_ERROR
from ninek_graph.embedded import OxigraphBackend
from ninek_graph.workers import WorkerPool
from tests.listener import Listener
from tests.live_server import NINEK, ROOT, free_port

DATA = Path(__file__).parent / "data"
G_DATA = "http://example.org/graph/data"
GRACE_S = 0.5  # how long after an answer a late connection would still be counted
FULL = sandbox.plan("required")
SECCOMP_ONLY = sandbox.Plan(seccomp=True, landlock_abi=0)
LANDLOCK_ONLY = sandbox.Plan(seccomp=False, landlock_abi=FULL.landlock_abi)
LAYERS = {"seccomp+landlock": FULL, "seccomp": SECCOMP_ONLY, "landlock": LANDLOCK_ONLY}


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="module")
def store() -> ox.Store:
    s = ox.Store()
    s.load(path=str(DATA / "engine_graph.ttl"), format=ox.RdfFormat.TURTLE,
           to_graph=ox.NamedNode(G_DATA))
    return s


def _below_guard(pool: WorkerPool, text: str):
    """Run a query in the pool exactly as the back-end would after its guard passed it."""
    return pool.run(embedded._Request(text=text, form="SELECT"), timeout=20)


def _service(port: int, silent: bool = False) -> str:
    return (f"SELECT * WHERE {{ SERVICE {'SILENT ' if silent else ''}"
            f"<http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}")


# -- SERVICE with the guard bypassed ----------------------------------------------------------
def test_without_the_sandbox_service_does_connect(store, listener: Listener) -> None:
    """The failing-before check: the engine really follows SERVICE to the listener."""
    with WorkerPool(partial(embedded._execute, store), size=1, sandbox=None) as pool:
        try:
            _below_guard(pool, _service(listener.port))
        except QueryError:
            pass  # the listener hangs up at once; what matters is that it was reached
    assert listener.settled(GRACE_S) >= 1


@pytest.mark.parametrize("layers", LAYERS, ids=list(LAYERS))
@pytest.mark.parametrize("silent", [False, True], ids=["SERVICE", "SERVICE SILENT"])
def test_service_cannot_connect_from_a_sandboxed_worker(store, listener: Listener,
                                                        layers: str, silent: bool) -> None:
    with WorkerPool(partial(embedded._execute, store), size=1,
                    sandbox=LAYERS[layers]) as pool:
        if silent:  # the engine swallows the failure and answers one empty solution
            assert _below_guard(pool, _service(listener.port, silent=True)).rows == [[None] * 3]
        else:
            with pytest.raises(QueryRefused, match="reach another service") as refused:
                _below_guard(pool, _service(listener.port))
            assert refused.value.status == 400 and "Permission denied" in refused.value.message
        assert _below_guard(pool, "ASK { ?s ?p ?o }").boolean is True  # still serving
    assert listener.settled(GRACE_S) == 0


def test_the_back_end_sandboxes_its_workers_by_default(listener: Listener) -> None:
    """The back-end the server builds: no setting needed for the sandbox to be on."""
    backend = OxigraphBackend.from_files({G_DATA: DATA / "engine_graph.ttl"}, workers=1)
    try:
        assert backend.pool.sandbox == FULL
        with pytest.raises(QueryRefused):
            _below_guard(backend.pool, _service(listener.port))
        assert backend.query("ASK { ?s ?p ?o }").boolean is True
    finally:
        backend.close()
    assert listener.settled(GRACE_S) == 0


# -- what a worker can and cannot do ----------------------------------------------------------
def _attempt(action, *args) -> str:
    try:
        result = action(*args)
    except OSError as error:
        return f"{type(error).__name__}:{errno.errorcode.get(error.errno or 0, error.errno)}"
    if isinstance(result, socket.socket):
        result.close()
    return "ok"


def _raw_syscall(number: int, *args: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    if libc.syscall(ctypes.c_long(number), *(ctypes.c_long(a) for a in args)) < 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


def _socketpair_round_trip() -> None:
    left, right = socket.socketpair()
    with left, right:
        left.sendall(b"ping")
        if right.recv(4) != b"ping":
            raise OSError(errno.EIO, "socketpair lost data")


def _connect_inet(port: int, family: int = socket.AF_INET) -> None:
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(("127.0.0.1", port) if family == socket.AF_INET else ("::1", port))


def _send_udp(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"x", ("127.0.0.1", port))


def _connect_unix(path: str) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(path)


def _read(path: str) -> None:
    with open(path, "rb") as f:
        f.read(1)


def _write(path: str) -> None:
    with open(path, "wb") as f:
        f.write(b"x")


def probe(payload: tuple) -> dict[str, str]:
    """Worker handler: try each thing a query must never make a worker do."""
    port, unix_path, tmp, *skip = payload
    io_uring_setup = 425  # the same number on x86_64 and aarch64
    checks = {
        "create_connection": (socket.create_connection, ("127.0.0.1", port), 5),
        "connect tcp": (_connect_inet, port),
        "connect tcp6": (_connect_inet, port, socket.AF_INET6),
        "udp": (_send_udp, port),
        "raw": (socket.socket, socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP),
        "netlink": (socket.socket, socket.AF_NETLINK, socket.SOCK_RAW),
        "connect unix path": (_connect_unix, unix_path),
        "unix datagram": (socket.socket, socket.AF_UNIX, socket.SOCK_DGRAM),
        "read /etc/passwd": (_read, "/etc/passwd"),
        "read own source": (_read, __file__),
        "write tmp": (_write, os.path.join(tmp, "written-by-worker")),
        "list /": (os.listdir, "/"),
        "execv": (os.execv, "/bin/true", ["true"]),
        "io_uring": (_raw_syscall, io_uring_setup, 4, 0),
        "signal the server": (os.kill, os.getppid(), 0),
        "socketpair": (_socketpair_round_trip,),
        "unix stream socket": (socket.socket, socket.AF_UNIX, socket.SOCK_STREAM),
    }
    if os.uname().machine == "x86_64":  # x32 ABI number for socket(): must not slip past
        checks["x32 socket"] = (_raw_syscall, 0x40000000 | 41, socket.AF_INET,
                                socket.SOCK_STREAM, 0)
    return {name: _attempt(*spec) for name, spec in checks.items() if name not in skip}


DENIED_BY_BOTH = {"create_connection", "connect tcp", "execv"}


@pytest.fixture
def unix_listener(tmp_path: Path) -> Iterator[tuple[str, socket.socket]]:
    path = str(tmp_path / "service.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(4)
    server.setblocking(False)
    yield path, server
    server.close()


def _unix_connections(server: socket.socket) -> int:
    count = 0
    while True:
        try:
            conn, _ = server.accept()
        except BlockingIOError:
            return count
        count += 1
        conn.close()


def test_a_plain_worker_can_do_all_of_it(listener: Listener, unix_listener,
                                         tmp_path: Path) -> None:
    """Failing-before: the probes are real (each one succeeds without the sandbox; execv,
    which would replace the worker, is left out, and the x32 call, which this kernel may
    lack, is not checked)."""
    path, unix_server = unix_listener
    with WorkerPool(probe, size=1, sandbox=None) as pool:
        seen = pool.run((listener.port, path, str(tmp_path), "execv"), timeout=30)
    for name in ("create_connection", "connect tcp", "udp", "connect unix path",
                 "read /etc/passwd", "write tmp", "list /", "socketpair", "signal the server"):
        assert seen[name] == "ok", (name, seen[name])
    assert listener.settled(GRACE_S) == 2 and _unix_connections(unix_server) == 1


def test_a_sandboxed_worker_can_do_none_of_it(listener: Listener, unix_listener,
                                              tmp_path: Path) -> None:
    path, unix_server = unix_listener
    with WorkerPool(probe, size=1, sandbox=FULL) as pool:
        seen = pool.run((listener.port, path, str(tmp_path)), timeout=30)
        assert pool.run((listener.port, path, str(tmp_path)), timeout=30) == seen  # still up
    allowed = {"socketpair", "unix stream socket"}
    for name, outcome in seen.items():
        if name in allowed:
            assert outcome == "ok", (name, outcome)
        elif name == "signal the server":
            assert outcome == "PermissionError:EPERM"  # Landlock's signal scope (ABI 6+)
        else:
            assert outcome == "PermissionError:EACCES", (name, outcome)
    assert listener.settled(GRACE_S) == 0 and _unix_connections(unix_server) == 0
    assert not (tmp_path / "written-by-worker").exists()


@pytest.mark.parametrize("layers", ["seccomp", "landlock"])
def test_each_layer_alone_refuses_connect_and_exec(listener: Listener, unix_listener,
                                                   tmp_path: Path, layers: str) -> None:
    path, _ = unix_listener
    with WorkerPool(probe, size=1, sandbox=LAYERS[layers]) as pool:
        seen = pool.run((listener.port, path, str(tmp_path)), timeout=30)
    for name in DENIED_BY_BOTH:
        assert seen[name].startswith("PermissionError"), (layers, name, seen[name])
    if layers == "seccomp":  # files are Landlock's alone
        assert seen["read /etc/passwd"] == "ok" and seen["udp"] == "PermissionError:EACCES"
    else:  # UDP and Unix sockets are seccomp's alone
        assert seen["read /etc/passwd"] == "PermissionError:EACCES" and seen["udp"] == "ok"
    assert listener.settled(GRACE_S) == 0


# -- where a layer is missing -----------------------------------------------------------------
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000


def refuse_landlock() -> None:
    """Load a seccomp filter that answers the Landlock calls (444-446) with ENOSYS, as a
    kernel without Landlock does (runs in a child: a subprocess's preexec or a fork)."""
    program = b"".join([
        struct.pack("<HBBI", 0x20, 0, 0, 0),  # 0: ld nr
        struct.pack("<HBBI", 0x35, 0, 2, 444),  # 1: nr >= 444 ? 2 : 4 (allow)
        struct.pack("<HBBI", 0x35, 1, 0, 447),  # 2: nr >= 447 ? 4 (allow) : 3
        struct.pack("<HBBI", 0x06, 0, 0, _SECCOMP_RET_ERRNO | errno.ENOSYS),  # 3
        struct.pack("<HBBI", 0x06, 0, 0, _SECCOMP_RET_ALLOW),  # 4
    ])
    buffer = ctypes.create_string_buffer(program, len(program))

    class Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = Fprog(len(program) // 8, ctypes.addressof(buffer))
    libc = ctypes.CDLL(None, use_errno=True)
    zero = ctypes.c_ulong(0)
    calls = ((38, 1, 0),  # PR_SET_NO_NEW_PRIVS
             (22, 2, ctypes.addressof(fprog)))  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
    for option, arg, pointer in calls:
        if libc.prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(pointer), zero, zero):
            raise OSError(ctypes.get_errno(), "prctl")


def _in_child(work) -> dict:
    """Run ``work()`` in a forked child whose kernel has no Landlock; return its dict."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_fd)
            refuse_landlock()
            os.write(write_fd, json.dumps(work()).encode())
        except BaseException as error:  # noqa: B036 - reported to the parent
            os.write(write_fd, json.dumps({"child error": repr(error)}).encode())
        finally:
            os._exit(0)
    os.close(write_fd)
    chunks = []
    while chunk := os.read(read_fd, 65536):
        chunks.append(chunk)
    os.close(read_fd)
    os.waitpid(pid, 0)
    return json.loads(b"".join(chunks))


def _plans() -> dict:
    out: dict = {"abi": sandbox.landlock_abi()}
    try:
        sandbox.plan("required")
        out["required"] = "started"
    except sandbox.SandboxUnavailable as error:
        out["required"] = str(error)
    chosen = sandbox.plan("best-effort")
    out["best-effort"] = [chosen.seccomp, chosen.landlock_abi]
    with WorkerPool(probe, size=1, sandbox=chosen) as pool:
        out["probe"] = pool.run((free_port(), "/nonexistent.sock", "/tmp"), timeout=30)
    with WorkerPool(probe, size=1, sandbox=FULL) as pool:  # planned elsewhere: cannot enter
        try:
            pool.run((free_port(), "/nonexistent.sock", "/tmp"), timeout=30)
            out["unenterable"] = "ran"
        except QueryError as error:
            out["unenterable"] = [error.status, error.message]
    return out


def test_a_missing_layer_fails_closed_unless_best_effort_is_chosen() -> None:
    seen = _in_child(_plans)
    assert "child error" not in seen, seen
    assert seen["abi"][0] == 0 and "no Landlock" in seen["abi"][1]
    assert "missing: Landlock for files" in seen["required"]
    assert "query_sandbox=best-effort" in seen["required"]
    assert seen["best-effort"] == [True, 0]  # the seccomp layer is still there...
    assert seen["probe"]["connect tcp"] == "PermissionError:EACCES"
    assert seen["probe"]["read /etc/passwd"] == "ok"  # ...and files are open: a real loss
    # A worker that cannot enter the sandbox it was given runs nothing.
    status, message = seen["unenterable"]
    assert status == 502 and "could not enter its sandbox" in message


def test_the_plan_rejects_unknown_modes() -> None:
    with pytest.raises(ValueError, match="required, best-effort"):
        sandbox.plan("off")


def test_this_machine_has_every_layer() -> None:
    """CI runs here: a required sandbox must be complete, or the suite says why."""
    assert FULL.seccomp and FULL.landlock_abi >= 4, sandbox.plan("best-effort")
    assert FULL.layers[0] == "seccomp" and FULL.layers[-1] == "landlock-net"


@pytest.mark.slow
def test_the_server_refuses_to_start_without_landlock_unless_told(
        dist_dir: Path, tmp_path: Path) -> None:
    """``ninek-graph serve`` under a kernel without Landlock: a clear error (no traceback)
    and a failed exit by default; with query_sandbox=best-effort it starts, warns and
    answers queries."""
    env = {**os.environ, "NINEK_DIST": str(dist_dir), "PYTHONUNBUFFERED": "1",
           "NINEK_SERVER_WORKERS": "1"}
    port = free_port()
    argv = [NINEK, "serve", "--host", "127.0.0.1", "--port", str(port)]
    refused = subprocess.run(argv, cwd=ROOT, env=env, preexec_fn=refuse_landlock,
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == EXIT_ERROR, refused.stderr[-2000:]
    assert "Traceback" not in refused.stderr
    assert "query workers cannot be sandboxed" in refused.stderr
    assert "NINEK_QUERY_SANDBOX=best-effort" in refused.stderr

    log = tmp_path / "best-effort.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, cwd=ROOT, env={**env, "NINEK_QUERY_SANDBOX": "best-effort"},
                                preexec_fn=refuse_landlock, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        answer = requests.get(f"http://127.0.0.1:{port}/sparql",
                              params={"query": "ASK { ?s ?p ?o }"},
                              headers={"Accept": "application/sparql-results+json"}, timeout=30)
        assert answer.status_code == 200 and answer.json()["boolean"] is True
        assert "only part of their sandbox" in log.read_text()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
