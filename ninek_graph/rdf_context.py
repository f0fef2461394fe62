"""Triples for everything around the rows: agents, vocabularies, membership, the source.

Rows (see :mod:`ninek_graph.rdf_rows`) refer to agents and concepts by IRI; this module
describes those: municipalities and organisations with their names as the source writes
them, groups the source names without members, the SKOS concept schemes, the cooperation's
membership periods (W3C ORG memberships with OWL-Time intervals), the assumptions behind
them, and the source document with every non-empty line as a ``prov:Entity`` a statement
can be derived from.
"""

from __future__ import annotations

from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDF, RDFS, SKOS, TIME, XSD

from .interpret import Interpretation
from .keys import match_key
from .membership import members
from .namespaces import ADMS, NK, iri
from .rdf_rows import add_note, concept, describe_unnamed, source_row_iri, year
from .source import SourceDocument

SOURCE_DOCUMENT = iri("source", "document")
AGENT_CLASSES = {
    "municipalities": (NK.Municipality, ORG.Organization),
    "organisations": (ORG.Organization,),
    "groups": (NK.AgentGroup, FOAF.Group),
}
# Extra vocabularies the code (not the curated files) uses.
EXTRA_SCHEMES = {
    "certainty": (
        {"nb": "Sikkerhet", "en": "Certainty",
         "definition_nb": "Om et utsagn står med rene ord i kilden eller er utledet.",
         "definition_en": "Whether a statement is said in words by the source or read from it."},
        [("stated", "Uttrykkelig sagt", "Stated",
          "Står uttrykkelig i kilden.", "The source says so in words."),
         ("inferred", "Utledet", "Inferred",
          "Utledet av kilden og grafens dokumenterte regler; ikke sagt med rene ord.",
          "Read from the source through the graph's documented rules; not said in words.")],
    ),
    "year-source": (
        {"nb": "Kilde for året", "en": "Source of the year",
         "definition_nb": "Hvor året et tilskudd regnes til, kommer fra.",
         "definition_en": "Where the year a grant is counted in comes from."},
        [("approval-date", "Innvilget dato", "Approval date",
          "Året for datoen raden sier tilskuddet ble innvilget.",
          "The year of the date the row says the grant was approved."),
         ("stated-year", "Oppgitt år", "Stated year",
          "Året raden oppgir for pengene («Støtte i 2004»).",
          "The year the row gives for the money (\"Støtte i 2004\")."),
         ("project-start", "Prosjektets startår", "Project's first year",
          "Raden oppgir ikke år for tilskuddet; prosjektets første år brukes i stedet.",
          "The row gives no year for the grant; the project's first year stands in.")],
    ),
    "organisation-relation": (
        {"nb": "Prosjekt og organisasjon", "en": "Project and organisation",
         "definition_nb": "Hvordan et prosjekt henger sammen med en organisasjon.",
         "definition_en": "How a project is connected with an organisation."},
        [("founded", "Opprettet", "Founded", "Prosjektet opprettet organisasjonen.",
          "The project founded the organisation."),
         ("dissolved", "Nedlagt", "Dissolved", "Raden forteller at organisasjonen ble nedlagt.",
          "The row reports that the organisation was dissolved."),
         ("transferred-to", "Overført til", "Transferred to",
          "Prosjektets resultat ble overført til organisasjonen.",
          "What the project built was transferred to the organisation.")],
    ),
}


def add_source(graph: Graph, document: SourceDocument) -> None:
    """The document and each of its non-empty lines, with the raw text."""
    graph.add((SOURCE_DOCUMENT, RDF.type, NK.SourceDocument))
    graph.add((SOURCE_DOCUMENT, RDF.type, PROV.Entity))
    graph.add((SOURCE_DOCUMENT, RDF.type, FOAF.Document))
    graph.add((SOURCE_DOCUMENT, DCTERMS.title, Literal(document.lines[6], lang="nb")))
    graph.add((SOURCE_DOCUMENT, RDFS.label, Literal(document.lines[6], lang="nb")))
    graph.add((SOURCE_DOCUMENT, NK.sha256, Literal(document.sha256)))
    graph.add((SOURCE_DOCUMENT, DCTERMS.identifier, Literal(document.path.name)))
    graph.add((SOURCE_DOCUMENT, DCTERMS.format, Literal("text/plain; charset=utf-8")))
    graph.add((SOURCE_DOCUMENT, NK.lineCount, Literal(len(document.lines))))
    for number, text in enumerate(document.lines, start=1):
        if not text.strip():
            continue
        node = source_row_iri(number)
        graph.add((node, RDF.type, NK.SourceLine))
        graph.add((node, RDF.type, PROV.Entity))
        graph.add((node, NK.lineNumber, Literal(number)))
        graph.add((node, NK.rawText, Literal(text)))
        graph.add((node, DCTERMS.isPartOf, SOURCE_DOCUMENT))
        graph.add((node, RDFS.label, Literal(f"Line {number} of the source", lang="en")))
        graph.add((node, RDFS.label, Literal(f"Linje {number} i kilden", lang="nb")))


