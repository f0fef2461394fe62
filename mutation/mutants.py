"""Small mutators: Python modules through :mod:`ast`, SHACL shapes through their Turtle text.

Each mutant is one small, realistic bug, applied by splicing new text over the exact byte span
of one syntax node, so the rest of the file (comments, layout, line numbers) stays as it was
and a survivor can be reported as ``file:line`` with a one-line description. Python mutants:
the boundary of a comparison (``<`` to ``<=``, ``==`` to ``!=``, ``in`` to ``not in``), an
arithmetic operator, ``and``/``or``, a dropped ``not``, an integer constant plus one,
``True``/``False``, a dropped argument-less method call on an expression (``.lower()``,
``.strip()``: the forgotten normalisation), a return value replaced by ``None``, and a call,
``raise`` or augmented assignment deleted. SHACL mutants: an exclusive bound made inclusive
and back, a ``sh:minCount``, ``sh:maxCount``, ``sh:pattern`` or ``sh:class`` dropped, a
``sh:datatype`` changed, a property shape reference dropped. Docstrings, annotations and
``__future__`` imports are left alone: a change there cannot alter behaviour, so its mutants
would only pad the score.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    file: str
    line: int
    description: str
    start: int  # byte offsets into the file's UTF-8 text
    end: int
    replacement: bytes

    def apply(self, original: bytes) -> bytes:
        return original[: self.start] + self.replacement + original[self.end :]

    @property
    def label(self) -> str:
        return f"{self.file}:{self.line}: {self.description}"


_COMPARE = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_ARITH = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
}
_SYMBOL = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
}


class _Offsets:
    def __init__(self, data: bytes) -> None:
        self.starts = [0]
        for index, byte in enumerate(data):
            if byte == 0x0A:
                self.starts.append(index + 1)

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (
            self.starts[node.lineno - 1] + node.col_offset,
            self.starts[node.end_lineno - 1] + node.end_col_offset,
        )


def _is_docstring(node: ast.stmt, parent_body: list[ast.stmt]) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        and parent_body
        and parent_body[0] is node
    )


def python_mutants(path: str, data: bytes) -> list[Mutant]:
    """Every mutant of one Python module, in source order."""
    tree = ast.parse(data)
    offsets = _Offsets(data)
    found: list[Mutant] = []
    skipped: set[int] = set()

    def add(node: ast.AST, new: ast.AST | str, description: str) -> None:
        start, end = offsets.span(node)
        text = new if isinstance(new, str) else ast.unparse(new)
        if "\n" not in text and any(c in data[start:end] for c in b"\n"):
            text = f"({text})"
        found.append(Mutant(path, node.lineno, description, start, end, text.encode()))

    def skip(node: ast.AST | None) -> None:
        if node is not None:
            for sub in ast.walk(node):
                skipped.add(id(sub))

    for node in ast.walk(tree):
        for field in ("annotation", "returns"):
            skip(getattr(node, field, None))
        if isinstance(node, ast.ImportFrom | ast.Import):
            skip(node)
        for body_field in ("body", "orelse", "finalbody"):
            body = getattr(node, body_field, None)
            if isinstance(body, list) and body and _is_docstring(body[0], body):
                skip(body[0])
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "TypeVar"
        ):
            skip(node)

    for node in ast.walk(tree):
        if id(node) in skipped or not hasattr(node, "lineno"):
            continue
        if isinstance(node, ast.Compare):
            for index, op in enumerate(node.ops):
                other = _COMPARE.get(type(op))
                if other is None:
                    continue
                ops = list(node.ops)
                ops[index] = other()
                new = ast.Compare(left=node.left, ops=ops, comparators=node.comparators)
                add(node, new, f"`{_SYMBOL[type(op)]}` -> `{_SYMBOL[other]}`")
        elif isinstance(node, ast.BinOp) and type(node.op) in _ARITH:
            other = _ARITH[type(node.op)]
            new = ast.BinOp(left=node.left, op=other(), right=node.right)
            add(node, new, f"`{_SYMBOL[type(node.op)]}` -> `{_SYMBOL[other]}`")
        elif isinstance(node, ast.AugAssign) and type(node.op) in _ARITH:
            other = _ARITH[type(node.op)]
            new = ast.AugAssign(target=node.target, op=other(), value=node.value)
            add(node, new, f"`{_SYMBOL[type(node.op)]}=` -> `{_SYMBOL[other]}=`")
        elif isinstance(node, ast.BoolOp):
            other = ast.Or if isinstance(node.op, ast.And) else ast.And
            names = {ast.And: "and", ast.Or: "or"}
            add(
                node,
                ast.BoolOp(op=other(), values=node.values),
                f"`{names[type(node.op)]}` -> `{names[other]}`",
            )
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            add(node, f"({ast.unparse(node.operand)})", "`not` removed")
        elif isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool):
                add(node, repr(not value), f"`{value}` -> `{not value}`")
            elif isinstance(value, int):
                add(node, repr(value + 1), f"`{value}` -> `{value + 1}`")
            elif isinstance(value, float):
                add(
                    node,
                    repr(value * 2 if value else 1.0),
                    f"`{value}` -> `{value * 2 if value else 1.0}`",
                )
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and not node.args
            and not node.keywords
            and not isinstance(node.func.value, ast.Name | ast.Constant)
        ):
            add(node, f"({ast.unparse(node.func.value)})", f"`.{node.func.attr}()` dropped")
        elif isinstance(node, ast.Return) and node.value is not None:
            if not (isinstance(node.value, ast.Constant) and node.value.value is None):
                add(node, "return None", "return value -> `None`")
        if isinstance(node, ast.Expr | ast.Raise | ast.AugAssign) and isinstance(node, ast.stmt):
            if isinstance(node, ast.Expr) and not isinstance(node.value, ast.Call):
                continue
            add(node, "pass", "statement deleted")
    found.sort(key=lambda m: (m.start, m.description))
    return found


_SHAPE_RULES: tuple[tuple[re.Pattern[bytes], object, str], ...] = (
    (re.compile(rb"sh:minExclusive"), b"sh:minInclusive", "`sh:minExclusive` -> `sh:minInclusive`"),
    (re.compile(rb"sh:minInclusive"), b"sh:minExclusive", "`sh:minInclusive` -> `sh:minExclusive`"),
    (re.compile(rb"sh:maxExclusive"), b"sh:maxInclusive", "`sh:maxExclusive` -> `sh:maxInclusive`"),
    (re.compile(rb"sh:maxInclusive"), b"sh:maxExclusive", "`sh:maxInclusive` -> `sh:maxExclusive`"),
    (re.compile(rb"sh:minCount\s+\d+\s*;"), b"", "`sh:minCount` dropped"),
    (re.compile(rb"sh:maxCount\s+\d+\s*;"), b"", "`sh:maxCount` dropped"),
    (
        re.compile(rb"sh:datatype\s+xsd:(?!string\b)\w+"),
        b"sh:datatype xsd:string",
        "`sh:datatype` -> `xsd:string`",
    ),
    (
        re.compile(rb"sh:datatype\s+xsd:string\b"),
        b"sh:datatype xsd:anyURI",
        "`sh:datatype xsd:string` -> `xsd:anyURI`",
    ),
    (re.compile(rb"sh:pattern\s+\"(?:[^\"\\]|\\.)*\"\s*;"), b"", "`sh:pattern` dropped"),
    (re.compile(rb"sh:class\s+\S+\s*;"), b"", "`sh:class` dropped"),
    (re.compile(rb"sh:property\s+nksh:\w+\s*[;.,]"), None, "property shape reference dropped"),
)


def _bracket_end(data: bytes, start: int) -> int | None:
    """The offset just past the ``]`` closing the ``[`` at ``start``, skipping string
    literals (SPARQL constraints inside a shape hold brackets of their own)."""
    depth, index = 0, start
    while index < len(data):
        if data.startswith(b'"""', index):
            index = data.find(b'"""', index + 3)
            if index < 0:
                return None
            index += 3
            continue
        char = data[index : index + 1]
        if char == b'"':
            index += 1
            while index < len(data) and data[index : index + 1] != b'"':
                index += 2 if data[index : index + 1] == b"\\" else 1
        elif char == b"[":
            depth += 1
        elif char == b"]":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return None


def _property_shape_mutants(path: str, data: bytes) -> list[Mutant]:
    """Each inline property shape (``sh:property [ ... ]``) dropped whole."""
    found = []
    for match in re.finditer(rb"sh:property\s*\[", data):
        end = _bracket_end(data, match.end() - 1)
        if end is None:
            continue
        line = data.count(b"\n", 0, match.start()) + 1
        dropped = b'rdfs:comment "dropped property shape"'
        found.append(Mutant(path, line, "property shape dropped", match.start(), end, dropped))
    return found


def shape_mutants(path: str, data: bytes) -> list[Mutant]:
    """Mutants of a Turtle shapes file: loosened bounds, dropped counts, changed datatypes."""
    found: list[Mutant] = []
    for pattern, replacement, description in _SHAPE_RULES:
        for match in pattern.finditer(data):
            line_start = data.rfind(b"\n", 0, match.start()) + 1
            if data[line_start : match.start()].lstrip().startswith(b"#"):
                continue
            new = replacement
            if new is None:  # keep the statement's terminator so the Turtle still parses
                new = b'rdfs:comment "dropped"' + match.group(0)[-1:]
            line = data.count(b"\n", 0, match.start()) + 1
            found.append(Mutant(path, line, description, match.start(), match.end(), new))
    found.extend(_property_shape_mutants(path, data))
    found.sort(key=lambda m: (m.start, m.description))
    return found


def mutants_for(path: str, data: bytes) -> list[Mutant]:
    return shape_mutants(path, data) if path.endswith(".ttl") else python_mutants(path, data)
