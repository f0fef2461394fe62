"""A pool of forked worker processes that run queries with a real deadline.

pyoxigraph has no query timeout and a running query cannot be interrupted from another thread
(it releases the GIL but never checks for signals), so the only reliable way to stop one is to
run it in a process that can be killed. Each worker is forked from the process that holds the
loaded store, so it shares the store's memory copy-on-write and needs no reload. At the
deadline the parent SIGKILLs the worker, reaps it, forks a replacement and raises
:class:`QueryTimeout`; the other workers keep serving.

Fork safety (POSIX ``fork`` copies only the calling thread, and any lock another thread held
stays locked in the child):

* the parent never runs queries on the store, so no engine lock can be held at fork time;
  what does read the store in the parent (the pages' quad lookups) holds the pool's
  ``fork_gate``, which forking holds too;
  everything a worker touches after the fork is its own pipe, :mod:`pickle` and the handler;
* workers are forked lazily, on first use, and the pool notices when it is used in a process
  other than the one that created it (``os.getpid()`` changed: gunicorn forked its workers
  from a master that built the back-end with ``preload_app``). It then drops the inherited
  pipes, which belong to the master's workers, and forks workers of its own;
* forking is serialized and every worker closes the pipe ends of its siblings, so a worker
  that dies is seen at once as end-of-file on its pipe (and reported as
  :class:`BackendUnavailable`, not as a hang);
* workers leave with ``os._exit``: no atexit handlers, no flushing of the parent's buffers.

Confinement (each worker, after the fork and before it reads a request):

* it enters the sandbox the pool was given (:mod:`.sandbox`: no sockets but Unix ones, no
  connect, no exec, no file opened); what it reads from files afterwards (its own
  ``/proc/self/statm`` and ``smaps_rollup``) it opens before;
* its private writable memory (``RLIMIT_DATA``) may grow by at most ``memory_limit`` bytes
  over what it had at the fork, so the store it shares with its parent is not counted. A
  query past it fails its allocation: the engine aborts (the worker dies; the caller gets
  :class:`QueryMemoryExceeded`, 503, and the worker is replaced) or Python raises
  ``MemoryError`` (answered the same way, then the worker leaves). A worker still holding
  more than half of the budget after an answer leaves too, so each query starts with at
  least half of it. Workers dump no core (``RLIMIT_CORE`` 0).

Requests and answers cross the pipes as length-prefixed pickles of plain values.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import ctypes.util
import linecache
import os
import pickle
import resource
import select
import signal
import struct
import sys
import threading
import time
import traceback
import warnings
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ninek_graph.backend import BackendUnavailable, QueryError, QueryTimeout
from ninek_graph.sandbox import Plan, SandboxFailed

# Python 3.12+ warns on fork() in a threaded process because locks held by other threads
# stay locked in the child. The workers touch no such lock (see the module docstring).
warnings.filterwarnings(
    "ignore", message=r".*use of fork\(\) may lead to deadlocks", category=DeprecationWarning
)

_HEADER = struct.Struct(">Q")
_CHUNK = 1 << 20
# Signals a web server may have given handlers to; a worker must just die on them.
_RESET_SIGNALS = [getattr(signal, name) for name in
                  ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGABRT",
                   "SIGWINCH", "SIGCHLD") if hasattr(signal, name)]


class WorkerError(RuntimeError):
    """The handler raised something that is not a :class:`QueryError`: a bug of ours, kept
    apart so that the endpoint answers 500 with the worker's traceback in its log."""


class QueryMemoryExceeded(QueryError):
    """The query needed more memory than a query worker may take, and was stopped."""

    status = 503


def _memory_message(limit: int) -> str:
    return (f"The query needed more memory than the limit of {limit >> 20:,} MiB per query "
            "and was stopped. Make it more selective (fewer unbound patterns, a LIMIT, no "
            "ORDER BY or GROUP_CONCAT over large joins, shorter strings).")


@dataclass(frozen=True)
class WorkerExit:
    """How a worker ended (kept for monitoring and tests): ``peak_rss`` is the most memory
    it ever had resident, in bytes (the kernel's ``ru_maxrss``)."""

    pid: int
    how: str
    peak_rss: int


@dataclass(eq=False)
class _Worker:
    pid: int
    to_child: int
    from_child: int


class _Died(Exception):
    pass


class _Expired(Exception):
    pass


def _write_message(fd: int, blob: bytes) -> None:
    for part in (_HEADER.pack(len(blob)), blob):
        view = memoryview(part)
        while view:
            view = view[os.write(fd, view):]


