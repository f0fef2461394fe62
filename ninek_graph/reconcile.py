"""Entity reconciliation: what the service offers, shared by the modules behind ``/reconcile``.

The W3C Entity Reconciliation Service API 0.2 (https://reconciliation-api.github.io/specs/0.2/)
leaves candidate retrieval and scoring to the service ("A Note on Candidate Retrieval and
Scoring"). The work is split by concern:

* :mod:`.reconcile_entities` reads the entities from the build's N-Triples dump;
* :mod:`.reconcile_match` folds names and scores how well a query names a label;
* :mod:`.reconcile_index` holds the entities and ranks candidates for a query;
* :mod:`.reconcile_batch` reads and checks a batch of queries;
* :mod:`.reconcile_view` answers the HTTP requests.

This module holds what they share: the identifier space, the types and properties a query
may name (and the suggest service over them), the limits on a request, and the error a
request the service cannot answer gets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .reconcile_match import Form, fold

BASE = "https://w3id.org/ninek/"
NK = BASE + "def#"
FOAF = "http://xmlns.com/foaf/0.1/"
ORG = "http://www.w3.org/ns/org#"

MAX_BATCH = 100          # queries in one batch (also the manifest's batchSize)
MAX_BATCH_CHARS = 200_000
MAX_TEXT = 500           # characters in a query string, property value, id or prefix
MAX_PROPERTIES = 20
MAX_VALUES = 50
MAX_TYPES = 20
MAX_LIMIT = 100
DEFAULT_LIMIT = 10


class ReconcileInputError(ValueError):
    """A request the service cannot answer; the message says what to change."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class TypeInfo:
    id: str
    name: str
    description: str
    aliases: tuple[str, ...] = ()

    def as_json(self) -> dict:
        return {"id": self.id, "name": self.name, "description": self.description}


TYPES = (
    TypeInfo("project", "Project", "A project of 9-kommunesamarbeidet i Vestfold (nk:Project)",
             (NK + "Project", "nk:Project")),
    TypeInfo("municipality", "Municipality",
             "A Norwegian municipality (kommune): the cooperation's members, the others the "
             "source names, and their successors after mergers", (NK + "Municipality",
                                                                 "nk:Municipality")),
    TypeInfo("organisation", "Organisation",
             "An organisation the source names: college, agency, company, ministry, school...",
             (ORG + "Organization", "org:Organization")),
    TypeInfo("group", "Group of agents",
             "A group the source names without listing its members (foaf:Group)",
             (FOAF + "Group", "foaf:Group", NK + "AgentGroup")),
)
DEFAULT_TYPES = ("project", "municipality", "organisation")
TYPE_BY_ID = {t.id: t for t in TYPES}
TYPE_ALIASES = {alias: t.id for t in TYPES for alias in (t.id, *t.aliases)}


@dataclass(frozen=True)
class PropertyInfo:
    id: str
    name: str
    description: str

    def as_json(self) -> dict:
        return {"id": self.id, "name": self.name, "description": self.description}


PROPERTIES = (
    PropertyInfo("municipalityNumber", "Municipality number (kommunenummer)",
                 "Four digits, e.g. 0704 (716 is read as 0716); matches a number the "
                 "municipality held in any period."),
    PropertyInfo("organisationNumber", "Organisation number (organisasjonsnummer)",
                 "Nine digits; spaces are ignored."),
    PropertyInfo("year", "Active in year",
                 "A year: projects running then, municipalities holding a number then. "
                 "Entities whose time span the graph does not know are not excluded."),
    PropertyInfo("startYear", "Start year", "The year a project started."),
    PropertyInfo("category", "Category",
                 "A project category: its notation (driftsprosjekter), name or IRI."),
)
PROPERTY_BY_ID = {p.id: p for p in PROPERTIES}


def suggest_named(items: Iterable[TypeInfo | PropertyInfo], prefix: str, cursor: int = 0,
                  limit: int = DEFAULT_LIMIT) -> list[dict]:
    """Types or properties whose id or name (or a word of it) begins with ``prefix``."""
    wanted = fold(prefix)
    hits = []
    for item in items:
        forms = [Form.of(item.id), Form.of(item.name)]
        if any(f.norm.startswith(wanted) or any(t.startswith(wanted) for t in f.tokens)
               for f in forms):
            hits.append(item.as_json())
    return hits[cursor:cursor + limit]
