"""What every fake HTTP service here shares: a server on 127.0.0.1 in a thread, and JSON answers."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class QuietServer(ThreadingHTTPServer):
    """A threading server that says nothing when a client hangs up before its answer is written.

    Fault tests make clients time out or die mid-request on purpose. The handler thread then meets a broken pipe,
    possibly after its test has ended, and the default ``handle_error`` printed the traceback on whatever test was
    capturing stderr at that moment (``test_settings.py::test_cli_list_get_set`` failed on it in CI).
    """

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # broken pipe, reset or aborted
            super().handle_error(request, client_address)


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on a free port of 127.0.0.1 in a thread; yield its base URL; stop it on leaving."""
    server = QuietServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class JsonHandler(BaseHTTPRequestHandler):
    """A quiet keep-alive handler that answers JSON."""

    protocol_version = "HTTP/1.1"
    # Headers and body go in two writes: without TCP_NODELAY each kept-alive answer waits out a delayed ACK.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def _answer(self, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
