"""The web layer's security findings of issue 10, each on the real app and the real graph.

* links from data: only http(s) IRIs (and our own paths) become links, on every page type;
* headers: a strict Content-Security-Policy, X-Frame-Options, Referrer-Policy and nosniff on
  every HTML page (the reconciliation preview, made to be framed by OpenRefine, excepted
  from the framing rules only);
* caches never replay one client's query string to another;
* a forged Host never reaches a Location, a Link or a page when public_base is not set;
* one structured log line per refused, timed-out or crashed query;
* CSV formula injection: the W3C formats stay exact, the spreadsheet download is protected;
* huge numbers in reconciliation input, the Turtle Content-Type, and the request body cap.

The real gunicorn server of :func:`security_server` shows the log lines on its stderr and
what happens when a client goes away before its answer is ready.
"""

from __future__ import annotations

import html as htmllib
import json
import logging
import re
import shutil
import socket
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import requests

from ninek_graph.backend import DATA_GRAPH, ONTOLOGY_GRAPH, Term
from ninek_graph.results import parse_triples, serialize_triples
from tests.apps import make_app
from tests.live_server import free_port, start_server

BASE = "https://w3id.org/ninek/"
HTML = {"Accept": "text/html"}
SRJ = {"Accept": "application/sparql-results+json"}
TEXT = {"Accept": "text/plain"}
SECURITY = "ninek_graph.security"
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def app(dist_dir: Path):
    app, backend = make_app(dist_dir)
    yield app
    backend.close()


@pytest.fixture()
def client(app):
    return app.test_client()


# --- links from data -----------------------------------------------------------------------

UNSAFE = ["javascript:alert(1)", "JaVaScRiPt:alert(2)", "vbscript:msgbox(3)",
          "data:text/html;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==", "mailto:x@example.org",
          "file:///etc/passwd", "urn:x-evil:5"]


def link_targets(html: str) -> list[str]:
    """Every URL the page links, loads or posts to."""
    return [htmllib.unescape(m) for m in re.findall(r'\b(?:href|src|action)="([^"]*)"', html)]


def assert_safe_links(html: str, where: str) -> None:
    for target in link_targets(html):
        scheme = urlsplit(target).scheme.lower()
        assert scheme in ("", "http", "https"), f"{where}: unsafe link {target!r}"
        assert not target.lower().lstrip().startswith(("javascript", "vbscript", "data:")), (
            where, target)


def test_answer_table_links_only_http_iris(client):
    binds = " ".join(f"(<{iri}>)" for iri in UNSAFE)
    query = ("SELECT ?x WHERE { VALUES (?x) { " + binds
             + " (<https://example.org/ok>) (<http://example.org/ok>) "
               "(<https://w3id.org/ninek/project/geodata>) } }")
    response = client.get("/sparql", query_string={"query": query}, headers=HTML)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert_safe_links(html, "/sparql")
    for iri in UNSAFE:  # shown, as text
        assert htmllib.escape(iri, quote=True) in html or iri in html, iri
    assert 'href="https://example.org/ok"' in html and 'href="http://example.org/ok"' in html
    assert 'href="/project/geodata"' in html


def test_answer_table_of_a_canned_query_page_and_a_construct_links_safely(client):
    construct = ("CONSTRUCT { <https://w3id.org/ninek/project/geodata> "
                 "<javascript:alert(1)> <javascript:alert(2)> } WHERE {}")
    html = client.get("/sparql", query_string={"query": construct},
                      headers=HTML).get_data(as_text=True)
    assert "javascript:alert(2)" in html
    assert_safe_links(html, "CONSTRUCT")
    assert_safe_links(client.get("/queries/projects", headers=HTML).get_data(as_text=True),
                      "/queries/projects")


