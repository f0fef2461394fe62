"""The dataset's own description: DCAT-AP-NO 2.0 and VoID.

The description lives in the graph it describes, so a harvester (data.norge.no) and a
researcher's SPARQL query find title, licence, publisher, source and size in one place. Its
shape is checked against the official DCAT-AP-NO 2.0 SHACL shapes (``shapes/dcat-ap-no``).
The triple count includes the description itself; byte sizes and checksums of the dumps
cannot be inside the dumps, so they are in ``dist/manifest.json`` instead.
"""

from __future__ import annotations

from typing import Any

import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, VOID, XSD

from .backend import DATA_GRAPH
from .namespaces import BASE, NK, VCARD, iri
from .paths import DATA_DIR
from .rdf_context import SOURCE_DOCUMENT

DATASET = URIRef(BASE + "dataset")
DOWNLOAD_BASE = BASE + "download/"
IANA = "https://www.iana.org/assignments/media-types/"
EU = "http://publications.europa.eu/resource/authority/"


def settings() -> dict[str, Any]:
    return yaml.safe_load((DATA_DIR / "dataset.yaml").read_text(encoding="utf-8"))


def describe(graph: Graph, extra: Graph | None = None) -> None:
    """Add the DCAT/VoID description of the dataset to ``graph`` (``extra``: triples such
    as VoID linksets that belong in the description)."""
    meta = settings()
    d = DATASET
    add = graph.add
    add((d, RDF.type, DCAT.Dataset))
    add((d, RDF.type, VOID.Dataset))
    for lang, text in meta["title"].items():
        add((d, DCTERMS.title, Literal(text, lang=lang)))
        add((d, RDFS.label, Literal(text, lang=lang)))
    for lang, text in meta["description"].items():
        add((d, DCTERMS.description, Literal(" ".join(text.split()), lang=lang)))
    for lang, words in meta["keywords"].items():
        for word in words:
            add((d, DCAT.keyword, Literal(word, lang=lang)))
    add((d, DCTERMS.identifier, Literal(meta["identifier"])))
    add((d, DCAT.theme, URIRef(meta["theme"])))
    add((d, DCTERMS.spatial, URIRef(meta["spatial"])))
    add((d, DCTERMS.language, URIRef(meta["language"])))
    for value in (meta["theme"], meta["spatial"], meta["language"], meta["license"]):
        _eu_concept(graph, value)
    add((URIRef(meta["license"]), RDFS.seeAlso, URIRef(meta["license_document"])))
    add((d, DCTERMS.issued, Literal(meta["issued"], datatype=XSD.date)))
    add((d, DCTERMS.modified, Literal(meta["modified"], datatype=XSD.date)))
    add((d, DCTERMS.created, Literal(meta["issued"], datatype=XSD.date)))
    add((d, DCTERMS.license, URIRef(meta["license"])))
    add((d, DCTERMS.source, SOURCE_DOCUMENT))
    add((d, PROV.wasDerivedFrom, SOURCE_DOCUMENT))
    add((d, DCTERMS.conformsTo, URIRef(BASE + "def")))
    add((URIRef(BASE + "def"), RDF.type, DCTERMS.Standard))
    add((URIRef(BASE + "def"), DCTERMS.title, Literal("ninek-graph ontology", lang="en")))
    _describe_source(graph, meta)
    add((d, VOID.vocabulary, URIRef(str(NK))))
    add((d, VOID.sparqlEndpoint, URIRef(meta["sparql_endpoint"])))
    add((d, VOID.uriSpace, Literal(BASE)))
    add((d, VOID.dataDump, URIRef(DOWNLOAD_BASE + "ninek.nt")))

    period = URIRef(f"{d}#period")
    add((d, DCTERMS.temporal, period))
    add((period, RDF.type, DCTERMS.PeriodOfTime))
    add((period, DCAT.startDate, Literal(meta["temporal"]["start"], datatype=XSD.date)))
    add((period, DCAT.endDate, Literal(meta["temporal"]["end"], datatype=XSD.date)))

    publisher = iri("organisation", meta["publisher"]["id"])
    add((d, DCTERMS.publisher, publisher))
    add((publisher, RDF.type, FOAF.Agent))
    add((publisher, FOAF.name, Literal(meta["publisher"]["name"])))
    add((publisher, DCTERMS.identifier, Literal(meta["publisher"]["id"])))
    add((publisher, FOAF.homepage, URIRef(meta["publisher"]["homepage"])))

    contact = URIRef(f"{d}#contact")
    add((d, DCAT.contactPoint, contact))
    add((contact, RDF.type, VCARD.Organization))
    add((contact, VCARD.fn, Literal(meta["contact_point"]["name"])))
    add((contact, VCARD.hasURL, URIRef(meta["contact_point"]["url"])))

    for entry in meta["distributions"]:
        node = iri("distribution", entry["file"].replace(".", "-"))
        add((d, DCAT.distribution, node))
        add((node, RDF.type, DCAT.Distribution))
        add((node, DCTERMS.title, Literal(f"{entry['title']} dump", lang="en")))
        add((node, DCTERMS.title, Literal(f"Nedlasting som {entry['title']}", lang="nb")))
        add((node, DCAT.accessURL, URIRef(DOWNLOAD_BASE + entry["file"])))
        add((node, DCAT.downloadURL, URIRef(DOWNLOAD_BASE + entry["file"])))
        add((node, DCAT.mediaType, URIRef(IANA + entry["format"])))
        file_type = URIRef(EU + "file-type/" + entry["file_type"])
        add((node, DCTERMS.format, file_type))
        _eu_concept(graph, str(file_type))
        add((node, DCTERMS.license, URIRef(meta["license"])))

    service = URIRef(meta["sparql_endpoint"])
    add((service, RDF.type, DCAT.DataService))
    add((service, DCTERMS.title, Literal("SPARQL 1.1 endpoint", lang="en")))
    add((service, DCTERMS.title, Literal("SPARQL 1.1-endepunkt", lang="nb")))
    add((service, DCTERMS.identifier, Literal(meta["sparql_endpoint"])))
    add((service, DCAT.endpointURL, service))
    add((service, DCAT.servesDataset, d))
    add((service, DCTERMS.publisher, publisher))
    add((service, DCTERMS.license, URIRef(meta["license"])))
    add((d, NK.namedGraph, URIRef(DATA_GRAPH)))
    if extra is not None:
        for triple in extra:
            add(triple)


