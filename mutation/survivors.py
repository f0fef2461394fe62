"""How each surviving mutant is accounted for, keyed by its label ``file:line: description``.

A survivor is either killed by a test added since (name the test) or equivalent: no input
can tell it from the original (say why). Line numbers are those of the commit the run used;
after product edits move lines, re-run and re-key.
"""

from __future__ import annotations

SURVIVORS: dict[str, str] = {}