@pytest.fixture(scope="module")
def scripted_client(dist_dir: Path, tmp_path_factory):
    """A copy of the graph where unsafe IRIs are objects, predicates, types and subjects of
    statements about the entities the pages show."""
    dist = tmp_path_factory.mktemp("scripted")
    for name in ("ontology.nt", "manifest.json", "ninek.ttl", "ninek.jsonld"):
        shutil.copy(dist_dir / name, dist / name)
    triples = list(parse_triples((dist_dir / "ninek.nt").read_bytes(), "application/n-triples"))
    uri = lambda value: Term("uri", value)  # noqa: E731
    for n, entity in enumerate(["project/geodata", "municipality/re", "organisation/hve",
                                "grant/styringsmodeller-1", "concept/status/i-drift",
                                "dataset", "source/line/36"]):
        subject = uri(BASE + entity)
        for m, bad in enumerate(UNSAFE):
            triples += [
                (subject, uri("http://www.w3.org/2002/07/owl#sameAs"), uri(bad)),
                (subject, uri("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), uri(bad)),
                (subject, uri("http://xmlns.com/foaf/0.1/page"), uri(bad)),
                (subject, uri("http://www.w3.org/2004/02/skos/core#broader"), uri(bad)),
                (subject, uri(f"javascript:alert({n}{m})"), Term("literal", "x")),
                (uri(bad), uri("http://purl.org/dc/terms/relation"), subject),
            ]
    (dist / "ninek.nt").write_bytes(serialize_triples(triples, "application/n-triples"))
    from ninek_graph.app import create_app
    from ninek_graph.embedded import OxigraphBackend

    backend = OxigraphBackend.from_files(
        {DATA_GRAPH: dist / "ninek.nt", ONTOLOGY_GRAPH: dist / "ontology.nt"}, workers=1)
    yield create_app({"dist": str(dist)}, backend=backend).test_client()
    backend.close()


@pytest.mark.parametrize("path", [
    "/", "/project/geodata.html", "/municipality/re.html", "/organisation/hve.html",
    "/grant/styringsmodeller-1.html", "/concept/status/i-drift.html", "/dataset.html",
    "/source/line/36.html", "/search?q=geodata", "/search?q=re", "/quality", "/source",
    "/def.html", "/project/geodatta", "/reconcile/preview?id=project/geodata",
    "/reconcile/preview?id=municipality/re", "/queries/project-participants?project=Geodata",
])
def test_pages_link_only_http_iris_and_their_own_paths(scripted_client, path):
    response = scripted_client.get(path, headers=HTML)
    assert response.status_code in (200, 404), (path, response.status_code)
    html = response.get_data(as_text=True)
    assert_safe_links(html, path)


def test_scripted_iris_are_still_shown_as_text(scripted_client):
    html = scripted_client.get("/project/geodata.html", headers=HTML).get_data(as_text=True)
    assert "javascript:alert(1)" in html  # not hidden: shown, not linked
    assert 'href="javascript' not in html.lower()


# --- headers on every page ------------------------------------------------------------------

PAGES = ["/", "/project/geodata.html", "/municipality/re.html", "/search?q=geodata",
         "/sparql", "/sparql?query=" + quote("SELECT * WHERE { ?s ?p ?o } LIMIT 3"),
         "/queries", "/queries/projects", "/workbench", "/charts", "/def.html", "/quality",
         "/source", "/dataset.html", "/no/such/thing", "/queries/no-such-query",
         "/sparql?query=" + quote("SELECT WHERE {")]


def directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def assert_page_headers(response, where: str) -> None:
    policy = directives(response.headers.get("Content-Security-Policy", ""))
    assert policy.get("default-src") == ["'self'"], where
    assert "'unsafe-inline'" not in policy.get("script-src", ["missing"]), where
    assert "'unsafe-eval'" not in policy.get("script-src", []), where
    assert policy.get("script-src") == ["'self'"], where
    assert policy.get("object-src") == ["'none'"], where
    assert policy.get("base-uri") == ["'self'"], where
    assert policy.get("frame-ancestors") == ["'none'"], where
    assert policy.get("form-action") == ["'self'"], where
    assert "'unsafe-inline'" not in policy.get("style-src", []), where
    assert response.headers.get("X-Frame-Options") == "DENY", where
    assert response.headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where


@pytest.mark.parametrize("path", PAGES)
def test_every_html_page_has_the_security_headers(client, path):
    response = client.get(path, headers=HTML)
    assert response.mimetype == "text/html", path
    assert_page_headers(response, path)


def test_headers_survive_the_caches(client):
    for _ in range(3):  # the second and third come from the answer and response caches
        response = client.get("/project/geodata.html", headers=HTML)
        assert_page_headers(response, "cached entity page")


def test_the_reconciliation_preview_may_be_framed_but_runs_nothing(client):
    response = client.get("/reconcile/preview", query_string={"id": "project/geodata"})
    assert response.status_code == 200
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["style-src"] == ["'self'"]
    assert "script-src" not in policy  # default-src 'none': no script at all
    assert "X-Frame-Options" not in response.headers  # OpenRefine shows it in an iframe
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "<style" not in response.get_data(as_text=True)


def test_non_html_answers_carry_nosniff_and_referrer_policy(client):
    for path in ("/sparql?query=" + quote("ASK {}"), "/project/geodata.ttl", "/health"):
        response = client.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path


def test_the_workbench_editor_styles_are_allowed_by_a_nonce_used_once(client):
    """CodeMirror injects its styles in a <style> element; the page's policy admits it by a
    nonce that is new on every response, and the page is never stored by a cache."""
    first = client.get("/workbench", headers=HTML)
    second = client.get("/workbench", headers=HTML)
    nonces = []
    for response in (first, second):
        styles = directives(response.headers["Content-Security-Policy"])["style-src"]
        assert styles[0] == "'self'" and styles[1].startswith("'nonce-")
        nonce = styles[1][len("'nonce-"):-1]
        assert len(nonce) >= 16
        assert f'<meta name="ninek-csp-nonce" content="{nonce}">' in response.get_data(
            as_text=True)
        assert response.headers["Cache-Control"] == "no-store"
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


# --- caches and the request's query string -------------------------------------------------

@pytest.fixture(scope="module")
def cold_app(dist_dir: Path):
    """An application no other test has asked anything: its caches start empty."""
    app, backend = make_app(dist_dir)
    yield app
    backend.close()


@pytest.mark.parametrize("path", ["/", "/project/geodata.html", "/quality", "/source",
                                  "/def.html", "/dataset.html"])
def test_a_query_string_is_never_replayed_to_another_client(cold_app, path):
    """Client A asks first, with a query string of its own; client B then gets the page."""
    client = cold_app.test_client()
    first = client.get(path + "?utm_source=zq9marker&x=%22%3E", headers=HTML)
    assert first.status_code == 200
    second = client.get(path, headers=HTML)
    assert second.status_code == 200
    assert "zq9marker" not in second.get_data(as_text=True), path
    # and the page that was asked with it does not embed it either: it is cacheable
    assert "zq9marker" not in first.get_data(as_text=True), path


def test_the_language_switch_keeps_what_shapes_a_search_or_query_page(client):
    html = client.get("/search?q=geodata&lang=en", headers=HTML).get_data(as_text=True)
    switch = re.search(r'class="lang-switch" href="([^"]+)"', html).group(1)
    assert htmllib.unescape(switch) == "/search?q=geodata&lang=nb"
    html = client.get("/", headers=HTML).get_data(as_text=True)
    switch = re.search(r'class="lang-switch" href="([^"]+)"', html).group(1)
    assert switch == "/?lang=nb"


# --- Host -----------------------------------------------------------------------------------

FORGED = "evil.example"


def test_a_forged_host_reaches_no_location_link_or_page(client):
    response = client.get("/project/geodata", headers={"Host": FORGED, **HTML})
    assert response.status_code == 303
    assert response.headers["Location"] == "/project/geodata.html"
    for path, headers in [("/project/geodata.html", HTML), ("/project/geodata.ttl", {}),
                          ("/", HTML), ("/def.html", HTML), ("/graph", HTML),
                          ("/graph", {"Accept": "text/turtle"}), ("/dataset", HTML),
                          ("/reconcile", {}), ("/queries?format=json", {}),
                          ("/search?q=geodata&format=json", {}), ("/search?q=geodata", HTML),
                          ("/sparql", {"Accept": "text/turtle"}), ("/no/such/thing", TEXT),
                          ("/reconcile/preview?id=project/geodata", {})]:
        response = client.get(path, headers={"Host": FORGED, **headers})
        assert response.status_code in (200, 303, 404), (path, response.status_code)
        for name, value in response.headers.items():
            assert FORGED not in value, (path, name, value)
        assert FORGED not in response.get_data(as_text=True), path


def test_a_forged_forwarded_host_is_not_believed(client):
    response = client.get("/project/geodata", headers={
        "X-Forwarded-Host": FORGED, "Forwarded": f"host={FORGED}", **HTML})
    assert FORGED not in response.headers["Location"]


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost", "localhost:5000",
                                  "[::1]:8000", "127.0.0.1"])
