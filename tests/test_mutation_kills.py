"""Tests written for the mutants that survived ``mutation/run.sh`` (see mutation/results.md).

Each test names the mutant it kills (``file:line: mutation`` of the run's commit). They test
the boundaries the existing tests stepped over: exactly at a cap, zero, one entry, the
replaced key, the order of use.
"""

from __future__ import annotations

from datetime import date

import pytest

from ninek_graph.lru import BoundedLRU
from ninek_graph.membership import (
    DOCUMENT_YEAR,
    existence_years,
    members,
    resolve_all_members,
)


def _lru(entries: int, max_bytes: int) -> BoundedLRU[bytes]:
    return BoundedLRU(entries, max_bytes, len)


# lru.py:24 `max(0, ...)` -> `max(1, ...)`: a negative or zero budget is exactly zero bytes.
def test_lru_budget_below_zero_is_zero() -> None:
    assert _lru(4, -5).max_bytes == 0
    assert _lru(4, 0).max_bytes == 0
    assert _lru(-3, 100).entries == 0


# lru.py:32 `self.entries > 0` -> `>= 0`: a cache of zero entries accepts nothing.
def test_lru_of_zero_entries_accepts_nothing() -> None:
    cache = _lru(0, 1000)
    assert not cache.accepts(1)
    cache.put("k", b"x")
    assert cache.get("k") is None and cache.bytes == 0


# lru.py:32 `> 0` -> `> 1`: a cache of exactly one entry keeps that one entry.
def test_lru_of_one_entry_keeps_one() -> None:
    cache = _lru(1, 1000)
    assert cache.accepts(1)
    cache.put("a", b"x")
    assert cache.get("a") == b"x"
    cache.put("b", b"y")
    assert cache.get("a") is None and cache.get("b") == b"y"


# lru.py:32 `size <= max_bytes // 4`: exactly a quarter is kept, one byte more is not.
def test_lru_keeps_a_value_of_exactly_a_quarter_of_the_budget() -> None:
    cache = _lru(10, 400)
    assert cache.accepts(100) and not cache.accepts(101)
    cache.put("a", b"x" * 100)
    cache.put("b", b"x" * 101)
    assert cache.get("a") is not None and cache.get("b") is None


# lru.py:38 `move_to_end` deleted: reading an entry makes it the most recently used.
def test_lru_get_protects_an_entry_from_eviction() -> None:
    cache = _lru(2, 1000)
    cache.put("a", b"1")
    cache.put("b", b"2")
    assert cache.get("a") == b"1"
    cache.put("c", b"3")  # evicts the least recently used: b, not a
    assert cache.get("b") is None
    assert cache.get("a") == b"1" and cache.get("c") == b"3"


# lru.py:48 `self.bytes -= size_of(old)` -> `+=`: replacing a key counts only the new value.
def test_lru_replacing_a_key_counts_only_the_new_value() -> None:
    cache = _lru(10, 1000)
    cache.put("a", b"x" * 50)
    cache.put("a", b"x" * 20)
    assert cache.bytes == 20 and len(cache.items) == 1


# lru.py:51 `len(items) > entries` / `bytes > max_bytes` -> `>=`: a cache filled exactly to
# its count and to its byte budget keeps everything.
def test_lru_filled_exactly_to_both_caps_keeps_everything() -> None:
    cache = _lru(4, 400)
    for key in "abcd":
        cache.put(key, b"x" * 100)
    assert cache.bytes == 400 and all(cache.get(key) is not None for key in "abcd")
    cache.put("e", b"x")  # one past the count: the least recently used goes
    assert cache.get("a") is None and cache.bytes == 301


# membership.py:25 DOCUMENT_YEAR `2005` -> `2006`, and the `<=` against it (lines 57, 74): a
# municipality that ended in the document's last year closes an open period; one that
# ended a year later leaves it open (the document says nothing of 2006).
def test_existence_ending_exactly_in_the_document_year_closes_the_period() -> None:
    assert DOCUMENT_YEAR == 2005  # the overview describes the cooperation as of 2005
    assert existence_years("x", 2003, None, {"x": (None, date(2005, 12, 31))}) == (2003, 2005)
    assert existence_years("x", 2003, None, {"x": (None, date(2006, 12, 31))}) == (2003, None)
    one = members(
        {"members": [{"municipality": "x", "from": 1998}]}, {"x": (None, date(2005, 12, 31))}
    )
    assert (one[0].start, one[0].end) == (1998, 2005)
    later = members(
        {"members": [{"municipality": "x", "from": 1998}]}, {"x": (None, date(2006, 12, 31))}
    )
    assert later[0].end is None


