"""The sender: delivers approved messages exactly once, through crashes, timeouts and rate limits.

The sender names no channel: it asks :mod:`lookbook.outbox.channels.registry` for them and
talks to each through :class:`lookbook.outbox.channels.interface.Channel`. Neither X nor SMTP has
an idempotency key, so exactly-once is built here from four rules.

1. **Persist before the request.** A message moves ``queued → sending`` with a
   ``send_attempts`` row, committed, before anything goes out; the attempt records
   how far it got (``phase``: ``prepare`` → the channel's ``uncertain_phase``, ``post``
   for X, ``data`` for e-mail), each step committed before it is taken. So after a crash,
   an attempt that never reached that phase certainly sent nothing and is simply queued again.
2. **Never re-send blindly.** After an ambiguous failure (a timeout, a connection
   reset, a 5xx after the request went out), or on start-up for any message left in
   ``sending`` by a crash, the channel is asked first (:meth:`Connection.reconcile`:
   X reads the conversation's recent DM events), and the message is marked sent if it
   arrived, queued again only if it did not. Only once a grace period
   (``reconcile_after_s``, longer than any request can be in flight) has passed since
   the attempt began is "not there" taken as "not sent".
3. **One run per library.** A run holds :class:`SendLock` (an operating-system lock on a file in
   the library folder) from start to end, so a second run (another app window, the command line
   beside the app) is refused instead of taking the first run's in-flight message for a crash's
   leftover and sending it again.
4. **No hidden retries.** tweepy's ``wait_on_rate_limit`` and urllib3's retries are
   off (:mod:`lookbook.outbox.channels.x`); the only retry is this module's, after the
   check above.

How X recognises its DM in the conversation is :func:`lookbook.outbox.channels.x.find_delivered`.
E-mail has no way to ask the server afterwards (its reconcile raises
:class:`~lookbook.outbox.channels.CannotTell`), so an attempt lost after ``DATA`` began is
failed as retryable with an explanation instead of re-sent.

Rate limits: the latest window of each endpoint a connection reports (X's
``x-rate-limit-*`` headers) is kept in the ``rate_limits`` table (so a restart does not
burst into a 429, and the Outbox page can count down to the reset). The sender sends
while the channel's ``send_endpoint`` window has requests left and, when it is used up
or the service answers 429, waits until the reset (or, with ``wait=False``, stops that
channel for this run).

The sender is a generator yielding :class:`Progress` and returning a :class:`SendReport`;
it checks a pause and a cancel :class:`threading.Event` between messages. It touches
the store only through ``db`` (a function that runs a callable with the store), so
the app can keep SQLite on its database thread and run the network on another.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import threading
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from lookbook import progress
from lookbook.customers import consent
from lookbook.errors import InputError, LookbookError
from lookbook.hooks import Changes
from lookbook.outbox import quiet_hours
from lookbook.outbox.channels import (
    Ambiguous,
    AuthFailed,
    CannotTell,
    DeliveryError,
    NotSent,
    OptedOut,
    RateLimit,
    RateLimited,
    Unreachable,
    reachability,
    registry,
)
from lookbook.outbox.channels.interface import Attempt, Channel, Connection, Job, Steps
from lookbook.outbox.compose import outgoing
from lookbook.outbox.conversations import thread_headers
from lookbook.outbox.messages import (
    ConsentMissing,
    IllegalTransition,
    RendersStale,
    delivery_words,
    expire_stale,
    out_of_stock,
    transition,
)
from lookbook.payment_cards import mask_card_numbers
from lookbook.store import roles, settings
from lookbook.store.database import Store, inserted_id, utcnow
from lookbook.store.secrets import library_id
from lookbook.words import plural

if TYPE_CHECKING:
    # The X client (requests, tweepy) loads when a send makes the X channel, not with the outbox page (issue 18).
    pass

T = TypeVar("T")
#: Runs a function with the store (on whatever thread owns it) and returns its result.
DbCall = Callable[[Callable[[Store], T]], T]

ACTOR = "sender"


def direct(store: Store) -> DbCall:
    """Return a :data:`DbCall` for a store used on the current thread (the command line)."""
    return lambda fn: fn(store)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _parse(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class SenderOptions:
    """How the sender behaves; the defaults suit production.

    :param wait: wait out a used-up rate limit (True) or stop that channel for this run.
    :param max_wait_s: never wait longer than this for one reset; stop the channel instead.
    :param reconcile_after_s: how long after an attempt began its message must be visible before
        "not there" is taken as "not sent"; None: the channel's grace period (X: twice its read timeout,
        at least 60 s).
    :param clock_skew_s: allowance between this computer's clock and X's timestamps.
    :param max_attempts: definite non-deliveries (network down, server busy) before a message fails.
    :param backoff_s: the first retry delay after a definite non-delivery; doubles each attempt.
    """

    wait: bool = True
    max_wait_s: float = 3600.0
    reconcile_after_s: float | None = None
    clock_skew_s: float = 120.0
    max_attempts: int = 5
    backoff_s: float = 30.0


SENDER_SETTING = "delivery.sender"


def options_from_settings(store: Store, *, wait: bool = True) -> SenderOptions:
    """Return the sender's options from the ``delivery.sender`` library setting (defaults where unset).

    :raises InputError: naming a setting that is not an option.
    """
    value = dict(store.get_setting(SENDER_SETTING) or {})
    known = set(SenderOptions.__dataclass_fields__) - {"wait"}
    unknown = set(value) - known
    if unknown:
        raise InputError(f"setting {SENDER_SETTING}: unknown option(s) {', '.join(sorted(unknown))}; "
                         f"use {', '.join(sorted(known))}.")
    # The back-off is one of the settings that rule sending: read (and checked) where the app shows it.
    return SenderOptions(wait=wait, **{**value, "backoff_s": float(settings.value(store, "backoff_s"))})


@dataclass(frozen=True, init=False)
class Progress(progress.Progress):
    """One step of a send run: a :class:`lookbook.progress.Progress` whose ``message`` (also ``text``) says
    what happened, with what kind of step it is and which message and channel it concerns.

    ``kind`` is one of: ``reconciling``, ``sending``, ``sent``, ``requeued``, ``deferred``,
    ``failed``, ``unreachable``, ``ambiguous``, ``waiting`` (``until`` is the reset), ``paused``,
    ``stopped`` (a channel stopped: ``text`` says why), ``cancelled``.
    """

    kind: str = ""
    message_id: int | None = None
    channel: str | None = None
    until: str | None = None

    def __init__(self, done: int, total: int, kind: str, text: str, message_id: int | None = None,
                 channel: str | None = None, until: str | None = None) -> None:
        # The send loop names the kind before the text; the text is the common progress ``message``.
        super().__init__(done, total, text)
        for name, value in (("kind", kind), ("message_id", message_id), ("channel", channel), ("until", until)):
            object.__setattr__(self, name, value)

    @property
    def text(self) -> str:
        """What happened, for a log line (the ``message``)."""
        return self.message

    def as_dict(self) -> dict[str, Any]:
        """Return the step as JSON-ready data (``lookbook outbox send --json`` prints one per line)."""
        return {"done": self.done, "total": self.total, "kind": self.kind, "text": self.message,
                "message_id": self.message_id, "channel": self.channel, "until": self.until}


@dataclass
class SendReport:
    """What a send run did."""

    sent: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)
    deferred: list[tuple[int, str]] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    unreachable: list[tuple[int, str]] = field(default_factory=list)
    reconciled: list[tuple[int, str]] = field(default_factory=list)
    #: Approved messages not queued because a shot of their set has a render older than its recipe, with why.
    waiting_render: list[tuple[int, str]] = field(default_factory=list)
    stopped: dict[str, str] = field(default_factory=dict)
    cancelled: bool = False
    changes: Changes = field(default_factory=lambda: Changes(outbox=True, audit=True))

    @property
    def ok(self) -> bool:
        """Whether nothing needs a person's attention."""
        return not (self.failed or self.unreachable or self.stopped)


