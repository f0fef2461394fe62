"""SHACL validation of the built graph: the project's shapes and DCAT-AP-NO 2.0.

The project's own shapes (``shapes/*.ttl``) check every class of the graph; the official
DCAT-AP-NO 2.0 shapes of data.norge.no (``shapes/dcat-ap-no/``, unmodified) check the
dataset description. Both run with pyshacl, with the ontology as the ontology graph so
that ``sh:targetClass`` also reaches instances of subclasses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from .namespaces import SH
from .ontology import ontology_graph
from .paths import SHAPES_DIR

DCAT_AP_NO = SHAPES_DIR / "dcat-ap-no" / "DCAT-AP-NO-shacl_shapes_2.00.ttl"


@dataclass
class Violation:
    severity: str
    focus: str
    path: str | None
    value: str | None
    message: str
    shape: str

    def as_text(self) -> str:
        path = f" {self.path}" if self.path else ""
        value = f" (value: {self.value})" if self.value is not None else ""
        return f"[{self.severity}] {self.focus}{path}{value}: {self.message}"


@dataclass
class Report:
    conforms: bool
    violations: list[Violation]
    suites: dict[str, bool]

    def as_json(self) -> str:
        return json.dumps(
            {
                "conforms": self.conforms,
                "suites": self.suites,
                "results": [v.__dict__ for v in self.violations],
            },
            indent=2,
            ensure_ascii=False,
        )

    def as_text(self) -> str:
        lines = [
            f"{name}: {'conforms' if ok else 'VIOLATIONS'}" for name, ok in self.suites.items()
        ]
        lines += [v.as_text() for v in self.violations]
        lines.append(f"{len(self.violations)} result(s); conforms: {self.conforms}")
        return "\n".join(lines)


def project_shapes() -> Graph:
    graph = Graph()
    for path in sorted(SHAPES_DIR.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def dcat_ap_no_shapes() -> Graph:
    return Graph().parse(DCAT_AP_NO, format="turtle")


def run(data: Graph, shapes: Graph, ontology: Graph | None = None) -> tuple[bool, list[Violation]]:
    """Validate ``data`` against ``shapes``; return conformance and the results."""
    conforms, report, _ = shacl_validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    return conforms, _violations(report)


def validate_graph(data: Graph, *, with_dcat: bool = True) -> Report:
    ontology = ontology_graph()
    suites: dict[str, bool] = {}
    violations: list[Violation] = []
    ok, found = run(data, project_shapes(), ontology)
    suites["ninek shapes"] = ok
    violations += found
    if with_dcat:
        ok, found = run(data, dcat_ap_no_shapes(), ontology)
        suites["DCAT-AP-NO 2.0"] = ok
        violations += found
    return Report(all(suites.values()), violations, suites)


def validate_dump(path: Path) -> Report:
    return validate_graph(Graph().parse(path, format="nt"))


def _violations(report: Graph) -> list[Violation]:
    found = []
    def one(result, prop: URIRef) -> str | None:
        value = report.value(result, prop)
        return None if value is None else str(value)

    for result in report.subjects(RDF.type, SH.ValidationResult):

        severity = one(result, SH.resultSeverity) or ""
        message = report.value(result, SH.resultMessage)
        found.append(
            Violation(
                severity=severity.rsplit("#", 1)[-1],
                focus=one(result, SH.focusNode) or "",
                path=one(result, SH.resultPath),
                value=one(result, SH.value),
                message=str(message) if isinstance(message, Literal) else "",
                shape=one(result, SH.sourceShape) or "",
            )
        )
    return sorted(found, key=lambda v: (v.focus, v.path or "", v.message))
