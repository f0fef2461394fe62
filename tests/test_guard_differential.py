"""The guard and the engine must read a query the same way (issue 10, finding 1).

An outside review found that pyoxigraph reads ``<`` after an operand as the less-than
operator while the guard took ``<...>`` up to a later ``>`` as one IRI; ``#`` or ``'`` inside
that "IRI" then start a comment or a string for the engine only, and a ``SERVICE`` the guard
believed to sit inside a string reached the engine, which connected to a listener on
127.0.0.1. These tests run the real engine against a real listener: the oracle is whether a
connection arrives (SERVICE executed) or a graph named only by FROM is read, not what the
guard thinks.

The differential fuzzer builds texts from the pieces that make lexers disagree (``<`` after
operands, ``#``, quotes, triple quotes, newlines, keywords without word boundaries, escapes)
around a SERVICE call or a FROM clause, and checks that whatever the guard accepts, the
engine neither connects nor selects a graph the guard did not see.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from ninek_graph.backend import QueryError, QueryRefused, QuerySyntaxError
from ninek_graph.sparql_guard import MAX_NESTING, check
from tests.listener import Listener

SECRET_GRAPH = "urn:ninek-test:secret"


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="module")
def store() -> ox.Store:
    """One triple in the default graph, and one in a graph only FROM can select."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal(1)))
    store.add(ox.Quad(ox.NamedNode("urn:secret"), ox.NamedNode("urn:p"), ox.Literal(2),
                      ox.NamedNode(SECRET_GRAPH)))
    return store


def guard_dataset(text: str) -> list[str] | None:
    """The graphs the guard read in the text's dataset clauses, or None when it refuses it.

    The secret graph is "allowed" so that the guard's own FROM reading is visible: a text it
    accepts must name the graph in its dataset whenever the engine selects it."""
    try:
        info = check(text, allowed_graphs={SECRET_GRAPH}, max_length=20_000)
    except QueryError:
        return None
    return info.from_graphs + info.from_named_graphs


def engine_run(store: ox.Store, text: str) -> list | None:
    """Run ``text`` on the real engine (in this process): the rows, or None on any error."""
    try:
        answer = store.query(text)
        if isinstance(answer, ox.QueryBoolean):
            return [bool(answer)]
        return [tuple(str(v) for v in row) if not isinstance(row, ox.Triple) else row
                for row in answer]
    except (SyntaxError, OSError, RuntimeError, ValueError):
        return None


def assert_same_reading(store: ox.Store, listener: Listener, text: str) -> None:
    dataset = guard_dataset(text)
    if dataset is None:
        return
    before = listener.connections
    rows = engine_run(store, text) or []
    assert listener.connections == before, f"the engine ran a SERVICE the guard accepted: {text!r}"
    names_secret = SECRET_GRAPH in dataset
    leaked = any("urn:secret" in str(row) for row in rows)
    assert names_secret or not leaked, f"the engine read FROM the guard did not see: {text!r}"


# --- the review's findings, and the same class of shape ------------------------------------------
def service(listener: Listener) -> str:
    return f"SERVICE <http://127.0.0.1:{listener.port}/> {{ ?a ?b ?c }}"


@pytest.mark.parametrize("shape", [
    # '<' after an operand is less-than to the engine; '#' then comments out the guard's "IRI" end
    'SELECT * {{ FILTER(1<2)#> """\n{svc}\n# """\n}}',
    "SELECT * {{ FILTER(1<2)#> '''\n{svc}\n# '''\n}}",
    'SELECT * {{ BIND(1 AS ?x) FILTER(?x<3)#> """\n{svc}\n#"""\n}}',
    'SELECT * {{ FILTER(1<=2)#> """\n{svc}\n#"""\n}}',
    'SELECT * {{ FILTER(1<2)#> .\n{svc}\n}}',
    # a quote inside the guard's "IRI" opens a string for the engine only
    "SELECT * {{ FILTER(1<2)'> '\n{svc} }}",
    "SELECT * {{ FILTER(1<2)'>'''\n{svc} }}",
])
def test_service_hidden_by_a_less_than_is_refused(store, listener, shape: str) -> None:
    text = shape.format(svc=service(listener))
    before = listener.connections
    engine_run(store, text)
    proves_engine_reads_service = listener.connections > before
    # refused as ambiguous, or (where the main reading is not even made of terminals) as a
    # syntax error: either way the engine never sees it
    with pytest.raises((QueryRefused, QuerySyntaxError),
                       match="read in more than one way|federated|not terminated"):
        check(text, allowed_graphs=(), max_length=20_000)
    # at least the review's own shape is a real attack on this engine (not a guess)
    if shape.startswith('SELECT * {{ FILTER(1<2)#> """'):
        assert proves_engine_reads_service


def test_from_hidden_by_a_less_than_is_refused(store) -> None:
    # The engine reads "SELECT ?s ((1<2) AS ?m) FROM <secret> WHERE {...}"; the old guard read
    # an IRI <2)#> and a string, and no FROM.
    text = f'SELECT ?s ((1<2)#> """\n AS ?m) FROM <{SECRET_GRAPH}>\n#"""\n WHERE {{ ?s ?p ?o }}'
    assert any("urn:secret" in str(row) for row in engine_run(store, text) or [])
    with pytest.raises(QueryRefused):
        check(text, allowed_graphs=(), max_length=20_000)


def test_brackets_hidden_by_a_less_than_count_towards_nesting() -> None:
    deep = "(" * (MAX_NESTING + 5)
    text = f"SELECT * {{ FILTER(1<{deep}>1) }}"
    with pytest.raises(QueryRefused, match="nests brackets|read in more than one way"):
        check(text, allowed_graphs=(), max_length=20_000)


@pytest.mark.parametrize("text", [
    # Ordinary queries with IRIs after operands, comparisons and '#' in IRIs stay allowed.
    "SELECT * { ?s <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ?o }",
    "SELECT * { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }",
    "SELECT * { ?s ?p ?o FILTER(?o<3) }",
    "PREFIX nk: <https://w3id.org/ninek/def#> SELECT * { ?s a nk:Project ; nk:startYear ?y "
    "FILTER(?y <= 2001) }",
    "SELECT * { ?s ?p ?o FILTER(?s = <http://example.org/a#b>) } # trailing comment",
    "SELECT * { ?s ?p ?o FILTER(?s IN (<http://a/#x>, <http://b/#y>)) }",
    "SELECT * { ?s ?p ?o } ORDER BY ?o LIMIT 10",
])
def test_ordinary_queries_stay_allowed(text: str) -> None:
    assert check(text, allowed_graphs=(), max_length=20_000).form == "SELECT"


# --- the differential fuzzer ---------------------------------------------------------------
# Texts are drawn at random (fixed seed) from the product of the parts that make readings
# diverge: an expression opener, an operand and a '<' inside parentheses, text that may close
# the expression, a character the engine may read as a comment or string start while the
# guard reads an IRI, then a string or comment opener, the payload (SERVICE in the pattern,
# or FROM after a projection expression, the only expression that can stand before a dataset
# clause), and text that closes what was opened.
OPENERS = ["FILTER(", "BIND(", "FILTER(?o = ", "FILTER(STR(", "FILTER((", "FILTER(?o IN (",
           "FILTER(!", ""]
OPERANDS = ["1", "?o", '"a"', "<urn:a>", "true", "(1)", "ex:a", "'b'@en", ""]
RIGHT_OPERANDS = ["2", "?o", "3.5", '"b"', "(5)", "<urn:b>", "ex:b", ""]  # 1 < 2 keeps rows
LESS_THANS = ["<", "<=", "<<", " <"]
CLOSE = [")", "))", ") AS ?q)", "", ")(", "2)"]
ESCAPE = ["#", "'", "#'", "'#", '"', ""]
GREATER = [">", ">>", ""]
HIDE = ['"""', "'''", "'", '"', "", "#", " #", "\\u0022", "."]
UNHIDE = ['#"""', "#'''", "#'", '#"', "", "#", '"""', "'''", "'"]
TAILS = ["", ")", " AS ?z)", "}", ">1)"]
SAMPLES = 20_000


