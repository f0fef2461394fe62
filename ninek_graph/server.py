"""Serve the application with gunicorn, a production WSGI server.

The application, and with it the store, is created once in gunicorn's master process
(``preload_app``) and inherited by the workers through fork, so a worker starts serving
immediately and the loaded store's memory is shared copy-on-write. Each worker forks its own
query processes on first use (see :mod:`.workers`).
"""

from __future__ import annotations

import gc
from typing import Any

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, app, options: dict[str, Any]):
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        return self._app


def serve(app, *, host: str, port: int, workers: int, threads: int,
          timeout: float, access_log: bool = False) -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "preload_app": True,
        # gunicorn's own timeout is a last resort above the query timeout
        "timeout": int(timeout) + 30,
        "graceful_timeout": 5,
        "keepalive": 5,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "loglevel": "warning",
        # 0: no line limit of gunicorn's own (it caps explicit values at 8190), so a GET
        # query up to the max_query_length setting is refused by us with a clear 400
        "limit_request_line": 0,
        "proc_name": "ninek-graph",
    }
    # Objects made so far (the store's Python side, the page and search indexes) are never
    # freed: keep the collector away from them, so that forked workers share their memory
    # pages instead of each copying them as the collector touches them.
    gc.collect()
    gc.freeze()
    _Gunicorn(app, options).run()
