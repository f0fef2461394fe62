"""``ninek-graph query NAME``: a canned query from the command line.

Runs through the same back-end, guard and serializers as the web endpoint (SPARQL JSON is
the standard results format), and prints a plain-text table for people.
"""

from __future__ import annotations

from . import canned, results
from .backend import DATA_GRAPH, ONTOLOGY_GRAPH, QueryOutcome
from .paths import DIST_DIR
from .settings import defaults

MEDIA = {"json": results.JSON.media_type, "csv": results.CSV.media_type,
         "tsv": results.TSV.media_type, "xml": results.XML.media_type}


def _backend(endpoint: str):
    if endpoint:
        from .remote import RemoteBackend

        return RemoteBackend(endpoint)
    from .embedded import OxigraphBackend

    return OxigraphBackend.from_files(
        {DATA_GRAPH: DIST_DIR / "ninek.nt", ONTOLOGY_GRAPH: DIST_DIR / "ontology.nt"},
        workers=1,
    )


def run_query(name: str, raw: dict[str, str], fmt: str, *, endpoint: str = "") -> str:
    query = canned.get(name)
    bindings = query.bindings(raw)
    settings = defaults()
    backend = _backend(endpoint)
    try:
        outcome = backend.query(query.text, substitutions=bindings,
                                timeout=settings["query_timeout"],
                                max_rows=settings["max_rows"])
    finally:
        backend.close()
    if fmt == "table":
        return as_table(outcome)
    return results.serialize(outcome, MEDIA[fmt]).decode("utf-8")


def _text(term) -> str:
    if term is None:
        return ""
    return term.value


def as_table(outcome: QueryOutcome) -> str:
    if outcome.form == "ASK":
        return f"{'true' if outcome.boolean else 'false'}\n"
    header = outcome.variables
    rows = [[_text(t) for t in row] for row in outcome.rows]
    widths = [min(60, max([len(h)] + [len(r[i]) for r in rows])) for i, h in enumerate(header)]
    def line(cells):
        return "  ".join(c[:w].ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip()
    out = [line(header), line(["-" * w for w in widths])] + [line(r) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''}"
               + (", cut at the row limit" if outcome.truncated else "") + ")")
    return "\n".join(out) + "\n"
