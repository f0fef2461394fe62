"""The forked worker pool: answers, deadlines, crashes, concurrency, forks and cleanup.

The shared ``pool`` fixture runs every test twice: with plain workers and with workers as
the server runs them (sandboxed, under a memory limit), so everything a worker does after
confinement (tracebacks, pickled errors, malloc_trim, reading its memory) is covered.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from ninek_graph import sandbox
from ninek_graph.backend import BackendUnavailable, QueryError, QuerySyntaxError, QueryTimeout
from ninek_graph.workers import WorkerError, WorkerPool

CONFINED = {"sandbox": sandbox.plan("required"), "memory_limit": 256 << 20}

PARENT_STATE = {"loaded": "before the fork"}
HELD: list[bytearray] = []


def handler(payload: tuple) -> object:
    """Test handler: the first element says what to do."""
    action, *args = payload
    if action == "echo":
        return args[0]
    if action == "sleep":
        time.sleep(args[0])
        return "slept"
    if action == "state":
        return PARENT_STATE["loaded"], os.getpid()
    if action == "die":
        os._exit(3)
    if action == "signal":
        os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer does
    if action == "abort":
        os.abort()  # as the engine does when an allocation fails
    if action == "syntax":
        raise QuerySyntaxError("bad", 2, 5)
    if action == "bug":
        raise KeyError("oops")
    if action == "grow":  # keep N MiB of private memory for good, after 60 ms of work
        HELD.append(bytearray(os.urandom(1 << 20)) * args[0])
        time.sleep(0.06)
        return os.getpid()
    if action == "exit-handlers":
        import atexit

        atexit.register(lambda: print("ATEXIT RAN IN WORKER", flush=True))
        return "registered"
    raise AssertionError(action)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(params=["plain", "confined"])
def pool(request: pytest.FixtureRequest):
    p = WorkerPool(handler, size=2, **(CONFINED if request.param == "confined" else {}))
    yield p
    p.close()


def test_results_come_back_and_workers_share_parent_memory(pool: WorkerPool) -> None:
    assert pool.pids == []  # lazily forked
    big = list(range(300_000))  # bigger than a pipe buffer both ways
    assert pool.run(("echo", big), timeout=10) == big
    loaded, pid = pool.run(("state",), timeout=10)
    assert loaded == "before the fork" and pid != os.getpid()
    assert pool.pids == [pid]


def test_query_errors_are_re_raised_with_their_fields(pool: WorkerPool) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        pool.run(("syntax",), timeout=10)
    assert (info.value.message, info.value.line, info.value.column) == ("bad", 2, 5)
    with pytest.raises(WorkerError, match="KeyError: 'oops'") as bug:
        pool.run(("bug",), timeout=10)
    # The worker's traceback names the failing line, read before the sandbox closed files.
    assert 'raise KeyError("oops")' in str(bug.value)
    assert not issubclass(WorkerError, QueryError)  # a bug is not the user's fault


def test_timeout_kills_the_worker_and_others_keep_serving(pool: WorkerPool) -> None:
    pool.run(("echo", 0), timeout=10)
    first = pool.pids[0]
    caught: list[BaseException] = []

    def slow() -> None:
        try:
            pool.run(("sleep", 60), timeout=1.5)
        except BaseException as error:  # noqa: B036 - recorded and checked below
            caught.append(error)

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)
    assert pool.run(("echo", "meanwhile"), timeout=5) == "meanwhile"
    thread.join(timeout=10)
    assert len(caught) == 1 and isinstance(caught[0], QueryTimeout)
    assert caught[0].status == 503 and "time limit of 1.5 s" in caught[0].message
    assert len(pool.pids) == 2  # the killed worker was replaced
    killed = [p for p in (first, *pool.pids) if not alive(p)]
    assert killed, "the timed-out worker must be gone"
    with pytest.raises(ChildProcessError):
        os.waitpid(killed[0], os.WNOHANG)  # already reaped: no zombie


def test_busy_pool_times_out_with_a_busy_message() -> None:
    with WorkerPool(handler, size=1) as small:
        thread = threading.Thread(target=lambda: small.run(("sleep", 2), timeout=10))
        thread.start()
        time.sleep(0.3)
        with pytest.raises(QueryTimeout, match="server is busy: all 1 query workers"):
            small.run(("echo", 1), timeout=0.5)
        thread.join()
        assert small.run(("echo", 2), timeout=5) == 2


@pytest.mark.parametrize("action", ["die", "signal"])
def test_dead_worker_is_reported_and_replaced(pool: WorkerPool, action: str) -> None:
    with pytest.raises(BackendUnavailable) as info:
        pool.run((action,), timeout=10)
    assert info.value.status == 502
    assert ("exit status 3" if action == "die" else "SIGKILL") in info.value.message
    assert pool.run(("echo", "again"), timeout=10) == "again"


def test_an_abort_under_a_memory_limit_is_reported_as_the_limit() -> None:
    """The engine aborts (SIGABRT) when an allocation fails; with a memory limit armed the
    caller is told about the limit (503), without one it is a crash (502)."""
    from ninek_graph.workers import QueryMemoryExceeded

    with WorkerPool(handler, size=1, memory_limit=64 << 20) as limited:
        with pytest.raises(QueryMemoryExceeded, match="limit of 64 MiB per query") as info:
            limited.run(("abort",), timeout=10)
        assert info.value.status == 503 and limited.exits[-1].how == "killed by SIGABRT"
        assert limited.run(("echo", "again"), timeout=10) == "again"
    with WorkerPool(handler, size=1) as unlimited:
        with pytest.raises(BackendUnavailable, match="SIGABRT"):
            unlimited.run(("abort",), timeout=10)


def test_many_threads_at_once(pool: WorkerPool) -> None:
    got: list[object] = []
    lock = threading.Lock()

    def call(i: int) -> None:
        value = pool.run(("echo", i), timeout=20)
        with lock:
            got.append(value)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(40))
    assert len(pool.pids) <= 2


def test_close_stops_and_reaps_every_worker() -> None:
    p = WorkerPool(handler, size=2)
    p.run(("echo", 1), timeout=5)
    pids = p.pids
    p.close()
    for pid in pids:
        assert not alive(pid)
    with pytest.raises(BackendUnavailable, match="closed"):
        p.run(("echo", 1), timeout=5)
    p.close()  # twice is fine


def test_workers_skip_atexit_handlers(capfd: pytest.CaptureFixture[str]) -> None:
    with WorkerPool(handler, size=1) as p:
        assert p.run(("exit-handlers",), timeout=5) == "registered"
    assert "ATEXIT RAN IN WORKER" not in capfd.readouterr().out


def test_a_forked_copy_starts_its_own_workers(pool: WorkerPool) -> None:
    """As after gunicorn forks from a preloading master: the copy must not reuse the
    parent's pipes or workers."""
    parent_workers = (pool.run(("state",), timeout=10)[1],)
    read_fd, write_fd = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            os.close(read_fd)
            _, worker_pid = pool.run(("state",), timeout=10)
            ok = worker_pid not in parent_workers and pool.pids == [worker_pid]
            pool.close()
            os.write(write_fd, b"ok" if ok else b"reused")
        finally:
            os._exit(0)
    os.close(write_fd)
    answer = os.read(read_fd, 16)
    os.close(read_fd)
    os.waitpid(child, 0)
    assert answer == b"ok"
    # The parent's pool still works and kept its worker.
    assert pool.run(("state",), timeout=10)[1] == parent_workers[0]


@pytest.mark.parametrize("confined", [False, True])
def test_a_worker_past_its_memory_limit_answers_then_is_replaced(confined: bool) -> None:
    """(max_private_bytes reads smaps_rollup, which a confined worker opened before.)"""
    extra = CONFINED if confined else {}
    with WorkerPool(handler, size=1, max_private_bytes=48 << 20, **extra) as limited:
        small = limited.run(("grow", 1), timeout=10)
        assert limited.run(("grow", 1), timeout=10) == small and limited.retired == 0
        big = limited.run(("grow", 64), timeout=10)  # answered, then the worker leaves
        assert big == small and limited.retired == 1
        fresh = limited.run(("echo", "again"), timeout=10)
        assert fresh == "again" and limited.pids and limited.pids[0] != big
        with pytest.raises(ChildProcessError):
            os.waitpid(big, os.WNOHANG)  # reaped, not left a zombie
    with WorkerPool(handler, size=1) as unlimited:
        first = unlimited.run(("grow", 64), timeout=10)
        assert unlimited.run(("grow", 1), timeout=10) == first and unlimited.retired == 0
