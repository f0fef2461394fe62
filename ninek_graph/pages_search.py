"""Full-text search over the graph, built once from the build's N-Triples dump.

Norwegian-aware matching: text and query are case-folded (Unicode ``casefold``, NFC) and
compared in three spellings, so that æ, ø and å stay letters of their own (``Tønsb`` finds
*Tønsberg*) and are also found through the usual transliterations (``tonsberg``,
``toensberg``, ``naerings``, ``vaale``): the folded text, the text with æ→ae, ø→o, å→a (and
other accents stripped), and with æ→ae, ø→oe, å→aa. Every word of the query must occur
somewhere in an entity's fields, as a whole word, a word's beginning or inside a word.

At most :data:`MAX_WORDS` distinct words are searched and at most :data:`MAX_QUERY_CHARS`
characters read: each word costs a scan of the index, outside any query time limit.

Ranking: a match in a title or label counts most (exact title over a title's start over a
word's start over inside a word), then alternative and hidden labels, then descriptions,
comments, definitions and evidence. Ties go to the kinds people look for first (projects,
municipalities, organisations) and then to the shorter title. Every field's spellings are kept
in one string per spelling and searched with ``str.find`` (see :class:`SearchIndex`).
"""

from __future__ import annotations

import io
import unicodedata
from array import array
from bisect import bisect_right
from dataclasses import dataclass

from .namespaces import BASE
from .pages_index import DCT, FOAF, NK, RDFS, SKOS, GraphIndex, short_iri

TITLE_FIELDS = (DCT + "title", RDFS + "label", SKOS + "prefLabel", FOAF + "name")
ALT_FIELDS = (SKOS + "altLabel", SKOS + "hiddenLabel", NK + "registeredName")
TEXT_FIELDS = (DCT + "description", RDFS + "comment", SKOS + "definition", NK + "evidence",
               NK + "purpose", NK + "workingForm", NK + "participantsText")
FIELD_WEIGHT = {"title": 100, "alt": 60, "text": 10}
KIND_ORDER = ("project", "workarea", "municipality", "organisation", "group", "concept",
              "grant", "saving", "cost", "note", "milestone", "decision", "event", "scheme",
              "dataset", "identifier", "link", "exclusion", "participation", "membership",
              "distribution", "source")

#: Most distinct words one search looks for (the rest are ignored, and the answer says so).
MAX_WORDS = 10
#: Most characters of a search text (``/search`` refuses a longer ``q`` with 400).
MAX_QUERY_CHARS = 500

_SPELLINGS = (
    {"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o"},
    {"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe"},
)


def _fold(text: str) -> tuple[str, list[int]]:
    """Case-folded text and, for each of its characters, the index in ``text``."""
    out: list[str] = []
    where: list[int] = []
    for i, char in enumerate(unicodedata.normalize("NFC", text)):
        for folded in char.casefold():
            out.append(folded)
            where.append(i)
    return "".join(out), where


def _transliterate(folded: str, where: list[int], table: dict[str, str]) -> tuple[str, list[int]]:
    out: list[str] = []
    mapped: list[int] = []
    for char, i in zip(folded, where, strict=True):
        if char in table:
            replacement = table[char]
        else:
            decomposed = unicodedata.normalize("NFD", char)
            replacement = "".join(c for c in decomposed if not unicodedata.combining(c)) or char
        for r in replacement:
            out.append(r)
            mapped.append(i)
    return "".join(out), mapped


def spellings(text: str) -> list[tuple[str, list[int]]]:
    """The folded text and its transliterations, each with its map back to ``text``."""
    folded, where = _fold(text)
    return [(folded, where)] + [_transliterate(folded, where, t) for t in _SPELLINGS]


def query_words(query: str) -> tuple[list[str], int]:
    """The words of ``query`` that are searched (the first :data:`MAX_WORDS` distinct ones)
    and how many more it has. Each word costs a scan of the whole index (in three
    spellings), so a query of a thousand words took half a minute of server time; no one
    types more than a few. Only the first :data:`MAX_QUERY_CHARS` characters are read."""
    words: list[str] = []
    seen: set[str] = set()
    ignored = 0
    for word in query[:MAX_QUERY_CHARS].split():
        key = word.casefold()
        if key in seen:
            continue  # the same word again changes nothing but the cost
        if len(words) == MAX_WORDS:
            ignored += 1
            continue
        seen.add(key)
        words.append(word)
    return words, ignored


def query_terms(query: str) -> list[set[str]]:
    """Each searched word of the query (:func:`query_words`) in its spellings."""
    terms = []
    for word in query_words(query)[0]:
        variants = {s for s, _ in spellings(word) if s.strip()}
        if variants:
            terms.append(variants)
    return terms


@dataclass(frozen=True)
class Field:
    """A searchable literal of a document, as a hit shows it."""

    kind: str  # title, alt, text
    text: str


@dataclass(frozen=True)
class Document:
    iri: str
    entity_kind: str
    titles: dict[str, str]


@dataclass(frozen=True)
class Hit:
    document: Document
    score: int
    field: Field
    place: tuple[int, int, int]  # which spelling of the field's text, start, end

    @property
    def span(self) -> tuple[int, int]:
        """Where the match is in the field's text (the spelling's map back to the text is
        made again for the hits shown only)."""
        spelling, start, end = self.place
        where = spellings(self.field.text)[spelling][1]
        return (where[start], where[end - 1] + 1)


KINDS = ("title", "alt", "text")
_SEPARATOR = "\x00"


