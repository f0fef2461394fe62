"""The SPARQL endpoint and the canned queries over real HTTP, against a real gunicorn server.

``live_url`` serves the session's freshly built dist/ on the embedded store with a query
timeout of a few seconds; ``capped_url`` is the same with a row cap of
:data:`tests.live_server.CAPPED_ROWS`. Requests go out with ``requests``; nothing is mocked.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import threading
import time
import xml.etree.ElementTree as ET

import pytest
import rdflib
import requests
from SPARQLWrapper import CSV, JSON, JSONLD, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from ninek_graph.backend import DATA_GRAPH, ONTOLOGY_GRAPH
from ninek_graph.canned import all_queries
from ninek_graph.paths import QUERIES_DIR
from tests.live_server import CAPPED_ROWS, LIVE_TIMEOUT_S

NK = "https://w3id.org/ninek/def#"
SELECT = f"SELECT ?project WHERE {{ ?project a <{NK}Project> }} ORDER BY ?project LIMIT 3"
ASK = f"ASK {{ ?project a <{NK}Project> }}"
CONSTRUCT = (f"CONSTRUCT {{ ?project a <{NK}Project> }} WHERE {{ ?project a <{NK}Project> }} "
             "ORDER BY ?project LIMIT 3")
DESCRIBE = "DESCRIBE <https://w3id.org/ninek/project/geodata>"
QUERIES = {"SELECT": SELECT, "ASK": ASK, "CONSTRUCT": CONSTRUCT, "DESCRIBE": DESCRIBE}
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"

SPARQL_JSON = "application/sparql-results+json"
SPARQL_XML = "application/sparql-results+xml"
RDF_PARSERS = {"text/turtle": "turtle", "application/n-triples": "nt",
               "application/ld+json": "json-ld", "application/rdf+xml": "xml"}
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CHROMIUM = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
            "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7")
# What raptor 2.0.15's rapper sends for -i turtle / ntriples / rdfxml (captured on a socket).
RAPPER = {
    "turtle": "text/turtle, application/x-turtle, application/turtle, text/n3;q=0.3, "
              "text/rdf+n3;q=0.3, application/rdf+n3;q=0.3, */*;q=0.1",
    "ntriples": "application/n-triples, text/plain;q=0.1, */*;q=0.1",
    "rdfxml": "application/rdf+xml, text/rdf;q=0.6, */*;q=0.1",
}
TIMEOUT = 30
pytestmark = pytest.mark.filterwarnings(
    "ignore:ConjunctiveGraph is deprecated:DeprecationWarning")  # rdflib's own JSON-LD parser
FORM_CTYPE = "application/x-www-form-urlencoded"


def media_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip()


def get(url: str, query: str, **kwargs) -> requests.Response:
    params = {"query": query, **kwargs.pop("params", {})}
    return requests.get(url + "/sparql", params=params, timeout=TIMEOUT, **kwargs)


def json_rows(response: requests.Response) -> list[dict]:
    assert media_type(response) == SPARQL_JSON, response.text[:300]
    return json.loads(response.content)["results"]["bindings"]


def sparqlwrapper_accept(query: str, return_format: str) -> str:
    """The Accept header SPARQLWrapper 2.0 (the installed package) sends for a query."""
    wrapper = SPARQLWrapper("http://127.0.0.1/sparql")
    wrapper.setQuery(query)
    wrapper.setReturnFormat(return_format)
    return wrapper._getAcceptHeader()


# --- the three ways to send a query (Protocol 2.1.1-2.1.3) --------------------------------

def test_get_post_form_and_post_direct_give_the_same_answer(live_url):
    by_get = json_rows(get(live_url, SELECT))
    by_form = json_rows(requests.post(live_url + "/sparql", data={"query": SELECT},
                                      timeout=TIMEOUT))
    by_direct = json_rows(requests.post(
        live_url + "/sparql", data=SELECT.encode(),
        headers={"Content-Type": "application/sparql-query"}, timeout=TIMEOUT))
    assert len(by_get) == 3
    assert by_get == by_form == by_direct
    assert all(row["project"]["value"].startswith("https://w3id.org/ninek/") for row in by_get)


def test_protocol_dataset_selects_a_published_graph(live_url):
    """default-graph-uri naming the ontology graph: no projects there, but the classes are."""
    in_ontology = get(live_url, ASK, params={"default-graph-uri": ONTOLOGY_GRAPH})
    in_data = get(live_url, ASK, params={"default-graph-uri": DATA_GRAPH})
    assert json.loads(in_ontology.content)["boolean"] is False
    assert json.loads(in_data.content)["boolean"] is True


# --- result formats -----------------------------------------------------------------------

def _check_body(form: str, response: requests.Response) -> None:
    """The body parses as what its Content-Type says and holds the expected answer."""
    kind = media_type(response)
    if kind == SPARQL_JSON:
        data = json.loads(response.content)
        if form == "ASK":
            assert data["boolean"] is True
        else:
            assert len(data["results"]["bindings"]) == 3
    elif kind == SPARQL_XML:
        root = ET.fromstring(response.content)
        ns = "{http://www.w3.org/2005/sparql-results#}"
        if form == "ASK":
            assert root.find(f"{ns}boolean").text == "true"
        else:
            assert len(root.findall(f"{ns}results/{ns}result")) == 3
    elif kind in ("text/csv", "text/tab-separated-values"):
        delimiter = "," if kind == "text/csv" else "\t"
        rows = list(csv.reader(io.StringIO(response.text), delimiter=delimiter))
        assert rows[0] == (["project"] if kind == "text/csv" else ["?project"])
        assert len(rows) == 4
    elif kind in RDF_PARSERS:
        graph = rdflib.Graph().parse(data=response.content, format=RDF_PARSERS[kind])
        assert len(graph) >= (3 if form == "CONSTRUCT" else 5)
    else:
        pytest.fail(f"unexpected Content-Type {kind!r}")


FORMAT_PARAMS = [
    ("SELECT", "json", SPARQL_JSON), ("SELECT", "xml", SPARQL_XML),
    ("SELECT", "csv", "text/csv"), ("SELECT", "tsv", "text/tab-separated-values"),
    ("ASK", "json", SPARQL_JSON), ("ASK", "xml", SPARQL_XML),
    ("CONSTRUCT", "ttl", "text/turtle"), ("CONSTRUCT", "nt", "application/n-triples"),
    ("CONSTRUCT", "jsonld", "application/ld+json"), ("CONSTRUCT", "rdfxml", "application/rdf+xml"),
    ("DESCRIBE", "turtle", "text/turtle"), ("DESCRIBE", "nt", "application/n-triples"),
    ("DESCRIBE", "json-ld", "application/ld+json"), ("DESCRIBE", "xml", "application/rdf+xml"),
]


@pytest.mark.parametrize(("form", "name", "expected"), FORMAT_PARAMS,
                         ids=[f"{f}-{n}" for f, n, _ in FORMAT_PARAMS])
def test_format_parameter_chooses_the_format(live_url, form, name, expected):
    # The Accept header asks for something else: format= must win.
    response = get(live_url, QUERIES[form], params={"format": name},
                   headers={"Accept": "application/sparql-results+xml, text/turtle;q=0.1"}
                   if expected != SPARQL_XML else {"Accept": SPARQL_JSON})
    assert response.status_code == 200, response.text
    assert media_type(response) == expected
    _check_body(form, response)


ACCEPTS = [
    ("SELECT", "text/csv;q=0.5, text/tab-separated-values", "text/tab-separated-values"),
    ("SELECT", f"{SPARQL_JSON};q=0.2, {SPARQL_XML};q=0.9", SPARQL_XML),
    ("SELECT", "*/*;q=0.1, text/csv", "text/csv"),
    ("SELECT", f"text/*;q=0.9, {SPARQL_JSON};q=0.8", "text/csv"),
    ("SELECT", f"{SPARQL_XML};q=0, */*", SPARQL_JSON),
    ("ASK", f"{SPARQL_XML}, {SPARQL_JSON};q=0.5", SPARQL_XML),
    ("ASK", "application/*", SPARQL_JSON),
    ("CONSTRUCT", "text/turtle;q=0.1, application/n-triples;q=0.9", "application/n-triples"),
    ("CONSTRUCT", "application/ld+json", "application/ld+json"),
    ("CONSTRUCT", "application/rdf+xml;q=1.0, text/turtle;q=0.999", "application/rdf+xml"),
    ("DESCRIBE", "application/n-triples;q=0.3, application/ld+json;q=0.4", "application/ld+json"),
]


@pytest.mark.parametrize(("form", "accept", "expected"), ACCEPTS)
def test_accept_with_q_values(live_url, form, accept, expected):
    response = get(live_url, QUERIES[form], headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert media_type(response) == expected
    assert "Accept" in response.headers.get("Vary", "")
    _check_body(form, response)


@pytest.mark.parametrize("form", ["SELECT", "ASK", "CONSTRUCT"])
def test_accept_excluding_every_offer_is_406_listing_the_offers(live_url, form):
    response = get(live_url, QUERIES[form], headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "format=" in response.text and "Offered" in response.text


def test_unknown_format_parameter_is_400_listing_valid_values(live_url):
    response = get(live_url, SELECT, params={"format": "yaml"})
    assert response.status_code == 400
    assert "yaml" in response.text and "csv" in response.text


def _real_client_cases() -> list[tuple[str, str, str, str]]:
    """(client, form, Accept header, expected media type)."""
    cases = []
    for form in ("SELECT", "ASK"):
        cases.append((f"SPARQLWrapper-JSON-{form}", form,
                      sparqlwrapper_accept(QUERIES[form], JSON), SPARQL_JSON))
        cases.append((f"SPARQLWrapper-XML-{form}", form,
                      sparqlwrapper_accept(QUERIES[form], XML), SPARQL_XML))
    cases.append(("SPARQLWrapper-CSV-SELECT", "SELECT", sparqlwrapper_accept(SELECT, CSV),
                  "text/csv"))
    cases.append(("SPARQLWrapper-TSV-SELECT", "SELECT", sparqlwrapper_accept(SELECT, TSV),
                  "text/tab-separated-values"))
    for form in ("CONSTRUCT", "DESCRIBE"):
        cases.append((f"SPARQLWrapper-Turtle-{form}", form,
                      sparqlwrapper_accept(QUERIES[form], TURTLE), "text/turtle"))
        cases.append((f"SPARQLWrapper-JSONLD-{form}", form,
                      sparqlwrapper_accept(QUERIES[form], JSONLD), "application/ld+json"))
        cases.append((f"SPARQLWrapper-RDFXML-{form}", form,
                      sparqlwrapper_accept(QUERIES[form], RDFXML), "application/rdf+xml"))
        cases.append((f"rapper-turtle-{form}", form, RAPPER["turtle"], "text/turtle"))
        cases.append((f"rapper-ntriples-{form}", form, RAPPER["ntriples"],
                      "application/n-triples"))
        cases.append((f"rapper-rdfxml-{form}", form, RAPPER["rdfxml"], "application/rdf+xml"))
    for form in QUERIES:
        default = "text/turtle" if form in ("CONSTRUCT", "DESCRIBE") else SPARQL_JSON
        cases.append((f"curl-{form}", form, "*/*", default))
        cases.append((f"no-Accept-{form}", form, "", default))
        cases.append((f"Firefox-{form}", form, FIREFOX, "text/html"))
        cases.append((f"Chromium-{form}", form, CHROMIUM, "text/html"))
    return cases


REAL_CLIENTS = _real_client_cases()


def test_sparqlwrapper_accept_headers_are_the_installed_packages():
    """The table above really is what SPARQLWrapper 2.0 sends (guards against a silent change
    of the installed package making the cases meaningless)."""
    accepts = {name: accept for name, _, accept, _ in REAL_CLIENTS}
    assert accepts["SPARQLWrapper-JSON-SELECT"].startswith("application/sparql-results+json,")
    assert accepts["SPARQLWrapper-Turtle-CONSTRUCT"] == "application/turtle,text/turtle"
    assert accepts["SPARQLWrapper-JSONLD-DESCRIBE"] == "application/ld+json,application/x-json+ld"


@pytest.mark.parametrize(("client", "form", "accept", "expected"), REAL_CLIENTS,
                         ids=[c[0] for c in REAL_CLIENTS])
def test_accept_headers_of_real_clients(live_url, client, form, accept, expected):
    response = get(live_url, QUERIES[form], headers={"Accept": accept})
    assert response.status_code == 200, response.text[:300]
    assert media_type(response) == expected, client
    if expected == "text/html":
        assert "<table" in response.text or "true" in response.text.lower()
    else:
        _check_body(form, response)


# --- service description ------------------------------------------------------------------

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")


@pytest.mark.parametrize(("accept", "parser"), [
    ("", "turtle"), ("text/turtle", "turtle"), ("application/rdf+xml", "xml"),
    ("application/n-triples", "nt"), ("application/ld+json", "json-ld"),
    (RAPPER["turtle"], "turtle"),
])
def test_get_without_query_is_a_service_description(live_url, accept, parser):
    response = requests.get(live_url + "/sparql", headers={"Accept": accept} if accept else {},
                            timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    graph = rdflib.Graph().parse(data=response.content, format=parser)
    services = set(graph.subjects(rdflib.RDF.type, SD.Service))
    assert services == {rdflib.URIRef(live_url + "/sparql")}
    service = services.pop()
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Update) not in graph
    names = {str(n) for n in graph.objects(None, SD.name)}
    assert names == {DATA_GRAPH, ONTOLOGY_GRAPH}


def test_service_description_for_a_browser_is_html(live_url):
    response = requests.get(live_url + "/sparql", headers={"Accept": FIREFOX}, timeout=TIMEOUT)
    assert response.status_code == 200
    assert media_type(response) == "text/html"
    assert "<form" in response.text


# --- CORS ---------------------------------------------------------------------------------

def test_cors_on_get_post_and_errors(live_url):
    origin = {"Origin": "https://example.org"}
    answers = [
        get(live_url, SELECT, headers=origin),
        requests.post(live_url + "/sparql", data={"query": SELECT}, headers=origin,
                      timeout=TIMEOUT),
        requests.post(live_url + "/sparql", data=ASK,
                      headers={**origin, "Content-Type": "application/sparql-query"},
                      timeout=TIMEOUT),
        get(live_url, "SELECT * WHERE {", headers=origin),  # a 400 must be readable too
    ]
    assert [r.status_code for r in answers] == [200, 200, 200, 400]
    assert all(r.headers.get("Access-Control-Allow-Origin") == "*" for r in answers)


def test_cors_preflight(live_url):
    response = requests.options(live_url + "/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"}, timeout=TIMEOUT)
    assert 200 <= response.status_code < 300
    assert response.headers.get("Access-Control-Allow-Origin") == "*"
    assert "POST" in response.headers.get("Access-Control-Allow-Methods", "")
    assert "content-type" in response.headers.get("Access-Control-Allow-Headers", "").lower()


# --- HTTP caching -------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/sparql?query=" + requests.utils.quote(SELECT),
    "/queries/projects?format=json",
    "/queries/municipality-projects?format=csv&municipality=T%C3%B8nsberg",
])
def test_etag_and_conditional_get(live_url, path):
    first = requests.get(live_url + path, timeout=TIMEOUT)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    again = requests.get(live_url + path, headers={"If-None-Match": etag}, timeout=TIMEOUT)
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == etag
    weak = requests.get(live_url + path, headers={"If-None-Match": "W/" + etag},
                        timeout=TIMEOUT)
    assert weak.status_code == 304
    other = requests.get(live_url + path, headers={"If-None-Match": '"not-this-one"'},
                         timeout=TIMEOUT)
    assert other.status_code == 200 and other.content == first.content


def test_etag_differs_per_format_and_per_query(live_url):
    tags = {
        get(live_url, SELECT, params={"format": "json"}).headers["ETag"],
        get(live_url, SELECT, params={"format": "csv"}).headers["ETag"],
        get(live_url, SELECT.replace("LIMIT 3", "LIMIT 2")).headers["ETag"],
    }
    assert len(tags) == 3


# --- read-only and closed -----------------------------------------------------------------

UPDATE_TEXTS = [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "DELETE DATA { <urn:a> <urn:b> <urn:c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "WITH <https://w3id.org/ninek/graph> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "CLEAR ALL", "DROP GRAPH <https://w3id.org/ninek/graph>", "CREATE GRAPH <urn:g>",
    "COPY DEFAULT TO <urn:g>", "MOVE <https://w3id.org/ninek/graph> TO <urn:g>",
    "ADD <https://w3id.org/ninek/def> TO <urn:g>",
    "insert data { <urn:a> <urn:b> 'c' } ; clear default",
]


def _update_requests(live_url: str, text: str) -> dict[str, requests.Response]:
    url = live_url + "/sparql"
    return {
        "GET update=": requests.get(url, params={"update": text}, timeout=TIMEOUT),
        "POST form update=": requests.post(url, data={"update": text}, timeout=TIMEOUT),
        "POST sparql-update": requests.post(
            url, data=text.encode(), headers={"Content-Type": "application/sparql-update"},
            timeout=TIMEOUT),
        "GET query=": requests.get(url, params={"query": text}, timeout=TIMEOUT),
        "POST form query=": requests.post(url, data={"query": text}, timeout=TIMEOUT),
        "POST sparql-query": requests.post(
            url, data=text.encode(), headers={"Content-Type": "application/sparql-query"},
            timeout=TIMEOUT),
    }


@pytest.mark.parametrize("text", UPDATE_TEXTS)
def test_update_in_every_form_is_403_with_a_message(live_url, text):
    for how, response in _update_requests(live_url, text).items():
        assert response.status_code == 403, (how, response.text)
        assert "read-only" in response.text, how
    # and nothing changed
    assert json.loads(get(live_url, ASK).content)["boolean"] is True


REFUSED = [
    ("SERVICE", "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
     {}, "SERVICE"),
    ("SERVICE SILENT", "SELECT * WHERE { SERVICE SILENT <http://example.org/s> { ?s ?p ?o } }",
     {}, "SERVICE"),
    ("LOAD", "LOAD <http://example.org/data.ttl>", {}, "LOAD"),
    ("LOAD INTO", "LOAD SILENT <http://example.org/d.ttl> INTO GRAPH <urn:g>", {}, "LOAD"),
    ("FROM outside", "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }", {},
     "does not publish"),
    ("FROM file", "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", {},
     "does not publish"),
    ("FROM NAMED outside",
     "SELECT * FROM NAMED <http://example.org/g> WHERE { GRAPH ?g { ?s ?p ?o } }", {},
     "does not publish"),
    ("default-graph-uri outside", "SELECT * WHERE { ?s ?p ?o } LIMIT 1",
     {"default-graph-uri": "http://example.org/g"}, "default-graph-uri"),
    ("named-graph-uri outside", "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1",
     {"named-graph-uri": "http://example.org/g"}, "named-graph-uri"),
]


@pytest.mark.parametrize(("text", "params", "word"), [r[1:] for r in REFUSED],
                         ids=[r[0] for r in REFUSED])
def test_refused_queries_are_400_naming_the_reason(live_url, text, params, word):
    for response in (get(live_url, text, params=params),
                     requests.post(live_url + "/sparql", data={"query": text, **params},
                                   timeout=TIMEOUT)):
        assert response.status_code == 400, response.text
        assert word in response.text


def test_from_a_published_graph_is_allowed(live_url):
    text = f"SELECT (COUNT(*) AS ?n) FROM <{DATA_GRAPH}> WHERE {{ ?s a <{NK}Project> }}"
    rows = json_rows(get(live_url, text))
    assert int(rows[0]["n"]["value"]) > 10


# --- malformed requests -------------------------------------------------------------------

def test_syntax_error_is_400_naming_line_and_column(live_url):
    text = "PREFIX nk: <https://w3id.org/ninek/def#>\nSELECT ?p WHERE { ?p a nk:Project }\nLIMT 5"
    response = get(live_url, text)
    assert response.status_code == 400
    assert re.search(r"line 3, column \d+", response.text), response.text


def test_query_at_the_length_limit_runs_and_one_longer_is_400(live_url):
    limit = 20_000  # the max_query_length default
    base = "ASK {} #"
    at_limit = base + "x" * (limit - len(base))
    over = at_limit + "x"
    ok = requests.post(live_url + "/sparql", data=at_limit.encode(),
                       headers={"Content-Type": "application/sparql-query"}, timeout=TIMEOUT)
    refused = requests.post(live_url + "/sparql", data=over.encode(),
                            headers={"Content-Type": "application/sparql-query"},
                            timeout=TIMEOUT)
    assert ok.status_code == 200, ok.text[:300]
    assert refused.status_code == 400
    assert "at most 20,000" in refused.text


@pytest.mark.parametrize(("how", "method", "path", "body", "ctype"), [
    ("query string", "GET", "/sparql?query=ASK%20%7B%7D%20%23%FF", None, None),
    ("query string, overlong encoding", "GET", "/sparql?query=ASK%20%7B%7D%20%23%C0%AF",
     None, None),
    ("form body", "POST", "/sparql", b"query=ASK%20%7B%7D%20%23%FE", FORM_CTYPE),
    ("raw form body", "POST", "/sparql", b"query=ASK {} #\xff", FORM_CTYPE),
    ("direct body", "POST", "/sparql", b"ASK {} # \xff\xfe", "application/sparql-query"),
    ("lone surrogate", "POST", "/sparql", b"ASK {} # \xed\xa0\x80", "application/sparql-query"),
])
def test_invalid_utf8_is_400(live_url, how, method, path, body, ctype):
    response = requests.request(method, live_url + path, data=body,
                                headers={"Content-Type": ctype} if ctype else {},
                                timeout=TIMEOUT)
    assert response.status_code == 400, (how, response.status_code, response.text[:300])
    assert "UTF-8" in response.text


def test_invalid_utf8_in_a_canned_parameter_is_400(live_url):
    response = requests.get(live_url + "/queries/municipality-projects?format=json"
                            "&municipality=T%F8nsberg", timeout=TIMEOUT)
    assert response.status_code == 400, response.text[:300]
    assert "UTF-8" in response.text


@pytest.mark.parametrize(("method", "kwargs"), [
    ("GET", {"params": [("query", ASK), ("query", ASK)]}),
    ("POST", {"data": [("query", ASK), ("query", SELECT)]}),
    ("POST", {"data": [("query", ASK)], "params": {"query": ASK}}),
])
def test_repeated_query_parameter_is_400(live_url, method, kwargs):
    response = requests.request(method, live_url + "/sparql", timeout=TIMEOUT, **kwargs)
    assert response.status_code == 400
    assert "query" in response.text


def test_post_without_or_with_a_wrong_content_type_is_4xx(live_url):
    for headers in ({}, {"Content-Type": "text/plain"}, {"Content-Type": "application/json"}):
        response = requests.post(live_url + "/sparql", data=ASK.encode(), headers=headers,
                                 timeout=TIMEOUT)
        assert response.status_code == 415, (headers, response.text)
        assert "application/sparql-query" in response.text


def test_empty_query_is_400(live_url):
    for text in ("", "   \n"):
        response = requests.post(live_url + "/sparql", data={"query": text}, timeout=TIMEOUT)
        assert response.status_code == 400


# --- canned queries -----------------------------------------------------------------------

def test_unknown_canned_query_is_404(live_url):
    for suffix in ("", "?format=json"):
        response = requests.get(live_url + "/queries/no-such-query" + suffix, timeout=TIMEOUT)
        assert response.status_code == 404
        assert "no-such-query" in response.text and "projects" in response.text


@pytest.mark.parametrize(("name", "parameter"), [
    ("municipality-projects", "municipality"), ("project-participants", "project"),
    ("organisation-projects", "organisation"), ("successor-projects", "municipality"),
])
def test_missing_required_parameter_is_400_naming_it(live_url, name, parameter):
    for fmt in ("json", "csv"):
        response = requests.get(f"{live_url}/queries/{name}?format={fmt}", timeout=TIMEOUT)
        assert response.status_code == 400
        assert repr(parameter) in response.text
    # a form submitted with the field left empty
    response = requests.get(f"{live_url}/queries/{name}?{parameter}=", timeout=TIMEOUT)
    assert response.status_code == 400
    assert parameter in response.text


def test_unknown_and_repeated_canned_parameters_are_400(live_url):
    unknown = requests.get(f"{live_url}/queries/projects?format=json&colour=red", timeout=TIMEOUT)
    assert unknown.status_code == 400 and "colour" in unknown.text
    twice = requests.get(f"{live_url}/queries/municipality-projects?format=json"
                         "&municipality=Re&municipality=Horten", timeout=TIMEOUT)
    assert twice.status_code == 400 and "municipality" in twice.text


def test_queries_list_html_and_json(live_url):
    names = set(all_queries())
    html = requests.get(live_url + "/queries", timeout=TIMEOUT)
    assert html.status_code == 200 and media_type(html) == "text/html"
    linked = set(re.findall(r'href="/queries/([a-z0-9-]+)"', html.text))
    assert linked == names
    listing = requests.get(live_url + "/queries?format=json", timeout=TIMEOUT).json()
    assert set(listing) == names
    assert listing["municipality-projects"]["parameters"][0]["name"] == "municipality"


def test_canned_query_html_has_form_table_links_and_sparql(live_url):
    response = requests.get(live_url + "/queries/municipality-projects",
                            params={"municipality": "Tønsberg"}, timeout=TIMEOUT)
    assert response.status_code == 200
    page = response.text
    assert re.search(r'<form[^>]*action="/queries/municipality-projects"', page)
    assert re.search(r'<input[^>]*name="municipality"[^>]*value="Tønsberg"', page)
    assert "<table" in page
    assert re.search(r'<a href="/project/[a-z0-9-]+">', page), "IRIs link to entity paths"
    assert "https://w3id.org/ninek/project/" not in re.findall(r'href="([^"]+)"', page)
    text = (QUERIES_DIR / "municipality-projects.rq").read_text(encoding="utf-8")
    shown = html.unescape(page)
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            assert line.strip() in shown, f"SPARQL text not shown: {line!r}"
    assert "Geodata" in page


@pytest.mark.parametrize(("fmt", "expected"), [
    ("json", SPARQL_JSON), ("xml", SPARQL_XML), ("csv", "text/csv"),
    ("tsv", "text/tab-separated-values"),
])
def test_canned_query_machine_formats_agree(live_url, fmt, expected):
    url = live_url + "/queries/municipality-projects"
    params = {"municipality": "Tønsberg"}
    reference = requests.get(url, params={**params, "format": "json"}, timeout=TIMEOUT).json()
    count = len(reference["results"]["bindings"])
    assert count > 10
    by_param = requests.get(url, params={**params, "format": fmt}, timeout=TIMEOUT)
    by_accept = requests.get(url, params=params, headers={"Accept": expected}, timeout=TIMEOUT)
    for response in (by_param, by_accept):
        assert response.status_code == 200
        assert media_type(response) == expected
        if fmt == "xml":
            ns = "{http://www.w3.org/2005/sparql-results#}"
            rows = ET.fromstring(response.content).findall(f"{ns}results/{ns}result")
            assert len(rows) == count
        elif fmt in ("csv", "tsv"):
            assert len(response.text.rstrip("\r\n").split("\r\n" if fmt == "csv" else "\n")) \
                == count + 1
        else:
            assert response.json() == reference


# --- time limit while others are served ---------------------------------------------------

def test_pathological_query_is_stopped_while_others_are_answered(live_url):
    slow: dict = {}

    def run_slow():
        started = time.monotonic()
        slow["response"] = get(live_url, CROSS_JOIN)
        slow["finished"] = time.monotonic()
        slow["seconds"] = slow["finished"] - started

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.3)  # let it reach a query worker
    fast = []
    for i in range(200):
        if "finished" in slow:
            break
        # a different query each time, so the answer cache cannot serve it
        response = get(live_url, f"{SELECT} # client 2, request {i}")
        fast.append((time.monotonic(), response.status_code, len(json_rows(response))))
        time.sleep(0.05)
    thread.join(timeout=LIVE_TIMEOUT_S + 30)
    assert not thread.is_alive(), "the pathological query was not stopped"
    response = slow["response"]
    assert response.status_code == 503, response.text
    assert "time limit" in response.text and f"{LIVE_TIMEOUT_S} s" in response.text
    assert response.headers.get("Retry-After")
    assert slow["seconds"] < LIVE_TIMEOUT_S + 20
    answered_meanwhile = [f for f in fast if f[0] < slow["finished"]]
    assert len(answered_meanwhile) >= 5, fast
    assert all(status == 200 for _, status, _ in fast)
    assert all(rows == 3 for _, _, rows in fast)
    # and the server still answers, with fresh queries too
    assert json.loads(get(live_url, ASK + " # after").content)["boolean"] is True


def test_timeout_in_a_canned_style_html_page_is_503_not_500(live_url):
    response = get(live_url, CROSS_JOIN + " # html", headers={"Accept": FIREFOX})
    assert response.status_code == 503
    assert "time limit" in response.text


# --- row cap ------------------------------------------------------------------------------

def test_row_cap_truncates_and_says_so(capped_url):
    response = get(capped_url, f"SELECT ?p WHERE {{ ?p a <{NK}Project> }}")
    assert response.status_code == 200
    assert len(json_rows(response)) == CAPPED_ROWS
    assert response.headers.get("X-Ninek-Truncated") == "true"
    assert str(CAPPED_ROWS) in response.headers.get("X-Ninek-Warning-1", "")
    construct = get(capped_url, CONSTRUCT.replace(" LIMIT 3", ""), params={"format": "nt"})
    assert construct.headers.get("X-Ninek-Truncated") == "true"
    assert len(construct.text.strip().splitlines()) == CAPPED_ROWS
    canned = requests.get(capped_url + "/queries/projects?format=csv", timeout=TIMEOUT)
    assert canned.headers.get("X-Ninek-Truncated") == "true"
    assert len(canned.text.rstrip("\r\n").split("\r\n")) == CAPPED_ROWS + 1


def test_answer_at_the_cap_is_not_marked_truncated(capped_url, live_url):
    text = f"SELECT ?p WHERE {{ ?p a <{NK}Project> }} ORDER BY ?p LIMIT {CAPPED_ROWS}"
    response = get(capped_url, text)
    assert len(json_rows(response)) == CAPPED_ROWS
    assert "X-Ninek-Truncated" not in response.headers
    full = get(live_url, f"SELECT ?p WHERE {{ ?p a <{NK}Project> }}")
    assert "X-Ninek-Truncated" not in full.headers
    assert len(json_rows(full)) > CAPPED_ROWS