def test_existence_years_boundaries() -> None:
    # begun in the project's second year: the period starts then
    assert existence_years("x", 2000, 2003, {"x": (date(2001, 1, 1), None)}) == (2001, 2003)
    # ended in the project's first year: exactly one year, not none
    assert existence_years("x", 2000, 2003, {"x": (None, date(2000, 12, 31))}) == (2000, 2000)
    # ended the year before the project: none
    assert existence_years("x", 2000, 2003, {"x": (None, date(1999, 12, 31))}) is None
    # a curated end before the municipality's end is kept
    assert existence_years("x", 1998, 2000, {"x": (None, date(2001, 12, 31))}) == (1998, 2000)
    # unknown agents existed throughout
    assert existence_years("y", 1998, None, {}) == (1998, None)


def test_membership_joining_in_the_first_year_of_existence_is_accepted() -> None:
    found = members(
        {"members": [{"municipality": "re", "from": 2002}]},
        {"re": (date(2002, 1, 1), date(2019, 12, 31))},
    )
    assert (found[0].start, found[0].end) == (2002, None)
    with pytest.raises(ValueError, match="joins in 2001"):
        members(
            {"members": [{"municipality": "re", "from": 2001}]}, {"re": (date(2002, 1, 1), None)}
        )
    # a curated leaving year earlier than the municipality's end wins
    left = members(
        {"members": [{"municipality": "x", "from": 1998, "to": 2000}]},
        {"x": (None, date(2001, 12, 31))},
    )
    assert left[0].end == 2000


_MEMBERSHIP = {
    "members": [
        {"municipality": "a", "from": 1998, "founding": True},
        {"municipality": "b", "from": 1998, "founding": True, "to": 2001},
        {"municipality": "c", "from": 2001},
    ]
}


def _resolved(start: int, end: int | None, count: int | None = None) -> dict:
    return {
        r.municipality: (r.start, r.end)
        for r in resolve_all_members(_MEMBERSHIP, start, end, count)
    }


def test_all_members_boundaries_of_the_overlap() -> None:
    # a project of exactly the year c joined includes c for that one year
    assert _resolved(2001, 2001) == {"a": (2001, 2001), "b": (2001, 2001), "c": (2001, 2001)}
    # the year before c joined: not c
    assert _resolved(2000, 2000) == {"a": (2000, 2000), "b": (2000, 2000)}
    # after b left: not b
    assert _resolved(2002, 2003) == {"a": (2002, 2003), "c": (2002, 2003)}
    # open-ended: open for open memberships, closed where the membership ended
    assert _resolved(2000, None) == {"a": (2000, None), "b": (2000, 2001), "c": (2001, None)}
    # a stated count of seven: the founding members only, for the whole period
    assert _resolved(2001, 2002, 7) == {"a": (2001, 2002), "b": (2001, 2002)}
    # an open-ended project starting after the document's years: nobody is known
    assert _resolved(DOCUMENT_YEAR + 1, None) == {}


# membership.py:28 and :37 `frozen=True` -> `False`: members are values (hashable, immutable),
# so the build can collect them in sets and a caller cannot change a resolved period.
def test_members_are_immutable_values() -> None:
    from dataclasses import FrozenInstanceError

    member = members({"members": [{"municipality": "a", "from": 1998}]})[0]
    resolved = resolve_all_members(_MEMBERSHIP, 2000, 2000, None)[0]
    assert len({member, member}) == 1 and len({resolved, resolved}) == 1
    with pytest.raises(FrozenInstanceError):
        member.end = 2000  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        resolved.end = 2001  # type: ignore[misc]


