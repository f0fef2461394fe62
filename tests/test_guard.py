"""The guard: adversarial SERVICE / update / dataset cases and a tokenizer property test."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ninek_graph import sparql_guard
from ninek_graph.backend import QueryRefused, QuerySyntaxError, UpdateRefused
from ninek_graph.sparql_guard import check, check_dataset_parameters, inspect, tokenize

G1 = "https://w3id.org/ninek/graph"
G2 = "https://w3id.org/ninek/def"
ALLOWED = {G1, G2}


def ok(text: str) -> sparql_guard.QueryInfo:
    return check(text, allowed_graphs=ALLOWED, max_length=10_000)


# --- SERVICE -----------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    'SELECT * { ?s ?p "SERVICE <http://evil/> { ?a ?b ?c }" }',
    "SELECT * { ?s ?p 'service' }",
    'SELECT * { ?s ?p """multi\nline SERVICE <x> {} \\""" still""" }',
    "SELECT * { ?s ?p '''it''s SERVICE''' }",
    'SELECT * { ?s ?p "esc \\" SERVICE <x> {} \\"" }',
    "SELECT * { ?s ?p ?o } # SERVICE <http://evil/> { ?s ?p ?o }",
    "# SERVICE first\nSELECT * { ?s ?p ?o }",
    "SELECT * { <http://example.org/SERVICE> ?p ?o }",
    "PREFIX ex: <http://example.org/> SELECT * { ?s ex:SERVICE ex:service }",
    "PREFIX ex: <http://example.org/> SELECT * { ?s ex:has.SERVICE ?o }",
    "SELECT ?service ?SERVICE $Service { ?service ?p ?SERVICE }",
    'SELECT * { ?s ?p "x"@service }',
    "SELECT * { _:service ?p ?o }",
    "PREFIX ex: <http://example.org/> SELECT * { ?s ex:p ex:a\\.SERVICE }",
])
def test_service_in_harmless_places_is_allowed(text: str) -> None:
    assert ok(text).uses_service is False


@pytest.mark.parametrize("text", [
    "SELECT * { SERVICE <http://evil/> { ?s ?p ?o } }",
    "select * { service <http://evil/> { ?s ?p ?o } }",
    "SELECT * { SeRvIcE <http://evil/> { ?s ?p ?o } }",
    "SELECT * { SERVICE SILENT <http://evil/> { ?s ?p ?o } }",
    "SELECT * { SERVICE ?endpoint { ?s ?p ?o } }",
    "SELECT * { SERVICE<http://evil/>{ ?s ?p ?o } }",
    "SELECT * { ?s ?p ?o # comment\nSERVICE <http://evil/> { ?s ?p ?o } }",
    "SELECT * { OPTIONAL { { SERVICE <http://evil/> { ?s ?p ?o } } } }",
    "ASK { FILTER EXISTS { SERVICE <http://evil/> {} } }",
    # pyoxigraph reads these as SERVICE (measured: it matches keywords without a boundary).
    "PREFIX : <http://evil/> SELECT * { SERVICE:x { ?s ?p ?o } }",
    "SELECT * { ?s ?p trueSERVICE<http://evil/> { ?s ?p ?o } }",
    "PREFIX serviceX: <http://evil/> SELECT * { ?s ?p ?o . serviceX:y { } }",
    "SELECT * { ?s ?p 1SERVICE <http://evil/> { } }",
])
def test_service_keyword_is_refused(text: str) -> None:
    assert inspect(text).uses_service is True
    with pytest.raises(QueryRefused, match="federated query is disabled") as info:
        ok(text)
    assert info.value.status == 400


def test_codepoint_escapes_that_change_the_reading_are_refused() -> None:
    # Under SPARQL 1.1 section 19.2 the \u0022 would close the string and expose SERVICE.
    text = 'SELECT * { ?s ?p "\\u0022 . SERVICE <http://evil/> { ?a ?b ?c } \\u0022" }'
    assert not sparql_guard._scan(text).uses_service  # the pyoxigraph reading
    with pytest.raises(QueryRefused, match="section 19.2"):
        ok(text)
    # Harmless escapes are fine.
    assert ok('SELECT * { ?s ?p "caf\\u00E9" }').form == "SELECT"


