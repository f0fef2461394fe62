"""The benchmark: ``.venv/bin/python -m bench`` (or ``bench/run.sh``).

Measures, side by side in one run, and reports as ratios (machines are noisy, ratios less so):

1. build and SHACL validation of the real graph; server cold start to first answer;
2. HTTP throughput and p50/p99 latency on 127.0.0.1 at 1, 8 and 32 clients for every canned
   query, an entity page and ``/health`` of the same server through the application (the
   framework's limit: ``/health?via=app``, since the bare ``/health`` is answered by the HTTP
   front's event loop without the application), next to
   Virtuoso's own ``/sparql`` answering the same queries on the same dumps;
3. the embedded engine (pyoxigraph) against rdflib's, in process, on the same queries;
4. scale: synthetic graphs of the same shape (:mod:`bench.synthetic`) at 10^4..10^6 triples:
   server load time and memory, per-query p50 latency uncached through HTTP, and Virtuoso's.

Writes ``results.json``, ``results.md`` and ``scale.png`` / ``scale.svg`` into ``--out``
(default: this directory). ``--quick`` is a short smoke run (small sizes, short durations).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import traceback
import urllib.parse
from pathlib import Path

from ninek_graph.backend import DATA_GRAPH, ONTOLOGY_GRAPH

from . import engines, load, report, servers, synthetic
from .load import timed_get

HERE = Path(__file__).resolve().parent

# The baseline route: /health through the application. The HTTP front answers the bare /health
# from its event loop (liveness must not queue behind heavy requests), which would make every
# comparison with it a comparison with no framework at all.
APP_HEALTH = "/health?via=app"
ROOT = HERE.parent


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=HERE, help="where results.* and scale.* go")
    p.add_argument("--work", type=Path, default=HERE / ".work",
                   help="scratch directory (dumps, logs; removed at the end unless --keep)")
    p.add_argument("--keep", action="store_true", help="keep the scratch directory")
    p.add_argument("--duration", type=float, default=1.0,
                   help="seconds of load per HTTP measurement (whole seconds; default 1)")
    p.add_argument("--rounds", type=int, default=2,
                   help="interleaved rounds per path and client count (default 2)")
    p.add_argument("--concurrency", default="1,8,32", help="client counts (default 1,8,32)")
    p.add_argument("--uncached-concurrency", default="8",
                   help="client counts at which an uncached server is measured too")
    p.add_argument("--sizes", default="10000,100000,1000000",
                   help="synthetic graph sizes in triples (default 10^4,10^5,10^6)")
    p.add_argument("--scale-budget", type=float, default=3.0,
                   help="seconds of samples per query and size (at least --scale-min-reps)")
    p.add_argument("--scale-min-reps", type=int, default=5)
    p.add_argument("--scale-max-reps", type=int, default=15)
    p.add_argument("--scale-timeout", type=int, default=20,
                   help="query time limit (s) of both servers in the scale runs")
    p.add_argument("--engine-budget", type=float, default=1.0,
                   help="seconds per query and engine in the engine comparison")
    p.add_argument("--cold-starts", type=int, default=3)
    p.add_argument("--skip", default="",
                   help="comma-separated sections to skip: build,cold,http,virtuoso,engine,scale")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: sizes 10^4,3x10^4, 0.5 s loads, one cold start")
    args = p.parse_args(argv)
    if args.quick:
        args.duration = 1.0
        args.rounds = 1
        args.sizes = "10000,30000"
        args.scale_budget = 0.3
        args.cold_starts = 1
        args.engine_budget = 0.2
    args.concurrency = [int(x) for x in args.concurrency.split(",") if x]
    args.uncached_concurrency = [int(x) for x in args.uncached_concurrency.split(",") if x]
    args.sizes = [int(float(x)) for x in args.sizes.split(",") if x]
    args.skip = {x.strip() for x in args.skip.split(",") if x.strip()}
    return args


# -- machine ---------------------------------------------------------------------------------
def machine() -> dict:
    def run(*cmd: str) -> str:
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
            return (done.stdout + done.stderr).strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    meminfo = Path("/proc/meminfo").read_text().split("\n")[0].split()
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    versions = {}
    for package in ("pyoxigraph", "rdflib", "flask", "gunicorn", "pyshacl", "werkzeug"):
        try:
            from importlib.metadata import version

            versions[package] = version(package)
        except Exception:  # noqa: BLE001 - a missing package is reported as missing
            versions[package] = "not installed"
    virtuoso = run("virtuoso-t", "-?").splitlines()
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(int(meminfo[1]) / 1024 / 1024, 1),
        "kernel": platform.release(),
        "os": run("sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"),
        "python": platform.python_version(),
        "packages": versions,
        "virtuoso": virtuoso[1].strip() if len(virtuoso) > 1 else "not installed",
        "http_client": load.client_name(),
        "loadavg": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
        "commit": run("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"),
        "uncommitted": [line[3:] for line in run(
            "git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no",
            "--", "ninek_graph", "queries", "web").splitlines() if line.strip()],
    }


# -- 1. build, validation, cold start --------------------------------------------------------
def bench_build(dist: Path) -> dict:
    started = time.perf_counter()
    built = subprocess.run([servers.NINEK, "build", "--dist", str(dist)], capture_output=True,
                           text=True, cwd=ROOT)
    build_s = time.perf_counter() - started
    if built.returncode != 0:
        raise RuntimeError(f"ninek-graph build failed:\n{built.stdout}\n{built.stderr}")
    started = time.perf_counter()
    validated = subprocess.run([servers.NINEK, "validate", "--dist", str(dist)],
                               capture_output=True, text=True, cwd=ROOT)
    validate_s = time.perf_counter() - started
    manifest = json.loads((dist / "manifest.json").read_text())
    return {"build_s": build_s, "validate_s": validate_s, "validate_exit": validated.returncode,
            "validate_summary": validated.stdout.strip().splitlines()[:1],
            "triples": manifest["triples"], "ontology_triples": manifest["ontology_triples"]}


def bench_cold_start(dist: Path, logs: Path, runs: int) -> dict:
    query = servers.canned_queries()["municipality-projects"]
    results = []
    for number in range(runs):
        # Other people's edits make dist/ stale (its manifest digests the code); serve would
        # then rebuild and the build would count as start-up. Rebuild first, untimed.
        from ninek_graph.build import build_dist, is_stale

        if is_stale(dist):
            build_dist(dist)
        started = time.perf_counter()
        server = servers.start_ours(dist, logs, name=f"cold-{number}")
        health_s = time.perf_counter() - started
        status, _, _, _ = timed_get(server.url + servers.canned_path(query))
        query_s = time.perf_counter() - started
        rebuilt = "stale" in server.tail()
        server.stop()
        results.append({"health_s": health_s, "query_s": query_s, "query_status": status,
                        "rebuilt": rebuilt})
    return {"runs": results,
            "health_s": statistics.median(r["health_s"] for r in results),
            "query_s": statistics.median(r["query_s"] for r in results),
            "query": query.name}


# -- 2. HTTP on the real data ----------------------------------------------------------------
def bench_http(dist: Path, logs: Path, args, virtuoso_url: str | None) -> dict:
    queries = servers.canned_queries()
    ours = servers.start_ours(dist, logs, name="http-cached")
    uncached = servers.start_ours(dist, logs, name="http-uncached",
                                  settings={"cache_entries": 0})
    try:
        paths = {name: servers.canned_path(q) for name, q in queries.items()}
        sanity = {}
        for name, q in queries.items():
            status, seconds, body, _ = timed_get(ours.url + paths[name])
            entry = {"path": paths[name], "status": status, "rows": servers.row_count(body),
                     "first_ms": seconds * 1000}
            if virtuoso_url:
                v_status, _, v_body, v_headers = timed_get(
                    servers.virtuoso_query_url(virtuoso_url, q),
                    accept=servers.JSON_RESULTS)
                entry.update(virtuoso_status=v_status, virtuoso_rows=servers.row_count(v_body),
                             virtuoso_partial=v_headers.get("x-sql-state"))
            sanity[name] = entry
        # The entity page a browser ends up on (the IRI path may redirect, e.g. 303 to
        # .../geodata.html); wrk does not follow redirects, so measure the final page.
        entity_path = "/project/geodata"
        redirects = []
        for _ in range(5):
            entity_status, _, entity_body, entity_headers = timed_get(ours.url + entity_path,
                                                                      accept="text/html")
            location = entity_headers.get("location")
            if entity_status not in (301, 302, 303, 307, 308) or not location:
                break
            redirects.append(f"{entity_status} {entity_path}")
            entity_path = urllib.parse.urlsplit(urllib.parse.urljoin(
                ours.url + entity_path, location)).path
        entity = {"path": entity_path, "status": entity_status, "redirects": redirects,
                  "content_type": entity_headers.get("content-type", ""),
                  "bytes": len(entity_body)}

        levels = {}
        for conc in args.concurrency:
            log(f"HTTP at {conc} client(s)")
            health_runs, rows = [], {}
            targets = [(name, ours.url + paths[name], "") for name in queries]
            if entity_status == 200:
                targets.append(("entity " + entity_path, ours.url + entity_path, "text/html"))
            for name, url, accept in targets:
                # Interleaved rounds (health, ours, Virtuoso, health, ours, Virtuoso, ...):
                # each ratio compares loads measured seconds apart, so drift on a busy
                # machine hits both sides alike.
                runs: dict[str, list] = {"health": [], "ours": [], "virtuoso": []}
                query = queries.get(name)
                with_v = (virtuoso_url and query is not None
                          and sanity[name].get("virtuoso_status") == 200)
                for _ in range(args.rounds):
                    runs["health"].append(load.run(ours.url + APP_HEALTH, connections=conc,
                                                   seconds=args.duration))
                    runs["ours"].append(load.run(url, connections=conc,
                                                 seconds=args.duration, accept=accept))
                    if with_v:
                        runs["virtuoso"].append(load.run(
                            servers.virtuoso_query_url(virtuoso_url, query),
                            connections=conc, seconds=args.duration,
                            accept=servers.JSON_RESULTS))
                row = {key: load.merge(value).as_dict() for key, value in runs.items()
                       if value}
                if query is not None and conc in args.uncached_concurrency:
                    row["uncached"] = load.merge([
                        load.run(uncached.url + paths[name], connections=conc,
                                 seconds=args.duration) for _ in range(args.rounds)]).as_dict()
                health_runs += [r.as_dict() for r in runs["health"]]
                rows[name] = row
            levels[str(conc)] = {"health": health_runs, "paths": rows}
        memory = ours.memory()
    finally:
        ours.stop()
        uncached.stop()
    return {"sanity": sanity, "entity": entity, "levels": levels, "memory": memory}


# -- 4. scale --------------------------------------------------------------------------------
def write_synthetic(template: synthetic.Template, triples: int, dist: Path,
                    ontology: Path) -> dict:
    dist.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    info = synthetic.write(template, triples, dist / "ninek.nt")
    info["generate_s"] = time.perf_counter() - started
    shutil.copyfile(ontology, dist / "ontology.nt")
    (dist / "manifest.json").write_text(json.dumps(
        {"build_id": f"synthetic-{info['triples']}", "triples": info["triples"],
         "synthetic": True}))
    return info


def sample_queries(url_for, *, accept: str, args, timeout_s: float) -> dict:
    """Per canned query: sequential GETs until the budget is spent; p50 and first answer.
    A few cheap requests first, so the query worker processes are forked before timing."""
    queries = servers.canned_queries()
    warm = url_for(queries["projects-by-start-year"])
    for _ in range(8):
        timed_get(warm, accept=accept, timeout=timeout_s + 60)
    out = {}
    for name, query in queries.items():
        url = url_for(query)
        times, statuses, rows, partial = [], [], None, None
        spent = 0.0
        while len(times) < args.scale_max_reps and (
                len(times) < args.scale_min_reps or spent < args.scale_budget):
            status, seconds, body, headers = timed_get(url, accept=accept,
                                                       timeout=timeout_s + 60)
            times.append(seconds)
            statuses.append(status)
            spent += seconds
            if rows is None:
                rows = servers.row_count(body)
                partial = headers.get("x-sql-state")
            if status != 200 or partial or seconds >= timeout_s:
                break  # a timeout: one is enough
        ok = statuses[-1] == 200 and not partial and times[-1] < timeout_s
        out[name] = {"p50_ms": statistics.median(times) * 1000, "samples": len(times),
                     "status": statuses[-1], "rows": rows, "timed_out": not ok}
    return out


def scale_throughput(dist: Path, logs: Path, virtuoso_url: str, args, triples: int,
                     slowest_ms: dict[str, float]) -> dict:
    """Requests/s of each canned query at 8 clients on our server as it is run (default
    settings: answer cache on) and on Virtuoso, interleaved query by query. After one
    request ours answers from its cache; Virtuoso evaluates every request. Each load lasts
    long enough for the slower server to finish a few rounds of 8 requests (2 to 20 s)."""
    server = servers.start_ours(dist, logs, name=f"scale-cached-{triples}", launcher="module",
                                settings={"query_timeout": args.scale_timeout})
    out = {}
    try:
        for name, query in servers.canned_queries().items():
            url = server.url + servers.canned_path(query)
            timed_get(url, timeout=args.scale_timeout + 60)  # the one uncached request
            seconds = min(20, max(2, math.ceil(3 * SCALE_CLIENTS * slowest_ms[name] / 1000)))
            out[name] = {
                "seconds": seconds,
                "ours": load.run(url, connections=SCALE_CLIENTS, seconds=seconds).as_dict(),
                "virtuoso": load.run(servers.virtuoso_query_url(virtuoso_url, query),
                                     connections=SCALE_CLIENTS, seconds=seconds,
                                     accept=servers.JSON_RESULTS).as_dict(),
            }
    finally:
        server.stop()
    return {"clients": SCALE_CLIENTS, "queries": out}


SCALE_CLIENTS = 8


def bench_scale(template: synthetic.Template, ontology: Path, work: Path, logs: Path,
                args, with_virtuoso: bool) -> dict:
    sizes = []
    for triples in args.sizes:
        log(f"scale: {triples:,} triples")
        dist = work / f"synthetic-{triples}"
        info = write_synthetic(template, triples, dist, ontology)
        entry: dict = {"requested": triples, **info}
        server = servers.start_ours(dist, logs, name=f"scale-{triples}", launcher="module",
                                    settings={"cache_entries": 0,
                                              "query_timeout": args.scale_timeout})
        try:
            entry["ours"] = {
                "ready_s": server.ready_s,
                "memory_idle": server.memory(),
                "queries": sample_queries(
                    lambda q, base=server.url: base + servers.canned_path(q),
                    accept="", args=args, timeout_s=args.scale_timeout),
            }
            entry["ours"]["memory"] = server.memory()
        finally:
            server.stop()
        if with_virtuoso:
            buffers = max(10_000, min(340_000, triples // 4))  # 8 KiB pages
            vserver, vinfo = servers.start_virtuoso(
                dist, {DATA_GRAPH: dist / "ninek.nt", ONTOLOGY_GRAPH: dist / "ontology.nt"},
                number_of_buffers=buffers, query_timeout_s=args.scale_timeout)
            try:
                vinfo["number_of_buffers"] = buffers
                vinfo["queries"] = sample_queries(
                    lambda q, base=vserver.sparql_url: servers.virtuoso_query_url(base, q),
                    accept=servers.JSON_RESULTS, args=args, timeout_s=args.scale_timeout)
                vinfo["memory"] = servers.process_memory(vserver._proc.pid)
                entry["virtuoso"] = vinfo
                if triples == max(args.sizes):
                    slowest = {name: max(q["p50_ms"], vinfo["queries"][name]["p50_ms"])
                               for name, q in entry["ours"]["queries"].items()}
                    entry["throughput"] = scale_throughput(dist, logs, vserver.sparql_url,
                                                           args, triples, slowest)
            finally:
                vserver.stop()
        shutil.rmtree(dist, ignore_errors=True)
        sizes.append(entry)
    return {"sizes": sizes, "timeout_s": args.scale_timeout}


# -- main ------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    work = args.work.resolve()
    shutil.rmtree(work, ignore_errors=True)
    logs = work / "logs"
    logs.mkdir(parents=True)
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict = {"machine": machine(), "errors": {},
                     "config": {k: (sorted(v) if isinstance(v, set) else v)
                                for k, v in vars(args).items()
                                if k not in ("out", "work")}}
    dist = work / "dist"

    def section(name: str, func, *a, **kw):
        if name in args.skip:
            log(f"{name}: skipped")
            return None
        log(f"{name} ...")
        t0 = time.perf_counter()
        try:
            value = func(*a, **kw)
        except Exception:  # noqa: BLE001 - one failed section must not lose the others
            results["errors"][name] = traceback.format_exc()
            log(f"{name} FAILED:\n{results['errors'][name]}")
            return None
        log(f"{name}: {time.perf_counter() - t0:.1f} s")
        return value

    results["build"] = section("build", bench_build, dist)
    if results["build"] is None:  # skipped or failed: serve the repository's dist/
        shutil.copytree(ROOT / "dist", dist, dirs_exist_ok=True)
    results["cold_start"] = section("cold", bench_cold_start, dist, logs, args.cold_starts)

    with_virtuoso = "virtuoso" not in args.skip
    vserver = None
    if with_virtuoso and "http" not in args.skip:
        try:
            vserver, vinfo = servers.start_virtuoso(
                dist, {DATA_GRAPH: dist / "ninek.nt", ONTOLOGY_GRAPH: dist / "ontology.nt"},
                number_of_buffers=10_000)
            results["virtuoso_real"] = vinfo
        except Exception:  # noqa: BLE001
            results["errors"]["virtuoso"] = traceback.format_exc()
            with_virtuoso = False
    try:
        results["http"] = section("http", bench_http, dist, logs, args,
                                  vserver.sparql_url if vserver else None)
    finally:
        if vserver is not None:
            vserver.stop()
    results["engine"] = section("engine", engines.compare, dist / "ninek.nt",
                                dist / "ontology.nt", budget_s=args.engine_budget)
    template = synthetic.Template(dist / "ninek.nt")
    results["scale"] = section("scale", bench_scale, template, dist / "ontology.nt", work, logs,
                               args, with_virtuoso)
    results["elapsed_s"] = time.perf_counter() - started
    results["loadavg_end"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])

    (args.out / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
    plots = report.plot(results, args.out)
    (args.out / "results.md").write_text(report.markdown(results, plots), encoding="utf-8")
    log(f"done in {results['elapsed_s']:.0f} s: {args.out / 'results.md'}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
