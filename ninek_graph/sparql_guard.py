"""Inspect a request's SPARQL text before any engine sees it: the endpoint's security boundary.

Neither rdflib nor pyoxigraph can be told not to follow ``SERVICE`` (both send HTTP requests on
the user's behalf), and a read-only endpoint must never pass SPARQL Update on. So the text is
tokenized here with the terminals of the SPARQL 1.1 grammar (SPARQL 1.1 Query, section 19.8)
and the decisions are taken on tokens: a bare keyword can never be confused with the same
letters inside a string, an IRI, a comment, a variable or a prefixed name.

Two measured engine quirks make the checks stricter than the grammar alone:

* pyoxigraph's parser matches keywords without a word boundary: it reads ``SERVICE:x {...}``
  as ``SERVICE :x {...}`` and ``?s ?p trueSERVICE<http://...> {...}`` as a triple followed by
  a ``SERVICE`` call, and ``FROM:g`` as ``FROM :g``. The guard therefore treats ``SERVICE`` and
  ``FROM`` anywhere inside a bare word or the prefix part of a prefixed name as that keyword.
  Local names (``ex:service``), variables, strings, IRIs and comments stay harmless.
* Section 19.2 says ``\\u`` code point escapes are replaced before parsing; pyoxigraph only
  decodes them inside strings and IRIs. When the text has such escapes the guard inspects
  both readings and refuses a text whose meaning differs between them.
* SPARQL has no context-free lexer: after an operand inside an expression, pyoxigraph reads
  ``<`` as less-than where the longest match reads ``<...>`` as an IRI, and a ``#`` or a quote
  inside that "IRI" then opens a comment or a string for the engine only (an outside review
  hid SERVICE and FROM that way, and the engine connected to 127.0.0.1). The guard does not
  guess the engine's choice: it follows every reading such a ``<`` opens (linear in the
  text, see :func:`_other_readings`) and refuses a text when any reading has SERVICE, FROM,
  BASE, PREFIX or an update keyword that the main reading does not, or nests too deep.
  ``tests/test_guard_differential.py`` runs the real engine against a real listener to
  prove it, with a fuzzer that generates thousands of such texts.

The guard is the first of two layers: query workers also run without any network or file
system access (:mod:`ninek_graph.sandbox`), so a text it wrongly accepted still reaches nothing.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ninek_graph.backend import QueryRefused, QuerySyntaxError, UpdateRefused

# --- SPARQL 1.1 Query, section 19.8 (Grammar), productions [139]-[173] -----------------------
_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_HEX = "[0-9A-Fa-f]"
_UCHAR = rf"\\u{_HEX}{{4}}|\\U{_HEX}{{8}}"
_ECHAR = r"\\[tbnrf\\\"']"
_PLX = rf"%{_HEX}{_HEX}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = rf"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = (
    rf"(?:[{_PN_CHARS_U}:0-9]|{_PLX})"
    rf"(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
)
_VARNAME = rf"[{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"
_EXPONENT = r"[eE][+-]?[0-9]+"

_TOKEN_PATTERNS: list[tuple[str, str]] = [
    ("WS", r"[ \t\r\n]+"),
    ("COMMENT", r"#[^\r\n]*"),
    ("IRIREF", rf"<(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*>"),
    ("STRING", rf"'''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}|{_UCHAR}))*'''"),
    ("STRING", rf'"""(?:(?:"|"")?(?:[^"\\]|{_ECHAR}|{_UCHAR}))*"""'),
    ("STRING", rf"'(?:[^'\\\n\r]|{_ECHAR}|{_UCHAR})*'"),
    ("STRING", rf'"(?:[^"\\\n\r]|{_ECHAR}|{_UCHAR})*"'),
    ("PNAME", rf"(?P<prefix>(?:{_PN_PREFIX})?):(?:{_PN_LOCAL})?"),
    ("BNODE", rf"_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"),
    ("VAR", rf"[?$]{_VARNAME}"),
    ("LANGTAG", r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*"),
    ("NUMBER", rf"[0-9]+\.[0-9]*{_EXPONENT}|\.?[0-9]+{_EXPONENT}|[0-9]*\.[0-9]+|[0-9]+"),
    ("KEYWORD", r"[A-Za-z_][A-Za-z0-9_]*"),
    ("PUNCT", r"\^\^|&&|\|\||!=|<=|>=|<<|>>|\{\||\|\}|[{}()\[\];,.*+\-/|^?!=<>~]"),
]
_TOKEN_RE = re.compile(
    "|".join(f"(?P<{kind}{i}>{p})" for i, (kind, p) in enumerate(_TOKEN_PATTERNS))
)
_GROUP_KIND = {f"{kind}{i}": kind for i, (kind, _) in enumerate(_TOKEN_PATTERNS)}
_CODEPOINT_ESCAPE = re.compile(rf"\\u({_HEX}{{4}})|\\U({_HEX}{{8}})")
_LOCAL_ESCAPE = re.compile(r"\\(.)")

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
# SPARQL 1.1 Update, section 3: the operations (WITH opens a DELETE/INSERT with a graph IRI).
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)


def _ascii_upper(text: str) -> str:
    """Upper-case ASCII letters only: SPARQL keywords are ASCII, and ``str.upper`` would
    turn U+017F (long s) into ``S``."""
    return text.translate(_ASCII_UPPER)


_ASCII_UPPER = {c: c - 32 for c in range(ord("a"), ord("z") + 1)}


@dataclass(frozen=True)
class Token:
    """One terminal: ``kind`` is IRIREF, STRING, PNAME, BNODE, VAR, LANGTAG, NUMBER, KEYWORD
    (upper-cased in ``value``) or PUNCT; ``offset`` indexes the inspected text."""

    kind: str
    text: str
    offset: int
    prefix: str | None = None  # for PNAME: the part before the colon

    @property
    def value(self) -> str:
        return _ascii_upper(self.text) if self.kind == "KEYWORD" else self.text


@dataclass
class QueryInfo:
    """What the guard learned from a text.

    ``form`` is the first query form keyword (``None`` for an update or a text with none),
    ``updates`` the update operation keywords found, ``from_graphs`` / ``from_named_graphs``
    the dataset clause IRIs (SPARQL 1.1 Query, section 13.2) resolved against BASE and with
    prefixed names expanded.
    """

    form: str | None = None
    updates: list[str] = field(default_factory=list)
    uses_service: bool = False
    from_graphs: list[str] = field(default_factory=list)
    from_named_graphs: list[str] = field(default_factory=list)
    base: str | None = None
    prefixes: dict[str, str] = field(default_factory=dict)

    @property
    def is_update(self) -> bool:
        return bool(self.updates)

    @property
    def uses_load(self) -> bool:
        return "LOAD" in self.updates

    @property
    def names_dataset(self) -> bool:
        return bool(self.from_graphs or self.from_named_graphs)


class _Positions:
    """Offset -> 1-based (line, column), counting LF, CR LF and CR as line ends."""

    def __init__(self, text: str):
        self._starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]

    def __call__(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1


def _syntax_error(text: str, offset: int, what: str) -> QuerySyntaxError:
    line, column = _Positions(text)(offset)
    return QuerySyntaxError(f"Syntax error at line {line}, column {column}: {what}", line, column)


def _lexeme(text: str, pos: int) -> tuple[str, re.Match[str]]:
    """The longest-match terminal at ``pos`` (whitespace and comments included) and its kind.

    Raises :class:`QuerySyntaxError` with the position of a character that starts no SPARQL
    terminal (an unterminated string, a stray backslash, ...).
    """
    match = _TOKEN_RE.match(text, pos)
    if match is None:
        char = text[pos]
        if char in "\"'":
            what = "this string is not terminated on its line (or by matching quotes)"
        elif char == "\\":
            what = "a backslash is only allowed inside strings, IRIs and prefixed names"
        else:
            what = f"unexpected character {char!r}"
        raise _syntax_error(text, pos, what)
    return _GROUP_KIND[match.lastgroup or ""], match  # the outermost group closes last


def _token(kind: str, match: re.Match[str]) -> Token:
    prefix = match.group("prefix") if kind == "PNAME" else None
    return Token(kind, match.group(), match.start(), prefix)


def tokenize(text: str) -> Iterator[Token]:
    """Yield the significant tokens of ``text`` (whitespace and comments dropped), reading
    every ``<...>`` that can be an IRI as one (the main reading; see :func:`_other_readings`).

    Raises :class:`QuerySyntaxError` with the position of the first character that starts no
    SPARQL terminal (an unterminated string, a stray backslash, ...).
    """
    pos, end = 0, len(text)
    while pos < end:
        kind, match = _lexeme(text, pos)
        if kind not in ("WS", "COMMENT"):
            yield _token(kind, match)
        pos = match.end()


# --- IRI resolution: RFC 3986 section 5.2 -------------------------------------------------
_IRI_PARTS = re.compile(r"^(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$", re.S)


def _remove_dot_segments(path: str) -> str:
    output: list[str] = []
    while path:
        if path.startswith("../"):
            path = path[3:]
        elif path.startswith("./"):
            path = path[2:]
        elif path.startswith("/./"):
            path = path[2:]
        elif path == "/.":
            path = "/"
        elif path.startswith("/../") or path == "/..":
            path = "/" + path[4:]
            if output:
                output.pop()
        elif path in (".", ".."):
            path = ""
        else:
            start = 1 if path.startswith("/") else 0
            cut = path.find("/", start)
            cut = len(path) if cut < 0 else cut
            output.append(path[:cut])
            path = path[cut:]
    return "".join(output)


def resolve_iri(reference: str, base: str | None) -> str:
    """Resolve ``reference`` against ``base`` (RFC 3986, section 5.2.2); with no base or an
    absolute reference, the reference is returned unchanged."""
    scheme, authority, path, query, fragment = _IRI_PARTS.match(reference).groups()  # type: ignore[union-attr]
    if scheme is not None or base is None:
        return reference
    b_scheme, b_authority, b_path, b_query, _ = _IRI_PARTS.match(base).groups()  # type: ignore[union-attr]
    if authority is not None:
        t_authority, t_path, t_query = authority, _remove_dot_segments(path), query
    elif path == "":
        t_authority, t_path = b_authority, b_path
        t_query = query if query is not None else b_query
    else:
        if path.startswith("/"):
            t_path = _remove_dot_segments(path)
        else:
            if b_authority is not None and b_path == "":
                merged = "/" + path
            else:
                merged = b_path[: b_path.rfind("/") + 1] + path
            t_path = _remove_dot_segments(merged)
        t_authority, t_query = b_authority, query
    result = f"{b_scheme}:" if b_scheme is not None else ""
    if t_authority is not None:
        result += f"//{t_authority}"
    result += t_path
    if t_query is not None:
        result += f"?{t_query}"
    if fragment is not None:
        result += f"#{fragment}"
    return result


def _decode_codepoints(text: str) -> str:
    return _CODEPOINT_ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def _iri_of(token: Token, info: QueryInfo, text: str) -> str:
    """The absolute (or, lacking a BASE, relative) IRI an IRIREF or prefixed name stands for."""
    if token.kind == "IRIREF":
        return resolve_iri(_decode_codepoints(token.text[1:-1]), info.base)
    prefix = token.prefix or ""
    if prefix not in info.prefixes:
        raise _syntax_error(text, token.offset, f"the prefix {prefix}: is not declared")
    local = token.text[len(prefix) + 1 :]
    return info.prefixes[prefix] + _LOCAL_ESCAPE.sub(r"\1", local)


def _smuggles(token: Token, keyword: str) -> bool:
    """True when a bare word or a prefix contains ``keyword`` (see the module docstring)."""
    if token.kind == "KEYWORD":
        return keyword in token.value
    if token.kind == "PNAME":
        return keyword in _ascii_upper(token.prefix or "")
    return False


# Deepest nesting a query may have. pyoxigraph parses and evaluates recursively: brackets
# nested between 2 000 and 3 000 levels deep overflow a worker's stack (it dies with SIGSEGV),
# and so do long chains of operators, each of which nests the expression one level deeper
# (measured: 9 000 terms of 1+1+..., or 19 900 '!'). So an operator counts as a level until
# the group it stands in closes. No real query comes near this limit; a long disjunction is
# better written with IN or VALUES anyway.
MAX_NESTING = 1_000
OPENERS, CLOSERS = {"{", "(", "[", "{|", "<<"}, {"}", ")", "]", "|}", ">>"}
OPERATORS = {"!", "+", "-", "*", "/", "|", "^", "||", "&&", "=", "!=", "<", ">", "<=", ">="}


def _refuse_nesting(text: str, offset: int, reading: str = "") -> QueryRefused:
    line, column = _Positions(text)(offset)
    return QueryRefused(
        f"The query nests brackets or chains operators more than {MAX_NESTING} levels deep "
        f"(line {line}, column {column}{reading}); this endpoint refuses such queries. Flatten "
        "the groups, or write a long chain of alternatives with IN or VALUES."
    )


def _depth_change(token: Token) -> int:
    """+1 for an opening bracket or an operator, -1 for a closing bracket (an upper bound of
    the engine's depth where a closed group's operators are not known, see _other_readings)."""
    if token.kind == "PUNCT":
        if token.text in OPENERS or token.text in OPERATORS:
            return 1
        if token.text in CLOSERS:
            return -1
    return 0


def _depths(tokens: list[Token]) -> Iterator[tuple[Token, int, int]]:
    """Each token with the depth before and after it: brackets, and operators until their
    group closes (a closing bracket returns the depth to where its group opened)."""
    depth = 0
    opened: list[int] = []  # the depth before each open bracket
    for token in tokens:
        before = depth
        if token.kind == "PUNCT" and token.text in CLOSERS:
            depth = opened.pop() if opened else 0
        else:
            if token.kind == "PUNCT" and token.text in OPENERS:
                opened.append(depth)
            depth += _depth_change(token)
        yield token, before, depth


def _check_nesting(tokens: list[Token], text: str) -> None:
    """Refuse text nested deeper than MAX_NESTING on its main reading."""
    for token, _, depth in _depths(tokens):
        if depth > MAX_NESTING:
            raise _refuse_nesting(text, token.offset)


# --- Other readings of the same text ----------------------------------------------------------
# SPARQL has no separate lexer: which terminal starts at a '<' depends on the grammar rule the
# parser is in. Inside an expression, after an operand, pyoxigraph reads '<' as less-than (or
# '<=', or '<<' opening a triple term), while the longest match above reads '<...>' as one IRI
# whenever the text up to the next '>' may form one. The two readings then go different ways:
# a '#' inside that "IRI" starts a comment for the engine, a quote starts a string, so text
# that one reading sees inside a string or comment is live syntax in the other (issue 10: a
# SERVICE hidden so reached the network). Rather than guess the engine's choice, the guard
# follows both: every such '<' forks a reading, and what any reading sees is checked.
# Tokens after which a '<' can be the less-than operator: the end of an operand.
_OPERAND_END_KINDS = frozenset({"VAR", "NUMBER", "STRING", "LANGTAG", "IRIREF", "PNAME",
                                "BNODE", "KEYWORD"})
_OPERAND_END_PUNCT = frozenset({")", "]", ">>"})
# Words that must not appear on any reading but the one the guard decided on.
_DANGEROUS_WORDS = ("SERVICE", "FROM", "BASE", "PREFIX") + tuple(sorted(UPDATE_KEYWORDS))


def _may_be_less_than(previous: Token | None, innermost: str | None) -> bool:
    """Whether the engine may read an IRI at this place as '<': inside parentheses (where
    every SPARQL expression with a binary operator stands) and after an operand."""
    if previous is None or innermost != "(":
        return False
    return (previous.kind in _OPERAND_END_KINDS
            or (previous.kind == "PUNCT" and previous.text in _OPERAND_END_PUNCT))


def _ambiguous_iris(tokens: list[Token]) -> list[Token]:
    """The IRIs of the main reading that the engine may instead read as a less-than."""
    found: list[Token] = []
    brackets: list[str] = []
    previous: Token | None = None
    for token in tokens:
        if token.kind == "IRIREF" and _may_be_less_than(previous, brackets[-1] if brackets
                                                          else None):
            found.append(token)
        if token.kind == "PUNCT":
            if token.text in OPENERS:
                brackets.append(token.text)
            elif token.text in CLOSERS and brackets:
                brackets.pop()
        previous = token
    return found


def _other_readings(text: str, tokens: list[Token]) -> None:
    """Refuse ``text`` when a reading other than the main one (see above) contains a keyword
    that would change the guard's decision, or nests deeper than :data:`MAX_NESTING`.

    The readings form a graph over text positions (every edge goes forward, and a reading
    that reaches a token boundary of the main reading joins it), so each position is lexed
    once: linear in the length of the text, whatever the number of forks. On readings that
    leave the main one, every IRI forks again, whatever precedes it.
    """
    forks = _ambiguous_iris(tokens)
    if not forks:
        return
    # token boundary of the main reading -> its depth there
    main_depth = {token.offset: before for token, before, _ in _depths(tokens)}
    pending: dict[int, int] = {}  # position -> deepest nesting another reading arrives with
    for fork in forks:
        _fork(text, fork.offset, main_depth[fork.offset], pending)
    while pending:
        pos = min(pending)  # edges go forward: every arrival at pos is known by now
        depth = pending.pop(pos)
        if pos >= len(text) or main_depth.get(pos, -1) >= depth:
            continue  # joined the main reading, which is checked on its own
        try:
            kind, match = _lexeme(text, pos)
        except QuerySyntaxError:
            continue  # the engine cannot read the text this way
        if kind in ("WS", "COMMENT"):
            _arrive(pending, match.end(), depth)
            continue
        token = _token(kind, match)
        if pos not in main_depth:  # a token only another reading has
            for word in _DANGEROUS_WORDS:
                if _smuggles(token, word):
                    raise _ambiguous(text, pos, word)
        new_depth = max(0, depth + _depth_change(token))
        if new_depth > MAX_NESTING:
            raise _refuse_nesting(text, pos, ", on one of its readings")
        _arrive(pending, match.end(), new_depth)
        if kind == "IRIREF":
            _fork(text, pos, depth, pending)


def _fork(text: str, pos: int, depth: int, pending: dict[int, int]) -> None:
    """Add the less-than readings of the '<' at ``pos``: '<', and '<=' or '<<' (which opens
    a triple term) where the text has them."""
    _arrive(pending, pos + 1, depth)
    pair = text[pos:pos + 2]
    if pair in ("<=", "<<"):
        _arrive(pending, pos + 2, depth + (pair == "<<"))


def _arrive(pending: dict[int, int], pos: int, depth: int) -> None:
    if depth > pending.get(pos, -1):
        pending[pos] = depth


def _ambiguous(text: str, offset: int, word: str) -> QueryRefused:
    line, column = _Positions(text)(offset)
    return QueryRefused(
        f"The query can be read in more than one way: a '<' before line {line}, column "
        f"{column} may be a less-than operator rather than the start of an IRI, and read so, "
        f"the text has {word} there, outside the string, IRI or comment it seems to be in. "
        "Put spaces around comparison operators (?a < ?b) so the reading is unambiguous."
    )


def _scan(text: str) -> QueryInfo:
    info = QueryInfo()
    tokens = list(tokenize(text))
    _check_nesting(tokens, text)
    _other_readings(text, tokens)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if token.kind == "KEYWORD":
            word = token.value
            if word == "BASE" and nxt is not None and nxt.kind == "IRIREF":
                info.base = _iri_of(nxt, info, text)
                i += 2
                continue
            if word == "PREFIX" and nxt is not None and nxt.kind == "PNAME":
                after = tokens[i + 2] if i + 2 < len(tokens) else None
                if nxt.text != f"{nxt.prefix}:" or after is None or after.kind != "IRIREF":
                    raise _syntax_error(text, nxt.offset, "PREFIX must be followed by "
                                        "a prefix ending in ':' and an IRI in angle brackets")
                info.prefixes[nxt.prefix or ""] = _iri_of(after, info, text)
                i += 3
                continue
            if word in QUERY_FORMS and info.form is None:
                info.form = word
            if word in UPDATE_KEYWORDS:
                info.updates.append(word)
        if _smuggles(token, "SERVICE"):
            info.uses_service = True
        if _smuggles(token, "FROM"):
            i = _dataset_clause(tokens, i, info, text)
            continue
        i += 1
    return info


def _dataset_clause(tokens: list[Token], i: int, info: QueryInfo, text: str) -> int:
    """Record the graph of ``FROM [NAMED] iri`` at ``tokens[i]``; return the next index."""
    token = tokens[i]
    if token.kind == "PNAME" or token.value != "FROM":
        raise QueryRefused(
            f"The name {token.text!r} at offset {token.offset} contains the keyword FROM, "
            "which SPARQL engines may read as a dataset clause; rename the prefix or write "
            "FROM as a separate word."
        )
    j = i + 1
    named = j < len(tokens) and tokens[j].kind == "KEYWORD" and tokens[j].value == "NAMED"
    if named:
        j += 1
    if j >= len(tokens) or tokens[j].kind not in ("IRIREF", "PNAME"):
        raise _syntax_error(text, tokens[j - 1].offset, "FROM must be followed by a graph IRI")
    target = info.from_named_graphs if named else info.from_graphs
    target.append(_iri_of(tokens[j], info, text))
    return j + 1


def _clean_text(text: str | bytes) -> str:
    """Refuse bytes that are not UTF-8, lone surrogates and NUL (SPARQL text is Unicode;
    NUL has no use in it and confuses C-based engines)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise QueryRefused(
                f"The query is not valid UTF-8 (byte {error.start}); send it encoded as UTF-8."
            ) from None
    for index, char in enumerate(text):
        if char == "\x00" or "\ud800" <= char <= "\udfff":
            line, column = _Positions(text)(index)
            what = "a NUL character" if char == "\x00" else "bytes that are not valid UTF-8"
            raise QueryRefused(
                f"The query contains {what} at line {line}, column {column}; "
                "remove it and send the text as UTF-8."
            )
    return text


