"""OxigraphBackend: loading, dataset semantics, substitutions, errors, caps and deadlines."""

from __future__ import annotations

import os
import pickle
import threading
import time
from pathlib import Path

import pytest

from ninek_graph.backend import (
    PUBLISHED_GRAPHS,
    QueryError,
    QueryOutcome,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    Term,
    UpdateRefused,
)
from ninek_graph.embedded import OxigraphBackend

DATA = Path(__file__).parent / "data"
G_DATA, G_DEF = PUBLISHED_GRAPHS
EX = "http://example.org/"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
# A cross join of the 17 triples with themselves eight times: 17^8 (about 7e9) solutions.
PATHOLOGICAL = ("SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
                "?m ?n1 ?o . ?p ?q ?r . ?s ?t ?u . ?v ?w ?x }")


@pytest.fixture(scope="module")
def backend():
    b = OxigraphBackend.from_files({G_DATA: DATA / "engine_graph.ttl",
                                    G_DEF: DATA / "engine_def.nt"}, workers=2)
    yield b
    b.close()


def values(outcome: QueryOutcome, column: int = 0) -> list[str]:
    return sorted(row[column].value for row in outcome.rows if row[column] is not None)


def test_graph_names_and_union_default_graph(backend: OxigraphBackend) -> None:
    assert backend.graph_names() == {G_DATA, G_DEF}
    outcome = backend.query("SELECT ?s { ?s a ?type }")
    # Municipalities (data graph) and the class and property (ontology graph) together.
    assert values(outcome) == [EX + "Municipality", EX + "larvik", EX + "partOf",
                               EX + "sandefjord", EX + "tonsberg"]
    graphs = backend.query("SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }")
    assert values(graphs) == sorted([G_DATA, G_DEF])


def test_from_selects_one_published_graph(backend: OxigraphBackend) -> None:
    only_def = backend.query(f"SELECT ?s FROM <{G_DEF}> {{ ?s a ?type }}")
    assert values(only_def) == [EX + "Municipality", EX + "partOf"]
    named = backend.query(f"SELECT ?g ?s FROM NAMED <{G_DEF}> {{ GRAPH ?g {{ ?s a ?t }} }}")
    assert {row[0].value for row in named.rows} == {G_DEF}
    # FROM NAMED alone leaves the default graph empty (SPARQL 1.1 Query, section 13.2).
    assert backend.query(f"ASK FROM NAMED <{G_DEF}> {{ ?s ?p ?o }}").boolean is False


def test_protocol_dataset_parameters_replace_the_query_dataset(backend: OxigraphBackend) -> None:
    outcome = backend.query(f"SELECT ?s FROM <{G_DEF}> {{ ?s a ?type }}",
                            default_graph_uris=(G_DATA,))
    assert values(outcome) == [EX + "larvik", EX + "sandefjord", EX + "tonsberg"]
    # default-graph-uri alone: no named graphs; named-graph-uri alone: empty default graph.
    assert backend.query("ASK { GRAPH ?g { ?s ?p ?o } }",
                         default_graph_uris=(G_DATA,)).boolean is False
    assert backend.query("ASK { ?s ?p ?o }", named_graph_uris=(G_DEF,)).boolean is False
    assert backend.query("ASK { GRAPH ?g { ?s ?p ?o } }",
                         named_graph_uris=(G_DEF,)).boolean is True


def test_graphs_outside_the_store_are_refused(backend: OxigraphBackend) -> None:
    with pytest.raises(QueryRefused, match="does not publish"):
        backend.query("SELECT * FROM <http://example.org/elsewhere> { ?s ?p ?o }")
    with pytest.raises(QueryRefused, match="default-graph-uri"):
        backend.query("ASK {}", default_graph_uris=("http://example.org/elsewhere",))