def test_a_loopback_host_gets_absolute_urls(client, host):
    response = client.get("/project/geodata", headers={"Host": host, **HTML})
    assert response.headers["Location"] == f"http://{host}/project/geodata.html"


def test_public_base_wins_over_any_host(dist_dir, caplog):
    app, backend = make_app(dist_dir, public_base="https://kg.example.org/ninek/")
    try:
        client = app.test_client()
        for host in (FORGED, "127.0.0.1:8000"):
            response = client.get("/project/geodata", headers={"Host": host, **HTML})
            assert response.headers["Location"] == (
                "https://kg.example.org/ninek/project/geodata.html")
    finally:
        backend.close()


def test_without_public_base_the_app_warns_at_start(dist_dir, caplog):
    with caplog.at_level(logging.WARNING, logger="ninek_graph"):
        app, backend = make_app(dist_dir)
        backend.close()
    assert any("public_base" in r.getMessage() for r in caplog.records
               if r.levelno >= logging.WARNING)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="ninek_graph"):
        app, backend = make_app(dist_dir, public_base="https://kg.example.org/")
        backend.close()
    assert not any("public_base" in r.getMessage() for r in caplog.records)


# --- security log ----------------------------------------------------------------------------

def security_records(caplog) -> list[dict]:
    out = []
    for record in caplog.records:
        if record.name == SECURITY:
            out.append(json.loads(record.getMessage()))
    return out