class SearchIndex:
    """Every searchable literal, in each of its spellings, in one string per spelling.

    Field ``f``'s spelling ``s`` is ``corpora[s][starts[s][f]:]`` up to the next NUL, so a
    query word is found with ``str.find`` over one string (C speed) and a match is mapped
    to its field by bisection. Searching touches no per-field Python objects: a server's
    processes keep sharing the index's memory instead of copying it as a per-object scan
    (reference counts are writes) did; at a million triples that index took 225 MiB as
    objects.
    """

    def __init__(self, documents: list[Document], field_doc: array, field_kind: bytes,
                 texts: list[str], corpora: list[str], starts: list[array]):
        self.documents = documents
        self._field_doc = field_doc
        self._field_kind = field_kind
        self._texts = texts
        self._corpora = corpora
        self._starts = starts

    @classmethod
    def build(cls, index: GraphIndex) -> SearchIndex:
        """One document per entity of the base namespace with a searchable literal (read
        predicate by predicate from the index's store)."""
        found: dict[str, list[tuple[int, str]]] = {}
        for kind, predicates in enumerate((TITLE_FIELDS, ALT_FIELDS, TEXT_FIELDS)):
            for predicate in predicates:
                for iri, text in index.literals_of(predicate):
                    if text.strip() and iri.startswith(BASE) and "#" not in iri:
                        found.setdefault(iri, []).append((kind, text))
        documents: list[Document] = []
        field_doc = array("I")
        field_kind = bytearray()
        texts: list[str] = []
        # Written straight into one buffer per spelling: a list of every form first left
        # ~150 MiB of freed small strings behind at a million triples.
        buffers = [io.StringIO() for _ in range(3)]
        starts = [array("Q") for _ in range(3)]
        for iri in sorted(found):
            titles = {lang: index.label(iri, lang) for lang in ("nb", "en")}
            for kind, text in found.pop(iri):
                field_doc.append(len(documents))
                field_kind.append(kind)
                texts.append(text)
                for spelling, (form, _) in enumerate(spellings(text)):
                    starts[spelling].append(buffers[spelling].tell())
                    buffers[spelling].write(form.replace(_SEPARATOR, " ") + _SEPARATOR)
            documents.append(Document(iri, iri[len(BASE):].split("/")[0], titles))
        corpora = [buffer.getvalue() for buffer in buffers]
        return cls(documents, field_doc, bytes(field_kind), texts, corpora, starts)

    def _best_per_document(self, variants: set[str]) -> dict[int, tuple[int, int, tuple]]:
        """For one query word: document -> (value, field, place) of its best match."""
        best: dict[int, tuple[int, int, tuple]] = {}
        for variant in sorted(variants):
            if _SEPARATOR in variant:
                continue  # would match across fields; no literal holds a NUL here
            size = len(variant)
            for spelling, corpus in enumerate(self._corpora):
                starts = self._starts[spelling]
                position = corpus.find(variant)
                while position >= 0:
                    field = bisect_right(starts, position) - 1
                    start = position - starts[field]
                    after = position + size
                    at_end = after == len(corpus) or corpus[after] == _SEPARATOR
                    at_word = start == 0 or not corpus[position - 1].isalnum()
                    whole = at_word and (at_end or not corpus[after].isalnum())
                    quality = 6 if whole else 4 if at_word else 2
                    kind = self._field_kind[field]
                    if kind == 0 and start == 0 and at_end:
                        quality = 8
                    if start == 0:
                        quality += 1
                    value = FIELD_WEIGHT[KINDS[kind]] * quality
                    document = self._field_doc[field]
                    current = best.get(document)
                    # The better match; on a tie the earlier field, spelling and place.
                    if current is None or value > current[0] or (
                            value == current[0] and (field, spelling, start)
                            < (current[1], current[2][0], current[2][1])):
                        best[document] = (value, field, (spelling, start, start + size))
                    position = corpus.find(variant, position + 1)
        return best

    def search(self, query: str, limit: int = 50) -> tuple[list[Hit], int]:
        """The best ``limit`` hits and how many documents matched in all."""
        terms = query_terms(query)
        if not terms:
            return [], 0
        per_term = [self._best_per_document(variants) for variants in terms]
        matched = set(per_term[0]).intersection(*per_term[1:])
        scored = []
        for document in matched:
            score = 0
            shown = None
            for best in per_term:
                found = best[document]
                score += found[0]
                if shown is None or found[0] > shown[0]:
                    shown = found
            scored.append((document, score, shown))
        order = {kind: i for i, kind in enumerate(KIND_ORDER)}
        docs = self.documents
        scored.sort(key=lambda h: (-h[1], order.get(docs[h[0]].entity_kind, 99),
                                   len(docs[h[0]].titles["nb"]), docs[h[0]].iri))
        hits = [Hit(docs[document], score,
                    Field(KINDS[self._field_kind[field]], self._texts[field]), place)
                for document, score, (_, field, place) in scored[:limit]]
        return hits, len(scored)


def snippet(text: str, span: tuple[int, int], width: int = 90) -> tuple[str, str, str]:
    """(before, match, after) around ``span``, cut to about ``width`` characters."""
    start, end = span
    before = text[max(0, start - width // 2):start]
    after = text[end:end + width]
    if start - width // 2 > 0:
        before = "…" + before.split(" ", 1)[-1] if " " in before else "…" + before
    if end + width < len(text):
        after = after.rsplit(" ", 1)[0] + "…"
    return before, text[start:end], after


__all__ = ["SearchIndex", "Hit", "snippet", "spellings", "short_iri"]
