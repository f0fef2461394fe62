"""The embedded engine (pyoxigraph) against rdflib's default SPARQL engine, in process.

Both hold the same dumps (data and ontology; rdflib in one ``Graph``, pyoxigraph in two named
graphs queried as their union, as the server does), run the same canned queries with the same
parameters bound as terms (rdflib ``initBindings``, pyoxigraph ``substitutions``) and read
every row. Each query runs until ``budget_s`` is spent (at least ``min_reps`` times, at most
``max_reps``); the median is kept. No HTTP, no worker processes: the engines alone.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pyoxigraph as ox
import rdflib

from ninek_graph.backend import DATA_GRAPH, ONTOLOGY_GRAPH
from ninek_graph.results import term_to_oxigraph

from .servers import canned_queries, params_for


def _to_rdflib(term) -> rdflib.term.Node:
    if term.kind == "uri":
        return rdflib.URIRef(term.value)
    if term.lang:
        return rdflib.Literal(term.value, lang=term.lang)
    return rdflib.Literal(term.value, datatype=term.datatype)


def _median_time(run, *, budget_s: float, min_reps: int, max_reps: int) -> tuple[float, int, int]:
    times: list[float] = []
    rows = 0
    spent = 0.0
    while len(times) < max_reps and (len(times) < min_reps or spent < budget_s):
        started = time.perf_counter()
        rows = run()
        elapsed = time.perf_counter() - started
        times.append(elapsed)
        spent += elapsed
        if elapsed > budget_s:  # one slow run is enough
            break
    return statistics.median(times), len(times), rows


def compare(data: Path, ontology: Path, *, budget_s: float = 1.0, min_reps: int = 3,
            max_reps: int = 50) -> dict:
    started = time.perf_counter()
    store = ox.Store()
    store.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES,
                    to_graph=ox.NamedNode(DATA_GRAPH))
    store.bulk_load(path=str(ontology), format=ox.RdfFormat.N_TRIPLES,
                    to_graph=ox.NamedNode(ONTOLOGY_GRAPH))
    ox_load = time.perf_counter() - started
    started = time.perf_counter()
    graph = rdflib.Graph()
    graph.parse(str(data), format="nt")
    graph.parse(str(ontology), format="nt")
    rdflib_load = time.perf_counter() - started

    queries = {}
    for name, query in canned_queries().items():
        bindings = query.bindings(params_for(query))
        subs = {ox.Variable(k): term_to_oxigraph(v) for k, v in bindings.items()}
        init = {k: _to_rdflib(v) for k, v in bindings.items()}

        def run_ox(text=query.text, subs=subs) -> int:
            return sum(1 for _ in store.query(text, use_default_graph_as_union=True,
                                              substitutions=subs))

        def run_rdflib(text=query.text, init=init) -> int:
            return sum(1 for _ in graph.query(text, initBindings=init))

        run_ox()  # warm up (first query plans, page faults)
        ox_s, ox_reps, ox_rows = _median_time(run_ox, budget_s=budget_s, min_reps=min_reps,
                                              max_reps=max_reps)
        try:
            rl_s, rl_reps, rl_rows = _median_time(run_rdflib, budget_s=budget_s,
                                                  min_reps=min_reps, max_reps=max_reps)
        except Exception as error:  # noqa: BLE001 - rdflib's own failures are a result
            queries[name] = {"oxigraph_ms": ox_s * 1000, "oxigraph_rows": ox_rows,
                             "rdflib_error": f"{type(error).__name__}: {error}"}
            continue
        queries[name] = {"oxigraph_ms": ox_s * 1000, "rdflib_ms": rl_s * 1000,
                         "ratio": rl_s / ox_s, "oxigraph_rows": ox_rows, "rdflib_rows": rl_rows,
                         "reps": [ox_reps, rl_reps]}
    compared = [q for q in queries.values() if "ratio" in q]
    ratios = [q["ratio"] for q in compared]
    total_ox = sum(q["oxigraph_ms"] for q in compared)
    total_rl = sum(q["rdflib_ms"] for q in compared)
    return {
        "triples": len(store),
        "load_s": {"oxigraph": ox_load, "rdflib": rdflib_load},
        "queries": queries,
        "geomean_ratio": statistics.geometric_mean(ratios),
        "min_ratio": min(ratios),
        "total_ratio": total_rl / total_ox,
        "versions": {"pyoxigraph": ox.__version__, "rdflib": rdflib.__version__},
    }
