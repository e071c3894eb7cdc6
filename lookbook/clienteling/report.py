"""What each set sold: purchases attributed to the message that preceded them, and the funnel per set.

A purchase from the till export (:mod:`lookbook.customers.purchases`, or a hold turned into a sale) is
*attributed* to the last message that customer was sent within the attribution window before it
(store setting ``report.attribution_days``, default 14) whose set is of the purchase's brand. It is a
**same product** sale when the product bought is one of that set's products, else a **same brand**
sale; both count, and both are shown. Through the message a sale has a set, a brand, an associate
(who drafted the message), a channel and a week.

Holds are attributed the same way (a hold made from a conversation names its message), and so are
withdrawals of consent (to the last message sent on that channel within the window, any brand): a
set that sells but drives people away shows it beside its sales.

The funnel, per set, associate, brand, channel and week of sending:

sent
    messages handed to a channel (at least one send attempt, or sent); answers written in a conversation
    are part of the conversation, not sends, and are left out;
delivered
    messages the channel accepted (state ``sent``);
replied
    delivered messages with at least one reply;
held / bought / revenue
    holds and purchases attributed to the messages, and the price of what was bought;
opt-outs
    withdrawals of consent attributed to the messages.

Rates are of delivered messages (``sent`` → ``delivered`` is the delivery rate). Nothing is stored:
the report is computed from the tables each time, so a late till export changes it at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.store.database import Store

WINDOW_SETTING = "report.attribution_days"
WINDOW_DEFAULT = 14
#: The groupings a report has, in the order the page and the CLI show them.
DIMENSIONS = ("set", "associate", "brand", "channel", "week")
COUNTS = ("sent", "delivered", "replied", "held", "bought", "revenue_minor", "opt_outs")


def attribution_days(store: Store) -> int:
    """Return the attribution window in days (setting ``report.attribution_days``, default 14)."""
    return int(store.get_setting(WINDOW_SETTING, WINDOW_DEFAULT))


def set_attribution_days(store: Store, days: int, *, actor: str) -> Changes:
    """Change the attribution window (1 to 365 days), in the audit log.

    :raises InputError: for a window outside 1 to 365 days.
    """
    if not 1 <= days <= 365:
        raise InputError(f"an attribution window of {days} days: choose 1 to 365 days.")
    with store.atomic():
        store.set_setting(WINDOW_SETTING, days)
        store.audit(actor, "settings.attribution_window", "setting", WINDOW_SETTING, days=days)
    return store.notify(Changes(settings=True, audit=True))


@dataclass(frozen=True)
class Sale:
    """One purchase attributed to a message."""

    purchase_id: int
    customer_id: int
    sku: str | None
    brand: str
    size: str | None
    purchased_at: str
    revenue_minor: int
    currency: str
    message_id: int
    set_id: int | None
    set_name: str
    associate: str
    channel: str
    sent_at: str
    #: "same product" (the product was in the set) or "same brand".
    match: str

    def as_dict(self) -> dict[str, Any]:
        """Return the sale as JSON-ready data."""
        return dict(self.__dict__)


@dataclass
class ReportRow:
    """The funnel of one group (a set, an associate, a brand, a channel or a week)."""

    key: str
    sent: int = 0
    delivered: int = 0
    replied: int = 0
    held: int = 0
    bought: int = 0
    same_product: int = 0
    same_brand: int = 0
    revenue_minor: int = 0
    opt_outs: int = 0

    def rate(self, count: int) -> float:
        """Return ``count`` as a share of delivered messages (0 when none were delivered)."""
        return round(count / self.delivered, 4) if self.delivered else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Return the row with its rates as JSON-ready data."""
        return {"key": self.key, "sent": self.sent, "delivered": self.delivered, "replied": self.replied,
                "held": self.held, "bought": self.bought, "same_product": self.same_product,
                "same_brand": self.same_brand, "revenue_minor": self.revenue_minor, "opt_outs": self.opt_outs,
                "delivery_rate": round(self.delivered / self.sent, 4) if self.sent else 0.0,
                "reply_rate": self.rate(self.replied), "hold_rate": self.rate(self.held),
                "purchase_rate": self.rate(self.bought), "opt_out_rate": self.rate(self.opt_outs)}


