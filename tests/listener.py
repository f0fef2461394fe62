"""A TCP listener on a free 127.0.0.1 port that counts the connections it accepts.

The oracle of the no-network tests: whatever the guard or the sandbox claims, a connection
that reaches this listener is what counts.
"""

from __future__ import annotations

import socket
import threading
import time


class Listener:
    """Accepts and counts TCP connections on a free 127.0.0.1 port until closed."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def settled(self, grace: float = 0.5) -> int:
        """The count after ``grace`` seconds, so that a late connection is counted too."""
        time.sleep(grace)
        return self.connections

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()
