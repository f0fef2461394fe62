"""The query workbench and the charts, through Flask's test client, and the offline promise.

Pages render with what they promise (editor form that works without JavaScript, prefixes,
the canned-query gallery, one section per chart with its query), the assets they name are
served from this server with the right content types, and no template or static file makes
the browser fetch anything from another host: no ``src``/stylesheet ``href`` to an absolute
URL, no ``fetch()``/``import``/worker/CSS ``url()`` to one. Absolute IRIs that are only data
(vocabulary namespaces such as ``https://w3id.org/ninek/def#``, the SVG namespace) are
allowed and listed, so a new one has to be looked at.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ninek_graph import canned
from ninek_graph.backend import DATA_GRAPH, ONTOLOGY_GRAPH
from ninek_graph.embedded import OxigraphBackend
from ninek_graph.execute import PREFIXES
from ninek_graph.paths import ROOT, WEB_DIR
from ninek_graph.workbench_view import CHARTS, example_value

STATIC = WEB_DIR / "static"
TEMPLATES = WEB_DIR / "templates"
VENDOR = STATIC / "vendor"
OUR_JS = sorted((STATIC / "js").glob("*.js"))

#: Absolute IRIs that may appear in static files as data, never as a request target.
DATA_IRI_PREFIXES = (
    "http://www.w3.org/2000/svg",  # createElementNS namespace
    "http://www.w3.org/1999/xhtml",
    "https://w3id.org/ninek/",  # the graph's own IRIs, mapped to local paths
    "http://www.w3.org/2001/XMLSchema#", "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#", "http://www.w3.org/2004/02/skos/core#",
    "http://purl.org/dc/terms/", "http://www.w3.org/ns/prov#", "http://www.w3.org/ns/org#",
    "https://schema.org/",
)

ABSOLUTE = re.compile(r"^\s*(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//")
#: JavaScript and CSS constructs that make the browser request a URL, with an absolute target.
REQUEST_PATTERNS = {
    "fetch()": re.compile(r"""\bfetch\(\s*[`'"](?:https?:)?//"""),
    "import": re.compile(r"""\bimport\s*(?:\(\s*)?(?:[\w*{}\s,]+from\s*)?[`'"](?:https?:)?//"""),
    "Worker": re.compile(r"""\bnew\s+(?:Shared)?Worker\(\s*[`'"](?:https?:)?//"""),
    "importScripts": re.compile(r"""\bimportScripts\("""),
    "XMLHttpRequest.open": re.compile(r"""\.open\(\s*[`'"][A-Z]+[`'"]\s*,\s*[`'"](?:https?:)?//"""),
    "src/href assignment": re.compile(
        r"""\.(?:src|href)\s*=\s*[`'"](?:https?:)?//|setAttribute\(\s*[`'"](?:src|href)[`'"]"""
        r"""\s*,\s*[`'"](?:https?:)?//"""),
    "EventSource/WebSocket": re.compile(r"""\bnew\s+(?:EventSource|WebSocket)\("""),
    "sendBeacon": re.compile(r"""\bsendBeacon\("""),
    "CSS url()": re.compile(r"""url\(\s*['"]?(?:https?:)?//"""),
    "CSS @import": re.compile(r"""@import\s"""),
}
URL_LITERAL = re.compile(r"""https?://[^\s'"`<>)\\]+""")


@pytest.fixture(scope="module")
def app(dist_dir):
    from ninek_graph.app import create_app

    backend = OxigraphBackend.from_files(
        {DATA_GRAPH: dist_dir / "ninek.nt", ONTOLOGY_GRAPH: dist_dir / "ontology.nt"}, workers=1
    )
    application = create_app({"query_timeout": 10}, backend=backend)
    yield application
    backend.close()


@pytest.fixture()
def client(app):
    return app.test_client()


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of inline scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.inline: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag in ("script", "style"):
            self._in = tag

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in:
            self.inline.append(data)


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


def requested_urls(html: str) -> list[str]:
    """The URLs a browser fetches on its own when it loads this HTML (not plain links)."""
    fetch_rels = {"stylesheet", "icon", "preload", "prefetch", "modulepreload", "manifest",
                  "preconnect", "dns-prefetch", "apple-touch-icon"}
    urls = []
    for tag, attrs in parse(html).tags:
        for name in ("src", "poster", "data"):
            if attrs.get(name):
                urls.append(attrs[name])
        if attrs.get("srcset"):
            urls += [part.strip().split(" ")[0] for part in attrs["srcset"].split(",")]
        if tag == "link" and fetch_rels & set(attrs.get("rel", "").lower().split()):
            urls.append(attrs.get("href", ""))
        if tag == "form" and attrs.get("action"):
            urls.append(attrs["action"])
        if "style" in attrs:
            urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", attrs["style"])
    return urls


def request_violations(text: str) -> list[str]:
    return [f"{what}: {m.group(0)!r}" for what, pattern in REQUEST_PATTERNS.items()
            for m in pattern.finditer(text)]


def web_text_files() -> list[Path]:
    return sorted(p for p in WEB_DIR.rglob("*")
                  if p.is_file() and p.suffix in {".html", ".js", ".mjs", ".css", ".svg"})


# --- pages ------------------------------------------------------------------------------


def test_workbench_page_is_a_form_that_works_without_javascript(client):
    response = client.get("/workbench")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    tags = parse(html).tags
    forms = [a for t, a in tags if t == "form" and a.get("id") == "wb-form"]
    assert forms == [{"id": "wb-form", "class": "wb-form", "method": "post", "action": "/sparql"}]
    assert any(t == "textarea" and a.get("name") == "query" for t, a in tags)
    assert any(t == "button" and a.get("type") == "submit" for t, a in tags)
    for prefix, namespace in PREFIXES.items():
        assert f"PREFIX {prefix}: &lt;{namespace}&gt;" in html
    for name in canned.all_queries():
        assert f'data-example="{name}"' in html
        assert f'href="/queries/{name}"' in html


def test_workbench_examples_are_the_canned_queries_as_safe_json(client):
    html = client.get("/workbench").get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="wb-examples">(.*?)</script>', html,
                      re.S).group(1)
    assert "<" not in block  # tojson escapes <, > and &: no way out of the script element
    examples = json.loads(block)
    queries = canned.all_queries()
    assert [e["name"] for e in examples] == list(queries)
    for example in examples:
        query = queries[example["name"]]
        assert example["text"] == query.text
        for param, declared in zip(example["parameters"], query.parameters, strict=True):
            assert param["value"], (example["name"], param)
            assert param["value"] == example_value(query.name, declared)