# -- one sender per library ----------------------------------------------------------------------------------
LOCK_NAME = ".sending.lock"


class SenderBusy(LookbookError):
    """Another send run (the app or ``lookbook outbox send``) is working on this library."""


class SendLock:
    """An exclusive lock on a library's send runs, held for a whole run.

    Two runs at once would each take the other's in-flight message (left in ``sending``)
    for a crash's leftover and settle it, queueing it again while its DM is on the way:
    a message sent twice. The lock is the operating system's on a file in the library
    folder (``flock``; ``msvcrt.locking`` on Windows), so a killed run releases it with
    its process and whatever a run finds in ``sending`` is certainly a dead run's.
    """

    def __init__(self, root: Path) -> None:
        self.path = Path(root) / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or refuse at once.

        :raises SenderBusy: if another run holds it.
        :raises LookbookError: if the lock file cannot be opened.
        """
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise LookbookError(f"{self.path}: cannot open the send lock ({exc.strerror}); check the library "
                                "folder's permissions and free space.") from None
        try:
            if sys.platform == "win32":  # pragma: no cover - Windows
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise SenderBusy("another send run (the app or `lookbook outbox send`) is working on this library; "
                             "let it finish or stop it, then send again.") from None
        self._fd = fd

    def release(self) -> None:
        """Let the next run go (closing the file releases the lock)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            if sys.platform == "win32":  # pragma: no cover - Windows
                import msvcrt

                try:
                    os.lseek(fd, 0, os.SEEK_SET)
                    msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
                except OSError:
                    pass
            os.close(fd)


# -- rate limits (store) ----------------------------------------------------------------------------------
def save_rates(store: Store, channel: str, rates: dict[str, RateLimit]) -> None:
    """Keep the latest rate-limit window of each endpoint."""
    now = utcnow()
    for endpoint, rate in rates.items():
        store.db.execute(
            "INSERT INTO rate_limits (channel, endpoint, limit_count, remaining, reset_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel, endpoint) DO UPDATE SET"
            " limit_count = excluded.limit_count, remaining = excluded.remaining, reset_at = excluded.reset_at,"
            " updated_at = excluded.updated_at",
            [channel, endpoint, rate.limit, rate.remaining, _iso(rate.reset_at), now])


def rate_limit(store: Store, channel: str, endpoint: str) -> RateLimit | None:
    """Return the last window seen for an endpoint, or None."""
    row = store.db.execute("SELECT limit_count, remaining, reset_at FROM rate_limits WHERE channel = ? AND"
                           " endpoint = ?", [channel, endpoint]).fetchone()
    return RateLimit(row[0] or 0, row[1], _parse(row[2]) or _now()) if row else None


def blocked_until(store: Store, now: dt.datetime | None = None) -> dict[str, dt.datetime]:
    """Return, per channel, when its used-up rate limit resets (for the Outbox page's countdown)."""
    now = now or _now()
    out: dict[str, dt.datetime] = {}
    for channel, remaining, reset_at in store.db.execute("SELECT channel, remaining, reset_at FROM rate_limits"):
        reset = _parse(reset_at)
        if remaining <= 0 and reset is not None and reset > now:
            out[channel] = max(out.get(channel, reset), reset)
    return out


# -- store steps (each runs through ``db``) -----------------------------------------------------------------
@dataclass(frozen=True)
class Pending:
    """A message left in ``sending``: its latest attempt, to be reconciled."""

    message_id: int
    channel: str
    customer_id: int
    body: str
    attempt_id: int | None
    started_at: dt.datetime
    detail: dict[str, Any]
    customer: dict[str, Any]


def _customer(store: Store, customer_id: int) -> dict[str, Any]:
    """Return the customer's row (column -> value): each channel reads its address from it."""
    cur = store.db.execute("SELECT * FROM customers WHERE id = ?", [customer_id])
    row = cur.fetchone()
    return dict(zip([c[0] for c in cur.description], row, strict=True)) if row else {}


