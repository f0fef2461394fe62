"""RemoteBackend, the loader and the Virtuoso manager against a real Virtuoso server.

Answers are compared with pyoxigraph over the same files; the limits (row cap, partial
answers on timeout) are provoked for real. The ``virtuoso`` fixture is in
``tests/virtuoso_fixture.py``; without ``virtuoso-t`` these tests fail with the install
command.
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from ninek_graph.backend import (
    DATA_GRAPH,
    ONTOLOGY_GRAPH,
    BackendUnavailable,
    QueryError,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    Term,
)
from ninek_graph.loader import LoadError, load_into_endpoint
from ninek_graph.remote import (
    RemoteBackend,
    bind_substitutions,
    has_dataset_clause,
    values_block,
)
from ninek_graph.results import term_from_oxigraph
from ninek_graph.virtuoso import free_port, rewrite_ini

from .virtuoso_fixture import MAX_ROWS, TEST_BASE, TEST_DATA

pytestmark = pytest.mark.virtuoso

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in (
    "integer", "decimal", "double", "float", "int", "long", "short", "byte",
    "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
    "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte",
)}
PREFIXES = """\
PREFIX ex: <https://w3id.org/ninek/test/>
PREFIX nk: <https://w3id.org/ninek/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
TRAP = ('x" } } ; DROP GRAPH <https://w3id.org/ninek/test/remote_data> ; '
        'SELECT * { ?s ?p "')


# -- helpers ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def graphs(virtuoso) -> tuple[str, ...]:
    return tuple(sorted(virtuoso.graphs))


@pytest.fixture(scope="module")
def remote(virtuoso, graphs) -> RemoteBackend:
    return RemoteBackend(virtuoso.sparql_url, default_graphs=graphs, engine_max_rows=MAX_ROWS)


@pytest.fixture(scope="module")
def oxstore() -> ox.Store:
    store = ox.Store()
    for path in sorted(TEST_DATA.glob("remote_*.ttl")):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE,
                   to_graph=ox.NamedNode(TEST_BASE + path.stem))
    return store


def ox_select(store: ox.Store, graphs, query: str) -> tuple[list[str], list[list[Term | None]]]:
    g = [ox.NamedNode(x) for x in graphs]
    solutions = store.query(query, default_graph=g, named_graphs=g)
    variables = [v.value for v in solutions.variables]
    rows = [[None if s[v] is None else term_from_oxigraph(s[v]) for v in variables]
            for s in solutions]
    return variables, rows


def comparable(term: Term | None):
    """A term as a value: numbers by value (engines type, write and round them differently), blank
    nodes all alike (their labels are the engine's), everything else as is."""
    if term is None:
        return None
    if term.kind == "bnode":
        return ("bnode",)
    if term.kind == "literal" and term.datatype in NUMERIC:
        # 12 significant digits: AVG's decimal precision differs between engines
        return ("number", float(f"{float(Decimal(term.value)):.12g}"))
    return (term.kind, term.value, term.datatype, term.lang)


def as_set(rows) -> set[tuple]:
    return {tuple(comparable(t) for t in row) for row in rows}


def bag(rows) -> list[tuple]:
    return sorted((tuple(comparable(t) for t in row) for row in rows), key=repr)


# -- the server manager -------------------------------------------------------------------------

def test_server_is_on_loopback_and_holds_the_test_graphs(virtuoso):
    assert virtuoso.sparql_url.startswith("http://127.0.0.1:")
    assert virtuoso.server.start_seconds is not None and virtuoso.server.start_seconds < 60
    assert virtuoso.server.count_triples(TEST_BASE + "remote_data") == 39
    assert virtuoso.server.count_triples(TEST_BASE + "remote_ontology") == 8


def test_rewrite_ini_replaces_live_keys_and_adds_missing_ones():
    ini = "[A]\nx = 1\n;x = 2\ny = 3\n\n[B]\nz = 4\n"
    out = rewrite_ini(ini, {"A": {"x": "9", "new": "n"}, "C": {"k": "v"}})
    assert "x = 9" in out and ";x = 2" in out and "new = n" in out
    assert out.index("new = n") < out.index("[B]")
    assert out.rstrip().endswith("[C]\nk = v")
    assert 1024 <= free_port() <= 65535


# -- SELECT / ASK / CONSTRUCT against pyoxigraph ------------------------------------------------