def test_service_and_updates_are_refused_even_without_the_endpoint(
        backend: OxigraphBackend) -> None:
    with pytest.raises(QueryRefused, match="federated query is disabled"):
        backend.query("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    with pytest.raises(UpdateRefused):
        backend.query("INSERT DATA { <http://a> <http://b> <http://c> }")


def test_substitutions_bind_terms(backend: OxigraphBackend) -> None:
    # SEP-0007 (pyoxigraph): a substituted variable must be in the projection.
    query = "SELECT ?m ?name ?pop { ?m <http://example.org/name> ?name ; " \
            "<http://example.org/population> ?pop }"
    name = Term("literal", "Tønsberg", lang="nb")
    outcome = backend.query(query, substitutions={"name": name})
    assert outcome.rows == [[Term("uri", EX + "tonsberg"), name,
                             Term("literal", "57794", XSD_INTEGER)]]
    assert backend.query(query, substitutions={"?name": Term("literal", "Tønsberg")}).rows == []
    by_iri = backend.query("SELECT ?name ?m { ?m <http://example.org/name> ?name }",
                           substitutions={"m": Term("uri", EX + "larvik")})
    assert by_iri.rows == [[Term("literal", "Larvik", lang="nb"), Term("uri", EX + "larvik")]]
    with pytest.raises(QueryError, match="cannot evaluate it: .*projection"):
        backend.query("SELECT ?m { ?m ?p ?o }", substitutions={"o": Term("literal", "x")})


def test_terms_of_every_kind_come_back(backend: OxigraphBackend) -> None:
    outcome = backend.query(
        "SELECT ?note ?name ?tt ?unbound { <http://example.org/sandefjord> "
        "<http://example.org/note> ?note ; <http://example.org/name> ?name "
        "BIND(<<( <http://a> <http://b> 'c' )>> AS ?tt) }")
    note, name, triple, unbound = outcome.rows[0]
    assert note.kind == "bnode" and note.value
    assert name == Term("literal", "Sandefjord", lang="nb")
    assert triple.kind == "triple" and triple.parts[2] == Term("literal", "c")
    assert unbound is None
    assert pickle.loads(pickle.dumps(outcome)) == outcome


def test_syntax_errors_carry_the_parsers_position(backend: OxigraphBackend) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        backend.query("SELECT ?s\nWHERE {\n  ?s ?p ?o .\n}\nLIMIT x")
    error = info.value
    assert (error.line, error.column) == (5, 7)
    assert error.message.startswith("Syntax error at line 5, column 7 (near 'LIMIT x')")
    assert "'\\u{" not in error.message  # pyoxigraph's character-class listings shortened


def test_rows_are_capped_and_the_cap_is_reported(backend: OxigraphBackend) -> None:
    everything = backend.query("SELECT * { ?s ?p ?o }")
    total = len(everything.rows)
    assert total == 17 and not everything.truncated and not everything.warnings
    capped = backend.query("SELECT * { ?s ?p ?o }", max_rows=4)
    assert len(capped.rows) == 4 and capped.truncated
    assert "cut at 4 rows" in capped.warnings[0]
    exact = backend.query("SELECT * { ?s ?p ?o }", max_rows=total)
    assert len(exact.rows) == total and not exact.truncated


def _row_by_row(query: str, **kwargs) -> list[list]:
    """The answer read solution by solution, as the worker did before it let the engine
    write SPARQL JSON: the reference the fast path must equal."""
    import pyoxigraph as ox

    from ninek_graph.results import term_from_oxigraph

    store = ox.Store()
    store.load(path=str(DATA / "engine_graph.ttl"), format=ox.RdfFormat.TURTLE,
               to_graph=ox.NamedNode(G_DATA))
    store.load(path=str(DATA / "engine_def.nt"), format=ox.RdfFormat.N_TRIPLES,
               to_graph=ox.NamedNode(G_DEF))
    answer = store.query(query, use_default_graph_as_union=True, **kwargs)
    names = [v.value for v in answer.variables]
    return [[None if s[n] is None else term_from_oxigraph(s[n]) for n in names]
            for s in answer]


@pytest.mark.parametrize("cap", [1, 2, 5, 16, 17, 18, 1000])
def test_engine_written_json_is_the_same_answer_at_every_cap(
        backend: OxigraphBackend, cap: int) -> None:
    query = ("SELECT ?s ?p ?o { ?s ?p ?o FILTER(!isBlank(?s) && !isBlank(?o)) } "
             "ORDER BY ?s ?p ?o")  # blank node labels differ between two loads
    reference = _row_by_row(query)
    outcome = backend.query(query, max_rows=cap)
    assert outcome.json_body is not None  # the engine wrote it
    assert outcome.rows == reference[:cap]
    assert outcome.truncated == (len(reference) > cap)


def test_literals_that_look_like_a_solution_boundary_do_not_miscount() -> None:
    """A literal ending in '},{' followed by the closing quote puts the byte pattern the
    fast path counts solutions by inside a value; the cap must still be exact."""
    b = OxigraphBackend.from_files({G_DATA: DATA / "engine_graph.ttl"}, workers=1)
    try:
        text = ('SELECT ?x { VALUES ?x { "a},{" "b},{" "c},{" "d},{" "e},{" "f" } } '
                "ORDER BY ?x")
        for cap in (1, 2, 3, 5, 6, 7):
            outcome = b.query(text, max_rows=cap)
            expected = ["a},{", "b},{", "c},{", "d},{", "e},{", "f"][:cap]
            assert [row[0].value for row in outcome.rows] == expected
            assert outcome.truncated == (cap < 6)
    finally:
        b.close()


def test_an_answer_too_large_to_write_whole_is_read_row_by_row(monkeypatch) -> None:
    """Past the byte budget the fast path gives up and the rows are read one by one: the
    answer (and its cap) stay the same."""
    from ninek_graph import embedded

    monkeypatch.setattr(embedded, "_JSON_BYTES_PER_ROW", 8)  # read in the forked worker
    b = OxigraphBackend.from_files({G_DATA: DATA / "engine_graph.ttl"}, workers=1)
    try:
        long = ["x" * 3000 + str(n) for n in range(6)]  # two or three solutions per write
        text = "SELECT ?x { VALUES ?x { " + " ".join(f'"{v}"' for v in long) + " } } ORDER BY ?x"
        capped = b.query(text, max_rows=4)
        assert capped.json_body is None  # the row-by-row path
        assert [row[0].value for row in capped.rows] == long[:4] and capped.truncated
        whole = b.query(text, max_rows=100)
        assert whole.json_body is None
        assert [row[0].value for row in whole.rows] == long and not whole.truncated
    finally:
        b.close()


def test_triples_are_capped_and_describe_keeps_its_form(backend: OxigraphBackend) -> None:
    construct = backend.query("CONSTRUCT WHERE { ?s ?p ?o }", max_rows=3)
    assert construct.form == "CONSTRUCT" and len(construct.triples) == 3
    assert construct.truncated and "cut at 3 triples" in construct.warnings[0]
    describe = backend.query("DESCRIBE <http://example.org/larvik>")
    assert describe.form == "DESCRIBE" and not describe.truncated
    assert {t[1].value for t in describe.triples} == {
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", EX + "name", EX + "population"}


def test_timeout_stops_a_runaway_query_while_others_answer(backend: OxigraphBackend) -> None:
    errors: list[BaseException] = []

    def runaway() -> None:
        try:
            backend.query(PATHOLOGICAL, timeout=1.5)
        except BaseException as error:  # noqa: B036 - recorded and checked below
            errors.append(error)

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)
    assert backend.query("ASK { ?s ?p ?o }", timeout=5).boolean is True
    thread.join(timeout=20)
    assert not thread.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], QueryTimeout)
    assert backend.query("ASK { ?s ?p ?o }", timeout=5).boolean is True