def _attempt_detail(store: Store, attempt_id: int) -> dict[str, Any]:
    row = store.db.execute("SELECT detail FROM send_attempts WHERE id = ?", [attempt_id]).fetchone()
    return json.loads(row[0]) if row and row[0] else {}


def _set_phase(store: Store, attempt_id: int, **detail: Any) -> None:
    """Record how far an attempt got, committed before the step is taken."""
    with store.atomic():
        merged = {**_attempt_detail(store, attempt_id), **detail}
        store.db.execute("UPDATE send_attempts SET detail = ? WHERE id = ?", [json.dumps(merged), attempt_id])


def _finish_attempt(store: Store, attempt_id: int | None, outcome: str, **detail: Any) -> None:
    if attempt_id is None:
        return
    merged = {**_attempt_detail(store, attempt_id), **detail}
    store.db.execute("UPDATE send_attempts SET finished_at = ?, outcome = ?, detail = ? WHERE id = ?",
                     [utcnow(), outcome, json.dumps(merged, default=str), attempt_id])


def _pending(store: Store) -> list[Pending]:
    rows = store.db.execute(
        "SELECT m.id, m.channel, m.customer_id, m.body, a.id, a.started_at, a.detail, m.updated_at"
        " FROM messages m"
        " LEFT JOIN send_attempts a ON a.id = (SELECT max(id) FROM send_attempts WHERE message_id = m.id)"
        " WHERE m.state = 'sending' ORDER BY m.id").fetchall()
    # The body as it was sent: masked (the channel masks what it sends), so it is found in the conversation.
    return [Pending(r[0], r[1], r[2], mask_card_numbers(r[3] or "")[0], r[4], _parse(r[5] or r[7]) or _now(),
                    json.loads(r[6]) if r[6] else {}, _customer(store, r[2])) for r in rows]


def _queue_approved(store: Store, message_ids: Iterable[int] | None,
                    held: list[tuple[int, str]] | None = None) -> list[int]:
    """Queue the approved messages (of ``message_ids``, default all); return the ids queued.

    :param held: receives ``(message id, why)`` for each approved message left approved because a shot of its
        set has a render older than its recipe, so the run can say what waits and what to do.
    """
    sql = "SELECT id FROM messages WHERE state = 'approved'"
    ids = [r[0] for r in store.db.execute(sql + " ORDER BY id")]
    if message_ids is not None:
        wanted = set(message_ids)
        ids = [i for i in ids if i in wanted]
    queued = []
    with store.atomic():
        for message_id in ids:
            try:
                transition(store, message_id, "queued", ACTOR)
            except RendersStale as exc:
                # A shot of its set was tied to another category, or its preset changed, since its card was made:
                # it stays approved until the new render makes its card again and sends it back for approval.
                if held is not None:
                    held.append((message_id, str(exc).removeprefix(f"message {message_id}: ")))
                continue
            queued.append(message_id)
    return queued


def _count_due(store: Store, channels: set[str], now: str, only: set[int] | None) -> int:
    marks = ",".join("?" * len(channels))
    ids = [r[0] for r in store.db.execute(
        f"SELECT id FROM messages WHERE state = 'queued' AND channel IN ({marks})"
        " AND (next_attempt_at IS NULL OR next_attempt_at <= ?)", [*channels, now])]
    return len([i for i in ids if only is None or i in only])


def _state(store: Store, message_id: int) -> str:
    return str(store.db.execute("SELECT state FROM messages WHERE id = ?", [message_id]).fetchone()[0])


def _next_due(store: Store, channels: set[str], now: str, only: set[int] | None) -> tuple[int, int, str] | None:
    if not channels:
        return None
    marks = ",".join("?" * len(channels))
    for message_id, customer_id, channel in store.db.execute(
            f"SELECT id, customer_id, channel FROM messages WHERE state = 'queued' AND channel IN ({marks})"
            " AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY coalesce(next_attempt_at, ''), id",
            [*channels, now]):
        if only is None or message_id in only:
            return message_id, customer_id, channel
    return None


def _defer(store: Store, message_id: int, until: dt.datetime, why: str) -> None:
    with store.atomic():
        store.db.execute("UPDATE messages SET next_attempt_at = ?, state_reason = ?, updated_at = ? WHERE id = ? "
                         "AND state = 'queued'", [_iso(until), why, utcnow(), message_id])
        store.audit(ACTOR, "message.defer", "message", message_id, until=_iso(until), reason=why)
    store.hooks.outbox_did_change([message_id])
    store.notify(Changes(outbox=True, audit=True))


def _paused_until(store: Store, customer_id: int) -> dt.datetime | None:
    """Return when a customer's pause ("pause this customer") ends, or None."""
    row = store.db.execute("SELECT paused_until FROM customers WHERE id = ?", [customer_id]).fetchone()
    return _parse(row[0]) if row else None


