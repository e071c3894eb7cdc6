"""The channels Lookbook Studio can send on, listed once.

Everything that needs to know which channels exist (the sender, matching, templates,
the outbox, the fallback offer, the command line, the app) asks here. A channel is a
:class:`~lookbook.outbox.channels.interface.Channel`; adding one is one module with its
implementation and one line: an entry in :data:`BUILT_IN`, or a call to
:func:`register` (a plugin, a test)::

    registry.register(PigeonChannel())

Built-in channels are named by ``"module:attribute"`` and imported the first time a
channel's facts are needed, so that importing this module (the command line's parser
does, for its choices) loads neither tweepy nor requests.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from lookbook.errors import InputError
from lookbook.outbox.channels.interface import Channel

#: The built-in channels, in the order matching tries them after a customer's preferred one.
BUILT_IN: dict[str, str] = {
    "x": "lookbook.outbox.channels.x:X_DM",
    "email": "lookbook.outbox.channels.email:EMAIL",
    "sms": "lookbook.outbox.channels.sms:SMS",
    "whatsapp": "lookbook.outbox.channels.whatsapp:WHATSAPP",
}

_entries: dict[str, Channel | str] = dict(BUILT_IN)


@dataclass(frozen=True)
class Facts:
    """What matching reads of a channel: no more than its class says, known without importing its module."""

    #: The word people read ("e-mail").
    label: str
    #: The consent ledger's channel that governs it (:meth:`Channel.consent`).
    consent: str
    #: :meth:`Channel.address_sql` over ``customers AS {alias}``.
    address_template: str

    def address_sql(self, alias: str = "c") -> str:
        """Return SQL over ``customers AS alias`` that is the address, '' when there is none."""
        return self.address_template.replace("{alias}", alias)


#: The built-in channels' facts, so that matching a set (``sets match``, the Match page) loads neither
#: tweepy, requests nor the e-mail composer (a third of the command's time, issue 18).
#: tests/test_sender_channels.py checks that they are what each channel's own class says.
BUILT_IN_FACTS: dict[str, Facts] = {
    "x": Facts("X", "x", "coalesce({alias}.x_user_id, {alias}.x_handle, '')"),
    "email": Facts("e-mail", "email", "ifnull({alias}.email, '')"),
    "sms": Facts("SMS", "sms", "ifnull({alias}.phone, '')"),
    "whatsapp": Facts("WhatsApp", "whatsapp", "ifnull({alias}.phone, '')"),
}


def facts_of(channel: Channel) -> Facts:
    """Return what matching reads of ``channel``, asked of the channel itself."""
    return Facts(channel.label, channel.consent, channel.address_sql("{alias}"))


def facts(name: str) -> Facts:
    """Return the facts of the channel called ``name``: a built-in one's without importing it.

    :raises InputError: naming the channels there are, if there is none by that name.
    """
    entry = _entries.get(name)
    if isinstance(entry, str) and entry == BUILT_IN.get(name) and name in BUILT_IN_FACTS:
        return BUILT_IN_FACTS[name]
    return facts_of(get(name))


def register(channel: Channel) -> Channel:
    """Add ``channel`` (or replace the one of the same name); return it.

    :raises InputError: if its name is not a short lower-case word.
    """
    name = getattr(channel, "name", "")
    if not (isinstance(name, str) and name.isidentifier() and name.islower() and len(name) <= 20):
        raise InputError(f"channel {channel!r}: its name must be a short lower-case word, not {name!r}.")
    _entries[name] = channel
    return channel


def unregister(name: str) -> None:
    """Remove channel ``name`` (tests that registered one put things back with it)."""
    _entries.pop(name, None)


def names() -> tuple[str, ...]:
    """Return the registered channels' names without importing any of them."""
    return tuple(_entries)


def _load(name: str) -> Channel:
    entry = _entries[name]
    if isinstance(entry, str):
        module, _, attribute = entry.partition(":")
        entry = getattr(importlib.import_module(module), attribute)
        if not isinstance(entry, Channel) or entry.name != name:
            raise TypeError(f"{BUILT_IN.get(name, name)} is not the channel '{name}'")
        _entries[name] = entry
    return entry


def find(name: str | None) -> Channel | None:
    """Return the channel called ``name``, or None if none is registered by that name."""
    return _load(name) if name in _entries else None


def get(name: str) -> Channel:
    """Return the channel called ``name``.

    :raises InputError: naming the channels there are, if there is none by that name.
    """
    channel = find(name)
    if channel is None:
        raise InputError(f"channel '{name}': messages can be sent by {' or '.join(names())} only")
    return channel


def channels() -> tuple[Channel, ...]:
    """Return every registered channel, in registration order."""
    return tuple(_load(name) for name in _entries)


def fallback_order() -> tuple[Channel, ...]:
    """Return the channels in the order they are offered instead of one that failed."""
    return tuple(sorted(channels(), key=lambda c: c.fallback_rank))


def labels() -> dict[str, str]:
    """Return each channel's name -> the word people read."""
    return {c.name: c.label for c in channels()}
