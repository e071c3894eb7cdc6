"""A real SMTP server for tests (aiosmtpd on 127.0.0.1) that keeps what it receives and can misbehave."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiosmtpd.controller import Controller


class Inbox:
    """An aiosmtpd handler: ``received`` holds (MAIL FROM, RCPT TOs, raw message) for each message."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.rcpt_reply: str | None = None
        self.drop_after_data = False
        #: Replies to the next RCPTs, one each (e.g. "451 4.3.0 try later"), before ``rcpt_reply``.
        self.rcpt_replies: list[str] = []
        #: Addresses refused for good ("550 no such user").
        self.refused: set[str] = set()
        #: Messages after which to drop the connection unanswered, counted down.
        self.drops = 0
        #: Seconds to wait after taking a message before answering DATA (a kill -9 lands in this window).
        self.delay_after_data_s = 0.0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.rcpt_replies:
            return self.rcpt_replies.pop(0)
        if address in self.refused:
            return "550 5.1.1 no such user"
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        if self.delay_after_data_s:
            await asyncio.sleep(self.delay_after_data_s)
        if self.drops > 0:
            self.drops -= 1
            server.transport.close()
        elif self.drop_after_data:
            # The server took the message but the client never hears so: the ambiguous window.
            server.transport.close()
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def smtp_server(**kwargs: Any) -> Iterator[tuple[Inbox, int]]:
    """Run an SMTP server on 127.0.0.1 while the block runs; yield its inbox and port."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()
