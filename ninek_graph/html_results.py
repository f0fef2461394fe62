"""Query answers as HTML tables whose IRIs link to entity pages.

IRIs under the canonical base (https://w3id.org/ninek/) link to the same path on this
server (under its public base's path, see :func:`.pages_view.local_href`), so browsing
works wherever it runs; other IRIs link out as they are. Everything from the data is
escaped by Jinja.
"""

from __future__ import annotations

from .backend import QueryOutcome, Term
from .namespaces import BASE
from .pages_view import local_href

SHORT = {
    "https://w3id.org/ninek/def#": "nk:",
    "http://www.w3.org/2001/XMLSchema#": "xsd:",
}


def cell(term: Term | None) -> dict:
    if term is None:
        return {"kind": "unbound"}
    if term.kind == "uri":
        label = term.value
        if label.startswith(BASE):
            label = label[len(BASE):]
        return {"kind": "uri", "href": local_href(term.value), "text": label}
    if term.kind == "literal":
        datatype = term.datatype
        for long, short in SHORT.items():
            if datatype and datatype.startswith(long):
                datatype = short + datatype[len(long):]
        return {"kind": "literal", "text": term.value, "lang": term.lang, "datatype": datatype}
    if term.kind == "bnode":
        return {"kind": "bnode", "text": "_:" + term.value}
    return {"kind": "literal", "text": "<< triple >>"}


def table_context(outcome: QueryOutcome) -> dict:
    if outcome.form == "ASK":
        return {"form": "ASK", "boolean": outcome.boolean, "warnings": outcome.warnings}
    if outcome.form == "SELECT":
        return {
            "form": "SELECT",
            "variables": outcome.variables,
            "rows": [[cell(t) for t in row] for row in outcome.rows],
            "truncated": outcome.truncated,
            "warnings": outcome.warnings,
        }
    return {
        "form": outcome.form,
        "variables": ["subject", "predicate", "object"],
        "rows": [[cell(t) for t in triple] for triple in outcome.triples],
        "truncated": outcome.truncated,
        "warnings": outcome.warnings,
    }
