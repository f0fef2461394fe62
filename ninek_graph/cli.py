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


def _ensure_built(dist: Path) -> None:
    from .build import build_dist, is_stale

    if is_stale(dist):
        print(f"dist/ is missing or stale: building into {dist}/ ...", file=sys.stderr)
        build_dist(dist)


def _cmd_serve(args: argparse.Namespace) -> int:
    from .app import create_app
    from .server import serve

    config = {"query_timeout": args.timeout} if args.timeout else {}
    if args.endpoint:
        config["endpoint"] = args.endpoint
    else:
        _ensure_built(Path(paths.DIST_DIR))
    app = create_app(config)
    print(f"ninek-graph serving on http://{args.host}:{args.port}/ "
          f"({'endpoint ' + args.endpoint if args.endpoint else 'embedded store'})",
          file=sys.stderr)
    serve(app, host=args.host, port=args.port, workers=app.config["SERVER_WORKERS"],
          threads=app.config["SERVER_THREADS"], timeout=app.config["QUERY_TIMEOUT"],
          access_log=args.access_log)
    return EXIT_OK


def _cmd_query(args: argparse.Namespace) -> int:
    from .canned import ParameterError, all_queries
    from .query_cli import run_query

    if args.list or not args.name:
        for name, query in all_queries().items():
            params = " ".join(f"--param {p.name}=..." for p in query.parameters)
            print(f"{name:24s} {query.title}" + (f"  [{params}]" if params else ""))
        return EXIT_OK
    raw = {}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep:
            raise ParameterError(f"--param needs key=value, got {item!r}")
        raw[key.strip()] = value
    if not args.endpoint:
        _ensure_built(Path(paths.DIST_DIR))
    sys.stdout.write(run_query(args.name, raw, args.format, endpoint=args.endpoint))
    return EXIT_OK


def _cmd_load(args: argparse.Namespace) -> int:
    from .backend import DATA_GRAPH, ONTOLOGY_GRAPH
    from .loader import LoadError, load_into_endpoint

    dist = Path(paths.DIST_DIR)
    _ensure_built(dist)
    try:
        report = load_into_endpoint(
            args.endpoint,
            {DATA_GRAPH: dist / "ninek.nt", ONTOLOGY_GRAPH: dist / "ontology.nt"},
            user=args.user, password=args.password, auth=args.auth,
            progress=lambda message: print(message, file=sys.stderr),
        )
    except LoadError as error:
        print(f"ninek-graph load: {error}", file=sys.stderr)
        return EXIT_ERROR
    for graph, count in report.held.items():
        print(f"<{graph}> now holds {count} triples at {args.endpoint}")
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

    serve = sub.add_parser("serve", help="serve the graph: SPARQL endpoint, queries, pages")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--endpoint", default="",
                       help="query this external SPARQL endpoint instead of the embedded store")
    serve.add_argument("--timeout", type=float, default=None,
                       help="query time limit in seconds (default: setting query_timeout)")
    serve.add_argument("--access-log", action="store_true", help="log every request")
    serve.set_defaults(func=_cmd_serve)

    query = sub.add_parser("query", help="run a canned query (no NAME: list them)")
    query.add_argument("name", nargs="?", help="canned query name (see queries/)")
    query.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                       help="a parameter of the query; repeat for several")
    query.add_argument("--format", choices=("table", "json", "csv", "tsv", "xml"),
                       default="table", help="table (default), or SPARQL JSON/XML, CSV, TSV")
    query.add_argument("--endpoint", default="", help="query an external SPARQL endpoint")
    query.add_argument("--list", action="store_true", help="list the canned queries")
    query.set_defaults(func=_cmd_query)

    load = sub.add_parser("load", help="load the dumps into an external SPARQL store")
    load.add_argument("--endpoint", required=True,
                      help="its SPARQL Update URL (Virtuoso: http://HOST:8890/sparql-auth)")
    load.add_argument("--user", default=None, help="user for the update endpoint")
    load.add_argument("--password", default=None, help="password for the update endpoint")
    load.add_argument("--auth", choices=("digest", "basic"), default="digest")
    load.set_defaults(func=_cmd_load)
    return top


def main(argv: list[str] | None = None) -> int:
    from .backend import QueryError
    from .interpret import InterpretationError
    from .sandbox import SandboxUnavailable
    from .source import SourceError

    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (SourceError, InterpretationError) as error:
        print(f"ninek-graph {args.command}: {error}", file=sys.stderr)
        print("Nothing was written; the previous dist/ is unchanged.", file=sys.stderr)
        return EXIT_ERROR
    except QueryError as error:
        print(f"ninek-graph {args.command}: {error.message}", file=sys.stderr)
        return EXIT_ERROR
    except (FileNotFoundError, ConnectionError, SandboxUnavailable) as error:
        print(f"ninek-graph {args.command}: {error}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
