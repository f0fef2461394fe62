"""``results.md`` and the scale plot from the results of one run."""

from __future__ import annotations

import math
import statistics
from pathlib import Path

TARGETS = {
    "health_ratio": 0.9,
    "virtuoso_ratio_real": 4.0,
    "virtuoso_ratio_1m": 3.0,
    "engine_ratio": 30.0,
    "p50_1m_ms": 100.0,
    "memory_1m_bytes": 1 << 30,
}
MIB = 1 << 20


def _f(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def _ok(met: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "–"}[met]


def _health_rps(level: dict) -> float:
    return statistics.mean(h["rps"] for h in level["health"])


def _ratio(ours: float, theirs: float) -> float:
    """ours / theirs; infinite when the other server answered nothing in the measurement (a
    stalled Virtuoso under load did, at 32 clients), which the report shows as ``inf``."""
    return ours / theirs if theirs else math.inf


def http_ratios(http: dict) -> dict:
    """Per concurrency: query rps / health rps, ours / Virtuoso, uncached / Virtuoso."""
    out = {}
    for conc, level in http["levels"].items():
        per = {}
        for name, row in level["paths"].items():
            health = row["health"]["rps"] if "health" in row else _health_rps(level)
            ours = row["ours"]["rps"]
            entry = {"health": ours / health}
            if "virtuoso" in row:
                entry["virtuoso"] = _ratio(ours, row["virtuoso"]["rps"])
                if "uncached" in row:
                    entry["uncached_virtuoso"] = _ratio(row["uncached"]["rps"],
                                                        row["virtuoso"]["rps"])
            if "uncached" in row:
                entry["uncached_health"] = row["uncached"]["rps"] / health
            per[name] = entry
        out[conc] = per
    return out


def _spread(values: list[float]) -> str:
    if not values:
        return "–"
    return (f"min {min(values):.2f}, median {statistics.median(values):.2f}, "
            f"max {max(values):.2f}")


def _largest(scale: dict | None) -> dict | None:
    if not scale or not scale.get("sizes"):
        return None
    return max(scale["sizes"], key=lambda s: s["triples"])


def summary_rows(results: dict) -> list[tuple[str, str, str, str]]:
    rows = []
    http = results.get("http")
    if http:
        ratios = http_ratios(http)
        for conc, per in ratios.items():
            canned = {k: v["health"] for k, v in per.items() if not k.startswith("entity")}
            below = [f"{k} {v:.2f}" for k, v in sorted(canned.items(), key=lambda kv: kv[1])
                     if v < TARGETS["health_ratio"]]
            rows.append((f"canned query (cached) throughput / `/health`, {conc} client(s)",
                         f">= {TARGETS['health_ratio']}",
                         _spread(list(canned.values()))
                         + (f"; {len(canned) - len(below)} of {len(canned)} at target"
                            + (f"; below: {', '.join(below)}" if below else "")),
                         _ok(not below) if canned else "–"))
        for conc, per in ratios.items():
            entity = [v["health"] for k, v in per.items() if k.startswith("entity")]
            if entity:
                rows.append((f"entity page throughput / `/health`, {conc} client(s)",
                             f">= {TARGETS['health_ratio']}", f"{entity[0]:.2f}",
                             _ok(entity[0] >= TARGETS["health_ratio"])))
        for conc, per in ratios.items():
            v = [x["virtuoso"] for x in per.values() if "virtuoso" in x]
            if v:
                rows.append((f"ours (cached) / Virtuoso throughput, real data, {conc} client(s)",
                             f">= {TARGETS['virtuoso_ratio_real']}", _spread(v),
                             _ok(min(v) >= TARGETS["virtuoso_ratio_real"])))
        for conc, per in ratios.items():
            v = [x["uncached_virtuoso"] for x in per.values() if "uncached_virtuoso" in x]
            if v:
                rows.append((f"ours **uncached** / Virtuoso throughput, real data, "
                             f"{conc} client(s)", "(for information)", _spread(v), "–"))
    engine = results.get("engine")
    if engine:
        rows.append(("engine: rdflib time / pyoxigraph time, same queries, real data",
                     f">= {TARGETS['engine_ratio']:g}",
                     f"geometric mean {engine['geomean_ratio']:.0f}x, min "
                     f"{engine['min_ratio']:.0f}x, total time {engine['total_ratio']:.0f}x",
                     _ok(engine["min_ratio"] >= TARGETS["engine_ratio"])))
    largest = _largest(results.get("scale"))
    if largest:
        n = f"{largest['triples']:,} triples"
        ours = largest["ours"]["queries"]
        p50 = {k: v["p50_ms"] for k, v in ours.items()}
        slow = sorted((k for k, v in ours.items()
                       if v["timed_out"] or v["p50_ms"] > TARGETS["p50_1m_ms"]),
                      key=lambda k: -p50[k])
        worst = max(p50, key=lambda k: p50[k])
        over = ", ".join(f"{k} {_p50_text(ours[k])}" for k in slow) or "none"
        rows.append((f"every canned query p50 (uncached, HTTP), {n}",
                     f"<= {TARGETS['p50_1m_ms']:g} ms",
                     f"{len(ours) - len(slow)} of {len(ours)} within; worst {worst} "
                     f"{_p50_text(ours[worst])}; over: {over}", _ok(not slow)))
        memory = largest["ours"]["memory"]["pss"]
        rows.append((f"server memory (PSS of the whole process tree), {n}", "<= 1 GiB",
                     f"{memory / MIB:,.0f} MiB ({largest['ours']['memory']['processes']} "
                     "processes)", _ok(memory <= TARGETS["memory_1m_bytes"])))
        if "throughput" in largest:
            ratios = throughput_ratios(largest["throughput"])
            clients = largest["throughput"]["clients"]
            rows.append((f"ours (cached) / Virtuoso throughput, {clients} clients, {n}",
                         f">= {TARGETS['virtuoso_ratio_1m']:g}",
                         _spread(list(ratios.values())),
                         _ok(min(ratios.values()) >= TARGETS["virtuoso_ratio_1m"])))
        if "virtuoso" in largest:
            ratios = scale_ratios(largest)
            if ratios:
                rows.append((f"Virtuoso p50 / ours p50 (both **uncached**, 1 client), {n}",
                             "(for information)", _spread(list(ratios.values())), "–"))
    return rows


def _p50_text(q: dict) -> str:
    if q["timed_out"]:
        return f"timed out (status {q['status']}, >= {q['p50_ms'] / 1000:.0f} s)"
    return f"{q['p50_ms']:,.0f} ms"


def throughput_ratios(throughput: dict) -> dict[str, float]:
    """Per canned query: our requests/s over Virtuoso's (inf when Virtuoso finished none)."""
    out = {}
    for name, pair in throughput["queries"].items():
        v = pair["virtuoso"]
        # Virtuoso finished none in the load: count one, a lower bound of the ratio.
        theirs = v["rps"] if v["requests"] else 1 / v["seconds"]
        out[name] = pair["ours"]["rps"] / theirs
    return out


def scale_ratios(size: dict) -> dict[str, float]:
    """Virtuoso p50 / ours p50 per query where both answered in time."""
    out = {}
    for name, ours in size["ours"]["queries"].items():
        theirs = size.get("virtuoso", {}).get("queries", {}).get(name)
        if theirs and not ours["timed_out"] and not theirs["timed_out"]:
            out[name] = theirs["p50_ms"] / ours["p50_ms"]
    return out


def markdown(results: dict, plots: list[str]) -> str:
    m = results["machine"]
    out = [
        "# Benchmark results",
        "",
        f"Written by `.venv/bin/python -m bench` on {m['date']} at commit `{m['commit']}`; "
        f"the whole run took {results['elapsed_s'] / 60:.1f} min"
        + (f" (the working tree also had uncommitted changes to {', '.join(m['uncommitted'])}"
           ", being written by others at the time)" if m.get("uncommitted") else "")
        + ". Everything below was "
        "measured in this one run, side by side, and is reported as ratios where it is "
        "compared: absolute figures move with the machine, ratios much less.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        f"| CPU | {m['nproc']} x {m['cpu']} |",
        f"| memory | {m['memory_gib']} GiB |",
        f"| system | {m['os']}, Linux {m['kernel']} |",
        f"| Python | {m['python']} |",
        "| packages | " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()) + " |",
        f"| Virtuoso | {m['virtuoso']} (Debian package) |",
        f"| HTTP load client | {m['http_client']} |",
        f"| load average (1, 5, 15 min) at start / end | {m.get('loadavg', '?')} / "
        f"{results.get('loadavg_end', '?')} |",
        "",
        "## Against the targets",
        "",
        "| measure | target | measured | met |",
        "|---|---|---|---|",
    ]
    out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in summary_rows(results)]
    out += ["", *_build_section(results), *_http_section(results), *_engine_section(results),
            *_scale_section(results, plots), *_method(results)]
    if results.get("errors"):
        out += ["", "## Errors in this run", ""]
        for name, text in results["errors"].items():
            out += [f"### {name}", "", "```", text.strip(), "```", ""]
    return "\n".join(out) + "\n"


