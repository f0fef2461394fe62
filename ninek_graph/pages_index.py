"""The pages' in-memory view of the build: every triple of the dumps, indexed by subject and
object, read once when the application starts.

Entity pages get an entity's own description from the store (SPARQL CONSTRUCT through the
application's back-end, see :mod:`.pages_describe`); what a page says *about its neighbours*
(a linked project's label and years, a grant's amount on a funder's page) and the search
index, the home page's counts and the membership timeline come from this index instead of
one query per neighbour. The dumps are small (about 10 000 triples), immutable between builds
and the same files the embedded store loads, so the two never disagree.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from flask import current_app

from .backend import Term
from .namespaces import BASE
from .results import parse_triples

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
PROV = "http://www.w3.org/ns/prov#"
ORG = "http://www.w3.org/ns/org#"
OWL = "http://www.w3.org/2002/07/owl#"
SCHEMA = "https://schema.org/"
ADMS = "http://www.w3.org/ns/adms#"
DCAT = "http://www.w3.org/ns/dcat#"
TIME = "http://www.w3.org/2006/time#"
NK = BASE + "def#"

# Where a name is found, best first; within one predicate the page's language wins.
LABEL_PREDICATES = (SKOS + "prefLabel", DCT + "title", RDFS + "label", FOAF + "name")


@dataclass
class GraphIndex:
    """Triples of one build by subject (``out``) and by IRI object (``inc``)."""

    out: dict[str, list[tuple[str, Term]]] = field(default_factory=lambda: defaultdict(list))
    inc: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    ontology: dict[str, list[tuple[str, Term]]] = field(
        default_factory=lambda: defaultdict(list))
    manifest: dict = field(default_factory=dict)
    dist: Path | None = None

    @classmethod
    def load(cls, dist: Path) -> GraphIndex:
        index = cls(dist=dist)
        data = dist / "ninek.nt"
        for s, p, o in parse_triples(data.read_bytes(), "application/n-triples"):
            index.out[s.value].append((p.value, o))
            if o.kind == "uri":
                index.inc[o.value].append((s.value, p.value))
        ontology = dist / "ontology.nt"
        if ontology.exists():
            for s, p, o in parse_triples(ontology.read_bytes(), "application/n-triples"):
                key = s.value if s.kind == "uri" else "_:" + s.value
                index.ontology[key].append((p.value, o))
        manifest = dist / "manifest.json"
        if manifest.exists():
            index.manifest = json.loads(manifest.read_text(encoding="utf-8"))
        index.out = dict(index.out)
        index.inc = dict(index.inc)
        return index

    # --- lookups --------------------------------------------------------------------------
    def has(self, iri: str) -> bool:
        return iri in self.out

    def values(self, iri: str, predicate: str) -> list[Term]:
        return [o for p, o in self.out.get(iri, ()) if p == predicate]

    def value(self, iri: str, predicate: str) -> Term | None:
        found = self.values(iri, predicate)
        return found[0] if found else None

    def text(self, iri: str, predicate: str, lang: str = "en") -> str | None:
        return pick_literal(self.values(iri, predicate), lang)

    def iris(self, iri: str, predicate: str) -> list[str]:
        return sorted(o.value for o in self.values(iri, predicate) if o.kind == "uri")

    def subjects(self, predicate: str, obj: str) -> list[str]:
        return sorted({s for s, p in self.inc.get(obj, ()) if p == predicate})

    def types(self, iri: str) -> list[str]:
        return self.iris(iri, RDF_TYPE)

    def is_a(self, iri: str, cls: str) -> bool:
        return any(o.value == cls for o in self.values(iri, RDF_TYPE))

    def of_type(self, cls: str) -> list[str]:
        return self.subjects(RDF_TYPE, cls)

    def label(self, iri: str, lang: str = "en") -> str:
        """The best name of ``iri`` in ``lang`` (falling back to other languages), or a
        readable form of the IRI itself."""
        for predicate in LABEL_PREDICATES:
            found = pick_literal(self.values(iri, predicate), lang)
            if found:
                return found
        for predicate in (RDFS + "label", SKOS + "prefLabel"):
            found = pick_literal(
                [o for p, o in self.ontology.get(iri, ()) if p == predicate], lang)
            if found:
                return found
        return short_iri(iri)

    def year(self, iri: str, predicate: str) -> int | None:
        term = self.value(iri, predicate)
        try:
            return int(term.value[:4]) if term is not None else None
        except ValueError:
            return None

    def decimal(self, iri: str, predicate: str) -> Decimal | None:
        term = self.value(iri, predicate)
        try:
            return Decimal(term.value) if term is not None else None
        except InvalidOperation:
            return None

    def flag(self, iri: str, predicate: str) -> bool:
        term = self.value(iri, predicate)
        return term is not None and term.value in ("true", "1")


def pick_literal(terms: list[Term], lang: str) -> str | None:
    """The literal in ``lang``, else an untagged one, else Norwegian, else any."""
    literals = [t for t in terms if t.kind == "literal"]
    if not literals:
        return None

    def rank(term: Term) -> tuple[int, str]:
        if term.datatype:  # a typed value (a number, a boolean) is a poor name
            return (4, term.value)
        tag = (term.lang or "").lower()
        if tag == lang or tag.startswith(lang + "-"):
            return (0, term.value)
        if not tag:
            return (1, term.value)
        if tag in ("nb", "no", "nn"):
            return (2, term.value)
        return (3, term.value)

    return min(literals, key=rank).value


SHORT_NAMESPACES = {
    NK: "nk:", SCHEMA: "schema:", PROV: "prov:", ORG: "org:", SKOS: "skos:", DCT: "dcterms:",
    DCAT: "dcat:", "http://rdfs.org/ns/void#": "void:", TIME: "time:", FOAF: "foaf:",
    OWL: "owl:", "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf:", RDFS: "rdfs:",
    "http://www.w3.org/2001/XMLSchema#": "xsd:", ADMS: "adms:",
    "http://www.w3.org/2006/vcard/ns#": "vcard:",
}


def short_iri(iri: str) -> str:
    for long, short in SHORT_NAMESPACES.items():
        if iri.startswith(long):
            return short + iri[len(long):]
    if iri.startswith(BASE):
        return iri[len(BASE):]
    return iri


def get_index() -> GraphIndex:
    """The application's index (loaded when the pages blueprint was registered)."""
    return current_app.extensions["ninek_pages_index"]
