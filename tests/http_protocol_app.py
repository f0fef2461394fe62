"""Serve the W3C SPARQL 1.1 Protocol suite's data with the real application and gunicorn.

``python -m tests.http_protocol_app --port P`` loads ``tests/standards/w3c-sparql11/protocol/
data1.nt``..``data3.nt`` into the graphs the manifest names for them
(``http://kasei.us/2009/09/sparql/data/dataN.rdf``) plus ``data0.rdf``, which the manifest's
requests name as a default graph but give no data (an empty file), and serves
``create_app(backend=...)`` with :func:`ninek_graph.server.serve`. Relative IRIs in queries
resolve against the endpoint's own URL (Protocol, section 2.1: the base "MAY be the service
endpoint"), which the manifest's CONSTRUCT test needs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUITE = HERE / "standards" / "w3c-sparql11" / "protocol"
GRAPH_BASE = "http://kasei.us/2009/09/sparql/data/"
EMPTY_GRAPH_FILE = HERE / "data" / "http_protocol_data0.nt"


def graph_files() -> dict[str, Path]:
    files = {GRAPH_BASE + "data0.rdf": EMPTY_GRAPH_FILE}
    for path in sorted(SUITE.glob("data*.nt")):
        files[GRAPH_BASE + path.stem + ".rdf"] = path
    return files


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)

    from ninek_graph.app import create_app
    from ninek_graph.embedded import OxigraphBackend
    from ninek_graph.server import serve

    backend = OxigraphBackend.from_files(
        graph_files(), workers=2, base_iri=f"http://{args.host}:{args.port}/sparql"
    )
    app = create_app({"query_timeout": 10}, backend=backend)
    serve(app, host=args.host, port=args.port, workers=1, threads=4, timeout=10)


if __name__ == "__main__":
    main()
