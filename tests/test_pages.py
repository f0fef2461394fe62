"""Entity pages, home, data quality, source, ontology and the language switch, over the real
built graph; and escaping: markup injected into labels of a copy of the graph is shown as
text on every page type."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from ninek_graph.backend import DATA_GRAPH, ONTOLOGY_GRAPH, Term
from ninek_graph.results import parse_triples, serialize_triples

BASE = "https://w3id.org/ninek/"


def make_client(dist: Path, **config):
    from ninek_graph.app import create_app
    from ninek_graph.embedded import OxigraphBackend

    backend = OxigraphBackend.from_files(
        {DATA_GRAPH: dist / "ninek.nt", ONTOLOGY_GRAPH: dist / "ontology.nt"}, workers=1)
    app = create_app({"dist": str(dist), **config}, backend=backend)
    return app.test_client(), backend


@pytest.fixture(scope="module")
def shared(dist_dir: Path):
    client, backend = make_client(dist_dir)
    yield client.application
    backend.close()


@pytest.fixture
def client(shared):
    """A fresh client (no language cookie) per test."""
    return shared.test_client()


def page(client, path: str, **headers) -> str:
    response = client.get(path, headers={"Accept": "text/html", **headers})
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def text_of(html: str) -> str:
    """The visible text, tags removed and whitespace collapsed."""
    html = re.sub(r"(?s)<(script|style|title)\b.*?</\1>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" ,", ",")


def row(html: str, cell: str, after: str = "") -> str:
    """The text of the first table row holding ``cell`` (after the text ``after``)."""
    if after:
        html = html.split(after, 1)[1]
    for tr in re.findall(r"(?s)<tr>.*?</tr>", html):
        if cell in tr:
            return text_of(tr)
    raise AssertionError(f"no row with {cell!r}")


# --- entity pages --------------------------------------------------------------------------
def test_geodata_page(client):
    html = page(client, "/project/geodata.html")
    assert "<h1>Geodata</h1>" in html
    assert "Tønsberg" in row(html, "Host municipality") and "1999–2004" in row(
        html, "Host municipality")
    excluded = text_of(html.split('id="h-exclusions"')[1].split("</section>")[0])
    assert "Stokke" in excluded and "minus Stokke" in excluded
    assert "Re" in row(html, ">Re<") and "2002–2004" in row(html, ">Re<")
    assert "1999–2001" in row(html, ">Våle<")
    assert "Operational projects" in html and "In operation" in html
    assert "<mark>Tønsberg vertskommune</mark>" in html and "<mark>minus Stokke</mark>" in html
    assert "Geodata – næringsarealer på nett" in text_of(html.split('id="h-lineage"')[1])
    assert "<svg" in html and 'role="img"' in html
    assert "https://w3id.org/ninek/project/geodata" in text_of(html)  # permalink, cite
    cite = text_of(html.split('class="cite"')[1].split("</p>")[0])
    assert "Geodata." in cite and "Project overview of the nine-municipality" in cite
    assert 'href="http://localhost/project/geodata.ttl"' in html


def test_geodata_in_norwegian(client):
    html = page(client, "/project/geodata.html?lang=nb")
    assert '<html lang="nb">' in html
    assert "Vertskommune" in row(html, "Vertskommune") and "Tønsberg" in row(
        html, "Vertskommune")
    assert "Driftsprosjekter" in html and "Deltakere" in html


def test_language_cookie_is_remembered(dist_dir):
    client, backend = make_client(dist_dir)
    try:
        response = client.get("/?lang=nb")
        assert "ninek_lang=nb" in response.headers["Set-Cookie"]
        html = client.get("/project/geodata.html").get_data(as_text=True)
        assert '<html lang="nb">' in html and "Vertskommune" in html
        assert '<html lang="en">' in client.get("/?lang=en").get_data(as_text=True)
    finally:
        backend.close()


def test_accept_language_picks_norwegian(client):
    html = page(client, "/", **{"Accept-Language": "nb-NO,nb;q=0.9,en;q=0.5"})
    assert '<html lang="nb">' in html


def test_hoykom_totals(client):
    html = page(client, "/organisation/hoykom.html")
    given = text_of(html.split('id="h-given"')[1].split("</section>")[0])
    assert "7 375 000 kr" in given
    assert "ca." in page(client, "/organisation/hoykom.html?lang=nb")
    assert "approx. 1 000 000 kr" in given  # Sensitiv driftsentral: "ca 1 mill kr"
    for project in ("Offentlig eid bredbånd", "Bredbånd i klasserommet", "Sensitiv driftsentral"):
        assert project in given
    assert "Funder" in row(html, "Offentlig eid bredbånd", after="Roles in projects")


def test_grant_page_amount_and_funder(client):
    html = page(client, "/grant/styringsmodeller-1.html")
    assert "1 000 000 kr" in html and "KRD" in text_of(html)
    assert "<mark>Har fått 1 mill fra KRD</mark>" in html
    assert "Prosjektet fullfinansiert av KRD med 1 mill kr" in html


def test_re_page(client):
    html = page(client, "/municipality/re.html")
    events = text_of(html.split('id="h-events"')[1].split("</section>")[0])
    assert re.search(r"Predecessors (Ramnes, Våle|Våle, Ramnes)", events)
    assert "Successors Tønsberg" in events and "2002-01-01" in events
    identifiers = text_of(html.split('id="h-identifiers"')[1].split("</section>")[0])
    assert "0716" in identifiers and "2002-01-01 – 2019-12-31" in identifiers
    assert "983885497" in identifiers and "Q499570" in identifiers
    assert "<svg" in html and "Geodata" in text_of(html.split('id="h-participation"')[1])


def test_municipality_page_lists_participations_pointing_at_it(client):
    html = page(client, "/municipality/stokke.html")
    excluded = text_of(html.split('id="h-exclusions"')[1].split("</section>")[0])
    assert "Geodata" in excluded
    memberships = text_of(html.split('id="h-memberships"')[1].split("</section>")[0])
    assert "1998" in memberships and "Founding member" in memberships


def test_concept_page(client):
    html = page(client, "/concept/status/i-drift.html")
    assert "In operation" in html and "I drift" in html
    assert "What the project produced is in regular operation." in html
    assert "Prosjektets resultat er satt i drift." in html
    assert "Status" in text_of(html) and "Geodata" in text_of(html)  # used by


def test_participation_saving_cost_pages(client):
    html = page(client, "/participation/geodata/tonsberg-host.html")
    assert "Tønsberg" in html and "Host municipality" in html and "Geodata" in html
    html = page(client, "/cost/offentlig-eid-bredband-1.html")
    assert "approx. 10 000 000 kr" in html
    html = page(client, "/saving/felles-isp-brannmur-1.html")
    assert "<mark>Betydelig innsparing</mark>" in html


def test_every_kind_renders(client):
    for path in ("workarea/informasjon", "group/fiberkommunene", "exclusion/geodata/stokke",
                 "membership/vale", "milestone/arealis-i-fullskala-1",
                 "decision/havnevesen/andebu", "note/line-16-1", "source/document",
                 "scheme/category", "event/merger/2002-01-01/re", "dataset",
                 "identifier/kommunenummer/0716/re", "distribution/ninek-nt", "source/line/36"):
        html = page(client, f"/{path}.html")
        assert "<h1>" in html and 'id="h-cite"' in html and 'id="h-rdf"' in html, path
        assert html.count("<main") == 1 and "<nav" in html and "<footer" in html


# --- home, quality, source, ontology ----------------------------------------------------------
def test_home(client, dist_dir):
    import json

    html = page(client, "/")
    counts = text_of(html.split('id="h-counts"')[1].split("</section>")[0])
    # 14 grants: 13 with an amount and line 49's state funding, which the row gives none
    assert "Projects 52" in counts and "Grants 14" in counts
    manifest = json.loads((dist_dir / "manifest.json").read_text())
    for name in ("ninek.ttl", "ninek.nt", "ninek.jsonld"):
        assert manifest["files"][name]["sha256"] in html
        assert f'href="/download/{name}"' in html
    members = text_of(html.split('id="h-members"')[1].split("</section>")[0])
    assert "2001" in row(html, ">Horten<", after="Membership periods")
    assert "1998 2001 yes" in row(html, ">Våle<", after="Membership periods")
    assert "1998–2001" in row(html, ">Våle<")  # the timeline's table equivalent
    assert "<svg" in html and "Tønsberg" in members
    assert "/queries" in html and "/workbench" in html and "/charts" in html
    assert 'href="http://localhost/dataset"' in html
    assert "Geodata" in html and "Operational projects" in html


def test_quality_page(client):
    html = page(client, "/quality")
    assert 'id="h-notes"' in html and 'id="h-assumptions"' in html
    assert "<mark>Rapporten gir et handlingsprogram for realisering av tverrforbindelsene." \
           "</mark>" in html
    assert "The seven founding members are" in html
    unlinked = text_of(html.split('id="h-unlinked"')[1])
    assert "HØYKOM" in unlinked and "not a registered unit" in unlinked


def test_source_page(client, source_text):
    html = page(client, "/source")
    assert 'id="L36"' in html and 'href="#L36"' in html
    line36 = html.split('id="L36"')[1].split("</li>")[0]
    assert "http://localhost/project/geodata" in line36
    assert len(re.findall(r'<li id="L\d+"', html)) == len(source_text.splitlines())


def test_ontology_page_in_both_languages(client):
    html = page(client, "/def.html")
    assert 'id="Grant"' in html and "Grant" in html and "Tilskudd" in html
    assert "Domain" in html and "Range" in html and "Superclasses" in html
    assert "prov:agent" in html  # a reused term with its comment


def test_narrow_screen_css():
    css = Path(__file__).parent.parent.joinpath("web/static/style.css").read_text()
    assert "@media (max-width: 40rem)" in css and ":focus-visible" in css
    base = Path(__file__).parent.parent.joinpath("web/templates/base.html").read_text()
    assert 'name="viewport"' in base and "href=\"{{ u('workbench') }}\"" in base
    assert "href=\"{{ u('charts') }}\"" in base


# --- escaping ---------------------------------------------------------------------------------
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
PAYLOAD = f" {SCRIPT} {IMG}"
POISONED = {
    "project/geodata", "municipality/tonsberg", "organisation/hoykom", "grant/styringsmodeller-1",
    "concept/status/i-drift", "source/line/36", "note/line-16-1", "dataset",
    "participation/geodata/tonsberg-host", "group/fiberkommunene", "scheme/category",
    "saving/felles-isp-brannmur-1", "event/merger/2002-01-01/re",
}
TEXT_PREDICATES = {
    "http://www.w3.org/2000/01/rdf-schema#label", "http://purl.org/dc/terms/title",
    "http://www.w3.org/2004/02/skos/core#prefLabel", "http://xmlns.com/foaf/0.1/name",
    "http://purl.org/dc/terms/description", "http://www.w3.org/2000/01/rdf-schema#comment",
    "https://w3id.org/ninek/def#rawText", "https://w3id.org/ninek/def#evidence",
    "http://www.w3.org/2004/02/skos/core#definition",
}


@pytest.fixture(scope="module")
def poisoned_client(dist_dir: Path, tmp_path_factory):
    dist = tmp_path_factory.mktemp("poisoned")
    for name in ("ontology.nt", "manifest.json", "ninek.ttl", "ninek.jsonld"):
        shutil.copy(dist_dir / name, dist / name)
    triples = []
    for s, p, o in parse_triples((dist_dir / "ninek.nt").read_bytes(), "application/n-triples"):
        if (s.value[len(BASE):] in POISONED and p.value in TEXT_PREDICATES
                and o.kind == "literal"):
            o = Term("literal", o.value + PAYLOAD, o.datatype, o.lang)
        triples.append((s, p, o))
    (dist / "ninek.nt").write_bytes(serialize_triples(triples, "application/n-triples"))
    client, backend = make_client(dist)
    yield client
    backend.close()


@pytest.mark.parametrize("path", [
    "/", "/project/geodata.html", "/municipality/tonsberg.html", "/organisation/hoykom.html",
    "/grant/styringsmodeller-1.html", "/concept/status/i-drift.html", "/source/line/36.html",
    "/note/line-16-1.html", "/dataset.html", "/participation/geodata/tonsberg-host.html",
    "/group/fiberkommunene.html", "/scheme/category.html", "/saving/felles-isp-brannmur-1.html",
    "/event/merger/2002-01-01/re.html", "/municipality/re.html", "/search?q=geodata",
    "/search?q=alert", "/quality", "/source/document.html", "/project/geodatta",
    "/search?q=%3Cscript%3E",
])
def test_markup_in_data_is_shown_as_text(poisoned_client, path):
    response = poisoned_client.get(path, headers={"Accept": "text/html"})
    html = response.get_data(as_text=True)
    assert "<script" not in html.lower(), path
    assert "<img" not in html.lower(), path
    assert "onerror=alert" not in html.replace("onerror=alert(2)&gt;", ""), path
    if path not in ("/project/geodatta", "/search?q=%3Cscript%3E"):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
        assert "&lt;img src=x onerror=alert(2)&gt;" in html, path


def test_pages_read_the_embedded_store_itself(shared, dist_dir, tmp_path):
    """The pages' index looks triples up in the store the queries run on (one copy of the
    graph in memory), and loads a store of its own when the back-end holds other files."""
    index = shared.extensions["ninek_pages_index"]
    backend = shared.extensions["ninek_backend"]
    assert index._store is backend.store and index._gate is backend.store_gate
    other = tmp_path / "dist"
    shutil.copytree(dist_dir, other)
    client, other_backend = make_client(dist_dir)
    try:
        from ninek_graph.app import create_app

        app = create_app({"dist": str(other)}, backend=other_backend)
        assert app.extensions["ninek_pages_index"]._store is not other_backend.store
        # Both read the same graph: the same neighbours, in the same order.
        geodata = BASE + "project/geodata"
        assert app.extensions["ninek_pages_index"].outgoing(geodata) == index.outgoing(geodata)
    finally:
        other_backend.close()


def test_paths_that_are_no_iri_find_nothing(shared):
    index = shared.extensions["ninek_pages_index"]
    for path in (BASE + "project/..\\..\\etc", BASE + "a b", "_:b0", "<x>"):
        assert not index.has(path) and index.incoming(path) == []
        assert index.subjects("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", path) == []
