"""Readable, stable IRI slugs from Norwegian names.

Slugs are ASCII so that IRIs are easy to type and cite: æ -> ae, ø -> o, å -> a, other
diacritics dropped, anything else not a letter or digit becomes a single hyphen.
"""

from __future__ import annotations

import re
import unicodedata

_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "ae", "Ø": "o", "Å": "a"})


def slugify(text: str) -> str:
    """Return the slug of ``text``: ``"Tønsberg"`` -> ``"tonsberg"``, ``"Næringsarealer (2)"``
    -> ``"naeringsarealer-2"``."""
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD))
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