@pytest.mark.parametrize("name", [n for n, q in canned.all_queries().items() if q.parameters])
def test_example_values_find_rows(client, name):
    """The value the gallery fills in for a parameter is one the query has an answer for."""
    query = canned.get(name)
    params = {p.name: example_value(name, p) for p in query.parameters}
    response = client.get(f"/queries/{name}", query_string={**params, "format": "json"})
    assert response.status_code == 200
    assert response.get_json()["results"]["bindings"], (name, params)


def test_the_plain_form_posts_to_the_endpoint(client):
    """What a browser without JavaScript sends: the form, Accept text/html."""
    query = "\n".join(f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items()) + (
        "\nSELECT ?title WHERE { ?p a nk:Project ; dcterms:title ?title } ORDER BY ?title LIMIT 3")
    html = client.post("/sparql", data={"query": query, "format": "html"},
                       headers={"Accept": "text/html"})
    assert html.status_code == 200 and html.mimetype == "text/html"
    assert "<table>" in html.get_data(as_text=True)
    csv = client.post("/sparql", data={"query": query, "format": "csv"},
                      headers={"Accept": "text/html"})
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True).splitlines()[0] == "title"


@pytest.mark.parametrize("fmt,media_type,query", [
    ("json", "application/sparql-results+json", "SELECT * WHERE { ?s ?p ?o } LIMIT 2"),
    ("xml", "application/sparql-results+xml", "SELECT * WHERE { ?s ?p ?o } LIMIT 2"),
    ("csv", "text/csv", "SELECT * WHERE { ?s ?p ?o } LIMIT 2"),
    ("tsv", "text/tab-separated-values", "SELECT * WHERE { ?s ?p ?o } LIMIT 2"),
    ("json", "application/sparql-results+json", "ASK { ?s ?p ?o }"),
    ("xml", "application/sparql-results+xml", "ASK { ?s ?p ?o }"),
    ("ttl", "text/turtle", "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2"),
    ("nt", "application/n-triples", "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2"),
    ("jsonld", "application/ld+json", "DESCRIBE <https://w3id.org/ninek/project/geodata>"),
    ("rdfxml", "application/rdf+xml", "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2"),
])
def test_download_links_answer_in_their_format(client, fmt, media_type, query):
    """The workbench's download links are GET /sparql?query=...&format=FMT: json, xml, csv,
    tsv for SELECT; json, xml for ASK (CSV/TSV results define no boolean); ttl, nt, jsonld,
    rdfxml for CONSTRUCT/DESCRIBE."""
    response = client.get("/sparql", query_string={"query": query, "format": fmt})
    assert response.status_code == 200
    assert response.mimetype == media_type


