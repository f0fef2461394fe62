"""``ninek-graph serve`` without the "build when dist/ is stale" step, for synthetic graphs.

The same application (:func:`ninek_graph.app.create_app`) on the same gunicorn settings
(:func:`ninek_graph.server.serve`), on the dumps ``NINEK_DIST`` names. The command itself would
see a synthetic dist/ as stale (its manifest does not match the source) and rebuild the real
graph over it.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    from ninek_graph.app import create_app
    from ninek_graph.server import serve

    app = create_app()
    serve(app, host=args.host, port=args.port, workers=app.config["SERVER_WORKERS"],
          threads=app.config["SERVER_THREADS"], timeout=app.config["QUERY_TIMEOUT"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
