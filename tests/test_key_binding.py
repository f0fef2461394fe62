"""``key`` parameters typed the way people type them find the same thing as the normal form.

A canned query's ``key`` parameter is put in lookup-key form (NFC, lower case, inner white
space folded to one space, ends stripped: :func:`ninek_graph.keys.match_key`) before it is
bound and matched against the entities' ``nk:matchKey`` values. A test that passes keys
already in that form cannot see the normalisation go missing, so every key here is *not*
normal: decomposed letters (``Va\\u030ale``: ``a`` and a combining ring, as macOS file names
and some keyboards give it), capitals, tabs, doubled, no-break and em spaces, leading and
trailing white space; and each must give exactly the answer of the plain spelling.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from urllib.parse import urlencode

import pytest
from rdflib import URIRef

from ninek_graph.backend import DATA_GRAPH, ONTOLOGY_GRAPH
from ninek_graph.keys import match_key

RING = "\u030a"  # COMBINING RING ABOVE: "a" + RING is "å" decomposed (NFD)
NBSP, EM_SPACE = "\u00a0", "\u2003"

# (query, parameter, the spelling in the source, spellings that are not yet normal)
CASES = [
    ("municipality-projects", "municipality", "Våle",
     ["Va" + RING + "le", "VÅLE", "VA" + RING + "LE", "  Våle\t", NBSP + "va" + RING + "le\n"]),
    ("municipality-projects", "municipality", "Tønsberg",
     ["TØNSBERG", " tønsberg ", "\tTønsberg" + EM_SPACE]),
    ("municipality-projects", "municipality", "0704", [" 0704 ", "0704\n"]),
    ("organisation-projects", "organisation", "Høgskolen i Vestfold",
     ["HØGSKOLEN I VESTFOLD", "Høgskolen  i\tVestfold", "høgskolen" + NBSP + "i vestfold ",
      "  Høgskolen\n i   Vestfold  "]),
    ("organisation-projects", "organisation", "Uninett ABC",
     ["uninett abc", "UNINETT" + EM_SPACE + "ABC", "Uninett   ABC"]),
    ("project-participants", "project", "Bredbånd i klasserommet",
     ["BREDBA" + RING + "ND I KLASSEROMMET", "Bredba" + RING + "nd  i klasserommet",
      " bredbånd\ti\tklasserommet "]),
    ("project-participants", "project", "Geodata – næringsarealer på nett",
     ["Geodata  –  næringsarealer  pa" + RING + " nett", "GEODATA – NÆRINGSAREALER PÅ NETT",
      "geodata –" + NBSP + "næringsarealer på nett\n"]),
    ("successor-projects", "municipality", "Færder",
     ["FÆRDER", " færder ", "Færder\t"]),
]


def test_match_key_normalises_what_is_not_yet_normal():
    assert match_key("Va" + RING + "le") == "våle" == unicodedata.normalize("NFC", "våle")
    assert match_key("  Høgskolen\n i" + NBSP + "Vestfold\t") == "høgskolen i vestfold"
    assert match_key("UNINETT" + EM_SPACE + "ABC") == "uninett abc"
    assert match_key("") == "" and match_key(" \t\n" + NBSP) == ""


@pytest.mark.parametrize("raw", [spelling for *_, spellings in CASES for spelling in spellings]
                         + [plain for _, _, plain, _ in CASES])
def test_match_key_is_idempotent(raw):
    once = match_key(raw)
    assert match_key(once) == once
    assert once == unicodedata.normalize("NFC", once) and once == once.strip()
    assert "  " not in once and once == once.lower()


def test_the_graphs_match_keys_are_in_normal_form(graph):
    """The build writes matchKey values with the same function, so they are fixed points
    (a value that is not would be unreachable by any parameter)."""
    keys = [str(o) for o in graph.objects(None, URIRef("https://w3id.org/ninek/def#matchKey"))]
    assert len(keys) > 100
    assert [k for k in keys if match_key(k) != k] == []


@pytest.fixture(scope="module")
def client(dist_dir: Path):
    from ninek_graph.app import create_app
    from ninek_graph.embedded import OxigraphBackend

    backend = OxigraphBackend.from_files(
        {DATA_GRAPH: dist_dir / "ninek.nt", ONTOLOGY_GRAPH: dist_dir / "ontology.nt"},
        workers=1)
    yield create_app({"dist": str(dist_dir), "cache_entries": 0}, backend=backend).test_client()
    backend.close()


def answer(client, query: str, parameter: str, value: str, fmt: str = "json"):
    response = client.get(f"/queries/{query}?" + urlencode({parameter: value, "format": fmt}))
    assert response.status_code == 200, (value, response.get_data(as_text=True)[:300])
    return response.get_json() if fmt == "json" else response.get_data(as_text=True)


@pytest.mark.parametrize(("query", "parameter", "plain", "spelling"), [
    (query, parameter, plain, spelling)
    for query, parameter, plain, spellings in CASES for spelling in spellings
], ids=lambda v: ascii(v)[1:-1] if isinstance(v, str) else str(v))
def test_a_key_not_yet_normal_finds_what_the_plain_spelling_finds(client, query, parameter,
                                                                  plain, spelling):
    expected = answer(client, query, parameter, plain)
    assert expected["results"]["bindings"], f"{query} finds nothing for {plain!r}"
    got = answer(client, query, parameter, spelling)
    assert got == expected
    assert answer(client, query, parameter, spelling, "csv") == answer(
        client, query, parameter, plain, "csv")


# A key of white space only normalises to '': it is missing (it used to be bound as '' and
# answer 200 with no rows).
BLANKS = ["", " ", "\t" + NBSP, EM_SPACE + "\n"]


@pytest.mark.parametrize("value", BLANKS, ids=lambda v: ascii(v)[1:-1] or "empty")
def test_an_empty_key_is_a_missing_parameter(client, value):
    response = client.get("/queries/municipality-projects?" + urlencode(
        {"municipality": value, "format": "json"}))
    assert response.status_code == 400
    assert "missing required parameter 'municipality'" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", BLANKS, ids=lambda v: ascii(v)[1:-1] or "empty")
def test_an_empty_key_is_a_missing_parameter_on_the_command_line(capsys, value):
    """``ninek-graph query``: the same check, exit code 2 and the message, no traceback.
    (The parameter is refused before the endpoint is asked, so none is contacted.)"""
    from ninek_graph import cli

    code = cli.main(["query", "municipality-projects", "--param", f"municipality={value}",
                     "--endpoint", "http://127.0.0.1:9/sparql"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "missing required parameter 'municipality'" in err
    assert "Traceback" not in err