@dataclass
class Report:
    """The funnel by each dimension, and the attributed sales."""

    window_days: int
    currency: str
    by: dict[str, list[ReportRow]] = field(default_factory=dict)
    sales: list[Sale] = field(default_factory=list)
    total: ReportRow = field(default_factory=lambda: ReportRow("all"))

    def as_dict(self) -> dict[str, Any]:
        """Return the whole report as JSON-ready data (what ``lookbook report --json`` prints)."""
        return {"window_days": self.window_days, "currency": self.currency, "total": self.total.as_dict(),
                **{dim: [r.as_dict() for r in rows] for dim, rows in self.by.items()},
                "sales": [s.as_dict() for s in self.sales]}


@dataclass(frozen=True)
class _Message:
    id: int
    customer_id: int
    set_id: int | None
    set_name: str
    brand_id: int | None
    brand: str
    associate: str
    channel: str
    state: str
    at: str


def _week(at: str) -> str:
    year, week, _ = dt.datetime.fromisoformat(at).isocalendar()
    return f"{year}-W{week:02d}"


def _window_start(at: str, days: int) -> str:
    moment = dt.datetime.fromisoformat(at)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return (moment - dt.timedelta(days=days)).astimezone(dt.UTC).isoformat(timespec="seconds")


def _last_message(store: Store, customer_id: int, at: str, days: int, *, brand_id: int | None = None,
                  channel: str | None = None) -> int | None:
    # idx_messages_customer_sent(customer_id, sent_at) serves this: one customer's sent messages, newest first.
    row = store.db.execute(
        "SELECT m.id FROM messages m LEFT JOIN sets s ON s.id = m.set_id WHERE m.customer_id = ?"
        " AND m.state = 'sent' AND m.sent_at <= ? AND m.sent_at >= ? AND m.answers_reply_id IS NULL"
        " AND (? IS NULL OR s.brand_id = ?)"
        " AND (? IS NULL OR m.channel = ?) ORDER BY m.sent_at DESC, m.id DESC LIMIT 1",
        [customer_id, at, _window_start(at, days), brand_id, brand_id, channel, channel]).fetchone()
    return int(row[0]) if row else None


def _set_products(store: Store) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    for set_id, product_id in store.db.execute(
            "SELECT DISTINCT si.set_id, ph.product_id FROM set_items si JOIN photos ph ON ph.id = si.photo_id"
            " WHERE ph.product_id IS NOT NULL"):
        found.setdefault(set_id, set()).add(product_id)
    return found


def attributed_sales(store: Store, *, days: int | None = None) -> list[Sale]:
    """Return every purchase attributed to a message within the window, oldest first."""
    days = attribution_days(store) if days is None else days
    messages = _messages(store)
    in_set = _set_products(store)
    first = store.db.execute("SELECT min(sent_at) FROM messages WHERE state = 'sent'").fetchone()[0]
    if first is None:
        return []
    sales = []
    for purchase_id, customer_id, product_id, brand_id, sku, brand, size, at, price, currency in store.db.execute(
            "SELECT pu.id, pu.customer_id, pu.product_id, coalesce(pu.brand_id, p.brand_id), p.sku, b.name, pu.size,"
            " pu.purchased_at, coalesce(p.price_minor, 0), coalesce(p.currency, '') FROM purchases pu"
            " LEFT JOIN products p ON p.id = pu.product_id LEFT JOIN brands b ON b.id = coalesce(pu.brand_id,"
            " p.brand_id) WHERE pu.purchased_at >= ? ORDER BY pu.purchased_at, pu.id", [first]).fetchall():
        message_id = _last_message(store, customer_id, at, days, brand_id=brand_id)
        if message_id is None or message_id not in messages:
            continue
        m = messages[message_id]
        same = product_id is not None and product_id in in_set.get(m.set_id or -1, set())
        sales.append(Sale(purchase_id, customer_id, sku, brand or "", size, at, int(price), currency, m.id,
                          m.set_id, m.set_name, m.associate, m.channel, m.at,
                          "same product" if same else "same brand"))
    return sales


def _messages(store: Store) -> dict[int, _Message]:
    return {r[0]: _Message(*r) for r in store.db.execute(
        "SELECT m.id, m.customer_id, m.set_id, coalesce(s.name, '(no set)'), s.brand_id, coalesce(b.name, '(none)'),"
        " m.drafted_by, m.channel, m.state, coalesce(m.sent_at, m.updated_at) FROM messages m"
        " LEFT JOIN sets s ON s.id = m.set_id LEFT JOIN brands b ON b.id = s.brand_id"
        " WHERE (m.state = 'sent' OR m.attempts > 0) AND m.answers_reply_id IS NULL")}