SELECTS = {
    "all triples": "SELECT ?s ?p ?o WHERE { ?s ?p ?o }",
    "labels by language": """SELECT ?s ?label (LANG(?label) AS ?lang) WHERE {
        ?s rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "nb")) }""",
    "typed values": """SELECT ?p ?budget ?share ?started ?active ?code WHERE {
        ?p a nk:Project ; nk:budget ?budget .
        OPTIONAL { ?p nk:share ?share } OPTIONAL { ?p nk:started ?started }
        OPTIONAL { ?p nk:active ?active } OPTIONAL { ?p nk:code ?code } }""",
    "aggregates": """SELECT ?m (COUNT(?p) AS ?projects) (SUM(?b) AS ?total) (AVG(?b) AS ?mean)
        WHERE { ?p nk:municipality ?m ; nk:budget ?b } GROUP BY ?m""",
    "blank node contact": """SELECT ?p ?name ?mbox WHERE {
        ?p nk:contact ?c . ?c foaf:name ?name ; foaf:mbox ?mbox }""",
    "named graphs": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "non-ASCII filter": """SELECT ?s WHERE { ?s rdfs:label ?l FILTER(CONTAINS(STR(?l), "ø")) }""",
}


@pytest.mark.parametrize("name", sorted(SELECTS))
def test_select_answers_as_pyoxigraph_does(remote, oxstore, graphs, name):
    query = PREFIXES + SELECTS[name]
    out = remote.query(query)
    variables, rows = ox_select(oxstore, graphs, query)
    assert out.form == "SELECT"
    assert out.variables == variables
    assert not out.truncated and out.warnings == []
    assert bag(out.rows) == bag(rows)


def test_terms_keep_their_datatypes_and_language_tags(remote):
    out = remote.query(PREFIXES + "SELECT ?p ?o WHERE { ex:geodata ?p ?o FILTER(isLiteral(?o)) }")
    got = {row[0].value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]: row[1] for row in out.rows
           if row[0].value != "http://www.w3.org/2000/01/rdf-schema#label"}
    assert got["budget"] == Term("literal", "120000", datatype=XSD + "integer")
    assert Decimal(got["share"].value) == Decimal("0.25")
    assert got["share"].datatype == XSD + "decimal"
    assert got["started"] == Term("literal", "1998-03-01", datatype=XSD + "date")
    assert got["active"] == Term("literal", "true", datatype=XSD + "boolean")  # JSON says "1"
    assert got["code"] == Term("literal", "GEO-1", datatype=TEST_BASE + "projectCode")
    assert got["description"] == Term(
        "literal", 'Line one\nline two with "quotes", a \\ backslash and a tab\there')
    labels = remote.query(PREFIXES + "SELECT ?l WHERE { ex:geodata rdfs:label ?l }")
    assert {r[0] for r in labels.rows} == {
        Term("literal", "Felles geodata", lang="nb"), Term("literal", "Shared geodata", lang="en")}
    emoji = remote.query(PREFIXES + "SELECT ?c WHERE { ex:larvik rdfs:comment ?c }")
    assert emoji.rows[0][0].value == "Sjø, æøå ÆØÅ — and an emoji 🎉 outside the BMP"


def test_ask(remote):
    assert remote.query(PREFIXES + "ASK { ex:geodata nk:budget 120000 }").boolean is True
    assert remote.query(PREFIXES + "ASK { ex:geodata nk:budget 1 }").boolean is False
    out = remote.query(PREFIXES + 'ASK { ?s rdfs:label "Tønsberg"@nb }')
    assert out.form == "ASK" and out.boolean is True


def test_construct_answers_as_pyoxigraph_does(remote, oxstore, graphs):
    query = PREFIXES + """CONSTRUCT { ?p rdfs:label ?l ; nk:where ?m ; nk:budget ?b ; nk:who ?c .
        ?c foaf:name ?n } WHERE { ?p a nk:Project ; rdfs:label ?l ; nk:budget ?b .
        OPTIONAL { ?p nk:municipality ?m } OPTIONAL { ?p nk:contact ?c . ?c foaf:name ?n } }"""
    out = remote.query(query)
    g = [ox.NamedNode(x) for x in graphs]
    expected = [tuple(term_from_oxigraph(t) for t in (q.subject, q.predicate, q.object))
                for q in oxstore.query(query, default_graph=g, named_graphs=g)]
    assert out.form == "CONSTRUCT" and not out.truncated
    assert as_set(out.triples) == as_set(expected)  # pyoxigraph keeps duplicate triples
    # the blank node is one node in the answer, linking the project to the name
    (bnode,) = {o for s, p, o in out.triples if p.value.endswith("#who")}
    assert bnode.kind == "bnode"
    assert (bnode, Term("uri", "http://xmlns.com/foaf/0.1/name"),
            Term("literal", "Kari Nordmann")) in out.triples


