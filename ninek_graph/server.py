"""Serve the application with gunicorn's process management and our front (waitress's
channels, see :mod:`.http_front`) in each worker.

The application, and with it the store, is created once in gunicorn's master process
(``preload_app``) and inherited by the workers through fork, so a worker starts serving
immediately and the loaded store's memory is shared copy-on-write. Each worker forks its own
query processes on first use (see :mod:`.workers`). In each worker an event loop reads whole
requests (with size limits and deadlines) before one of its threads runs them, and sends the
answers, so slow or greedy clients hold no thread.
"""

from __future__ import annotations

import gc
from typing import Any

from gunicorn.app.base import BaseApplication

from .http_front import FrontLimits, header_limit

WORKER_CLASS = "ninek_graph.http_front.FrontWorker"
#: Connections one worker holds at most (gunicorn's worker_connections); beyond them it stops
#: accepting until some close (the deadlines of :mod:`.http_front` see that they do).
WORKER_CONNECTIONS = 1000


class _Gunicorn(BaseApplication):
    def __init__(self, app, options: dict[str, Any], front_limits: FrontLimits):
        self._app = app
        self._options = options
        self.front_limits = front_limits  # read by the worker (http_front.FrontWorker)
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        return self._app


def front_limits(config) -> FrontLimits:
    """The front's limits from the application's settings."""
    return FrontLimits(header_bytes=header_limit(int(config.get("MAX_QUERY_LENGTH", 20_000))),
                       body_bytes=int(config.get("MAX_REQUEST_KIB", 1024)) << 10,
                       queued_requests=max(1, int(config.get("MAX_QUEUED_REQUESTS", 32))),
                       queue_wait_s=float(config.get("QUERY_TIMEOUT", 10.0)))


def serve(app, *, host: str, port: int, workers: int, threads: int,
          timeout: float, access_log: bool = False) -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": WORKER_CLASS,
        "worker_connections": WORKER_CONNECTIONS,
        "preload_app": True,
        # gunicorn's own timeout is a last resort above the query timeout
        "timeout": int(timeout) + 30,
        "graceful_timeout": 5,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "ninek-graph",
    }
    # Objects made so far (the store's Python side, the page and search indexes) are never
    # freed: keep the collector away from them, so that forked workers share their memory
    # pages instead of each copying them as the collector touches them.
    gc.collect()
    gc.freeze()
    _Gunicorn(app, options, front_limits(app.config)).run()
