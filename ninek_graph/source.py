"""Parse the source document into raw records, exactly as written.

The document is a text export of a project overview: free text, then four tables whose
columns are separated by tabs and whose header row ("Prosjekt<TAB>Periode...") repeats. This
module does no interpretation at all: every table row becomes a :class:`SourceRow` holding its
line number, its raw line and its fields keyed by canonical column names. What the fields
*mean* is stated by the curated layer (:mod:`ninek_graph.interpret`).

A line that does not fit the table it is in (wrong number of columns, an empty title) raises
:class:`SourceError` naming the line and the field, so that a damaged copy fails loudly
instead of producing a partial graph.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .paths import SOURCE_FILE

# The four sections, in document order: (key, the line that opens it, category slug).
SECTIONS = (
    ("drift", "1) Driftsprojekter", "driftsprosjekter"),
    ("plan", "2) Plan-, areal og næringsprosjekter", "plan-areal-naeringsprosjekter"),
    ("nettverk", "Faglige nettverksgrupper:", "faglige-nettverksgrupper"),
    ("andre", "Andre arbeidsområder:", "andre-arbeidsomrader"),
)

# Canonical field names by number of columns in a table's header row.
COLUMNS_BY_WIDTH = {
    7: ("title", "period", "participants", "working_form", "result", "status", "comment"),
    6: ("title", "period", "participants", "working_form", "result", "comment"),
}
# "Andre arbeidsområder" has no header: name<TAB>description, or a heading<TAB>(empty).
WORK_AREA_COLUMNS = ("title", "description")
HEADER_FIRST_CELL = "Prosjekt"


class SourceError(ValueError):
    """The source document does not have the shape this parser reads."""

    def __init__(self, line: int, field_name: str, message: str, path: Path | None = None):
        self.line = line
        self.field = field_name
        where = f"{path.name}:" if path else "line "
        super().__init__(f"{where}{line}: field {field_name!r}: {message}")


@dataclass(frozen=True)
class Header:
    """A table's header row: the column names as written, and where it stands."""

    line: int
    names: tuple[str, ...]


@dataclass(frozen=True)
class SourceRow:
    """One row of one table, as written.

    ``kind`` is ``"row"`` for an entry (a project, network group or work area) and
    ``"heading"`` for the sub-headings inside "Andre arbeidsområder" that group the rows under
    them. ``fields`` maps canonical column names to the raw cell text, untouched.
    """

    line: int
    section: str
    kind: str
    raw: str
    fields: dict[str, str]
    header: Header | None = None
    heading_line: int | None = None

    @property
    def title(self) -> str:
        return self.fields["title"]


@dataclass
class SourceDocument:
    """The parsed document: every row and header, and the file's identity."""

    path: Path
    sha256: str
    lines: list[str]
    rows: list[SourceRow] = field(default_factory=list)
    headers: list[Header] = field(default_factory=list)

    def row(self, line: int) -> SourceRow:
        for row in self.rows:
            if row.line == line:
                return row
        raise KeyError(f"no table row on line {line}")

    def entries(self) -> list[SourceRow]:
        """The rows that are entries (not sub-headings)."""
        return [row for row in self.rows if row.kind == "row"]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def parse(path: Path = SOURCE_FILE) -> SourceDocument:
    """Parse the document at ``path`` into a :class:`SourceDocument`."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SourceError(line, "(line)", f"not valid UTF-8: {error.reason}", path) from None
    lines = text.split("\n")
    document = SourceDocument(path, hashlib.sha256(data).hexdigest(), lines)
    section_key: str | None = None
    header: Header | None = None
    heading_line: int | None = None
    openers = {opener: key for key, opener, _ in SECTIONS}
    for number, line in enumerate(lines, start=1):
        cells = line.split("\t")
        first = cells[0].strip()
        if first in openers and not any(cell.strip() for cell in cells[1:]):
            section_key, header, heading_line = openers[first], None, None
            continue
        if not line.strip() or section_key is None:
            continue
        if section_key == "andre":
            row, heading_line = _work_area_row(number, line, cells, heading_line, path)
            document.rows.append(row)
            continue
        if first == HEADER_FIRST_CELL:
            header = _header(number, cells, path)
            document.headers.append(header)
            continue
        if header is None:
            raise SourceError(number, "(line)", "a table row before any header row", path)
        document.rows.append(_table_row(number, line, cells, section_key, header, path))
    _check_sections_present(document, path)
    return document


def _header(number: int, cells: list[str], path: Path) -> Header:
    if len(cells) not in COLUMNS_BY_WIDTH:
        raise SourceError(
            number, "(header)", f"a header row has {len(cells)} columns; expected 6 or 7", path
        )
    return Header(number, tuple(cells))


def _table_row(
    number: int, line: str, cells: list[str], section: str, header: Header, path: Path
) -> SourceRow:
    names = COLUMNS_BY_WIDTH[len(header.names)]
    if len(cells) != len(names):
        raise SourceError(
            number,
            names[min(len(cells), len(names)) - 1],
            f"the row has {len(cells)} tab-separated fields but its header on line "
            f"{header.line} has {len(names)} ({', '.join(header.names)})",
            path,
        )
    if not cells[0].strip():
        raise SourceError(number, "title", "the title (first column) is empty", path)
    return SourceRow(number, section, "row", line, dict(zip(names, cells, strict=False)), header)


def _work_area_row(
    number: int, line: str, cells: list[str], heading_line: int | None, path: Path
) -> tuple[SourceRow, int | None]:
    if len(cells) != 2:
        raise SourceError(
            number,
            "description",
            f"a row of 'Andre arbeidsområder' has {len(cells)} tab-separated fields; expected 2",
            path,
        )
    fields = dict(zip(WORK_AREA_COLUMNS, cells, strict=False))
    if not cells[0].strip():
        raise SourceError(number, "title", "the title (first column) is empty", path)
    if not cells[1].strip():
        return SourceRow(number, "andre", "heading", line, fields), number
    return SourceRow(number, "andre", "row", line, fields, heading_line=heading_line), heading_line


def _check_sections_present(document: SourceDocument, path: Path) -> None:
    found = {row.section for row in document.rows}
    for key, opener, _ in SECTIONS:
        if key not in found:
            raise SourceError(
                len(document.lines), "(section)", f"section {opener!r} has no rows", path
            )
