"""The whole-response cache in front of the application: a stored response is only ever
returned for a request that would have produced exactly it (real app, real graph)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ninek_graph.backend import DATA_GRAPH, ONTOLOGY_GRAPH

CANNED = "/queries/municipality-projects?municipality=T%C3%B8nsberg&format=json"


def make_app(dist: Path, **config):
    from ninek_graph.app import create_app
    from ninek_graph.embedded import OxigraphBackend

    backend = OxigraphBackend.from_files(
        {DATA_GRAPH: dist / "ninek.nt", ONTOLOGY_GRAPH: dist / "ontology.nt"}, workers=1)
    return create_app({"dist": str(dist), **config}, backend=backend), backend


@pytest.fixture(scope="module")
def app(dist_dir: Path):
    app, backend = make_app(dist_dir)
    yield app
    backend.close()


def layer(app):
    return app.wsgi_app


def test_a_repeated_request_gets_the_stored_response_byte_for_byte(app):
    client = app.test_client()
    first = client.get(CANNED)
    hits = layer(app).hits
    second = client.get(CANNED)
    assert layer(app).hits == hits + 1
    assert first.status_code == second.status_code == 200
    assert first.data == second.data and len(first.data) > 1000
    assert list(first.headers.items()) == list(second.headers.items())
    assert second.headers["ETag"] and second.headers["Cache-Control"].startswith("public")


def test_the_key_tells_formats_languages_and_hosts_apart(app):
    client = app.test_client()
    plain = "/queries/municipality-projects?municipality=T%C3%B8nsberg"
    for _ in range(2):  # the second round is answered by the layer
        as_json = client.get(plain, headers={"Accept": "application/sparql-results+json"})
        as_csv = client.get(plain, headers={"Accept": "text/csv"})
        assert as_json.content_type.startswith("application/sparql-results+json")
        assert as_csv.content_type.startswith("text/csv")
        nb = client.get("/project/geodata.html", headers={"Accept-Language": "nb"})
        en = client.get("/project/geodata.html", headers={"Accept-Language": "en"})
        assert 'lang="nb"' in nb.get_data(as_text=True)
        assert 'lang="en"' in en.get_data(as_text=True)
        other_host = client.get("/project/geodata.html", base_url="http://example.test")
        assert "http://example.test/" in other_host.get_data(as_text=True)
        assert "http://example.test/" not in nb.get_data(as_text=True)


def test_conditional_requests_go_to_the_application(app):
    client = app.test_client()
    etag = client.get(CANNED).headers["ETag"]
    client.get(CANNED)
    hits = layer(app).hits
    unchanged = client.get(CANNED, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and layer(app).hits == hits


def test_errors_cookies_and_posts_are_never_stored(app):
    for _ in range(2):
        client = app.test_client()  # no language cookie yet
        missing = client.get("/project/no-such-project.html")
        assert missing.status_code == 404
        switched = client.get("/project/geodata.html?lang=en")
        assert "lang=en" in switched.headers.get("Set-Cookie", "")
        posted = client.post("/sparql", data={"query": "ASK {}"},
                             headers={"Accept": "application/sparql-results+json"})
        assert posted.status_code == 200
    stored = {key[2] for key in layer(app)._items}
    assert "/project/no-such-project.html" not in stored
    assert not any(key[3] == "lang=en" for key in layer(app)._items)


def test_turned_off_with_the_answer_cache(dist_dir):
    app, backend = make_app(dist_dir, cache_entries=0)
    try:
        client = app.test_client()
        client.get(CANNED)
        client.get(CANNED)
        assert layer(app).hits == 0 and not layer(app)._items
    finally:
        backend.close()
