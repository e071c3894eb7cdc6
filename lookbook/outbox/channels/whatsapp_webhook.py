"""WhatsApp's webhook, received on this computer: customers' messages and the delivery statuses of the store's.

The Cloud API cannot be polled for inbound messages or statuses: Meta POSTs them to a public https address
(the app's webhook, field ``messages``). :class:`WebhookReceiver` is that address's local end
(``lookbook outbox whatsapp-webhook --port N``), reached through a tunnel or the store's reverse proxy (README):

* ``GET`` with ``hub.mode=subscribe``, ``hub.verify_token`` and ``hub.challenge`` is Meta's verification
  handshake: the challenge is echoed when the token is the library's verify token, else 403.
* ``POST`` carries ``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body with the app secret>``. A missing or
  wrong signature is refused with 403 and logged without the body. A good one is written to the library's
  spool folder and answered 200 at once (Meta retries anything slower or not 2xx); the thread that owns the
  store reads the spool (:meth:`WebhookReceiver.process`) and deletes each file once it is stored, so nothing
  answered 200 is lost if the program stops.
* The payload is Meta's ``{"object": "whatsapp_business_account", "entry": [{"changes": [{"field":
  "messages", "value": {"messages": [...], "statuses": [...], "errors": [...]}}]}]}`` (:func:`store_payload`).
  Meta delivers at least once: a message is stored once (``replies`` is unique on channel and message id), a
  status only moves a message forward (sent, delivered, read; failed), a withdrawal is recorded once.

A customer's message is a reply like X's and SMS's (threaded on the customer and the last WhatsApp message sent to
them), opens the 24-hour window (:func:`lookbook.outbox.channels.whatsapp.window_open` reads ``replies``), and a
request to stop withdraws the WhatsApp opt-in at once. A failed status carries Meta's error code and goes through
:func:`lookbook.outbox.channels.whatsapp.classify_code`: 131050 withdraws the opt-in, 131026 marks WhatsApp
unreachable for the customer (a block looks the same).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import threading
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from lookbook.customers import consent
from lookbook.errors import InputError, LookbookError
from lookbook.hooks import Changes
from lookbook.outbox import opt_out
from lookbook.outbox.channels import OptedOut, Unreachable
from lookbook.outbox.channels.whatsapp import UNREACHABLE, classify_code
from lookbook.payment_cards import SAFE_PAYMENT_ADVICE, mask_card_numbers
from lookbook.store import secrets
from lookbook.store.database import Store, inserted_id, utcnow
from lookbook.store.library import make_private

log = logging.getLogger(__name__)

ACTOR = "whatsapp-webhook"
#: The spool folder (inside the library) where signed deliveries wait for the store's thread.
SPOOL = Path("webhooks") / "whatsapp"
#: A delivery larger than this is refused (Meta's payloads are a few kilobytes).
MAX_BODY = 1_000_000
#: A status only moves a message forward: a late "delivered" never overwrites "read".
STATUS_RANK = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}
START_WORDS = frozenset({"start", "unstop"})


class WebhookNotSetUp(LookbookError):
    """The app secret or the verify token is not in the keyring."""


def signature(app_secret: str, raw: bytes) -> str:
    """Return the ``X-Hub-Signature-256`` value Meta sends for ``raw``: ``sha256=`` and the HMAC's hex."""
    return "sha256=" + hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()


def signature_ok(app_secret: str, raw: bytes, header: str | None) -> bool:
    """Return whether ``header`` is the signature of the raw body (compared in constant time)."""
    return bool(header) and hmac.compare_digest(signature(app_secret, raw), str(header).strip())


def handshake(query: Mapping[str, str], verify_token: str) -> str | None:
    """Return the challenge to echo for Meta's verification GET, or None when it must be refused."""
    if query.get("hub.mode") != "subscribe" or not query.get("hub.challenge"):
        return None
    if not hmac.compare_digest(str(query.get("hub.verify_token", "")).encode(), verify_token.encode()):
        return None
    return str(query["hub.challenge"])


# -- storing what arrives ------------------------------------------------------------------------------------------
@dataclass
class WebhookReport:
    """What one or more deliveries held."""

    new: list[int] = field(default_factory=list)  # reply ids
    withdrawn: list[int] = field(default_factory=list)  # customer ids (a request to stop, 131050)
    restarted: list[int] = field(default_factory=list)  # customer ids (START)
    unreachable: list[int] = field(default_factory=list)  # customer ids (131026)
    statuses: int = 0  # messages whose delivery status moved
    unknown_senders: int = 0
    errors: list[str] = field(default_factory=list)  # errors Meta reported for the account, not for one message
    warnings: list[str] = field(default_factory=list)

    def merge(self, other: WebhookReport) -> None:
        for name in ("new", "withdrawn", "restarted", "unreachable", "errors", "warnings"):
            getattr(self, name).extend(getattr(other, name))
        self.statuses += other.statuses
        self.unknown_senders += other.unknown_senders


