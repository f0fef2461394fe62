"""The ontology's documentation page, generated from the ontology itself (``dist/ontology.nt``).

Every class and property the ontology defines (``rdfs:isDefinedBy`` the ontology, or in the
``nk:`` namespace) with its labels and definitions in Norwegian Bokmål and English, domain,
range and super-classes or super-properties, each under an anchor named after the term
(``/def#Project``), so that ``https://w3id.org/ninek/def#Project`` lands on its entry. The
standard terms the graph reuses are listed with the comment saying how the graph uses them.
"""

from __future__ import annotations

from .pages_describe import PageBuilder
from .pages_index import DCT, NK, OWL, RDF_TYPE, RDFS, SKOS, short_iri

ONTOLOGY_IRI = "https://w3id.org/ninek/def"
CLASS_TYPES = (OWL + "Class", RDFS + "Class")
PROPERTY_TYPES = (OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty",
                  "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property")


def _literals(pairs, predicate: str) -> list[dict]:
    return sorted(({"lang": o.lang or "", "text": o.value} for p, o in pairs
                   if p == predicate and o.kind == "literal"), key=lambda x: x["lang"])


def document(builder: PageBuilder) -> dict:
    ix = builder.index
    onto = ix.ontology
    classes, properties, datatypes, reused = [], [], [], []

    def refs(pairs, predicate):
        return [builder.ref(o.value) for p, o in pairs if p == predicate and o.kind == "uri"]

    for iri, pairs in sorted(onto.items()):
        if iri.startswith("_:"):
            continue
        types = [o.value for p, o in pairs if p == RDF_TYPE]
        defined = any(p == RDFS + "isDefinedBy" for p, _ in pairs) or iri.startswith(NK)
        entry = {
            "iri": iri, "anchor": iri.split("#", 1)[1] if "#" in iri else short_iri(iri),
            "curie": short_iri(iri),
            "labels": _literals(pairs, RDFS + "label"),
            "definitions": _literals(pairs, SKOS + "definition"),
            "comments": _literals(pairs, RDFS + "comment"),
            "types": [short_iri(t) for t in types],
            "domain": refs(pairs, RDFS + "domain"), "range": refs(pairs, RDFS + "range"),
            "superclasses": refs(pairs, RDFS + "subClassOf"),
            "superproperties": refs(pairs, RDFS + "subPropertyOf"),
            "label": builder.index.label(iri, builder.lang),
        }
        if iri == ONTOLOGY_IRI:
            continue
        if not defined:
            reused.append(entry)
        elif any(t in CLASS_TYPES for t in types):
            classes.append(entry)
        elif any(t in PROPERTY_TYPES for t in types):
            properties.append(entry)
        else:
            datatypes.append(entry)
    meta = onto.get(ONTOLOGY_IRI, [])
    return {
        "title": builder.index.label(ONTOLOGY_IRI, builder.lang),
        "descriptions": _literals(meta, DCT + "description"),
        "version": next((o.value for p, o in meta if p == OWL + "versionInfo"), ""),
        "classes": classes, "properties": properties, "datatypes": datatypes,
        "reused": reused,
    }
