"""The pages' view of the build: every triple of the data graph, looked up by subject and by
object, plus the (small) ontology held as Python values.

Entity pages get an entity's own description from the store (SPARQL CONSTRUCT through the
application's back-end, see :mod:`.pages_describe`); what a page says *about its neighbours*
(a linked project's label and years, a grant's amount on a funder's page), the search index,
the home page's counts and the membership timeline come from this index instead of one query
per neighbour.

The triples stay in a pyoxigraph store, looked up by quad pattern (its indexes answer by
subject, predicate or object in microseconds). With the embedded back-end it is the very
store the queries run on, loaded once from the same dump; otherwise (a remote back-end, a
test's own back-end) the index loads the dump into a store of its own. Holding the triples as
Python objects instead cost about 0.9 GiB and 11 s at a million triples. A bounded cache
keeps the outgoing triples of recently shown entities as Python values.
"""

from __future__ import annotations

import json
import threading
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from flask import current_app

from .backend import DATA_GRAPH, Term
from .namespaces import BASE
from .results import parse_triples, term_from_oxigraph

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


class GraphIndex:
    """Triples of one build's data graph by subject (:meth:`outgoing`) and by IRI object
    (:meth:`incoming`), and the ontology's triples by subject (``ontology``)."""

    def __init__(self, store: ox.Store | None = None, *, gate: threading.Lock | None = None,
                 graph: str = DATA_GRAPH, ontology: dict | None = None,
                 manifest: dict | None = None, dist: Path | None = None):
        self._store = store if store is not None else ox.Store()
        self._gate = gate if gate is not None else threading.Lock()
        self._graph = ox.NamedNode(graph)
        self.ontology: dict[str, list[tuple[str, Term]]] = ontology or {}
        self.manifest = manifest or {}
        self.dist = dist
        self.outgoing = lru_cache(maxsize=4096)(self._outgoing)

    @classmethod
    def load(cls, dist: Path, *, store: ox.Store | None = None,
             gate: threading.Lock | None = None) -> GraphIndex:
        """The index of the build in ``dist``. ``store`` (with the ``gate`` its owner forks
        under) already holds ``dist/ninek.nt`` in the data graph; without one, the dump is
        loaded into a store of the index's own."""
        data = dist / "ninek.nt"
        if store is None:
            store = ox.Store()
            if data.exists():
                store.load(path=str(data), format=ox.RdfFormat.N_TRIPLES,
                           to_graph=ox.NamedNode(DATA_GRAPH))
        ontology: dict[str, list[tuple[str, Term]]] = {}
        ontology_file = dist / "ontology.nt"
        if ontology_file.exists():
            for s, p, o in parse_triples(ontology_file.read_bytes(), "application/n-triples"):
                key = s.value if s.kind == "uri" else "_:" + s.value
                ontology.setdefault(key, []).append((p.value, o))
        manifest_file = dist / "manifest.json"
        manifest = (json.loads(manifest_file.read_text(encoding="utf-8"))
                    if manifest_file.exists() else {})
        return cls(store, gate=gate, ontology=ontology, manifest=manifest, dist=dist)

    @property
    def store(self) -> ox.Store:
        """The store the triples are looked up in (read it under :attr:`gate`)."""
        return self._store

    @property
    def gate(self) -> threading.Lock:
        return self._gate

    def _quads(self, subject=None, predicate=None, obj=None) -> list[ox.Quad]:
        with self._gate:  # see OxigraphBackend.store_gate
            return list(self._store.quads_for_pattern(subject, predicate, obj, self._graph))

    def _outgoing(self, iri: str) -> tuple[tuple[str, Term], ...]:
        node = _node(iri)
        if node is None:
            return ()
        # In the order of the sorted dump's lines (str() of a term is its N-Triples form).
        quads = sorted(self._quads(node),
                       key=lambda q: (str(q.predicate), str(q.object)))
        return tuple((q.predicate.value, term_from_oxigraph(q.object)) for q in quads)

    def incoming(self, iri: str) -> list[tuple[str, str]]:
        """(subject, predicate) of every triple whose object is the IRI ``iri``."""
        node = _node(iri)
        if node is None:
            return []
        quads = sorted((q for q in self._quads(obj=node)
                        if isinstance(q.subject, ox.NamedNode)),
                       key=lambda q: (str(q.subject), str(q.predicate)))
        return [(q.subject.value, q.predicate.value) for q in quads]

    def literals_of(self, predicate: str) -> list[tuple[str, str]]:
        """(subject IRI, lexical form) of every literal object of ``predicate`` (for
        building the search index at start-up): plain strings, no term objects."""
        with self._gate:
            return [(quad.subject.value, quad.object.value)
                    for quad in self._store.quads_for_pattern(
                        None, ox.NamedNode(predicate), None, self._graph)
                    if isinstance(quad.object, ox.Literal)
                    and isinstance(quad.subject, ox.NamedNode)]

    # --- lookups --------------------------------------------------------------------------
    def has(self, iri: str) -> bool:
        return bool(self.outgoing(iri))

    def values(self, iri: str, predicate: str) -> list[Term]:
        return [o for p, o in self.outgoing(iri) if p == predicate]

    def value(self, iri: str, predicate: str) -> Term | None:
        found = self.values(iri, predicate)
        return found[0] if found else None

    def text(self, iri: str, predicate: str, lang: str = "en") -> str | None:
        return pick_literal(self.values(iri, predicate), lang)

    def iris(self, iri: str, predicate: str) -> list[str]:
        return sorted(o.value for o in self.values(iri, predicate) if o.kind == "uri")

    def subjects(self, predicate: str, obj: str) -> list[str]:
        node = _node(obj)
        if node is None:
            return []
        return sorted({q.subject.value for q in self._quads(
            predicate=ox.NamedNode(predicate), obj=node)
            if isinstance(q.subject, ox.NamedNode)})

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


def _node(iri: str) -> ox.NamedNode | None:
    """``iri`` as a pyoxigraph node, or None when it is no IRI at all (a path a user typed,
    a blank node label): nothing in the graph can have it."""
    try:
        return ox.NamedNode(iri)
    except ValueError:
        return None


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