def _when(timestamp: Any) -> str:
    """Meta's Unix-seconds text as the library's ISO-8601 UTC (now, if it is missing or not a number)."""
    try:
        return dt.datetime.fromtimestamp(int(timestamp), dt.UTC).isoformat(timespec="seconds")
    except (TypeError, ValueError, OverflowError, OSError):
        return utcnow()


def _text(message: Mapping[str, Any]) -> str:
    """The words of an inbound message of any type (a photo's caption, a button's label ...)."""
    kind = str(message.get("type", ""))
    found = message.get(kind)
    part: dict[str, Any] = found if isinstance(found, dict) else {}
    if kind == "text":
        return str(part.get("body", ""))
    if kind == "button":
        return str(part.get("text") or part.get("payload") or "")
    if kind == "interactive":
        reply = part.get("button_reply") or part.get("list_reply") or {}
        return str(reply.get("title", ""))
    if kind == "reaction":
        return str(part.get("emoji", ""))
    caption = str(part.get("caption", "")) if part else ""
    return caption or f"[{kind or 'message'}]"


def _customer(store: Store, wa_id: str) -> int | None:
    digits = "".join(ch for ch in wa_id if ch.isdigit())
    if not digits:
        return None
    row = store.db.execute("SELECT id FROM customers WHERE phone = ? ORDER BY id LIMIT 1", [f"+{digits}"]).fetchone()
    return int(row[0]) if row else None


def _inbound(store: Store, message: Mapping[str, Any], report: WebhookReport) -> None:
    from lookbook.outbox.channels import reachability
    from lookbook.outbox.replies import pause_to_confirm, withdraw_channel

    wamid = str(message.get("id") or "")
    if not wamid:
        report.warnings.append("a WhatsApp message without an id was skipped")
        return
    customer_id = _customer(store, str(message.get("from") or ""))
    at = _when(message.get("timestamp"))
    sent = store.db.execute(
        "SELECT id FROM messages WHERE customer_id = ? AND channel = 'whatsapp' AND state = 'sent' AND sent_at <= ?"
        " ORDER BY sent_at DESC, id DESC LIMIT 1", [customer_id, at]).fetchone() if customer_id is not None else None
    raw = _text(message)
    body, card = mask_card_numbers(raw)
    cur = store.db.execute(
        "INSERT OR IGNORE INTO replies (customer_id, message_id, channel, external_id, body, received_at)"
        " VALUES (?, ?, 'whatsapp', ?, ?, ?)", [customer_id, sent[0] if sent else None, wamid, body, at])
    if cur.rowcount != 1:
        return  # Meta delivered it before
    reply_id = inserted_id(cur)
    verdict = opt_out.classify(raw)
    word = raw.strip().strip(".!").casefold()
    store.audit(ACTOR, "reply.receive", "reply", reply_id, customer_id=customer_id, channel="whatsapp",
                opt_out=verdict.kind == opt_out.STOP, opt_out_maybe=verdict.kind == opt_out.MAYBE, card_masked=card)
    report.new.append(reply_id)
    if customer_id is None:
        report.unknown_senders += 1
        return
    known = reachability.unreachable(store, customer_id, "whatsapp")
    if known is not None and known.reason == UNREACHABLE[131026]:
        # They wrote to the store on WhatsApp, so it reaches them after all (131026 was an old app, or a block
        # they lifted): WhatsApp may be used again.
        reachability.clear_unreachable(store, customer_id, "whatsapp", ACTOR,
                                       f"the customer wrote to the store on WhatsApp ({wamid})")
    if verdict.kind == opt_out.STOP:
        withdraw_channel(store, customer_id, "whatsapp", by_user=ACTOR,
                         note=f"the customer asked to stop on WhatsApp ({wamid})")
        report.withdrawn.append(customer_id)
    elif word in START_WORDS:
        how = f"wrote {word.upper()} to the store's WhatsApp number ({wamid})"
        consent.record(store, customer_id, "whatsapp", "one_to_one", True, by_user=ACTOR, source="reply",
                       note=f"the customer {how}", confirmation=consent.Confirmation(ACTOR, at, how))
        report.restarted.append(customer_id)
    elif verdict.kind == opt_out.MAYBE:
        pause_to_confirm(store, customer_id, "whatsapp", reply_id, body, verdict.why)
        report.warnings.append(f"reply {reply_id} from customer {customer_id} may ask to stop ({verdict.why}): "
                               "WhatsApp is paused for them until their associate confirms")
    if card:
        report.warnings.append(f"reply {reply_id}: {SAFE_PAYMENT_ADVICE}")