def _read_exactly(fd: int, size: int) -> bytes | None:
    parts, remaining = [], size
    while remaining:
        chunk = os.read(fd, min(remaining, _CHUNK))
        if not chunk:
            return None
        parts.append(chunk)
        remaining -= len(chunk)
    return b"".join(parts)


def _read_message(fd: int) -> bytes | None:
    """Blocking read of one message (the worker side); ``None`` at end of file."""
    header = _read_exactly(fd, _HEADER.size)
    if header is None:
        return None
    return _read_exactly(fd, _HEADER.unpack(header)[0])


def _read_until(fd: int, deadline: float) -> memoryview:
    """Read one message, giving up at ``deadline`` (raises _Expired) or end of file (_Died).
    The message is a view into the buffer read (not a copy: an answer may be many MiB)."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    buffer = bytearray()
    needed: int | None = None
    while needed is None or len(buffer) < needed:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not poller.poll(max(1, int(remaining * 1000))):
            if time.monotonic() >= deadline:
                raise _Expired
            continue
        want = _CHUNK if needed is None else min(_CHUNK, needed - len(buffer))
        chunk = os.read(fd, want)
        if not chunk:
            raise _Died
        buffer += chunk
        if needed is None and len(buffer) >= _HEADER.size:
            needed = _HEADER.size + _HEADER.unpack(bytes(buffer[: _HEADER.size]))[0]
    return memoryview(buffer)[_HEADER.size:]


_POOLS: weakref.WeakSet[WorkerPool] = weakref.WeakSet()


def _renew_locks_after_fork() -> None:
    """In a forked child every pool gets fresh locks: another thread of the parent may have
    held the old ones at the moment of the fork."""
    for pool in list(_POOLS):
        pool._new_locks()


os.register_at_fork(after_in_child=_renew_locks_after_fork)


class WorkerPool:
    """Up to ``size`` forked processes that call ``handler(payload)`` one request at a time.

    ``handler`` runs in the child, so it may use anything the parent had in memory when the
    worker was forked (for example a loaded pyoxigraph ``Store``); ``payload`` and its return
    value must pickle. Thread-safe: many threads may call :meth:`run` at once.
    """

    def __init__(self, handler: Callable[[Any], Any], *, size: int = 2,
                 name: str = "query worker", fork_gate: threading.Lock | None = None,
                 max_private_bytes: int | None = None, memory_limit: int | None = None,
                 sandbox: Plan | None = None):
        """``fork_gate``, when given, is held while forking: code of the parent that must
        not be inside the handler's resources at the moment of a fork (the pages read the
        shared store) holds it too.

        ``max_private_bytes``: a worker whose private memory is past this after an answer
        says so with the answer and exits; the next request forks a fresh one (in the manner
        of uWSGI's ``reload-on-rss``). Reading pyoxigraph's in-memory store writes to the
        pages it reads, so every worker gradually turns its copy-on-write share of the store
        into a private copy: at a million triples about 200 MiB after one whole-graph query,
        per worker. A fresh worker shares everything again; its first heavy query pays for
        the page faults (about a quarter more time).

        ``memory_limit``: bytes of private writable memory a worker may add to what it had
        when it was forked, enforced by the kernel while a query runs (see the module
        docstring); ``None``: no limit.

        ``sandbox``: the confinement each worker enters before its first request (see
        :mod:`.sandbox`); ``None``: none (for tests that show what it prevents)."""
        if size < 1:
            raise ValueError("a worker pool needs at least one worker")
        self._handler = handler
        self._fork_gate = fork_gate
        self._max_private_bytes = max_private_bytes
        self.memory_limit = memory_limit
        self.sandbox = sandbox
        self.exits: collections.deque[WorkerExit] = collections.deque(maxlen=64)
        _warm_line_cache(handler)
        return_large_blocks()
        self.size = size
        self.name = name
        self.fork_seconds: list[float] = []  # duration of each fork() call, for measurement
        self.retired = 0  # workers that left because of their memory (see max_private_bytes)
        self._pid = os.getpid()
        self._closed = False
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._started = 0
        self._new_locks()
        _POOLS.add(self)

    def _new_locks(self) -> None:
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._fork_lock = threading.Lock()

    # --- the public surface ---------------------------------------------------------------
    def run(self, payload: Any, *, timeout: float) -> Any:
        """Run ``handler(payload)`` in a worker and return its result within ``timeout``
        seconds (queue wait included). Re-raises the handler's :class:`QueryError`; raises
        :class:`QueryTimeout` at the deadline, :class:`QueryMemoryExceeded` when the query
        met the memory limit, :class:`BackendUnavailable` when the worker died otherwise and
        :class:`WorkerError` when the handler raised anything else."""
        deadline = time.monotonic() + timeout
        self._adopt_process()
        worker = self._acquire(deadline, timeout)
        try:
            _write_message(worker.to_child, pickle.dumps(payload, pickle.HIGHEST_PROTOCOL))
            blob = _read_until(worker.from_child, deadline)
        except _Expired:
            self._retire(worker, kill=True)
            raise QueryTimeout(
                f"The query ran longer than the time limit of {timeout:g} s and was stopped. "
                "Make it more selective (fewer unbound patterns, a LIMIT, fewer OPTIONALs)."
            ) from None
        except (_Died, BrokenPipeError):
            status = self._retire(worker, kill=False)
            if self.memory_limit is not None and status == "killed by SIGABRT":
                # The engine aborts when an allocation fails ("memory allocation of N bytes
                # failed" on the worker's stderr); with the limit armed that is the limit.
                raise QueryMemoryExceeded(_memory_message(self.memory_limit)) from None
            raise BackendUnavailable(
                f"The {self.name} (process {worker.pid}) stopped unexpectedly ({status}); "
                "it has been replaced. Try the query again; if it fails the same way, it "
                "exhausts the server's memory."
            ) from None
        except BaseException:
            self._retire(worker, kill=True)  # e.g. KeyboardInterrupt mid-read: state unknown
            raise
        try:
            retiring, outcome = pickle.loads(blob)
            del blob  # the buffer it views: an answer may be large
        except Exception as error:
            self._release(worker)
            raise WorkerError(f"The {self.name}'s answer could not be read: {error!r}") from None
        if retiring:  # it left after answering, for its memory (see max_private_bytes)
            self.retired += 1
            self._retire(worker, kill=False, replace=False)
        else:
            self._release(worker)
        if outcome[0] == "ok":
            return outcome[1]
        error, text = outcome[1], outcome[2]
        if isinstance(error, QueryError):
            raise error
        raise WorkerError(f"The {self.name} raised an unexpected error:\n{text}")

    def close(self) -> None:
        """Stop every worker this process started. Queries still running end with
        :class:`BackendUnavailable`. Safe to call twice and from a forked copy (which owns no
        workers and only closes its inherited pipe ends)."""
        self._adopt_process()
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            busy = [w for w in self._all if w not in idle]
            self._all.difference_update(idle)
            self._started -= len(idle)
            self._cond.notify_all()
        for worker in idle:
            self._stop(worker)
        for worker in busy:  # their callers see end of file, reap and close the pipes
            _kill(worker.pid)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pids(self) -> list[int]:
        """Process ids of the live workers (for tests and monitoring)."""
        with self._lock:
            return sorted(w.pid for w in self._all)

    # --- internals -------------------------------------------------------------------------
    def _adopt_process(self) -> None:
        """After a fork of the owning process, forget the parent's workers (not our children)
        and close our copies of their pipes; new workers are forked on demand."""
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            inherited, self._all, self._idle = self._all, set(), []
            self._started = 0
            self.fork_seconds = []
            self._pid = os.getpid()
        for worker in inherited:
            for fd in (worker.to_child, worker.from_child):
                _close_quietly(fd)

    def _acquire(self, deadline: float, timeout: float) -> _Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise BackendUnavailable(f"The {self.name} pool has been closed.")
                if self._idle:
                    return self._idle.pop()
                if self._started < self.size:
                    self._started += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise QueryTimeout(
                        f"The server is busy: all {self.size} query workers stayed occupied "
                        f"for the whole time limit of {timeout:g} s. Try again shortly."
                    )
                self._cond.wait(remaining)
        try:
            return self._spawn()
        except BaseException:
            with self._cond:
                self._started -= 1
                self._cond.notify()
            raise

    def _release(self, worker: _Worker) -> None:
        with self._cond:
            if not self._closed:
                self._idle.append(worker)
                self._cond.notify()
                return
            self._all.discard(worker)
            self._started -= 1
        self._stop(worker)

    def _retire(self, worker: _Worker, *, kill: bool, replace: bool = True) -> str:
        """Kill (if asked) and reap a worker, close its pipes and fork its replacement (unless
        told not to: then the next request that finds no idle worker forks one)."""
        if kill:
            _kill(worker.pid)
        status, peak = _reap(worker.pid)
        self.exits.append(WorkerExit(worker.pid, status, peak))
        for fd in (worker.to_child, worker.from_child):
            _close_quietly(fd)
        with self._cond:
            self._all.discard(worker)
            self._started -= 1
            replace = replace and not self._closed and self._started < self.size
            if replace:
                self._started += 1
            self._cond.notify()
        if replace:
            try:
                fresh = self._spawn()
            except OSError:
                with self._cond:
                    self._started -= 1
                    self._cond.notify()
            else:
                self._release(fresh)
        return status

    def _stop(self, worker: _Worker) -> None:
        _close_quietly(worker.to_child)  # an idle worker exits on end of file...
        _kill(worker.pid)  # ...but do not wait for it to notice
        status, peak = _reap(worker.pid)
        self.exits.append(WorkerExit(worker.pid, status, peak))
        _close_quietly(worker.from_child)

    def _spawn(self) -> _Worker:
        with self._fork_lock:
            request_r, request_w = os.pipe()
            answer_r, answer_w = os.pipe()
            with self._lock:
                siblings = [fd for w in self._all for fd in (w.to_child, w.from_child)]
            started = time.perf_counter()
            with self._fork_gate or contextlib.nullcontext():
                pid = os.fork()
            if pid == 0:  # the worker
                try:
                    # Keep only stdio and its own pipes: an inherited copy of the server's
                    # listening socket or of a client's keep-alive connection would keep
                    # that connection open after the server closed it, and the client's
                    # next request on it would never be answered.
                    del siblings
                    _close_all_but((0, 1, 2, request_r, answer_w))
                    self._serve(request_r, answer_w)
                finally:
                    os._exit(0)
            self.fork_seconds.append(time.perf_counter() - started)
            os.close(request_r)
            os.close(answer_w)
            worker = _Worker(pid, request_w, answer_r)
            with self._lock:
                self._all.add(worker)
            return worker

    def _serve(self, request_fd: int, answer_fd: int) -> None:
        """The worker's loop: one request in, one answer out, until end of file."""
        for signum in _RESET_SIGNALS:
            try:
                signal.signal(signum, signal.SIG_DFL)
            except (OSError, ValueError):
                pass
        meter = _Meter()  # opened now: after the sandbox no file can be
        refusal = self._confine(meter)
        busy = 0.0  # seconds of work since the memory was last looked at
        while True:
            blob = _read_message(request_fd)
            if blob is None:
                return
            started = time.perf_counter()
            answer: tuple
            retiring = refusal is not None
            try:
                if refusal is not None:
                    raise refusal
                answer = ("ok", self._handler(pickle.loads(blob)))
            except MemoryError:
                answer, retiring = self._out_of_memory(), True
            except Exception as error:  # travels back to the caller, which re-raises it
                answer = ("error", error, traceback.format_exc())
            del blob
            busy += time.perf_counter() - started
            # Reading smaps_rollup takes ~0.4 ms; copies grow with the work done, so look
            # only after every 50 ms of it.
            if busy >= 0.05:
                busy = 0.0
                _return_free_memory()
                retiring = retiring or (self._max_private_bytes is not None
                                        and meter.private_bytes() > self._max_private_bytes)
            if self.memory_limit is not None and meter.readable and not retiring:
                # Start every query with at least half of the budget (~10 us to look).
                retiring = meter.data_bytes() - meter.data_at_fork > self.memory_limit // 2
            try:
                data = pickle.dumps((retiring, answer), pickle.HIGHEST_PROTOCOL)
            except MemoryError:  # the answer fitted, its pickle did not
                retiring = True
                data = pickle.dumps((True, self._out_of_memory()), pickle.HIGHEST_PROTOCOL)
            except Exception:
                text = answer[2] if answer[0] == "error" else traceback.format_exc()
                data = pickle.dumps((retiring, ("error", None, text)), pickle.HIGHEST_PROTOCOL)
            del answer
            _write_message(answer_fd, data)
            if retiring:
                return

    def _out_of_memory(self) -> tuple:
        limit = self.memory_limit
        return ("error", QueryMemoryExceeded(_memory_message(limit)) if limit
                else BackendUnavailable(f"The {self.name} ran out of memory."), "")

    def _confine(self, meter: _Meter) -> BackendUnavailable | None:
        """Enter the sandbox and arm the memory limit. If the sandbox cannot be entered the
        worker runs nothing: every request gets the error returned here (and the worker
        leaves after answering it)."""
        if self.sandbox is not None:
            try:
                self.sandbox.enter()
            except SandboxFailed as error:
                return BackendUnavailable(
                    f"The {self.name} could not enter its sandbox ({error}), so it ran no "
                    "query. The server's operator must look at this machine's kernel.")
        # A worker that meets the limit aborts: no core dump of it (and of the store it
        # shares) each time a query asks for too much.
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if self.memory_limit is not None and meter.readable:  # Linux: /proc/self/statm
            meter.data_at_fork = meter.data_bytes()
            _limit_data(meter.data_at_fork + self.memory_limit)
        return None


class _Meter:
    """A worker's view of its own memory, through descriptors opened before the sandbox
    (``os.pread`` re-reads them; Linux only, zeros elsewhere)."""

    def __init__(self) -> None:
        self.data_at_fork = 0
        self._statm = _open_quietly("/proc/self/statm")
        self._rollup = _open_quietly("/proc/self/smaps_rollup")
        self.readable = self._statm is not None

    def data_bytes(self) -> int:
        """Private writable memory (``/proc/self/statm``'s data: heap, anonymous mappings
        and stack), the quantity ``RLIMIT_DATA`` bounds."""
        if self._statm is None:
            return 0
        fields = os.pread(self._statm, 256, 0).split()
        return int(fields[5]) * _PAGE_SIZE

    def private_bytes(self) -> int:
        """Memory only this process holds (``Private_Dirty`` + ``Private_Clean``)."""
        if self._rollup is None:
            return 0
        total = 0
        for line in os.pread(self._rollup, 1 << 14, 0).splitlines():
            if line.startswith((b"Private_Dirty:", b"Private_Clean:")):
                total += int(line.split()[1]) * 1024
        return total


_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _open_quietly(path: str) -> int | None:
    try:
        return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None


def _limit_data(limit: int) -> None:
    """Set RLIMIT_DATA (soft and hard: the worker cannot raise it again unless privileged)
    to ``limit`` bytes, or to the existing hard limit if that is lower."""
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def _warm_line_cache(handler: Callable[[Any], Any]) -> None:
    """Read the source of the handler's module and of this one into :mod:`linecache` now,
    in the parent: a sandboxed worker cannot open them, and its tracebacks (sent back for
    the server's log) then still show the lines that failed."""
    func = getattr(handler, "func", handler)  # functools.partial
    for name in {getattr(func, "__module__", None), __name__}:
        module = sys.modules.get(name) if name else None
        path = getattr(module, "__file__", None)
        if path:
            linecache.getlines(path)


def _load_glibc(name: str) -> Callable[..., int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return getattr(libc, name)
    except (OSError, AttributeError):  # not glibc
        return None


_MALLOC_TRIM = _load_glibc("malloc_trim")
_MALLOPT = _load_glibc("mallopt")
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
LARGE_BLOCK = 1 << 20


def _return_free_memory() -> None:
    """Give the heap the last query freed back to the system (glibc keeps it otherwise: a
    worker that once joined 50 000 rows would hold that memory for good, in every worker)."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def return_large_blocks() -> None:
    """Make glibc give every block of 1 MiB or more back to the system when it is freed,
    in this process and the processes forked from it (the server's, which read answers of
    up to ``max_answer_mib`` from the pipes and write them out, and the workers).

    By default glibc raises its mmap threshold to the size of the largest block freed (up
    to 32 MiB), after which such blocks come from the heap and stay there once freed:
    measured on a server process after a few answers of 15-38 MiB (JSON, CSV, XML and a
    single 16 MiB value), 286 MiB resident instead of 47; with this, 80 MiB. A trim
    threshold of 4 MiB also returns the top of the heap as soon as that much is free."""
    if _MALLOPT is not None:
        _MALLOPT(_M_MMAP_THRESHOLD, LARGE_BLOCK)
        _MALLOPT(_M_TRIM_THRESHOLD, 4 * LARGE_BLOCK)


def trim_when_released(value: object) -> None:
    """Give freed heap back (``malloc_trim``) once ``value``, a large answer, is no longer
    referenced: after the response made from it is built and sent, its garbage (rows read
    from it, their terms, formatted text) is freed in scattered places of the heap."""
    if _MALLOC_TRIM is not None:
        weakref.finalize(value, _return_free_memory)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _reap(pid: int) -> tuple[str, int]:
    """Wait for ``pid``; describe how it ended and give its peak resident memory (bytes)."""
    try:
        _, status, usage = os.wait4(pid, 0)
    except ChildProcessError:
        return "already reaped", 0
    peak = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}", peak
    return f"exit status {os.waitstatus_to_exitcode(status)}", peak


def _close_all_but(keep: tuple[int, ...]) -> None:
    """Close every file descriptor of this process except ``keep`` (close_range(2) on
    Linux, so the cost does not depend on the descriptor limit)."""
    low = 0
    for fd in sorted(set(keep)):
        if fd > low:
            os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, os.sysconf("SC_OPEN_MAX"))


def _close_quietly(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass
