"""The amount rules at their boundary: zero kroner is not an amount, one krone is.

``shapes/ninek.ttl`` says an amount is *positive* twice: ``nk:amountNOK`` of a grant, cost or
saving (AmountStatementShape) and the ``schema:value`` of its ``schema:MonetaryAmount``
(MonetaryAmountShape), both ``sh:minExclusive 0``. A negative amount breaks other rules too
(tests/data/shape_amount-negative.ttl also differs from its ``schema:value``), so it cannot
tell ``minExclusive 0`` from ``minInclusive 0``: zero can. Here the grant of
``tests/data/shape_context.ttl`` (a graph conforming to every shape) gets the same amount in
both places, so ``sh:equals`` holds and only the two positivity rules are left to speak.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from ninek_graph import validate
from ninek_graph.namespaces import BASE, NK, SCHEMA
from ninek_graph.ontology import ontology_graph

CONTEXT = Path(__file__).parent / "data" / "shape_context.ttl"
GRANT = URIRef(BASE + "grant/a-1")
AMOUNT = URIRef(BASE + "grant/a-1#amount")
SHAPES = "https://w3id.org/ninek/shapes#"
INTEGER = URIRef("http://www.w3.org/2001/XMLSchema#integer")
DECIMAL = URIRef("http://www.w3.org/2001/XMLSchema#decimal")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return validate.project_shapes()


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return ontology_graph()


@pytest.fixture(scope="module")
def context() -> Graph:
    return Graph().parse(CONTEXT, format="turtle")


def with_amount(context: Graph, value: Literal) -> Graph:
    graph = Graph()
    graph += context
    assert graph.value(GRANT, NK.amountNOK) is not None  # the context has an amount here
    graph.set((GRANT, NK.amountNOK, value))
    graph.set((AMOUNT, SCHEMA.value, value))
    return graph


def owner(shapes: Graph, result: validate.Violation) -> str | None:
    """The named node shape a result's source shape belongs to (property shapes walked up)."""
    from rdflib import BNode

    node = URIRef(result.shape) if result.shape.startswith("http") else BNode(result.shape)
    seen, todo = set(), [node]
    while todo:
        current = todo.pop()
        if isinstance(current, URIRef) and current.startswith(SHAPES):
            return current.removeprefix(SHAPES)
        if current not in seen:
            seen.add(current)
            todo.extend(shapes.subjects(None, current))
    return None


ZERO = [Literal(0, datatype=INTEGER), Literal(Decimal("0.0"), datatype=DECIMAL),
        Literal(Decimal("-0.00"), datatype=DECIMAL)]
POSITIVE = [Literal(1, datatype=INTEGER), Literal(Decimal("0.01"), datatype=DECIMAL),
            Literal(100000, datatype=INTEGER)]


@pytest.mark.parametrize("zero", ZERO, ids=lambda v: f"{v}^^{v.datatype.split('#')[1]}")
def test_a_zero_amount_violates_exactly_the_two_positivity_rules(context, shapes, ontology,
                                                                  zero):
    conforms, results = validate.run(with_amount(context, zero), shapes, ontology)
    assert not conforms
    found = {(owner(shapes, r), r.focus, r.path, r.severity) for r in results}
    assert found == {
        ("AmountStatementShape", str(GRANT), str(NK.amountNOK), "Violation"),
        ("MonetaryAmountShape", str(AMOUNT), str(SCHEMA.value), "Violation"),
    }, [r.as_text() for r in results]
    assert all("positive" in r.message for r in results), [r.message for r in results]


@pytest.mark.parametrize("positive", POSITIVE, ids=str)
def test_the_smallest_positive_amounts_conform(context, shapes, ontology, positive):
    conforms, results = validate.run(with_amount(context, positive), shapes, ontology)
    assert conforms and results == [], [r.as_text() for r in results]