# negotiation.py:66 `3 + (1 if params else 0)`: a range with parameters is exactly one more
# specific than the bare type/subtype (module docstring: "parameters add one").
def test_negotiation_specificity_values() -> None:
    from ninek_graph.negotiation import parse_accept, quality

    assert [
        r.specificity for r in parse_accept("*/*, text/*, text/csv, text/csv;header=present")
    ] == [1, 2, 3, 4]
    assert quality(parse_accept("text/csv;header=present"), "text/csv;header=present") == (1.0, 4)


# negotiation.py:71/73 `.lower()` dropped, :105 `.lower()` dropped, :91 parameter name not
# lower-cased: media types and parameter names are case-insensitive (RFC 9110, 8.3.1),
# on both sides, so input that is not lower case yet must match.
def test_negotiation_is_case_insensitive_on_both_sides() -> None:
    from ninek_graph.negotiation import choose

    assert choose("text/html", ["Text/HTML"]) == "Text/HTML"
    assert choose("TEXT/CSV", ["text/csv"]) == "text/csv"
    assert choose("text/CSV", ["text/csv"]) == "text/csv"
    assert (
        choose("text/csv;HEADER=present", ["text/csv;header=present"]) == "text/csv;header=present"
    )
    assert (
        choose("text/csv;header=present", ["text/csv;Header=present"]) == "text/csv;Header=present"
    )


# negotiation.py:90 `value[1:-1]` (both ends): a quoted parameter value is unquoted exactly,
# escapes included.
def test_negotiation_unquotes_quoted_parameter_values() -> None:
    from ninek_graph.negotiation import choose, parse_accept

    assert (
        choose('text/csv;header="present"', ["text/csv;header=present"])
        == "text/csv;header=present"
    )
    assert parse_accept(r'text/x;a="b\"c"')[0].params == (("a", 'b"c'),)


# negotiation.py:119: an absent or unusable Accept header is */* at q=1 (RFC 9110, 12.5.1).
def test_negotiation_absent_header_is_any_type_at_full_quality() -> None:
    from ninek_graph.negotiation import MediaRange, parse_accept, quality

    for header in (None, "", "garbage"):
        assert parse_accept(header) == [MediaRange("*", "*", (), 1.0)]
        assert quality(parse_accept(header), "application/json") == (1.0, 1)


# negotiation.py:128 `specificity > best` -> `>=`: of two equally specific ranges for the same
# type (a duplicate in the header, which RFC 9110 leaves open) the first one counts, so the
# answer does not depend on which duplicate a client appended last.
def test_negotiation_first_of_duplicate_ranges_counts() -> None:
    from ninek_graph.negotiation import parse_accept, quality

    assert quality(parse_accept("text/html;q=0.5, text/html;q=0.9"), "text/html") == (0.5, 3)


@pytest.fixture(scope="module")
def reconcile_index(dist_dir):
    from ninek_graph.reconcile_index import ReconcileIndex

    return ReconcileIndex.from_ntriples(dist_dir / "ninek.nt")


# reconcile_index.py:145 (`return known if len(known) == 1 and len(set(requested)) == 1`):
# type_strict "all" with one type filters by it; with two distinct types nothing matches
# (every entity has one type); the same type named twice is still one type.
def test_reconcile_type_strict_all(reconcile_index) -> None:
    from ninek_graph.reconcile_batch import Query

    one = reconcile_index.reconcile(Query("Tønsberg", ("municipality",), "all"))
    assert one and {c.entity.type for c in one} == {"municipality"}
    assert one[0].entity.id == "municipality/tonsberg"
    twice = reconcile_index.reconcile(Query("Tønsberg", ("municipality", "municipality"), "all"))
    assert [c.entity.id for c in twice] == [c.entity.id for c in one]
    assert reconcile_index.reconcile(Query("Tønsberg", ("municipality", "project"), "all")) == []
    assert reconcile_index.reconcile(Query("Tønsberg", ("municipality", "project"), "any"))


# reconcile_index.py:126 `or` -> `and`: a prefix typed without the spaces of the name
# ("hogskoleni" for "Høgskolen i Vestfold") is found through the compact form.
def test_suggest_finds_a_prefix_typed_without_spaces(reconcile_index) -> None:
    ids = [s["id"] for s in reconcile_index.suggest("hogskoleni")]
    assert "organisation/hve" in ids


