"""Content negotiation with the Accept headers real clients send."""

from __future__ import annotations

import pytest
from SPARQLWrapper import (
    ASK,
    CONSTRUCT,
    CSV,
    JSON,
    JSONLD,
    N3,
    RDFXML,
    SELECT,
    TSV,
    TURTLE,
    XML,
    SPARQLWrapper,
)

from ninek_graph import results
from ninek_graph.negotiation import (
    NotAcceptable,
    UnknownFormat,
    choose,
    negotiate,
    parse_accept,
)

BINDINGS = [f.media_type for f in results.FORMATS["bindings"]]
BOOLEAN = [f.media_type for f in results.FORMATS["boolean"]]
GRAPH = [f.media_type for f in results.FORMATS["graph"]]

FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CHROMIUM = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
            "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7")
CURL = "*/*"
# raptor2's raptor_parser_get_accept_header(): the parser's types, then */*;q=0.1
# (src/raptor_parse.c; types from raptor_rdfxml.c and turtle_parser.y).
RAPPER_RDFXML = "application/rdf+xml, text/rdf;q=0.6, */*;q=0.1"
RAPPER_TURTLE = ("text/turtle, application/x-turtle, application/turtle, text/n3;q=0.3, "
                 "text/rdf+n3;q=0.3, application/rdf+n3;q=0.3, */*;q=0.1")

# SPARQLWrapper 2.0.0, Wrapper._getAcceptHeader (checked against the installed package below).
SPARQLWRAPPER = {
    (SELECT, JSON): "application/sparql-results+json,application/json,text/javascript,"
                    "application/javascript",
    (SELECT, XML): "application/sparql-results+xml",
    (SELECT, CSV): "text/csv",
    (SELECT, TSV): "text/tab-separated-values",
    (CONSTRUCT, TURTLE): "application/turtle,text/turtle",
    (CONSTRUCT, N3): "application/turtle,text/turtle,text/rdf+n3,application/n-triples,"
                     "application/n3,text/n3",
    (CONSTRUCT, RDFXML): "application/rdf+xml",
    (CONSTRUCT, JSONLD): "application/ld+json,application/x-json+ld",
}


def sparqlwrapper_accept(query_type: str, return_format: str) -> str:
    wrapper = SPARQLWrapper("http://example.invalid/sparql")
    wrapper.setQuery(f"{query_type} {{ ?s ?p ?o }}" if query_type != SELECT
                     else "SELECT * { ?s ?p ?o }")
    wrapper.setReturnFormat(return_format)
    return wrapper._getAcceptHeader()


@pytest.mark.parametrize("key", list(SPARQLWRAPPER), ids=lambda k: f"{k[0]}-{k[1]}")
def test_sparqlwrapper_headers_are_what_the_package_sends(key: tuple[str, str]) -> None:
    assert sparqlwrapper_accept(*key) == SPARQLWRAPPER[key]


@pytest.mark.parametrize(("key", "expected"), [
    ((SELECT, JSON), "application/sparql-results+json"),
    ((SELECT, XML), "application/sparql-results+xml"),
    ((SELECT, CSV), "text/csv"),
    ((SELECT, TSV), "text/tab-separated-values"),
    ((CONSTRUCT, TURTLE), "text/turtle"),
    ((CONSTRUCT, N3), "text/turtle"),  # Turtle is N3; application/n-triples ties later
    ((CONSTRUCT, RDFXML), "application/rdf+xml"),
    ((CONSTRUCT, JSONLD), "application/ld+json"),
], ids=lambda v: "-".join(v) if isinstance(v, tuple) else v)
def test_sparqlwrapper_gets_what_it_asked_for(key: tuple[str, str], expected: str) -> None:
    offered = BINDINGS if key[0] == SELECT else GRAPH
    assert choose(SPARQLWRAPPER[key], offered) == expected


def test_sparqlwrapper_ask_json() -> None:
    assert choose(sparqlwrapper_accept(ASK, JSON), BOOLEAN) == "application/sparql-results+json"


def test_sparqlwrapper_ask_csv_is_not_acceptable() -> None:
    # The CSV/TSV spec defines no boolean form, so an ASK answer is not offered in CSV.
    with pytest.raises(NotAcceptable, match="Offered: application/sparql-results\\+json"):
        negotiate(sparqlwrapper_accept(ASK, CSV), BOOLEAN)