def _claim(store: Store, message_id: int) -> Job | str | None:
    """Move a queued message to ``sending`` with a committed attempt; return the job, or why it cannot go.

    None: a person moved it out of the queue (cancelled it) since it was picked; it is simply skipped.
    """
    if _state(store, message_id) != "queued":
        return None
    row = store.db.execute("SELECT channel, customer_id, set_id, attempts, offer FROM messages WHERE id = ?",
                           [message_id]).fetchone()
    channel, customer_id, set_id, attempts, offer = row
    if gone := out_of_stock(store, offer, customer_id):
        # Sold out since approval: the message would offer the customer what cannot be bought.
        why = f"out of stock since approval: {', '.join(gone)}; draft again for what is in stock"
        transition(store, message_id, "cancelled", ACTOR, comment=why, state_reason=why)
        return f"cancelled: {why}"
    disliked = store.db.execute(
        "SELECT b.name, cb.source FROM sets s JOIN customer_brands cb ON cb.brand_id = s.brand_id"
        " JOIN brands b ON b.id = s.brand_id WHERE s.id = ? AND cb.customer_id = ? AND cb.stance = 'dislike'",
        [set_id, customer_id]).fetchone() if set_id is not None else None
    if disliked is not None:
        # The customer turned the brand down after approval ("not this brand"): this message must never go.
        why = (f"customer {customer_id} said 'not this brand' about {disliked[0]} after approval"
               if disliked[1] == "not this brand" else
               f"customer {customer_id} dislikes {disliked[0]} since approval")
        transition(store, message_id, "cancelled", ACTOR, comment=why, state_reason=why)
        return f"cancelled: {why}"
    try:
        with store.atomic():
            transition(store, message_id, "sending", ACTOR, attempts=attempts + 1, error=None, retryable=None,
                       next_attempt_at=None, state_reason=None)  # no longer held
            attempt_id = inserted_id(store.db.execute(
                "INSERT INTO send_attempts (message_id, started_at, detail) VALUES (?, ?, ?)",
                [message_id, utcnow(), json.dumps({"phase": "prepare", "channel": channel})]))
    except ConsentMissing as exc:
        # Consent was withdrawn after approval: this message must never go.
        transition(store, message_id, "cancelled", ACTOR, comment=str(exc), state_reason="consent withdrawn")
        return f"cancelled: {exc}"
    except IllegalTransition:
        if _state(store, message_id) != "queued":
            return None  # cancelled by another process between the look above and the move
        raise
    try:
        # What goes out is what was approved, read back the way the Approvals page shows it.
        out = outgoing(store, message_id)
    except LookbookError as exc:
        why = f"not sent: {exc}"
        _record_failed(store, message_id, attempt_id, "rejected", why, True)
        return f"failed: {why}"
    customer = _customer(store, customer_id)
    return Job(message_id, attempt_id, channel, customer_id, out.body, out.subject, out.attachment, out.pictures,
               registry.get(channel).address(customer), out.to_name, customer, out.footer,
               thread=thread_headers(store, message_id))


def _record_sent(store: Store, message_id: int, attempt_id: int | None, external_id: str, sent_at: str,
                 how: str) -> None:
    with store.atomic():
        _finish_attempt(store, attempt_id, "sent", external_id=external_id, how=how)
        transition(store, message_id, "sent", ACTOR, external_id=external_id, sent_at=sent_at, error=None)
        store.db.execute("UPDATE customers SET last_contacted_at = ? WHERE id = (SELECT customer_id FROM messages"
                         " WHERE id = ?)", [sent_at, message_id])


def _record_requeue(store: Store, message_id: int, attempt_id: int | None, outcome: str, error: str,
                    next_attempt_at: str | None = None) -> None:
    with store.atomic():
        _finish_attempt(store, attempt_id, outcome, error=error)
        transition(store, message_id, "queued", ACTOR, comment=error, error=error, next_attempt_at=next_attempt_at)


def _record_failed(store: Store, message_id: int, attempt_id: int | None, outcome: str, error: str,
                   retryable: bool) -> None:
    with store.atomic():
        _finish_attempt(store, attempt_id, outcome, error=error)
        transition(store, message_id, "failed", ACTOR, comment=error, error=error, retryable=int(retryable))


def _record_unreachable(store: Store, job_or_pending: Job | Pending, attempt_id: int | None, error: str) -> None:
    with store.atomic():
        _record_failed(store, job_or_pending.message_id, attempt_id, "unreachable", error, retryable=False)
        reachability.mark_unreachable(store, job_or_pending.customer_id, job_or_pending.channel, error, ACTOR,
                                      job_or_pending.message_id)


def _record_opted_out(store: Store, job: Job, attempt_id: int | None, error: str) -> None:
    """Fail the message for good and withdraw the channel's consent: the customer told the service to stop."""
    with store.atomic():
        _record_failed(store, job.message_id, attempt_id, "opted_out", error, retryable=False)
        for scope in consent.SCOPES:
            if consent.has_consent(store, job.customer_id, job.channel, scope):
                consent.record(store, job.customer_id, job.channel, scope, False, by_user=ACTOR, source="channel",
                               note=f"{error} (message {job.message_id})")


def _claimed(store: Store, channel: str) -> frozenset[str]:
    """Return the external ids already recorded for messages on ``channel``."""
    return frozenset(r[0] for r in store.db.execute(
        "SELECT external_id FROM messages WHERE channel = ? AND external_id IS NOT NULL", [channel]))


class _Steps(Steps):
    """What a connection may ask of the sender while it sends one job (see :class:`Steps`)."""

    def __init__(self, db: DbCall, attempt_id: int, library: str) -> None:
        self._db = db
        self._attempt_id = attempt_id
        self.library_id = library

    def phase(self, name: str, **detail: Any) -> None:
        self._db(lambda s: _set_phase(s, self._attempt_id, phase=name, **detail))

    def db(self, fn: Callable[[Store], T]) -> T:
        return self._db(fn)


# -- the run ----------------------------------------------------------------------------------------------
class _Stop(Exception):
    """A channel cannot go on in this run."""


