"""A query that never ends is stopped *at* the time limit: not before it, not long after.

This is the one place where a timing enters a pass/fail assertion, because the time is the
behaviour: ``query_timeout`` promises the client its 503 when the limit is reached. Other
tests prove that a runaway query is stopped eventually; only an upper bound proves it is
stopped on time (a deadline computed twice as long passed all of them). The bounds are
generous for a busy machine (half the limit again) and still well under twice the limit,
measured with a monotonic clock at three levels: the worker pool itself, the embedded store
on the real graph, and the real server over HTTP.
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from ninek_graph.backend import DATA_GRAPH, ONTOLOGY_GRAPH, QueryTimeout
from ninek_graph.workers import WorkerPool
from tests.live_server import LIVE_TIMEOUT_S

#: An 8-way cross product of the whole graph: at its size, it would run for years.
NEVER_ENDS = ("SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
              "?m ?n1 ?o . ?p ?q ?r . ?s ?t ?u . ?v ?w ?x }")
SLACK = 1.5  # the answer must come before limit * SLACK; a doubled deadline is limit * 2


def sleeper(payload: tuple) -> str:
    """Worker handler: sleep for the given seconds (the worker side of a query that hangs)."""
    time.sleep(payload[1])
    return "slept"


def timed(call) -> tuple[float, BaseException | None]:
    start = time.monotonic()
    try:
        call()
    except Exception as error:  # returned and checked by the caller
        return time.monotonic() - start, error
    return time.monotonic() - start, None


def assert_on_time(elapsed: float, limit: float) -> None:
    assert limit <= elapsed, f"stopped after {elapsed:.3f} s, before the limit of {limit} s"
    assert elapsed < limit * SLACK, (
        f"stopped after {elapsed:.3f} s: the limit is {limit} s (bound {limit * SLACK:.2f} s)")


@pytest.mark.parametrize("limit", [1.0, 2.0])
def test_the_pool_stops_a_hanging_worker_at_the_limit(limit):
    with WorkerPool(sleeper, size=1) as pool:
        assert pool.run(("sleep", 0), timeout=10) == "slept"  # forked and ready
        elapsed, error = timed(lambda: pool.run(("sleep", 3600), timeout=limit))
        assert isinstance(error, QueryTimeout), error
        assert f"time limit of {limit:g} s" in error.message
        assert_on_time(elapsed, limit)
        assert pool.run(("sleep", 0), timeout=10) == "slept"  # a fresh worker serves


def test_a_request_waiting_for_a_busy_pool_gives_up_at_the_limit():
    """The limit counts from the request, queue wait included."""
    with WorkerPool(sleeper, size=1) as pool:
        pool.run(("sleep", 0), timeout=10)
        busy = threading.Thread(target=lambda: timed(lambda: pool.run(("sleep", 2.5),
                                                                      timeout=10)))
        busy.start()
        time.sleep(0.2)
        elapsed, error = timed(lambda: pool.run(("sleep", 0), timeout=1.0))
        busy.join()
        assert isinstance(error, QueryTimeout) and "busy" in error.message, error
        assert_on_time(elapsed, 1.0)


@pytest.fixture(scope="module")
def backend(dist_dir: Path):
    from ninek_graph.embedded import OxigraphBackend

    store = OxigraphBackend.from_files(
        {DATA_GRAPH: dist_dir / "ninek.nt", ONTOLOGY_GRAPH: dist_dir / "ontology.nt"},
        workers=1)
    yield store
    store.close()


def test_the_embedded_store_stops_a_query_on_the_real_graph_at_the_limit(backend):
    assert backend.query("ASK { ?s ?p ?o }", timeout=30).boolean is True  # worker ready
    elapsed, error = timed(lambda: backend.query(NEVER_ENDS, timeout=1.0))
    assert isinstance(error, QueryTimeout), error
    assert_on_time(elapsed, 1.0)


@pytest.mark.slow
def test_the_server_answers_503_at_the_limit(live_url):
    """``ninek-graph serve`` with ``query_timeout`` = LIVE_TIMEOUT_S, over HTTP."""
    query = f"{NEVER_ENDS} # {uuid.uuid4()}"  # never seen before: no cache can answer
    start = time.monotonic()
    response = requests.get(live_url + "/sparql", params={"query": query},
                            headers={"Accept": "application/sparql-results+json"},
                            timeout=LIVE_TIMEOUT_S * 10)
    elapsed = time.monotonic() - start
    assert response.status_code == 503, response.text[:300]
    assert f"time limit of {LIVE_TIMEOUT_S:g} s" in response.text
    assert response.headers.get("Retry-After")
    assert_on_time(elapsed, LIVE_TIMEOUT_S)