def inspect(text: str) -> QueryInfo:
    """Tokenize ``text`` and report its form, update operations, SERVICE use and dataset.

    Raises :class:`QuerySyntaxError` for text that is not made of SPARQL terminals and
    :class:`QueryRefused` for a keyword hidden in a name or a reading that depends on
    section 19.2 escapes.
    """
    info = _scan(text)
    if _CODEPOINT_ESCAPE.search(text):
        decoded = _decode_codepoints(text)
        try:
            other = _scan(decoded)
        except (QuerySyntaxError, QueryRefused):
            other = None
        if other is None or (other.form, other.updates, other.uses_service, other.from_graphs,
                             other.from_named_graphs) != (info.form, info.updates,
                                                          info.uses_service, info.from_graphs,
                                                          info.from_named_graphs):
            raise QueryRefused(
                "The query's \\u or \\U escapes change its meaning when they are decoded "
                "before parsing (SPARQL 1.1 Query, section 19.2); write those characters "
                "directly, or use \\\" and \\\\ inside strings."
            )
    return info


def check(text: str | bytes, *, allowed_graphs: Iterable[str], max_length: int) -> QueryInfo:
    """Inspect ``text`` and refuse what this read-only, closed endpoint will not run.

    Raises :class:`UpdateRefused` (403) for SPARQL Update, :class:`QueryRefused` (400) for
    LOAD, SERVICE, FROM / FROM NAMED outside ``allowed_graphs``, text longer than
    ``max_length`` characters and text that is not clean UTF-8, and :class:`QuerySyntaxError`
    for text that is not SPARQL.
    """
    text = _clean_text(text)
    if len(text) > max_length:
        raise QueryRefused(
            f"The query is {len(text):,} characters long; this endpoint accepts at most "
            f"{max_length:,}. Shorten it (for example move long VALUES lists into a FILTER)."
        )
    info = inspect(text)
    if info.uses_load:
        raise QueryRefused(
            "LOAD is refused: it would fetch a remote document into the store, and this "
            "endpoint is read-only and never fetches documents on a user's behalf."
        )
    if info.is_update:
        raise UpdateRefused(
            f"This endpoint is read-only; SPARQL Update ({', '.join(sorted(set(info.updates)))})"
            " is refused. Send a SELECT, ASK, CONSTRUCT or DESCRIBE query."
        )
    if info.uses_service:
        raise QueryRefused(
            "SERVICE is refused: federated query is disabled on this endpoint, which answers "
            "only from its own graphs. Run the remote part against the other endpoint "
            "yourself. (A bare word or prefix containing SERVICE counts too, because some "
            "engines read it as the keyword.)"
        )
    if info.form is None:
        raise QuerySyntaxError(
            "The text has no query form: a query starts (after any BASE and PREFIX lines) "
            "with SELECT, ASK, CONSTRUCT or DESCRIBE."
        )
    allowed = set(allowed_graphs)
    for clause, iris in (("FROM", info.from_graphs), ("FROM NAMED", info.from_named_graphs)):
        for iri in iris:
            if iri not in allowed:
                raise QueryRefused(_outside_dataset(f"{clause} <{iri}>", iri, allowed))
    return info


def _outside_dataset(what: str, iri: str, allowed: set[str]) -> str:
    relative = "" if _IRI_PARTS.match(iri).group(1) else (  # type: ignore[union-attr]
        " It is a relative IRI and the query has no BASE to resolve it against."
    )
    listing = ", ".join(f"<{g}>" for g in sorted(allowed)) or "(none)"
    return (
        f"{what} names a graph this endpoint does not publish.{relative} "
        f"The graphs you may select are: {listing}. Leave the dataset out to query their union."
    )


def check_dataset_parameters(
    default_graph_uris: Iterable[str], named_graph_uris: Iterable[str], *,
    allowed_graphs: Iterable[str],
) -> None:
    """Refuse protocol ``default-graph-uri`` / ``named-graph-uri`` values (SPARQL 1.1
    Protocol, section 2.1.4) that name graphs outside ``allowed_graphs``."""
    allowed = set(allowed_graphs)
    for parameter, iris in (("default-graph-uri", default_graph_uris),
                            ("named-graph-uri", named_graph_uris)):
        for iri in iris:
            if iri not in allowed:
                raise QueryRefused(_outside_dataset(f"The parameter {parameter}={iri}", iri,
                                                    allowed))