def test_describe_returns_triples(remote):
    out = remote.query(PREFIXES + "DESCRIBE ex:skole")
    assert out.form == "DESCRIBE"
    assert (Term("uri", TEST_BASE + "skole"), Term("uri", "https://w3id.org/ninek/def#budget"),
            Term("literal", "80000", datatype=XSD + "integer")) in out.triples


# -- the dataset ------------------------------------------------------------------------------

def test_default_dataset_hides_virtuosos_system_graphs(remote, graphs):
    out = remote.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert {r[0].value for r in out.rows} == set(graphs)
    everything = remote.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(everything.rows[0][0].value) == 39 + 8


def test_from_in_the_query_selects_one_graph(remote):
    out = remote.query(f"SELECT (COUNT(*) AS ?n) FROM <{TEST_BASE}remote_ontology> "
                       "WHERE { ?s ?p ?o }")
    assert out.rows[0][0].value == "8"
    # FROM alone: no named graphs (SPARQL 1.1 section 13.2), not all of Virtuoso's
    out = remote.query(f"SELECT ?g FROM <{TEST_BASE}remote_ontology> "
                       "WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert out.rows == []
    out = remote.query(f"SELECT (COUNT(*) AS ?n) FROM NAMED <{TEST_BASE}remote_ontology> "
                       "WHERE { ?s ?p ?o }")
    assert out.rows[0][0].value == "0"


def test_protocol_graphs_select_the_dataset(remote):
    out = remote.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                       default_graph_uris=(TEST_BASE + "remote_ontology",))
    assert out.rows[0][0].value == "8"
    with pytest.raises(QueryRefused, match="give only one"):
        remote.query(f"SELECT * FROM <{TEST_BASE}remote_data> WHERE {{ ?s ?p ?o }}",
                     default_graph_uris=(TEST_BASE + "remote_ontology",))


def test_dataset_clause_detection_ignores_strings_iris_and_comments():
    assert has_dataset_clause("SELECT * FROM <g> WHERE {}") == (True, False)
    assert has_dataset_clause("SELECT * from named ex:g WHERE {}") == (False, True)
    assert has_dataset_clause('SELECT * WHERE { ?s ?p "FROM <x>" } # FROM <y>') == (False, False)
    assert has_dataset_clause("SELECT * WHERE { ?s ex:FROM <x> . ?FROM ?p ?o }") == (False, False)


def test_graph_names_are_the_configured_graphs_that_exist(virtuoso, graphs):
    backend = RemoteBackend(virtuoso.sparql_url,
                            default_graphs=(*graphs, TEST_BASE + "no-such-graph"))
    assert backend.graph_names() == set(graphs)


# -- substitutions -------------------------------------------------------------------------------

def test_substitution_binds_like_pyoxigraph(remote, oxstore, graphs):
    # pyoxigraph wants a substituted variable projected (SEP-0007)
    query = PREFIXES + "SELECT ?p ?label ?m WHERE { ?p nk:municipality ?m ; rdfs:label ?label }"
    m = TEST_BASE + "sandefjord"
    out = remote.query(query, substitutions={"m": Term("uri", m)})
    g = [ox.NamedNode(x) for x in graphs]
    expected = [[term_from_oxigraph(s[v]) for v in ("p", "label", "m")]
                for s in oxstore.query(query, default_graph=g, named_graphs=g,
                                       substitutions={ox.Variable("m"): ox.NamedNode(m)})]
    assert len(expected) == 3
    assert bag(out.rows) == bag(expected)


def test_values_go_first_in_the_where_group():
    v = {"m": Term("uri", "urn:x:m")}
    q = bind_substitutions('SELECT (EXISTS { ?a ?b "{" } AS ?e) WHERE { ?s ?p ?m }', v)
    assert q.endswith(' AS ?e) WHERE { VALUES (?m) { (<urn:x:m>) }  ?s ?p ?m }')
    q = bind_substitutions("CONSTRUCT { ?s <urn:p> '}' } WHERE { ?s ?p ?m }", v)
    assert q.endswith("WHERE { VALUES (?m) { (<urn:x:m>) }  ?s ?p ?m }")
    q = bind_substitutions("CONSTRUCT WHERE { ?s ?p ?m }", v)
    assert q.endswith("}\nVALUES (?m) { (<urn:x:m>) }")
    q = bind_substitutions("PREFIX a: <urn:{>\n# SELECT {\nASK { ?m ?p ?o }", v)
    assert q.endswith("ASK { VALUES (?m) { (<urn:x:m>) }  ?m ?p ?o }")