class Sender:
    """One send run; use :func:`send` to get its generator.

    :param db: runs a function with the store (see :data:`DbCall`).
    :param clients: per channel name, makes the channel's client from the store (tests point one at a
        fake); a channel without one opens the library's own (:meth:`Channel.open`). Also accepted as
        keywords named after the channel (``x=...``).
    """

    def __init__(self, db: DbCall, *, options: SenderOptions | None = None,
                 clients: dict[str, Callable[[Store], Any]] | None = None,
                 cancel: threading.Event | None = None, pause: threading.Event | None = None,
                 clock: Callable[[], dt.datetime] = _now, sleep: Callable[[float], None] | None = None,
                 **client_factories: Callable[[Store], Any] | None) -> None:
        self.db = db
        self.options = options or SenderOptions()
        self._factories: dict[str, Callable[[Store], Any]] = {
            name: make for name, make in {**(clients or {}), **client_factories}.items() if make is not None}
        self._channels: dict[str, Connection] = {}
        self.cancel = cancel or threading.Event()
        self.pause = pause or threading.Event()
        self.clock = clock
        self._sleep = sleep or (lambda s: self.cancel.wait(s))
        self.report = SendReport()
        self._library_id: str | None = None
        self.done = 0
        self.total = 0
        #: Messages whose channel was asked in this run (see :meth:`_reconcile`).
        self._looked: set[int] = set()

    # -- channels ----------------------------------------------------------------------------------------
    def _channel(self, name: str) -> Connection:
        if name in self.report.stopped:
            raise _Stop(self.report.stopped[name])
        if name not in self._channels:
            kind = registry.get(name)
            make = self._factories.get(name)
            try:
                self._channels[name] = self.db(lambda s: kind.open(s, make(s) if make else None))
            except LookbookError as exc:
                self.report.stopped[name] = str(exc)
                raise _Stop(str(exc)) from None
        return self._channels[name]

    def _steps(self, job: Job) -> Steps:
        if self._library_id is None:
            self._library_id = self.db(library_id)
        return _Steps(self.db, job.attempt_id, self._library_id)

    def _stop(self, channel: str, why: str) -> Progress:
        self.report.stopped[channel] = why
        return Progress(self.done, self.total, "stopped", why, channel=channel)

    def grace(self, channel: str) -> float:
        """Return how long after an attempt on ``channel`` began "not there" may be taken as "not sent"."""
        if self.options.reconcile_after_s is not None:
            return self.options.reconcile_after_s
        conn = self._channels.get(channel)
        return conn.grace_s if conn is not None else 60.0

    # -- waiting -------------------------------------------------------------------------------------------
    def _hold(self) -> Generator[Progress, None, bool]:
        """Wait while paused; return False if cancelled."""
        announced = False
        while self.pause.is_set() and not self.cancel.is_set():
            if not announced:
                yield Progress(self.done, self.total, "paused", "Paused; resume to go on.")
                announced = True
            self._sleep(0.2)
        return not self.cancel.is_set()

    def _wait_until(self, until: dt.datetime, channel: str, why: str) -> Generator[Progress, None, bool]:
        """Wait for a rate-limit reset, reporting each second; return False if cancelled or too long."""
        seconds = (until - self.clock()).total_seconds()
        if seconds <= 0:
            return True
        if not self.options.wait or seconds > self.options.max_wait_s:
            yield self._stop(channel, f"{why}; try again after {until:%H:%M:%S} UTC.")
            return False
        while not self.cancel.is_set():
            left = (until - self.clock()).total_seconds()
            if left <= 0:
                return True
            yield Progress(self.done, self.total, "waiting", f"{why}: waiting {left:.0f} s", channel=channel,
                           until=_iso(until))
            self._sleep(min(1.0, left))
        return False

    def _rate_gate(self, channel: str, endpoint: str) -> Generator[Progress, None, bool]:
        rate = self.db(lambda s: rate_limit(s, channel, endpoint))
        if rate is not None and rate.remaining <= 0 and rate.reset_at > self.clock():
            return (yield from self._wait_until(rate.reset_at, channel, f"{channel.upper()} rate limit used up"))
        return True

    def _save_rates(self, channel: str, conn: Any) -> None:
        rates = dict(getattr(conn, "rates", {}) or {})
        if rates:
            self.db(lambda s: save_rates(s, channel, rates))

    def _note_429(self, channel: str, endpoint: str, exc: RateLimited) -> None:
        def save(store: Store) -> None:
            with store.atomic():
                current = rate_limit(store, channel, endpoint)
                save_rates(store, channel, {endpoint: RateLimit(current.limit if current else 0, 0, exc.reset_at)})
                store.audit(ACTOR, "delivery.rate_limited", "channel", channel, endpoint=endpoint,
                            reset_at=_iso(exc.reset_at))
            store.notify(Changes(outbox=True, audit=True))

        self.db(save)

    # -- reconciling ---------------------------------------------------------------------------------------
    def _reconcile(self, item: Pending) -> Generator[Progress, None, str]:
        """Settle a message left in ``sending``.

        Returns ``sent``, ``requeued``, ``failed``, ``later`` (not seen yet, still within the grace
        period) or ``unchecked`` (the channel could not be asked).
        """
        kind = registry.find(item.channel)
        if kind is None:
            return "unchecked"  # a channel this build does not have: never guess
        if item.detail.get("phase", "prepare") == kind.uncertain_phase:
            outcome = yield from self._ask_channel(kind, item)
            if outcome != "not seen":
                return outcome
        return (yield from self._settle_not_delivered(item))

    def _ask_channel(self, kind: Channel, item: Pending) -> Generator[Progress, None, str]:
        """Ask the channel whether an attempt past its point of no return arrived; see :meth:`_reconcile`.

        Returns what :meth:`_reconcile` returns, or ``not seen`` once the grace period is over.
        """
        channel = item.channel
        age = (self.clock() - item.started_at).total_seconds()
        if age < self.grace(channel) and item.message_id in self._looked:
            return "later"  # looked once already; look again only when the grace period is over
        self._looked.add(item.message_id)
        try:
            conn = self._channel(channel)
            if kind.reconcile_endpoint and not (yield from self._rate_gate(channel, kind.reconcile_endpoint)):
                return "unchecked"
            if kind.reconciles:
                yield Progress(self.done, self.total, "reconciling",
                               f"Checking {kind.label} for message {item.message_id} before sending it again",
                               item.message_id, channel)
            claimed = self.db(lambda s: _claimed(s, channel))
            found = conn.reconcile(Attempt(item.message_id, item.attempt_id, channel, item.customer_id, item.body,
                                           item.started_at, item.detail, item.customer, claimed,
                                           self.options.clock_skew_s))
        except _Stop:
            return "unchecked"
        except CannotTell as exc:
            # The channel cannot be asked: a person decides (the message fails as retryable, with why).
            why = str(exc)
            self.db(lambda s: _record_failed(s, item.message_id, item.attempt_id, "uncertain", why, True))
            self.report.failed.append((item.message_id, why))
            yield Progress(self.done, self.total, "failed", why, item.message_id, channel)
            return "failed"
        except RateLimited as exc:
            self._note_429(channel, kind.reconcile_endpoint or "reconcile", exc)
            return "unchecked"
        except AuthFailed as exc:
            yield self._stop(channel, str(exc))
            return "unchecked"
        except DeliveryError:
            return "unchecked"  # cannot check now: leave it in sending, never guess
        finally:
            if channel in self._channels:
                self._save_rates(channel, self._channels[channel])
        if found is not None:
            self.db(lambda s: _record_sent(s, item.message_id, item.attempt_id, found.external_id, found.sent_at,
                                           "reconciled"))
            self.report.sent.append(item.message_id)
            self.report.reconciled.append((item.message_id, "delivered"))
            yield Progress(self.done, self.total, "sent",
                           f"Message {item.message_id} had arrived on {kind.label}; marked sent without sending "
                           "again", item.message_id, channel)
            return "sent"
        if age < self.grace(channel):
            return "later"  # it may still be on its way: look again after the grace period
        return "not seen"

    def _settle_not_delivered(self, item: Pending) -> Generator[Progress, None, str]:
        """Queue again (or fail, after too many attempts) a message whose attempt certainly did not deliver."""
        attempts = self.db(lambda s: s.db.execute("SELECT attempts FROM messages WHERE id = ?",
                                                  [item.message_id]).fetchone()[0])
        if attempts >= self.options.max_attempts:
            why = f"not delivered after {attempts} attempts; retry when the problem is fixed"
            self.db(lambda s: _record_failed(s, item.message_id, item.attempt_id, "not_sent", why, True))
            self.report.failed.append((item.message_id, why))
            yield Progress(self.done, self.total, "failed", f"Message {item.message_id} {why}", item.message_id,
                           item.channel)
            return "failed"
        why = "not delivered (checked); queued again"
        self.db(lambda s: _record_requeue(s, item.message_id, item.attempt_id, "not_sent", why))
        self.report.reconciled.append((item.message_id, "not delivered"))
        self.report.requeued.append(item.message_id)
        yield Progress(self.done, self.total, "requeued", f"Message {item.message_id} {why}", item.message_id,
                       item.channel)
        return "requeued"

    def _reconcile_due(self, *, wait: bool) -> Generator[Progress, None, int]:
        """Settle the messages in ``sending``; with ``wait``, wait out the grace period of those not seen yet.

        Returns how many are still unsettled. A message that could not be checked (the service unreachable,
        rate-limited) stays in ``sending`` for a later run: it is never guessed about.
        """
        while True:
            later: list[Pending] = []
            unchecked = 0
            for item in self.db(_pending):
                if item.channel in self.report.stopped:
                    unchecked += 1
                    continue
                outcome = yield from self._reconcile(item)
                if outcome == "later":
                    later.append(item)
                elif outcome == "unchecked":
                    unchecked += 1
            if not wait or not later or self.cancel.is_set():
                return len(later) + unchecked
            # Wait until the first one's grace period is over, then look again.
            first = min(i.started_at + dt.timedelta(seconds=self.grace(i.channel)) for i in later)
            labels = sorted({registry.get(i.channel).label for i in later})
            while not self.cancel.is_set() and (left := (first - self.clock()).total_seconds()) > 0:
                yield Progress(self.done, self.total, "waiting",
                               f"Waiting {left:.0f} s before checking {' and '.join(labels)} again for "
                               f"{plural(len(later), 'unconfirmed message')}", until=_iso(first))
                self._sleep(min(left, 1.0))

    # -- sending one -------------------------------------------------------------------------------------
    def _deliver(self, job: Job) -> None:
        """Hand ``job`` to its channel and record what it answered (the failures are raised)."""
        conn = self._channel(job.channel)
        try:
            delivered = conn.send(job, self._steps(job))
        finally:
            self._save_rates(job.channel, conn)
        self.db(lambda s: _record_sent(s, job.message_id, job.attempt_id, delivered.external_id, delivered.sent_at,
                                       "answer"))

    def _one(self, message_id: int, customer_id: int, channel: str) -> Generator[Progress, None, None]:
        kind = registry.find(channel)
        if kind is None:
            self.report.stopped.setdefault(channel, f"sending by {channel} is not supported")
            return
        try:
            self._channel(channel)
        except _Stop:
            return
        # A used-up rate limit is waited out first, so quiet hours are judged at the time it goes.
        if kind.send_endpoint and not (yield from self._rate_gate(channel, kind.send_endpoint)):
            return
        # Quiet hours: hold the message until the customer's morning; a paused customer until the pause ends.
        now = self.clock()
        when = self.db(lambda s: quiet_hours.next_send_time(s, customer_id, now, kind.quiet_hours))
        # The reason says the time as the customer reads it ("until 09:00 Tokyo time"): kept on the message.
        zone = self.db(lambda s: quiet_hours.customer_zone(s, customer_id))
        why = quiet_hours.held_reason(when, zone, now=now)
        paused = self.db(lambda s: _paused_until(s, customer_id))
        if paused is not None and paused > max(when, now):
            when, why = paused, f"held: the customer is paused until {quiet_hours.local_time(paused, zone, now=now)}"
        if when > now:
            self.db(lambda s: _defer(s, message_id, when, why))
            self.report.deferred.append((message_id, _iso(when)))
            yield Progress(self.done, self.total, "deferred", f"Message {message_id} {why}",
                           message_id, channel, until=_iso(when))
            return
        known = self.db(lambda s: reachability.unreachable(s, customer_id, channel))
        job = self.db(lambda s: _claim(s, message_id))
        if job is None:
            return
        if isinstance(job, str):
            self.report.failed.append((message_id, job))
            yield Progress(self.done, self.total, "failed", f"Message {message_id} {job}", message_id, channel)
            return
        if known is not None:
            why = f"{channel} was marked unreachable on {known.since[:10]}: {known.reason}"
            self.db(lambda s: _record_failed(s, message_id, job.attempt_id, "unreachable", why, False))
            self.report.unreachable.append((message_id, why))
            yield Progress(self.done, self.total, "unreachable", why, message_id, channel)
            return
        yield Progress(self.done, self.total, "sending", f"Sending message {message_id} by {channel}",
                       message_id, channel)
        try:
            self._deliver(job)
        except (_Stop, DeliveryError) as exc:
            yield from self._after_failure(job, exc)
            return
        self.report.sent.append(message_id)
        yield Progress(self.done, self.total, "sent", f"Message {message_id} sent by {channel}", message_id, channel)

    def _after_failure(self, job: Job, exc: Exception) -> Generator[Progress, None, None]:
        """Record what a failed attempt means for its message (see :mod:`lookbook.outbox.channels`)."""
        mid, attempt, channel, error = job.message_id, job.attempt_id, job.channel, str(exc)
        if isinstance(exc, _Stop):
            self.db(lambda s: _record_requeue(s, mid, attempt, "stopped", error))
        elif isinstance(exc, Ambiguous):
            yield from self._after_ambiguous(job, error)
        elif isinstance(exc, RateLimited):
            self._note_429(channel, registry.get(channel).send_endpoint or "send", exc)
            self.db(lambda s: _record_requeue(s, mid, attempt, "rate_limited", error))
            self.report.requeued.append(mid)
            yield Progress(self.done, self.total, "requeued", f"Message {mid}: {error}", mid, channel,
                           until=_iso(exc.reset_at))
        elif isinstance(exc, AuthFailed):
            self.db(lambda s: _record_requeue(s, mid, attempt, "auth", error))
            yield self._stop(channel, error)
        elif isinstance(exc, OptedOut):
            # Never retried, on no message: their consent on this channel is withdrawn in the ledger.
            self.db(lambda s: _record_opted_out(s, job, attempt, error))
            self.report.unreachable.append((mid, error))
            yield Progress(self.done, self.total, "unreachable", f"Message {mid}: {error}", mid, channel)
        elif isinstance(exc, Unreachable):
            self.db(lambda s: _record_unreachable(s, job, attempt, error))
            self.report.unreachable.append((mid, error))
            yield Progress(self.done, self.total, "unreachable", f"Message {mid}: {error}", mid, channel)
        elif isinstance(exc, NotSent):
            yield from self._after_not_sent(job, error, exc.retry_at)
        else:  # Rejected: this message will never be accepted as it is
            self.db(lambda s: _record_failed(s, mid, attempt, "rejected", error, False))
            self.report.failed.append((mid, error))
            yield Progress(self.done, self.total, "failed", f"Message {mid}: {error}", mid, channel)

    def _after_not_sent(self, job: Job, error: str,
                        retry_at: dt.datetime | None = None) -> Generator[Progress, None, None]:
        attempts = self.db(lambda s: s.db.execute("SELECT attempts FROM messages WHERE id = ?",
                                                  [job.message_id]).fetchone()[0])
        if attempts >= self.options.max_attempts:
            why = f"{error} (after {attempts} attempts; retry when the problem is fixed)"
            self.db(lambda s: _record_failed(s, job.message_id, job.attempt_id, "not_sent", why, True))
            self.report.failed.append((job.message_id, why))
            yield Progress(self.done, self.total, "failed", f"Message {job.message_id}: {why}", job.message_id,
                           job.channel)
            return
        delay = self.options.backoff_s * 2 ** (attempts - 1)
        # The service's own "not before" (WhatsApp's per-customer limits) wins over a shorter back-off.
        later = _iso(max(self.clock() + dt.timedelta(seconds=delay), retry_at or self.clock()))
        self.db(lambda s: _record_requeue(s, job.message_id, job.attempt_id, "not_sent", error, later))
        self.report.requeued.append(job.message_id)
        yield Progress(self.done, self.total, "requeued", f"Message {job.message_id}: {error} Next try at {later}.",
                       job.message_id, job.channel, until=later)

    def _after_ambiguous(self, job: Job, error: str) -> Generator[Progress, None, None]:
        self.db(lambda s: _set_phase(s, job.attempt_id, ambiguous=error))
        yield Progress(self.done, self.total, "ambiguous",
                       f"Message {job.message_id}: {error} Checking whether it arrived before anything else.",
                       job.message_id, job.channel)
        # Reconciled with the rest of the unsettled ones (now, and again after the grace period).

    # -- the whole run -------------------------------------------------------------------------------------
    def run(self, message_ids: Iterable[int] | None = None) -> Generator[Progress, None, SendReport]:
        """Reconcile, queue the approved messages, and send everything due; see the module docstring.

        :raises SenderBusy: (at the first step) if another run is sending from this library.
        """
        lock = SendLock(self.db(lambda s: s.library.root))
        lock.acquire()
        try:
            return (yield from self._run(message_ids))
        finally:
            try:
                self._close_channels()
            finally:
                lock.release()

    def _close_channels(self) -> None:
        """Close every channel opened in this run, whatever ended it: an error mid-run (a full disk) or a caller
        that dropped the run unfinished left each kept-alive socket to the garbage collector, one more for every
        failed run of a long-lived app. One channel failing to close does not keep the others open."""
        channels, self._channels = list(self._channels.values()), {}
        for conn in channels:
            try:
                conn.close()
            except Exception:  # closing is tidying up; what ended the run (or its report) is what matters
                pass

    def _run(self, message_ids: Iterable[int] | None) -> Generator[Progress, None, SendReport]:
        only = set(message_ids) if message_ids is not None else None
        self.db(lambda s: expire_stale(s, actor=ACTOR))
        # Anything a crash left in ``sending`` is settled before anything new goes out.
        self.total = len(self.db(_pending))
        if self.total:
            yield Progress(0, self.total, "reconciling", "Checking messages a previous run left unconfirmed")
            yield from self._reconcile_due(wait=True)
        self.db(lambda s: _queue_approved(s, only, self.report.waiting_render))
        now = _iso(self.clock())
        channels = set(registry.names())
        self.total = self.done + self.db(lambda s: _count_due(s, channels, now, only)) + len(self.db(_pending))
        while not self.cancel.is_set():
            if not (yield from self._hold()):
                break
            live = channels - set(self.report.stopped)
            now = _iso(self.clock())
            pick = self.db(lambda s: _next_due(s, live, now, only))  # noqa: B023 -- self.db calls it at once
            if pick is None:
                # Nothing due: settle what is unconfirmed (it may come back to the queue), then finish.
                yield from self._reconcile_due(wait=True)
                live = channels - set(self.report.stopped)
                if self.db(lambda s: _next_due(s, live, _iso(self.clock()), only)) is None:  # noqa: B023 -- called at once
                    break
                continue
            message_id, customer_id, channel = pick
            yield from self._one(message_id, customer_id, channel)
            self.done += 1
            if self.db(lambda s: _state(s, message_id)) == "sending":  # noqa: B023 -- self.db calls it at once
                # An ambiguous attempt: settle it at once if the channel already shows it arrived.
                yield from self._reconcile_due(wait=False)
        if self.cancel.is_set():
            self.report.cancelled = True
            yield Progress(self.done, self.total, "cancelled", "Cancelled; messages not sent yet stay queued.")
        return self.report


