"""Dereferencing: 303 See Other by Accept, documents by suffix, ETag/304, Link headers, the
ontology, the dumps, unknown IRIs, public_base; every machine format of an entity of every
type parsed by rdflib, and Turtle, N-Triples and RDF/XML also by rapper."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import rdflib

from ninek_graph.backend import DATA_GRAPH, ONTOLOGY_GRAPH

BASE = "https://w3id.org/ninek/"
# One entity of every kind of the graph.
ENTITIES = [
    "project/geodata", "workarea/informasjon", "municipality/re", "organisation/hoykom",
    "group/fiberkommunene", "participation/geodata/tonsberg-host", "exclusion/geodata/stokke",
    "membership/vale", "grant/styringsmodeller-1", "cost/offentlig-eid-bredband-1",
    "saving/felles-isp-brannmur-1", "milestone/arealis-i-fullskala-1",
    "decision/havnevesen/andebu", "link/arealis-i-fullskala--coordinated-with--geodata",
    "note/line-16-1", "note/assumption-founding-seven", "source/line/36", "source/document",
    "concept/status/i-drift", "scheme/category", "event/merger/2002-01-01/re",
    "identifier/kommunenummer/0716/re", "dataset", "distribution/ninek-nt",
]
FORMATS = {"ttl": ("text/turtle", "turtle"), "nt": ("application/n-triples", "nt"),
           "jsonld": ("application/ld+json", "json-ld"), "rdf": ("application/rdf+xml", "xml")}
RAPPER = {"ttl": "turtle", "nt": "ntriples", "rdf": "rdfxml"}


@pytest.fixture(scope="module")
def app(dist_dir: Path):
    from ninek_graph.app import create_app
    from ninek_graph.embedded import OxigraphBackend

    backend = OxigraphBackend.from_files(
        {DATA_GRAPH: dist_dir / "ninek.nt", ONTOLOGY_GRAPH: dist_dir / "ontology.nt"}, workers=1)
    yield create_app({"dist": str(dist_dir)}, backend=backend)
    backend.close()


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("accept,suffix", [
    (BROWSER, "html"), ("*/*", "html"), (None, "html"), ("text/turtle", "ttl"),
    ("application/ld+json", "jsonld"), ("application/n-triples", "nt"),
    ("application/rdf+xml", "rdf"),
    ("text/turtle;q=0.5, application/rdf+xml", "rdf"),
])
def test_entity_iri_303_by_accept(client, accept, suffix):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/project/geodata", headers=headers)
    assert response.status_code == 303
    assert response.headers["Location"] == f"http://localhost/project/geodata.{suffix}"
    assert "Accept" in response.headers["Vary"]


def test_not_acceptable(client):
    response = client.get("/project/geodata", headers={"Accept": "image/png"})
    assert response.status_code == 406


def test_html_document_links_alternates(client):
    response = client.get("/project/geodata.html", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    link = response.headers["Link"]
    for suffix, (media, _) in FORMATS.items():
        assert f'<http://localhost/project/geodata.{suffix}>; rel="alternate"; type="{media}"' \
            in link
    body = response.get_data(as_text=True)
    for suffix, (media, _) in FORMATS.items():
        assert f'<link rel="alternate" type="{media}" href="http://localhost/project/geodata.' \
               f'{suffix}"' in body
    assert "Accept" in response.headers["Vary"]


def test_etag_and_304(client):
    for path in ("/project/geodata.html", "/project/geodata.ttl", "/def.html",
                 "/download/ninek.nt"):
        first = client.get(path)
        assert first.status_code == 200 and first.headers.get("ETag"), path
        again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, path


@pytest.mark.parametrize("entity", ENTITIES)
def test_every_format_parses_with_rdflib(client, entity, tmp_path):
    iri = rdflib.URIRef(BASE + entity)
    for suffix, (media, rdflib_format) in FORMATS.items():
        response = client.get(f"/{entity}.{suffix}")
        assert response.status_code == 200, (entity, suffix)
        assert response.mimetype == media
        graph = rdflib.Graph().parse(data=response.data, format=rdflib_format)
        assert len(graph) > 0
        assert (iri, None, None) in graph or (None, None, iri) in graph
        assert not any("localhost" in str(t) for triple in graph for t in triple), entity
        if suffix in RAPPER:
            path = tmp_path / f"doc.{suffix}"
            path.write_bytes(response.data)
            result = subprocess.run(
                [RAPPER_BIN, "-q", "-i", RAPPER[suffix], "-c", str(path), BASE],
                capture_output=True, text=True, check=False)
            assert result.returncode == 0, (entity, suffix, result.stderr)


RAPPER_BIN = shutil.which("rapper") or "rapper"


def test_rapper_installed():
    assert shutil.which("rapper"), "install Debian's raptor2-utils (rapper)"


def test_entity_rdf_has_qualified_and_incoming_triples(client):
    graph = rdflib.Graph().parse(data=client.get("/project/geodata.ttl").data, format="turtle")
    prov = rdflib.Namespace("http://www.w3.org/ns/prov#")
    host = rdflib.URIRef(BASE + "participation/geodata/tonsberg-host")
    assert (host, prov.agent, rdflib.URIRef(BASE + "municipality/tonsberg")) in graph
    nk = rdflib.Namespace(BASE + "def#")
    assert (rdflib.URIRef(BASE + "exclusion/geodata/stokke"), nk.project,
            rdflib.URIRef(BASE + "project/geodata")) in graph
    grant = rdflib.Graph().parse(data=client.get("/grant/styringsmodeller-1.nt").data,
                                 format="nt")
    amount = rdflib.URIRef(BASE + "grant/styringsmodeller-1#amount")
    assert (amount, rdflib.URIRef("https://schema.org/value"), None) in grant
    muni = rdflib.Graph().parse(data=client.get("/municipality/tonsberg.ttl").data,
                                format="turtle")
    assert (host, prov.agent, rdflib.URIRef(BASE + "municipality/tonsberg")) in muni


def test_ontology_document(client):
    response = client.get("/def", headers={"Accept": BROWSER})
    assert response.status_code == 303 and response.headers["Location"].endswith("/def.html")
    assert client.get("/def", headers={"Accept": "text/turtle"}).headers["Location"] \
        .endswith("/def.ttl")
    html = client.get("/def.html").get_data(as_text=True)
    assert 'id="Project"' in html and 'id="Participation"' in html
    assert "Prosjekt" in html and "Deltakelse" in html and "Participation" in html
    graph = rdflib.Graph().parse(data=client.get("/def.ttl").data, format="turtle")
    owl = rdflib.OWL
    assert (rdflib.URIRef(BASE + "def#Project"), rdflib.RDF.type, owl.Class) in graph
    for suffix, (_, fmt) in FORMATS.items():
        assert len(rdflib.Graph().parse(data=client.get(f"/def.{suffix}").data,
                                        format=fmt)) > 500


def test_downloads(client, dist_dir):
    for name, media in (("ninek.ttl", "text/turtle"), ("ninek.nt", "application/n-triples"),
                        ("ninek.jsonld", "application/ld+json")):
        response = client.get(f"/download/{name}")
        assert response.status_code == 200 and response.mimetype == media
        assert response.data == (dist_dir / name).read_bytes()
    assert client.get("/download/secret.txt").status_code == 404


def test_unknown_iri_is_helpful_404(client):
    response = client.get("/project/geodatta", headers={"Accept": BROWSER})
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "/search" in body and 'name="q"' in body
    text = client.get("/municipality/nowhere", headers={"Accept": "*/*"})
    assert text.status_code == 404 and "search?q=nowhere" in text.get_data(as_text=True)


def test_source_line_dereferences(client):
    assert client.get("/source/line/36").status_code == 303
    html = client.get("/source/line/36.html").get_data(as_text=True)
    assert "<mark>Tønsberg vertskommune</mark>" in html
    assert "/project/geodata" in html


def test_public_base_maps_links_and_redirects(dist_dir):
    from ninek_graph.app import create_app
    from ninek_graph.embedded import OxigraphBackend

    backend = OxigraphBackend.from_files(
        {DATA_GRAPH: dist_dir / "ninek.nt", ONTOLOGY_GRAPH: dist_dir / "ontology.nt"}, workers=1)
    try:
        app = create_app({"dist": str(dist_dir), "public_base": "https://example.org/kg/"},
                         backend=backend)
        client = app.test_client()
        response = client.get("/project/geodata", headers={"Accept": "text/turtle"})
        assert response.headers["Location"] == "https://example.org/kg/project/geodata.ttl"
        html = client.get("/project/geodata.html").get_data(as_text=True)
        assert 'href="https://example.org/kg/municipality/tonsberg"' in html
        ttl = client.get("/project/geodata.ttl").get_data(as_text=True)
        assert "example.org" not in ttl and "localhost" not in ttl
    finally:
        backend.close()


def test_request_host_is_used_without_public_base(client):
    """Only a loopback Host is believed; any other gets a relative Location (a forged Host
    must not reach a redirect: ninek_graph/origin.py, tests/test_web_security.py)."""
    response = client.get("/project/geodata", base_url="http://127.0.0.1:8080",
                          headers={"Accept": BROWSER})
    assert response.headers["Location"] == "http://127.0.0.1:8080/project/geodata.html"
    response = client.get("/project/geodata", base_url="http://graph.example:8080",
                          headers={"Accept": BROWSER})
    assert response.headers["Location"] == "/project/geodata.html"


@pytest.mark.parametrize("accept,target", [
    ("text/turtle", "/download/ninek.ttl"), ("application/n-triples", "/download/ninek.nt"),
    ("application/ld+json", "/download/ninek.jsonld"), (BROWSER, "/dataset.html"),
])
def test_the_data_graph_iri_dereferences_to_its_content(client, dist_dir, accept, target):
    """https://w3id.org/ninek/graph, the named graph GRAPH and FROM see, is cited as the
    graph: its content is the data dump."""
    response = client.get("/graph", headers={"Accept": accept})
    assert response.status_code == 303 and response.headers["Vary"] == "Accept"
    assert response.headers["Location"] == "http://localhost" + target
    content = client.get(target)
    assert content.status_code == 200
    if target.startswith("/download/"):
        graph = rdflib.Graph().parse(data=content.data, format=FORMATS[
            target.rsplit(".", 1)[1]][1])
        expected = rdflib.Graph().parse(dist_dir / "ninek.nt", format="nt")
        assert len(graph) == len(expected) > 9000
        assert (rdflib.URIRef(BASE + "dataset"), rdflib.URIRef(BASE + "def#namedGraph"),
                rdflib.URIRef(BASE + "graph")) in graph


def test_the_data_graph_by_suffix(client, dist_dir):
    assert client.get("/graph.nt").data == (dist_dir / "ninek.nt").read_bytes()
    assert client.get("/graph.html").headers["Location"].endswith("/dataset.html")
    missing = client.get("/graph.rdf")
    assert missing.status_code == 404 and b"/graph.ttl" in missing.data
    assert client.get("/graph", headers={"Accept": "image/png"}).status_code == 406


def test_the_ontology_version_iri_dereferences(client):
    version = client.get("/def/0.1.0", headers={"Accept": "text/turtle"})
    assert version.status_code == 303 and version.headers["Location"].endswith("/def.ttl")
    document = client.get("/def/0.1.0.ttl")
    assert document.status_code == 200 and document.data == client.get("/def.ttl").data
    graph = rdflib.Graph().parse(data=document.data, format="turtle")
    assert (rdflib.URIRef(BASE + "def"), rdflib.OWL.versionIRI,
            rdflib.URIRef(BASE + "def/0.1.0")) in graph
    assert client.get("/def/9.9.9", headers={"Accept": BROWSER}).status_code == 404


PAGES_WITH_LINKS = ["/", "/search?q=geodata", "/queries", "/queries/hosts", "/workbench",
                    "/charts", "/quality", "/source", "/def.html", "/project/geodata.html",
                    "/sparql", "/no-such-page", "/queries/no-such-query"]


@pytest.mark.parametrize("prefix_from", ["public_base", "SCRIPT_NAME"])
def test_every_link_stays_under_a_path_prefix(dist_dir, prefix_from):
    """Served under https://example.org/kg/ (the public_base setting, or a proxy's
    SCRIPT_NAME), no page links, loads a script or posts a form outside that prefix."""
    import re

    from ninek_graph.app import create_app
    from ninek_graph.embedded import OxigraphBackend

    backend = OxigraphBackend.from_files(
        {DATA_GRAPH: dist_dir / "ninek.nt", ONTOLOGY_GRAPH: dist_dir / "ontology.nt"}, workers=1)
    try:
        config = {"dist": str(dist_dir)}
        environ = {}
        if prefix_from == "public_base":
            config["public_base"] = "https://example.org/kg/"
        else:
            environ = {"SCRIPT_NAME": "/kg"}
        client = create_app(config, backend=backend).test_client()
        for page in PAGES_WITH_LINKS:
            response = client.get(page, headers={"Accept": BROWSER},
                                  base_url="https://example.org", environ_overrides=environ)
            assert response.content_type.startswith("text/html"), page
            html = response.get_data(as_text=True)
            targets = re.findall(r'(?:href|src|action)="([^"]*)"', html)
            assert targets, page
            outside = [t for t in targets if (t.startswith("/") and not t.startswith("/kg/"))
                       or (t.startswith("https://example.org/")
                           and not t.startswith("https://example.org/kg/"))]
            assert not outside, (page, outside[:5])
            assert '<meta name="ninek-root" content="/kg/">' in html, page
    finally:
        backend.close()
