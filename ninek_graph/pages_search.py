"""Full-text search over the graph, built once from the build's N-Triples dump.

Norwegian-aware matching: text and query are case-folded (Unicode ``casefold``, NFC) and
compared in three spellings, so that æ, ø and å stay letters of their own (``Tønsb`` finds
*Tønsberg*) and are also found through the usual transliterations (``tonsberg``,
``toensberg``, ``naerings``, ``vaale``): the folded text, the text with æ→ae, ø→o, å→a (and
other accents stripped), and with æ→ae, ø→oe, å→aa. Every word of the query must occur
somewhere in an entity's fields, as a whole word, a word's beginning or inside a word.

Ranking: a match in a title or label counts most (exact title over a title's start over a
word's start over inside a word), then alternative and hidden labels, then descriptions,
comments, definitions and evidence. Ties go to the kinds people look for first (projects,
municipalities, organisations) and then to the shorter title. The index is a list of
documents with their normalised fields (about a thousand entities), scanned per query:
at this size a scan takes milliseconds and needs no inverted index.
"""

from __future__ import annotations

import unicodedata
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


def query_terms(query: str) -> list[set[str]]:
    """Each word of the query in its spellings (deduplicated)."""
    terms = []
    for word in query.split():
        variants = {s for s, _ in spellings(word) if s.strip()}
        if variants:
            terms.append(variants)
    return terms


@dataclass(frozen=True)
class Field:
    """A searchable literal: its text and that text's spellings (see :func:`spellings`).
    The map from a spelling back to the text is made again for the hits shown only: kept
    for every field it was most of the index's memory."""

    kind: str  # title, alt, text
    text: str
    forms: tuple[str, ...]

    def span(self, form_index: int, start: int, end: int) -> tuple[int, int]:
        """Where ``forms[form_index][start:end]`` is in ``text``."""
        where = spellings(self.text)[form_index][1]
        return (where[start], where[end - 1] + 1)


@dataclass(frozen=True)
class Document:
    iri: str
    entity_kind: str
    titles: dict[str, str]
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Hit:
    document: Document
    score: int
    field: Field
    place: tuple[int, int, int]  # which spelling of the field's text, start, end

    @property
    def span(self) -> tuple[int, int]:
        """Where the match is in the field's text."""
        return self.field.span(*self.place)


def _match(field: Field, variants: set[str]) -> tuple[int, tuple[int, int, int]] | None:
    """(quality, place in one of the field's spellings) of the best place a query word
    occurs."""
    best: tuple[int, tuple[int, int, int]] | None = None
    for form_index, form in enumerate(field.forms):
        for variant in variants:
            start = form.find(variant)
            while start >= 0:
                end = start + len(variant)
                at_word = start == 0 or not form[start - 1].isalnum()
                whole = at_word and (end == len(form) or not form[end].isalnum())
                quality = 6 if whole else 4 if at_word else 2
                if field.kind == "title" and start == 0 and end == len(form):
                    quality = 8
                if start == 0:
                    quality += 1
                if best is None or quality > best[0]:
                    best = (quality, (form_index, start, end))
                start = form.find(variant, start + 1)
    return best


class SearchIndex:
    def __init__(self, documents: list[Document]):
        self.documents = documents

    @classmethod
    def build(cls, index: GraphIndex) -> SearchIndex:
        """One document per entity of the base namespace with a searchable literal (read
        predicate by predicate from the index's store)."""
        found: dict[str, list[Field]] = {}
        for kind, predicates in (("title", TITLE_FIELDS), ("alt", ALT_FIELDS),
                                 ("text", TEXT_FIELDS)):
            for predicate in predicates:
                for iri, term in index.with_predicate(predicate):
                    if (term.kind != "literal" or not term.value.strip()
                            or not iri.startswith(BASE) or "#" in iri):
                        continue
                    forms = tuple(form for form, _ in spellings(term.value))
                    found.setdefault(iri, []).append(Field(kind, term.value, forms))
        documents = []
        for iri in sorted(found):
            entity_kind = iri[len(BASE):].split("/")[0]
            titles = {lang: index.label(iri, lang) for lang in ("nb", "en")}
            documents.append(Document(iri, entity_kind, titles, tuple(found[iri])))
        return cls(documents)

    def search(self, query: str, limit: int = 50) -> tuple[list[Hit], int]:
        """The best ``limit`` hits and how many documents matched in all."""
        terms = query_terms(query)
        if not terms:
            return [], 0
        hits = []
        for document in self.documents:
            score = 0
            shown: tuple[int, Field, tuple[int, int]] | None = None
            for variants in terms:
                best_for_term = None
                for field in document.fields:
                    found = _match(field, variants)
                    if found is None:
                        continue
                    value = FIELD_WEIGHT[field.kind] * found[0]
                    if best_for_term is None or value > best_for_term[0]:
                        best_for_term = (value, field, found[1])
                if best_for_term is None:
                    break
                score += best_for_term[0]
                if shown is None or best_for_term[0] > shown[0]:
                    shown = best_for_term
            else:
                assert shown is not None
                hits.append(Hit(document, score, shown[1], shown[2]))
        order = {kind: i for i, kind in enumerate(KIND_ORDER)}
        hits.sort(key=lambda h: (-h.score, order.get(h.document.entity_kind, 99),
                                 len(h.document.titles["nb"]), h.document.iri))
        return hits[:limit], len(hits)


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
