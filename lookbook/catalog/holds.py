"""Holds: a product in a size put aside for one customer until a date ("Shall I put one aside for you?").

A held unit is not offered to anyone else: matching, the lookbook card, the PDF and the
"in your size" offers read *available* stock, ``on hand − held``, through :func:`held_units`
and :func:`available_sizes`. A hold is ``active`` until

* its date passes: it stops holding its unit at that moment (availability only counts holds
  whose ``until`` is ahead) and :func:`expire_due` records it as ``expired`` (the sender loop, the
  app at start and ``lookbook holds list`` sweep);
* someone releases it (``released``); or
* it is turned into a sale (``sold``): the unit leaves the stock and a purchase is recorded, so the
  report attributes it like a sale from the till.

Every change is in the audit log (``hold.add``, ``hold.release``, ``hold.sell``, ``hold.expire``).
How long a hold lasts is the store setting ``holds.days`` (default 3).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.store.database import Store, inserted_id

DAYS_SETTING = "holds.days"
DAYS_DEFAULT = 3
STATUSES = ("active", "released", "sold", "expired")
SYSTEM = "system"
_ACTIONS = {"released": "hold.release", "sold": "hold.sell", "expired": "hold.expire"}


@dataclass(frozen=True)
class Hold:
    """One hold, with the names a list shows."""

    id: int
    customer_id: int
    customer: str
    associate: str
    product_id: int
    sku: str
    product: str
    size: str
    quantity: int
    until: str
    status: str
    created_by: str
    created_at: str
    closed_by: str | None
    closed_at: str | None
    message_id: int | None

    def as_dict(self) -> dict[str, Any]:
        """Return the hold as JSON-ready data."""
        return dict(self.__dict__)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _now(now: dt.datetime | None) -> dt.datetime:
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)


def hold_days(store: Store) -> int:
    """Return how many days a new hold lasts (setting ``holds.days``, default 3)."""
    return int(store.get_setting(DAYS_SETTING, DAYS_DEFAULT))


def held_units(store: Store, product_ids: Iterable[int] | None = None, *, now: dt.datetime | None = None,
               except_customer: int | None = None) -> dict[tuple[int, str], int]:
    """Return the units held now by (product id, size upper-cased), from active holds whose date is ahead.

    :param product_ids: only these products (default: all).
    :param except_customer: leave this customer's own holds out (what they hold is still theirs to be offered).
    """
    sql = ("SELECT product_id, upper(trim(size)), sum(quantity) FROM holds WHERE status = 'active' AND until > ?"
           " AND (? IS NULL OR customer_id != ?)")
    params: list[Any] = [_iso(_now(now)), except_customer, except_customer]
    if product_ids is not None:
        ids = list(product_ids)
        if not ids:
            return {}
        sql += f" AND product_id IN ({', '.join('?' * len(ids))})"
        params += ids
    return {(pid, size): int(n) for pid, size, n in store.db.execute(sql + " GROUP BY 1, 2", params)}


def available_sizes(store: Store, product_ids: Iterable[int], *, now: dt.datetime | None = None,
                    except_customer: int | None = None) -> dict[int, list[str]]:
    """Return, per product, the sizes with a unit on hand that nobody holds, in stock order."""
    ids = list(product_ids)
    if not ids:
        return {}
    held = held_units(store, ids, now=now, except_customer=except_customer)
    found: dict[int, list[str]] = {}
    for pid, size, quantity in store.db.execute(
            f"SELECT product_id, size, quantity FROM stock WHERE product_id IN ({', '.join('?' * len(ids))})"
            " AND quantity > 0 ORDER BY rowid", ids):
        if quantity - held.get((pid, size.strip().upper()), 0) > 0:
            found.setdefault(pid, []).append(size)
    return found


def available(store: Store, product_id: int, size: str, *, now: dt.datetime | None = None,
              except_customer: int | None = None) -> int:
    """Return the units of one product in one size on hand and not held (never below zero)."""
    row = store.db.execute("SELECT coalesce(sum(quantity), 0) FROM stock WHERE product_id = ?"
                           " AND upper(trim(size)) = upper(trim(?))", [product_id, size]).fetchone()
    held = held_units(store, [product_id], now=now, except_customer=except_customer)
    return max(int(row[0]) - held.get((product_id, size.strip().upper()), 0), 0)


_SELECT = """
SELECT h.id, h.customer_id, trim(c.first_name || ' ' || c.last_name), coalesce(u.username, ''), h.product_id,
       p.sku, p.name, h.size, h.quantity, h.until, h.status, h.created_by, h.created_at, h.closed_by, h.closed_at,
       h.message_id