def add_agents(graph: Graph, interpretation: Interpretation) -> None:
    for kind, classes in AGENT_CLASSES.items():
        for entry in interpretation.agents[kind]:
            node = iri({"municipalities": "municipality", "organisations": "organisation",
                        "groups": "group"}[kind], entry["id"])
            for cls in classes:
                graph.add((node, RDF.type, cls))
            graph.add((node, RDFS.label, Literal(entry["name"], lang="nb")))
            graph.add((node, SKOS.prefLabel, Literal(entry["name"], lang="nb")))
            graph.add((node, FOAF.name, Literal(entry["name"])))
            if "en" in entry:
                graph.add((node, RDFS.label, Literal(entry["en"], lang="en")))
            for name in entry.get("names", []):
                if name != entry["name"]:
                    graph.add((node, SKOS.altLabel, Literal(name, lang="nb")))
            if "kind" in entry:
                graph.add((node, NK.organisationKind, Literal(entry["kind"])))
            if "confidence" in entry:
                graph.add((node, NK.identificationConfidence, Literal(entry["confidence"])))
            if "note" in entry:
                graph.add((node, RDFS.comment, Literal(" ".join(entry["note"].split()), lang="en")))
            if "part_of" in entry:
                graph.add((node, ORG.subOrganizationOf, iri("organisation", entry["part_of"])))
            if "located_in" in entry:
                graph.add((node, NK.locatedIn, iri("municipality", entry["located_in"])))
            if "stated_size" in entry:
                graph.add((node, NK.statedMemberCount, Literal(entry["stated_size"])))
            for member in entry.get("known_members", []):
                graph.add((node, NK.knownMember, iri("municipality", member["id"])))
    graph.add((iri("organisation", "9k"), RDF.type, NK.Cooperation))
    add_unnamed_agents(graph, interpretation)


def add_unnamed_agents(graph: Graph, interpretation: Interpretation) -> None:
    """The agents without a name that stand for one agent throughout (the cooperation's
    administrative leader, a committee, the state): described once, derived from the lines that
    show them. Those that are one per row are described by the row (rdf_rows)."""
    for entry in interpretation.agents.get("unnamed", []):
        if entry.get("per_row"):
            continue
        node = iri("unnamed", entry["id"])
        describe_unnamed(graph, node, entry)
        for item in entry["evidence"]:
            graph.add((node, PROV.wasDerivedFrom, source_row_iri(item["line"])))
            graph.add((node, NK.evidence, Literal(item["text"])))
        if "post" in entry:  # W3C ORG: a post in an organisation, held by the person
            post = iri("post", f"{entry['post']['in']}-{entry['id']}")
            graph.add((post, RDF.type, ORG.Post))
            graph.add((post, ORG.postIn, iri("organisation", entry["post"]["in"])))
            graph.add((post, ORG.heldBy, node))
            graph.add((node, ORG.holds, post))
            for lang, text in entry["post"]["label"].items():
                graph.add((post, RDFS.label, Literal(text, lang=lang)))
        if "member_of" in entry:
            graph.add((node, ORG.memberOf, iri("unnamed", entry["member_of"]["agent"])))


def add_concepts(graph: Graph, interpretation: Interpretation) -> None:
    schemes: dict[str, Any] = dict(interpretation.concepts["schemes"])
    for scheme_id, (labels, concepts) in EXTRA_SCHEMES.items():
        schemes[scheme_id] = {
            "label": {"nb": labels["nb"], "en": labels["en"]},
            "definition": {"nb": labels["definition_nb"], "en": labels["definition_en"]},
            "concepts": [
                {"id": c[0], "label": {"nb": c[1], "en": c[2]},
                 "definition": {"nb": c[3], "en": c[4]}}
                for c in concepts
            ],
        }
    for scheme_id, scheme in schemes.items():
        scheme_node = iri("scheme", scheme_id)
        graph.add((scheme_node, RDF.type, SKOS.ConceptScheme))
        for lang, text in scheme["label"].items():
            graph.add((scheme_node, SKOS.prefLabel, Literal(text, lang=lang)))
            graph.add((scheme_node, RDFS.label, Literal(text, lang=lang)))
        for lang, text in scheme.get("definition", {}).items():
            graph.add((scheme_node, SKOS.definition, Literal(text, lang=lang)))
        for entry in scheme["concepts"]:
            node = concept(scheme_id, str(entry["id"]))
            graph.add((node, RDF.type, SKOS.Concept))
            if scheme_id == "role":
                graph.add((node, RDF.type, PROV.Role))
            graph.add((node, SKOS.inScheme, scheme_node))
            graph.add((node, SKOS.notation, Literal(str(entry["id"]))))
            for lang, text in entry["label"].items():
                graph.add((node, SKOS.prefLabel, Literal(text, lang=lang)))
                graph.add((node, RDFS.label, Literal(text, lang=lang)))
            for lang, text in entry["definition"].items():
                graph.add((node, SKOS.definition, Literal(text, lang=lang)))
            for spelling in entry.get("spellings", []):
                if spelling != entry["label"]["nb"]:
                    graph.add((node, SKOS.hiddenLabel, Literal(spelling, lang="nb")))
            if "broader" in entry:
                graph.add((node, SKOS.broader, concept(scheme_id, entry["broader"])))
            else:
                graph.add((node, SKOS.topConceptOf, scheme_node))
                graph.add((scheme_node, SKOS.hasTopConcept, node))
            if "line" in entry:
                graph.add((node, PROV.wasDerivedFrom, source_row_iri(entry["line"])))