@pytest.mark.parametrize("how,status,reason", [
    ("syntax", 400, "Syntax error"),
    ("update", 403, "read-only"),
    ("service", 400, "SERVICE"),
    ("body", 413, "at most"),
    ("params", 400, "parameters"),
])
def test_refused_queries_are_logged_once_each(client, caplog, how, status, reason):
    text = "SELECT * WHERE {\n ?s ?p \x1b[31m" + "x" * 500
    with caplog.at_level(logging.INFO, logger=SECURITY):
        if how == "syntax":
            response = client.get("/sparql", query_string={"query": text}, headers=TEXT)
        elif how == "update":
            response = client.post("/sparql", data={"update": "INSERT DATA {}"})
        elif how == "service":
            response = client.post("/sparql", data="SELECT * { SERVICE <http://x.example/> "
                                   "{ ?s ?p ?o } }",
                                   content_type="application/sparql-query")
        elif how == "body":
            response = client.post("/sparql", data=b"x" * (1024 * 1024 + 1),
                                   content_type="application/sparql-query")
        else:
            response = client.get("/queries/projects?" + "&".join(
                f"p{i}=1" for i in range(1000)))
    assert response.status_code == status
    records = security_records(caplog)
    assert len(records) == 1, records
    line = records[0]
    assert line["status"] == status and reason in line["reason"]
    assert line["client"] == "127.0.0.1"
    assert line["event"] in ("refused", "timeout", "error")
    assert len(line["query"]) <= 200
    if how == "syntax":
        assert line["query"].startswith("SELECT * WHERE {\\n ?s ?p \\u001b[31m")
        raw = caplog.records[-1].getMessage()
        assert "\n" not in raw and "\x1b" not in raw


def test_a_refused_canned_query_html_page_is_logged(client, caplog):
    with caplog.at_level(logging.INFO, logger=SECURITY):
        response = client.get("/queries/projects?nope=1", headers=HTML)
    assert response.status_code == 400
    records = security_records(caplog)
    assert len(records) == 1 and "unknown parameter" in records[0]["reason"]
    assert records[0]["query"].startswith("projects?nope=1")


