"""The whole-response cache in front of the application: a stored response is only ever
returned for a request that would have produced exactly it (real app, real graph)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.apps import make_app

CANNED = "/queries/municipality-projects?municipality=T%C3%B8nsberg&format=json"


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
        # another loopback name (a forged Host gets relative links: ninek_graph/origin.py)
        other_host = client.get("/project/geodata.html", base_url="http://127.0.0.1:8080")
        assert "http://127.0.0.1:8080/" in other_host.get_data(as_text=True)
        assert "http://127.0.0.1:8080/" not in nb.get_data(as_text=True)


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


def test_the_answer_cache_is_bounded_by_bytes_as_well_as_entries():
    from ninek_graph.answers import Answer, AnswerCache

    cache = AnswerCache(entries=100, max_bytes=1000)
    cache.put("big", Answer(b"x" * 251, "text/plain"))  # over a quarter of the budget
    assert cache.get("big") is None and cache.size_bytes == 0
    for n in range(5):
        cache.put(f"k{n}", Answer(b"x" * 250, "text/plain"))
    # Four fit; the fifth pushed out the least recently used.
    assert cache.get("k0") is None and cache.size_bytes == 1000
    assert all(cache.get(f"k{n}") is not None for n in range(1, 5))
    cache.put("k1", Answer(b"y" * 10, "text/plain"))  # replacing counts the new size only
    assert cache.size_bytes == 760 and cache.get("k1").body == b"y" * 10


def test_whole_responses_are_bounded_by_bytes(dist_dir):
    """With a 16 KiB budget only answers up to 4 KiB are kept, and never more than 16 KiB
    of them together."""
    app, backend = make_app(dist_dir, cache_mib=0)
    try:
        app.wsgi_app.max_bytes = 16 << 10  # below a MiB: the setting's unit is too coarse
        client = app.test_client()
        for name in ("savings", "hosts", "projects", "exclusions", "funding-by-funder",
                     "projects-by-start-year", "grants"):
            for _ in range(2):
                client.get(f"/queries/{name}?format=json")
        kept = [len(body) for _, _, body in app.wsgi_app._items.values()]
        assert kept and all(size <= 4 << 10 for size in kept)
        assert sum(kept) == app.wsgi_app._bytes <= 16 << 10
        large = client.get("/queries/projects?format=json")
        assert len(large.data) > 4 << 10 and ("/queries/projects" not in
                                              {k[2] for k in app.wsgi_app._items})
    finally:
        backend.close()