def test_workbench_fetch_gets_json_or_ntriples(client):
    """The workbench POSTs application/sparql-query with one Accept for every query form."""
    accept = "application/sparql-results+json, application/n-triples;q=0.9"
    for query, media_type in (("SELECT * WHERE { ?s ?p ?o } LIMIT 1",
                               "application/sparql-results+json"),
                              ("ASK { ?s ?p ?o }", "application/sparql-results+json"),
                              ("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", "application/n-triples")):
        response = client.post("/sparql", data=query.encode(), headers={
            "Content-Type": "application/sparql-query", "Accept": accept})
        assert response.status_code == 200 and response.mimetype == media_type
    bad = client.post("/sparql", data=b"SELECT * WHERE { ?s ?p }", headers={
        "Content-Type": "application/sparql-query", "Accept": accept})
    assert bad.status_code == 400 and bad.mimetype == "text/plain"
    assert re.search(r"line \d+", bad.get_data(as_text=True))
    refused = client.post("/sparql", data=b"INSERT DATA { <a:b> <a:c> <a:d> }", headers={
        "Content-Type": "application/sparql-query", "Accept": accept})
    assert refused.status_code in (400, 403)


def test_charts_page_has_a_section_per_chart_with_its_query(client):
    response = client.get("/charts")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    queries = canned.all_queries()
    assert len(CHARTS) == 4
    for chart in CHARTS:
        assert chart.query in queries
        section = re.search(rf'<section class="chart" id="{chart.id}"(.*?)</section>', html, re.S)
        assert section, chart.id
        body = section.group(1)
        assert f'data-query="{chart.query}"' in body
        assert f'<h2 id="{chart.id}-heading">' in body
        assert f'href="/queries/{chart.query}"' in body
        assert "<details" in body and "<summary>" in body
        assert 'class="chart-scroll"' in body and "aria-label=" in body


@pytest.mark.parametrize("name", [c.query for c in CHARTS])
def test_chart_queries_answer_json_with_rows(client, name):
    response = client.get(f"/queries/{name}?format=json")
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    assert response.get_json()["results"]["bindings"]


def test_network_query_has_the_standard_header():
    query = canned.get("project-organisation-network")
    assert query.title and query.description and query.parameters == ()
    assert query.text.startswith("# title: ")


# --- assets -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/workbench", "/charts"])
def test_every_asset_a_page_loads_is_local_and_served_with_its_type(client, path):
    html = client.get(path).get_data(as_text=True)
    urls = requested_urls(html)
    assert any(u.endswith(".js") for u in urls)
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), f"{path} loads {url}"
        if url.startswith("/static/"):
            asset = client.get(url)
            assert asset.status_code == 200, url
            expected = {".js": "text/javascript", ".css": "text/css",
                        ".svg": "image/svg+xml"}[Path(url).suffix]
            assert asset.mimetype == expected, (url, asset.mimetype)
            # the scripts hold non-ASCII text (–, …, ✓): read as UTF-8, not by guessing
            if url.endswith(".js"):
                assert asset.mimetype_params.get("charset") == "utf-8", url