def test_a_timed_out_query_is_logged(dist_dir, caplog):
    app, backend = make_app(dist_dir, query_timeout=0.5)
    try:
        with caplog.at_level(logging.INFO, logger=SECURITY):
            response = app.test_client().get("/sparql", query_string={"query": ENDLESS},
                                             headers=SRJ)
        assert response.status_code == 503
        records = security_records(caplog)
        assert len(records) == 1 and records[0]["event"] == "timeout"
        assert records[0]["query"] == ENDLESS
    finally:
        backend.close()


def test_an_unreachable_store_and_a_crash_are_logged(dist_dir, caplog):
    closed = free_port()  # nothing listens there
    from ninek_graph.app import create_app

    app = create_app({"dist": str(dist_dir), "endpoint": f"http://127.0.0.1:{closed}/sparql",
                      "query_timeout": 3})

    @app.get("/crash-for-test")
    def crash():
        raise RuntimeError("boom")

    client = app.test_client()
    with caplog.at_level(logging.INFO, logger=SECURITY):
        down = client.get("/sparql", query_string={"query": "ASK {}"}, headers=SRJ)
        crashed = client.get("/crash-for-test")
    assert down.status_code == 502 and crashed.status_code == 500
    records = security_records(caplog)
    assert [r["status"] for r in records] == [502, 500]
    assert [r["event"] for r in records] == ["error", "error"]


# --- CSV --------------------------------------------------------------------------------------

FORMULAS = ['=1+1', '+47 33 00 00 00', '-2+3', '@SUM(A1)', '\t=1', '\r=1', '-5', '+3.5',
            'plain', '=HYPERLINK("http://x.example/","click")']
FORMULA_QUERY = ("SELECT ?v ?n WHERE { VALUES (?v ?n) { "
                 + " ".join(f"({json.dumps(v)} {n})" for n, v in enumerate(FORMULAS))
                 + " (\"-7\" -7) } }")


def test_standard_csv_and_tsv_stay_exact(client):
    csv = client.get("/sparql", query_string={"query": FORMULA_QUERY, "format": "csv"})
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    text = csv.get_data(as_text=True)
    assert "\r\n=1+1,0\r\n" in text and "\r\n+47 33 00 00 00,1\r\n" in text
    assert not text.startswith("\ufeff")
    tsv = client.get("/sparql", query_string={"query": FORMULA_QUERY, "format": "tsv"})
    for line in tsv.get_data(as_text=True).splitlines()[1:]:
        for cell in line.split("\t"):
            # TSV writes literals in Turtle syntax: a cell can start with a formula character
            # only as a number, which a spreadsheet reads as a number
            if cell[:1] in "=+-@":
                assert re.fullmatch(r"[+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?", cell), cell


