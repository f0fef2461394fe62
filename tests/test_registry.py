"""Registry links and municipality history (ninek_graph.registry).

Expected values are read here, independently, from the SSB copies and crosswalk.tsv in
data/registries/ (plain json/csv reads, no code shared with the module), not copied from the
module's output.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, ORG, OWL, RDF, RDFS, SH, SKOS, VOID
from rdflib.plugins.sparql import prepareQuery

from ninek_graph import registry
from ninek_graph.canned import PARAM_TYPES
from ninek_graph.keys import match_key
from ninek_graph.namespaces import ADMS, NK, iri

ROOT = Path(__file__).resolve().parent.parent
REG = ROOT / "data" / "registries"
DATA = Path(__file__).resolve().parent / "data"
SHAPES = ROOT / "shapes" / "registry.ttl"
QUERIES = ROOT / "queries"
DCAT = Namespace("http://www.w3.org/ns/dcat#")  # a plain Namespace: pytest probes module globals


# ------------------------------------------------------------------ independent reads


def ssb(year: int) -> dict:
    return json.loads((REG / "ssb-klass-131" / f"Kommuneinndeling {year}.json").read_text())


def ssb_names(year: int) -> dict[str, str]:
    return {i["code"]: i["name"].strip() for i in ssb(year)["classificationItems"]}


def crosswalk() -> list[dict[str, str]]:
    with (REG / "crosswalk.tsv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def iso(text: str) -> date | None:
    m = re.match(r"\d{4}-\d{2}-\d{2}$", text.strip())
    return date.fromisoformat(m.group(0)) if m else None


def mod11(number: str) -> bool:
    weights = [3, 2, 7, 6, 5, 4, 3, 2]
    r = sum(int(a) * b for a, b in zip(number[:8], weights, strict=True)) % 11
    return r != 1 and int(number[8]) == (0 if r == 0 else 11 - r)


M = lambda slug: iri("municipality", slug)  # noqa: E731


@pytest.fixture(scope="module")
def graph() -> Graph:
    return registry.registry_graph()


def numbers(graph: Graph, subject: URIRef) -> dict[str, list[tuple]]:
    """number -> [(begin, end, registered name)] of the municipality numbers of ``subject``."""
    out: dict[str, list[tuple]] = {}
    for node in graph.objects(subject, ADMS.identifier):
        if (node, RDF.type, NK.MunicipalityNumber) not in graph:
            continue
        period = graph.value(node, DCTERMS.temporal)
        begin = graph.value(period, DCAT.startDate) if period else None
        end = graph.value(period, DCAT.endDate) if period else None
        out.setdefault(str(graph.value(node, SKOS.notation)), []).append(
            (begin.toPython() if begin else None, end.toPython() if end else None,
             str(graph.value(node, NK.registeredName))))
    return out


def holder(graph: Graph, number: str, day: date) -> set[URIRef]:
    """The entities holding municipality number ``number`` on ``day``."""
    found = set()
    for subject, node in graph.subject_objects(ADMS.identifier):
        if str(graph.value(node, SKOS.notation)) != number:
            continue
        for begin, end, _ in numbers(graph, subject)[number]:
            if (begin is None or begin <= day) and (end is None or day <= end):
                found.add(subject)
    return found


# ------------------------------------------------------------------ history from the SSB files


def test_vale_ramnes_merge_into_re_on_the_day_the_2002_version_begins(graph):
    v1995, v2002 = ssb(1995), ssb(2002)
    day = date.fromisoformat(v2002["validFrom"])
    assert ssb_names(1995)["0716"] == "Våle" and ssb_names(2002)["0716"] == "Re"
    assert "0718" in ssb_names(1995) and "0718" not in ssb_names(2002)
    assert date.fromisoformat(v1995["validTo"]) == day
    assert numbers(graph, M("vale"))["0716"] == [(None, day - timedelta(days=1), "Våle")]
    assert numbers(graph, M("ramnes"))["0718"][0][1] == day - timedelta(days=1)
    assert numbers(graph, M("re"))["0716"][0][:2] == (day, date(2019, 12, 31))
    event = iri("event", "merger", day.isoformat(), "re")
    assert (event, RDF.type, NK.Merger) in graph
    assert set(graph.objects(event, ORG.originalOrganization)) == {M("vale"), M("ramnes")}
    assert set(graph.objects(event, ORG.resultingOrganization)) == {M("re")}
    assert graph.value(event, DCTERMS.date) == Literal(day)


def test_borre_renamed_horten_keeps_entity_and_number(graph):
    intro = ssb(2003)["introduction"]
    assert "1. juni 2002" in intro and "0701 Borre" in intro
    assert ssb_names(2002)["0701"] == "Borre" and ssb_names(2003)["0701"] == "Horten"
    periods = sorted(numbers(graph, M("horten"))["0701"], key=lambda p: p[0])
    assert periods == [(date(1988, 1, 1), date(2002, 5, 31), "Borre"),
                       (date(2002, 6, 1), date(2019, 12, 31), "Horten")]
    event = iri("event", "rename", "2002-06-01", "horten")
    assert (event, RDF.type, NK.Rename) in graph
    assert (M("horten"), SKOS.altLabel, Literal("Borre", lang="nb")) in graph
    assert not (set(graph.subjects(SKOS.prefLabel, Literal("Borre", lang="nb"))))


@pytest.mark.parametrize(
    ("year", "predecessors", "successor", "code"),
    [
        (2017, {"sandefjord", "andebu", "stokke"}, "sandefjord-2017", "0710"),
        (2018, {"notteroy", "tjome"}, "faerder", "0729"),
        (2018, {"holmestrand", "hof"}, "holmestrand-2018", "0715"),
    ],
)
def test_mergers_seen_between_consecutive_versions(graph, year, predecessors, successor, code):
    before, after = ssb_names(2005 if year == 2017 else year - 1), ssb_names(year)
    gone = {c for c in before if c.startswith("07")} - set(after)
    assert code in after and code not in before
    old_codes = {c for slug in predecessors for c in numbers(graph, M(slug))}
    assert old_codes <= gone
    day = date.fromisoformat(ssb(year)["validFrom"])
    event = iri("event", "merger", day.isoformat(), successor)
    assert set(graph.objects(event, ORG.originalOrganization)) == {M(p) for p in predecessors}
    assert numbers(graph, M(successor))[code][0][0] == day
    for p in predecessors:
        assert (M(p), NK.successor, M(successor)) in graph
        assert (M(successor), NK.predecessor, M(p)) in graph


@pytest.mark.parametrize(
    ("predecessors", "successor"),
    [({"tonsberg", "re"}, "tonsberg"), ({"sande", "holmestrand-2018"}, "holmestrand-2018"),
     ({"svelvik", "drammen", "nedre-eiker"}, "drammen")],
)
def test_2020_mergers_from_ssb_notes_keep_the_name_bearer(graph, predecessors, successor):
    event = iri("event", "merger", "2020-01-01", successor)
    assert set(graph.objects(event, ORG.originalOrganization)) == {M(p) for p in predecessors}
    assert set(graph.objects(event, ORG.resultingOrganization)) == {M(successor)}
    assert (M(successor), NK.successor, None) not in graph
    for p in predecessors - {successor}:
        assert registry.municipality_validity()[p][1] == date(2019, 12, 31)


def test_numbers_agree_with_crosswalk(graph):
    """Every kommunenummer row of crosswalk.tsv with a concrete date matches an identifier of
    the entity holding that number then, under the same (normalised) name."""
    checked = 0
    for row in crosswalk():
        if row["identifier_kind"] != "kommunenummer":
            continue
        start, end = iso(row["valid_from"]), iso(row["valid_to"])
        probe = start or end
        owners = holder(graph, row["identifier_value"], probe)
        if not owners:
            assert row["name"] in {"Larvik", "Lardal"} or "pre-1988" in row["entity"], row
            continue
        (owner,) = owners
        periods = numbers(graph, owner)[row["identifier_value"]]
        match = [p for p in periods if (p[0] is None or p[0] <= probe)
                 and (p[1] is None or probe <= p[1])]
        assert match, row
        begin, stop, name = match[0]
        assert name == re.sub(r" \(.*\)$", "", row["name"])
        if start:
            assert begin == start, row
        if end:
            assert stop == end, row
        checked += 1
    assert checked >= 30


def test_validity_covers_every_core_municipality():
    agents = yaml.safe_load((ROOT / "data" / "interpretation" / "agents.yaml").read_text())
    validity = registry.municipality_validity()
    for entry in agents["municipalities"]:
        assert entry["id"] in validity, entry["id"]
    by_number = {r["name"]: r for r in crosswalk() if r["identifier_kind"] == "kommunenummer"
                 and r["type"].startswith("municipality (kommune)")}
    assert validity["vale"] == (None, iso(by_number["Våle"]["valid_to"]))
    assert validity["re"] == (iso(by_number["Re"]["valid_from"]), date(2019, 12, 31))
    assert validity["notteroy"][1] == iso(by_number["Nøtterøy"]["valid_to"])
    assert validity["andebu"][1] == iso(by_number["Andebu"]["valid_to"])
    assert validity["horten"] == (iso(by_number["Borre"]["valid_from"]), None)
    assert validity["tonsberg"][1] is None and validity["faerder"][0] == date(2018, 1, 1)


def test_baerum_linked_only_to_what_the_files_hold(graph):
    assert ssb_names(2019)["0219"] == "Bærum"
    assert set(numbers(graph, M("baerum"))) == {"0219"}
    assert (M("baerum"), OWL.sameAs, None) not in graph
    reasons = dict(registry.unlinked())
    assert "2020" in reasons[M("baerum")]


def test_county_from_number_prefix(graph):
    county = iri("concept", "fylke", "07")
    assert graph.value(county, SKOS.notation) == Literal("07")
    for slug in ("tonsberg", "re", "vale", "svelvik", "horten"):
        assert (M(slug), NK.county, county) in graph
    assert (M("baerum"), NK.county, county) not in graph
    assert (M("faerder"), NK.county, iri("concept", "fylke", "39")) in graph


def test_successor_paths_walk_history(graph):
    ask = f"ASK {{ ?today <{NK.predecessor}>+ ?old }}"
    assert graph.query(ask, initBindings={"today": M("tonsberg"), "old": M("vale")}).askAnswer
    assert graph.query(ask, initBindings={"today": M("faerder"), "old": M("notteroy")}).askAnswer
    assert not graph.query(ask, initBindings={"today": M("faerder"), "old": M("re")}).askAnswer


# ------------------------------------------------------------------ identifiers and links


def test_organisation_number_check_digit():
    for row in crosswalk():
        if row["identifier_kind"].startswith("organisasjonsnummer"):
            assert registry.valid_organisation_number(row["identifier_value"]) == mod11(
                row["identifier_value"])
            assert mod11(row["identifier_value"])
    assert not registry.valid_organisation_number("964951285")
    assert not registry.valid_organisation_number("96495128")


def test_organisation_numbers_attached_only_where_verified(graph):
    attached = {str(graph.value(n, SKOS.notation)): s
                for s, n in graph.subject_objects(ADMS.identifier)
                if (n, RDF.type, NK.OrganisationNumber) in graph}
    rows = {r["identifier_value"]: r for r in crosswalk()
            if r["identifier_kind"] == "organisasjonsnummer"}
    expected = {
        "964951284": M("horten"), "950611839": M("tonsberg"), "921383681": M("tonsberg"),
        "983885497": M("re"), "964952256": M("notteroy"), "938971471": M("sande"),
        "939516107": M("svelvik"), "916882807": M("sandefjord-2017"),
        "917151229": M("holmestrand-2018"), "817263992": M("faerder"),
        "921234554": M("drammen"), "971032146": iri("organisation", "ks"),
        "942114184": iri("organisation", "husbanken"), "972417858": iri("organisation", "krd"),
        "968100211": iri("organisation", "uninett"),
        "944025391": iri("organisation", "vestfold-fylkeskommune"),
        # the rows added in 2026-12 (shared/registries/README.md), each a 2011 Enhetsregisteret
        # extract; Sykehuset i Vestfold HF is the hospital the source calls SIV
        "964952078": M("andebu"), "864951732": M("hof"), "838500382": M("holmestrand"),
        "964952167": M("stokke"), "964952345": M("tjome"),
        "974762501": iri("organisation", "fylkesmannen-i-vestfold"),
        "983975259": iri("organisation", "siv"), "974789388": iri("organisation", "hve"),
    }
    assert attached == expected
    assert all(n in rows for n in attached)
    for number, row in rows.items():
        text = (row["entity"] + row["source"]).lower()
        if "not verified" in text or "inference" in text or "NOT the SHD" in row["source"]:
            assert number not in attached
    # Tønsberg's two authority numbers, each for its period
    for number, begin, end in (("950611839", None, date(2019, 12, 31)),
                               ("921383681", date(2020, 1, 1), None)):
        period = graph.value(iri("identifier", "organisasjonsnummer", number), DCTERMS.temporal)
        assert graph.value(period, DCAT.startDate) == (Literal(begin) if begin else None)
        assert graph.value(period, DCAT.endDate) == (Literal(end) if end else None)
    # the pre-2018 Holmestrand's number ends with it ("0702, pre-2018")
    period = graph.value(iri("identifier", "organisasjonsnummer", "838500382"), DCTERMS.temporal)
    assert graph.value(period, DCAT.endDate) == Literal(date(2017, 12, 31))
    # the health trust's number says it is the trust's, formed in 2002
    siv = iri("identifier", "organisasjonsnummer", "983975259")
    assert any("2002" in str(c) for c in graph.objects(siv, RDFS.comment))
    krd = iri("identifier", "organisasjonsnummer", "972417858")
    assert "KRD-era" in str(graph.value(krd, RDFS.comment))


def test_wikidata_only_where_crosswalk_verifies(graph):
    verified = {r["identifier_value"] for r in crosswalk()
                if r["identifier_kind"] == "Wikidata QID"}
    linked = {str(o).rsplit("/", 1)[1] for o in graph.objects(None, OWL.sameAs)}
    linked |= {str(o).rsplit("/", 1)[1] for o in graph.objects(None, SKOS.exactMatch)}
    assert linked <= verified
    assert graph.value(M("tonsberg"), OWL.sameAs) == URIRef("http://www.wikidata.org/entity/Q107392")
    assert graph.value(M("sandefjord-2017"), OWL.sameAs).endswith("Q109005")
    assert graph.value(M("holmestrand-2018"), OWL.sameAs).endswith("Q483871")
    assert graph.value(M("faerder"), OWL.sameAs).endswith("Q42320251")
    # Nøtterøy: two sources (ROR, Who's On First), the ROR record naming Færder its successor
    assert graph.value(M("notteroy"), OWL.sameAs).endswith("Q206469")
    for slug in ("tjome", "stokke", "andebu", "vale", "ramnes", "hof", "holmestrand",
                 "sandefjord"):
        assert (M(slug), OWL.sameAs, None) not in graph, slug
    # single-source items: rdfs:seeAlso with a candidate match, never owl:sameAs
    single = {r["identifier_value"]: r for r in crosswalk()
              if r["identifier_kind"] == "Wikidata QID" and "single source" in r["source"]}
    assert set(single) == {"Q486687", "Q48687", "Q5499099"}
    see_also = {str(o).rsplit("/", 1)[1]: s for s, o in graph.subject_objects(RDFS.seeAlso)
                if "wikidata" in str(o)}
    assert see_also == {"Q486687": M("andebu"), "Q48687": M("tjome"), "Q5499099": M("stokke")}
    for qid, subject in see_also.items():
        node = next(graph.subjects(NK.toEntity, URIRef(f"http://www.wikidata.org/entity/{qid}")))
        assert (node, RDF.type, NK.CandidateMatch) in graph
        assert graph.value(node, NK.fromEntity) == subject
        assert graph.value(node, NK.sourceCount).toPython() == 1
        code = re.search(r"\*NO(\d{4})", single[qid]["source"]).group(1)
        assert str(graph.value(node, NK.matchedNumber)) == code
    # organisations: the hospital's own item; the college's successor's item, not an identity
    assert graph.value(iri("organisation", "siv"), OWL.sameAs).endswith("Q7923433")
    assert graph.value(iri("organisation", "hve"), DCTERMS.isReplacedBy).endswith("Q20112014")
    assert (iri("organisation", "hve"), OWL.sameAs, None) not in graph
    sources = {o: s for s, o in graph.subject_objects(OWL.sameAs)}
    assert len(sources) == len(list(graph.subject_objects(OWL.sameAs)))  # one entity per item


def test_void_linksets_count_links(graph):
    dataset = iri("dataset", "ninek")
    void = registry.void_linksets(dataset, graph)
    counts = {str(void.value(ls, VOID.objectsTarget)).rsplit("/", 1)[1] + ":"
              + str(void.value(ls, VOID.linkPredicate)): void.value(ls, VOID.triples).toPython()
              for ls in void.objects(dataset, VOID.subset)}
    ssb_links = sum(1 for _, n in graph.subject_objects(ADMS.identifier)
                    if (n, RDF.type, NK.MunicipalityNumber) in graph)
    assert counts[f"ssb-klass-131:{ADMS.identifier}"] == ssb_links
    assert counts[f"enhetsregisteret:{ADMS.identifier}"] == 24
    assert counts[f"wikidata:{RDFS.seeAlso}"] == 3
    assert counts[f"wikidata:{DCTERMS.isReplacedBy}"] == 1
    assert counts[f"wikidata:{OWL.sameAs}"] == len(list(graph.subject_objects(OWL.sameAs)))
    assert counts[f"wikidata:{SKOS.exactMatch}"] == 2


def test_unlinked_lists_reasons():
    reasons = dict(registry.unlinked())
    assert "HOD" in reasons[iri("organisation", "shd")] or "Helse" in reasons[
        iri("organisation", "shd")]
    assert iri("organisation", "gigafib") in reasons
    assert "single-source Wikidata candidate" in reasons[M("andebu")]
    assert "organisation number" not in reasons[M("andebu")]
    for linked in (iri("organisation", "ks"), M("tonsberg"), M("notteroy"),
                   iri("organisation", "hve"), iri("organisation", "siv"),
                   iri("organisation", "fylkesmannen-i-vestfold")):
        assert linked not in reasons, linked


def test_history_rechecked_against_every_version():
    # the module raises if any copied version disagrees; here: it does not, and it did look
    assert len(registry.ssb_versions()) == len(list((REG / "ssb-klass-131").glob("Komm*.json")))
    changes = registry.version_changes()
    assert any("0718" in c["disappeared"] for _, _, c in changes)
    assert any(c["renamed"].get("0701") == ("Borre", "Horten") for _, _, c in changes)


# ------------------------------------------------------------------ SHACL


def shacl(data: Graph) -> tuple[bool, Graph]:
    conforms, report, _ = validate(data, shacl_graph=Graph().parse(SHAPES), advanced=True)
    return conforms, report


def test_registry_graph_conforms(graph):
    conforms, report = shacl(graph)
    assert conforms, report.serialize(format="turtle")


@pytest.mark.parametrize(
    ("name", "component", "path"),
    [
        ("registry_bad_municipality_number.ttl", SH.PatternConstraintComponent, SKOS.notation),
        ("registry_bad_orgnr_length.ttl", SH.PatternConstraintComponent, SKOS.notation),
        ("registry_bad_orgnr_check_digit.ttl", SH.SPARQLConstraintComponent, None),
        ("registry_bad_wikidata.ttl", SH.PatternConstraintComponent, OWL.sameAs),
        ("registry_bad_interval.ttl", SH.LessThanOrEqualsConstraintComponent, DCAT.startDate),
        ("registry_bad_event.ttl", SH.MinCountConstraintComponent, DCTERMS.date),
        ("registry_bad_event.ttl", SH.MinCountConstraintComponent, ORG.resultingOrganization),
        ("registry_bad_candidate_sameas.ttl", SH.SPARQLConstraintComponent, None),
        ("registry_bad_seealso_without_candidate.ttl", SH.SPARQLConstraintComponent, None),
    ],
)
def test_shapes_catch_broken_graphs(name, component, path):
    conforms, report = shacl(Graph().parse(DATA / name))
    assert not conforms
    results = [(report.value(r, SH.sourceConstraintComponent), report.value(r, SH.resultPath))
               for r in report.subjects(RDF.type, SH.ValidationResult)]
    assert (component, path) in results, results
    if name == "registry_bad_orgnr_check_digit.ttl":
        assert len(results) == 1  # only the check digit is wrong


# ------------------------------------------------------------------ canned queries


def header(path: Path) -> dict:
    meta: dict = {"params": {}}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].strip().partition(":")
        if key == "param":
            name, kind, default, help_text, *variable = (p.strip() for p in value.split("|"))
            assert len(variable) <= 1 and all(v.startswith("?") for v in variable)
            assert kind in set(PARAM_TYPES) and help_text
            meta["params"][name] = (kind, default)
        else:
            meta[key] = value.strip()
    return meta


@pytest.mark.parametrize("name", ["registry-links.rq", "successor-projects.rq"])
def test_query_files_parse_and_declare_params(name):
    path = QUERIES / name
    meta = header(path)
    assert meta["title"] and meta["description"]
    text = path.read_text(encoding="utf-8")
    prepareQuery(text)  # rdflib parses it as SPARQL 1.1
    assert re.search(r"^SELECT", text, re.M)
    for param in meta["params"]:
        assert f"?{param}" in text


def with_projects(graph: Graph) -> Graph:
    """The registry graph plus the tiny project graph, with the lookup keys the build adds
    (nk:matchKey, what the canned queries' key parameters are matched against)."""
    from ninek_graph.rdf_context import add_match_keys

    data = graph + Graph().parse(DATA / "registry_projects.ttl")
    add_match_keys(data)
    return data


@pytest.fixture(scope="module")
def store(graph) -> ox.Store:
    st = ox.Store()
    st.load(with_projects(graph).serialize(format="nt").encode(), ox.RdfFormat.N_TRIPLES)
    return st


def successor_projects(store, value: str) -> set[tuple[str, str, str]]:
    query = (QUERIES / "successor-projects.rq").read_text(encoding="utf-8")
    key = match_key(value)  # as the canned query's `key` parameter binds it
    rows = store.query(query, substitutions={ox.Variable("municipality"): ox.Literal(key)})
    return {(r["predecessorLabel"].value, r["title"].value, r["role"].value if r["role"] else "")
            for r in rows}


def test_successor_projects_faerder(store):
    assert ("Nøtterøy", "Forsikring", "deltaker") in successor_projects(store, "Færder")


@pytest.mark.parametrize("value", ["Tønsberg", "tønsberg", "3905"])
def test_successor_projects_tonsberg(store, value):
    found = successor_projects(store, value)
    assert ("Re", "Sensitiv driftsentral", "vertskommune") in found
    assert ("Våle", "Geodata", "deltaker") in found
    assert not any(pred == "Horten" for pred, _, _ in found)


def test_successor_projects_sandefjord_holmestrand_drammen(store):
    assert {p for p, _, _ in successor_projects(store, "Sandefjord")} == {"Stokke"}
    assert {p for p, _, _ in successor_projects(store, "Holmestrand")} == {"Hof"}
    assert {p for p, _, _ in successor_projects(store, "Drammen")} == {"Svelvik"}
    assert successor_projects(store, "Re") == set()  # not a municipality today


def test_successor_projects_rdflib_binding(graph):
    data = with_projects(graph)
    query = (QUERIES / "successor-projects.rq").read_text(encoding="utf-8")
    rows = data.query(query, initBindings={"municipality": Literal("3905")})
    assert {str(r.predecessorLabel) for r in rows} == {"Re", "Våle"}


def test_registry_links(store):
    query = (QUERIES / "registry-links.rq").read_text(encoding="utf-8")
    rows = list(store.query(query))
    by_entity = {r["entity"].value: r for r in rows}
    horten = by_entity[str(M("horten"))]
    assert horten["label"].value == "Horten"
    assert "0701 [1988-01-01/2002-05-31]" in horten["municipalityNumber"].value
    assert "3901 [2024-01-01/..]" in horten["municipalityNumber"].value
    assert horten["organisationNumber"].value == "964951284"
    assert horten["wikidata"].value == "http://www.wikidata.org/entity/Q109048"
    ks = by_entity[str(iri("organisation", "ks"))]
    assert ks["organisationNumber"].value == "971032146"
    assert by_entity[str(M("tjome"))]["wikidata"] is None
    assert by_entity[str(M("tjome"))]["wikidataCandidate"].value.endswith("Q48687")
    assert by_entity[str(iri("organisation", "hve"))]["wikidataSuccessor"].value.endswith(
        "Q20112014")
    result = store.query(query)
    assert [v.value for v in result.variables] == [
        "entity", "label", "municipalityNumber", "organisationNumber", "wikidata",
        "wikidataCandidate", "wikidataSuccessor"]


# ------------------------------------------------------------------ ontology


def test_every_minted_term_is_declared(graph):
    from ninek_graph.ontology import ontology_graph

    ontology = ontology_graph()  # the registry's own terms and the core's (nk:Municipality)
    own = Graph().parse(ROOT / "ontology" / "registry.ttl")
    used = {p for p in graph.predicates() if str(p).startswith(str(NK))}
    used |= {o for o in graph.objects(None, RDF.type) if str(o).startswith(str(NK))}
    used |= {o.datatype for o in graph.objects() if isinstance(o, Literal) and o.datatype
             and str(o.datatype).startswith(str(NK))}
    declared = {s for s in ontology.subjects(RDFS.isDefinedBy, URIRef("https://w3id.org/ninek/def"))}
    assert used <= declared, used - declared
    for term in set(own.subjects(RDFS.isDefinedBy, URIRef("https://w3id.org/ninek/def"))):
        assert str(term).startswith(str(NK))
        for lang in ("nb", "en"):
            assert any(x.language == lang for x in ontology.objects(term, RDFS.label)), term
            assert any(x.language == lang for x in ontology.objects(term, SKOS.definition)), term
    assert (None, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Ontology")) not in own
