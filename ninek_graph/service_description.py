"""SPARQL 1.1 Service Description of the endpoint (W3C Recommendation, section 3).

Answered on GET /sparql without a query: what the endpoint supports (SPARQL 1.1 Query,
no Update), its result formats, and its default dataset (the union of the published graphs)
described with VoID.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, VOID

from .backend import DATA_GRAPH, ONTOLOGY_GRAPH
from .dataset import DATASET

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")


def service_description(endpoint_url: str) -> Graph:
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    graph.bind("dcterms", DCTERMS)
    service = URIRef(endpoint_url)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for fmt in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        graph.add((service, SD.resultFormat, FORMATS[fmt]))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    graph.add((service, DCTERMS.description, Literal(
        "Read-only SPARQL 1.1 endpoint of ninek-graph. SPARQL Update, LOAD and SERVICE are "
        "refused; FROM / FROM NAMED and the protocol's dataset parameters may select only the "
        "published graphs.", lang="en")))
    dataset = BNode("dataset")
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    default_graph = BNode("defaultGraph")
    graph.add((dataset, SD.defaultGraph, default_graph))
    graph.add((default_graph, RDF.type, SD.Graph))
    graph.add((default_graph, DCTERMS.source, DATASET))
    graph.add((default_graph, DCTERMS.description, Literal(
        "The union of the named graphs below.", lang="en")))
    for name in (DATA_GRAPH, ONTOLOGY_GRAPH):
        named = BNode(f"named-{name.rsplit('/', 1)[1]}")
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
    return graph
