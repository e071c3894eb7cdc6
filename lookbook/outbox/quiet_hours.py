"""Quiet hours: no message reaches a customer at night in their own time zone.

The window (default 21:00 to 09:00, the library setting ``quiet_hours``) is read
in the customer's IANA time zone, so daylight-saving changes move it with the
customer's clock. The sender asks :func:`next_send_time` just before sending and
holds a message until the time it returns.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from lookbook.errors import InputError
from lookbook.store import settings
from lookbook.store.database import Store

#: Library setting: ``{"start": "HH:MM", "end": "HH:MM"}``; start == end turns quiet hours off.
SETTING = "quiet_hours"
DEFAULT_START = dt.time(21, 0)
DEFAULT_END = dt.time(9, 0)


def _parse(text: str, what: str) -> dt.time:
    try:
        return dt.time.fromisoformat(text)
    except (TypeError, ValueError):
        raise InputError(f"setting {SETTING}: {what} '{text}' is not a time; write it as HH:MM (e.g. 21:00).") from None


def window(store: Store) -> tuple[dt.time, dt.time]:
    """Return the quiet window (start, end) from the library settings.

    :raises InputError: if the setting holds something that is not a time.
    """
    start, end = settings.value(store, "quiet_hours")  # the setting quiet_hours of lookbook.store.settings
    return start, end


def set_window(store: Store, start: str, end: str) -> None:
    """Store the quiet window as HH:MM texts.

    :raises InputError: if a time is not HH:MM.
    """
    store.set_setting(SETTING, {"start": _parse(start, "start").strftime("%H:%M"),
                                "end": _parse(end, "end").strftime("%H:%M")})


def _in_window(t: dt.time, start: dt.time, end: dt.time) -> bool:
    if start < end:  # a window within one day, e.g. 13:00-14:00
        return start <= t < end
    return t >= start or t < end  # a window across midnight, e.g. 21:00-09:00


def next_allowed_send_time(customer_tz: str, now: dt.datetime, *, start: dt.time = DEFAULT_START,
                           end: dt.time = DEFAULT_END) -> dt.datetime:
    """Return ``now`` if it is outside quiet hours where the customer lives, else when they end.

    :param customer_tz: an IANA time zone name; an unknown one is read as UTC, the book's default.
    :param now: an aware time (a naive one is taken as UTC); the answer is in the same time zone.
    """
    if start == end:
        return now
    try:
        tz: dt.tzinfo = zoneinfo.ZoneInfo(customer_tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = dt.UTC
    aware = now if now.tzinfo is not None else now.replace(tzinfo=dt.UTC)
    local = aware.astimezone(tz)
    if not _in_window(local.time(), start, end):
        return now
    day = local.date()
    if start > end and local.time() >= start:
        day += dt.timedelta(days=1)  # in the evening part of an overnight window: it ends tomorrow morning
    resume = dt.datetime.combine(day, end, tzinfo=tz)
    # A resume time in a daylight-saving gap does not exist; round trip through UTC moves it forward.
    resume = resume.astimezone(dt.UTC).astimezone(tz)
    return resume.astimezone(now.tzinfo or dt.UTC)


def next_send_time(store: Store, customer_id: int, now: dt.datetime,
                   channel_window: tuple[dt.time, dt.time] | None = None) -> dt.datetime:
    """Return when a message may be sent to the customer: ``now``, or the end of their quiet hours.

    :param channel_window: the channel's own legal quiet hours (SMS: 21:00-08:00), kept as well as the
        store's: the message waits until it is outside both.

    :raises InputError: if there is no such customer.
    """
    row = store.db.execute("SELECT timezone FROM customers WHERE id = ?", [customer_id]).fetchone()
    if row is None:
        raise InputError(f"customer {customer_id} does not exist.")
    windows = [window(store), *([channel_window] if channel_window else [])]
    when = now
    for _ in range(4):  # leaving one window may land in the other; two windows settle within a few steps
        moved = when
        for start, end in windows:
            moved = next_allowed_send_time(row[0], moved, start=start, end=end)
        if moved == when:
            break
        when = moved
    return when


def customer_zone(store: Store, customer_id: int) -> str:
    """Return the customer's IANA time zone, or ``UTC`` when it is unknown (the book's default)."""
    row = store.db.execute("SELECT timezone FROM customers WHERE id = ?", [customer_id]).fetchone()
    name = str(row[0]) if row and row[0] else "UTC"
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


def zone_label(zone: str) -> str:
    """Return a time zone as people say it: ``Asia/Tokyo`` is "Tokyo time", ``UTC`` is "UTC"."""
    if zone.upper() in ("UTC", "ETC/UTC", "GMT", "ETC/GMT"):
        return "UTC"
    return f"{zone.rpartition('/')[2].replace('_', ' ')} time"


def local_time(when: dt.datetime, zone: str, *, now: dt.datetime | None = None) -> str:
    """Return ``when`` as the customer reads it: "09:00 Tokyo time", with the day when it is not today there.

    :param now: the moment "today" is judged from (default: the clock).
    """
    try:
        tz: dt.tzinfo = zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz, zone = dt.UTC, "UTC"
    aware = when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)
    local = aware.astimezone(tz)
    today = (now or dt.datetime.now(dt.UTC)).astimezone(tz).date()
    day = "" if local.date() == today else ("tomorrow " if local.date() == today + dt.timedelta(days=1)
                                             else f"{local:%a %d %b} ")
    return f"{day}{local:%H:%M} {zone_label(zone)}"


def held_reason(until: dt.datetime, zone: str, *, now: dt.datetime | None = None) -> str:
    """Return why a message waits, in the customer's time: "held for quiet hours until 09:00 Tokyo time"."""
    return f"held for quiet hours until {local_time(until, zone, now=now)}"
