"""Delivery channels: what the sender needs to know about how a send went.

A channel (:mod:`lookbook.outbox.channels.x`, :mod:`lookbook.outbox.channels.email`) turns every
failure into one of the :class:`DeliveryError` subclasses below, because the
sender's next step depends only on the class:

=====================  ===========================================  =====================================
error                  what it means                                what the sender does
=====================  ===========================================  =====================================
:class:`NotSent`       the request certainly did not deliver        queue again after a back-off
:class:`Ambiguous`     it may have been delivered (timeout, reset,  never re-send blindly: check the
                       5xx after the request went out)              conversation first (X), or ask (email)
:class:`RateLimited`   429 (or quota exhausted) until ``reset_at``  queue again, wait until the reset
:class:`AuthFailed`    the sign-in is refused (401, 403 for the     stop the batch; messages stay queued
                       app or account)
:class:`Unreachable`   this customer cannot get messages on this    fail the message for good, mark the
                       channel (X: not following, DMs closed)       channel unreachable, offer another
:class:`OptedOut`      the customer told the service to stop        fail the message for good, withdraw
                       (SMS STOP, a block): a kind of Unreachable   the channel's consent in the ledger
:class:`Rejected`      this message will never be accepted as it    fail the message for good
                       is (400: too long, bad attachment)
:class:`CannotTell`    (from reconciling) the channel offers no     fail the message as retryable; a
                       way to find out whether it arrived (SMTP)    person checks with the customer
=====================  ===========================================  =====================================

Each channel implements :class:`lookbook.outbox.channels.interface.Channel`; the channels are listed once, in
:mod:`lookbook.outbox.channels.registry`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from lookbook.errors import LookbookError


class DeliveryError(LookbookError):
    """A send did not go as planned; the subclass says what the sender should do next."""


class NotSent(DeliveryError):
    """The message was certainly not delivered; trying again later is safe.

    :param retry_at: the earliest time (UTC) the service says a retry may go (WhatsApp's per-customer limits);
        None: the sender's own back-off decides.
    """

    def __init__(self, message: str, retry_at: dt.datetime | None = None) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class Ambiguous(DeliveryError):
    """The message may or may not have been delivered."""


class CannotTell(Ambiguous):
    """The channel has no way to find out whether an uncertain send arrived; a person must decide."""


class RateLimited(DeliveryError):
    """The channel's rate limit is used up until ``reset_at`` (UTC)."""

    def __init__(self, message: str, reset_at: dt.datetime) -> None:
        super().__init__(message)
        self.reset_at = reset_at


class AuthFailed(DeliveryError):
    """The channel refuses the saved sign-in; a person must sign in again."""


class Unreachable(DeliveryError):
    """The customer cannot receive messages on this channel (a permanent refusal)."""


class OptedOut(Unreachable):
    """The customer told the channel's service to stop messages from the store (SMS STOP, a WhatsApp block)."""


class Rejected(DeliveryError):
    """The channel refuses this message as it is (permanently)."""


@dataclass(frozen=True)
class RateLimit:
    """A rate-limit window as the server reported it in ``x-rate-limit-*`` headers."""

    limit: int
    remaining: int
    reset_at: dt.datetime

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimit | None:
        """Read ``x-rate-limit-limit/remaining/reset``; None if the answer carried none.

        X also sends ``x-user-limit-24hour-*`` on some endpoints; when that daily
        window is the one exhausted, its reset is the one that matters.
        """
        try:
            limit = int(headers["x-rate-limit-limit"])
            remaining = int(headers["x-rate-limit-remaining"])
            reset = int(headers["x-rate-limit-reset"])
        except (KeyError, ValueError):
            return None
        try:
            if int(headers["x-user-limit-24hour-remaining"]) <= 0:
                remaining, reset = 0, max(reset, int(headers["x-user-limit-24hour-reset"]))
        except (KeyError, ValueError):
            pass
        return cls(limit, remaining, dt.datetime.fromtimestamp(reset, dt.UTC))


@dataclass(frozen=True)
class Delivered:
    """A message the channel accepted."""

    external_id: str
    sent_at: str  # ISO-8601 UTC
    detail: Mapping[str, str]