def _error_of(status: Mapping[str, Any]) -> tuple[int, str]:
    errors = status.get("errors") or []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    found = first.get("error_data")
    data: dict[str, Any] = found if isinstance(found, dict) else {}
    try:
        code = int(first.get("code") or 0)
    except (TypeError, ValueError):
        code = 0
    return code, str(data.get("details") or first.get("message") or first.get("title") or "no reason given")


def _status(store: Store, status: Mapping[str, Any], report: WebhookReport) -> None:
    from lookbook.outbox.channels import reachability
    from lookbook.outbox.replies import withdraw_channel

    wamid, new = str(status.get("id") or ""), str(status.get("status") or "")
    if new not in STATUS_RANK:
        return
    row = store.db.execute("SELECT id, customer_id, delivery_status FROM messages WHERE channel = 'whatsapp' AND"
                           " external_id = ?", [wamid]).fetchone()
    if row is None:
        return  # a message this library did not send (another app on the same number)
    message_id, customer_id, old = row
    if STATUS_RANK.get(old or "", 0) >= STATUS_RANK[new]:
        return  # seen before, or older than what is known
    at = _when(status.get("timestamp"))
    error = None
    if new == "failed":
        code, detail = _error_of(status)
        verdict = classify_code(code, f"{detail} ({code})")
        error = str(verdict)
        if isinstance(verdict, OptedOut):
            withdraw_channel(store, customer_id, "whatsapp", by_user=ACTOR,
                             note=f"{verdict} (message {message_id})")
            report.withdrawn.append(customer_id)
        elif isinstance(verdict, Unreachable):
            reachability.mark_unreachable(store, customer_id, "whatsapp", str(verdict), ACTOR, message_id)
            report.unreachable.append(customer_id)
    store.db.execute("UPDATE messages SET delivery_status = ?, delivery_status_at = ?, error = coalesce(?, error)"
                     " WHERE id = ?", [new, at, error, message_id])
    store.audit(ACTOR, "message.delivery_status", "message", message_id, channel="whatsapp", status=new,
                error=error)
    report.statuses += 1


def store_payload(store: Store, payload: Any) -> WebhookReport:
    """Store one webhook delivery (Meta's JSON, parsed) in one transaction; a repeated delivery changes nothing.

    :raises InputError: if it is not a WhatsApp Business Account notification.
    """
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        raise InputError("the webhook delivery is not a WhatsApp Business Account notification "
                         f"(object {payload.get('object') if isinstance(payload, dict) else type(payload).__name__!r})")
    report = WebhookReport()
    with store.atomic():
        for entry in payload.get("entry") or []:
            for change in (entry or {}).get("changes") or []:
                value = (change or {}).get("value") or {}
                if (change or {}).get("field", "messages") != "messages" or not isinstance(value, dict):
                    continue
                for message in sorted(value.get("messages") or [], key=lambda m: str(m.get("timestamp", ""))):
                    _inbound(store, message, report)
                for status in sorted(value.get("statuses") or [],
                                     key=lambda s: (str(s.get("timestamp", "")),
                                                    STATUS_RANK.get(str(s.get("status")), 0))):
                    _status(store, status, report)
                for error in value.get("errors") or []:
                    code, detail = _error_of({"errors": [error]})
                    report.errors.append(f"WhatsApp reported an error for the account: {detail} ({code})")
                    store.audit(ACTOR, "delivery.whatsapp_error", "channel", "whatsapp", code=code, detail=detail)
    store.notify(Changes(customers=bool(report.withdrawn or report.restarted or report.unreachable),
                         outbox=bool(report.new or report.statuses), audit=True))
    return report


# -- the receiver ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WebhookSecrets:
    """The app secret (signs every POST) and the verify token (the handshake), both from the keyring."""

    app_secret: str
    verify_token: str

    @classmethod
    def of(cls, store: Store) -> WebhookSecrets:
        """:raises WebhookNotSetUp: naming what to enter, if either is missing."""
        vault = secrets.Vault.for_store(store)
        app_secret, verify_token = vault.get(secrets.WHATSAPP_APP_SECRET), vault.get(secrets.WHATSAPP_VERIFY_TOKEN)
        if not app_secret or not verify_token:
            raise WebhookNotSetUp("the WhatsApp app secret and webhook verify token are not in the keyring: enter them "
                                  "with `lookbook delivery credentials whatsapp`.")
        return cls(app_secret, verify_token)


