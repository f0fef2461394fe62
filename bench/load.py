"""HTTP load generation: wrk (Debian's ``wrk``) when installed, else a Python client.

Both answer the same :class:`Load` record: requests per second, p50/p99 latency, errors. wrk
is the default because a Python client on the same two cores competes with the server for
the GIL-free CPU it measures; the fallback is there so the bench still runs (and says which
client it used) on a machine without wrk.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import statistics
import subprocess
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass
from pathlib import Path

LUA = Path(__file__).with_name("wrk.lua")


@dataclass
class Load:
    client: str
    connections: int
    seconds: float
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # connection errors, timeouts and HTTP statuses >= 400

    def as_dict(self) -> dict:
        return asdict(self)


def merge(loads: list[Load]) -> Load:
    """Several loads of the same target as one: throughput over the total time, the mean
    of the p50s and the worst p99."""
    seconds = sum(x.seconds for x in loads)
    requests = sum(x.requests for x in loads)
    return Load(loads[0].client, loads[0].connections, seconds, requests, requests / seconds,
                sum(x.p50_ms for x in loads) / len(loads), max(x.p99_ms for x in loads),
                sum(x.errors for x in loads))


def wrk_path() -> str | None:
    return shutil.which("wrk")


def client_name() -> str:
    path = wrk_path()
    if path is None:
        return "python (http.client threads; wrk not installed)"
    version = subprocess.run([path, "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    return version.strip() or "wrk"


def run(url: str, *, connections: int, seconds: float, accept: str = "") -> Load:
    """Keep ``connections`` keep-alive connections busy on ``url`` for ``seconds``."""
    if wrk_path() is not None:
        return _wrk(url, connections, seconds, accept)
    return _python(url, connections, seconds, accept)


def _wrk(url: str, connections: int, seconds: float, accept: str) -> Load:
    threads = max(1, min(2, connections, os.cpu_count() or 1))
    # wrk takes whole seconds only
    cmd = [wrk_path(), "-t", str(threads), "-c", str(connections),
           "-d", f"{max(1, round(seconds))}s",
           "--timeout", "60s", "-s", str(LUA), url]
    env = {**os.environ, "BENCH_ACCEPT": accept}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env,
                          timeout=seconds + 120)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary (exit {proc.returncode}):\n"
                           f"{proc.stdout}\n{proc.stderr}")
    data = json.loads(line[len("BENCH_JSON "):])
    elapsed = data["duration_us"] / 1e6
    errors = sum(data[k] for k in data if k.startswith("errors_"))
    return Load("wrk", connections, elapsed, data["requests"], data["requests"] / elapsed,
                data["p50_us"] / 1000, data["p99_us"] / 1000, errors)


def _python(url: str, connections: int, seconds: float, accept: str) -> Load:
    parts = urllib.parse.urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {"Accept": accept} if accept else {}
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        mine: list[float] = []
        bad = 0
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                conn.request("GET", target, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    p50 = statistics.median(latencies) if latencies else float("nan")
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else p50
    return Load("python", connections, elapsed, len(latencies), len(latencies) / elapsed,
                p50 * 1000, p99 * 1000, errors[0])


def timed_get(url: str, *, accept: str = "", timeout: float = 120.0) -> tuple[int, float, bytes,
                                                                             dict]:
    """One GET on a fresh connection: (status, seconds, body, headers)."""
    parts = urllib.parse.urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        started = time.perf_counter()
        conn.request("GET", target, headers={"Accept": accept} if accept else {})
        response = conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        return response.status, elapsed, body, {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()
