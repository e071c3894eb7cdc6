"""A third channel from one file: "pigeon post", to a fake loft on 127.0.0.1.

It proves that a channel is one module plus one registration line::

    registry.register(PIGEON)

Everything else (approval, consent, quiet hours, caps, the attempt ledger, exactly once through
lost answers and kill -9, rate-limit waits, the unreachable mark and the fallback offer, the audit
log) is the unchanged sender's. It is shaped like the SMS channel of issue 17: the customer's phone
number is the address, the service has no idempotency key, and an uncertain send is reconciled by
listing the messages sent to that number since the attempt began.

The loft (:class:`Loft`) is a small JSON-over-HTTP server: ``POST /messages`` records a message and
answers its id, ``GET /messages?to=&since=`` lists them. It misbehaves on request (:attr:`Loft.faults`):
``drop_after`` (records the message, then closes the connection unanswered), ``503`` (records nothing),
``429`` (records nothing, ``Retry-After``), ``slow_after`` (records, answers after ``delay_s``); a
number in :attr:`Loft.no_loft` has no loft (404: unreachable), one in :attr:`Loft.stopped` sent STOP
(409: opted out, like Twilio's 21610).
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.client import HTTPException
from http.server import BaseHTTPRequestHandler
from typing import Any

from fakes.local_server import serving
from lookbook.errors import InputError
from lookbook.outbox.channels import (
    Ambiguous,
    AuthFailed,
    Delivered,
    DeliveryError,
    NotSent,
    OptedOut,
    RateLimit,
    RateLimited,
    Rejected,
    Unreachable,
)
from lookbook.outbox.channels.interface import Attempt, Channel, Connection, Job, Limits, Steps
from lookbook.payment_cards import mask_card_numbers
from lookbook.store.database import Store

#: The library setting that says where the loft is: ``{"url": "http://127.0.0.1:PORT"}``.
SETTING = "delivery.pigeon"


# -- the channel ----------------------------------------------------------------------------------------------
class PigeonConnection(Connection):
    """One send run's loft."""

    def __init__(self, url: str, timeout_s: float = 2.0) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self.rates: dict[str, RateLimit] = {}
        self.grace_s = max(60.0, 2 * timeout_s)

    def _request(self, method: str, path: str, payload: dict[str, Any] | None, *, delivers: bool) -> Any:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:  # noqa: S310 -- our fake
                return json.loads(answer.read() or b"null")
        except Exception as exc:  # every failure is classified: the sender decides by its class
            raise self.classify(exc, delivers=delivers) from exc

    def classify(self, exc: Exception, *, delivers: bool) -> DeliveryError:
        if isinstance(exc, DeliveryError):
            return exc
        if isinstance(exc, urllib.error.HTTPError):
            if exc.code == 429:
                wait = float(exc.headers.get("Retry-After") or 60)
                return RateLimited("the loft is busy", dt.datetime.now(dt.UTC) + dt.timedelta(seconds=wait))
            if exc.code == 409:
                return OptedOut("the customer sent STOP to the loft: no more pigeons to them")
            if exc.code == 404:
                return Unreachable("no loft at this number: the pigeon came back")
            if exc.code in (401, 403):
                return AuthFailed("the loft refused our ring; check the pigeon settings")
            if exc.code >= 500:
                return (Ambiguous if delivers else NotSent)(f"the loft had a fault ({exc.code})")
            return Rejected(f"the loft refused the message ({exc.code})")
        if isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, ConnectionRefusedError):
            return NotSent("could not reach the loft")
        if isinstance(exc, (TimeoutError, socket.timeout, ConnectionError, HTTPException, urllib.error.URLError,
                            OSError)):
            return (Ambiguous if delivers else NotSent)(f"the loft did not answer ({type(exc).__name__})")
        return NotSent(f"pigeon post failed: {exc}")

    def send(self, job: Job, steps: Steps) -> Delivered:
        if not job.address:
            raise Unreachable(PIGEON.no_address())
        text = mask_card_numbers(job.body)[0]
        # The point of no return: from here a lost answer means "list the loft before sending again".
        steps.phase(PIGEON.uncertain_phase, to=job.address)
        answer = self._request("POST", "/messages", {"to": job.address, "text": text,
                                                     "card": job.attachment.name if job.attachment else None},
                               delivers=True)
        return Delivered(str(answer["id"]), str(answer["at"]), {})

    def reconcile(self, attempt: Attempt) -> Delivered | None:
        to = str(attempt.detail.get("to") or PIGEON.address(attempt.customer) or "")
        since = (attempt.started_at - dt.timedelta(seconds=attempt.skew_s)).isoformat(timespec="seconds")
        query = urllib.parse.urlencode({"to": to, "since": since})
        for message in self._request("GET", f"/messages?{query}", None, delivers=False):
            if message["id"] not in attempt.claimed and message["text"] == attempt.body:
                return Delivered(str(message["id"]), str(message["at"]), {})
        return None