def _keys(m: _Message) -> dict[str, str]:
    return {"set": f"{m.set_name} (set {m.set_id})" if m.set_id is not None else m.set_name,
            "associate": m.associate, "brand": m.brand, "channel": m.channel, "week": _week(m.at)}


def _held_per_message(store: Store, messages: dict[int, _Message], days: int) -> dict[int, int]:
    """Return how many holds each message led to: the message a hold names, else the customer's last message
    of the product's brand within ``days`` before it."""
    held: dict[int, int] = {}
    for customer_id, message_id, brand_id, at in store.db.execute(
            "SELECT h.customer_id, h.message_id, p.brand_id, h.created_at FROM holds h"
            " JOIN products p ON p.id = h.product_id"):
        target = message_id if message_id in messages else _last_message(store, customer_id, at, days,
                                                                          brand_id=brand_id)
        if target is not None and target in messages:
            held[target] = held.get(target, 0) + 1
    return held


def _opt_outs_per_message(store: Store, messages: dict[int, _Message], days: int) -> dict[int, int]:
    """Return how many withdrawals of consent each message preceded: the customer's last message on that
    channel within ``days`` before it."""
    opted: dict[int, int] = {}
    for customer_id, channel, at in store.db.execute(
            "SELECT DISTINCT customer_id, channel, at FROM consents WHERE granted = 0"):
        target = _last_message(store, customer_id, at, days, channel=channel)
        if target is not None and target in messages:
            opted[target] = opted.get(target, 0) + 1
    return opted


def _count(row: ReportRow, delivered: bool, replied: bool, held: int, sales: list[Sale], opt_outs: int) -> None:
    """Add one message, and what followed it, to a funnel row."""
    row.sent += 1
    row.delivered += delivered
    row.replied += replied
    row.held += held
    row.bought += len(sales)
    row.same_product += sum(s.match == "same product" for s in sales)
    row.same_brand += sum(s.match == "same brand" for s in sales)
    row.revenue_minor += sum(s.revenue_minor for s in sales)
    row.opt_outs += opt_outs


def _currency(sales: list[Sale]) -> str:
    """Return the sales' one currency, ``mixed`` when they have several, or empty when none names one."""
    currencies = {s.currency for s in sales if s.currency}
    return currencies.pop() if len(currencies) == 1 else ("mixed" if currencies else "")


def build_report(store: Store, *, days: int | None = None) -> Report:
    """Return the funnel per set, associate, brand, channel and week, with the attributed sales."""
    days = attribution_days(store) if days is None else days
    messages = _messages(store)
    sales = attributed_sales(store, days=days)
    replied = {r[0] for r in store.db.execute("SELECT DISTINCT message_id FROM replies WHERE message_id IS NOT NULL")}
    held = _held_per_message(store, messages, days)
    opted = _opt_outs_per_message(store, messages, days)
    bought: dict[int, list[Sale]] = {}
    for sale in sales:
        bought.setdefault(sale.message_id, []).append(sale)
    tables: dict[str, dict[str, ReportRow]] = {dim: {} for dim in DIMENSIONS}
    total = ReportRow("all")
    for m in messages.values():
        # Each message counts in the total and in its group of every dimension.
        rows = [total] + [tables[dim].setdefault(key, ReportRow(key)) for dim, key in _keys(m).items()]
        delivered = m.state == "sent"
        # Replies count only for delivered messages: the reply rate is a share of those delivered.
        for row in rows:
            _count(row, delivered, delivered and m.id in replied, held.get(m.id, 0), bought.get(m.id, []),
                   opted.get(m.id, 0))
    by = {dim: sorted(rows.values(), key=lambda r: r.key) for dim, rows in tables.items()}
    return Report(days, _currency(sales), by, sales, total)


def write_csv(report: Report, path: Path | str, dimensions: Iterable[str] = DIMENSIONS) -> Path:
    """Write the report's funnel rows (one per group, with its dimension) to a CSV file; return the path.

    :raises InputError: if the file cannot be written.
    """
    target = Path(path)
    columns = ["dimension", *report.total.as_dict().keys()]
    try:
        with target.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, columns)
            writer.writeheader()
            writer.writerow({"dimension": "total", **report.total.as_dict()})
            for dim in dimensions:
                for row in report.by.get(dim, []):
                    writer.writerow({"dimension": dim, **row.as_dict()})
    except OSError as exc:
        raise InputError(f"cannot write the report: {exc.strerror or exc}; choose another file.", path=target) \
            from None
    return target


def to_json(report: Report) -> str:
    """Return the report as one JSON object."""
    return json.dumps(report.as_dict())