def send(db: DbCall, *, message_ids: Iterable[int] | None = None, options: SenderOptions | None = None,
         cancel: threading.Event | None = None, pause: threading.Event | None = None,
         clients: dict[str, Callable[[Store], Any]] | None = None,
         **client_factories: Callable[[Store], Any] | None) -> Generator[Progress, None, SendReport]:
    """Send every approved (and queued) message that is due; yield :class:`Progress`, return :class:`SendReport`.

    :param db: runs a function with the store (``direct(store)`` on the store's own thread).
    :param message_ids: only these messages (default: all).
    :param options: see :class:`SenderOptions`.
    :param cancel: set it to stop after the message in hand (nothing is left half-sent).
    :param pause: while it is set, the sender waits between messages.
    :param clients: per channel name, makes that channel's client from the store (default: the library's
        sign-in or server); also accepted as keywords named after the channel (``x=...``, ``email=...``).
    """
    return Sender(db, options=options, clients={**(clients or {}), **{k: v for k, v in client_factories.items() if v}},
                  cancel=cancel, pause=pause).run(message_ids)


@dataclass(frozen=True)
class OutboxRow:
    """A message as the Outbox page lists it, with what the sender knows about it."""

    id: int
    customer_id: int
    customer: str
    channel: str
    state: str
    attempts: int
    next_attempt_at: str | None
    retryable: bool | None
    reason: str
    external_id: str | None
    updated_at: str
    #: Who drafted it (the Outbox's "mine" filter).
    drafted_by: str = ""
    #: The customer's IANA time zone, to say times as the customer reads them.
    customer_tz: str = "UTC"
    #: What the channel reported after the send (WhatsApp: sent, delivered, read, failed), as stored and in words
    #: in the store's time ("delivered 14:02 UTC"; "" when the channel said nothing).
    delivery_status: str | None = None
    delivery: str = ""