class PigeonChannel(Channel):
    """Pigeon post to the customer's phone number: one card and 280 characters per bird."""

    name = "pigeon"
    label = "pigeon post"
    address_column = "phone"
    address_label = "phone number for pigeon post"
    shown_as = "a pigeon with the card"
    consent_channel = "pigeon"  # its own entry in the consent ledger
    limits = Limits(text=280, attachments=1)
    fallback_rank = 30
    uncertain_phase = "post"

    def open(self, store: Store, client: Any = None) -> PigeonConnection:
        if client is not None:
            return PigeonConnection(str(client))
        url = (store.get_setting(SETTING) or {}).get("url")
        if not url:
            raise InputError("pigeon post is not set up: save the loft's address in the setting delivery.pigeon.")
        return PigeonConnection(str(url))


PIGEON = PigeonChannel()


# -- the fake loft ---------------------------------------------------------------------------------------------
@dataclass
class Loft:
    """A fake pigeon service on 127.0.0.1; see the module docstring."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    faults: list[tuple[str, float]] = field(default_factory=list)  # (kind, delay_s) for the next POSTs
    no_loft: set[str] = field(default_factory=set)
    stopped: set[str] = field(default_factory=set)  # numbers that sent STOP (409)
    #: Seconds to wait after recording a message before answering (a kill -9 lands in this window).
    delay_after_s: float = 0.0
    posts: int = 0
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def delivered(self, to: str, text: str | None = None) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["to"] == to and (text is None or m["text"] == text)]

    def wait_recorded(self, n: int, timeout: float = 10.0) -> bool:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if len(self.messages) >= n:
                return True
            time.sleep(0.01)
        return False

    def _record(self, to: str, text: str) -> dict[str, Any]:
        with self._lock:
            message = {"id": f"pg-{len(self.messages) + 1}", "to": to, "text": text,
                       "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
            self.messages.append(message)
        return message

    @contextmanager
    def running(self) -> Iterator[Loft]:
        with serving(_handler(self)) as url:
            self.url = url
            yield self


def _handler(loft: Loft) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

        def _answer(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
            to, since = query.get("to", [""])[0], query.get("since", [""])[0]
            self._answer(200, [m for m in loft.messages if m["to"] == to and m["at"] >= since])

        def do_POST(self) -> None:
            payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            loft.posts += 1
            kind, delay = loft.faults.pop(0) if loft.faults else ("", 0.0)
            if kind == "503":
                return self._answer(503, {"error": "loft closed"})
            if kind == "429":
                return self._answer(429, {"error": "too many birds"}, {"Retry-After": "1"})
            if payload.get("to") in loft.stopped:
                return self._answer(409, {"error": "STOP"})
            if payload.get("to") in loft.no_loft:
                return self._answer(404, {"error": "no loft at this number"})
            message = loft._record(str(payload.get("to")), str(payload.get("text")))
            if kind == "drop_after":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return None
            time.sleep(delay if kind == "slow_after" else loft.delay_after_s)
            return self._answer(201, {"id": message["id"], "at": message["at"]})

    return Handler
