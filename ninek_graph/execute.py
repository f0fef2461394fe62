"""Run a checked query against the application's store and turn the outcome into an answer.

Shared by the SPARQL endpoint and the canned queries so that both apply the same limits
(time, rows, length), the same guard and the same cache.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from . import results, sparql_guard
from .answers import Answer
from .backend import QueryOutcome, Term


@dataclass(frozen=True)
class Request:
    text: str
    substitutions: tuple[tuple[str, Term], ...] = ()
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()


def backend():
    return current_app.extensions["ninek_backend"]


def check(text: str, default_graphs=(), named_graphs=()) -> sparql_guard.QueryInfo:
    """The guard, with the store's graphs as the only dataset a query may name."""
    allowed = backend().graph_names()
    info = sparql_guard.check(
        text, allowed_graphs=allowed, max_length=current_app.config["MAX_QUERY_LENGTH"]
    )
    sparql_guard.check_dataset_parameters(default_graphs, named_graphs, allowed_graphs=allowed)
    return info


def run(req: Request) -> QueryOutcome:
    return backend().query(
        req.text,
        substitutions=dict(req.substitutions) or None,
        default_graph_uris=req.default_graph_uris,
        named_graph_uris=req.named_graph_uris,
        timeout=float(current_app.config["QUERY_TIMEOUT"]),
        max_rows=int(current_app.config["MAX_ROWS"]),
    )


def to_answer(outcome: QueryOutcome, media_type: str) -> Answer:
    fmt = next(f for f in results.formats_for(outcome.form) if f.media_type == media_type)
    # Every format is cut at the engine's byte budget too: escaping can make XML or RDF/XML
    # several times the size of the engine's answer (results.serialize_bounded).
    body, cut = results.serialize_bounded(outcome, media_type, prefixes=PREFIXES,
                                          max_bytes=results.max_answer_bytes(current_app.config))
    headers = [("Access-Control-Allow-Origin", "*")]
    if outcome.truncated or cut:
        headers.append(("X-Ninek-Truncated", "true"))
    warnings = list(outcome.warnings) + ([results.CUT_WARNING] if cut else [])
    for number, warning in enumerate(warnings, start=1):
        headers.append((f"X-Ninek-Warning-{number}", warning.encode("ascii", "replace").decode()))
    return Answer(body, fmt.content_type, tuple(headers))


PREFIXES = {
    "nk": "https://w3id.org/ninek/def#",
    "ninek": "https://w3id.org/ninek/",
    "schema": "https://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