def _build_section(results: dict) -> list[str]:
    out = []
    build = results.get("build")
    if build:
        out += ["## Build and validation of the real graph", "",
                f"`ninek-graph build`: **{build['build_s']:.1f} s** for {build['triples']:,} "
                f"triples (+{build['ontology_triples']:,} ontology); `ninek-graph validate` "
                f"(pySHACL, project shapes and DCAT-AP-NO): **{build['validate_s']:.1f} s**, "
                f"exit {build['validate_exit']}"
                + (f" ({build['validate_summary'][0]})" if build["validate_summary"] else "")
                + ". Wall times of the commands, interpreter start included.", ""]
    cold = results.get("cold_start")
    if cold:
        runs = ", ".join(f"{r['health_s']:.2f}/{r['query_s']:.2f}" for r in cold["runs"])
        out += ["## Cold start", "",
                f"`ninek-graph serve` spawned on a built `dist/` until the first 200: "
                f"`/health` after **{cold['health_s']:.2f} s**, then the first canned query "
                f"(`{cold['query']}`, uncached, a query worker forked on demand) after "
                f"**{cold['query_s']:.2f} s** from the spawn (median of {len(cold['runs'])}; "
                f"each run health/query: {runs} s)."
                + (" A run rebuilt dist/ (stale): its time includes the build."
                   if any(r["rebuilt"] for r in cold["runs"]) else ""), ""]
    return out


