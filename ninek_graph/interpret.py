"""The curated interpretation layer: what each source row means, with its evidence.

The files in ``data/interpretation/`` state, one entry per source row, what the row says in
structured form (period, participants and roles, money, result and status, links, notes).
They are plain YAML so that a reviewer reads every claim in a diff. This module loads them,
checks their shape strictly (an unknown key is an error, not a silent no-op) and checks the
one rule that keeps the graph honest: every ``text`` is evidence, a substring of its row
exactly as the source writes it. Nothing here looks at the RDF; :mod:`ninek_graph.build`
turns the checked records into triples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml

from .paths import INTERPRETATION_DIR
from .source import SourceDocument, SourceRow

ROW_FILES = (
    "01-driftsprosjekter.yaml",
    "02-plan-areal-naeringsprosjekter.yaml",
    "03-faglige-nettverksgrupper.yaml",
    "04-andre-arbeidsomrader.yaml",
)

# Allowed keys at each level of a row entry; `text` is always evidence.
ROW_KEYS = {
    "line", "id", "alt_titles", "period", "participants", "roles", "result", "status",
    "money", "links", "milestones", "notes", "decisions", "organisation_links", "figures",
    "outcomes", "organisation_changes",
}
PERIOD_KEYS = {"start", "end", "open", "text"}
PARTICIPANTS_KEYS = {"all_members", "minus", "agents"}
AGENT_KEYS = {"agent", "role", "text", "certainty", "reason", "scope", "reading"}
MONEY_KINDS = {"grant", "cost", "saving"}
MONEY_KEYS = {
    "kind", "amount", "amount_text", "approximate", "estimated", "funder", "recipients",
    "start", "end", "purpose", "text", "full_funding", "approved", "same_as", "certainty",
    "places", "qualitative", "funder_certainty",
}
LINK_KEYS = {"from", "relation", "to", "text", "certainty"}
MILESTONE_KEYS = {"kind", "state", "date", "season", "text", "certainty"}
NOTE_KEYS = {"kind", "text", "note"}
FIGURE_KEYS = {"kind", "quantity", "unit", "start", "end", "text", "certainty"}
DECISION_KEYS = {"agent", "outcome", "text", "certainty", "condition"}
OUTCOME_KEYS = {"kind", "text", "reason", "agent", "location", "award", "certainty"}
CHANGE_KEYS = {"kind", "from", "to", "year", "text", "certainty"}
PLACE_KEYS = {"agent", "text"}
ORG_LINK_KEYS = {"relation", "agent", "year", "text", "certainty"}
CERTAINTIES = {"stated", "inferred"}
EVIDENCE = "evidence"  # a `text`: a string or a list of strings, checked by _RowChecker.evidence


@dataclass(frozen=True)
class Shape:
    """One kind of curated statement: the keys it may have, and those it must have with
    their type. A missing or mistyped field is then one message naming the file, the line
    and the field, not a KeyError deep in a check. ``EVIDENCE`` fields are only required
    here; their type and words are checked by :meth:`_RowChecker.evidence`, whose message
    names the statement (``role declined-funder of husbanken``)."""

    allowed: frozenset[str]
    required: dict[str, Any]

    def problem(self, value: Any, what: str) -> str | None:
        """What is wrong with ``value``'s keys, or None."""
        if not isinstance(value, dict):
            return f"{what} must be a mapping, not {value!r}"
        unknown = set(value) - self.allowed
        if unknown:
            return f"unknown key(s) {sorted(unknown)} in {what}; allowed: {sorted(self.allowed)}"
        for name, kind in self.required.items():
            if name not in value:
                return f"{what} {value!r} has no {name!r} (it needs {sorted(self.required)})"
            item = value[name]
            if kind is not EVIDENCE and (not isinstance(item, kind) or (
                    kind is int and isinstance(item, bool))):
                return f"{what}: {name} must be {kind.__name__}, not {item!r}"
        return None


def _shape(allowed: set[str], **required: Any) -> Shape:
    return Shape(frozenset(allowed), required)