# reconcile_index.py:129 `range(1, ...)` -> `range(2, ...)`: a prefix of the second word is
# found ("regnskap" in "Felles regnskap/lønn"), not only of the third and later.
def test_suggest_finds_a_prefix_of_the_second_word(reconcile_index) -> None:
    ids = [s["id"] for s in reconcile_index.suggest("regnskap", limit=50)]
    assert "project/felles-regnskap-lonn" in ids


# reconcile_index.py:172 `pid == "category"` -> `!=`: a category typed not yet normal (capitals,
# "og", the IRI) is folded before it is compared.
def test_reconcile_category_filter_folds_the_value(reconcile_index) -> None:
    from ninek_graph.reconcile_batch import Query

    def ids(value: str) -> set[str]:
        found = reconcile_index.reconcile(Query(None, properties=(("category", (value,)),)))
        return {c.entity.id for c in found}

    plain = ids("driftsprosjekter")
    assert plain and all(i.startswith("project/") for i in plain)
    assert ids("Driftsprosjekter") == plain
    assert ids("DRIFTSPROSJEKTER ") == plain


def _osa(a: str, b: str) -> int:
    """Optimal string alignment distance, the textbook table (no limit, no shortcuts)."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


_PAIRS = [
    ("", ""), ("", "abc"), ("abc", ""), ("abc", "abc"), ("abc", "ab"), ("ab", "abc"),
    ("abc", "abd"), ("ab", "ba"), ("abcd", "acbd"), ("abcdef", "badcfe"), ("tonsberg", "tonsbreg"),
    ("notteroy", "noteroy"), ("vestfold", "vestfjord"), ("kitten", "sitting"), ("abc", "cab"),
    ("hogskolen", "hgoskolen"), ("abcdefgh", "abcdwxyz"), ("ramnes", "ramnse"),
]  # fmt: skip


# reconcile_match.py:65-78 (the limit, each of the three edit costs, the transposition test
# and its cell): the bounded distance equals the textbook one within the limit and is
# exactly limit + 1 beyond it, for every limit from 0 up.
def test_edit_distance_matches_the_textbook_table_at_every_limit() -> None:
    from ninek_graph.reconcile_match import edit_distance

    for a, b in _PAIRS:
        true = _osa(a, b)
        for limit in range(0, max(len(a), len(b)) + 2):
            expected = true if true <= limit else limit + 1
            assert edit_distance(a, b, limit) == expected, (a, b, limit)


# reconcile_match.py:86 `int(longest * (1 - floor))`: below the floor the similarity is 0.0,
# exactly at it the ratio counts.
def test_similarity_floor() -> None:
    from ninek_graph.reconcile_match import similarity

    assert similarity("abcdefgh", "abcdwxyz") == 0.0  # 0.5 < 0.75
    assert similarity("abcdefgh", "abcdefxy") == 0.75  # exactly at the floor
    assert similarity("abcdefgh", "abcdefgx") == 0.875
    assert similarity("", "") == 0.0
    assert similarity("abcd", "abcd", floor=1.0) == 1.0


# reconcile_match.py:95 `or` -> `and`: a word with a digit matches only exactly, also when
# the other word has none ("fase2" is not "fase").
def test_words_with_digits_match_only_exactly() -> None:
    from ninek_graph.reconcile_match import _token_similarity

    assert _token_similarity("fase2", "fase") == 0.0
    assert _token_similarity("fase", "fase2") == 0.0
    assert _token_similarity("fase2", "fase2") == 1.0


# reconcile_match.py:106 stopword weight 0.3: a small word of the label that the query leaves
# out costs 0.3 of a word in recall, exactly.
def test_name_score_weighs_a_left_out_small_word_at_0_3() -> None:
    from ninek_graph.reconcile_match import Form, name_score

    score = name_score(Form.of("Høgskolen Vestfold"), Form.of("Høgskolen i Vestfold"))
    assert score == pytest.approx(89.0 * (0.7 * 1.0 + 0.3 * (2 / 2.3)))


# reconcile_match.py:112 `3 <= len(query) <= 10`: an abbreviation has at most ten letters.
def test_abbreviation_length_bounds() -> None:
    from ninek_graph.reconcile_match import _is_abbreviation

    tokens = ("abcdef", "ghijkl")
    assert _is_abbreviation("abcdefghij", tokens)  # ten letters
    assert not _is_abbreviation("abcdefghijk", tokens)  # eleven
    assert _is_abbreviation("agh", tokens) and not _is_abbreviation("ag", tokens)


# reconcile_match.py:138 `return 0.0` -> `return None`: a query with no letters or digits
# ("!!!") scores 0 against every name, and reconciling it gives no candidates, not an error.
def test_a_query_without_words_scores_zero(reconcile_index) -> None:
    from ninek_graph.reconcile_batch import Query
    from ninek_graph.reconcile_match import Form, name_score

    assert name_score(Form.of("!!!"), Form.of("Tønsberg")) == 0.0
    assert name_score(Form.of("Tønsberg"), Form.of("")) == 0.0
    assert reconcile_index.reconcile(Query("!!!")) == []


# sparql_guard.py `range(ord("a"), ord("z") + 1)`: only the 26 ASCII letters are upper-cased;
# the characters right after "z" ("{", "|", "}", "~") stay as they are.
def test_guard_upper_cases_exactly_the_ascii_letters() -> None:
    from ninek_graph.sparql_guard import _ascii_upper

    assert _ascii_upper("az{|}~`@") == "AZ{|}~`@"
    assert _ascii_upper("\u017fervice") == "\u017fERVICE"  # long s is not an S


# sparql_guard.py `merged = "/" + path` (RFC 3986, 5.2.3): a relative reference against a
# base with an authority and an empty path gets a leading slash.
def test_guard_resolves_a_relative_iri_against_a_base_without_path() -> None:
    from ninek_graph.sparql_guard import resolve_iri

    assert resolve_iri("a", "http://example.org") == "http://example.org/a"
    assert resolve_iri("a/../b", "http://example.org") == "http://example.org/b"
    assert resolve_iri("a", "http://example.org/x/y") == "http://example.org/x/a"


# reconcile_index.py:160 `start <= y` / `y <= end` -> `<`: the year filter includes the first
# and the last year of an entity's span and excludes the years just outside it.
def test_reconcile_year_filter_includes_both_ends_of_a_span(reconcile_index) -> None:
    from ninek_graph.reconcile_batch import Query

    checked = 0
    for entity in reconcile_index.entities:
        if len(entity.spans) != 1 or None in entity.spans[0]:
            continue
        start, end = entity.spans[0]

        def found(year: int, entity=entity) -> bool:
            query = Query(entity.name, properties=(("year", (str(year),)),), limit=100)
            return entity.id in {c.entity.id for c in reconcile_index.reconcile(query)}

        assert found(start) and found(end), entity.id
        assert not found(start - 1) and not found(end + 1), entity.id
        checked += 1
    assert checked >= 10  # Re (2002-2019), the closed projects


# sparql_guard.py:315 `return -1` -> `-2` (a closing bracket on another reading): the nesting
# of a reading the '<' opens counts each closed group once, so a thousand "((1)" hidden in
# what the main reading takes for an IRI still nest a thousand levels deep there.
def test_guard_counts_closing_brackets_once_on_other_readings() -> None:
    from ninek_graph.backend import QueryRefused
    from ninek_graph.sparql_guard import inspect

    def text(n: int) -> str:
        return "SELECT * WHERE { ?s ?p ?o FILTER(?o <" + "((1)" * n + "> ) }"

    with pytest.raises(QueryRefused, match="on one of its readings"):
        inspect(text(1001))
    assert inspect(text(10)).form == "SELECT"


# canned.py: the bad-input paths of parameter binding and of the query files' headers, at
# their limits (MAX_NAMED unknown names, 60 characters of a name, 18 digits, five fields).
def _canned(*parameters):
    from ninek_graph.canned import CannedQuery

    return CannedQuery("q", "T", "D", "SELECT * {}", tuple(parameters))


def test_canned_unknown_parameters_named_up_to_max_named() -> None:
    from ninek_graph.canned import MAX_NAMED, ParameterError

    assert MAX_NAMED == 10
    exactly = {f"p{i:02d}": "x" for i in range(10)}
    with pytest.raises(ParameterError) as caught:
        _canned().bindings(exactly)
    assert "p09" in str(caught.value) and "more" not in str(caught.value)
    one_past = {f"p{i:02d}": "x" for i in range(11)}
    with pytest.raises(ParameterError) as caught:
        _canned().bindings(one_past)
    assert "p09" in str(caught.value) and "p10" not in str(caught.value)
    assert "and 1 more" in str(caught.value)
    long_name = "a" * 59 + "bc"  # 61 characters: the message shows the first 60
    with pytest.raises(ParameterError) as caught:
        _canned().bindings({long_name: "x"})
    assert "a" * 59 + "b" in str(caught.value) and long_name not in str(caught.value)
    assert "it takes: none" in str(caught.value)


def test_canned_integer_and_default_binding() -> None:
    from ninek_graph.canned import Parameter, ParameterError

    number = Parameter("n", "integer", "7", False, "a number")
    assert number.bind("+5").value == "5" and number.bind(" -12 ").value == "-12"
    assert number.bind("9" * 18).value == "9" * 18
    with pytest.raises(ParameterError, match="must be an integer"):
        number.bind("9" * 19)
    assert number.bind(None).value == "7" and number.bind("").value == "7"
    required = Parameter("m", "string", None, True, "the municipality")
    with pytest.raises(ParameterError, match="missing required parameter 'm': the municipality"):
        required.bind("")
    with pytest.raises(ParameterError, match="NUL"):
        required.bind("a\x00b")
    text = Parameter("s", "string", None, True, "a name")
    bound = text.bind("  Våle ")  # a string is bound as typed (only key parameters fold)
    assert (bound.kind, bound.value) == ("literal", "  Våle ")
    iri = Parameter("i", "iri", None, True, "an IRI")
    assert iri.bind("https://w3id.org/ninek/x").kind == "uri"
    with pytest.raises(ParameterError, match="absolute IRI"):
        iri.bind("not an iri")


def test_canned_header_lines(tmp_path) -> None:
    from ninek_graph.canned import parse_file

    def parsed(header: str):
        path = tmp_path / "q.rq"
        path.write_text(header + "SELECT * {}\n", encoding="utf-8")
        return parse_file(path)

    ok = parsed("# title: T\n# description: D\n# param: m | key | required | help | ?mKey\n")
    (param,) = ok.parameters
    assert (param.name, param.type, param.required, param.variable) == ("m", "key", True, "mKey")
    plain = parsed("# title: T\n# description: D\n# param: n | integer | 3 | help\n")
    assert (plain.parameters[0].variable, plain.parameters[0].default) == ("n", "3")
    for bad in (
        "m | key | required",
        "m | nosuchtype | required | help",
        "m | key | required | help | mKey",
        "m | key | required | help | ?x | y",
    ):
        with pytest.raises(ValueError, match="q.rq: malformed param line"):
            parsed(f"# title: T\n# description: D\n# param: {bad}\n")
    with pytest.raises(ValueError, match="needs '# title:' and '# description:'"):
        parsed("# title: T\n")
    with pytest.raises(ValueError, match="needs"):
        parsed("# description: D\n")


# shapes/ninek.ttl:64 `sh:maxCount 1` on a project's dcterms:source dropped (found by the
# shapes mutator): a project standing on two source lines violates the shape.
def test_a_project_with_two_source_lines_violates_the_project_shape() -> None:
    from pathlib import Path

    from rdflib import Graph, URIRef
    from rdflib.namespace import DCTERMS, RDF

    from ninek_graph import validate
    from ninek_graph.namespaces import NK
    from ninek_graph.ontology import ontology_graph

    graph = Graph().parse(Path(__file__).parent / "data" / "shape_context.ttl", format="turtle")
    project = next(graph.subjects(RDF.type, NK.Project))
    lines = list(graph.subjects(RDF.type, NK.SourceLine))
    other = next(line for line in lines if (project, DCTERMS.source, line) not in graph)
    graph.add((project, DCTERMS.source, URIRef(other)))
    conforms, results = validate.run(graph, validate.project_shapes(), ontology_graph())
    assert not conforms
    assert any(
        r.focus == str(project) and r.path == str(DCTERMS.source) and "exactly one" in r.message
        for r in results
    ), [r.as_text() for r in results]