def test_injection_through_a_literal_stays_a_literal(remote):
    query = PREFIXES + "SELECT ?s WHERE { ?s rdfs:label ?label }"
    out = remote.query(query, substitutions={"label": Term("literal", TRAP)})
    assert [r[0].value for r in out.rows] == [TEST_BASE + "trap"]  # matched, as a value
    tricky = "back\\slash \\u0022 not an escape"
    out = remote.query(PREFIXES + "SELECT ?s WHERE { ?s rdfs:comment ?c }",
                       substitutions={"c": Term("literal", tricky)})
    assert [r[0].value for r in out.rows] == [TEST_BASE + "trap"]
    assert remote.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0].value == "47"


def test_substitutions_that_cannot_be_written_are_refused(remote):
    with pytest.raises(QueryError, match="not a valid IRI"):
        remote.query("SELECT * WHERE { ?s ?p ?o }",
                     substitutions={"s": Term("uri", "http://x> } DROP ALL #")})
    with pytest.raises(QueryError, match="blank node"):
        remote.query("SELECT * WHERE { ?s ?p ?o }", substitutions={"s": Term("bnode", "b0")})
    with pytest.raises(QueryError, match="language tag"):
        remote.query("SELECT * WHERE { ?s ?p ?o }",
                     substitutions={"o": Term("literal", "x", lang='en" } #')})
    with pytest.raises(QueryError, match="variable name"):
        values_block({"s } DROP ALL": Term("uri", "http://x")})


# -- limits ---------------------------------------------------------------------------------

def test_engine_row_cap_is_reported(remote):
    out = remote.query("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }")  # 47 * 47 rows
    assert len(out.rows) == MAX_ROWS
    assert out.truncated
    assert any(f"X-SPARQL-MaxRows: {MAX_ROWS}" in w for w in out.warnings)


def test_our_row_cap_is_exact(remote):
    out = remote.query("SELECT * WHERE { ?s ?p ?o }", max_rows=5)
    assert len(out.rows) == 5 and out.truncated
    assert "5 rows" in out.warnings[0]
    out = remote.query("SELECT * WHERE { ?s ?p ?o }", max_rows=47)  # exactly all of them
    assert len(out.rows) == 47 and not out.truncated


def test_construct_cut_by_the_engine_is_flagged(remote):
    out = remote.query("CONSTRUCT { ?a <urn:x:p> ?d } WHERE { ?a ?b ?c . ?d ?e ?f }")
    assert len(out.triples) >= MAX_ROWS  # Virtuoso sends cap + 1, and no header
    assert out.truncated and "ResultSetMaxRows" in out.warnings[0]
    small = remote.query("CONSTRUCT WHERE { ?s a ?t }")
    assert not small.truncated


@pytest.fixture(scope="module")
def numbers(virtuoso, tmp_path_factory) -> str:
    """3000 integers in a graph of their own: a three-way join over them runs for minutes."""
    path = tmp_path_factory.mktemp("numbers") / "numbers.nt"
    path.write_text("".join(
        f'<urn:x:n{i}> <urn:x:p> "{i}"^^<{XSD}integer> .\n' for i in range(3000)))
    graph = TEST_BASE + "numbers"
    assert virtuoso.server.load(path, graph) == 3000
    return graph


HEAVY = "{ ?a <urn:x:p> ?x . ?b <urn:x:p> ?y . ?c <urn:x:p> ?z FILTER(?x + ?y + ?z = 17) }"


@pytest.mark.parametrize("query", [
    "SELECT ?a ?b ?c WHERE " + HEAVY,            # Virtuoso: 200, partial rows, NO header
    "SELECT (COUNT(*) AS ?n) WHERE " + HEAVY,    # 200, a too-small count, X-SQL-State: S1TAT
    "ASK " + HEAVY.replace("= 17", "= -1"),      # 200, false, X-SQL-State: S1TAT
    "CONSTRUCT { ?a <urn:x:q> ?c } WHERE " + HEAVY,
], ids=["select-no-header", "count-S1TAT", "ask-S1TAT", "construct-S1TAT"])
def test_virtuoso_partial_answer_on_timeout_is_a_timeout(virtuoso, numbers, query):
    backend = RemoteBackend(virtuoso.sparql_url, default_graphs=(numbers,))
    started = time.monotonic()
    with pytest.raises(QueryTimeout) as caught:
        backend.query(query, timeout=1.0)
    assert time.monotonic() - started < 10
    assert "time limit" in caught.value.message
    assert caught.value.status == 503


# -- errors ---------------------------------------------------------------------------------