# One shape per kind of statement (see Shape); the key is the kind, not the message.
AGENT_STATEMENT = _shape(AGENT_KEYS, agent=str, text=EVIDENCE)
PLACE = _shape(PLACE_KEYS, agent=str, text=EVIDENCE)
SHAPES = {
    "entry": _shape(ROW_KEYS, line=int, id=str),
    "alt_title": _shape({"title", "text"}, text=EVIDENCE),
    "period": _shape(PERIOD_KEYS, text=EVIDENCE),
    "participants": _shape(PARTICIPANTS_KEYS),
    "all_members": _shape({"text", "count"}, text=EVIDENCE),
    "participant": AGENT_STATEMENT,
    "role": _shape(AGENT_KEYS, agent=str, role=str, text=EVIDENCE),
    "classification": _shape({"concept", "text", "certainty"}, concept=str),
    "money": _shape(MONEY_KEYS, kind=str, text=EVIDENCE),
    "recipient": AGENT_STATEMENT,
    "approval": _shape({"date", "text"}, text=EVIDENCE),
    "place": PLACE,
    "link": _shape(LINK_KEYS, relation=str, to=str, text=EVIDENCE),
    "milestone": _shape(MILESTONE_KEYS, state=str, text=EVIDENCE),
    "decision": _shape(DECISION_KEYS, agent=str, outcome=str, text=EVIDENCE),
    "condition": PLACE,
    "outcome": _shape(OUTCOME_KEYS, kind=str, text=EVIDENCE),
    "location": PLACE,
    "organisation_change": _shape(CHANGE_KEYS, kind=str, to=str, text=EVIDENCE,
                                  **{"from": list}),
    "organisation_link": _shape(ORG_LINK_KEYS, relation=str, agent=str, text=EVIDENCE),
    "figure": _shape(FIGURE_KEYS, quantity=int, text=EVIDENCE),
    "note": _shape(NOTE_KEYS, kind=str, text=EVIDENCE),
    "document_note": _shape({"id", "kind", "line", "text", "note"}, id=str, kind=str,
                            line=int, text=str),
    "line_evidence": _shape({"agent", "line", "text"}, line=int, text=str),
}
# sections of agents.yaml and the IRI kind of their agents
AGENT_SECTIONS = {"municipalities": "municipality", "organisations": "organisation",
                  "groups": "group", "unnamed": "unnamed"}


class InterpretationError(ValueError):
    """A curated file is malformed or claims something its row does not say."""


@dataclass
class Interpretation:
    """All curated files, loaded and checked against the parsed source."""

    rows: dict[int, dict[str, Any]]
    categories: dict[int, str]
    agents: dict[str, Any]
    concepts: dict[str, Any]
    membership: dict[str, Any]
    notes: list[dict[str, Any]]
    files: dict[int, str] = field(default_factory=dict)
    # Municipality existence from the registry (slug -> first day, last day), set by the
    # build so that membership ends where a municipality ended (see membership.py).
    validity: dict[str, Any] = field(default_factory=dict)

    def agent_kind(self, agent_id: str) -> str:
        """``municipality``, ``organisation``, ``group`` or ``unnamed``."""
        for kind in AGENT_SECTIONS:
            if any(entry["id"] == agent_id for entry in self.agents.get(kind, [])):
                return AGENT_SECTIONS[kind]
        raise KeyError(agent_id)

    def unnamed(self, agent_id: str) -> dict[str, Any] | None:
        """The curated entry of an agent without a name, or None for a named one."""
        return next((e for e in self.agents.get("unnamed", []) if e["id"] == agent_id), None)

    def concept_ids(self, scheme: str) -> set[str]:
        return {concept["id"] for concept in self.concepts["schemes"][scheme]["concepts"]}


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise InterpretationError(f"{path.name}: not valid YAML: {error}") from None


def load(document: SourceDocument, directory: Path = INTERPRETATION_DIR) -> Interpretation:
    """Load every curated file and check it against ``document``.

    Raises :class:`InterpretationError` naming the file, the line of the source and the
    problem: an unknown key, a reference to an unknown agent or concept, evidence that does
    not occur in its row, a row of the source with no entry, or an entry for no row.
    """
    interpretation = Interpretation(
        rows={},
        categories={},
        agents=_load_yaml(directory / "agents.yaml"),
        concepts=_load_yaml(directory / "concepts.yaml"),
        membership=_load_yaml(directory / "membership.yaml"),
        notes=_load_yaml(directory / "notes.yaml")["notes"],
    )
    for name in ROW_FILES:
        content = _load_yaml(directory / name)
        for entry in content["rows"]:
            line = entry.get("line")
            if line in interpretation.rows:
                raise InterpretationError(f"{name}: two entries for line {line}")
            interpretation.rows[line] = entry
            interpretation.categories[line] = content["category"]
            interpretation.files[line] = name
    _check_texts(interpretation.concepts, "concepts.yaml")
    _check_texts(interpretation.agents, "agents.yaml")
    _check(interpretation, document)
    return interpretation


