"""Name folding and scoring: how well a query names a label, 0-100.

Candidate retrieval and scoring are left to the service by the W3C Reconciliation API 0.2
("A Note on Candidate Retrieval and Scoring"); this module is the name side of it, kept apart
from the index so that the scores can be read and tested on their own.

Names are compared after folding: case, diacritics and the Norwegian letters (``ø`` and
``oe`` -> ``o``, ``æ`` -> ``ae``, ``å`` and ``aa`` -> ``a``), punctuation to spaces. Scores
(0-100) come in tiers, so that a client can read them:

* 100 the main name, folded; 98 the same without spaces (``fylkes- kommunen``); 96 the same
  words in another order; an alternative name scores 3 less than the main name;
* 90 an abbreviation built from word beginnings (``HiVe`` for Høgskolen i Vestfold);
* at most 89 for partial names and typos: word-by-word similarity (prefixes, optimal string
  alignment distance) and edit distance over the whole name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

MAX_QUERY_WORDS = 12     # words of a query compared one by one (names are short)

_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "å": "a", "ð": "d", "þ": "th", "œ": "oe"})
_NON_WORD = re.compile(r"[\W_]+")
_DIGIT = re.compile(r"\d")
STOPWORDS = frozenset({"i", "og", "for", "av", "om", "pa", "til", "med", "som", "en", "ved",
                       "the", "of", "and", "in"})


def fold(text: str) -> str:
    """Lower case without diacritics; ø/oe -> o, æ -> ae, å/aa -> a; punctuation -> spaces."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_LETTERS)
    text = "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))
    text = text.replace("aa", "a").replace("oe", "o")
    return " ".join(_NON_WORD.sub(" ", text).split())


@dataclass(frozen=True)
class Form:
    """A name, folded once: the spaced form, the compact form and its words."""

    text: str
    norm: str
    compact: str
    tokens: tuple[str, ...]
    sorted_tokens: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> Form:
        norm = fold(text)
        tokens = tuple(norm.split())
        return cls(text, norm, norm.replace(" ", ""), tokens, tuple(sorted(tokens)))


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (insertions, deletions, substitutions and adjacent
    transpositions), or ``limit + 1`` as soon as it is known to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, before[j - 2] + 1)
            current.append(value)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


def similarity(a: str, b: str, floor: float = 0.75) -> float:
    """1 - distance / longer length, or 0.0 when that is below ``floor``."""
    longest = max(len(a), len(b))
    if not longest:
        return 0.0
    limit = int(longest * (1 - floor))
    distance = edit_distance(a, b, limit)
    return 0.0 if distance > limit else 1 - distance / longest


@lru_cache(maxsize=1 << 16)
def _token_similarity(query: str, word: str) -> float:
    if query == word:
        return 1.0
    if _DIGIT.search(query) or _DIGIT.search(word):
        return 0.0  # numbers tell versions apart ("Vekst og bo 1" / "... 2"): exact only
    if len(query) >= 3 and word.startswith(query):
        return 0.9
    shorter, longer = sorted((len(query), len(word)))
    if shorter < 4 or longer - shorter > longer // 4:
        return 0.0
    return 0.95 * similarity(query, word)


def _weight(token: str) -> float:
    return 0.3 if token in STOPWORDS else 1.0


def _is_abbreviation(query: str, tokens: Sequence[str]) -> bool:
    """Whether ``query`` is made of beginnings of the words in order (each content word
    gives at least one letter, small words may be skipped): ``hive``, ``hve``."""
    if len(tokens) < 2 or not 3 <= len(query) <= 10 or query.isdigit():
        return False
    seen: dict[tuple[int, int], bool] = {}

    def walk(i: int, k: int) -> bool:
        if k == len(tokens):
            return i == len(query)
        if (i, k) not in seen:
            word = tokens[k]
            found = word in STOPWORDS and walk(i, k + 1)
            n = 1
            while not found and n <= len(word) and query[i:i + n] == word[:n]:
                found = walk(i + n, k + 1)
                n += 1
            seen[i, k] = found
        return seen[i, k]

    return walk(0, 0)


def name_score(query: Form, label: Form, cache: dict | None = None) -> float:
    """How well ``query`` names ``label``, 0-100 (tiers in the module docstring).

    ``cache`` keeps word similarities across the labels scored for one query; only the
    first :data:`MAX_QUERY_WORDS` words of a query take part in word-by-word scoring."""
    if not query.norm or not label.norm:
        return 0.0
    if query.norm == label.norm:
        return 100.0
    if query.compact == label.compact:
        return 98.0
    if query.sorted_tokens == label.sorted_tokens:
        return 96.0
    if len(query.tokens) == 1 and _is_abbreviation(query.compact, label.tokens):
        return 90.0
    cache = {} if cache is None else cache

    def word_similarity(t: str, w: str) -> float:
        if (t, w) not in cache:
            cache[t, w] = _token_similarity(t, w)
        return cache[t, w]

    best = 0.0
    words = query.tokens[:MAX_QUERY_WORDS]
    per_query = [max(word_similarity(t, w) for w in label.tokens) for t in words]
    precision = (sum(_weight(t) * s for t, s in zip(words, per_query, strict=True))
                 / sum(_weight(t) for t in words))
    if precision >= 0.5:
        per_word = [max(word_similarity(t, w) for t in words) for w in label.tokens]
        recall = (sum(_weight(w) * s for w, s in zip(label.tokens, per_word, strict=True))
                  / sum(_weight(w) for w in label.tokens))
        best = 89.0 * (0.7 * precision + 0.3 * recall)
    return max(best, 89.0 * similarity(query.compact, label.compact))