def list_outbox(store: Store, states: Iterable[str] | None = None, limit: int = 1000, *,
                drafted_by: str | None = None) -> list[OutboxRow]:
    """Return messages from approval on (newest first), optionally of the given states.

    :param drafted_by: only the messages this person drafted ("mine").
    """
    wanted = list(states or ("approved", "queued", "sending", "sent", "failed", "cancelled"))
    marks = ",".join("?" * len(wanted))
    mine = " AND m.drafted_by = ?" if drafted_by is not None else ""
    rows = store.db.execute(
        "SELECT m.id, m.customer_id, trim(c.first_name || ' ' || c.last_name), m.channel, m.state, m.attempts,"
        " m.next_attempt_at, m.retryable, coalesce(m.error, m.state_reason, ''), m.external_id, m.updated_at,"
        " m.drafted_by, coalesce(nullif(c.timezone, ''), 'UTC'), m.delivery_status, m.delivery_status_at, m.error"
        f" FROM messages m JOIN customers c ON c.id = m.customer_id WHERE m.state IN ({marks}){mine}"
        " ORDER BY m.updated_at DESC, m.id DESC LIMIT ?",
        [*wanted, *([drafted_by] if drafted_by is not None else []), int(limit)]).fetchall()
    zone = settings.value(store, "store_timezone")
    return [OutboxRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], None if r[7] is None else bool(r[7]), r[8], r[9],
                      r[10], r[11] or "", r[12], r[13], delivery_words(r[13], r[14], r[15], zone)) for r in rows]


def start_send_run(store: Store, actor: str, **detail: Any) -> None:
    """Check that ``actor`` may send (the role matrix) and record the start of their send run in the audit log.

    :raises PermissionDenied: if their role may not send.
    """
    roles.require(store, actor, "outbox.send")
    store.audit(actor, "outbox.send_run", "outbox", None, **detail)


def retry(store: Store, message_ids: Iterable[int], actor: str) -> Changes:
    """Put failed, retryable messages back in the queue (failed → queued), for the next send run.

    :raises IllegalTransition: if a message is not failed or its failure is not retryable.
    :raises PermissionDenied: if ``actor``'s role may not send (see :mod:`lookbook.store.roles`).
    """
    roles.require(store, actor, "outbox.send")
    with store.atomic():
        for message_id in message_ids:
            transition(store, message_id, "queued", actor, comment="retry", next_attempt_at=None)
    return store.notify(Changes(outbox=True, audit=True))


__all__ = ["DbCall", "IllegalTransition", "OutboxRow", "Progress", "SendLock", "SendReport", "Sender",
           "SenderBusy", "SenderOptions",
           "blocked_until", "direct", "list_outbox", "options_from_settings", "rate_limit", "retry",
           "save_rates", "send"]
