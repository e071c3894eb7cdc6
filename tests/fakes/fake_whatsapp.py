"""A fake WhatsApp Cloud API (Meta's Graph API) on 127.0.0.1, speaking its documented JSON.

* ``POST /v21.0/{phone-number-id}/messages`` (Bearer token; ``text``, ``image`` or ``template`` messages):
  ``{"messaging_product": "whatsapp", "contacts": [{"input", "wa_id"}], "messages": [{"id": "wamid..."}]}``,
  or Meta's documented error shape ``{"error": {"message", "type", "code", "error_data": {"messaging_product",
  "details"}, "fbtrace_id"}}`` (:data:`ERRORS`, from Meta's "WhatsApp error codes" reference): 131026
  (undeliverable), 131050 (stopped marketing), 130429 (throughput), 190 (HTTP 401: bad token) ...
* ``POST /v21.0/{phone-number-id}/media`` (multipart): ``{"id": "<media id>"}``.
* ``GET /v21.0/{waba-id}/message_templates?name=``: ``{"data": [...], "paging": {...}}``.

Faults for the next message POSTs: ``drop_after`` (recorded, connection closed unanswered), ``500_after``,
or any code of :data:`ERRORS` as text (``"130429"``, ``"131048"``, ``"132015"``: nothing recorded).

:func:`webhook_post` sends a Meta-shaped webhook delivery (signed with the app secret) to a receiver.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from fakes.local_server import JsonHandler, serving

PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"
TOKEN = "fake-whatsapp-token"
TEMPLATE = "new_arrivals"
APP_SECRET = "fake-app-secret"
VERIFY_TOKEN = "fake-verify-token"

#: Meta's codes (https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes/):
#: HTTP status, the title (in ``message``) and ``error_data.details``.
ERRORS: dict[int, tuple[int, str, str]] = {
    130429: (400, "Rate limit hit", "Cloud API message throughput has been reached."),
    131026: (400, "Message Undeliverable", "Unable to deliver message."),
    131047: (400, "Re-engagement message", "Message failed to send because more than 24 hours have passed since "
                                           "the customer last replied to this number."),
    131048: (400, "Spam rate limit hit", "Message failed to send because there are restrictions on how many "
                                         "messages can be sent from this phone number."),
    131049: (400, "This message was not delivered to maintain healthy ecosystem engagement.",
             "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."),
    131050: (400, "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on "
                  "WhatsApp from your business.", "This recipient has chosen to stop receiving marketing messages."),
    131056: (400, "(Business Account, Consumer Account) pair rate limit hit",
             "Too many messages sent from the sender phone number to the same recipient phone number in a short "
             "period of time."),
    132000: (400, "Number of parameters does not match the expected number of params",
             "body: number of localizable_params (1) does not match the expected number of params (2)"),
    132001: (404, "Template name does not exist in the translation", "template name (x) does not exist in en_US"),
    132015: (400, "Template is Paused", "Template is paused due to low quality so it cannot be sent."),
    132016: (400, "Template is Disabled", "Template has been paused too many times due to low quality."),
    190: (401, "Error validating access token", "Your access token has expired."),
}


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
        def _error(self, status: int, code: int, message: str, details: str | None = None) -> None:
            self._answer(status, {"error": {"message": f"(#{code}) {message}", "type": "OAuthException",
                                            "code": code,
                                            "error_data": {"messaging_product": "whatsapp",
                                                           "details": details or message},
                                            "fbtrace_id": "AbCdEf"}})

        def _meta(self, code: int) -> None:
            status, title, details = ERRORS[code]
            self._error(status, code, title, details)

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
            if kind.isdigit():
                return self._meta(int(kind))
            to = str(payload.get("to", ""))
            if to in fake.stopped_marketing:
                return self._meta(131050)
            if to in fake.undeliverable:
                return self._meta(131026)
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


# -- the webhook, as Meta sends it ---------------------------------------------------------------------------------
def inbound(wa_id: str, text: str, wamid: str, at: int | None = None) -> dict[str, Any]:
    """A customer's text message as ``value.messages[]`` holds it."""
    return {"from": wa_id.lstrip("+"), "id": wamid, "timestamp": str(at or int(time.time())), "type": "text",
            "text": {"body": text}}


def status(wamid: str, state: str, wa_id: str, *, code: int | None = None, at: int | None = None) -> dict[str, Any]:
    """A status of a sent message as ``value.statuses[]`` holds it (with Meta's error for ``failed``)."""
    item: dict[str, Any] = {"id": wamid, "status": state, "timestamp": str(at or int(time.time())),
                            "recipient_id": wa_id.lstrip("+")}
    if code is not None:
        _, title, details = ERRORS[code]
        item["errors"] = [{"code": code, "title": title, "message": title, "error_data": {"details": details}}]
    return item


def notification(messages: Sequence[dict[str, Any]] = (), statuses: Sequence[dict[str, Any]] = (),
                 errors: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """One webhook delivery: ``{"object": "whatsapp_business_account", "entry": [{"changes": [...]}]}``."""
    value: dict[str, Any] = {"messaging_product": "whatsapp",
                             "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID}}
    if messages:
        value["contacts"] = [{"profile": {"name": "Customer"}, "wa_id": m["from"]} for m in messages]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    if errors:
        value["errors"] = list(errors)
    return {"object": "whatsapp_business_account",
            "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}]}


def webhook_post(url: str, payload: dict[str, Any] | bytes, *, secret: str | None = APP_SECRET,
                 signature: str | None = None) -> int:
    """POST a delivery to a receiver as Meta does (``X-Hub-Signature-256``); return the HTTP status."""
    import hashlib
    import hmac
    import urllib.error
    import urllib.request

    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if signature is None and secret is not None:
        signature = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    request = urllib.request.Request(url, data=raw, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
