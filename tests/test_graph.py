"""The built graph holds every row with provenance, and its money matches the source text.

The expected values here are derived from the source text by this test's own reading (a
regular expression for amounts and the nearest keyword for their kind), not from the
curated files or the graph.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

from rdflib import Literal, URIRef

from ninek_graph import source
from tests.test_source import independent_row_lines

PREFIXES = """
PREFIX nk: <https://w3id.org/ninek/def#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX schema: <https://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX org: <http://www.w3.org/ns/org#>
"""

AMOUNT = re.compile(r"(?P<ca>ca\s+)?(?:kr\s+)?(?P<n>½|\d{1,3}(?: \d{3})+|\d+)(?P<mill>\s+mill)?")
KEYWORDS = {
    "grant": ("tilskudd", "støtte", "støttet", "bevilget", "fullfinansiert", "fra"),
    "saving": ("besparelse", "spart", "innsparing", "gevinst"),
    "cost": ("kostnad", "drift i"),
}


def money_in_text(text: str) -> list[tuple[str, int, bool]]:
    """(kind, NOK, approximate) for every amount in a comment, by the nearest keyword
    before it in its sentence (or after it, if none stands before)."""
    found = []
    for sentence in re.split(r"\.\s", text):
        lowered = sentence.lower()
        for match in AMOUNT.finditer(sentence):
            number = match.group("n")
            if match.group("mill") is None and " " not in number:
                continue  # a year, a count or a date, not money
            value = Decimal("0.5") if number == "½" else Decimal(number.replace(" ", ""))
            if match.group("mill"):
                value *= 1_000_000
            before = lowered[: match.start()]
            after = lowered[match.end() :]
            hits = [
                (before.rfind(word), kind)
                for kind, words in KEYWORDS.items()
                for word in words
                if word in before
            ]
            if hits:
                kind = max(hits)[1]
            else:
                kind = min(
                    (after.find(word), kind)
                    for kind, words in KEYWORDS.items()
                    for word in words
                    if word in after
                )[1]
            found.append((kind, int(value), match.group("ca") is not None))
    return found


def source_money() -> dict[int, Counter]:
    money = {}
    for row in source.parse().entries():
        if row.section == "andre":
            continue
        text = " ".join(row.fields.get(k, "") for k in ("comment", "status"))
        found = money_in_text(text)
        if found:
            money[row.line] = Counter(found)
    return money


def graph_money(graph) -> dict[int, Counter]:
    rows = graph.query(
        PREFIXES
        + """
        SELECT ?node ?class ?amount ?approx ?line WHERE {
          VALUES ?class { nk:Grant nk:Saving nk:Cost }
          ?node a ?class ; nk:amountNOK ?amount ; nk:approximate ?approx ;
                prov:wasDerivedFrom/nk:lineNumber ?line .
        }"""
    )
    money: dict[int, Counter] = {}
    for _node, cls, amount, approx, line in rows:
        if int(line) >= 87:  # the duplicate mention in "Andre arbeidsområder"
            continue
        kind = str(cls).rsplit("#", 1)[1].lower()
        money.setdefault(int(line), Counter())[
            (kind, int(amount.toPython()), approx.toPython())
        ] += 1
    return money


def test_every_row_is_an_entity_with_its_source_line(graph, source_text):
    lines = independent_row_lines(source_text)
    found = graph.query(
        PREFIXES
        + """
        SELECT ?entity ?line ?raw WHERE {
          { ?entity a nk:Project } UNION { ?entity a nk:WorkArea }
          ?entity dcterms:source ?row . ?row nk:lineNumber ?line ; nk:rawText ?raw .
        }"""
    )
    by_line = {int(line): (entity, str(raw)) for entity, line, raw in found}
    assert sorted(by_line) == lines
    source_lines = source_text.split("\n")
    for line, (_, raw) in by_line.items():
        assert raw == source_lines[line - 1]


def test_money_matches_the_source_text_row_by_row(graph):
    expected, actual = source_money(), graph_money(graph)
    assert actual == expected
    totals = Counter()
    for counter in expected.values():
        for (kind, amount, _), n in counter.items():
            totals[kind] += amount * n
    assert totals == {"grant": 12_225_000, "saving": 36_400_000, "cost": 10_150_000}


def test_money_totals_by_kind_through_sparql(graph):
    expected = Counter()
    for counter in source_money().values():
        for (kind, amount, _), n in counter.items():
            expected[kind] += amount * n
    for kind, cls in (("grant", "nk:Grant"), ("saving", "nk:Saving"), ("cost", "nk:Cost")):
        (total,) = next(
            iter(
                graph.query(
                    PREFIXES + f"SELECT (SUM(?a) AS ?t) WHERE {{ ?g a {cls} ; nk:amountNOK ?a }}"
                )
            )
        )
        assert Decimal(str(total)) == expected[kind]


def test_the_duplicate_grant_is_one_grant_with_two_sources(graph):
    rows = list(
        graph.query(
            PREFIXES
            + """SELECT ?g (COUNT(DISTINCT ?line) AS ?n) WHERE {
          ?g a nk:Grant ; schema:funder <https://w3id.org/ninek/organisation/krd> ;
             prov:wasDerivedFrom/nk:lineNumber ?line } GROUP BY ?g"""
        )
    )
    assert [(str(g).rsplit("/", 1)[1], int(n)) for g, n in rows] == [("styringsmodeller-1", 2)]


def test_every_qualified_node_is_traceable(graph):
    """Participations, grants, savings, costs, exclusions, links and notes all have a
    source line, and each evidence string occurs in that line's raw text."""
    rows = graph.query(
        PREFIXES
        + """
        SELECT ?node ?evidence (GROUP_CONCAT(?raw; separator="\\u0001") AS ?raws) WHERE {
          VALUES ?class { nk:Participation nk:Grant nk:Saving nk:Cost nk:Exclusion
                          nk:ProjectLink nk:OrganisationLink nk:Milestone nk:CouncilDecision }
          ?node a ?class ; nk:evidence ?evidence ; prov:wasDerivedFrom/nk:rawText ?raw .
        } GROUP BY ?node ?evidence"""
    )
    checked = 0
    for node, evidence, raws in rows:
        assert any(str(evidence) in raw for raw in str(raws).split("\u0001")), node
        checked += 1
    assert checked > 500
    orphans = graph.query(
        PREFIXES
        + """SELECT ?node WHERE {
          VALUES ?class { nk:Participation nk:Grant nk:Saving nk:Cost nk:Exclusion }
          ?node a ?class FILTER NOT EXISTS { ?node prov:wasDerivedFrom ?row } }"""
    )
    assert list(orphans) == []


