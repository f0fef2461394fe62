"""The curated layer's checker fed bad input, and the README's promise about a damaged file.

Every ``text`` of ``data/interpretation/*.yaml`` is evidence: it must occur *verbatim* (same
case, same characters) in its source row (:mod:`ninek_graph.interpret`). The real files all
pass, so the checker is only proved by damaging a copy of them: evidence in another case, not
in the row, empty, a wrong line number, a missing field. The README promises that "a damaged
source or curated file stops the build with the file, line and field named, exit code 2, and
leaves the previous ``dist/`` untouched"; that is checked by running the real command line
(:mod:`tests.repo_copy` explains how it is run on a damaged copy of the data).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ninek_graph import interpret, source
from ninek_graph.paths import INTERPRETATION_DIR, SOURCE_FILE
from tests.repo_copy import make_copy, tree_bytes

ROWS = "01-driftsprosjekter.yaml"
HUSBANKEN = '{agent: husbanken, role: declined-funder, text: "Husbanken gir ikke tilskudd"}'


@pytest.fixture(scope="module")
def document() -> source.SourceDocument:
    return source.parse(SOURCE_FILE)


def damaged(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of data/interpretation/ with ``old`` (occurring once in ``name``) replaced."""
    directory = tmp_path / "interpretation"
    shutil.copytree(INTERPRETATION_DIR, directory)
    text = (directory / name).read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {name}"
    (directory / name).write_text(text.replace(old, new), encoding="utf-8")
    return directory


def test_the_real_curated_files_pass(document):
    loaded = interpret.load(document, INTERPRETATION_DIR)
    assert loaded.rows[17]["id"] == "bygging-av-omsorgsboliger-i-spania"