def add_membership(graph: Graph, interpretation: Interpretation) -> None:
    """Memberships as org:Membership with an OWL-Time interval in years."""
    data = interpretation.membership
    cooperation = iri("organisation", data["cooperation"])
    effective = members(data, interpretation.validity)
    for member, period in zip(data["members"], effective, strict=True):
        node = iri("membership", member["municipality"])
        municipality = iri("municipality", member["municipality"])
        interval = URIRef(f"{node}#interval")
        graph.add((node, RDF.type, ORG.Membership))
        graph.add((node, ORG.member, municipality))
        graph.add((node, ORG.organization, cooperation))
        graph.add((node, ORG.memberDuring, interval))
        graph.add((node, NK.startYear, year(period.start)))
        graph.add((node, NK.founding, Literal(bool(member.get("founding")))))
        graph.add((interval, RDF.type, TIME.ProperInterval))
        _instant(graph, URIRef(f"{node}#beginning"), period.start)
        graph.add((interval, TIME.hasBeginning, URIRef(f"{node}#beginning")))
        if period.end is not None:
            graph.add((node, NK.endYear, year(period.end)))
            _instant(graph, URIRef(f"{node}#end"), period.end)
            graph.add((interval, TIME.hasEnd, URIRef(f"{node}#end")))
            if member.get("to") is None:  # the end is the municipality's own (registry)
                graph.add((node, RDFS.comment, Literal(
                    f"Ends in {period.end}, when the municipality itself ended (Statistics "
                    "Norway's classification 131; see its nk:successor).", lang="en")))
        for assumption in _assumptions_for(data, member):
            graph.add((node, NK.basedOnAssumption, iri("note", f"assumption-{assumption}")))
        graph.add((municipality, ORG.hasMembership, node))
    for assumption in data["assumptions"]:
        node = iri("note", f"assumption-{assumption['id']}")
        graph.add((node, RDF.type, NK.DataQualityNote))
        graph.add((node, RDF.type, NK.Assumption))
        graph.add((node, NK.noteKind, concept("note-kind", "assumption")))
        graph.add((node, RDFS.comment, Literal(" ".join(assumption["text"].split()), lang="en")))
        graph.add((node, NK.concerns, cooperation))
        for line in assumption["lines"]:
            graph.add((node, NK.supportedBy, source_row_iri(line)))


def _assumptions_for(data: dict[str, Any], member: dict[str, Any]) -> list[str]:
    found = ["founding-seven"] if member.get("founding") else ["joined-2001"]
    if member.get("to") is None:
        found.append("membership-open")
    if member["municipality"] == "re":
        found = ["membership-open"]
    return found


def _instant(graph: Graph, node: URIRef, value: int) -> None:
    graph.add((node, RDF.type, TIME.Instant))
    graph.add((node, TIME.inXSDgYear, Literal(f"{value:04d}", datatype=XSD.gYear)))


KEYED_CLASSES = (NK.Municipality, ORG.Organization, NK.AgentGroup, NK.Project, NK.WorkArea)
KEY_SOURCES = (SKOS.prefLabel, SKOS.altLabel, FOAF.name, DCTERMS.title)


def add_match_keys(graph: Graph) -> None:
    """``nk:matchKey`` for every municipality, organisation, group and project: its names,
    titles and registry numbers in :func:`~ninek_graph.keys.match_key` form, and for
    projects its IRI (so a parameter may give either). See :mod:`ninek_graph.keys`."""
    subjects = {s for cls in KEYED_CLASSES for s in graph.subjects(RDF.type, cls)}
    for subject in subjects:
        keys = {str(o) for p in KEY_SOURCES for o in graph.objects(subject, p)}
        for identifier in graph.objects(subject, ADMS.identifier):
            keys.update(str(n) for n in graph.objects(identifier, SKOS.notation))
        if (subject, RDF.type, NK.Project) in graph:
            keys.add(str(subject))
        for key in {match_key(k) for k in keys if k.strip()}:
            graph.add((subject, NK.matchKey, Literal(key)))


def add_document_notes(graph: Graph, interpretation: Interpretation) -> None:
    for note in interpretation.notes:
        add_note(graph, iri("note", note["id"]), note["kind"], note["note"], note["text"],
                 source_row_iri(note["line"]), SOURCE_DOCUMENT)