# --- updates -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "keyword"), [
    ("INSERT DATA { <http://a> <http://b> <http://c> }", "INSERT"),
    ("insert data { <http://a> <http://b> <http://c> }", "INSERT"),
    ("DELETE DATA { <http://a> <http://b> <http://c> }", "DELETE"),
    ("DELETE WHERE { ?s ?p ?o }", "DELETE"),
    ("DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }", "DELETE"),
    ("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH"),
    ("CLEAR ALL", "CLEAR"),
    ("CLEAR SILENT GRAPH <http://g>", "CLEAR"),
    ("CREATE GRAPH <http://g>", "CREATE"),
    ("DROP DEFAULT", "DROP"),
    ("COPY <http://a> TO <http://b>", "COPY"),
    ("MOVE DEFAULT TO <http://b>", "MOVE"),
    ("ADD <http://a> TO DEFAULT", "ADD"),
    ("PREFIX ex: <http://ex/> SELECT * {} ; INSERT DATA { ex:a ex:b ex:c }", "INSERT"),
])
def test_updates_are_refused_with_403(text: str, keyword: str) -> None:
    info = inspect(text)
    assert info.is_update and keyword in info.updates
    with pytest.raises(UpdateRefused, match="read-only") as error:
        ok(text)
    assert error.value.status == 403 and keyword in error.value.message


@pytest.mark.parametrize("text", [
    "LOAD <http://example.org/data.ttl>",
    "load silent <http://example.org/data.ttl> into graph <http://g>",
])
def test_load_is_refused_because_it_fetches(text: str) -> None:
    with pytest.raises(QueryRefused, match="fetch a remote document") as error:
        ok(text)
    assert error.value.status == 400


def test_update_words_in_harmless_places_are_allowed() -> None:
    info = ok('PREFIX ex: <http://ex/> SELECT ?insert { ?insert ex:delete "DROP ALL" . '
              "?x <http://ex/LOAD> ex:clear } # INSERT DATA {}")
    assert not info.is_update and info.form == "SELECT"


# --- dataset -----------------------------------------------------------------------------------
def test_from_resolves_relative_iris_against_base() -> None:
    info = ok("BASE <https://w3id.org/ninek/x> SELECT * FROM <graph> FROM NAMED <def> {}")
    assert info.from_graphs == [G1] and info.from_named_graphs == [G2]


def test_from_expands_prefixes_and_resolves_prefix_iris() -> None:
    info = ok("BASE <https://w3id.org/other/> PREFIX nk: <../ninek/> "
              "SELECT * FROM nk:graph FROM NAMED nk:def { GRAPH ?g { ?s ?p ?o } }")
    assert (info.from_graphs, info.from_named_graphs) == ([G1], [G2])
    assert info.prefixes == {"nk": "https://w3id.org/ninek/"}


def test_later_base_resolves_against_earlier() -> None:
    info = inspect("BASE <https://w3id.org/a/b> BASE <../ninek/> SELECT * FROM <graph> {}")
    assert info.from_graphs == [G1]


@pytest.mark.parametrize("text", [
    "SELECT * FROM <https://w3id.org/ninek/other> {}",
    "SELECT * FROM NAMED <file:///etc/passwd> {}",
    "CONSTRUCT { ?s ?p ?o } FROM <http://evil.example/data.ttl> WHERE { ?s ?p ?o }",
    "DESCRIBE ?s FROM <graph> WHERE { ?s ?p ?o }",
])
def test_from_outside_the_published_graphs_is_refused(text: str) -> None:
    with pytest.raises(QueryRefused) as error:
        ok(text)
    message = error.value.message
    assert "does not publish" in message
    assert f"<{G1}>" in message and f"<{G2}>" in message
    iri = text.split("<")[1].split(">")[0] if "FROM <" in text else ""
    assert iri in message


def test_relative_from_without_base_is_explained() -> None:
    with pytest.raises(QueryRefused, match="relative IRI and the query has no BASE"):
        ok("SELECT * FROM <graph> {}")


def test_from_with_undeclared_prefix_is_a_syntax_error() -> None:
    with pytest.raises(QuerySyntaxError, match="prefix nk: is not declared") as error:
        ok("SELECT *\nFROM nk:graph {}")
    assert (error.value.line, error.value.column) == (2, 6)


def test_from_glued_to_a_prefixed_name_is_refused() -> None:
    with pytest.raises(QueryRefused, match="contains the keyword FROM"):
        ok("PREFIX : <https://w3id.org/ninek/> SELECT * FROM:graph {}")


def test_dataset_parameters() -> None:
    check_dataset_parameters([G1], [G2], allowed_graphs=ALLOWED)
    with pytest.raises(QueryRefused, match="named-graph-uri=http://evil/ names a graph"):
        check_dataset_parameters([G1], ["http://evil/"], allowed_graphs=ALLOWED)
    with pytest.raises(QueryRefused, match="default-graph-uri=g .*relative IRI"):
        check_dataset_parameters(["g"], [], allowed_graphs=ALLOWED)