def _http_section(results: dict) -> list[str]:
    http = results.get("http")
    if not http:
        return []
    out = ["## HTTP on the real data", "",
           "Each row is one load of the given length at the given number of keep-alive "
           "clients, on 127.0.0.1. *ours* is `ninek-graph serve` with its default settings "
           "(gunicorn 2 workers x 4 threads, answer cache on: a repeated request is answered "
           "by the whole-response cache in front of Flask, `ninek_graph/response_cache.py`, "
           "while `/health` is an ordinary Flask route); *uncached* is the same with "
           "`NINEK_CACHE_ENTRIES=0` (both caches off: every request is routed by Flask and "
           "runs the query in a worker process); "
           "*Virtuoso* is Virtuoso's own `/sparql` with the same query text, parameters bound "
           "by a VALUES block, `default-graph-uri` naming both published graphs. Throughput "
           "in requests/s, latency p50/p99 in ms.", ""]
    entity = http["entity"]
    if entity.get("redirects"):
        out += [f"Entity page: {', '.join(entity['redirects'])} -> `{entity['path']}` "
                f"({entity['status']}, {entity['bytes']:,} bytes of {entity['content_type']});"
                " the final page is measured.", ""]
    if entity["status"] != 200:
        out += [f"The entity page `{entity['path']}` answered {entity['status']} at this "
                "commit (no entity pages yet), so it is not measured.", ""]
    ratios = http_ratios(http)
    for conc, level in http["levels"].items():
        health = [h["rps"] for h in level["health"]]
        out += [f"### {conc} client(s)", "",
                f"`/health` over the block: {min(health):,.0f} to {max(health):,.0f} req/s "
                f"(median {statistics.median(health):,.0f}), p50 "
                f"{statistics.median(h['p50_ms'] for h in level['health']):.2f} ms: how much "
                "the machine itself moved during the block.", "",
                "| path | ours req/s | p50 / p99 | health req/s | ours / health | "
                "Virtuoso req/s | p50 / p99 | ours / Virtuoso | uncached req/s | "
                "uncached / Virtuoso | errors |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for name, row in level["paths"].items():
            r = ratios[conc][name]
            ours, virt, unc = row["ours"], row.get("virtuoso"), row.get("uncached")
            errors = sum(x["errors"] for x in (ours, virt, unc) if x)
            row_health = row["health"]["rps"] if "health" in row else statistics.mean(health)
            out.append(
                f"| {name} | {ours['rps']:,.0f} | {ours['p50_ms']:.2f} / {ours['p99_ms']:.2f} "
                f"| {row_health:,.0f} | {r['health']:.2f} | "
                + (f"{virt['rps']:,.0f} | {virt['p50_ms']:.2f} / {virt['p99_ms']:.2f} | "
                   f"{r['virtuoso']:.1f} | " if virt else "– | – | – | ")
                + (f"{unc['rps']:,.0f} | " if unc else "– | ")
                + (f"{r['uncached_virtuoso']:.1f} | " if "uncached_virtuoso" in r else "– | ")
                + f"{errors} |")
        out.append("")
    sanity = http["sanity"]
    mismatched = [k for k, v in sanity.items()
                  if "virtuoso_rows" in v and v["virtuoso_rows"] != v["rows"]]
    out += ["Answers checked before measuring: every canned query answered 200 with "
            + ("the same number of rows on both servers." if not mismatched else
               "rows; row counts differ for " + ", ".join(
                   f"{k} (ours {sanity[k]['rows']}, Virtuoso {sanity[k]['virtuoso_rows']})"
                   for k in mismatched) + "."), ""]
    memory = http["memory"]
    out += [f"Memory of the serving process tree after the runs: PSS {memory['pss'] / MIB:.0f} "
            f"MiB over {memory['processes']} processes (RSS sum {memory['rss_sum'] / MIB:.0f} "
            "MiB counts the shared store once per process).", ""]
    return out


def _engine_section(results: dict) -> list[str]:
    e = results.get("engine")
    if not e:
        return []
    out = ["## Engine: pyoxigraph against rdflib, in process", "",
           f"The same {e['triples']:,} quads; load: pyoxigraph {e['load_s']['oxigraph']:.2f} s, "
           f"rdflib {e['load_s']['rdflib']:.2f} s. Median time per query (every row read; "
           f"pyoxigraph {e['versions']['pyoxigraph']}, rdflib {e['versions']['rdflib']}).", "",
           "| query | pyoxigraph ms | rdflib ms | rdflib / pyoxigraph | rows |",
           "|---|---:|---:|---:|---:|"]
    for name, q in e["queries"].items():
        if "rdflib_error" in q:
            out.append(f"| {name} | {q['oxigraph_ms']:.2f} | fails: {q['rdflib_error']} | – | "
                       f"{q['oxigraph_rows']} |")
            continue
        rows = str(q["oxigraph_rows"]) if q["oxigraph_rows"] == q["rdflib_rows"] else \
            f"{q['oxigraph_rows']} vs {q['rdflib_rows']}"
        out.append(f"| {name} | {q['oxigraph_ms']:.2f} | {q['rdflib_ms']:.1f} | "
                   f"{q['ratio']:.0f}x | {rows} |")
    failed = [k for k, q in e["queries"].items() if "rdflib_error" in q]
    out += ["", f"Geometric mean {e['geomean_ratio']:.0f}x, smallest {e['min_ratio']:.0f}x, "
            f"all queries together {e['total_ratio']:.0f}x"
            + (f", over the queries both engines answer (rdflib fails on {', '.join(failed)})"
               if failed else "") + ".", ""]
    return out


def _scale_section(results: dict, plots: list[str]) -> list[str]:
    scale = results.get("scale")
    if not scale:
        return []
    sizes = scale["sizes"]
    out = ["## Scale: synthetic graphs of the same shape", "",
           "`bench/synthetic.py` copies every entity of the real graph (projects, "
           "participations, grants, savings, municipalities with memberships and identifiers, "
           "organisations, links, ...) under new IRIs with unique labels and numbers, varied "
           "amounts and shifted years; shared vocabulary (roles, categories, the ontology) is "
           "not copied. The first copy is the real graph, so the real parameters select what "
           "they select on the real data among many more entities. Both servers run uncached "
           f"with a {scale['timeout_s']} s query limit; one client, sequential requests, "
           "p50 over the samples.", ""]
    for name in plots:
        out += [f"![scale curve]({name})", ""]
    header = "| | " + " | ".join(f"{s['triples']:,}" for s in sizes) + " |"
    out += [header, "|---|" + "---:|" * len(sizes)]
    out.append("| copies of the real graph | " + " | ".join(
        f"{s['copies']:.1f}" for s in sizes) + " |")
    out.append("| ours: spawn to ready (load included), s | " + " | ".join(
        f"{s['ours']['ready_s']:.1f}" for s in sizes) + " |")
    out.append("| ours: memory PSS after the queries, MiB | " + " | ".join(
        f"{s['ours']['memory']['pss'] / MIB:,.0f}" for s in sizes) + " |")
    out.append("| ours: master RSS, MiB | " + " | ".join(
        f"{s['ours']['memory']['leader_rss'] / MIB:,.0f}" for s in sizes) + " |")
    if all("virtuoso" in s for s in sizes):
        out.append("| Virtuoso: load (TTLP_MT + checkpoint), s | " + " | ".join(
            f"{s['virtuoso']['load_s']:.1f}" for s in sizes) + " |")
        out.append("| Virtuoso: RSS after the queries, MiB | " + " | ".join(
            f"{s['virtuoso']['memory']['rss_sum'] / MIB:,.0f}" for s in sizes) + " |")
    out += ["", "p50 latency in ms, ours / Virtuoso (rows of our answer; answers are cut at "
            "10,000 rows by both servers):", "",
            header, "|---|" + "---:|" * len(sizes)]
    names = list(sizes[0]["ours"]["queries"])
    for name in names:
        cells = []
        for s in sizes:
            ours = s["ours"]["queries"][name]
            theirs = s.get("virtuoso", {}).get("queries", {}).get(name)
            text = _cell(ours)
            if theirs:
                text += " / " + _cell(theirs)
            text += f" ({ours['rows']})" if ours["rows"] is not None else ""
            cells.append(text)
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    out.append("")
    largest = _largest(scale)
    if largest and "throughput" in largest:
        t = largest["throughput"]
        out += [f"Throughput at {largest['triples']:,} triples, {t['clients']} keep-alive "
                "clients, 2 to 20 s per query (long enough for several rounds of the slower "
                "server), interleaved: ours as it is run (answer cache on: "
                "after the first request a canned query is answered from memory) and "
                "Virtuoso, which evaluates every request. The latency table above is the "
                "engines' own speed; this one is what repeated use of a canned query "
                "costs.", "",
                "| query | ours req/s | p50 ms | Virtuoso req/s | p50 ms | ours / Virtuoso "
                "| errors (ours / Virtuoso) |", "|---|---:|---:|---:|---:|---:|---:|"]
        ratios = throughput_ratios(t)
        for name, pair in t["queries"].items():
            o, v = pair["ours"], pair["virtuoso"]
            bound = "" if v["requests"] else ">= "  # Virtuoso finished none
            out.append(f"| {name} | {o['rps']:,.0f} | {o['p50_ms']:.2f} | {v['rps']:,.1f} | "
                       f"{v['p50_ms']:.1f} | {bound}{ratios[name]:,.0f} | {o['errors']} / "
                       f"{v['errors']} |")
        out.append("")
    return out


def _cell(q: dict) -> str:
    if q["timed_out"]:
        return f"timeout ({q['status']})"
    return f"{q['p50_ms']:,.1f}"


def _method(results: dict) -> list[str]:
    c = results["config"]
    return [
        "## How it was measured", "",
        f"- HTTP loads: {c['rounds']} interleaved rounds of `/health`, ours and Virtuoso, "
        f"{c['duration']:g} s each, at {c['concurrency']} clients, with the client named above "
        "(threads: min(2, clients)); each ratio compares the rounds of the same path, measured "
        "seconds apart. Our servers and Virtuoso ran at the same time on the same cores; the "
        "load client too. Other work on the machine moves the absolute figures (see the "
        "`/health` spread per block).",
        "- Virtuoso: Debian's package, a fresh database per run (`bench/servers.py`), HTTP "
        "threads and client connections raised from 10 to 40 so 32 clients are served rather "
        "than queued; buffers 10,000 pages for the real data, about triples/4 at scale.",
        "- Memory: PSS summed over the server's process group (gunicorn master, workers and "
        "their forked query processes share the loaded store copy-on-write; PSS counts a shared "
        "page once). Virtuoso: its RSS.",
        f"- Scale samples per query: at least {c['scale_min_reps']}, up to "
        f"{c['scale_max_reps']} or {c['scale_budget']:g} s; a query over the time limit is "
        "reported as a timeout after one sample.",
        "- Sizes, durations and sections are options of `python -m bench` (`--help`).",
        "",
    ]


def plot(results: dict, out_dir: Path) -> list[str]:
    scale = results.get("scale")
    if not scale or not scale.get("sizes"):
        return []
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    sizes = sorted(scale["sizes"], key=lambda s: s["triples"])
    xs = [s["triples"] for s in sizes]
    names = list(sizes[0]["ours"]["queries"])
    fig, axes = plt.subplots(1, 3, figsize=(17, 5.5))
    cmap = plt.get_cmap("tab20")
    limit_ms = scale["timeout_s"] * 1000
    for panel, (key, title) in enumerate((("ours", "ninek-graph (pyoxigraph), uncached"),
                                          ("virtuoso", "Virtuoso /sparql"))):
        ax = axes[panel]
        if not all(key in s for s in sizes):
            ax.set_visible(False)
            continue
        for i, name in enumerate(names):
            qs = [(s[key]["queries"] if key == "virtuoso" else s["ours"]["queries"])[name]
                  for s in sizes]
            ys = [limit_ms if q["timed_out"] else q["p50_ms"] for q in qs]
            ax.plot(xs, ys, marker="o", color=cmap(i % 20), label=name)
            for x, q in zip(xs, qs, strict=True):
                if q["timed_out"]:
                    ax.plot([x], [limit_ms], marker="x", color="red", markersize=10)
        ax.axhline(TARGETS["p50_1m_ms"], color="black", linestyle="--", linewidth=1)
        ax.text(xs[0], TARGETS["p50_1m_ms"] * 1.1, "100 ms target", fontsize=8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("triples")
        ax.set_ylabel("p50 latency, ms (x: stopped at the time limit)")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=7, loc="upper left")
    if all("virtuoso" in s for s in sizes) and axes[1].get_visible():
        lo = min(axes[0].get_ylim()[0], axes[1].get_ylim()[0])
        hi = max(axes[0].get_ylim()[1], axes[1].get_ylim()[1])
        axes[0].set_ylim(lo, hi)
        axes[1].set_ylim(lo, hi)
    ax = axes[2]
    ax.plot(xs, [s["ours"]["memory"]["pss"] / MIB for s in sizes], marker="o",
            label="ours: memory PSS (MiB)")
    if all("virtuoso" in s for s in sizes):
        ax.plot(xs, [s["virtuoso"]["memory"]["rss_sum"] / MIB for s in sizes], marker="s",
                label="Virtuoso: RSS (MiB)")
    ax.axhline(1024, color="black", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlabel("triples")
    ax.set_ylabel("MiB")
    ax.grid(True, which="both", alpha=0.3)
    ax2 = ax.twinx()
    ax2.plot(xs, [s["ours"]["ready_s"] for s in sizes], marker="^", color="green",
             linestyle=":", label="ours: spawn to ready (s)")
    if all("virtuoso" in s for s in sizes):
        ax2.plot(xs, [s["virtuoso"]["load_s"] for s in sizes], marker="v", color="purple",
                 linestyle=":", label="Virtuoso: load (s)")
    ax2.set_ylabel("seconds")
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], fontsize=8, loc="upper left")
    ax.set_title("memory and load time")
    fig.suptitle(f"Scale curve ({results['machine']['nproc']} cores, "
                 f"{results['machine']['date']})")
    fig.tight_layout()
    names_out = []
    for ext in ("png", "svg"):
        fig.savefig(out_dir / f"scale.{ext}", dpi=110)
        names_out.append(f"scale.{ext}")
    plt.close(fig)
    return names_out[:1]