def test_syntax_error_carries_the_engines_message(remote):
    with pytest.raises(QuerySyntaxError) as caught:
        remote.query("SELECT * WHERE {\n ?s ?p \n}")
    assert "syntax error" in caught.value.message
    assert caught.value.line is not None and caught.value.status == 400


def test_connection_refused_is_backend_unavailable():
    url = f"http://127.0.0.1:{free_port()}/sparql"
    with pytest.raises(BackendUnavailable, match=url.replace(".", r"\.")) as caught:
        RemoteBackend(url).query("ASK {}")
    assert caught.value.status == 502


def test_missing_endpoint_path_is_backend_unavailable(virtuoso):
    with pytest.raises(BackendUnavailable, match="404"):
        RemoteBackend(virtuoso.server.base_url + "/no-sparql-here").query("ASK {}")


# -- the loader -----------------------------------------------------------------------------

def test_loader_round_trip_through_sparql_auth(virtuoso, oxstore):
    graph = TEST_BASE + "loaded"
    files = {graph: TEST_DATA / "remote_data.ttl"}
    lines: list[str] = []
    report = load_into_endpoint(virtuoso.server.sparql_auth_url, files, user="dba",
                                password="dba", batch_triples=4, progress=lines.append)
    assert report.sent == {graph: 39} and report.held == {graph: 39}
    assert report.warnings == []
    assert any("triples 1-" in line for line in lines)
    backend = RemoteBackend(virtuoso.sparql_url, default_graphs=(graph,))
    query = PREFIXES + "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    variables, expected = ox_select(oxstore, (TEST_BASE + "remote_data",), query)
    assert bag(backend.query(query).rows) == bag(expected)
    # the blank node stayed one node although batches were 4 triples
    contact = backend.query(PREFIXES + """SELECT ?n ?m WHERE {
        ex:geodata nk:contact ?c . ?c foaf:name ?n ; foaf:mbox ?m }""")
    assert len(contact.rows) == 1
    # loading again replaces, it does not add
    report = load_into_endpoint(virtuoso.server.sparql_auth_url, files, user="dba",
                                password="dba")
    assert report.held == {graph: 39}


def test_loader_needs_credentials(virtuoso):
    files = {TEST_BASE + "loaded-no-auth": TEST_DATA / "remote_ontology.ttl"}
    with pytest.raises(LoadError, match="--user and --password"):
        load_into_endpoint(virtuoso.server.sparql_auth_url, files)
    with pytest.raises(LoadError, match="401"):
        load_into_endpoint(virtuoso.server.sparql_auth_url, files, user="dba", password="no")
    with pytest.raises(LoadError, match="401"):
        load_into_endpoint(virtuoso.server.sparql_auth_url, files, user="dba",
                           password="dba", auth="basic")


def test_a_failed_batch_leaves_the_graph_unchanged(virtuoso, tmp_path: Path):
    graph = TEST_BASE + "half"
    url = virtuoso.server.sparql_auth_url
    good = tmp_path / "good.nt"
    good.write_text("<urn:x:a> <urn:x:p> <urn:x:b> .\n")
    load_into_endpoint(url, {graph: good}, user="dba", password="dba")
    bad = tmp_path / "bad.nt"
    bad.write_text("".join(f'<urn:x:s{i}> <urn:x:p> "{i}" .\n' for i in range(6))
                   + "# Virtuoso refuses an ill-typed integer; pyoxigraph reads it\n"
                   + f'<urn:x:s> <urn:x:p> "abc"^^<{XSD}integer> .\n')
    with pytest.raises(LoadError) as caught:
        load_into_endpoint(url, {graph: bad}, user="dba", password="dba", batch_triples=3)
    message = str(caught.value)
    assert "lines 4-8 of bad.nt" not in message  # batches: 1-3, 4-6, 8 (line 7 a comment)
    assert "lines 8-8 of bad.nt" in message and "was not changed" in message
    assert virtuoso.server.count_triples(graph) == 1


def test_loader_refuses_an_unreachable_endpoint(tmp_path: Path):
    url = f"http://127.0.0.1:{free_port()}/sparql-auth"
    with pytest.raises(LoadError, match="cannot reach"):
        load_into_endpoint(url, {TEST_BASE + "x": TEST_DATA / "remote_ontology.ttl"})


# -- the real graph, built for the session --------------------------------------------------------

def test_real_dumps_answer(virtuoso):
    backend = RemoteBackend(virtuoso.sparql_url)
    assert backend.graph_names() == set(virtuoso.real_graphs)
    assert backend.query("ASK { ?s ?p ?o }").boolean is True
    assert set(virtuoso.real_graphs) <= {DATA_GRAPH, ONTOLOGY_GRAPH}