def test_every_static_file_is_served(client):
    types = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
             ".md": "text/markdown", "": "application/octet-stream", ".svg": "image/svg+xml",
             ".png": "image/png", ".ico": "image/vnd.microsoft.icon"}
    for path in sorted(p for p in STATIC.rglob("*") if p.is_file()):
        url = "/static/" + path.relative_to(STATIC).as_posix()
        response = client.get(url)
        assert response.status_code == 200, url
        if path.suffix in types and path.suffix != "":
            assert response.mimetype == types[path.suffix], (url, response.mimetype)


def test_vendored_bundle_is_documented_with_versions_and_licences():
    vendored = (VENDOR / "codemirror" / "VENDORED.md").read_text(encoding="utf-8")
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    assert "dependencies" not in package, "build-time only: devDependencies"
    for name, version in package["devDependencies"].items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
        if name.startswith("@codemirror/"):
            assert f"| `{name}` | {version} | MIT |" in vendored
    for licence in re.findall(r"`(licenses/[^`]+)`", vendored):
        text = (VENDOR / "codemirror" / licence).read_text(encoding="utf-8")
        assert "Permission is hereby granted" in text, licence
    bundle = (VENDOR / "codemirror" / "codemirror-sparql.js").read_text(encoding="utf-8")
    assert "NinekCM" in bundle and "sparql" in bundle
    gitignore = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "node_modules/" in gitignore


# --- nothing from another host ----------------------------------------------------------


@pytest.mark.parametrize("path", web_text_files(), ids=lambda p: p.relative_to(WEB_DIR).as_posix())
def test_no_file_under_web_makes_a_request_to_another_host(path):
    text = path.read_text(encoding="utf-8")
    assert request_violations(text) == []
    if path.suffix == ".html":
        tags = parse(text)
        bad = [u for u in requested_urls(text) if ABSOLUTE.match(u)]
        assert bad == [], f"{path.name} loads from another host: {bad}"
        for inline in tags.inline:
            assert request_violations(inline) == []
    else:
        others = sorted({u for u in URL_LITERAL.findall(text)
                         if not u.startswith(DATA_IRI_PREFIXES)})
        assert others == [], f"{path.name} names URLs that are not known data IRIs: {others}"


@pytest.mark.parametrize("path", ["/workbench", "/charts", "/sparql", "/queries",
                                  "/queries/projects"])
def test_rendered_pages_load_nothing_from_another_host(client, path):
    html = client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
    bad = [u for u in requested_urls(html) if ABSOLUTE.match(u)]
    assert bad == []
    assert request_violations(html) == []


def test_the_checks_catch_what_they_are_for():
    """The scanners flag each kind of outside request (a test of the tests)."""
    assert requested_urls('<script src="https://cdn.example/x.js"></script>') == [
        "https://cdn.example/x.js"]
    assert requested_urls('<link rel="stylesheet" href="//cdn.example/x.css">') == [
        "//cdn.example/x.css"]
    assert requested_urls('<a href="https://creativecommons.org/">CC</a>') == []
    assert requested_urls('<link rel="alternate" href="https://w3id.org/ninek/x">') == []
    for js in ('fetch("https://prefix.cc/popular/all.file.json")',
               "import x from 'https://cdn.jsdelivr.net/x.js'", 'import("//esm.sh/x")',
               'new Worker("https://x.example/w.js")', "xhr.open('GET', 'http://x.example/')",
               'img.src = "https://x.example/p.png"', "@import url(x.css);",
               "background: url(https://x.example/i.png)", "new WebSocket(u)"):
        assert request_violations(js), js
    assert request_violations('const NS = "https://w3id.org/ninek/def#"') == []


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize("path", OUR_JS, ids=lambda p: p.name)
def test_our_scripts_parse(path):
    result = subprocess.run(["node", "--check", str(path)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