# (file, text to replace, replacement, fragments the message must hold: file, line, field)
BAD = {
    "evidence-in-lower-case": (
        ROWS, 'text: "Oppstart: Tønsberg"', 'text: "oppstart: tønsberg"',
        (ROWS, "line 17", "participant tonsberg", "verbatim", "'oppstart: tønsberg'")),
    "evidence-in-upper-case": (
        ROWS, HUSBANKEN, HUSBANKEN.replace("Husbanken gir ikke", "HUSBANKEN GIR IKKE"),
        (ROWS, "line 17", "role declined-funder of husbanken", "verbatim")),
    "evidence-one-letter-in-another-case": (
        ROWS, 'text: "Oppstart: Tønsberg"', 'text: "Oppstart: tønsberg"',
        (ROWS, "line 17", "participant tonsberg", "verbatim")),
    "evidence-not-in-the-row": (
        ROWS, HUSBANKEN, HUSBANKEN.replace("gir ikke tilskudd", "gir tilskudd"),
        (ROWS, "line 17", "role declined-funder of husbanken", "'Husbanken gir tilskudd'")),
    "evidence-from-the-next-row": (
        ROWS, HUSBANKEN, HUSBANKEN.replace("Husbanken gir ikke tilskudd",
                                           "Innleid konsulent (ECON)"),
        (ROWS, "line 17", "role declined-funder of husbanken", "verbatim")),
    "evidence-empty": (
        ROWS, HUSBANKEN, HUSBANKEN.replace('"Husbanken gir ikke tilskudd"', '""'),
        (ROWS, "line 17", "role declined-funder of husbanken")),
    "period-with-a-hyphen-for-the-dash": (
        ROWS, 'text: "2000 – 2002"', 'text: "2000 - 2002"',
        (ROWS, "line 17", "the period", "verbatim")),
    "unknown-agent": (
        ROWS, HUSBANKEN, HUSBANKEN.replace("agent: husbanken", "agent: husbank"),
        (ROWS, "line 17", "unknown agent 'husbank'")),
    "unknown-key": (
        ROWS, HUSBANKEN, HUSBANKEN.replace("{agent:", "{colour: red, agent:"),
        (ROWS, "line 17", "unknown key(s) ['colour']", "a role")),
    "two-entries-for-one-line": (
        ROWS, "- line: 17\n", "- line: 18\n", (ROWS, "two entries for line 18")),
    "note-evidence-in-lower-case": (
        "notes.yaml", 'text: "Driftsprojekter"', 'text: "driftsprojekter"',
        ("notes.yaml", "section-heading-spelling", "line 14", "'driftsprojekter'")),
    "note-on-the-next-line": (
        "notes.yaml", "line: 66\n", "line: 67\n",
        ("notes.yaml", "header-resultat", "line 67")),
    # a missing or mistyped field: the shape of its kind names it (was a bare KeyError)
    "role-without-evidence": (
        ROWS, HUSBANKEN, HUSBANKEN.replace(', text: "Husbanken gir ikke tilskudd"', ""),
        (ROWS, "line 17", "a role", "has no 'text'")),
    "role-without-agent": (
        ROWS, HUSBANKEN, HUSBANKEN.replace("agent: husbanken, ", ""),
        (ROWS, "line 17", "a role", "has no 'agent'")),
    "period-without-evidence": (
        ROWS, 'period: {start: 2000, end: 2002, text: "2000 – 2002"}',
        "period: {start: 2000, end: 2002}", (ROWS, "line 17", "the period", "has no 'text'")),
    "evidence-not-text": (
        ROWS, HUSBANKEN, HUSBANKEN.replace('"Husbanken gir ikke tilskudd"', "5"),
        (ROWS, "line 17", "role declined-funder of husbanken", "must be a string")),
    # notes.yaml and agents.yaml name their own source line: 1..96, and non-empty evidence
    "note-past-the-last-line": (
        "notes.yaml", "line: 66\n", "line: 9999\n",
        ("notes.yaml", "header-resultat", "line 9999 is not a line of the source (1..96)")),
    "note-one-past-the-last-line": (
        "notes.yaml", 'line: 66\n    text: "Resultat"', 'line: 97\n    text: "Tunge trender"',
        ("notes.yaml", "header-resultat", "line 97 is not a line of the source (1..96)")),
    "note-on-line-0": (  # line 0 used to read lines[-1], the last line, which holds the text
        "notes.yaml", 'line: 66\n    text: "Resultat"', 'line: 0\n    text: "Tunge trender"',
        ("notes.yaml", "header-resultat", "line 0 is not a line of the source")),
    "note-with-empty-evidence": (  # '' occurs in every line
        "notes.yaml", 'text: "Resultat"', 'text: ""',
        ("notes.yaml", "header-resultat", "evidence '' not on line 66")),
    "note-without-a-line": (
        "notes.yaml", "    line: 66\n", "", ("notes.yaml", "header-resultat", "has no 'line'")),
    "agent-evidence-on-line-0": (
        "agents.yaml", '{line: 21, text: "Adm leder 9k"}', '{line: 0, text: "Adm leder 9k"}',
        ("agents.yaml", "adm-leder-9k", "line 0 is not a line of the source")),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_curated_input_is_refused_naming_file_line_and_field(tmp_path, document, case):
    name, old, new, fragments = BAD[case]
    directory = damaged(tmp_path, name, old, new)
    with pytest.raises(interpret.InterpretationError) as caught:
        interpret.load(document, directory)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_a_row_with_its_entry_moved_to_another_line_is_reported(tmp_path, document):
    """The entry of line 17 claims line 15 (a header, not a row): line 17 has no entry, and
    the message names the file and the entry's wrong line as well."""
    directory = damaged(tmp_path, ROWS, "- line: 17\n", "- line: 15\n")
    orphan = r"no curated entry: lines \[17\]"
    with pytest.raises(interpret.InterpretationError, match=orphan) as caught:
        interpret.load(document, directory)
    assert f"{ROWS}, line 15: a curated entry for a line that is not a table row" in str(
        caught.value)


def test_a_note_on_the_last_line_of_the_source_is_accepted(tmp_path, document):
    """The upper boundary of the range: line 96 is the last line, and holds the text."""
    directory = damaged(tmp_path, "notes.yaml", 'line: 66\n    text: "Resultat"',
                        'line: 96\n    text: "Tunge trender"')
    loaded = interpret.load(document, directory)
    assert loaded.notes[0]["line"] == 96 == len(document.lines)


# --- the command line: exit code 2, file/line/field named, previous dist/ untouched ---------

@pytest.fixture
def repo(tmp_path):
    copy = make_copy(tmp_path / "repo")
    return copy


@pytest.fixture
def previous_dist(tmp_path, dist_dir) -> Path:
    """A complete dist/ from an earlier build, where the failing build is told to write."""
    dist = tmp_path / "out" / "dist"
    shutil.copytree(dist_dir, dist)
    return dist


def assert_refused(done, previous_dist: Path, before: dict[str, bytes], *fragments: str):
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    for fragment in fragments:
        assert fragment in done.stderr, (fragment, done.stderr)
    assert "previous dist/ is unchanged" in done.stderr
    assert tree_bytes(previous_dist) == before
    assert sorted(p.name for p in previous_dist.parent.iterdir()) == ["dist"]  # no staging


@pytest.mark.slow
def test_a_damaged_curated_file_stops_the_build(repo, previous_dist):
    assert repo.package_root(previous_dist) == repo.root  # the copy is what runs
    before = tree_bytes(previous_dist)
    repo.replace_once(f"data/interpretation/{ROWS}", 'text: "Oppstart: Tønsberg"',
                      'text: "oppstart: tønsberg"')
    done = repo.cli("build", dist=previous_dist)
    assert_refused(done, previous_dist, before, ROWS, "line 17", "participant tonsberg",
                   "does not occur verbatim")


@pytest.mark.slow
def test_a_damaged_source_file_stops_the_build(repo, previous_dist):
    """A row of the source with a tab too many (a column shifted by an editor)."""
    before = tree_bytes(previous_dist)
    relative = "data/source/prosjektoversikt-9k-1998-2005.txt"
    repo.replace_once(relative, "Styringsmodeller\t2001-2002\t", "Styringsmodeller\t2001\t2002\t")
    done = repo.cli("build", dist=previous_dist)
    assert_refused(done, previous_dist, before, "prosjektoversikt-9k-1998-2005.txt:18",
                   "field")


@pytest.mark.slow
def test_a_curated_file_with_a_missing_field_stops_the_build(repo, previous_dist):
    before = tree_bytes(previous_dist)
    repo.replace_once(f"data/interpretation/{ROWS}", HUSBANKEN,
                      HUSBANKEN.replace(', text: "Husbanken gir ikke tilskudd"', ""))
    done = repo.cli("build", dist=previous_dist)
    assert_refused(done, previous_dist, before, ROWS, "line 17", "text")