FROM holds h JOIN customers c ON c.id = h.customer_id JOIN products p ON p.id = h.product_id
LEFT JOIN users u ON u.id = c.associate_id
"""


def get_hold(store: Store, hold_id: int) -> Hold:
    """Return one hold.

    :raises InputError: if there is no such hold.
    """
    row = store.db.execute(_SELECT + " WHERE h.id = ?", [hold_id]).fetchone()
    if row is None:
        raise InputError(f"hold {hold_id} does not exist; list the holds with `lookbook holds list`.")
    return Hold(*row)


def list_holds(store: Store, *, status: str | None = "active", customer_id: int | None = None,
               associate: str | None = None) -> list[Hold]:
    """Return holds, soonest to end first.

    :param status: only holds in this state (None: all).
    :param associate: only holds of this associate's customers (username).
    """
    if status is not None and status not in STATUSES:
        raise InputError(f"hold status '{status}' is not one of {', '.join(STATUSES)}.")
    sql = _SELECT + " WHERE (? IS NULL OR h.status = ?) AND (? IS NULL OR h.customer_id = ?)" \
                    " AND (? IS NULL OR u.username = ?) ORDER BY h.until, h.id"
    return [Hold(*r) for r in store.db.execute(sql, [status, status, customer_id, customer_id, associate,
                                                     associate])]


def add_hold(store: Store, customer_id: int, sku: str, size: str, *, actor: str, days: int | None = None,
             until: dt.datetime | None = None, quantity: int = 1, message_id: int | None = None,
             reply_id: int | None = None, note: str = "", now: dt.datetime | None = None) -> Hold:
    """Put ``quantity`` units of a product in a size aside for a customer until a date.

    :param days: how long (default: the store setting ``holds.days``); ``until`` wins when given.
    :param message_id: the message (or ``reply_id`` the reply) the hold answers, when it comes from a conversation.
    :raises InputError: for an unknown customer, SKU or size, a date not ahead, or no unit left to hold.
    """
    from lookbook.store import roles  # the role matrix imports users; holds.available stays light for matching

    roles.require(store, actor, "holds.edit")
    moment = _now(now)
    customer = store.db.execute("SELECT trim(first_name || ' ' || last_name) FROM customers WHERE id = ?",
                                [customer_id]).fetchone()
    if customer is None:
        raise InputError(f"customer {customer_id} does not exist; find the id with `lookbook customers search`.")
    product = store.db.execute("SELECT id, name FROM products WHERE sku = ?", [sku.strip()]).fetchone()
    if product is None:
        raise InputError(f"SKU '{sku}' is not in the catalog; check it with `lookbook products list`.")
    stock = store.db.execute("SELECT size FROM stock WHERE product_id = ? AND upper(trim(size)) = upper(trim(?))",
                             [product[0], size]).fetchone()
    if stock is None:
        sizes = [r[0] for r in store.db.execute("SELECT size FROM stock WHERE product_id = ? ORDER BY rowid",
                                                [product[0]])]
        raise InputError(f"{product[1]} ({sku}) has no size '{size}'" +
                         (f"; its sizes: {', '.join(sizes)}." if sizes else "; it has no stock at all."))
    if quantity < 1:
        raise InputError(f"quantity {quantity}: hold at least one unit.")
    if until is None:
        length = hold_days(store) if days is None else days
        if not 1 <= length <= 60:
            raise InputError(f"a hold of {length} days: choose 1 to 60 days.")
        until = moment + dt.timedelta(days=length)
    if until <= moment:
        raise InputError(f"hold until {_iso(until)}: the date has passed; choose a date ahead.")
    with store.atomic():
        left = available(store, product[0], stock[0], now=moment)
        if left < quantity:
            raise InputError(f"{product[1]} in {stock[0]}: {left} unit{'' if left == 1 else 's'} left that nobody "
                             f"holds, so {quantity} cannot be put aside; release another hold or restock.")
        cur = store.db.execute(
            "INSERT INTO holds (customer_id, product_id, size, quantity, until, message_id, reply_id, note,"
            " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [customer_id, product[0], stock[0], quantity, _iso(until), message_id, reply_id, note, actor,
             _iso(moment)])
        hold_id = inserted_id(cur)
        store.audit(actor, "hold.add", "hold", hold_id, customer_id=customer_id, sku=sku.strip(), size=stock[0],
                    quantity=quantity, until=_iso(until), message_id=message_id, reply_id=reply_id)
    store.notify(Changes(products=True, customers=True, audit=True))
    return get_hold(store, hold_id)


def _close(store: Store, hold_id: int, status: str, actor: str, moment: dt.datetime, **detail: Any) -> Hold:
    hold = get_hold(store, hold_id)
    if hold.status != "active":
        raise InputError(f"hold {hold_id} is {hold.status} already; only an active hold can be "
                         f"{'released' if status == 'released' else 'turned into a sale'}.")
    store.db.execute("UPDATE holds SET status = ?, closed_by = ?, closed_at = ? WHERE id = ?",
                     [status, actor, _iso(moment), hold_id])
    store.audit(actor, _ACTIONS[status], "hold", hold_id, customer_id=hold.customer_id, sku=hold.sku,
                size=hold.size, quantity=hold.quantity, **detail)
    return hold


def release(store: Store, hold_id: int, *, actor: str, now: dt.datetime | None = None) -> Changes:
    """Give a held unit back to everyone's offers.

    :raises InputError: for an unknown hold or one no longer active.
    """
    from lookbook.store import roles

    roles.require(store, actor, "holds.edit")
    with store.atomic():
        _close(store, hold_id, "released", actor, _now(now))
    return store.notify(Changes(products=True, customers=True, audit=True))


def sell(store: Store, hold_id: int, *, actor: str, now: dt.datetime | None = None) -> Changes:
    """Turn a hold into a sale: its units leave the stock and a purchase is recorded for the customer.

    :raises InputError: for an unknown hold or one no longer active.
    """
    from lookbook.store import roles

    roles.require(store, actor, "holds.edit")
    moment = _now(now)
    with store.atomic():
        hold = get_hold(store, hold_id)
        if hold.status != "active":
            raise InputError(f"hold {hold_id} is {hold.status} already; only an active hold can be turned into "
                             "a sale.")
        store.db.execute("UPDATE stock SET quantity = max(quantity - ?, 0), updated_at = ? WHERE product_id = ?"
                         " AND size = ?", [hold.quantity, _iso(moment), hold.product_id, hold.size])
        cur = store.db.execute(
            "INSERT INTO purchases (customer_id, product_id, brand_id, size, purchased_at)"
            " SELECT ?, id, brand_id, ?, ? FROM products WHERE id = ?",
            [hold.customer_id, hold.size, _iso(moment), hold.product_id])
        purchase_id = inserted_id(cur)
        store.db.execute("UPDATE holds SET purchase_id = ? WHERE id = ?", [purchase_id, hold_id])
        _close(store, hold_id, "sold", actor, moment, purchase_id=purchase_id)
    return store.notify(Changes(products=True, customers=True, audit=True))


def expire_due(store: Store, *, now: dt.datetime | None = None, actor: str = SYSTEM) -> int:
    """Record every active hold whose date has passed as expired (audited); return how many."""
    moment = _now(now)
    due = [r[0] for r in store.db.execute("SELECT id FROM holds WHERE status = 'active' AND until <= ?",
                                          [_iso(moment)])]
    if not due or not store.writable:
        return 0
    with store.atomic():
        for hold_id in due:
            _close(store, hold_id, "expired", actor, moment)
    store.notify(Changes(products=True, customers=True, audit=True))
    return len(due)


def holdable_products(store: Store, customer_id: int, *,
                      sent_first: bool = False) -> list[tuple[str, str, list[str]]]:
    """Return (SKU, name, sizes available to this customer) of every product with a unit to put aside for them,
    by brand and SKU (the profile's "Put One Aside").

    :param sent_first: only the products of the sets they were sent, newest first (what "M please" most likely
        means in a conversation); every product when they were sent none yet.
    """
    rows = store.db.execute(
        "SELECT DISTINCT p.id, p.sku, p.name FROM messages m JOIN set_items si ON si.set_id = m.set_id"
        " JOIN photos ph ON ph.id = si.photo_id JOIN products p ON p.id = ph.product_id"
        " WHERE m.customer_id = ? ORDER BY m.id DESC, si.position", [customer_id]).fetchall() if sent_first else []
    products = rows or store.db.execute(
        "SELECT p.id, p.sku, p.name FROM products p JOIN brands b ON b.id = p.brand_id"
        " ORDER BY b.name COLLATE NOCASE, p.sku").fetchall()
    sizes = available_sizes(store, [r[0] for r in products], except_customer=customer_id)
    return [(sku, name, sizes[pid]) for pid, sku, name in products if pid in sizes]


def own_sizes(store: Store, customer_id: int) -> dict[str, str]:
    """Return the customer's size per category (to offer theirs first)."""
    return dict(store.db.execute("SELECT category, size FROM customer_sizes WHERE customer_id = ?", [customer_id]))
