"""Namespaces and IRI minting, in one place.

Every IRI the project mints starts with :data:`BASE`; entity kinds are path segments so an
IRI tells a reader what it names (``/project/geodata``, ``/municipality/re``). Ontology terms
are hash IRIs under ``BASE + "def"`` so that the whole ontology is one document.
"""

from __future__ import annotations

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, TIME, VOID, XSD

BASE = "https://w3id.org/ninek/"
NK = Namespace(BASE + "def#")
ONTOLOGY = URIRef(BASE + "def")
SCHEMA = Namespace("https://schema.org/")
ADMS = Namespace("http://www.w3.org/ns/adms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
WD = Namespace("http://www.wikidata.org/entity/")
SH = Namespace("http://www.w3.org/ns/shacl#")

PREFIXES: dict[str, Namespace] = {
    "nk": NK,
    "ninek": Namespace(BASE),
    "schema": SCHEMA,
    "prov": PROV,
    "org": ORG,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "dcat": DCAT,
    "void": VOID,
    "time": TIME,
    "foaf": FOAF,
    "owl": OWL,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "adms": ADMS,
    "vcard": VCARD,
    "wd": WD,
}

# Kinds of entity; the value is the path segment under BASE.
KINDS = (
    "project",
    "workarea",
    "municipality",
    "organisation",
    "group",
    "participation",
    "exclusion",
    "membership",
    "grant",
    "cost",
    "saving",
    "milestone",
    "lineage",
    "note",
    "source",
    "concept",
    "scheme",
    "event",
    "identifier",
    "dataset",
    "distribution",
    "decision",
    "link",
    "classification",
    "receipt",
    "outcome",
    "figure",
    "unnamed",
    "post",
    "recognition",
)


def iri(kind: str, *parts: str) -> URIRef:
    """Mint the IRI of an entity of ``kind`` (one of :data:`KINDS`) from slug parts."""
    if kind not in KINDS:
        raise ValueError(f"unknown IRI kind {kind!r}")
    return URIRef(BASE + "/".join((kind, *parts)) if parts else BASE + kind)


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project's prefixes on ``graph`` so that Turtle output is readable."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph
