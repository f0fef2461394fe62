"""Turn one curated row into triples: the project (or work area) and its qualified nodes.

Every node a user may want to cite gets an IRI (participations, exclusions, grants, costs,
savings, milestones, decisions, links, notes); every such node carries ``nk:evidence`` (the
substring of the row that says it) and ``prov:wasDerivedFrom`` its source row, so each
statement can be traced to the line it came from. Amounts hang off deterministic hash IRIs
rather than blank nodes so that the sorted N-Triples dump is byte-identical between builds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, RDFS, SKOS, XSD

from . import membership as membership_rules
from .interpret import Interpretation, evidence_texts
from .namespaces import NK, SCHEMA, iri
from .source import SourceRow

ROLE_PROPERTY_DIRECT = PROV.wasAssociatedWith
# Roles whose participation lies outside the project's period ("Tønsberg deltatt tidligere":
# before it); such a participation carries no years, for the source gives none.
YEARLESS_ROLES = {"former-participant"}
# Roles of agents that took no part: the qualified node records them, but the project is not
# "associated with" them.
NOT_ASSOCIATED_ROLES = {"declined-funder"}
RELATION_PROPERTIES = {
    "continues": NK.continues,
    "follow-up-of": NK.followUpOf,
    "coordinated-with": NK.coordinatedWith,
    "coordinated-by": NK.coordinatedBy,
    "same-as": NK.sameWorkAs,
}
ORG_RELATION_PROPERTIES = {
    "founded": NK.founded,
    "dissolved": NK.reportsDissolutionOf,
    "transferred-to": NK.transferredTo,
}
MONEY_CLASSES = {"grant": NK.Grant, "cost": NK.Cost, "saving": NK.Saving}


def concept(scheme: str, concept_id: str) -> URIRef:
    return iri("concept", scheme, concept_id)


def source_row_iri(line: int) -> URIRef:
    return iri("source", "line", str(line))


def agent_iri(interpretation: Interpretation, agent_id: str, line: int | None = None) -> URIRef:
    """The IRI of an agent; an unnamed agent of a kind that is one per row gets the row's line
    in its IRI (``/unnamed/ekstern-konsulent-16``)."""
    kind = interpretation.agent_kind(agent_id)
    entry = interpretation.unnamed(agent_id) if kind == "unnamed" else None
    if entry is not None and entry.get("per_row"):
        if line is None:
            raise ValueError(f"{agent_id} is one per row: give the row's line")
        return iri(kind, f"{agent_id}-{line}")
    return iri(kind, agent_id)


def year(value: int) -> Literal:
    return Literal(f"{value:04d}", datatype=XSD.gYear)


def date_literal(text: str) -> Literal:
    """``"1999-04"`` -> xsd:gYearMonth, ``"2005-06-01"`` -> xsd:date, ``"2005"`` -> gYear."""
    datatype = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}[len(text)]
    return Literal(text, datatype=datatype)


@dataclass
class RowBuilder:
    """Adds the triples of one row to ``graph``."""

    graph: Graph
    interpretation: Interpretation
    row: SourceRow
    entry: dict[str, Any]
    subject: URIRef = field(init=False)
    source: URIRef = field(init=False)

    def __post_init__(self) -> None:
        kind = "workarea" if self.row.section == "andre" else "project"
        self.subject = iri(kind, self.entry["id"])
        self.source = source_row_iri(self.row.line)

    # -- helpers -----------------------------------------------------------------------
    def add(self, s, p, o) -> None:
        self.graph.add((s, p, o))

    def agent(self, agent_id: str, evidence: Any = None) -> URIRef:
        """The IRI of an agent this row names; an unnamed agent that is one per row is
        described here, from this row (its words are the evidence that it exists)."""
        node = agent_iri(self.interpretation, agent_id, self.row.line)
        entry = self.interpretation.unnamed(agent_id)
        if entry is not None and entry.get("per_row"):
            describe_unnamed(self.graph, node, entry)
            self.add(node, PROV.wasDerivedFrom, self.source)
            for text in evidence_texts(evidence) if evidence is not None else []:
                self.add(node, NK.evidence, Literal(text))
        return node

    def traced(self, node: URIRef, rdf_type: URIRef, evidence: Any, certainty: str = "stated"):
        """Type ``node`` and tie it to this row: evidence text(s), source row, certainty."""
        self.add(node, RDF.type, rdf_type)
        for text in evidence_texts(evidence):
            self.add(node, NK.evidence, Literal(text))
        self.add(node, PROV.wasDerivedFrom, self.source)
        # A node stated by several rows (the same link read from two lines) is as certain as
        # the row that says it in words; a row that only implies it keeps its evidence and,
        # where another row states it, is named by nk:inferredIn (/quality lists those).
        stated, inferred = concept("certainty", "stated"), concept("certainty", "inferred")
        if certainty == "stated":
            if (node, NK.certainty, inferred) in self.graph:
                # every row that gave it so far only implied it
                for row in list(self.graph.objects(node, PROV.wasDerivedFrom)):
                    if row != self.source:
                        self.add(node, NK.inferredIn, row)
                self.graph.remove((node, NK.certainty, inferred))
            self.add(node, NK.certainty, stated)
        elif (node, NK.certainty, stated) in self.graph:
            self.add(node, NK.inferredIn, self.source)
        else:
            self.add(node, NK.certainty, inferred)

    # -- the row -----------------------------------------------------------------------
    def build(self) -> None:
        g, s, fields = self.graph, self.subject, self.row.fields
        title = fields["title"]
        is_project = self.row.section != "andre"
        self.add(s, RDF.type, NK.Project if is_project else NK.WorkArea)
        self.add(s, DCTERMS.title, Literal(title))
        self.add(s, RDFS.label, Literal(title, lang="nb"))
        self.add(s, NK.category, concept("category", self.interpretation.categories[self.row.line]))
        if self.row.heading_line:
            heading = next(
                c["id"]
                for c in self.interpretation.concepts["schemes"]["category"]["concepts"]
                if c.get("line") == self.row.heading_line
            )
            self.add(s, NK.category, concept("category", heading))
        # dcterms:source, not prov:wasDerivedFrom: a project is a prov:Activity, and PROV-O
        # gives wasDerivedFrom the domain prov:Entity, disjoint with prov:Activity.
        self.add(s, DCTERMS.source, self.source)
        for key, prop in (("comment", DCTERMS.description), ("description", DCTERMS.description),
                          ("working_form", NK.workingForm), ("participants", NK.participantsText),
                          ("period", NK.periodText)):
            if fields.get(key, "").strip():
                self.add(s, prop, Literal(fields[key]))
        for alt in self.entry.get("alt_titles", []):
            self.add(s, SKOS.altLabel, Literal(alt["title"], lang="nb"))
        if "period" in self.entry:
            self.period(self.entry["period"])
        for scheme, prop in (("result", NK.result), ("status", NK.status)):
            if scheme in self.entry:
                self.classification(scheme, prop, self.entry[scheme])
        self.participants(self.entry.get("participants", {}))
        for role in self.entry.get("roles", []):
            node = self.participation(role["agent"], role["role"], role["text"],
                                      role.get("certainty", "stated"))
            if "scope" in role:  # what the role is held for, where not the project itself
                self.add(node, NK.roleScope, Literal(role["scope"], lang="nb"))
        for number, money in enumerate(self.entry.get("money", []), start=1):
            self.money(money, number)
        for link in self.entry.get("links", []):
            self.link(link)
        for link in self.entry.get("organisation_links", []):
            self.organisation_link(link)
        for number, milestone in enumerate(self.entry.get("milestones", []), start=1):
            self.milestone(milestone, number)
        for decision in self.entry.get("decisions", []):
            self.decision(decision)
        for number, figure in enumerate(self.entry.get("figures", []), start=1):
            self.figure(figure, number)
        for number, outcome in enumerate(self.entry.get("outcomes", []), start=1):
            self.outcome(outcome, number)
        for number, change in enumerate(self.entry.get("organisation_changes", []), start=1):
            self.organisation_change(change, number)
        for number, note in enumerate(self.entry.get("notes", []), start=1):
            add_note(self.graph, iri("note", f"line-{self.row.line}-{number}"), note["kind"],
                     note["note"], note["text"], self.source, s)
        g.add((s, NK.sourceLine, Literal(self.row.line)))

    def classification(self, scheme: str, prop: URIRef, value: Any) -> None:
        """The direct statement (project nk:status concept) and its qualified node, which
        carries the evidence and the certainty: a status read from a shifted column is
        inferred, and says so."""
        value = {"concept": value} if isinstance(value, str) else value
        target = concept(scheme, value["concept"])
        self.add(self.subject, prop, target)
        node = iri("classification", self.entry["id"], scheme)
        self.traced(node, NK.Classification, value.get("text") or self.row.fields[scheme].strip(),
                    value.get("certainty", "stated"))
        self.add(node, NK.project, self.subject)
        self.add(node, NK.column, prop)
        self.add(node, NK.concept, target)

    def period(self, period: dict[str, Any]) -> None:
        self.add(self.subject, NK.startYear, year(period["start"]))
        if period.get("end") is not None:
            self.add(self.subject, NK.endYear, year(period["end"]))
        self.add(self.subject, NK.openEnded, Literal(bool(period.get("open"))))

    def participants(self, participants: dict[str, Any]) -> None:
        if "all_members" in participants:
            self.all_members(participants)
        for agent in participants.get("agents", []):
            node = self.participation(agent["agent"], agent.get("role", "participant"),
                                      agent["text"], agent.get("certainty", "stated"))
            if "reading" in agent:  # an inferred reading of its own (line 28), named
                self.add(node, NK.reading, Literal(agent["reading"]))

    def all_members(self, participants: dict[str, Any]) -> None:
        stated = participants["all_members"]
        period = self.entry["period"]
        excluded = {m["agent"] for m in participants.get("minus", [])}
        # A municipality the row names on its own (line 28: the owner municipalities, read
        # from the working form and the comment) takes part by that reading, with its own
        # evidence and years, not as a member resolved from "all".
        named = {a["agent"] for a in participants.get("agents", [])
                 if a.get("role", "participant") == "participant"}
        resolved = membership_rules.resolve_all_members(
            self.interpretation.membership, period["start"], period.get("end"),
            stated.get("count"), self.interpretation.validity,
        )
        resolved = [m for m in resolved if m.municipality not in named]
        for member in resolved:
            if member.municipality in excluded:
                continue
            node = self.participation(member.municipality, "participant", stated["text"],
                                      "inferred", years=(member.start, member.end))
            self.add(node, NK.resolvedFromAllMembers, Literal(True))
        for minus in participants.get("minus", []):
            agent = self.agent(minus["agent"])
            node = iri("exclusion", self.entry["id"], minus["agent"])
            self.traced(node, NK.Exclusion, minus["text"], minus.get("certainty", "stated"))
            self.add(node, NK.project, self.subject)
            self.add(node, PROV.agent, agent)
            if "reason" in minus:
                self.add(node, NK.reason, Literal(minus["reason"], lang="nb"))
            self.add(self.subject, NK.excludes, agent)
        self.count_note(stated, [m for m in resolved if m.municipality not in excluded])

    def count_note(self, stated: dict[str, Any], resolved: list) -> None:
        """Where "all members" resolves to more municipalities over the project's period than
        in any one year (Våle and Ramnes in 2001, Re from 2002), say so, year by year: with
        the stated count (nine) as a count mismatch, otherwise as the reading the graph makes."""
        period = self.entry["period"]
        last = period.get("end") or membership_rules.DOCUMENT_YEAR
        per_year = {
            y: sum(1 for m in resolved if m.start <= y <= (m.end if m.end is not None else last))
            for y in range(period["start"], last + 1)
        }
        municipalities = {m.municipality for m in resolved}
        if len(municipalities) == max(per_year.values(), default=0):
            return  # no year has a municipality another year replaced
        count = stated.get("count")
        years = "; ".join(f"{n} in {y}" for y, n in per_year.items())
        label = {m["id"]: m["name"] for m in self.interpretation.agents["municipalities"]}
        names = ", ".join(sorted(label[m] for m in municipalities))
        if count == 9:
            kind, node = "count-mismatch", iri("note", f"line-{self.row.line}-count")
            opening = (f"The row says {stated['text']!r} (nine) but the project starts in "
                       f"{period['start']}, before Våle and Ramnes merged into Re (2002-01-01); ")
        else:
            kind, node = "interpretation", iri("note", f"line-{self.row.line}-members")
            opening = (f"{stated['text']!r} is resolved year by year (assumption "
                       "all-members-over-the-period); ")
        add_note(
            self.graph, node, kind,
            f"{opening}it resolves to {len(municipalities)} municipalities over the period "
            f"({names}), each for the years it was a member and existed: {years}. The count in "
            "each year is the membership of that year; the nine of the document are the "
            "members from 2002.",
            stated["text"], self.source, self.subject,
        )
        # a reading the graph chose (per year), whichever kind of note states it
        self.add(node, RDF.type, NK.InterpretationDecision)

    def participation(self, agent_id: str, role: str, evidence: Any, certainty: str = "stated",
                      years: tuple[int, int | None] | None = None) -> URIRef:
        """The qualified participation of ``agent_id`` in ``role``. Its years are the
        participation's own: ``years`` where the caller resolved them (members of "all
        members"), otherwise the project's period limited to the years the agent existed
        (a municipality's history from Statistics Norway): never the project's years for
        an agent that did not exist in all of them."""
        agent = self.agent(agent_id, evidence)
        node = iri("participation", self.entry["id"], f"{agent_id}-{role}")
        self.traced(node, NK.Participation, evidence, certainty)
        self.add(self.subject, PROV.qualifiedAssociation, node)
        self.add(node, NK.project, self.subject)
        self.add(node, PROV.agent, agent)
        self.add(node, PROV.hadRole, concept("role", role))
        if role not in NOT_ASSOCIATED_ROLES:
            self.add(self.subject, ROLE_PROPERTY_DIRECT, agent)
        if years is None and role not in YEARLESS_ROLES:
            years = self.participation_years(agent_id)
        if years is not None:
            self.participation_period(node, years)
        return node

    def participation_years(self, agent_id: str) -> tuple[int, int | None] | None:
        period = self.entry.get("period")
        if period is None:
            return None
        years = membership_rules.existence_years(
            agent_id, period["start"], period.get("end"), self.interpretation.validity)
        if years is None:
            raise ValueError(
                f"line {self.row.line}: {agent_id} did not exist in any year of the period "
                f"{period['start']}-{period.get('end') or ''}: resolve the name in the curated "
                "file (see the rows that name Re for 2000 and 2001)")
        return years

    def participation_period(self, node: URIRef, years: tuple[int, int | None]) -> None:
        start, end = years
        known = self.graph.value(node, NK.startYear)
        if known is not None:
            if (str(known), str(self.graph.value(node, NK.endYear) or "")) != (
                    f"{start:04d}", "" if end is None else f"{end:04d}"):
                raise ValueError(f"line {self.row.line}: {node} is given two different periods")
            return
        self.add(node, NK.startYear, year(start))
        if end is not None:
            self.add(node, NK.endYear, year(end))
        self.add(node, NK.openEnded, Literal(end is None))

    def money(self, money: dict[str, Any], number: int) -> None:
        kind = money["kind"]
        if "same_as" in money:
            # Another row states the same grant: add this row as a second source of it.
            target = next(
                (line, e) for line, e in self.interpretation.rows.items()
                if e["id"] == money["same_as"] and line != self.row.line
            )
            grant_number = next(
                n for n, m in enumerate(target[1]["money"], start=1) if m["kind"] == kind
            )
            node = iri(kind, f"{money['same_as']}-{grant_number}")
            for text in evidence_texts(money["text"]):
                self.add(node, NK.evidence, Literal(text))
            self.add(node, PROV.wasDerivedFrom, self.source)
            return
        node = iri(kind, f"{self.entry['id']}-{number}")
        certainty = money.get("certainty", "stated")
        self.traced(node, MONEY_CLASSES[kind], money["text"], certainty)
        self.add(node, NK.project, self.subject)
        if kind == "grant":
            self.add(node, SCHEMA.fundedItem, self.subject)
            funder = self.agent(money["funder"])
            self.add(node, SCHEMA.funder, funder)
            # the funder may be read rather than named (line 35: "Utredet gjennom
            # HØYKOM-prosjekt, tilskudd ca 1 mill kr" does not say who gave the grant)
            self.participation(money["funder"], "funder", money["text"],
                               money.get("funder_certainty", certainty))
            self.add(node, NK.fullFunding, Literal(bool(money.get("full_funding"))))
        if "amount" in money:
            amount = URIRef(f"{node}#amount")
            self.add(node, SCHEMA.amount, amount)
            self.add(amount, RDF.type, SCHEMA.MonetaryAmount)
            # whole kroner: xsd:integer, whose lexical form every RDF syntax keeps as is
            self.add(amount, SCHEMA.value, Literal(money["amount"], datatype=XSD.integer))
            self.add(amount, SCHEMA.currency, Literal("NOK"))
            self.add(node, NK.amountNOK, Literal(money["amount"], datatype=XSD.integer))
            self.add(node, NK.amountText, Literal(money["amount_text"]))
            self.add(node, NK.approximate, Literal(bool(money.get("approximate"))))
            self.add(node, NK.estimated, Literal(bool(money.get("estimated"))))
        else:
            self.add(node, NK.qualitative, Literal(True))
        for recipient in money.get("recipients", []):
            self.recipient(node, recipient)
        if "start" in money:
            self.add(node, NK.startYear, year(money["start"]))
            self.add(node, NK.endYear, year(money["end"]))
        if "purpose" in money:
            self.add(node, NK.purpose, Literal(money["purpose"], lang="nb"))
        if "approved" in money:
            self.add(node, NK.approvalDate, date_literal(money["approved"]["date"]))
            self.add(node, NK.evidence, Literal(money["approved"]["text"]))
        for place in money.get("places", []):  # where the money was spent
            self.add(node, DCTERMS.spatial, self.agent(place["agent"]))
            self.add(node, NK.evidence, Literal(place["text"]))
        if kind == "grant":
            self.grant_year(node, money)
        label = {"grant": "Tilskudd", "cost": "Kostnad", "saving": "Besparelse"}[kind]
        first_evidence = evidence_texts(money["text"])[0]
        self.add(node, RDFS.label, Literal(f"{label}: {first_evidence}", lang="nb"))

    def grant_year(self, node: URIRef, money: dict[str, Any]) -> None:
        """The year a grant is counted in (nk:year) and where that year comes from
        (nk:yearSource): the approval date the row gives, else the year it states for the
        money, else the project's first year, so that a sum per year never silently mixes a
        stated year with a stand-in."""
        if "approved" in money:
            value, source = int(money["approved"]["date"][:4]), "approval-date"
        elif "start" in money:
            value, source = money["start"], "stated-year"
        elif "period" in self.entry:
            value, source = self.entry["period"]["start"], "project-start"
        else:
            return
        self.add(node, NK.year, year(value))
        self.add(node, NK.yearSource, concept("year-source", source))

    def recipient(self, grant: URIRef, recipient: dict[str, Any]) -> None:
        """nk:recipient on the grant, qualified by an nk:Receipt that carries the evidence
        and the certainty (the recipients "til kommunene" are read, not named), and the
        recipient's participation in the project."""
        agent = self.agent(recipient["agent"])
        certainty = recipient.get("certainty", "stated")
        self.add(grant, NK.recipient, agent)
        receipt = iri("receipt", str(grant).rsplit("/", 1)[1], recipient["agent"])
        self.traced(receipt, NK.Receipt, recipient["text"], certainty)
        self.add(grant, NK.qualifiedRecipient, receipt)
        self.add(receipt, PROV.agent, agent)
        self.participation(recipient["agent"], "grant-recipient", recipient["text"], certainty)

    def link(self, link: dict[str, Any]) -> None:
        source_id, target_id = link.get("from", self.entry["id"]), link["to"]
        source, target = iri("project", source_id), iri("project", target_id)
        if self.row.section == "andre" and "from" not in link:
            source = self.subject
        relation = link["relation"]
        node = iri("link", f"{source_id}--{relation}--{target_id}")
        self.traced(node, NK.ProjectLink, link["text"], link.get("certainty", "stated"))
        self.add(node, NK.fromEntity, source)
        self.add(node, NK.toEntity, target)
        self.add(node, NK.relation, concept("relation", relation))
        self.add(source, RELATION_PROPERTIES[relation], target)

    def organisation_link(self, link: dict[str, Any]) -> None:
        agent = self.agent(link["agent"])
        node = iri("link", f"{self.entry['id']}--{link['relation']}--{link['agent']}")
        self.traced(node, NK.OrganisationLink, link["text"], link.get("certainty", "stated"))
        self.add(node, NK.fromEntity, self.subject)
        self.add(node, NK.toEntity, agent)
        self.add(node, NK.relation, concept("organisation-relation", link["relation"]))
        if "year" in link:
            self.add(node, NK.year, year(link["year"]))
        self.add(self.subject, ORG_RELATION_PROPERTIES[link["relation"]], agent)

    def milestone(self, milestone: dict[str, Any], number: int) -> None:
        node = iri("milestone", f"{self.entry['id']}-{number}")
        self.traced(node, NK.Milestone, milestone["text"], milestone.get("certainty", "stated"))
        self.add(node, NK.project, self.subject)
        self.add(node, NK.milestoneKind, Literal(milestone["kind"]))
        self.add(node, NK.delivered, Literal(milestone["state"] == "delivered"))
        if "date" in milestone:
            self.add(node, DCTERMS.date, date_literal(milestone["date"]))
        if "season" in milestone:
            self.add(node, NK.season, Literal(milestone["season"]))
        self.add(node, RDFS.label, Literal(milestone["text"], lang="nb"))

    def figure(self, figure: dict[str, Any], number: int) -> None:
        """A number the row states ("53 foredrag", "i drift i 3 kommuner"), with its unit as
        written and, where the row dates it, its own years."""
        node = iri("figure", f"{self.entry['id']}-{number}")
        self.traced(node, NK.StatedFigure, figure["text"], figure.get("certainty", "stated"))
        self.add(node, RDF.type, SCHEMA.QuantitativeValue)
        self.add(node, NK.project, self.subject)
        self.add(node, SCHEMA.value, Literal(figure["quantity"], datatype=XSD.integer))
        self.add(node, SCHEMA.unitText, Literal(figure["unit"], lang="nb"))
        self.add(node, NK.figureKind, Literal(figure["kind"]))
        if "start" in figure:
            self.add(node, NK.startYear, year(figure["start"]))
            self.add(node, NK.endYear, year(figure.get("end", figure["start"])))
        self.add(node, RDFS.label, Literal(figure["text"], lang="nb"))

    def outcome(self, outcome: dict[str, Any], number: int) -> None:
        """What came of the project beyond the result and status columns, in the row's words
        ("Ikke igangsatt", "stoppet i styringsgruppen"), with its reason, the agent that
        decided or granted it, and where it is, as the row says them."""
        node = iri("outcome", f"{self.entry['id']}-{number}")
        self.traced(node, NK.Outcome, outcome["text"], outcome.get("certainty", "stated"))
        self.add(node, NK.project, self.subject)
        self.add(node, NK.outcomeKind, concept("outcome", outcome["kind"]))
        self.add(node, RDFS.label, Literal(outcome["text"], lang="nb"))
        if "reason" in outcome:
            self.add(node, NK.reason, Literal(outcome["reason"], lang="nb"))
        if "agent" in outcome:
            self.add(node, PROV.agent, self.agent(outcome["agent"]))
        if "location" in outcome:
            self.add(node, DCTERMS.spatial, self.agent(outcome["location"]["agent"]))
        if "award" in outcome:  # schema:award: a schema:Project is a schema:Organization
            self.add(node, SCHEMA.award, Literal(outcome["award"], lang="nb"))
            self.add(self.subject, SCHEMA.award, Literal(outcome["award"], lang="nb"))

    def organisation_change(self, change: dict[str, Any], number: int) -> None:
        """A change of organisations the row reports (two food-safety authorities merged, the
        planning group dissolved into the county's): an org:ChangeEvent, dated to the year
        where the row gives one, and the shortcut dcterms:isReplacedBy for one that went
        into another."""
        node = iri("event", "organisation", f"{self.entry['id']}-{number}")
        self.traced(node, NK.OrganisationChange, change["text"], change.get("certainty", "stated"))
        self.add(node, RDF.type, ORG.ChangeEvent)
        self.add(node, NK.project, self.subject)
        result = self.agent(change["to"])
        for original in change["from"]:
            before = self.agent(original)
            self.add(node, ORG.originalOrganization, before)
            self.add(before, ORG.changedBy, node)
            if change["kind"] == "absorption":
                self.add(before, DCTERMS.isReplacedBy, result)
        self.add(node, ORG.resultingOrganization, result)
        self.add(result, ORG.resultedFrom, node)
        if "year" in change:
            self.add(node, NK.year, year(change["year"]))
        label = {"merger": ("Sammenslåing", "Merger"), "absorption": ("Innlemmet", "Absorbed")}
        nb, en = label[change["kind"]]
        self.add(node, RDFS.label, Literal(f"{nb}: {change['text']}", lang="nb"))
        self.add(node, RDFS.label, Literal(f"{en}: {change['text']}", lang="en"))

    def decision(self, decision: dict[str, Any]) -> None:
        node = iri("decision", self.entry["id"], decision["agent"])
        self.traced(node, NK.CouncilDecision, decision["text"],
                    decision.get("certainty", "stated"))
        self.add(node, NK.project, self.subject)
        self.add(node, PROV.agent, self.agent(decision["agent"]))
        self.add(node, NK.outcome, concept("decision-outcome", decision["outcome"]))
        if "condition" in decision:  # "ja m/forbehold om Tønsbergs deltakelse"
            condition = decision["condition"]
            self.add(node, NK.conditionalOn, self.agent(condition["agent"]))
            self.add(node, NK.condition, Literal(condition["text"], lang="nb"))


def add_note(graph: Graph, node: URIRef, kind: str, text: str, evidence: str,
             source: URIRef, about: URIRef | None) -> None:
    """A data-quality note: what is odd, the evidence, where, and what it concerns."""
    graph.add((node, RDF.type, NK.DataQualityNote))
    if kind == "interpretation":  # a reading the graph chose, with its reasons
        graph.add((node, RDF.type, NK.InterpretationDecision))
    graph.add((node, NK.noteKind, concept("note-kind", kind)))
    graph.add((node, RDFS.comment, Literal(" ".join(text.split()), lang="en")))
    graph.add((node, NK.evidence, Literal(evidence)))
    graph.add((node, PROV.wasDerivedFrom, source))
    if about is not None:
        graph.add((node, NK.concerns, about))


UNNAMED_CLASSES = {
    "person": (PROV.Person, URIRef("http://xmlns.com/foaf/0.1/Person")),
    "committee": (ORG.Organization,),
    "state": (ORG.Organization,),
    "inter-municipal-body": (ORG.Organization,),
}


def describe_unnamed(graph: Graph, node: URIRef, entry: dict[str, Any]) -> None:
    """An agent the source gives a part without a name: typed nk:UnnamedAgent (and a person
    or organisation where the row says which), labelled by what it is, "(ikke navngitt)"."""
    graph.add((node, RDF.type, NK.UnnamedAgent))
    graph.add((node, RDF.type, PROV.Agent))
    for cls in UNNAMED_CLASSES.get(entry["kind"], ()):
        graph.add((node, RDF.type, cls))
    for lang, text in entry["label"].items():
        graph.add((node, RDFS.label, Literal(text, lang=lang)))
    graph.add((node, SKOS.prefLabel, Literal(entry["label"]["nb"], lang="nb")))
    graph.add((node, NK.organisationKind, Literal(entry["kind"])))
