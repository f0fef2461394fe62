"""The parser reads every row of the source, and a damaged source fails loudly."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from ninek_graph import source
from ninek_graph.paths import ROOT, SOURCE_FILE

SHARED_SEED = ROOT.parent / "shared" / "seed" / "000_b9a3c9e30057edf0.txt"
RECORDED_SHA256 = "8d67c5fef1a5d2d663cc26a60ddbde3d565e08901ceb85ac259b75ebc488bb62"


def independent_row_lines(text: str) -> list[int]:
    """Table rows found without the parser: tab-separated lines that are not header rows,
    section openers or the two sub-headings of 'Andre arbeidsområder'."""
    rows = []
    for number, line in enumerate(text.split("\n"), start=1):
        cells = line.split("\t")
        if len(cells) < 2 or not cells[0].strip():
            continue
        if cells[0] == "Prosjekt" or not any(c.strip() for c in cells[1:]):
            continue
        rows.append(number)
    return rows


def test_copy_is_unchanged_and_recorded():
    digest = hashlib.sha256(SOURCE_FILE.read_bytes()).hexdigest()
    assert digest == RECORDED_SHA256
    assert RECORDED_SHA256 in (SOURCE_FILE.parent / "SOURCE.md").read_text()
    if SHARED_SEED.exists():
        assert SHARED_SEED.read_bytes() == SOURCE_FILE.read_bytes()


def test_every_table_row_is_parsed(source_text):
    document = source.parse()
    assert [row.line for row in document.entries()] == independent_row_lines(source_text)
    assert len(document.entries()) == 58
    by_section = {key: 0 for key, _, _ in source.SECTIONS}
    for row in document.entries():
        by_section[row.section] += 1
    assert by_section == {"drift": 39, "plan": 10, "nettverk": 3, "andre": 6}


def test_fields_are_kept_exactly_as_written():
    document = source.parse()
    row = document.row(77)
    assert row.fields["status"] == "Avsluttet (viderefør es i 2)"
    assert row.raw == SOURCE_FILE.read_text(encoding="utf-8").split("\n")[76]
    assert document.row(48).fields["result"] == "Avsluttet"


def _damaged(tmp_path: Path, line: int, transform) -> Path:
    lines = SOURCE_FILE.read_text(encoding="utf-8").split("\n")
    lines[line - 1] = transform(lines[line - 1])
    path = tmp_path / "damaged.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_missing_column_names_line_and_field(tmp_path):
    path = _damaged(tmp_path, 30, lambda text: text.replace("\t", " ", 1))
    with pytest.raises(source.SourceError) as caught:
        source.parse(path)
    assert caught.value.line == 30
    assert "6 tab-separated fields" in str(caught.value)
    assert "line 23" in str(caught.value)


def test_empty_title_is_an_error(tmp_path):
    path = _damaged(tmp_path, 36, lambda text: text.replace("Geodata", "", 1))
    with pytest.raises(source.SourceError) as caught:
        source.parse(path)
    assert (caught.value.line, caught.value.field) == (36, "title")


def test_invalid_utf8_names_the_line(tmp_path):
    data = SOURCE_FILE.read_bytes().replace("Tjøme kommune".encode(), b"Tj\xf8me kommune")
    path = tmp_path / "latin1.txt"
    path.write_bytes(data)
    with pytest.raises(source.SourceError) as caught:
        source.parse(path)
    assert caught.value.line == 20


def test_cli_build_of_damaged_source_fails_and_keeps_dist(tmp_path):
    """A malformed source: clear message with line and field, non-zero exit, no output."""
    damaged = _damaged(tmp_path, 30, lambda text: text.replace("\t", " ", 1))
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "ninek.nt").write_text("previous build\n")
    script = (
        "import sys, ninek_graph.paths as p, pathlib;"
        f"p.SOURCE_FILE = pathlib.Path({str(damaged)!r});"
        "import ninek_graph.build as b; b.SOURCE_FILE = p.SOURCE_FILE;"
        "from ninek_graph.cli import main;"
        f"sys.exit(main(['build', '--dist', {str(dist)!r}]))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 2
    assert "damaged.txt:30" in done.stderr and "field" in done.stderr
    assert "Traceback" not in done.stderr
    assert (dist / "ninek.nt").read_text() == "previous build\n"
    assert sorted(p.name for p in dist.iterdir()) == ["ninek.nt"]