def _eu_concept(graph: Graph, value: str) -> None:
    """Values from the EU Publications Office vocabularies, declared in their scheme as
    DCAT-AP-NO requires (the scheme is the IRI up to the last path segment)."""
    graph.add((URIRef(value), RDF.type, SKOS.Concept))
    graph.add((URIRef(value), SKOS.inScheme, URIRef(value.rsplit("/", 1)[0])))


def _describe_source(graph: Graph, meta: dict[str, Any]) -> None:
    """The source document is itself a dataset (the cooperation's table of its projects),
    which is what DCAT-AP-NO asks ``dct:source`` to point to."""
    doc = SOURCE_DOCUMENT
    graph.add((doc, RDF.type, DCAT.Dataset))
    for lang, text in meta["source"]["title"].items():
        graph.add((doc, DCTERMS.title, Literal(text, lang=lang)))
    for lang, text in meta["source"]["description"].items():
        graph.add((doc, DCTERMS.description, Literal(" ".join(text.split()), lang=lang)))
    graph.add((doc, DCAT.theme, URIRef(meta["theme"])))
    publisher = iri("organisation", meta["source"]["publisher"])
    graph.add((doc, DCTERMS.publisher, publisher))
    graph.add((publisher, DCTERMS.identifier, Literal(meta["source"]["publisher"])))


def add_statistics(graph: Graph) -> None:
    """VoID counts, computed on the finished graph; the count includes these triples."""
    d = DATASET
    subjects = {s for s in graph.subjects()}
    entities = {s for s in subjects if isinstance(s, URIRef) and str(s).startswith(BASE)}
    classes = set(graph.objects(None, RDF.type))
    counted = (VOID.entities, VOID.classes, VOID.properties, VOID.distinctSubjects, VOID.triples)
    properties = set(graph.predicates()) | set(counted)
    stats = [
        (VOID.entities, len(entities)),
        (VOID.classes, len(classes)),
        (VOID.properties, len(properties)),
        (VOID.distinctSubjects, len(subjects)),
    ]
    for prop, value in stats:
        graph.add((d, prop, Literal(value)))
    graph.add((d, VOID.triples, Literal(len(graph) + 1)))