def test_all_members_resolve_against_membership_in_time(graph):
    """'Alle' for Havnevesen (2001-2003) is Våle and Ramnes in 2001 and Re from 2002."""
    rows = graph.query(
        PREFIXES
        + """SELECT ?m ?from ?to WHERE {
          <https://w3id.org/ninek/project/havnevesen> prov:qualifiedAssociation ?p .
          ?p prov:agent ?m ; nk:resolvedFromAllMembers true ; nk:startYear ?from ;
             nk:endYear ?to }"""
    )
    years = {str(m).rsplit("/", 1)[1]: (str(f), str(t)) for m, f, t in rows}
    assert years["vale"] == ("2001", "2001") and years["ramnes"] == ("2001", "2001")
    assert years["re"] == ("2002", "2003") and years["hof"] == ("2001", "2003")
    assert len(years) == 11


def test_seven_means_the_founding_members(graph):
    rows = graph.query(
        PREFIXES
        + """SELECT ?m WHERE {
          <https://w3id.org/ninek/project/vekst-og-bo-1> prov:qualifiedAssociation ?p .
          ?p prov:agent ?m ; nk:resolvedFromAllMembers true }"""
    )
    assert {str(m).rsplit("/", 1)[1] for (m,) in rows} == {
        "tonsberg",
        "notteroy",
        "tjome",
        "stokke",
        "andebu",
        "vale",
        "ramnes",
    }


def test_exclusions_are_facts_and_not_participants(graph, source_text):
    minus_rows = [
        line
        for line, text in enumerate(source_text.split("\n"), start=1)
        if re.search(r"minus|\(-", text.split("\t")[2] if text.count("\t") >= 2 else "")
    ]
    rows = list(
        graph.query(
            PREFIXES
            + """SELECT ?x ?project ?m ?line WHERE {
          ?x a nk:Exclusion ; nk:project ?project ; prov:agent ?m ;
             prov:wasDerivedFrom/nk:lineNumber ?line .
          ?project nk:excludes ?m .
          FILTER NOT EXISTS { ?project prov:qualifiedAssociation ?p .
                              ?p prov:agent ?m ; prov:hadRole ?r .
                              FILTER(STRENDS(STR(?r), "/participant")) } }"""
        )
    )
    assert sorted({int(line) for *_, line in rows}) == minus_rows
    assert len(rows) == 13
    tonsberg = [r for r in rows if str(r[1]).endswith("ks-effektiviseringsnettverk")]
    assert [str(r[2]).rsplit("/", 1)[1] for r in tonsberg] == ["tonsberg"]


