"""Render mutation/results.json as the Markdown table and survivor list of results.md."""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

from mutation.survivors import SURVIVORS
from mutation.targets import TARGETS

ROOT = Path(__file__).resolve().parent.parent


@cache
def _lines(commit: str, path: str) -> list[str]:
    """The lines of ``path`` as of ``commit`` (the code the mutants were made from)."""
    shown = subprocess.run(
        ["git", "show", f"{commit}:{path}"], cwd=ROOT, capture_output=True, text=True
    )
    return shown.stdout.splitlines() if shown.returncode == 0 else []


def _source_line(commit: str, mutant: dict) -> str:
    lines = _lines(commit, mutant["file"])
    line = lines[mutant["line"] - 1].strip() if 0 < mutant["line"] <= len(lines) else ""
    return line.replace("`", "'")[:90]


_HEADER = (
    "| target | files | mutants run | of | killed | timed out | survived "
    "| killed by a new test | equivalent | score | raw score | minutes | commit |"
)

_INTRO = """\
# Mutation testing

Measured by `mutation/run.sh` (see `mutation/__main__.py`): one small bug planted at a
time in a copy of the committed tree, the target's test files run against it (`-x`).
**Killed** means a test failed, **timed out** that the run took over 3x the unmutated
run + 20 s (counted as caught: a hang is noticed), **survived** that every test passed.
*Raw score* = (killed + timed out) / mutants run, as measured. *Score* also counts the
survivors that a test added since kills when they are run again (`--recheck`, measured, not
claimed), and leaves the equivalent survivors (no input can tell them from the original)
out of the denominator. Where a module has more mutants than
`--max-mutants`, a seeded random sample was run (column *of*: all mutants of the module).
"""


def _label(mutant: dict) -> str:
    return f"{mutant['file']}:{mutant['line']}: {mutant['description']}"


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def _rechecked(record: dict) -> dict[str, str]:
    return record.get("recheck", {}).get("mutants", {})


def _counts(record: dict) -> dict[str, int]:
    mutants = record["mutants"]
    survivors = [_label(m) for m in mutants if m["status"] == "survived"]
    again = _rechecked(record)
    killed_later = sum(again.get(label) in ("killed", "timeout") for label in survivors)
    equivalent = sum(
        SURVIVORS.get(label, "").startswith("equivalent")
        and again.get(label) not in ("killed", "timeout")
        for label in survivors
    )
    return {
        "run": len(mutants),
        "killed": sum(m["status"] == "killed" for m in mutants),
        "timeout": sum(m["status"] == "timeout" for m in mutants),
        "survived": len(survivors),
        "killed_later": killed_later,
        "equivalent": equivalent,
    }


def _row(name: str, files: str, total: str, c: dict[str, int], minutes: float, commit: str) -> str:
    caught = c["killed"] + c["timeout"]
    score = _percent(caught + c["killed_later"], c["run"] - c["equivalent"])
    cells = [
        name, files, c["run"], total, c["killed"], c["timeout"], c["survived"],
        c["killed_later"], c["equivalent"], score, _percent(caught, c["run"]),
        f"{minutes:.1f}", commit,
    ]  # fmt: skip
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def render(results: dict) -> str:
    targets = results["targets"]
    lines = [_INTRO, _HEADER, "|---|---|" + "---:|" * 10 + "---|"]
    total: dict[str, int] = {}
    minutes = 0.0
    for name, record in targets.items():
        files = ", ".join(f"`{f}`" for f in record["files"])
        if record.get("error"):
            lines.append(f"| {name} | {files} | {record['error']} |")
            continue
        counts = _counts(record)
        for key, value in counts.items():
            total[key] = total.get(key, 0) + value
        minutes += record["wall_seconds"] / 60
        lines.append(
            _row(name, files, str(record["total_mutants"]), counts, record["wall_seconds"] / 60,
                 record["commit"])
        )  # fmt: skip
    if total:
        lines.append(_row("**all**", "", "", total, minutes, ""))
    lines += ["", "## Survivors", ""]
    survivors = [
        (r, m) for r in targets.values() for m in r["mutants"] if m["status"] == "survived"
    ]
    if not survivors:
        lines.append("None.")
    for record, mutant in survivors:
        label = _label(mutant)
        note = SURVIVORS.get(label, "**not yet classified**")
        again = _rechecked(record).get(label)
        if again is not None:
            note += f" (re-run at {record['recheck']['commit']}: {again})"
        code = _source_line(record["commit"], mutant)
        lines.append(f"- `` {label} `` (in `{code}`): {note}")
    lines += ["", "## How each target was run", ""]
    for name, record in targets.items():
        sample = f"a sample of {record.get('sampled')} (seed {record.get('seed')})"
        how = (
            sample
            if record.get("sampled") and record["total_mutants"] > len(record["mutants"])
            else "all mutants"
        )
        without = f"; without {record['without']}" if record.get("without") else ""
        recheck = record.get("recheck")
        again = f"; survivors re-run at {recheck['commit']}" if recheck else ""
        lines.append(
            f"- {name}: {how} at {record['commit']}, {record.get('jobs', 1)} job(s), unmutated "
            f"tests {record.get('baseline_seconds', '?')} s{without}{again}; tests: "
            + ", ".join(f"`{t}`" for t in record["tests"])
        )
    notes = ROOT / "mutation" / "notes.md"
    if notes.exists():
        lines += ["", notes.read_text(encoding="utf-8").rstrip()]
    missing = [t.name for t in TARGETS if t.name not in targets]
    if missing:
        lines += ["", "Not run yet: " + ", ".join(missing) + "."]
    timed = [(n, m) for n, r in targets.items() for m in r["mutants"] if m["status"] == "timeout"]
    if timed:
        lines += ["", "## Timed out (counted as caught)", ""]
        lines += [f"- `` {_label(m)} `` ({n})" for n, m in timed]
    return "\n".join(lines) + "\n"
