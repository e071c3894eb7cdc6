"""The one interface every delivery channel implements, and what the sender hands it.

A channel is two things:

* a :class:`Channel`: what the rest of the app may know about it without opening a
  connection: its name and label, which column of the customer book holds the
  customer's address on it, which consent in the ledger governs it, its limits, and
  how its messages look (a subject line, the store's footer, the card attached or shown
  in the text) and the size its card is drawn at. Matching, templates, composing, the outbox and the UI ask
  :mod:`lookbook.outbox.channels.registry` for these facts instead of naming a channel.
* a :class:`Connection` (from :meth:`Channel.open`): one send run's link to the
  service: :meth:`Connection.send` delivers a :class:`Job` and returns a
  :class:`~lookbook.outbox.channels.Delivered`; :meth:`Connection.reconcile` finds out
  whether an :class:`Attempt` that may have delivered did; every failure is raised as
  one of the :class:`~lookbook.outbox.channels.DeliveryError` classes (the channel's own
  :meth:`Connection.classify` maps its library's exceptions onto them).

The sender (:mod:`lookbook.outbox.sender`) does the rest for every channel alike: approval,
consent, quiet hours, pauses, caps, the send lock, the attempt ledger, rate-limit
waits, retries and the audit log. How exactly-once works with a channel:

1. Before the step after which the message may have reached the customer, the
   connection calls ``steps.phase(channel.uncertain_phase, ...)``; the sender commits
   that before returning. An attempt that never reached that phase certainly sent
   nothing and is queued again after a crash.
2. An attempt in that phase whose answer was lost (:class:`~lookbook.outbox.channels.Ambiguous`,
   or a crash) is handed to :meth:`Connection.reconcile` before anything is re-sent.
   It returns the delivery it finds, None when it sees none (the sender then waits out
   :attr:`Connection.grace_s` and looks once more before queueing it again), or raises
   :class:`~lookbook.outbox.channels.CannotTell` when the service offers no way to look
   (SMTP): the message then fails as retryable and a person decides.

This module imports nothing heavy: the registry and everything that asks it stay cheap
to import, and a channel's network library is imported by its :meth:`Channel.open`.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from lookbook.outbox.channels import Delivered, DeliveryError, RateLimit

if TYPE_CHECKING:
    from lookbook.outbox.compose import Footer, Picture
    from lookbook.store.database import Store

T = TypeVar("T")

#: A subject longer than this is unreadable (RFC 5322 caps a header line at 998 characters).
SUBJECT_LIMIT = 200
#: The subject of a message on a channel with subjects whose draft has none (one offered after X refused it).
DEFAULT_SUBJECT = "Picked for you"


@dataclass(frozen=True)
class Limits:
    """What one message on a channel may carry.

    :param text: the longest body, in characters.
    :param attachments: pictures per message: 0 text only, 1 the set's card as an attachment (the ``several``
        drafting mode sends one message per product instead, each with the product's own card), more: the
        card shown in the message's own text, with the products' names as alt text and its lines as caption.
    :param subject: the longest subject line; None when the channel has no subject.
    :param segment: characters per billed segment where the channel counts them (SMS), else None.
    :param card_output: the size the composer draws this channel's card at, one of
        :data:`lookbook.lookbooks.layouts.OUTPUT_SIZES` (``x``, ``email``, ``pdf``, ``square``, ``portrait``); drafting
        writes each customer's card (and each product's own picture in ``several`` mode) at it.
    """

    text: int
    attachments: int = 1
    subject: int | None = None
    segment: int | None = None
    card_output: str = "x"

    @property
    def gallery(self) -> bool:
        """Whether a message shows its pictures in its own text (with alt text and captions), not attached."""
        return self.attachments > 1


@dataclass(frozen=True)
class Job:
    """One approved message, claimed for sending: what a connection needs to deliver it.

    :param address: the customer's address on the channel (:meth:`Channel.address`), None if they have none.
    :param customer: the customer's row of the customer book (column -> value), for what a channel keeps
        beside the address (X: the resolved user id).
    :param attachment: the card (or one product's own card) for channels that carry one picture.
    :param photos: the card with its alt text and caption, for channels whose :attr:`Limits.gallery` is true.
    :param footer: the store's name, postal address and how to stop, where the channel needs it.
    :param thread: for an answer in a conversation, the headers that continue the customer's thread on this
        channel (e-mail: ``In-Reply-To`` and ``References``); empty otherwise.
    """

    message_id: int
    attempt_id: int
    channel: str
    customer_id: int
    body: str
    subject: str
    attachment: Path | None
    photos: tuple[Picture, ...]
    address: str | None
    name: str
    customer: Mapping[str, Any] = field(default_factory=dict)
    footer: Footer | None = None
    thread: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Attempt:
    """A send attempt that may have delivered, as the ledger recorded it, for :meth:`Connection.reconcile`.

    :param body: the text as the channel sent it (card numbers masked).
    :param detail: what the connection recorded with :meth:`Steps.phase` (ids of uploads, the recipient ...).
    :param claimed: external ids already recorded for other messages on this channel: never this attempt's.
    :param skew_s: the allowance between this computer's clock and the service's.
    """

    message_id: int
    attempt_id: int | None
    channel: str
    customer_id: int
    body: str
    started_at: dt.datetime
    detail: Mapping[str, Any]
    customer: Mapping[str, Any]
    claimed: frozenset[str] = frozenset()
    skew_s: float = 120.0


class Steps(ABC):
    """What a connection may ask of the sender while it sends one :class:`Job`."""

    #: The library's id (stable per library): for ids the channel derives (e-mail's Message-ID).
    library_id: str

    @abstractmethod
    def phase(self, name: str, **detail: Any) -> None:
        """Record that the attempt reached ``name`` (with ``detail``), committed before this returns."""

    @abstractmethod
    def db(self, fn: Callable[[Store], T]) -> T:
        """Run ``fn`` with the store, on whatever thread owns it (for what the channel keeps in the library)."""


class Connection(ABC):
    """One send run's link to a channel's service; see the module docstring."""

    #: The latest rate-limit window per endpoint (the sender keeps them in ``rate_limits``).
    rates: dict[str, RateLimit]
    #: How long a request can be in flight: after that "not seen" means "not sent".
    grace_s: float = 60.0

    @abstractmethod
    def send(self, job: Job, steps: Steps) -> Delivered:
        """Deliver ``job`` once; call ``steps.phase(uncertain_phase)`` just before the point of no return.

        :raises DeliveryError: the subclass says what the sender does next.
        """

    @abstractmethod
    def reconcile(self, attempt: Attempt) -> Delivered | None:
        """Return the delivery ``attempt`` made if the service shows one, None if it shows none.

        :raises lookbook.outbox.channels.CannotTell: if the service cannot be asked at all (the sender fails the
            message as retryable).
        :raises DeliveryError: if it cannot be asked now (the message stays unsettled for a later run).
        """

    @abstractmethod
    def classify(self, exc: Exception, *, delivers: bool) -> DeliveryError:
        """Turn the channel library's exception into the :class:`DeliveryError` that says what to do next.

        :param delivers: whether the failed request could have delivered the message: only then is a lost
            answer :class:`~lookbook.outbox.channels.Ambiguous`.
        """

    def close(self) -> None:  # noqa: B027 -- most connections hold nothing to close
        """Let go of the connection at the end of the run."""


@dataclass(frozen=True)
class Credential:
    """One thing a person enters to set a channel up; the Settings page and ``lookbook delivery credentials``
    list a channel's :attr:`Channel.credentials` instead of naming the channel.

    :param name: the field's key: in the channel's settings (:attr:`Channel.setting`), or, for a secret, the name
        people type (``--secret token``).
    :param secret: kept only in the system keyring, under ``keyring`` (a name from :mod:`lookbook.store.secrets`);
        never shown again, only whether it is there.
    :param env: the environment variable the command line reads it from (default ``LOOKBOOK_<CHANNEL>_<NAME>``).
    :param choices: the only values it takes (a form shows a list to choose from; the first is the default).
    :param needed_with: an optional secret that is needed once this other field is filled in (e-mail's password
        with a login name): the command line asks for it then, and says it is still to enter.
    """

    name: str
    label: str
    secret: bool = False
    keyring: str = ""
    help: str = ""
    optional: bool = False
    env: str = ""
    choices: tuple[str, ...] = ()
    needed_with: str = ""


class Channel(ABC):
    """A way to reach customers; register one instance with :func:`lookbook.outbox.channels.registry.register`."""

    #: The key stored in ``messages.channel`` (and ``rate_limits``, ``channel_status``): never change it.
    name: str
    #: How people read it ("X", "e-mail").
    label: str
    #: The column of ``customers`` that holds the customer's address on this channel.
    address_column: str
    #: The address in words, for refusals ("X handle", "e-mail address").
    address_label: str
    #: How a message on it reaches the customer, for the person approving it ("To Ann as ...").
    shown_as: str = ""
    #: The ``consents.channel`` that governs this channel (default: :attr:`name`).
    consent_channel: str = ""
    limits: Limits = Limits(text=1000)
    #: Whether every message carries the store's name, postal address and a way to stop (marketing mail).
    footer: bool = False
    #: Offered in this order (lowest first) instead of a channel that cannot reach the customer.
    fallback_rank: int = 100
    #: The phase a connection records just before the point of no return (see the module docstring).
    uncertain_phase: str = "post"
    #: The rate-limited endpoint a send uses, and the one reconciling reads (None: no rate limit to pace to).
    send_endpoint: str | None = None
    reconcile_endpoint: str | None = None
    #: Whether :meth:`Connection.reconcile` can look at all (False: it raises :class:`CannotTell` at once).
    reconciles: bool = True
    #: Hours (start, end) in the customer's local time when the law or the carriers forbid messages on this
    #: channel (SMS: 21:00-08:00); the store's quiet hours apply as well, so the stricter of the two wins.
    quiet_hours: tuple[dt.time, dt.time] | None = None

    #: What a person enters to set it up (:class:`Credential`), in the order a form shows them; () when it is set
    #: up another way entirely. X declares its app (client id, callback port, client secret); its browser sign-in
    #: and OAuth 1.0a tokens, which X itself must confirm, stay beside the declared fields.
    credentials: tuple[Credential, ...] = ()
    #: The library setting that holds the non-secret credentials ("delivery.whatsapp").
    setting: str = ""

    def save_settings(self, store: Store, value: dict[str, Any], actor: str) -> None:
        """Check and keep the non-secret credentials (``value``: field name -> text) in :attr:`setting`.

        :raises InputError: naming the field that is wrong.
        """
        raise NotImplementedError(f"the {self.label} channel declares no credentials")

    @property
    def consent(self) -> str:
        """Return the consent ledger's channel for this channel."""
        return self.consent_channel or self.name

    def address(self, customer: Mapping[str, Any]) -> str | None:
        """Return the customer's address on this channel from their row, or None if they have none."""
        value = customer.get(self.address_column)
        return str(value).strip() or None if value else None

    def address_sql(self, alias: str = "c") -> str:
        """Return SQL over ``customers AS alias`` that is the address, '' when there is none (for matching)."""
        return f"ifnull({alias}.{self.address_column}, '')"

    def problems(self, subject: str, body: str) -> list[str]:
        """Return what keeps a message with this subject and body from going out (an empty list when nothing)."""
        problems: list[str] = []
        limits = self.limits
        if not body.strip():
            problems.append("the message is empty")
        if len(body) > limits.text:
            problems.append(f"the message has {len(body):,} characters; {self.name} takes at most "
                            f"{limits.text:,}, so shorten it")
        if limits.subject is not None:
            if not subject.strip():
                article = "an" if self.name[:1] in "aeiou" else "a"
                problems.append(f"{article} {self.name} needs a subject; give the template one")
            if "\n" in subject or "\r" in subject:
                problems.append("the subject must be one line")
            if len(subject) > limits.subject:
                problems.append(f"the subject has {len(subject)} characters; keep it to {limits.subject}")
        return problems

    def segments(self, text: str) -> str | None:
        """Return how the text is billed on this channel ("2 SMS segments (UCS-2, 75 characters ...)"), shown
        before approval; None for a channel that does not count segments."""
        return None

    def drafting_rule(self, store: Store, customer_id: int) -> str | None:
        """Return what a message to this customer must be on this channel, for drafting and approval
        (WhatsApp: "approved template ..." or "free text: inside the 24-hour window"); None: no rule."""
        return None

    def free_text_refusal(self, store: Store, customer_id: int) -> str | None:
        """Return why a message in a person's own words (an answer in a conversation) cannot go to this customer
        now, for refusing it at drafting (WhatsApp: outside the 24-hour window only a template may go); None: it
        may."""
        return None

    def no_address(self) -> str:
        """Return the refusal for a customer without an address on this channel."""
        return f"the customer has no {self.address_label}; add it or choose another channel."

    @abstractmethod
    def open(self, store: Store, client: Any = None) -> Connection:
        """Open this channel for one send run, from the library's settings and keyring.

        :param client: the service's client made by the caller (tests point it at a fake); None: the library's.
        :raises LookbookError: if the channel is not set up; the sender stops the channel for this run.
        """

    def __repr__(self) -> str:
        return f"<channel {self.name}>"