def adversarial_texts(svc: str, count: int, seed: int = 20261201) -> Iterator[str]:
    rng = random.Random(seed)

    def pick(choices: list[str]) -> str:
        """Half the time the first choice (which builds the review's attack), else any:
        uniform choices alone almost never form a text the engine can parse."""
        return choices[0] if rng.random() < 0.5 else rng.choice(choices)

    for _ in range(count):
        hidden = "".join(pick(part) for part in (OPERANDS, LESS_THANS, RIGHT_OPERANDS, CLOSE,
                                                  ESCAPE, GREATER, HIDE))
        unhide = pick(UNHIDE) + pick(TAILS)
        if rng.random() < 0.5:  # SERVICE inside the pattern
            yield (f"PREFIX ex: <urn:ex:> SELECT * {{ ?s ?p ?o {pick(OPENERS)}{hidden}\n"
                   f"{svc}\n{unhide} }}")
        else:
            yield (f"PREFIX ex: <urn:ex:> SELECT ?s (({hidden}\n AS ?m) "
                   f"FROM <{SECRET_GRAPH}>\n{unhide}\nWHERE {{ ?s ?p ?o }}")


@pytest.mark.slow
def test_differential_fuzzer(store, listener) -> None:
    """No text the guard accepts makes the engine connect or read FROM it did not see; and
    the generator has teeth: many of its texts do exactly that on the unguarded engine."""
    attacks = {"SERVICE": 0, "FROM": 0}
    for text in adversarial_texts(service(listener), SAMPLES):
        before = listener.connections
        rows = engine_run(store, text) or []
        attacks["SERVICE"] += listener.connections > before
        attacks["FROM"] += any("urn:secret" in str(r) for r in rows)
        assert_same_reading(store, listener, text)
    assert min(attacks.values()) >= 20, f"too few real attacks among {SAMPLES}: {attacks}"


# --- depth: brackets and operator chains (review finding: 9 900 terms of 1+1+... or 19 900 '!'
# overflowed a worker's stack, 502) ------------------------------------------------------------
def chain(operators: int, operator: str = "+") -> str:
    """A filter whose depth is 2 (the braces and the parenthesis) + ``operators``."""
    return "SELECT ?x WHERE { FILTER(" + operator.join(["1"] * (operators + 1)) + ") }"


@pytest.mark.parametrize("operator", ["+", " || ", "*", " && ", " = "])
def test_operator_chains_count_as_depth_exactly_at_the_limit(operator: str) -> None:
    assert check(chain(MAX_NESTING - 2, operator), allowed_graphs=(), max_length=10**6)
    with pytest.raises(QueryRefused, match="chains operators"):
        check(chain(MAX_NESTING - 1, operator), allowed_graphs=(), max_length=10**6)


def test_unary_chains_count_as_depth() -> None:
    text = "SELECT * WHERE { FILTER(" + "!" * 19_900 + "true) }"
    with pytest.raises(QueryRefused, match="chains operators"):
        check(text, allowed_graphs=(), max_length=10**6)


def test_operators_of_a_closed_group_no_longer_count() -> None:
    # 20 groups of 900 operators each: never more than 902 levels at once
    groups = " ".join("FILTER(" + "+".join(["1"] * 901) + ")" for _ in range(20))
    assert check(f"SELECT * WHERE {{ {groups} }}", allowed_graphs=(), max_length=10**6)


def test_a_long_disjunction_stays_allowed() -> None:
    terms = " || ".join(f"?o = {i}" for i in range(300))
    assert check(f"SELECT * {{ ?s ?p ?o FILTER({terms}) }}", allowed_graphs=(),
                 max_length=10**6)


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { FILTER(" + "!" * 19_900 + "true) }",
    "SELECT * WHERE { FILTER(" + "+".join(["1"] * 9_900) + ") }",
])
def test_the_engine_really_overflows_on_these_chains(text: str) -> None:
    """The reason for the rule: run outside the guard, in a forked child, the engine dies."""
    import faulthandler
    import os
    import signal

    import pyoxigraph as ox

    pid = os.fork()
    if pid == 0:  # the child: run the query on the engine directly
        faulthandler.disable()  # the crash is expected; keep its report out of the log
        try:
            list(ox.Store().query(text))
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGSEGV
