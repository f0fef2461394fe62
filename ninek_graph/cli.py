"""The ``ninek-graph`` command line.

Each command is a thin shell over a module that does the work, so that the same work is
reachable from Python: ``build`` (:mod:`.build`), ``validate`` (:mod:`.validate`), ``stats``
(:mod:`.stats`). Errors a user can fix (a damaged source, a bad curated file, a failed
validation) end with a one-paragraph message and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import paths

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2


def _cmd_build(args: argparse.Namespace) -> int:
    from .build import build_dist

    manifest = build_dist(Path(args.dist))
    print(f"built {manifest['triples']} triples into {args.dist}/ (build {manifest['build_id']})")
    for name, info in manifest["files"].items():
        print(f"  {name:14s} {info['bytes']:>9d} bytes  sha256 {info['sha256'][:16]}…")
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from .validate import validate_dump

    dump = Path(args.dist) / "ninek.nt"
    if not dump.exists():
        from .build import build_dist

        build_dist(Path(args.dist))
    report = validate_dump(dump)
    if args.format == "json":
        print(report.as_json())
    else:
        print(report.as_text())
    return EXIT_OK if report.conforms else EXIT_INVALID


def _cmd_stats(args: argparse.Namespace) -> int:
    import ninek_graph

    from .stats import as_text, statistics

    stats = statistics(ninek_graph.load(Path(args.dist) / "ninek.nt" if args.dist else None))
    print(json.dumps(stats, indent=2) if args.format == "json" else as_text(stats))
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="ninek-graph",
        description="The 9-kommunesamarbeidet i Vestfold project overview as linked data.",
    )
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = sub.add_parser("build", help="build the graph and write the dumps to dist/")
    build.add_argument("--dist", default=str(paths.DIST_DIR), help="output directory")
    build.set_defaults(func=_cmd_build)

    validate = sub.add_parser("validate", help="SHACL-validate the built graph")
    validate.add_argument("--dist", default=str(paths.DIST_DIR), help="directory of the dumps")
    validate.add_argument("--format", choices=("text", "json"), default="text")
    validate.set_defaults(func=_cmd_validate)

    stats = sub.add_parser("stats", help="counts per class, triples and links")
    stats.add_argument("--dist", default=None, help="directory of the dumps (default dist/)")
    stats.add_argument("--format", choices=("text", "json"), default="text")
    stats.set_defaults(func=_cmd_stats)
    return top


def main(argv: list[str] | None = None) -> int:
    from .interpret import InterpretationError
    from .source import SourceError

    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (SourceError, InterpretationError) as error:
        print(f"ninek-graph {args.command}: {error}", file=sys.stderr)
        print("Nothing was written; the previous dist/ is unchanged.", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