# --- text hygiene and forms --------------------------------------------------------------------
def test_length_limit() -> None:
    with pytest.raises(QueryRefused, match="10,001 characters long; .* at most 10,000"):
        ok("ASK {}" + " " * 9_995)
    assert ok("ASK {}" + " " * 9_994).form == "ASK"


def test_nul_and_bad_utf8_are_refused() -> None:
    with pytest.raises(QueryRefused, match="NUL character at line 2, column 3"):
        ok("ASK\n{ \x00 }")
    with pytest.raises(QueryRefused, match="not valid UTF-8 \\(byte 5\\)"):
        check(b"ASK {\xff}", allowed_graphs=ALLOWED, max_length=100)
    with pytest.raises(QueryRefused, match="not valid UTF-8"):
        ok("ASK { ?s ?p '\udcff' }")
    assert check("ASK { ?s ?p 'æøå' }".encode(), allowed_graphs=ALLOWED,
                 max_length=100).form == "ASK"


@pytest.mark.parametrize(("text", "form"), [
    ("select * {}", "SELECT"),
    ("PREFIX a: <http://a/> BASE <http://b/> ask { }", "ASK"),
    ("# comment\nCONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ("DESCRIBE <http://a>", "DESCRIBE"),
    ("ASK { { SELECT ?x {} } }", "ASK"),
])
def test_form_detection(text: str, form: str) -> None:
    assert ok(text).form == form


def test_no_form_is_a_syntax_error() -> None:
    with pytest.raises(QuerySyntaxError, match="no query form"):
        ok("PREFIX a: <http://a/>")


@pytest.mark.parametrize(("text", "position"), [
    ('ASK { ?s ?p "unterminated }', (1, 13)),
    ("ASK {\n  ?s ?p 'line\nbreak' }", (2, 9)),
    ("ASK { ?s ?p ?o } \\", (1, 18)),
    ("ASK { ?s ?p ` }", (1, 13)),
])
def test_lexical_errors_have_positions(text: str, position: tuple[int, int]) -> None:
    with pytest.raises(QuerySyntaxError) as error:
        inspect(text)
    assert (error.value.line, error.value.column) == position


def test_tokens() -> None:
    text = ('PREFIX : <http://x/> SELECT ?a $b { :s :p "q\\"r"@en-GB, 1.5e3, -2, .5, '
            "'''l'o''ng''', _:b1, true ; a ?c ^^ <<( ?a ?b ?c )>> }")
    kinds = [(t.kind, t.text) for t in tokenize(text)]
    assert ("STRING", '"q\\"r"') in kinds and ("LANGTAG", "@en-GB") in kinds
    assert ("NUMBER", "1.5e3") in kinds and ("NUMBER", ".5") in kinds
    assert ("STRING", "'''l'o''ng'''") in kinds and ("BNODE", "_:b1") in kinds
    assert ("VAR", "$b") in kinds and ("PNAME", ":s") in kinds
    assert ("PUNCT", "^^") in kinds and ("PUNCT", "<<") in kinds
    assert next(t for t in tokenize("select")).value == "SELECT"


# --- properties --------------------------------------------------------------------------------
SPARQLISH = st.text(
    alphabet=st.sampled_from(list("SERVICEselectFROMfrom{}()<>\"'#\\:?$_.;,@^*=!|&+-/0123456789"
                                  " \n\tabcuU\u00e9\u0000\udcff")),
    max_size=80,
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=200), SPARQLISH))
def test_guard_never_raises_anything_else(text: str) -> None:
    try:
        check(text, allowed_graphs=ALLOWED, max_length=150)
    except (QuerySyntaxError, QueryRefused, UpdateRefused):
        pass


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters='"\\\r\n',
                                      blacklist_categories=("Cs",)), max_size=60))
def test_anything_inside_a_string_is_harmless(content: str) -> None:
    text = f'SELECT * {{ ?s ?p "{content} SERVICE <http://evil/> {{}}" }}'
    if "\\u" not in content.lower() and "\x00" not in content:
        assert ok(text).uses_service is False


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([" ", "\n", "\t", "# note\n", "\r\n"]), min_size=1,
                max_size=4),
       st.sampled_from(["SERVICE", "service", "Service", "sErViCe"]))
def test_service_is_found_between_any_whitespace_and_comments(gaps: list[str],
                                                              word: str) -> None:
    gap = "".join(gaps)
    text = f"SELECT *{gap}{{{gap}{word}{gap}<http://evil/>{gap}{{ ?s ?p ?o }}{gap}}}"
    assert inspect(text).uses_service
