"""Query answers as HTML tables whose IRIs link to entity pages, within a cell budget.

IRIs under the canonical base (https://w3id.org/ninek/) link to the same path on this
server (under its public base's path, see :func:`.pages_view.local`), so browsing works
wherever it runs; other http(s) IRIs link out as they are, and any other IRI (``javascript:``,
``data:``, ``mailto:``...) is shown as text, never as a link (:mod:`.links`). Everything from
the data is escaped.

A page is for reading, not for carrying a whole answer: an answer of 10 000 rows by 40
columns took over half a minute to lay out as a page after the query had finished, outside
the query's time limit. So a page shows the first rows that fit ``html_max_cells`` cells
(at least one row), says so, and links the whole answer in the machine formats. Only the
rows shown are read from the engine's JSON, and the table body is written here in one pass
(a Jinja macro call per cell cost microseconds each, times hundreds of thousands).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from .backend import QueryOutcome, Term
from .links import linkable
from .namespaces import BASE
from .results import _term_from_json

UNBOUND = Markup('<span class="muted" aria-label="unbound">–</span>')


@dataclass(frozen=True)
class Table:
    """What the answer templates show (``_results_table.html``)."""

    form: str
    variables: Sequence[str] = ()
    body: Markup = Markup("")
    shown: int = 0
    total: int = 0
    unit: str = "rows"
    truncated: bool = False
    boolean: bool | None = None
    warnings: Sequence[str] = ()
    max_cells: int = 0
    downloads: list[tuple[str, str]] = field(default_factory=list)

    @property
    def cut(self) -> bool:
        """Whether the page shows fewer rows than the answer has."""
        return self.shown < self.total


def cell_html(term: Term | None, root: str) -> str:
    """One cell's HTML; ``root`` is this server's root path (canonical IRIs map under it)."""
    if term is None:
        return UNBOUND
    kind = term.kind
    if kind == "uri":
        value = term.value
        if value.startswith(BASE):
            path = value[len(BASE):]
            return f'<a href="{escape(root + path)}">{escape(path)}</a>'
        if linkable(value):
            return f'<a href="{escape(value)}">{escape(value)}</a>'
        return f'<span class="iri-text">{escape(value)}</span>'
    if kind == "literal":
        text = str(escape(term.value))
        if term.lang:
            return f'{text} <span class="muted">@{escape(term.lang)}</span>'
        return text
    if kind == "bnode":
        return f'<span class="muted">_:{escape(term.value)}</span>'
    return "&lt;&lt; triple &gt;&gt;"


def _head(outcome: QueryOutcome, limit: int) -> tuple[list, int]:
    """The first ``limit`` rows (or triples) and how many the answer has; from the engine's
    JSON only the rows shown become terms."""
    if outcome.form == "SELECT":
        if outcome.json_body is not None:
            bindings = json.loads(outcome.json_body)["results"]["bindings"]
            variables = outcome.variables
            rows = [[_term_from_json(b[v]) if v in b else None for v in variables]
                    for b in bindings[:limit]]
            return rows, len(bindings)
        return outcome.rows[:limit], len(outcome.rows)
    return [list(t) for t in outcome.triples[:limit]], len(outcome.triples)


def table(outcome: QueryOutcome, *, max_cells: int, root: str,
          downloads: list[tuple[str, str]] | None = None) -> Table:
    """The answer as a :class:`Table` of at most ``max_cells`` cells (or one row)."""
    if outcome.form == "ASK":
        return Table("ASK", boolean=outcome.boolean, warnings=outcome.warnings)
    variables = (outcome.variables if outcome.form == "SELECT"
                 else ["subject", "predicate", "object"])
    limit = max(1, max_cells // max(1, len(variables)))
    rows, total = _head(outcome, limit)
    body = "".join(
        "<tr>" + "".join(f"<td>{cell_html(t, root)}</td>" for t in row) + "</tr>\n"
        for row in rows)
    return Table(outcome.form, variables, Markup(body), len(rows), total,
                 "rows" if outcome.form == "SELECT" else "triples", outcome.truncated,
                 warnings=outcome.warnings, max_cells=max_cells,
                 downloads=list(downloads or ()))
