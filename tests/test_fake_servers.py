"""The fake HTTP services the delivery tests run against stay quiet when a client hangs up mid-answer."""

from __future__ import annotations

import socket
import threading

import pytest

from fakes.local_server import JsonHandler, serving


def test_a_client_hanging_up_before_the_answer_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    # Fault tests make clients time out on purpose; the handler then writes into a closed socket, maybe after its
    # test has ended, and a traceback printed then landed in another test's captured stderr (CI, session 7).
    answered, gone = threading.Event(), threading.Event()
    handlers: list[threading.Thread] = []

    class Slow(JsonHandler):
        def do_GET(self) -> None:
            handlers.append(threading.current_thread())
            assert gone.wait(30)  # answer only once the client has hung up
            try:
                for _ in range(50):  # enough writes for the peer's reset to surface as an error
                    self._answer(200, {"pad": "x" * 65536})
            finally:
                answered.set()

    with serving(Slow) as url:
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as client:
            client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        gone.set()
        assert answered.wait(30)
        # The server's error handling runs on the handler's thread after do_GET: wait for that thread to end.
        [handler] = handlers
        handler.join(30)
        assert not handler.is_alive()
    assert "Traceback" not in capsys.readouterr().err
