"""The settings that rule sending: each one named, with its default, its allowed range and its meaning.

Every such setting is read through :func:`value` by the code it rules (quiet hours by the sender, the caps
by matching and drafting, the approval expiry by the outbox, the X timeout by the X channel, the back-off by
the sender), so the app's Settings page, ``lookbook settings list/get/set`` and the README (generated from
:data:`SETTINGS` by :func:`markdown_table`) all describe what the code does. A change is validated, written
and audited in one transaction by :func:`set_value`; a bad value gets one line naming the setting and the
allowed range. A setting never set reads as its default, which is the behaviour before settings existed.

The values live in the library's ``settings`` table under the keys the code used before (two of them
inside the dict of their channel: ``delivery.x``'s ``timeout_s`` and ``delivery.sender``'s ``backoff_s``),
so libraries that set them by hand keep their values.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.payment_cards import has_card_number
from lookbook.store import roles
from lookbook.store.database import Store

#: The audit action of a change.
AUDIT_ACTION = "settings.set"


def _int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        number = int(text.strip())
        if not low <= number <= high:
            raise ValueError
        return number
    return parse


def _number_between(low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        number = float(text.strip())
        if not low <= number <= high:  # NaN fails this too
            raise ValueError
        return number
    return parse


def _time_zone(text: str) -> str:
    name = text.strip()
    if not name or name.startswith("/") or ".." in name:
        raise ValueError
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError from None
    return name


def _window(text: str) -> tuple[dt.time, dt.time]:
    start, sep, end = text.replace("–", "-").partition("-")
    if not sep:
        raise ValueError
    times = []
    for part in (start.strip(), end.strip()):
        if len(part) != 5 or part[2] != ":":  # HH:MM exactly: "9" or "21:00:30" would be guesses
            raise ValueError
        times.append(dt.time.fromisoformat(part))
    return times[0], times[1]


def _show_window(window: tuple[dt.time, dt.time]) -> str:
    return f"{window[0]:%H:%M}-{window[1]:%H:%M}"


def _load_window(stored: Any) -> str:
    # Stored as {"start": "HH:MM", "end": "HH:MM"} (lookbook.outbox.quiet_hours's format); a missing half is the
    # default.
    value = stored if isinstance(stored, dict) else {}
    return f"{value.get('start', '21:00')}-{value.get('end', '09:00')}"


def _dump_window(window: tuple[dt.time, dt.time]) -> dict[str, str]:
    return {"start": f"{window[0]:%H:%M}", "end": f"{window[1]:%H:%M}"}


def _show_number(number: Any) -> str:
    return f"{number:g}" if isinstance(number, float) else str(number)


@dataclass(frozen=True)
class Setting:
    """One setting: its name, where it is kept, how it is read and checked, and what it means."""

    name: str
    label: str
    meaning: str
    default: Any
    #: The allowed values in words, for errors, ``--help`` and the README.
    allowed: str
    #: Text (from a person) to the value the code uses; raises ``ValueError`` for a value outside ``allowed``.
    parse: Callable[[str], Any]
    #: The ``settings`` table's key.
    key: str
    #: The field inside the key's dict, for settings kept with their channel's other settings.
    field: str | None = None
    #: The value as text (for lists and the app's fields).
    show: Callable[[Any], str] = _show_number
    #: The stored JSON to text, where it is not the value itself.
    load: Callable[[Any], str] | None = None
    #: The value to the stored JSON, where it is not the value itself.
    dump: Callable[[Any], Any] | None = None
    #: Unit shown after the value in the app ("days").
    unit: str = ""


#: The settings that rule sending, in the order the app and the README show them.
SETTINGS: tuple[Setting, ...] = (
    Setting("quiet_hours", "Quiet hours",
            "No message reaches a customer between these times of the customer's own day (their time zone); the "
            "sender holds it until the end. The same start and end turns quiet hours off.",
            (dt.time(21, 0), dt.time(9, 0)), "two 24-hour times HH:MM-HH:MM, such as 21:00-09:00",
            _window, "quiet_hours", show=_show_window, load=_load_window, dump=_dump_window),
    Setting("frequency_days", "Frequency cap",
            "A customer gets at most one message in this many days, whoever drafts it.",
            7, "a whole number of days from 1 to 365", _int_between(1, 365), "outbox.quiet_days", unit="days"),
    Setting("associate_cap", "Associate recipient cap",
            "Recipients a set drafted by an associate may hold before a manager must allow more.",
            100, "a whole number from 1 to 100000", _int_between(1, 100_000), "outbox.associate_cap",
            unit="recipients"),
    Setting("daily_cap", "Store daily cap",
            "Customers the whole store may message in one day (the store's day), across all associates.",
            200, "a whole number from 1 to 100000", _int_between(1, 100_000), "matching.daily_cap",
            unit="customers"),
    Setting("store_timezone", "Store time zone",
            "The store's IANA time zone: when the store's day (and so the daily cap) starts.",
            "UTC", "an IANA time zone name, such as Europe/London or Asia/Tokyo", _time_zone, "store.timezone",
            show=str),
    Setting("approval_hours", "Approval expiry",
            "Hours a submitted message may wait for a manager's approval before it expires.",
            72.0, "a number of hours from 1 to 720", _number_between(1, 720), "outbox.approval_hours", unit="hours"),
    Setting("x_timeout_s", "X request timeout",
            "Seconds the X channel waits for X to answer one request before it gives up on it.",
            30.0, "a number of seconds from 1 to 300", _number_between(1, 300), "delivery.x", field="timeout_s",
            unit="seconds"),
    Setting("backoff_s", "Retry back-off",
            "Seconds before the first retry after a message certainly was not delivered (network down, server "
            "busy); it doubles with each attempt.",
            30.0, "a number of seconds from 0 to 3600", _number_between(0, 3600), "delivery.sender",
            field="backoff_s", unit="seconds"),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def setting(name: str) -> Setting:
    """Return the setting called ``name``.

    :raises InputError: if there is none, naming the ones there are.
    """
    found = _BY_NAME.get(name.strip().replace("-", "_"))
    if found is None:
        raise InputError(f"setting '{name}': no such setting; use one of {', '.join(_BY_NAME)}.")
    return found


def _bad(s: Setting, text: str, where: str = "") -> InputError:
    return InputError(f"setting {s.name}{where}: '{text}' is not allowed; use {s.allowed}.")


def parse(name: str, text: str) -> Any:
    """Return the value ``text`` gives setting ``name``.

    :raises InputError: naming the setting and its allowed range, for a value outside it.
    """
    s = setting(name)
    try:
        return s.parse(str(text))
    except (ValueError, TypeError, OverflowError):
        raise _bad(s, str(text)) from None


def _stored(store: Store, s: Setting) -> Any:
    raw = store.get_setting(s.key)
    if s.field is not None:
        return raw.get(s.field) if isinstance(raw, dict) else None
    return raw


def value(store: Store, name: str) -> Any:
    """Return the value of setting ``name`` in this library (its default if never set).

    :raises InputError: if the stored value is outside the allowed range (set by hand), naming the setting.
    """
    s = setting(name)
    raw = _stored(store, s)
    if raw is None:
        return s.default
    text = s.load(raw) if s.load is not None else str(raw)
    try:
        return s.parse(text)
    except (ValueError, TypeError, OverflowError):
        raise _bad(s, text, f" (stored in the library as {s.key})") from None


def is_default(store: Store, name: str) -> bool:
    """Return whether setting ``name`` was never set in this library."""
    return _stored(store, setting(name)) is None


def text(store: Store, name: str) -> str:
    """Return the value of setting ``name`` as text."""
    s = setting(name)
    return s.show(value(store, name))


def set_value(store: Store, name: str, new_text: str, actor: str) -> Changes:
    """Check and keep a new value for setting ``name``, audited as ``settings.set`` with the old and new values.

    :raises PermissionDenied: if ``actor`` may not change settings (the role matrix's ``settings.change``).
    :raises InputError: naming the setting and the allowed range, for a value outside it.
    """
    s = setting(name)
    roles.require(store, actor, "settings.change")
    new = parse(s.name, new_text)
    stored = s.dump(new) if s.dump is not None else new
    with store.atomic():
        old = text(store, s.name)
        if s.field is not None:
            container = store.get_setting(s.key)
            store.set_setting(s.key, {**(container if isinstance(container, dict) else {}), s.field: stored})
        else:
            store.set_setting(s.key, stored)
        store.audit(actor, AUDIT_ACTION, "settings", None, setting=s.name, old=old, new=s.show(new))
    return store.notify(Changes(settings=True, audit=True))


def listing(store: Store) -> list[tuple[Setting, str, bool]]:
    """Return each setting with its value as text and whether it is the default."""
    return [(s, text(store, s.name), is_default(store, s.name)) for s in SETTINGS]


def markdown_table() -> str:
    """Return the settings as the Markdown table the README shows (generated; a test keeps them equal)."""
    lines = ["| Setting | Default | Allowed | Meaning |", "|---|---|---|---|"]
    for s in SETTINGS:
        lines.append(f"| `{s.name}` ({s.label}) | {s.show(s.default)} | {s.allowed} | {s.meaning} |")
    return "\n".join(lines) + "\n"


# -- the store's details, shown in every e-mail's footer (lookbook.outbox.compose) ---------------------
STORE_NAME_SETTING = "store.name"
STORE_ADDRESS_SETTING = "store.postal_address"
UNSUBSCRIBE_SETTING = "store.unsubscribe"


def save_store_details(store: Store, actor: str, *, name: str | None = None, postal_address: str | None = None,
                       unsubscribe: str | None = None) -> Changes:
    """Keep the store's name, postal address and unsubscribe address or link (None: leave as it is).

    :raises InputError: naming the field, if the unsubscribe target is neither ``mailto:`` nor ``https://``
        or a field holds a card number.
    """
    values = {STORE_NAME_SETTING: name, STORE_ADDRESS_SETTING: postal_address, UNSUBSCRIBE_SETTING: unsubscribe}
    given = {key: value.strip() for key, value in values.items() if value is not None}
    target = given.get(UNSUBSCRIBE_SETTING)
    if target and not target.lower().startswith(("mailto:", "https://")):
        raise InputError(f"unsubscribe '{target}': enter a mailto: address or an https:// link.")
    for key, value in given.items():
        if has_card_number(value):
            raise InputError(f"{key}: it holds a payment card number; remove it (card details must never be kept).")
    with store.atomic():
        for key, value in given.items():
            store.set_setting(key, value)
        store.audit(actor, "settings.store", "settings", None, **given)
    return store.notify(Changes(settings=True, audit=True))