def test_original_participant_text_is_kept(graph):
    value = graph.value(
        URIRef("https://w3id.org/ninek/project/felles-naeringsmiddeltilsyn"),
        URIRef("https://w3id.org/ninek/def#participantsText"),
    )
    assert value == Literal("Alle, minus Andebu og Stokke, pluss Svelvik og Sande")


def test_anomalies_are_notes_not_fixes(graph):
    notes = {
        str(n).rsplit("/", 1)[1]: str(kind).rsplit("/", 1)[1]
        for n, kind in graph.query(
            PREFIXES + "SELECT ?n ?k WHERE { ?n a nk:DataQualityNote ; nk:noteKind ?k }"
        )
    }
    assert notes["line-48-1"] == "shifted-columns"
    assert notes["line-48-2"] == "copied-comment"
    assert notes["line-62-1"] == "shifted-columns"
    barneskoler = URIRef("https://w3id.org/ninek/project/tilpasset-opplaering-barneskoler")
    assert graph.value(barneskoler, URIRef("https://w3id.org/ninek/def#result")) is None
    assert str(graph.value(barneskoler, URIRef("http://purl.org/dc/terms/description"))).startswith(
        "Prosjekt for samf. Fag"
    )


def test_no_blank_nodes_anywhere(graph):
    from rdflib import BNode

    assert not [t for t in graph if any(isinstance(x, BNode) for x in t)]


def test_lineage_and_founded_organisation(graph):
    links = {
        (str(a).rsplit("/", 1)[1], str(p).rsplit("#", 1)[1], str(b).rsplit("/", 1)[1])
        for a, p, b in graph.query(
            PREFIXES
            + """SELECT ?a ?p ?b WHERE { ?a ?p ?b .
              VALUES ?p { nk:continues nk:followUpOf nk:coordinatedWith nk:founded } }"""
        )
    }
    assert ("naeringsarealer-2", "continues", "naeringsarealer-1") in links
    assert ("arealis-i-fullskala", "coordinatedWith", "geodata") in links
    assert ("etablering-bredbandsselskap", "founded", "gigafib") in links
    assert ("felles-naeringspolitikk-i-praksis", "followUpOf", "felles-naeringspolitikk") in links


def test_membership_ends_with_the_municipality(graph):
    """Våle's and Ramnes's membership ends in 2001 because the municipalities ended then
    (Statistics Norway), not because the curated file says so: it gives them no end."""
    import yaml

    from ninek_graph.paths import INTERPRETATION_DIR

    curated = yaml.safe_load((INTERPRETATION_DIR / "membership.yaml").read_text())
    stated = {m["municipality"]: m for m in curated["members"]}
    assert "to" not in stated["vale"] and "to" not in stated["ramnes"]
    ends = {
        str(m).rsplit("/", 1)[1]: str(end)
        for m, end in graph.query(
            PREFIXES
            + """SELECT ?m ?end WHERE { ?ms a org:Membership ; org:member ?m ;
                                          nk:endYear ?end }"""
        )
    }
    assert ends == {"vale": "2001", "ramnes": "2001"}


def test_membership_checks_against_municipality_history():
    from datetime import date

    import pytest

    from ninek_graph.membership import members

    curated = {"members": [{"municipality": "re", "from": 2001}]}
    with pytest.raises(ValueError, match="exists only from 2002-01-01"):
        members(curated, {"re": (date(2002, 1, 1), date(2019, 12, 31))})
    ended = members({"members": [{"municipality": "x", "from": 1998}]},
                    {"x": (None, date(2003, 6, 30))})
    assert (ended[0].start, ended[0].end) == (1998, 2003)
    later = members({"members": [{"municipality": "y", "from": 1998}]},
                    {"y": (None, date(2017, 12, 31))})
    assert later[0].end is None  # ended after the document's years: still a member in 2005
