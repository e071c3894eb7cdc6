"""A fake Twilio REST API (Programmable Messaging) on 127.0.0.1, close enough that the ``twilio`` library talks to it.

It answers as api.twilio.com does (https://www.twilio.com/docs/messaging/api/message-resource):

* ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` (form fields ``To``, ``From`` or
  ``MessagingServiceSid``, ``Body``, ``MediaUrl``): 201 and the Message resource (``sid`` SM..., ``status``
  ``queued``, ``num_segments``, RFC 2822 ``date_created``), or an error document
  ``{"code", "message", "more_info", "status"}``: 21610 (the number sent STOP), 21614 (not a mobile), 20429
  (rate limit, HTTP 429), 20003 (HTTP 401: a wrong account SID or auth token).
* ``GET .../Messages.json`` with ``To``, ``From``, ``DateSent>``/``DateSent>=``/``DateSent``, ``PageSize``,
  ``Page`` and ``PageToken``: newest first, pages linked by ``next_page_uri``.

Faults (:attr:`FakeTwilio.faults`, for the next POSTs): ``drop_after`` records the message, then closes the
connection unanswered; ``500_after`` records it and answers 500; ``429`` records nothing and answers 20429;
``slow_after`` records it and answers after ``delay_s``.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import math
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
from lookbook.outbox.channels.sms import count_segments

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "fake-twilio-auth-token"
SERVICE_SID = "MG" + "fedcba9876543210" * 2
STORE_NUMBER = "+15550009999"
_ERRORS = {
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
    21211: "Invalid 'To' Phone Number",
    20429: "Too Many Requests",
    20003: "Authenticate",
}


def _rfc2822(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


@dataclass
class FakeTwilio:
    """The fake account: its messages (outbound and inbound), faults and refused numbers."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    faults: list[tuple[str, float]] = field(default_factory=list)
    stopped: set[str] = field(default_factory=set)  # numbers that texted STOP (21610)
    not_mobile: set[str] = field(default_factory=set)  # landlines (21614)
    delay_after_s: float = 0.0
    posts: int = 0
    lists: int = 0
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def record(self, to: str, body: str, *, sender: str = STORE_NUMBER, direction: str = "outbound-api",
               media: list[str] | None = None, service: str | None = None,
               at: dt.datetime | None = None) -> dict[str, Any]:
        when = (at or dt.datetime.now(dt.UTC)).replace(microsecond=0)
        with self._lock:
            sid = f"SM{next(self._ids):032x}"
            message = {"sid": sid, "account_sid": ACCOUNT_SID, "to": to, "from": sender, "body": body,
                       "status": "queued" if direction != "inbound" else "received", "direction": direction,
                       "num_segments": str(count_segments(body).count), "num_media": str(len(media or [])),
                       "messaging_service_sid": service, "error_code": None, "error_message": None,
                       "price": None, "price_unit": "USD", "api_version": "2010-04-01", "media": list(media or []),
                       "_at": when, "date_created": _rfc2822(when), "date_updated": _rfc2822(when),
                       "date_sent": _rfc2822(when) if direction == "inbound" else None,
                       "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
                       "subresource_uris": {"media": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}/Media.json"}}
            self.messages.append(message)
        return message

    def inbound(self, sender: str, body: str, at: dt.datetime | None = None) -> dict[str, Any]:
        """A customer texts the store."""
        return self.record(STORE_NUMBER, body, sender=sender, direction="inbound", at=at)

    def delivered(self, to: str, body: str | None = None) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["direction"] != "inbound" and m["to"] == to
                and (body is None or m["body"] == body or m["body"].startswith(body + "\n"))]

    def outbound(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["direction"] != "inbound"]

    @contextmanager
    def running(self) -> Iterator[FakeTwilio]:
        with serving(_handler(self)) as url:
            self.url = url
            yield self


def _public(message: dict[str, Any]) -> dict[str, Any]:
    shown = {k: v for k, v in message.items() if not k.startswith("_") and k != "media"}
    if message["status"] == "queued":  # by the time anyone lists it, it has gone
        shown.update(status="sent", date_sent=message["date_created"])
    return shown


def _since(value: str) -> dt.datetime:
    if "T" in value:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)


def _handler(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    base = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"

    class Handler(JsonHandler):
        def _error(self, status: int, code: int, message: str | None = None) -> None:
            self._answer(status, {"code": code, "message": message or _ERRORS.get(code, "Error"),
                                  "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status})

        def _authorised(self) -> bool:
            expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                self._error(401, 20003)
                return False
            return True

        def do_GET(self) -> None:
            url = urllib.parse.urlparse(self.path)
            if url.path != base:
                return self._error(404, 20404, "The requested resource was not found")
            if not self._authorised():
                return None
            fake.lists += 1
            q = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
            found = [m for m in fake.messages
                     if ("To" not in q or m["to"] == q["To"]) and ("From" not in q or m["from"] == q["From"])]
            for key in ("DateSent>", "DateSent>="):
                if key in q:
                    found = [m for m in found if m["_at"] >= _since(q[key])]
            if "DateSent" in q:
                found = [m for m in found if m["_at"].date() == _since(q["DateSent"]).date()]
            found.sort(key=lambda m: (m["_at"], m["sid"]), reverse=True)  # newest first, as Twilio lists them
            size = min(int(q.get("PageSize", 50)), 1000)
            page = int(q.get("Page", 0))
            chunk = found[page * size:(page + 1) * size]
            rest = {k: v for k, v in q.items() if k not in ("Page", "PageToken")}

            def uri(n: int) -> str:
                token = f"&PageToken=PA{found[n * size - 1]['sid']}" if n else ""
                return f"{base}?{urllib.parse.urlencode(rest)}&Page={n}{token}"

            more = (page + 1) * size < len(found)
            self._answer(200, {"messages": [_public(m) for m in chunk], "page": page, "page_size": size,
                               "start": page * size, "end": page * size + max(len(chunk) - 1, 0),
                               "uri": uri(page), "first_page_uri": uri(0),
                               "previous_page_uri": uri(page - 1) if page else None,
                               "next_page_uri": uri(page + 1) if more else None,
                               "num_pages": max(1, math.ceil(len(found) / size))})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = urllib.parse.parse_qs(self.rfile.read(length).decode())
            if urllib.parse.urlparse(self.path).path != base:
                return self._error(404, 20404, "The requested resource was not found")
            if not self._authorised():
                return None
            fake.posts += 1
            kind, delay = fake.faults.pop(0) if fake.faults else ("", 0.0)
            to = form.get("To", [""])[0]
            if kind == "429":
                return self._error(429, 20429)
            if not to.startswith("+"):
                return self._error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
            if to in fake.stopped:
                return self._error(400, 21610)
            if to in fake.not_mobile:
                return self._error(400, 21614, f"'To' number {to} is not a valid mobile number")
            if not form.get("From") and not form.get("MessagingServiceSid"):
                return self._error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required")
            message = fake.record(to, form.get("Body", [""])[0], media=form.get("MediaUrl", []),
                                  sender=form.get("From", [STORE_NUMBER])[0],
                                  service=form.get("MessagingServiceSid", [None])[0])
            if kind == "drop_after":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return None
            if kind == "500_after":
                return self._error(500, 20500, "Internal Server Error")
            time.sleep(delay if kind == "slow_after" else fake.delay_after_s)
            return self._answer(201, _public(message) | {"status": "queued", "date_sent": None})

    return Handler