class WebhookReceiver:
    """The local end of the app's webhook: an HTTP server on its own threads that only checks and spools, and
    :meth:`process`, run on the thread that owns the store, that stores what was spooled.

    :param spool: the folder deliveries wait in (default: the library's ``webhooks/whatsapp``).
    """

    def __init__(self, store: Store, *, host: str = "127.0.0.1", port: int = 0, path: str = "/whatsapp",
                 spool: Path | None = None) -> None:
        self.store = store
        self.secrets = WebhookSecrets.of(store)
        self.path = "/" + path.strip("/")
        self.spool = spool or store.library.root / SPOOL
        self.spool.mkdir(parents=True, exist_ok=True)
        make_private(self.spool)
        self.arrived = threading.Event()
        self.refused = 0
        try:
            self.server = ThreadingHTTPServer((host, port), _handler(self))
        except OSError as exc:
            raise InputError(f"--port {port}: cannot listen on {host}:{port} ({exc.strerror or exc}); choose "
                             "another port.") from exc
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}{self.path}"

    def start(self) -> WebhookReceiver:
        """Start answering on a background thread; return self."""
        self._thread = threading.Thread(target=self.server.serve_forever, name="whatsapp-webhook", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop answering (what was spooled stays for the next :meth:`process`)."""
        if self._thread is not None:
            self.server.shutdown()
            self._thread.join(5)
            self._thread = None
        self.server.server_close()

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def spool_delivery(self, raw: bytes) -> None:
        """Keep a signed delivery until it is stored (named by its hash: the same retry is one file)."""
        name = hashlib.sha256(raw).hexdigest()
        target = self.spool / f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%f}-{name[:16]}.json"
        if any(self.spool.glob(f"*-{name[:16]}.json")):
            self.arrived.set()
            return
        part = target.with_suffix(".part")
        with part.open("wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, target)
        self.arrived.set()

    def process(self, wait_s: float = 0.0) -> WebhookReport:
        """Store every spooled delivery, oldest first (waiting up to ``wait_s`` for one), and delete each stored one.

        A delivery that is not Meta's JSON is set aside (``.bad``) with a warning, never retried for ever.
        """
        if wait_s > 0 and not any(self.spool.glob("*.json")):
            self.arrived.wait(wait_s)
        self.arrived.clear()
        report = WebhookReport()
        for path in sorted(self.spool.glob("*.json")):
            try:
                payload = json.loads(path.read_bytes())
                report.merge(store_payload(self.store, payload))
            except (ValueError, InputError) as exc:
                report.warnings.append(f"{path.name}: set aside, not a WhatsApp notification ({exc})")
                path.replace(path.with_suffix(".bad"))
                continue
            path.unlink()
        return report


def _handler(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "LookbookStudio"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("whatsapp webhook: " + format, *args)

        def _answer(self, status: int, body: bytes = b"", kind: str = "text/plain") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            if url.path.rstrip("/") != receiver.path:
                return self._answer(404)
            query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
            challenge = handshake(query, receiver.secrets.verify_token)
            if challenge is None:
                log.warning("WhatsApp webhook: refused a verification request from %s (wrong verify token or mode)",
                            self.client_address[0])
                return self._answer(403, b"Forbidden")
            log.info("WhatsApp webhook: verified by Meta")
            return self._answer(200, challenge.encode())

        def do_POST(self) -> None:
            if urllib.parse.urlsplit(self.path).path.rstrip("/") != receiver.path:
                return self._answer(404)
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if not 0 < length <= MAX_BODY:
                self.close_connection = True
                return self._answer(413 if length > MAX_BODY else 400)
            raw = self.rfile.read(length)
            if not signature_ok(receiver.secrets.app_secret, raw, self.headers.get("X-Hub-Signature-256")):
                receiver.refused += 1
                # Never the body: it holds customers' numbers and words, and it is not from Meta.
                log.warning("WhatsApp webhook: refused a POST from %s: %s X-Hub-Signature-256 (%d bytes)",
                            self.client_address[0],
                            "missing" if not self.headers.get("X-Hub-Signature-256") else "wrong", len(raw))
                return self._answer(403, b"Forbidden")
            receiver.spool_delivery(raw)
            return self._answer(200, b"OK")

    return Handler
