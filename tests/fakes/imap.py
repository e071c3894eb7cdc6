"""A real IMAP server for tests: pymap's in-memory ``dict`` backend, run on 127.0.0.1 in a child process."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from fakes.smtp import free_port

USER = "store@store.example.com"
PASSWORD = "imap-pass"


@contextmanager
def imap_server() -> Iterator[int]:
    """Run pymap (no TLS, no admin service) while the block runs; yield its port. The mailbox is ``USER``."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pymap.main import main; sys.exit(main())", "--host", "127.0.0.1",
         "--port", str(port), "--no-tls", "--no-service", "admin", "dict", "--demo-user", USER,
         "--demo-password", PASSWORD], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    said = process.stderr.read().decode() if process.stderr and process.poll() is not None else ""
                    raise RuntimeError(f"pymap did not start: {said}") from None
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        if process.stderr is not None:
            process.stderr.close()


def deliver(port: int, raw: bytes) -> None:
    """Put a mail into the mailbox's INBOX, as the mail server would on delivery."""
    from imapclient import IMAPClient

    with IMAPClient("127.0.0.1", port=port, ssl=False, timeout=30) as client:
        client.login(USER, PASSWORD)
        client.append("INBOX", raw)
