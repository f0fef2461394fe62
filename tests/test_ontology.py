"""The ontology (ontology/*.ttl, merged by ``ontology_graph``) declares what the graph uses.

Every nk: term the built graph uses is declared, labelled and defined in Norwegian and
English, typed as what the graph uses it as, and consistent with the data where the
ontology states a domain or range. The ontology file itself parses and declares itself.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS

from ninek_graph.build import build_graph
from ninek_graph.namespaces import NK, ONTOLOGY, SCHEMA
from ninek_graph.ontology import ontology_graph
from ninek_graph.paths import ONTOLOGY_DIR

VANN = "http://purl.org/vocab/vann/"
# A plain Namespace: pytest's collection probes module attributes, and rdflib's XSD warns
# about every attribute it does not define.
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
KINDS = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
         RDFS.Datatype}
# Standard axioms the domain and range checks need (from the ORG and FOAF specifications);
# the ontology does not restate them.
STANDARD_SUBCLASSES = {
    ORG.Organization: {FOAF.Agent},
    FOAF.Group: {FOAF.Agent},
    ORG.FormalOrganization: {ORG.Organization},
}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return ontology_graph()


@pytest.fixture(scope="module")
def core() -> Graph:
    return Graph().parse(ONTOLOGY_DIR / "ninek.ttl", format="turtle")


@pytest.fixture(scope="module")
def graph() -> Graph:
    return build_graph().graph


def used_terms(graph: Graph) -> set[URIRef]:
    """nk: IRIs the graph uses as predicate, class, object or datatype."""
    found = set()
    for triple in graph:
        for term in triple:
            if isinstance(term, URIRef) and term.startswith(str(NK)) and term != URIRef(NK):
                found.add(term)
            if isinstance(term, Literal) and term.datatype and term.datatype.startswith(str(NK)):
                found.add(term.datatype)
    return found


def declared_terms(ontology: Graph) -> set[URIRef]:
    return {s for s in ontology.subjects(RDFS.isDefinedBy, ONTOLOGY)
            if isinstance(s, URIRef)} | {
        s for kind in KINDS for s in ontology.subjects(RDF.type, kind)
        if isinstance(s, URIRef) and s.startswith(str(NK))}


def superclasses(ontology: Graph, cls: URIRef) -> set[URIRef]:
    found, todo = set(), [cls]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.add(current)
        todo.extend(ontology.objects(current, RDFS.subClassOf))
        todo.extend(STANDARD_SUBCLASSES.get(current, ()))
    return found


def types_of(graph: Graph, ontology: Graph, node) -> set[URIRef]:
    return {sup for t in graph.objects(node, RDF.type) for sup in superclasses(ontology, t)}


def test_every_ontology_file_parses_and_one_declares_the_ontology():
    files = sorted(ONTOLOGY_DIR.glob("*.ttl"))
    assert files
    declaring = []
    for path in files:
        g = Graph().parse(path, format="turtle")
        assert len(g) > 0, path
        if (ONTOLOGY, RDF.type, OWL.Ontology) in g:
            declaring.append(path.name)
    assert declaring == ["ninek.ttl"]


def test_ontology_header(core):
    header = {p: set(core.objects(ONTOLOGY, p)) for p in set(core.predicates(ONTOLOGY))}
    for prop in (DCTERMS.title, DCTERMS.description):
        assert {o.language for o in header[prop]} == {"nb", "en"}, prop
    assert header[DCTERMS.license] == {URIRef("https://creativecommons.org/licenses/by/4.0/")}
    assert header[DCTERMS.created] == {Literal("2026-11-28", datatype=XSD.date)}
    assert len(header[OWL.versionInfo]) == 1  # DCAT-AP-NO's Standard shape allows one
    assert header[DCTERMS.creator]
    assert header[URIRef(VANN + "preferredNamespacePrefix")] == {Literal("nk")}
    assert header[URIRef(VANN + "preferredNamespaceUri")] == {Literal(str(NK))}


def test_every_term_the_graph_uses_is_declared(graph, ontology):
    missing = used_terms(graph) - declared_terms(ontology)
    assert not missing, sorted(missing)


def test_every_declared_term_is_used(graph, ontology):
    """An unused term is either dead or a sign that the code emits a differently spelt one."""
    unused = declared_terms(ontology) - used_terms(graph)
    assert not unused, sorted(unused)


def test_every_term_is_labelled_and_defined_in_nb_and_en(ontology):
    for term in declared_terms(ontology):
        for prop in (RDFS.label, SKOS.definition):
            languages = [o.language for o in ontology.objects(term, prop)]
            assert sorted(languages) == ["en", "nb"], (term, prop, languages)


def test_every_term_is_defined_by_the_ontology(ontology):
    for kind in KINDS:
        for term in ontology.subjects(RDF.type, kind):
            if isinstance(term, URIRef) and term.startswith(str(NK)):
                assert (term, RDFS.isDefinedBy, ONTOLOGY) in ontology, term


def test_no_term_has_conflicting_types_or_two_declaring_files(ontology):
    for term in declared_terms(ontology):
        kinds = set(ontology.objects(term, RDF.type)) & KINDS
        assert len(kinds) == 1, (term, kinds)
    declared_in: dict[URIRef, list[str]] = {}
    for path in sorted(ONTOLOGY_DIR.glob("*.ttl")):
        g = Graph().parse(path, format="turtle")
        for term in {s for kind in KINDS for s in g.subjects(RDF.type, kind)}:
            if isinstance(term, URIRef) and term.startswith(str(NK)):
                declared_in.setdefault(term, []).append(path.name)
    twice = {t: files for t, files in declared_in.items() if len(files) > 1}
    assert not twice, twice


def test_standard_terms_are_annotated_not_redefined(core):
    """Terms of other vocabularies get an rdfs:comment only: no type, domain, range or
    subclass axiom that would change their meaning."""
    foreign = {s for s in core.subjects() if isinstance(s, URIRef)
               and not s.startswith(str(NK)) and s != ONTOLOGY}
    assert foreign
    for term in foreign:
        assert set(core.predicates(term)) == {RDFS.comment}, term


def test_minted_terms_say_why_no_standard_term_fits(core):
    for term in set(core.subjects(RDFS.isDefinedBy, ONTOLOGY)):
        english = [o for o in core.objects(term, SKOS.definition) if o.language == "en"]
        assert len(english) == 1, term
        assert "because" in english[0] or "minted" in english[0], term


def test_terms_are_typed_as_the_graph_uses_them(graph, ontology):
    for cls in set(graph.objects(None, RDF.type)):
        if cls.startswith(str(NK)):
            assert (cls, RDF.type, OWL.Class) in ontology, cls
    for prop in set(graph.predicates()):
        if not prop.startswith(str(NK)):
            continue
        literal = {isinstance(o, Literal) for o in graph.objects(None, prop)}
        expected = OWL.DatatypeProperty if literal == {True} else OWL.ObjectProperty
        assert literal in ({True}, {False}), (prop, "mixes literals and resources")
        assert (prop, RDF.type, expected) in ontology, prop


@pytest.mark.parametrize(
    ("term", "parent"),
    [
        (NK.Project, SCHEMA.Project), (NK.Project, PROV.Activity),
        (NK.WorkArea, PROV.Activity), (NK.Participation, PROV.Association),
        (NK.Grant, SCHEMA.MonetaryGrant), (NK.Municipality, ORG.Organization),
        (NK.Cooperation, ORG.Organization), (NK.AgentGroup, FOAF.Group),
        (NK.SourceLine, PROV.Entity), (NK.SourceDocument, FOAF.Document),
        (NK.DataQualityNote, PROV.Entity), (NK.Assumption, NK.DataQualityNote),
    ],
)
def test_classes_specialise_the_standard_classes(ontology, term, parent):
    assert (term, RDFS.subClassOf, parent) in ontology


def test_ranges_hold_in_the_graph(graph, ontology):
    """Every stated datatype range is the datatype of every value (xsd:integer counts as
    xsd:decimal, its supertype; plain literals are xsd:string); every class range is a type
    of every value."""
    for prop, rng in ontology.subject_objects(RDFS.range):
        if not prop.startswith(str(NK)):
            continue
        for value in graph.objects(None, prop):
            if isinstance(value, Literal):
                datatype = value.datatype or (RDF.langString if value.language else XSD.string)
                allowed = {rng, XSD.integer} if rng == XSD.decimal else {rng}
                assert datatype in allowed, (prop, value, datatype)
            else:
                assert rng in types_of(graph, ontology, value), (prop, value, rng)


def test_domains_hold_in_the_graph(graph, ontology):
    for prop, domain in ontology.subject_objects(RDFS.domain):
        if not prop.startswith(str(NK)):
            continue
        for subject in set(graph.subjects(prop, None)):
            assert domain in types_of(graph, ontology, subject), (prop, subject, domain)