def test_rapper_gets_rdfxml_or_turtle() -> None:
    assert choose(RAPPER_RDFXML, GRAPH) == "application/rdf+xml"
    assert choose(RAPPER_TURTLE, GRAPH) == "text/turtle"
    # For a SELECT answer rapper's */*;q=0.1 still yields the default rather than a 406.
    assert choose(RAPPER_RDFXML, BINDINGS) == "application/sparql-results+json"


def test_curl_gets_the_default_and_never_html() -> None:
    assert choose(CURL, BINDINGS + ["text/html"]) == "application/sparql-results+json"
    assert choose(CURL, GRAPH + ["text/html"]) == "text/turtle"
    assert choose(None, BINDINGS) == "application/sparql-results+json"


@pytest.mark.parametrize("browser", [FIREFOX, CHROMIUM], ids=["firefox", "chromium"])
def test_browsers_get_html_when_offered_else_json_not_xml(browser: str) -> None:
    assert choose(browser, BINDINGS + ["text/html"]) == "text/html"
    assert choose(browser, ["text/html"] + BINDINGS) == "text/html"
    # application/xml;q=0.9 is not taken as a wish for SPARQL XML (see the module docstring).
    assert choose(browser, BINDINGS) == "application/sparql-results+json"
    assert choose(browser, GRAPH) == "text/turtle"


def test_signed_exchange_parameter_does_not_match_the_bare_type() -> None:
    offered = ["application/signed-exchange", "text/plain"]
    ranges = parse_accept(CHROMIUM)
    sx = [r for r in ranges if r.subtype == "signed-exchange"]
    assert sx and sx[0].params == (("v", "b3"),) and sx[0].q == 0.7
    assert choose("application/signed-exchange;v=b3;q=0.7", offered) is None


def test_q_values_specificity_and_exclusion() -> None:
    assert choose("text/csv;q=0.5, application/sparql-results+xml", BINDINGS) == (
        "application/sparql-results+xml")
    # The most specific range decides: text/csv is excluded although text/* is welcome.
    assert choose("text/*, text/csv;q=0", BINDINGS) == "text/tab-separated-values"
    assert choose("*/*;q=0.1, text/tab-separated-values", BINDINGS) == (
        "text/tab-separated-values")
    # Equal q: the explicitly named type beats one matched by */*.
    assert choose("*/*, text/csv", BINDINGS) == "text/csv"
    assert choose("application/json", BINDINGS) is None
    assert choose("*/*;q=0", BINDINGS) is None


@pytest.mark.parametrize("header", [
    "", "garbage", ";;;", "text/", "/csv", "*/csv", "text/csv;q=abc",
    "text/csv;q=2", "text/csv;=", "\x00\xff", "a/b/c", ",,,,",
])
def test_malformed_headers_fall_back_without_crashing(header: str) -> None:
    assert choose(header, BINDINGS) == "application/sparql-results+json"


def test_malformed_elements_are_skipped_good_ones_kept() -> None:
    assert choose("text/csv;q=abc, text/tab-separated-values", BINDINGS) == (
        "text/tab-separated-values")
    assert choose('text/csv; charset="utf-8"; q=0.9, bogus', BINDINGS) == "text/csv"


def test_format_parameter_overrides_accept() -> None:
    names = results.format_names("SELECT")
    assert negotiate(FIREFOX, BINDINGS, format_param="csv", format_names=names) == "text/csv"
    assert negotiate(CURL, BINDINGS, format_param="TSV", format_names=names) == (
        "text/tab-separated-values")
    assert negotiate(None, BINDINGS, format_param="application/sparql-results+xml",
                     format_names=names) == "application/sparql-results+xml"
    graph_names = results.format_names("CONSTRUCT")
    assert negotiate(None, GRAPH, format_param="rdf+xml", format_names=graph_names) == (
        "application/rdf+xml")
    assert negotiate(None, GRAPH, format_param="json-ld", format_names=graph_names) == (
        "application/ld+json")


def test_unknown_format_lists_valid_ones() -> None:
    with pytest.raises(UnknownFormat) as info:
        negotiate(None, BOOLEAN, format_param="csv", format_names=results.format_names("ASK"))
    assert info.value.status == 400
    assert "format='csv' is not offered" in info.value.message
    assert "json, srj, srx, xml" in info.value.message


def test_not_acceptable_message_lists_offers() -> None:
    with pytest.raises(NotAcceptable) as info:
        negotiate("image/png", BINDINGS)
    assert info.value.status == 406
    assert "text/csv" in info.value.message and "format=" in info.value.message
