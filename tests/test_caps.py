"""CPU outside the query time limit is capped (issue 10, finding 1), on the real graph.

Search cost grows with every word of ``q`` (each word is looked up in three spellings over
the whole index), the duplicate-parameter check of canned queries grew with the square of
the parameters, and an HTML answer page grew with every cell of the answer. Each is now
bounded: at most :data:`~ninek_graph.pages_search.MAX_WORDS` words are searched (the page
and the JSON say which were left out), ``q`` has at most
:data:`~ninek_graph.pages_search.MAX_QUERY_CHARS` characters, a request has at most
:data:`~ninek_graph.sparql_view.MAX_PARAMETERS` parameters, and an HTML answer shows the
rows that fit the ``html_max_cells`` budget, with a notice and links to the whole answer.

The time bounds below are generous upper bounds proving "no hang" (each case took 20 s to a
minute before); what is asserted exactly is the behaviour at and around each cap.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from ninek_graph.pages_search import MAX_QUERY_CHARS, MAX_WORDS
from ninek_graph.sparql_view import MAX_PARAMETERS
from tests.apps import make_app

HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}
#: Upper bound for a request that must not hang (the old code took 20-60 s for each case).
NO_HANG_S = 5.0


@pytest.fixture(scope="module")
def app(dist_dir: Path):
    app, backend = make_app(dist_dir)
    yield app
    backend.close()


@pytest.fixture()
def client(app):
    return app.test_client()


def timed(call):
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


# --- search ---------------------------------------------------------------------------------

def distinct_words(count: int) -> list[str]:
    """a, b, ... z, aa, bb, ...: distinct words, the first ones single letters, which occur
    everywhere (every word costs a scan of the index; a repeated word is searched once)."""
    return [chr(ord("a") + i % 26) * (1 + i // 26) for i in range(count)]


def test_search_caps_the_words_it_searches(client):
    words = distinct_words(100)
    assert len(" ".join(words)) <= MAX_QUERY_CHARS
    response, seconds = timed(lambda: client.get("/search", query_string={
        "q": " ".join(words), "format": "json"}))
    assert response.status_code == 200
    data = response.get_json()
    assert data["words_searched"] == MAX_WORDS
    assert data["words_ignored"] == 100 - MAX_WORDS
    assert str(MAX_WORDS) in data["notice"]
    assert seconds < NO_HANG_S


def test_a_thousand_word_search_is_refused_quickly(client):
    """The reported case: 1 000 words took 26-29 s; now the text is too long to read."""
    response, seconds = timed(lambda: client.get("/search", query_string={
        "q": " ".join(distinct_words(1000)), "format": "json"}))
    assert response.status_code == 400
    assert f"at most {MAX_QUERY_CHARS}" in response.get_data(as_text=True)
    assert seconds < NO_HANG_S


def test_search_at_the_word_cap_ignores_nothing(client):
    q = " ".join(["Tønsberg", "tonsberg", "toensberg", "tøns", "tons", "t", "tø", "ton",
                  "berg", "sberg"][:MAX_WORDS] + ["tønsberg"] * 5)  # repeats count once
    data = client.get("/search", query_string={"q": q, "format": "json"}).get_json()
    assert data["words_searched"] == MAX_WORDS and data["words_ignored"] == 0
    assert "notice" not in data
    assert data["results"][0]["iri"].endswith("municipality/tonsberg")


def test_search_one_word_past_the_cap_says_so_on_the_page(client):
    q = " ".join(["geodata", "geo", "g", "ge", "geod", "geoda", "geodat", "data", "odata",
                  "eodata"][:MAX_WORDS] + ["nothingmatchesthis"])
    response = client.get("/search", query_string={"q": q, "lang": "en"}, headers=HTML)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"Only the first {MAX_WORDS} words were searched" in html
    # the ignored word would have matched nothing: the search found Geodata all the same
    assert "/project/geodata" in html


def test_search_text_length_is_capped(client):
    at_cap = client.get("/search", query_string={"q": "a" * MAX_QUERY_CHARS,
                                                 "format": "json"})
    assert at_cap.status_code == 200
    past = client.get("/search", query_string={"q": "a" * (MAX_QUERY_CHARS + 1),
                                               "format": "json"})
    assert past.status_code == 400
    assert f"at most {MAX_QUERY_CHARS}" in past.get_data(as_text=True)
    html = client.get("/search", query_string={"q": "a " * MAX_QUERY_CHARS}, headers=HTML)
    assert html.status_code == 400 and "text/html" in html.content_type


def test_a_404_path_of_a_thousand_words_is_answered_quickly(client):
    path = "/" + "-".join(distinct_words(1000))
    response, seconds = timed(lambda: client.get(path, headers=HTML))
    assert response.status_code == 404
    assert seconds < NO_HANG_S
    path = "/" + "-".join(["geodata", "geo", "g", "ge", "geod", "geoda", "geodat", "data",
                           "odata", "eodata"] + distinct_words(990))
    response, seconds = timed(lambda: client.get(path, headers=HTML))
    assert response.status_code == 404 and "/project/geodata" in response.get_data(
        as_text=True)  # still suggests what the first words find
    assert seconds < NO_HANG_S


# --- parameters of canned queries -----------------------------------------------------------

def query_string(count: int, name: str = "p") -> str:
    return "&".join(f"{name}{i}=1" for i in range(count))


def test_thirty_thousand_parameters_are_refused_quickly(client):
    response, seconds = timed(lambda: client.get("/queries/projects?" + query_string(30_000),
                                                 headers={"Accept": "text/plain"}))
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert f"at most {MAX_PARAMETERS}" in text and "30,000" in text
    assert seconds < NO_HANG_S


def test_parameter_cap_boundary(client):
    """Exactly at the cap the parameters are read (and named as unknown); one more is
    refused for their number."""
    at_cap = client.get("/queries/projects?" + query_string(MAX_PARAMETERS),
                        headers={"Accept": "application/sparql-results+json"})
    assert at_cap.status_code == 400
    assert "unknown parameter" in at_cap.get_data(as_text=True)
    assert len(at_cap.get_data(as_text=True)) < 2000  # names a few, not all 400
    past = client.get("/queries/projects?" + query_string(MAX_PARAMETERS + 1),
                      headers={"Accept": "text/plain"})
    assert past.status_code == 400
    assert f"at most {MAX_PARAMETERS}" in past.get_data(as_text=True)


def test_duplicate_parameters_of_many_are_found(client):
    """The duplicate check counts once (linear): many distinct names and one repeated."""
    qs = query_string(MAX_PARAMETERS - 2) + "&municipality=Re&municipality=Re"
    response = client.get("/queries/municipality-projects?" + qs,
                          headers={"Accept": "text/plain"})
    assert response.status_code == 400
    assert "'municipality' is given more than once" in response.get_data(as_text=True)


def test_the_sparql_endpoint_has_the_same_parameter_cap(client):
    qs = "query=" + quote("ASK {}") + "&" + query_string(MAX_PARAMETERS)
    response = client.get("/sparql?" + qs, headers={"Accept": "text/plain"})
    assert response.status_code == 400
    assert f"at most {MAX_PARAMETERS}" in response.get_data(as_text=True)
    ok = client.get("/sparql?query=" + quote("ASK {}") + "&" + query_string(
        MAX_PARAMETERS - 1), headers={"Accept": "application/sparql-results+json"})
    assert ok.status_code == 200


# --- HTML answer pages ---------------------------------------------------------------------

def wide_query(rows_side: int = 100, columns: int = 40) -> str:
    """rows_side^2 rows of ``columns`` columns, made by the engine from nothing."""
    values = " ".join(str(i) for i in range(rows_side))
    binds = " ".join(f'BIND(CONCAT("c{i}-", STR(?a), "-", STR(?b)) AS ?v{i})'
                     for i in range(columns - 2))
    return f"SELECT * WHERE {{ VALUES ?a {{ {values} }} VALUES ?b {{ {values} }} {binds} }}"


def shown_rows(html: str) -> int:
    return len(re.findall(r"<tr><td>", html))


@pytest.mark.slow
def test_a_ten_thousand_by_forty_answer_page_is_bounded(client, app):
    budget = app.config["HTML_MAX_CELLS"]
    response, seconds = timed(lambda: client.get("/sparql", query_string={
        "query": wide_query()}, headers=HTML))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert shown_rows(html) == budget // 40
    assert f"first {budget // 40:,} of 10,000 rows" in html
    for fmt in ("csv", "json"):
        assert re.search(rf'href="/sparql\?query=[^"]+&amp;format={fmt}"', html), fmt
    assert seconds < 3 * NO_HANG_S  # the query itself and its JSON take about 2 s here


def test_cell_budget_boundary(dist_dir):
    """With a budget of 12 cells and 3 columns: 4 rows fit exactly, a fifth does not."""
    app, backend = make_app(dist_dir, html_max_cells=12)
    try:
        client = app.test_client()
        three = "SELECT ?a ?b ?c WHERE { VALUES ?a { %s } BIND(1 AS ?b) BIND(2 AS ?c) }"
        fits = client.get("/sparql", query_string={"query": three % "1 2 3 4"},
                          headers=HTML).get_data(as_text=True)
        assert shown_rows(fits) == 4 and "of 4 rows" not in fits
        over = client.get("/sparql", query_string={"query": three % "1 2 3 4 5"},
                          headers=HTML).get_data(as_text=True)
        assert shown_rows(over) == 4 and "first 4 of 5 rows" in over
        # a single row wider than the budget is still shown
        wide = client.get("/sparql", query_string={"query": wide_query(1, 20)},
                          headers=HTML).get_data(as_text=True)
        assert shown_rows(wide) == 1
        # canned query pages keep to the same budget, with links to the whole answer
        canned = client.get("/queries/projects", headers=HTML).get_data(as_text=True)
        assert 0 < shown_rows(canned) <= 12
        assert re.search(r"first \d+ of \d+ rows", canned)
        assert 'href="/queries/projects?format=csv"' in canned
        # so do CONSTRUCT answers (three columns: subject, predicate, object)
        graph = client.get("/sparql", query_string={
            "query": "CONSTRUCT WHERE { <https://w3id.org/ninek/project/geodata> ?p ?o }"},
            headers=HTML).get_data(as_text=True)
        assert shown_rows(graph) == 4 and re.search(r"first 4 of \d+ triples", graph)
    finally:
        backend.close()
