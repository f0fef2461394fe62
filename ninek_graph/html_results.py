"""Query answers as HTML tables whose IRIs link to entity pages, within a cell and byte budget.

IRIs under the canonical base (https://w3id.org/ninek/) whose remainder is a path of our own
link to the same path on this server (under its public base's path, see
:func:`.pages_view.local`), so browsing works wherever it runs; other http(s) IRIs (among
them ``https://w3id.org/ninek//evil.example/x``, which put after a slash would leave the
site) link out as they are, marked external, and any other IRI (``javascript:``, ``data:``,
``mailto:``...) is shown as text, never as a link (:mod:`.links`). Everything from the data
is escaped.

A page is for reading, not for carrying a whole answer: an answer of 10 000 rows by 40
columns took over half a minute to lay out as a page after the query had finished, outside
the query's time limit. So a page shows the first rows that fit ``html_max_cells`` cells
(at least one row), says so, and links the whole answer in the machine formats. Only the
rows shown are read from the engine's JSON, and the table body is written here in one pass
(a Jinja macro call per cell cost microseconds each, times hundreds of thousands).

Cells are not bounded in size by the engine, and escaping grows them: a cell of 16 million
``<`` became a 130 MB page (``&lt;`` each), made in the web worker outside the query's memory
and time limits. So a cell shows at most :data:`MAX_CELL_CHARS` characters of its value,
with a note of its length and a link to the whole answer, and the rows shown also fit a
budget in bytes (``max_bytes``, the caller's share of ``max_answer_mib``), whichever of the
two budgets is met first.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from .backend import QueryOutcome, Term
from .links import linkable, own_path
from .results import row_from_binding

#: Most characters of one value a page shows; the rest is in the downloads.
MAX_CELL_CHARS = 4_000
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
    #: True when the byte budget, not the cell budget, stopped the rows shown.
    cut_by_bytes: bool = False
    max_bytes: int = 0

    @property
    def cut(self) -> bool:
        """Whether the page shows fewer rows than the answer has."""
        return self.shown < self.total


def _shortened(value: str, whole: str | None) -> str:
    """``value`` escaped, or its first :data:`MAX_CELL_CHARS` characters and a note saying
    how long it is and where the whole answer is (``whole``: the first download's link)."""
    if len(value) <= MAX_CELL_CHARS:
        return str(escape(value))
    where = (f'<a href="{escape(whole)}">download the whole answer</a>' if whole
             else "download the whole answer")
    return (f'{escape(value[:MAX_CELL_CHARS])}<span class="muted cell-cut"> … '
            f'({len(value):,} characters, {where})</span>')


def cell_html(term: Term | None, root: str, whole: str | None = None) -> str:
    """One cell's HTML; ``root`` is this server's root path (canonical IRIs map under it),
    ``whole`` the link to the whole answer a shortened cell points to."""
    if term is None:
        return UNBOUND
    kind = term.kind
    if kind == "uri":
        value = term.value
        if len(value) > MAX_CELL_CHARS:  # a link of megabytes helps nobody: text, shortened
            return f'<span class="iri-text">{_shortened(value, whole)}</span>'
        path = own_path(value)
        if path is not None:
            return f'<a href="{escape(root + path)}">{escape(path)}</a>'
        if linkable(value):
            return (f'<a href="{escape(value)}" rel="external noopener">'
                    f'{escape(value)}</a>')
        return f'<span class="iri-text">{escape(value)}</span>'
    if kind == "literal":
        text = _shortened(term.value, whole)
        if term.lang:
            return f'{text} <span class="muted">@{escape(term.lang)}</span>'
        return text
    if kind == "bnode":
        return f'<span class="muted">_:{_shortened(term.value, whole)}</span>'
    return "&lt;&lt; triple &gt;&gt;"


def _head(outcome: QueryOutcome, limit: int) -> tuple[list, int]:
    """The first ``limit`` rows (or triples) and how many the answer has; from the engine's
    JSON only the rows shown become terms."""
    if outcome.form == "SELECT":
        if outcome.json_body is not None:
            bindings = json.loads(outcome.json_body)["results"]["bindings"]
            variables = outcome.variables
            rows = [row_from_binding(b, variables) for b in bindings[:limit]]
            return rows, len(bindings)
        return outcome.rows[:limit], len(outcome.rows)
    return [list(t) for t in outcome.triples[:limit]], len(outcome.triples)


def table(outcome: QueryOutcome, *, max_cells: int, root: str,
          downloads: list[tuple[str, str]] | None = None,
          max_bytes: int | None = None) -> Table:
    """The answer as a :class:`Table` of at most ``max_cells`` cells (or one row) whose
    body takes at most ``max_bytes`` bytes of UTF-8 (no limit when None)."""
    if outcome.form == "ASK":
        return Table("ASK", boolean=outcome.boolean, warnings=outcome.warnings)
    variables = (outcome.variables if outcome.form == "SELECT"
                 else ["subject", "predicate", "object"])
    limit = max(1, max_cells // max(1, len(variables)))
    rows, total = _head(outcome, limit)
    whole = downloads[0][1] if downloads else None
    parts: list[str] = []
    size = 0
    by_bytes = False
    for row in rows:
        line = ("<tr>" + "".join(f"<td>{cell_html(t, root, whole)}</td>" for t in row)
                + "</tr>\n")
        if max_bytes is not None:
            length = len(line.encode("utf-8"))
            if size + length > max_bytes:
                by_bytes = True
                break
            size += length
        parts.append(line)
    return Table(outcome.form, variables, Markup("".join(parts)), len(parts), total,
                 "rows" if outcome.form == "SELECT" else "triples", outcome.truncated,
                 warnings=outcome.warnings, max_cells=max_cells,
                 downloads=list(downloads or ()), cut_by_bytes=by_bytes,
                 max_bytes=max_bytes or 0)