def _check_texts(value: Any, where: str) -> None:
    """Labels and definitions must be strings: YAML 1.1 reads a bare Yes/No/On/Off as a
    boolean, which would silently become a "true" label."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("label", "definition", "name", "en", "nb", "names") and isinstance(
                item, bool
            ):
                raise InterpretationError(f"{where}: {key} {item!r} must be quoted text")
            _check_texts(item, where)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, bool):
                raise InterpretationError(f"{where}: a list holds {item!r}; quote it as text")
            _check_texts(item, where)


def evidence_texts(value: Any) -> list[str]:
    """The evidence strings of a statement: ``text`` may be one string or a list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    raise InterpretationError(f"evidence must be a string or a list of strings, not {value!r}")


def _check(interpretation: Interpretation, document: SourceDocument) -> None:
    entries = {row.line: row for row in document.entries()}
    # Both lists in one message: an entry moved to a wrong line leaves a row without one,
    # and the reader needs the wrong line (and its file) as much as the orphaned row.
    problems = [
        f"{interpretation.files[line]}, line {line}: a curated entry for a line that is not "
        "a table row"
        for line in sorted(set(interpretation.rows) - set(entries), key=repr)
    ]
    missing = sorted(set(entries) - set(interpretation.rows))
    if missing:
        problems.insert(0, f"source rows with no curated entry: lines {missing}")
    if problems:
        raise InterpretationError("; ".join(problems))
    known_agents = {
        entry["id"]
        for kind in AGENT_SECTIONS
        for entry in interpretation.agents.get(kind, [])
    }
    for entry in interpretation.agents.get("unnamed", []):
        evidence = entry.get("evidence", [])
        if entry.get("per_row") == bool(evidence):
            raise InterpretationError(
                f"agents.yaml {entry['id']}: an unnamed agent has evidence (a fixed one) or "
                "per_row: true (one per row, with the row's words), not both or neither")
        for item in evidence + ([entry["member_of"]] if "member_of" in entry else []):
            _check_line_evidence(document, item, "line_evidence", f"agents.yaml {entry['id']}")
    ids: dict[tuple[str, str], int] = {}
    for line, entry in interpretation.rows.items():
        row = entries[line]
        where = f"{interpretation.files[line]}, line {line}"
        checker = _RowChecker(row, where, known_agents, interpretation)
        checker.check(entry)
        key = ("workarea" if row.section == "andre" else "project", entry["id"])
        if key in ids:
            raise InterpretationError(f"{where}: id {entry['id']!r} also used on line {ids[key]}")
        ids[key] = line
    project_ids = {key[1] for key in ids if key[0] == "project"}
    for line, entry in interpretation.rows.items():
        for link in entry.get("links", []):
            for end in (link.get("from", entry["id"]), link["to"]):
                if end not in project_ids:
                    raise InterpretationError(f"line {line}: link to unknown project {end!r}")
    for number, note in enumerate(interpretation.notes, 1):
        name = note.get("id", f"note {number}") if isinstance(note, dict) else f"note {number}"
        _check_line_evidence(document, note, "document_note", f"notes.yaml {name}")


def _check_line_evidence(document: SourceDocument, item: Any, kind: str, where: str) -> None:
    """Evidence that names its own source line (notes.yaml, agents.yaml): the shape, the line
    in 1..the number of lines (0 would read the last line through Python's negative index),
    and non-empty text on that line (the empty string occurs in every line)."""
    problem = SHAPES[kind].problem(item, "the entry")
    if problem:
        raise InterpretationError(f"{where}: {problem}")
    line, text = item["line"], item["text"]
    count = len(document.lines) - (document.lines[-1:] == [""])  # a final newline ends one
    if not 1 <= line <= count:
        raise InterpretationError(
            f"{where}: line {line} is not a line of the source (1..{count})")
    if not text or text not in document.lines[line - 1]:
        raise InterpretationError(
            f"{where}: evidence {text!r} not on line {line} (text must occur verbatim)")


