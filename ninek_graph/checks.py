"""Consistency checks between the rows and municipality history, surfaced as notes.

The source was written in 2005 and names municipalities by their 2005 names even for
earlier years. Where a row names a municipality for a project that started before that
municipality existed, the graph keeps what the row says and adds a data-quality note, so a
researcher sees the anachronism instead of a silently "corrected" participant list.
"""

from __future__ import annotations

from datetime import date

from rdflib import Graph
from rdflib.namespace import PROV

from .interpret import Interpretation
from .namespaces import NK, iri
from .rdf_rows import add_note, source_row_iri, year


def add_anachronism_notes(
    graph: Graph,
    interpretation: Interpretation,
    validity: dict[str, tuple[date | None, date | None]],
) -> int:
    """Note every explicitly named municipality whose existence starts after the start year
    of the project that names it. Returns the number of notes added."""
    added = 0
    for line, entry in sorted(interpretation.rows.items()):
        start = entry.get("period", {}).get("start")
        if start is None:
            continue
        named = entry.get("participants", {}).get("agents", []) + entry.get("roles", [])
        seen = set()
        for agent in named:
            agent_id = agent["agent"]
            if agent_id in seen or agent_id not in validity:
                continue
            seen.add(agent_id)
            valid_from = validity[agent_id][0]
            if valid_from is not None and valid_from.year > start:
                project = iri("project", entry["id"])
                node = iri("note", f"line-{line}-anachronism-{agent_id}")
                add_note(
                    graph, node, "anachronism",
                    f"The row names {agent['text']!r} for a project starting in {start}, but "
                    f"that municipality exists only from {valid_from.isoformat()} (Statistics "
                    "Norway); the source uses the later name. The name is kept as written, "
                    f"and the participation starts no earlier than {valid_from.year}; the "
                    "row's own notes say how the earlier years are read.",
                    agent["text"], source_row_iri(line), project,
                )
                graph.add((node, NK.concernsAgent, iri("municipality", agent_id)))
                graph.add((node, PROV.wasDerivedFrom, source_row_iri(line)))
                graph.add((node, NK.projectStartYear, year(start)))
                added += 1
    return added
