"""Mutation testing: plant one small bug at a time, run the tests that should catch it.

Usage: ``mutation/run.sh [--modules keys,negotiation] [--max-mutants 40] [--jobs 1]``.

Why a mutator of our own rather than mutmut or cosmic-ray: the tests build the graph, fork
query workers, start servers and copy the package (tests/repo_copy.py), so the mutated code
must be an ordinary package on disk, in a plain copy of the repository, not a trampoline
inside the working tree; and the SHACL shapes need a mutator anyway. The copy is taken from
``git archive HEAD`` into a temporary directory (never the working tree, which others edit);
each mutant is written into the copy, the target's test files run there with the project's
venv (``-x``: the first failure kills it), and the file is put back. A run longer than
``--timeout-factor`` times the unmutated run (plus 20 s) is stopped and counted as timed out.

Results merge into mutation/results.json per target (a later run of some modules keeps the
others) and are rendered to mutation/results.md with every survivor and its classification
from mutation/survivors.py.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mutation.mutants import Mutant, mutants_for
from mutation.report import render
from mutation.targets import BY_NAME, TARGETS, Target

ROOT = Path(__file__).resolve().parent.parent
RESULTS_JSON = ROOT / "mutation" / "results.json"
RESULTS_MD = ROOT / "mutation" / "results.md"
PYTHON = ROOT / ".venv" / "bin" / "python"
PYTEST_ARGS = ("-x", "-q", "-p", "no:cacheprovider", "-o", "addopts=")


def _copy_head(into: Path) -> None:
    archive = subprocess.run(
        ["git", "archive", "HEAD"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    (into / ".venv").symlink_to(ROOT / ".venv")


def _run_tests(copy: Path, tests: tuple[str, ...], timeout: float) -> tuple[str, float]:
    """Run the tests in ``copy``; 'passed', 'failed' or 'timeout', and the seconds taken."""
    env = dict(os.environ, PYTHONPATH=str(copy), PYTHONDONTWRITEBYTECODE="1")
    env.pop("NINEK_DIST", None)
    started = time.monotonic()
    process = subprocess.Popen(
        [str(PYTHON), "-m", "pytest", *PYTEST_ARGS, *tests],
        cwd=copy,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return "timeout", time.monotonic() - started
    finally:
        try:  # forked workers or servers a killed test left behind
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return ("passed" if code == 0 else "failed"), time.monotonic() - started


def _select(
    target: Target, tree: Path, max_mutants: int | None, seed: str
) -> tuple[list[Mutant], int]:
    """The target's mutants from the files under ``tree``, sampled if there are too many."""
    found: list[Mutant] = []
    for relative in target.files:
        found.extend(mutants_for(relative, (tree / relative).read_bytes()))
    total = len(found)
    if max_mutants is not None and total > max_mutants:
        found = sorted(
            random.Random(f"{seed}:{target.name}").sample(found, max_mutants),
            key=lambda m: (m.file, m.start),
        )
    return found, total


def _run_target(
    target: Target, copies: list[Path], args: argparse.Namespace, only: set[str] | None = None
) -> dict:
    """Run the target's mutants (or, with ``only``, the mutants of those labels)."""
    # Mutants are drawn from HEAD's text (the copy), so offsets match what is mutated.
    base = copies[0]
    found, total = _select(target, base, None if only else args.max_mutants, args.seed)
    left_out = set(filter(None, args.without.split(","))) if only is None else set()
    target = Target(target.name, target.files, tuple(t for t in target.tests if t not in left_out))
    if only is not None:
        found = [m for m in found if m.label in only]
    outcome, baseline = _run_tests(base, target.tests, timeout=900)
    print(
        f"[{target.name}] {len(found)}/{total} mutants; "
        f"unmutated tests {outcome} in {baseline:.1f}s",
        flush=True,
    )
    record = {
        "name": target.name,
        "files": list(target.files),
        "tests": list(target.tests),
        "total_mutants": total,
        "baseline_seconds": round(baseline, 1),
        "mutants": [],
    }
    if outcome != "passed":
        record["error"] = f"the unmutated tests {outcome}; no mutants run"
        return record
    timeout = baseline * args.timeout_factor + 20
    started = time.monotonic()

    def one(job: tuple[int, Mutant]) -> dict:
        index, mutant = job
        copy = copies[index % len(copies)]
        path = copy / mutant.file
        original = path.read_bytes()
        try:
            path.write_bytes(mutant.apply(original))
            result, seconds = _run_tests(copy, target.tests, timeout)
        finally:
            path.write_bytes(original)
        status = {"passed": "survived", "failed": "killed", "timeout": "timeout"}[result]
        print(f"  {status:8} {seconds:6.1f}s  {mutant.label}", flush=True)
        return {
            "file": mutant.file,
            "line": mutant.line,
            "description": mutant.description,
            "replacement": mutant.replacement.decode(errors="replace"),
            "status": status,
            "seconds": round(seconds, 1),
        }

    if len(copies) == 1:
        record["mutants"] = [one(job) for job in enumerate(found)]
    else:
        with ThreadPoolExecutor(len(copies)) as pool:
            # Each copy runs one mutant at a time: job i goes to copy i % jobs, in order.
            lanes = [
                [job for job in enumerate(found) if job[0] % len(copies) == lane]
                for lane in range(len(copies))
            ]
            done = pool.map(lambda lane: [one(job) for job in lane], lanes)
            record["mutants"] = sorted(
                (m for lane in done for m in lane),
                key=lambda m: (m["file"], m["line"], m["description"]),
            )
    record["seconds"] = round(time.monotonic() - started, 1)
    return record


def _label(mutant: dict) -> str:
    return f"{mutant['file']}:{mutant['line']}: {mutant['description']}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mutation", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--modules",
        help="comma-separated target names (default: all): " + ", ".join(t.name for t in TARGETS),
    )
    parser.add_argument("--max-mutants", type=int, help="sample at most this many per target")
    parser.add_argument("--seed", default="15", help="seed of the sample (default 15)")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once (default 1)")
    parser.add_argument("--timeout-factor", type=float, default=3.0)
    parser.add_argument(
        "--without",
        default="",
        help="comma-separated test files left out of every target (e.g. "
        "tests/test_mutation_kills.py, to measure the suite as it was before those tests; "
        "--recheck then runs the survivors with all the tests)",
    )
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--render", action="store_true", help="only re-render results.md")
    parser.add_argument(
        "--recheck",
        action="store_true",
        help="run again only the survivors recorded in results.json (against the tests now "
        "committed) and record which are killed now",
    )
    args = parser.parse_args(argv)
    names = args.modules.split(",") if args.modules else [t.name for t in TARGETS]
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        parser.error(f"unknown target(s) {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
    results = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else {"targets": {}}
    if args.render:
        RESULTS_MD.write_text(render(results), encoding="utf-8")
        return 0
    if args.list:
        for name in names:
            found, total = _select(BY_NAME[name], ROOT, args.max_mutants, args.seed)
            for mutant in found:
                print(mutant.label)
        return 0
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    copies = [Path(tempfile.mkdtemp(prefix="mut-")) for _ in range(max(1, args.jobs))]
    try:
        for copy in copies:
            _copy_head(copy)
        for name in names:
            started = time.monotonic()
            if args.recheck:
                old = results["targets"].get(name)
                if old is None:
                    continue
                labels = {_label(m) for m in old["mutants"] if m["status"] == "survived"}
                again = _run_target(BY_NAME[name], copies, args, only=labels)
                old["recheck"] = {
                    "commit": commit,
                    "tests": again["tests"],
                    "mutants": {_label(m): m["status"] for m in again["mutants"]},
                }
                RESULTS_JSON.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
                RESULTS_MD.write_text(render(results), encoding="utf-8")
                continue
            record = _run_target(BY_NAME[name], copies, args)
            record["wall_seconds"] = round(time.monotonic() - started, 1)
            record["commit"] = commit
            record["jobs"] = args.jobs
            record["sampled"] = args.max_mutants
            record["seed"] = args.seed
            record["without"] = args.without
            results["targets"][name] = record
            RESULTS_JSON.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
            RESULTS_MD.write_text(render(results), encoding="utf-8")
    finally:
        for copy in copies:
            shutil.rmtree(copy, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