def test_backend_built_before_a_fork_serves_in_the_child() -> None:
    """The gunicorn preload case: built in the master, used in a forked worker process."""
    backend = OxigraphBackend.from_files({G_DATA: DATA / "engine_graph.ttl"}, workers=1)
    try:
        read_fd, write_fd = os.pipe()
        child = os.fork()
        if child == 0:
            try:
                os.close(read_fd)
                answer = backend.query("ASK { ?s a <http://example.org/Municipality> }")
                backend.close()
                os.write(write_fd, b"yes" if answer.boolean else b"no")
            finally:
                os._exit(0)
        os.close(write_fd)
        result = os.read(read_fd, 8)
        os.close(read_fd)
        os.waitpid(child, 0)
        assert result == b"yes"
        assert backend.pool.pids == []  # the parent never forked a worker of its own
    finally:
        backend.close()


def test_from_files_rejects_other_formats(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonld"
    path.write_text("{}")
    with pytest.raises(ValueError, match=r"expected an \.nt or \.ttl file"):
        OxigraphBackend.from_files({G_DATA: path})


def test_solutions_without_bindings_are_capped_too() -> None:
    """Empty solutions ({} in SPARQL JSON) carry no boundary the fast path counts; the cap
    must hold for them all the same."""
    b = OxigraphBackend.from_files({G_DATA: DATA / "engine_graph.ttl"}, workers=1)
    try:
        text = "SELECT ?x { VALUES ?x { UNDEF UNDEF UNDEF UNDEF UNDEF UNDEF } }"
        capped = b.query(text, max_rows=4)
        assert len(capped.rows) == 4 and capped.truncated
        assert capped.rows == [[None]] * 4
        whole = b.query(text, max_rows=6)
        assert len(whole.rows) == 6 and not whole.truncated
    finally:
        b.close()
