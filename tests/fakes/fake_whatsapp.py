"""A fake WhatsApp Cloud API (Meta's Graph API) on 127.0.0.1, speaking its documented JSON.

* ``POST /v21.0/{phone-number-id}/messages`` (Bearer token; ``text``, ``image`` or ``template`` messages):
  ``{"messaging_product": "whatsapp", "contacts": [{"input", "wa_id"}], "messages": [{"id": "wamid..."}]}``,
  or ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``: 131026 (undeliverable),
  131050 (stopped marketing), 130429 (throughput), 190 (HTTP 401: bad token).
* ``POST /v21.0/{phone-number-id}/media`` (multipart): ``{"id": "<media id>"}``.
* ``GET /v21.0/{waba-id}/message_templates?name=``: ``{"data": [...], "paging": {...}}``.

Faults for the next message POSTs: ``drop_after`` (recorded, connection closed unanswered), ``500_after``,
``130429`` (nothing recorded).
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from fakes.local_server import JsonHandler, serving

PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"
TOKEN = "fake-whatsapp-token"
TEMPLATE = "new_arrivals"


@dataclass
class FakeWhatsApp:
    messages: list[dict[str, Any]] = field(default_factory=list)
    media: list[bytes] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    undeliverable: set[str] = field(default_factory=set)  # wa ids (digits): 131026
    stopped_marketing: set[str] = field(default_factory=set)  # 131050
    template_status: str = "APPROVED"
    delay_after_s: float = 0.0
    posts: int = 0
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def record(self, payload: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            message = {"id": f"wamid.HBgL{next(self._ids):020d}", **payload}
            self.messages.append(message)
        return message

    @staticmethod
    def text_of(message: dict[str, Any]) -> str:
        if message.get("type") == "text":
            return str(message["text"]["body"])
        if message.get("type") == "image":
            return str(message["image"].get("caption", ""))
        body = [c for c in message["template"]["components"] if c["type"] == "body"]
        return str(body[0]["parameters"][-1]["text"]) if body else ""

    def delivered(self, to: str, text: str | None = None) -> list[dict[str, Any]]:
        to = to.lstrip("+")
        return [m for m in self.messages if m["to"] == to and (text is None or self.text_of(m) == text)]

    @contextmanager
    def running(self) -> Iterator[FakeWhatsApp]:
        with serving(_handler(self)) as url:
            self.url = url
            yield self


def _handler(fake: FakeWhatsApp) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def _error(self, status: int, code: int, message: str) -> None:
            self._answer(status, {"error": {"message": message, "type": "OAuthException", "code": code,
                                            "error_data": {"messaging_product": "whatsapp", "details": message},
                                            "fbtrace_id": "AbCdEf"}})

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self._error(401, 190, "Error validating access token")
                return False
            return True

        def do_GET(self) -> None:
            url = urllib.parse.urlparse(self.path)
            if not self._authorised():
                return None
            if url.path != f"/v21.0/{WABA_ID}/message_templates":
                return self._error(400, 100, "Unsupported get request")
            name = urllib.parse.parse_qs(url.query).get("name", [""])[0]
            data = [{"name": TEMPLATE, "language": "en_US", "status": fake.template_status, "category": "MARKETING",
                     "id": "1234567890",
                     "components": [{"type": "HEADER", "format": "IMAGE"},
                                    {"type": "BODY", "text": "Hi {{1}}, {{2}}"},
                                    {"type": "FOOTER", "text": "Reply STOP to opt out"}]}]
            self._answer(200, {"data": [t for t in data if not name or t["name"] == name],
                               "paging": {"cursors": {"before": "MAZDZD", "after": "MjQZD"}}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            path = urllib.parse.urlparse(self.path).path
            if not self._authorised():
                return None
            if path == f"/v21.0/{PHONE_NUMBER_ID}/media":
                fake.media.append(raw)
                return self._answer(200, {"id": f"{9000 + len(fake.media)}"})
            if path != f"/v21.0/{PHONE_NUMBER_ID}/messages":
                return self._error(400, 100, "Unsupported post request")
            payload = json.loads(raw or b"{}")
            fake.posts += 1
            kind = fake.faults.pop(0) if fake.faults else ""
            if kind == "130429":
                return self._error(400, 130429, "Rate limit hit")
            to = str(payload.get("to", ""))
            if to in fake.stopped_marketing:
                return self._error(400, 131050, "Unable to deliver the message. This recipient has chosen to stop "
                                                "receiving marketing messages on WhatsApp from your business.")
            if to in fake.undeliverable:
                return self._error(400, 131026, "Message Undeliverable")
            message = fake.record(payload)
            if kind == "drop_after":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return None
            if kind == "500_after":
                return self._error(500, 1, "An unknown error occurred")
            time.sleep(fake.delay_after_s)
            return self._answer(200, {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
                                      "messages": [{"id": message["id"], "message_status": "accepted"}]})

    return Handler