@dataclass
class _RowChecker:
    row: SourceRow
    where: str
    known_agents: set[str]
    interpretation: Interpretation

    def fail(self, message: str) -> NoReturn:
        raise InterpretationError(f"{self.where}: {message}")

    def keys(self, value: Any, kind: str, what: str) -> None:
        """Check ``value`` against the shape of its kind (:data:`SHAPES`)."""
        problem = SHAPES[kind].problem(value, what)
        if problem:
            self.fail(problem)

    def evidence(self, value: Any, what: str) -> None:
        try:
            texts = evidence_texts(value)
        except InterpretationError as error:
            self.fail(f"evidence for {what}: {error}")
        for text in texts:
            if not text or text not in self.row.raw:
                self.fail(f"evidence for {what} does not occur verbatim in the row: {text!r}")

    def agent(self, agent_id: str, what: str) -> None:
        if not isinstance(agent_id, str) or agent_id not in self.known_agents:
            self.fail(f"{what} names unknown agent {agent_id!r} (see agents.yaml)")

    def concept(self, scheme: str, concept_id: str, what: str) -> None:
        if not isinstance(concept_id, str) or (
                concept_id not in self.interpretation.concept_ids(scheme)):
            self.fail(f"{what} {concept_id!r} is not a concept of scheme {scheme!r}")

    def certainty(self, value: dict[str, Any], what: str) -> None:
        if value.get("certainty", "stated") not in CERTAINTIES:
            self.fail(f"{what}: certainty must be one of {sorted(CERTAINTIES)}")

    def check(self, entry: dict[str, Any]) -> None:
        self.keys(entry, "entry", "the entry")
        if not entry.get("id"):
            self.fail("the entry has no id")
        for alt in entry.get("alt_titles", []):
            self.keys(alt, "alt_title", "an alternative title")
            self.evidence(alt["text"], "an alternative title")
        if "period" in entry:
            self.period(entry["period"])
        if "participants" in entry:
            self.participants(entry["participants"])
        for role in entry.get("roles", []):
            self.keys(role, "role", "a role")
            self.agent(role["agent"], "a role")
            self.concept("role", role["role"], "role")
            self.evidence(role["text"], f"role {role['role']} of {role['agent']}")
            self.certainty(role, "a role")
            if "scope" in role:
                self.evidence(role["scope"], "the scope of a role")
        for scheme in ("result", "status"):
            if scheme in entry:
                self.classification(scheme, entry[scheme])
        for money in entry.get("money", []):
            self.money(money)
        for link in entry.get("links", []):
            self.keys(link, "link", "a link")
            self.concept("relation", link["relation"], "relation")
            self.evidence(link["text"], "a link")
            self.certainty(link, "a link")
        for milestone in entry.get("milestones", []):
            self.keys(milestone, "milestone", "a milestone")
            if milestone.get("state") not in {"delivered", "due"}:
                self.fail("a milestone's state must be 'delivered' or 'due'")
            self.evidence(milestone["text"], "a milestone")
            self.certainty(milestone, "a milestone")
        for decision in entry.get("decisions", []):
            self.keys(decision, "decision", "a decision")
            self.agent(decision["agent"], "a decision")
            self.concept("decision-outcome", decision["outcome"], "decision outcome")
            self.evidence(decision["text"], "a decision")
            self.certainty(decision, "a decision")
            if "condition" in decision:
                self.keys(decision["condition"], "condition", "a decision's condition")
                self.agent(decision["condition"]["agent"], "a decision's condition")
                self.evidence(decision["condition"]["text"], "a decision's condition")
        for outcome in entry.get("outcomes", []):
            self.keys(outcome, "outcome", "an outcome")
            self.concept("outcome", outcome["kind"], "outcome")
            self.evidence(outcome["text"], "an outcome")
            self.certainty(outcome, "an outcome")
            if "reason" in outcome:
                self.evidence(outcome["reason"], "an outcome's reason")
            if "agent" in outcome:
                self.agent(outcome["agent"], "an outcome")
            if "location" in outcome:
                self.keys(outcome["location"], "location", "an outcome's location")
                self.agent(outcome["location"]["agent"], "an outcome's location")
                self.evidence(outcome["location"]["text"], "an outcome's location")
        for change in entry.get("organisation_changes", []):
            self.keys(change, "organisation_change", "an organisation change")
            if change.get("kind") not in {"merger", "absorption"}:
                self.fail("an organisation change's kind must be 'merger' or 'absorption'")
            for agent in [*change["from"], change["to"]]:
                self.agent(agent, "an organisation change")
            self.evidence(change["text"], "an organisation change")
            self.certainty(change, "an organisation change")
        for link in entry.get("organisation_links", []):
            self.keys(link, "organisation_link", "an organisation link")
            if link["relation"] not in {"founded", "dissolved", "transferred-to"}:
                self.fail(f"unknown organisation relation {link['relation']!r}")
            self.agent(link["agent"], "an organisation link")
            self.evidence(link["text"], "an organisation link")
            self.certainty(link, "an organisation link")
        for figure in entry.get("figures", []):
            self.keys(figure, "figure", "a figure")
            if not isinstance(figure.get("quantity"), int) or figure["quantity"] < 0:
                self.fail("a figure needs a whole, non-negative quantity")
            if str(figure["quantity"]) not in figure["text"]:
                self.fail(f"a figure's evidence must show its quantity {figure['quantity']}")
            self.evidence(figure["text"], "a figure")
            self.certainty(figure, "a figure")
        for note in entry.get("notes", []):
            self.keys(note, "note", "a note")
            self.concept("note-kind", note["kind"], "note kind")
            self.evidence(note["text"], "a data-quality note")

    def period(self, period: dict[str, Any]) -> None:
        self.keys(period, "period", "the period")
        self.evidence(period["text"], "the period")
        start, end = period.get("start"), period.get("end")
        if not isinstance(start, int):
            self.fail("the period has no integer start year")
        if period.get("open") and end is not None:
            self.fail("an open-ended period has no end year")
        if not period.get("open") and not isinstance(end, int):
            self.fail("a closed period needs an integer end year (or open: true)")
        if isinstance(end, int) and end < start:
            self.fail(f"the period ends ({end}) before it starts ({start})")

    def participants(self, participants: dict[str, Any]) -> None:
        self.keys(participants, "participants", "participants")
        if "all_members" in participants:
            value = participants["all_members"]
            self.keys(value, "all_members", "all_members")
            self.evidence(value["text"], "all members")
            if value.get("count") not in (None, 7, 9):
                self.fail("all_members.count must be 7 or 9 (the counts the source uses)")
        for key in ("minus", "agents"):
            for agent in participants.get(key, []):
                self.keys(agent, "participant", f"participants.{key}")
                self.agent(agent["agent"], f"participants.{key}")
                self.evidence(agent["text"], f"participant {agent['agent']}")
                self.certainty(agent, f"participants.{key}")
                if "role" in agent:
                    self.concept("role", agent["role"], "role")
                if "reading" in agent and agent.get("certainty") != "inferred":
                    self.fail(f"participant {agent['agent']}: a reading of its own is inferred")
        if "minus" in participants and "all_members" not in participants:
            self.fail("'minus' needs 'all_members' to subtract from")

    def classification(self, scheme: str, value: Any) -> None:
        if isinstance(value, str):
            value = {"concept": value}
        self.keys(value, "classification", scheme)
        self.concept(scheme, value["concept"], scheme)
        self.certainty(value, scheme)
        text = value.get("text")
        if text is not None:
            self.evidence(text, scheme)
        elif not self._spelled_in_column(scheme, value["concept"]):
            self.fail(
                f"{scheme} {value['concept']!r}: the column {scheme!r} does not hold one of the "
                "concept's spellings; give `text` evidence"
            )

    def _spelled_in_column(self, scheme: str, concept_id: str) -> bool:
        concepts = self.interpretation.concepts["schemes"][scheme]["concepts"]
        spellings = next(c.get("spellings", []) for c in concepts if c["id"] == concept_id)
        return self.row.fields.get(scheme, "").strip() in spellings

    def money(self, money: dict[str, Any]) -> None:
        self.keys(money, "money", "a money statement")
        if money.get("kind") not in MONEY_KINDS:
            self.fail(f"money kind must be one of {sorted(MONEY_KINDS)}")
        self.evidence(money["text"], f"a {money['kind']}")
        self.certainty(money, f"a {money['kind']}")
        if "same_as" in money:
            return
        amount = money.get("amount")
        if amount is not None:
            if not isinstance(amount, int) or amount <= 0:
                self.fail(f"a {money['kind']} amount must be a positive integer of NOK")
            if "amount_text" not in money:
                self.fail(f"a {money['kind']} with an amount needs amount_text evidence")
            self.evidence(money["amount_text"], "an amount")
        elif money["kind"] != "saving" and not money.get("qualitative"):
            self.fail(f"a {money['kind']} needs an amount (or qualitative: true where the "
                      "row states it without one)")
        if money["kind"] == "grant":
            if "funder" not in money:
                self.fail("a grant needs a funder")
            self.agent(money["funder"], "a grant's funder")
            if money.get("funder_certainty", "stated") not in ("stated", "inferred"):
                self.fail("funder_certainty is stated or inferred")
        for recipient in money.get("recipients", []):
            self.keys(recipient, "recipient", "a recipient")
            self.agent(recipient["agent"], "a recipient")
            self.evidence(recipient["text"], "a recipient")
            self.certainty(recipient, "a recipient")
        if "approved" in money:
            self.keys(money["approved"], "approval", "an approval date")
            self.evidence(money["approved"]["text"], "an approval date")
        for place in money.get("places", []):
            self.keys(place, "place", "a place")
            self.agent(place["agent"], "a place")
            self.evidence(place["text"], "a place")
        if "purpose" in money:
            self.evidence(money["purpose"], "a purpose")
