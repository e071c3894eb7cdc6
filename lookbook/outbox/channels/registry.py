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