def test_spreadsheet_csv_neutralises_formulas(client):
    response = client.get("/sparql", query_string={"query": FORMULA_QUERY,
                                                   "format": "csv-spreadsheet"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="answer.csv"' in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")  # Excel reads UTF-8 (ø, æ, å) only with a BOM
    import csv
    import io

    rows = list(csv.reader(io.StringIO(body[1:], newline="")))
    values = [r[0] for r in rows[1:]]
    expected = ["'=1+1", "'+47 33 00 00 00", "'-2+3", "'@SUM(A1)", "'\t=1", "'\r=1", "-5",
                "+3.5", "plain", "'=HYPERLINK(\"http://x.example/\",\"click\")", "-7"]
    assert values == expected
    assert [r[1] for r in rows[1:]] == [str(n) for n in range(len(FORMULAS))] + ["-7"]


def test_canned_query_offers_the_spreadsheet_csv(client):
    response = client.get("/queries/projects?format=csv-spreadsheet")
    assert response.status_code == 200 and response.get_data(as_text=True).startswith(
        "\ufeffproject,")
    html = client.get("/queries/projects", headers=HTML).get_data(as_text=True)
    assert 'href="/queries/projects?format=csv-spreadsheet"' in html


# --- reconciliation numbers, Turtle Content-Type ----------------------------------------------

@pytest.mark.parametrize("queries", [
    '{"q0": {"query": "Re", "limit": 1%s}}' % ("0" * 5000),
    '{"q0": {"query": "Re", "properties": [{"pid": "year", "v": 1%s}]}}' % ("0" * 5000),
    '{"q0": {"query": "Re", "limit": -1%s}}' % ("0" * 5000),
])
def test_reconcile_huge_json_numbers_are_a_clear_400(client, queries):
    for response in (client.post("/reconcile", data={"queries": queries}),
                     client.get("/reconcile", query_string={"queries": queries})):
        assert response.status_code == 400
        message = response.get_json()["message"]
        assert "digits" in message and "set_int_max_str_digits" not in message
        assert "Exceeds the limit" not in message


@pytest.mark.parametrize("value", ["²", "١٢", "1" * 30, "0x10", " 7", "-1"])
def test_reconcile_suggest_odd_numbers(client, value):
    response = client.get("/reconcile/suggest/entity", query_string={"prefix": "Re",
                                                                     "limit": value})
    assert response.status_code in (200, 400), value
    if value in ("²", "١٢", "0x10", "-1"):
        assert response.status_code == 400
        assert "integer" in response.get_json()["message"]


@pytest.mark.parametrize("path", ["/download/ninek.ttl", "/download/ontology.ttl",
                                  "/project/geodata.ttl", "/def.ttl", "/graph.ttl",
                                  "/dataset.ttl", "/sparql?format=ttl",
                                  "/sparql?format=ttl&query=" + quote(
                                      "CONSTRUCT WHERE { ?s a ?o } LIMIT 1")])
def test_turtle_says_its_charset_once(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8", path


# --- request bodies -----------------------------------------------------------------------------

def test_a_body_over_the_cap_is_413_with_a_message(client):
    limit = 1024 * 1024
    for content_type, body in (("application/sparql-query", b"#" * (limit + 1)),
                               ("application/x-www-form-urlencoded",
                                b"query=" + b"x" * limit)):
        response = client.post("/sparql", data=body, content_type=content_type,
                               headers=TEXT)
        assert response.status_code == 413, content_type
        text = response.get_data(as_text=True)
        assert "1,048,576" in text and "max_request_kib" in text
    at_limit = client.post("/sparql", data=b"#" * limit,
                           content_type="application/sparql-query", headers=TEXT)
    assert at_limit.status_code == 400  # read, and refused for its length as a query
    assert "characters" in at_limit.get_data(as_text=True)
    big_form = client.post("/reconcile", data={"queries": "x" * (limit + 10)})
    assert big_form.status_code == 413


def test_max_request_kib_sets_the_cap(dist_dir):
    app, backend = make_app(dist_dir, max_request_kib=1)
    try:
        client = app.test_client()
        ok = client.post("/sparql", data=b"ASK {}" + b" " * (1024 - 6),
                         content_type="application/sparql-query", headers=SRJ)
        assert ok.status_code == 200
        over = client.post("/sparql", data=b"ASK {}" + b" " * (1024 - 5),
                           content_type="application/sparql-query", headers=TEXT)
        assert over.status_code == 413 and "1,024" in over.get_data(as_text=True)
    finally:
        backend.close()


# --- a real server: its log lines and clients that go away ----------------------------------

@pytest.fixture(scope="module")
def security_server(dist_dir: Path, tmp_path_factory):
    port = free_port()
    argv = [str(Path(sys.executable).parent / "ninek-graph"), "serve", "--host", "127.0.0.1",
            "--port", str(port)]
    env = {"NINEK_DIST": str(dist_dir), "NINEK_QUERY_TIMEOUT": "3",
           "NINEK_SERVER_WORKERS": "1", "NINEK_QUERY_WORKERS": "1", "PYTHONUNBUFFERED": "1"}
    server = start_server("security", argv, env, tmp_path_factory.mktemp("security"),
                          port=port)
    yield server
    server.stop()


def server_log_lines(server, event: str) -> list[dict]:
    out = []
    for line in server.log.read_text(encoding="utf-8", errors="replace").splitlines():
        if SECURITY in line and "{" in line:
            data = json.loads(line[line.index("{"):])
            if data.get("event") == event:
                out.append(data)
    return out


def test_the_server_writes_security_lines_to_stderr(security_server):
    url = security_server.url
    response = requests.get(url + "/sparql", params={"query": "SELECT ?x WHERE { ?x"},
                            headers=SRJ, timeout=30)
    assert response.status_code == 400
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not server_log_lines(security_server, "refused"):
        time.sleep(0.1)
    lines = server_log_lines(security_server, "refused")
    assert lines and lines[-1]["query"] == "SELECT ?x WHERE { ?x"
    assert lines[-1]["client"] == "127.0.0.1" and lines[-1]["path"] == "/sparql"


def test_an_answer_page_is_not_rendered_for_a_client_that_left(security_server):
    """A browser that asked for a large HTML answer and closed the connection before it was
    ready: the server sees the closed socket when the query is done and renders nothing."""
    from tests.test_caps import wide_query

    host, port = urlsplit(security_server.url).netloc.split(":")
    target = "/sparql?query=" + quote(wide_query(60, 30))
    request = (f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/html\r\n"
               "Connection: close\r\n\r\n").encode()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not server_log_lines(security_server,
                                                               "client_gone"):
        time.sleep(0.1)
    gone = server_log_lines(security_server, "client_gone")
    assert gone and gone[-1]["path"] == "/sparql"
    # and the server goes on answering
    assert requests.get(security_server.url + "/health", timeout=10).status_code == 200


# --- canonical IRIs that are not our own paths (issue 10, second review, finding 2) ---------

#: IRIs under the base whose remainder, put after a slash, would leave this site (or is no
#: path): each must link to its full https IRI, marked external, or be text.
NOT_OURS = [BASE + "/evil.example/x", BASE + "//evil.example/x", BASE + "javascript:alert(1)",
            BASE + "%09/evil"]


def test_own_path_accepts_only_relative_paths_of_ours():
    from ninek_graph.links import own_path

    assert own_path(BASE + "project/geodata") == "project/geodata"
    assert own_path(BASE + "def#Project") == "def#Project"
    assert own_path(BASE) == ""
    assert own_path(BASE + "source/line/36?x=a:b") == "source/line/36?x=a:b"
    for bad in ("/evil.example/x", "//evil.example/x", "\\evil.example", "\\/evil",
                "\t/evil.example", "a\\b", "x\n", "javascript:alert(1)", "http:evil"):
        assert own_path(BASE + bad) is None, bad
    assert own_path("https://example.org/project/geodata") is None


def test_a_canonical_iri_that_is_not_our_path_never_becomes_a_local_link(client):
    values = " ".join(f"(<{iri}>)" for iri in NOT_OURS)
    query = ("SELECT ?x WHERE { VALUES (?x) { " + values
             + " (<https://w3id.org/ninek/project/geodata>) } }")
    for path, params in (("/sparql", {"query": query}),
                         ("/sparql", {"query": "CONSTRUCT { <https://w3id.org/ninek//evil."
                                      "example/x> <https://w3id.org/ninek//evil.example/p> "
                                      "<https://w3id.org/ninek/project/geodata> } WHERE {}"})):
        html = client.get(path, query_string=params, headers=HTML).get_data(as_text=True)
        targets = link_targets(html)
        for target in targets:
            assert not target.startswith(("//", "/\\", "\\")), target
            assert not re.match(r"^/[\t\n\r]", target), target
        assert '<a href="https://w3id.org/ninek//evil.example/x" rel="external noopener">' in html
        assert 'href="/project/geodata"' in html
    table = client.get("/sparql", query_string={"query": query}, headers=HTML).get_data(
        as_text=True)
    assert '<a href="https://w3id.org/ninek///evil.example/x" rel="external noopener">' in table
    assert ('<a href="https://w3id.org/ninek/javascript:alert(1)" rel="external noopener">'
            in table)


def test_entity_page_links_map_only_our_own_paths(app):
    from ninek_graph.pages_view import href, local_href

    with app.test_request_context("/", base_url="http://127.0.0.1/"):
        assert local_href(BASE + "project/geodata") == "/project/geodata"
        assert local_href(BASE + "/evil.example/x") == BASE + "/evil.example/x"
        assert href(BASE + "/evil.example/x") == BASE + "/evil.example/x"
        assert href(BASE + "project/geodata") == "http://127.0.0.1/project/geodata"


# --- one rule for reconciliation numbers (finding 3) ----------------------------------------

@pytest.mark.parametrize("name", ["cursor", "limit"])
def test_reconcile_suggest_numbers_of_18_digits_are_read_and_19_refused(client, name):
    for service in ("entity", "type", "property"):
        at = client.get(f"/reconcile/suggest/{service}",
                        query_string={"prefix": "a", name: "9" * 18})
        assert at.status_code == 200, (service, name)
        past = client.get(f"/reconcile/suggest/{service}",
                          query_string={"prefix": "a", name: "9" * 19})
        assert past.status_code == 400, (service, name)
        message = past.get_json()["message"]
        assert "19 digits" in message and "at most 18" in message and name in message
    reported = client.get("/reconcile/suggest/entity",
                          query_string={"prefix": "a", "cursor": "9" * 23})
    assert reported.status_code == 400


@pytest.mark.parametrize("number, status", [
    ("9" * 18, 200), ("9" * 19, 400), ("-" + "9" * 18, 400), ("-" + "9" * 19, 400),
    ("1e17", 200), ("1e18", 400), ("99999999999999999999.5", 400)])
def test_reconcile_json_numbers_follow_the_same_rule(client, number, status):
    queries = '{"q0": {"query": "Re", "limit": ' + number + "}}"
    response = client.post("/reconcile", data={"queries": queries})
    assert response.status_code == status, (number, response.get_json())
    if status == 400:
        assert "digits" in response.get_json()["message"] or "positive" in (
            response.get_json()["message"])
    if number in ("9" * 19, "1e18", "-" + "9" * 19):
        assert "at most 18 digits" in response.get_json()["message"]


# --- a response that sets a cookie is never public (finding 4) ------------------------------

@pytest.mark.parametrize("path", ["/?lang=nb", "/?lang=en", "/project/geodata.html?lang=nb",
                                  "/queries?lang=nb", "/search?q=re&lang=nb"])
def test_a_response_setting_a_cookie_is_not_cacheable(dist_dir, path):
    app, backend = make_app(dist_dir)
    try:
        client = app.test_client(use_cookies=False)  # a new visitor each time
        cache = app.wsgi_app
        for _ in range(3):
            response = client.get(path, headers=HTML)
            assert response.status_code == 200
            assert "lang=" + path.split("lang=")[1] in response.headers["Set-Cookie"]
            control = response.headers["Cache-Control"]
            assert "public" not in control and "no-store" in control, control
        assert cache.hits == 0  # never kept: each of the three got its own cookie
        # without ?lang= the same page stays public and cacheable
        plain = client.get(path.split("?")[0] + ("?q=re" if "q=re" in path else ""),
                           headers=HTML)
        assert "Set-Cookie" not in plain.headers
    finally:
        backend.close()


def test_the_response_cache_refuses_private_and_no_store():
    from ninek_graph.lru import BoundedLRU
    from ninek_graph.response_cache import _storable

    lru: BoundedLRU = BoundedLRU(10, 1 << 20, len)
    ok = [("ETag", '"x"'), ("Content-Length", "3")]
    assert _storable("200 OK", ok + [("Cache-Control", "public, max-age=300")], lru)
    for control in ("private, max-age=300", "public, no-store", "no-store",
                    "public, private", "publicity"):
        assert not _storable("200 OK", ok + [("Cache-Control", control)], lru), control
    assert not _storable("200 OK", ok + [("Cache-Control", "public"),
                                         ("Set-Cookie", "a=b")], lru)


# --- every error page has its status's title (finding 5) ------------------------------------

@pytest.mark.parametrize("accept", ["text/html", "text/plain"])
def test_the_415_page_is_titled_unsupported_media_type(client, accept):
    response = client.post("/sparql", data=b"ASK {}", headers={
        "Content-Type": "text/plain", "Accept": accept})
    assert response.status_code == 415
    text = response.get_data(as_text=True)
    assert "415 Unsupported Media Type" in text and "415 Error" not in text
    assert "application/sparql-query" in text  # says what to send instead
    if accept == "text/html":
        assert "<title>415 Unsupported Media Type" in text


def test_no_error_status_is_titled_a_bare_error():
    from ninek_graph.errors import status_title

    for status in (400, 403, 404, 405, 406, 413, 415, 429, 500, 502, 503):
        assert status_title(status) != "Error", status
    assert status_title(413) == "Content Too Large"
