"""The customer book: people, their channels, brands, sizes, purchases and pauses.

Every field a person types is checked here (:func:`clean_fields`), once, for the
profile form, the command line and the CSV importer alike: e-mail addresses with
:mod:`email.utils` plus a sanity check, X and Instagram handles by the platforms'
rules, time zones by :mod:`zoneinfo`. Searching a million customers uses the
FTS5 index ``customers_fts`` (name, e-mail and handles, by word prefix); paging uses
LIMIT/OFFSET over indexed sort orders.
"""

from __future__ import annotations

import datetime as dt
import difflib
import email.utils
import functools
import re
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lookbook.customers import consent
from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.store.database import Store, inserted_id, utcnow

#: Customer columns a person may set, in the order forms and files show them.
FIELDS = ("first_name", "last_name", "email", "x_handle", "x_user_id", "instagram", "phone", "preferred_channel",
          "timezone", "associate_id", "notes", "last_contacted_at")
#: The field that holds each channel's address.
CHANNEL_ADDRESS = {"x": "x_handle", "email": "email", "instagram": "instagram", "sms": "phone"}
#: Product categories a customer's sizes may name, besides those in the catalog (see lookbook.demo).
KNOWN_CATEGORIES = ("shirt", "longsleeve", "t-shirt", "outerwear", "trousers", "dress", "shorts", "skirt")
#: Sort orders offered to lists: key -> ORDER BY (each served by an index).
SORTS = {
    "name": "c.last_name {d}, c.first_name {d}, c.id {d}",
    "first_name": "c.first_name {d}, c.id {d}",
    "email": "c.email {d}, c.id {d}",
    "last_contacted": "c.last_contacted_at {d}, c.id {d}",
    "created": "c.id {d}",
    "id": "c.id {d}",
}
PAUSE_DAYS_DEFAULT = 30

_X_HANDLE = re.compile(r"[A-Za-z0-9_]{1,15}")
_INSTAGRAM = re.compile(r"[A-Za-z0-9._]{1,30}")
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+")
_EMAIL_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_PLAIN_EMAIL = re.compile(r"(?=.{3,254}$)[A-Za-z0-9_%+-][A-Za-z0-9._%+-]{0,63}(?<!\.)@"
                          r"(?:(?!-)[A-Za-z0-9-]{1,63}(?<!-)\.)+[A-Za-z][A-Za-z0-9-]{0,62}(?<!-)")
_PHONE = re.compile(r"\+?[0-9 ()./-]+")
#: A North American number written whole ("+1 212 555 0100", "+1 (212) 555-0100"): its E.164 form is "+1" and its
#: ten digits, which is what ``phonenumbers`` gives for it (an area code and exchange never start with 0 or 1 here;
#: tests/test_customer_import_columns.py compares the two). Reading it without the library costs 1 µs, not 50.
_NANP_WHOLE = re.compile(r"\+1[ .-]?(?:\(([2-9]\d\d)\)|([2-9]\d\d))[ .-]?(\d{3})[ .-]?(\d{4})")


class FieldError(ValueError):
    """One field's value is not acceptable; ``str()`` is the reason, without the field's name."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field_name


# -- checking fields ------------------------------------------------------------------


def check_email(value: str) -> str:
    """Return the address trimmed, or raise :class:`FieldError` saying what is wrong with it."""
    text = value.strip()
    if _PLAIN_EMAIL.fullmatch(text) and ".." not in text:
        return text  # the everyday form, which parseaddr below would give back unchanged
    local, at, domain = text.rpartition("@")
    if not at or not local:
        raise FieldError("email", f"'{value}' has no '@' with a name before it")
    if not domain:
        raise FieldError("email", f"'{value}' has no valid domain after the '@' (such as example.com)")
    # parseaddr reads what a mail program would: "Name <a@b>", two '@'s or a comma do not give back the text.
    name, addr = email.utils.parseaddr(text)
    if name or addr != text or " " in text:
        raise FieldError("email", f"'{value}' is not a plain e-mail address (write it as name@example.com)")
    if len(addr) > 254 or len(local) > 64:
        raise FieldError("email", f"'{value}' is longer than an e-mail address can be")
    if not _EMAIL_LOCAL.fullmatch(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        raise FieldError("email", f"'{value}' has characters an address cannot have before the '@'")
    labels = domain.split(".")
    if len(labels) < 2 or not all(_EMAIL_LABEL.fullmatch(label) for label in labels) or labels[-1].isdigit():
        raise FieldError("email", f"'{value}' has no valid domain after the '@' (such as example.com)")
    return addr


def check_x_handle(value: str) -> str:
    """Return an X handle without its '@', or raise :class:`FieldError`."""
    handle = value.strip().removeprefix("@")
    if handle.lower().startswith(("https://x.com/", "https://twitter.com/")):
        handle = handle.rstrip("/").rsplit("/", 1)[-1]
    if not _X_HANDLE.fullmatch(handle):
        raise FieldError("x_handle", f"'{value}' is not an X handle (1 to 15 letters, digits or '_')")
    return handle


def check_x_user_id(value: str) -> str:
    """Return an X numeric user id, or raise :class:`FieldError`."""
    text = value.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 20 or text.startswith("0"):
        raise FieldError("x_user_id", f"'{value}' is not an X user id (the account's number, up to 20 digits)")
    return text


def check_instagram(value: str) -> str:
    """Return an Instagram handle without its '@', or raise :class:`FieldError`."""
    handle = value.strip().removeprefix("@")
    if (not _INSTAGRAM.fullmatch(handle) or handle.startswith(".") or handle.endswith(".") or ".." in handle):
        raise FieldError("instagram", f"'{value}' is not an Instagram handle (1 to 30 letters, digits, '.' "
                                      "or '_', not starting or ending with '.')")
    return handle


#: Library setting: the store's country (ISO 3166 two letters, "US"), the default for phone numbers written
#: without "+" and a country code (``lookbook delivery sms --country``).
PHONE_COUNTRY_SETTING = "customers.phone_country"


def phone_country(store: Store) -> str | None:
    """Return the store's country for phone numbers written in local form, or None if it is not set."""
    value = store.get_setting(PHONE_COUNTRY_SETTING)
    return str(value).upper() if value else None


def check_phone(value: str, country: str | None = None) -> str:
    """Return a phone number in E.164 form ("+15550100100"), or raise :class:`FieldError`.

    Google's ``phonenumbers`` reads the usual written forms ("(555) 010-0100", "0161 496 0000",
    "+44 161 496 0000"); a number without "+" is read in ``country`` (the store's). Only the length
    is checked against the country's plan (``is_possible_number``), not whether the number is in service.
    """
    text = value.strip()
    if whole := _NANP_WHOLE.fullmatch(text):
        return f"+1{whole[1] or whole[2]}{whole[3]}{whole[4]}"
    import phonenumbers

    try:
        number = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        if not text.startswith("+") and country is None and _PHONE.fullmatch(text):
            raise FieldError("phone", f"'{value}' has no country code: write it with '+' and the country code, "
                                      "or set the store's country (`lookbook delivery sms --country US`)") from None
        raise FieldError("phone", f"'{value}' is not a phone number (write it as +1 555 010 0100 or in the "
                                  "store's local form)") from None
    # A number dialable only locally (7 digits in the US) cannot be texted from elsewhere: refused too.
    if phonenumbers.is_possible_number_with_reason(number) != phonenumbers.ValidationResult.IS_POSSIBLE:
        region = phonenumbers.region_code_for_number(number) or country or "its country"
        raise FieldError("phone", f"'{value}' is not a phone number in {region} (wrong number of digits)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_timezone(value: str) -> str:
    """Return an IANA time zone name, or raise :class:`FieldError`."""
    name, problem = _timezone_verdict(value)
    if problem is not None:
        raise FieldError("timezone", problem)
    return name


@functools.lru_cache(maxsize=1024)
def _timezone_verdict(value: str) -> tuple[str, str | None]:
    """Return ``(name, None)`` for an IANA time zone, ``(name, why not)`` otherwise.

    Failures are cached too: the hint walks the whole zone database (8.5 ms), and a customer file
    says "Eastern Time" on thousands of rows (issue 18: 2,000 such rows cost 17 s).
    """
    name = value.strip()
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        guess = difflib.get_close_matches(name, _zone_names(), n=1)
        hint = f" (did you mean {guess[0]}?)" if guess else " such as Europe/London or America/New_York"
        return name, f"'{value}' is not an IANA time zone{hint}"
    return name, None


@functools.cache
def _zone_names() -> list[str]:
    # Read once per process: available_timezones() walks the zone database's folders on every call.
    return sorted(zoneinfo.available_timezones())


def check_channel(value: str) -> str:
    """Return a channel key, or raise :class:`FieldError`."""
    key = value.strip().lower()
    key = {"twitter": "x", "e-mail": "email", "mail": "email", "ig": "instagram", "text": "sms",
           "phone": "sms"}.get(key, key)
    if key not in consent.CHANNELS:
        raise FieldError("preferred_channel", f"'{value}' is not a channel; choose {', '.join(consent.CHANNELS)}")
    return key


def check_when(value: str, field_name: str) -> str:
    """Return an ISO-8601 date or time as UTC text, or raise :class:`FieldError`."""
    try:
        when = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise FieldError(field_name, f"'{value}' is not a date (write YYYY-MM-DD)") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).isoformat(timespec="seconds")


_CHECKS: dict[str, Callable[[str], str]] = {
           "email": check_email, "x_handle": check_x_handle, "x_user_id": check_x_user_id,
           "instagram": check_instagram, "phone": check_phone, "timezone": check_timezone,
           "preferred_channel": check_channel}


def clean_fields(values: Mapping[str, Any], *, country: str | None = None) -> dict[str, Any]:
    """Return checked customer fields; empty text becomes None (cleared), names and notes are trimmed.

    :raises FieldError: for the first field that is not acceptable.
    :raises InputError: for a field name that is not a customer field.
    """
    out: dict[str, Any] = {}
    for key, raw in values.items():
        if key not in FIELDS:
            raise InputError(f"'{key}' is not a customer field; use one of {', '.join(FIELDS)}.")
        value = raw.strip() if isinstance(raw, str) else raw
        if value in ("", None):
            if key == "first_name":
                raise FieldError(key, "a customer needs a first name")
            out[key] = "" if key in ("last_name", "notes") else ("UTC" if key == "timezone" else None)
        elif key == "phone":
            out[key] = check_phone(value, country)
        elif key in _CHECKS:
            out[key] = _CHECKS[key](value)
        elif key == "last_contacted_at":
            out[key] = check_when(value, key)
        elif key == "associate_id":
            out[key] = int(value)
        else:
            out[key] = value
    return out


def _field_error(exc: FieldError) -> InputError:
    return InputError(f"field {exc.field}: {exc}; fix it or leave it empty.")


# -- the customer ------------------------------------------------------------------------


@dataclass(frozen=True)
class Customer:
    """One row of the customer book."""

    id: int
    first_name: str
    last_name: str
    email: str | None
    x_handle: str | None
    x_user_id: str | None
    instagram: str | None
    phone: str | None
    preferred_channel: str | None
    timezone: str
    associate_id: int | None
    notes: str
    paused_until: str | None
    last_contacted_at: str | None
    created_at: str
    updated_at: str

    @property
    def name(self) -> str:
        """Return the full name."""
        return f"{self.first_name} {self.last_name}".strip()

    def address(self, channel: str) -> str | None:
        """Return the customer's address on ``channel``, or None."""
        return getattr(self, CHANNEL_ADDRESS[channel])


_COLUMNS = ("id", "first_name", "last_name", "email", "x_handle", "x_user_id", "instagram", "phone",
            "preferred_channel", "timezone", "associate_id", "notes", "paused_until", "last_contacted_at",
            "created_at", "updated_at")
_SELECT = "SELECT " + ", ".join(f"c.{c}" for c in _COLUMNS) + " FROM customers AS c"


@dataclass(frozen=True)
class Purchase:
    """One purchase: a product (if still in the catalog) or at least its brand."""

    id: int
    sku: str | None
    brand: str | None
    size: str | None
    purchased_at: str


@dataclass(frozen=True)
class Profile:
    """Everything the customer profile shows."""

    customer: Customer
    likes: list[tuple[str, str]]  # (brand, source)
    dislikes: list[tuple[str, str]]
    sizes: dict[str, str]
    purchases: list[Purchase]
    consents: dict[str, consent.ChannelConsent]
    consent_label: str
    ledger: list[consent.LedgerEntry]
    unreachable: dict[str, tuple[str, str]]  # channel -> (reason, since)
    associate: str | None = None
    merged_from: list[int] = field(default_factory=list)


def get_customer(store: Store, customer_id: int) -> Customer:
    """Return one customer.

    :raises InputError: if there is no such customer.
    """
    row = store.db.execute(_SELECT + " WHERE c.id = ?", [customer_id]).fetchone()
    if row is None:
        raise InputError(f"customer {customer_id} does not exist; find the id with `lookbook customers search`.")
    return Customer(*row)


def get_profile(store: Store, customer_id: int) -> Profile:
    """Return a customer with preferences, sizes, purchases, consent and ledger."""
    customer = get_customer(store, customer_id)
    db = store.db
    stances = db.execute("SELECT b.name, cb.stance, cb.source FROM customer_brands AS cb JOIN brands AS b"
                         " ON b.id = cb.brand_id WHERE cb.customer_id = ? ORDER BY b.name", [customer_id]).fetchall()
    sizes = dict(db.execute("SELECT category, size FROM customer_sizes WHERE customer_id = ? ORDER BY category",
                            [customer_id]).fetchall())
    purchases = [Purchase(*r) for r in db.execute(
        "SELECT pu.id, p.sku, b.name, pu.size, pu.purchased_at FROM purchases AS pu"
        " LEFT JOIN products AS p ON p.id = pu.product_id LEFT JOIN brands AS b ON b.id = pu.brand_id"
        " WHERE pu.customer_id = ? ORDER BY pu.purchased_at DESC", [customer_id])]
    consents = consent.channel_consents(store, customer_id)
    unreachable = {r[0]: (r[1] or "", r[2] or "") for r in db.execute(
        "SELECT channel, unreachable_reason, unreachable_at FROM channel_status WHERE customer_id = ?"
        " AND unreachable_at IS NOT NULL", [customer_id])}
    associate = None
    if customer.associate_id is not None:
        row = db.execute("SELECT username FROM users WHERE id = ?", [customer.associate_id]).fetchone()
        associate = row[0] if row else None
    return Profile(customer, [(n, s) for n, st, s in stances if st == "like"],
                   [(n, s) for n, st, s in stances if st == "dislike"], sizes, purchases, consents,
                   consent.overall_label(consents.values()), consent.ledger(store, customer_id), unreachable,
                   associate)


def _check_preferred(values: Mapping[str, Any], where: str = "") -> None:
    channel = values.get("preferred_channel")
    if channel and not values.get(CHANNEL_ADDRESS[channel]):
        raise InputError(f"{where}field preferred_channel: '{channel}' is preferred but the customer has no "
                         f"{CHANNEL_ADDRESS[channel].replace('_', ' ')}; add it or choose another channel.")


def add_customer(store: Store, values: Mapping[str, Any], *, actor: str) -> Customer:
    """Add a customer from form fields (see :data:`FIELDS`).

    :raises InputError: naming the field at fault and what to do.
    """
    try:
        cleaned = clean_fields(values, country=phone_country(store))
    except FieldError as exc:
        raise _field_error(exc) from None
    if not cleaned.get("first_name"):
        raise InputError("field first_name: a customer needs a first name.")
    _check_preferred(cleaned)
    now = utcnow()
    row = {"timezone": "UTC", **cleaned, "created_at": now, "updated_at": now}
    with store.atomic():
        cur = store.db.execute(f"INSERT INTO customers ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                               list(row.values()))
        customer_id = inserted_id(cur)
        store.audit(actor, "customer.add", "customer", customer_id, **cleaned)
    store.notify(Changes(customers=True, audit=True))
    return get_customer(store, customer_id)


def update_customer(store: Store, customer_id: int, values: Mapping[str, Any], *, actor: str) -> Customer:
    """Change some fields of a customer; an empty value clears a field.

    :raises InputError: if the customer does not exist or a field is not acceptable.
    """
    before = get_customer(store, customer_id)
    if str(values.get("phone") or "").strip() == (before.phone or "") != "":
        # An unchanged number kept from before numbers were stored in E.164 must not block editing the rest.
        values = {k: v for k, v in values.items() if k != "phone"}
    try:
        cleaned = clean_fields(values, country=phone_country(store))
    except FieldError as exc:
        raise _field_error(exc) from None
    after = {**{k: getattr(before, k) for k in FIELDS}, **cleaned}
    _check_preferred(after)
    changed = {k: v for k, v in cleaned.items() if getattr(before, k) != v}
    if not changed:
        return before
    with store.atomic():
        store.db.execute(f"UPDATE customers SET {', '.join(f'{k} = ?' for k in changed)}, updated_at = ?"
                         " WHERE id = ?", [*changed.values(), utcnow(), customer_id])
        store.audit(actor, "customer.update", "customer", customer_id,
                    **{k: {"old": getattr(before, k), "new": v} for k, v in changed.items()})
    store.notify(Changes(customers=True, audit=True))
    return get_customer(store, customer_id)


def delete_customer(store: Store, customer_id: int, *, actor: str) -> Changes:
    """Remove a customer with their preferences and consent.

    :raises InputError: if messages were drafted or sent to them (the outbox keeps its history).
    """
    before = get_customer(store, customer_id)
    if store.db.execute("SELECT 1 FROM messages WHERE customer_id = ? LIMIT 1", [customer_id]).fetchone():
        raise InputError(f"customer {customer_id} ({before.name}) has messages in the outbox, whose history is "
                         "kept; pause them or withdraw their consent instead of deleting.")
    with store.atomic():
        store.db.execute("DELETE FROM replies WHERE customer_id = ?", [customer_id])
        store.db.execute("DELETE FROM customers WHERE id = ?", [customer_id])
        store.audit(actor, "customer.delete", "customer", customer_id, name=before.name, email=before.email,
                    x_handle=before.x_handle)
    return store.notify(Changes(customers=True, audit=True))


# -- brands, sizes, purchases, pauses ---------------------------------------------------------


def brand_id(store: Store, name: str) -> int:
    """Return the id of a brand by name (any case).

    :raises InputError: naming the closest brand if there is no such brand.
    """
    row = store.db.execute("SELECT id FROM brands WHERE name = ?", [name.strip()]).fetchone()
    if row is None:
        names = [r[0] for r in store.db.execute("SELECT name FROM brands")]
        guess = difflib.get_close_matches(name.strip(), names, n=1, cutoff=0.6)
        hint = f"did you mean '{guess[0]}'?" if guess else "add it to the catalog first"
        raise InputError(f"brand '{name}' is not in the catalog; {hint}")
    return int(row[0])


def set_brand_stance(store: Store, customer_id: int, brand: str, stance: str | None, *, actor: str,
                     source: str = "stated") -> Changes:
    """Record that a customer likes or dislikes a brand (``stance`` None forgets either).

    :raises InputError: for an unknown customer, brand or stance.
    """
    if stance not in ("like", "dislike", None):
        raise InputError(f"brand stance '{stance}': use like or dislike.")
    get_customer(store, customer_id)
    bid = brand_id(store, brand)
    with store.atomic():
        if stance is None:
            store.db.execute("DELETE FROM customer_brands WHERE customer_id = ? AND brand_id = ?", [customer_id, bid])
        else:
            store.db.execute(
                "INSERT INTO customer_brands (customer_id, brand_id, stance, source) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (customer_id, brand_id) DO UPDATE SET stance = excluded.stance, source = excluded.source",
                [customer_id, bid, stance, source])
        store.audit(actor, f"customer.brand_{stance or 'forget'}", "customer", customer_id, brand=brand,
                    source=source)
    return store.notify(Changes(customers=True, audit=True))


def not_this_brand(store: Store, customer_id: int, brand: str, *, actor: str) -> Changes:
    """"Not this brand": the customer dislikes ``brand`` from now on; the next match leaves them out."""
    return set_brand_stance(store, customer_id, brand, "dislike", actor=actor, source="not this brand")


def categories(store: Store) -> set[str]:
    """Return the product categories a size may be given for: the catalog's and the usual ones."""
    return set(KNOWN_CATEGORIES) | {r[0] for r in store.db.execute("SELECT DISTINCT category FROM products")}


def parse_sizes(text: str, known: Iterable[str]) -> dict[str, str]:
    """Return ``{category: size}`` from text such as ``shirt=M;trousers=32``.

    :raises FieldError: naming the part that is wrong.
    """
    known = set(known)
    sizes: dict[str, str] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        category, eq, size = part.partition("=")
        category, size = category.strip().lower(), size.strip()
        if not eq or not category or not size:
            raise FieldError("sizes", f"'{part.strip()}' is not category=size (write e.g. shirt=M;trousers=32)")
        if category not in known:
            guess = difflib.get_close_matches(category, known, n=1)
            hint = f"did you mean '{guess[0]}'?" if guess else f"use one of {', '.join(sorted(known))}"
            raise FieldError("sizes", f"'{category}' is not a product category; {hint}")
        sizes[category] = size.upper() if size.isalpha() else size
    return sizes


def set_sizes(store: Store, customer_id: int, sizes: Mapping[str, str | None], *, actor: str) -> Changes:
    """Set a customer's size per category (a None or empty size forgets that category).

    :raises InputError: for an unknown customer or category.
    """
    get_customer(store, customer_id)
    try:
        given = parse_sizes(";".join(f"{c}={s}" for c, s in sizes.items() if s), categories(store))
    except FieldError as exc:
        raise _field_error(exc) from None
    with store.atomic():
        for category in (c for c, s in sizes.items() if not s):
            store.db.execute("DELETE FROM customer_sizes WHERE customer_id = ? AND category = ?",
                             [customer_id, category.strip().lower()])
        for category, size in given.items():
            store.db.execute("INSERT INTO customer_sizes (customer_id, category, size) VALUES (?, ?, ?)"
                             " ON CONFLICT (customer_id, category) DO UPDATE SET size = excluded.size",
                             [customer_id, category, size])
        store.audit(actor, "customer.sizes", "customer", customer_id, sizes=dict(sizes))
    return store.notify(Changes(customers=True, audit=True))


def add_purchase(store: Store, customer_id: int, *, actor: str, sku: str | None = None, brand: str | None = None,
                 size: str | None = None, purchased_at: str | None = None) -> Changes:
    """Record a purchase by SKU (its brand follows) or by brand alone.

    :raises InputError: for an unknown customer, SKU or brand, or neither given.
    """
    get_customer(store, customer_id)
    product_id = None
    if sku:
        row = store.db.execute("SELECT id, brand_id FROM products WHERE sku = ?", [sku.strip()]).fetchone()
        if row is None:
            raise InputError(f"SKU '{sku}' is not in the catalog; check it or give the brand instead.")
        product_id, bid = row
    elif brand:
        bid = brand_id(store, brand)
    else:
        raise InputError("a purchase needs a SKU or a brand.")
    try:
        when = check_when(purchased_at, "purchased_at") if purchased_at else utcnow()
    except FieldError as exc:
        raise _field_error(exc) from None
    with store.atomic():
        cur = store.db.execute("INSERT INTO purchases (customer_id, product_id, brand_id, size, purchased_at)"
                               " VALUES (?, ?, ?, ?, ?)", [customer_id, product_id, bid, size, when])
        store.audit(actor, "customer.purchase", "customer", customer_id, purchase_id=cur.lastrowid, sku=sku,
                    brand=brand, size=size)
    return store.notify(Changes(customers=True, audit=True))


def pause(store: Store, customer_id: int, *, actor: str, days: int = PAUSE_DAYS_DEFAULT,
          now: dt.datetime | None = None, reason: str = "") -> Changes:
    """"Pause this customer": no match includes them for ``days`` days from ``now``.

    :raises InputError: for an unknown customer or a number of days that is not 1 to 365.
    """
    if not 1 <= days <= 365:
        raise InputError(f"pause of {days} days: choose 1 to 365 days.")
    get_customer(store, customer_id)
    until = ((now or dt.datetime.now(dt.UTC)) + dt.timedelta(days=days)).astimezone(dt.UTC)
    until_text = until.isoformat(timespec="seconds")
    with store.atomic():
        store.db.execute("UPDATE customers SET paused_until = ?, updated_at = ? WHERE id = ?",
                         [until_text, utcnow(), customer_id])
        store.audit(actor, "customer.pause", "customer", customer_id, days=days, until=until_text, reason=reason)
    return store.notify(Changes(customers=True, audit=True))


def unpause(store: Store, customer_id: int, *, actor: str) -> Changes:
    """End a customer's pause now."""
    get_customer(store, customer_id)
    with store.atomic():
        store.db.execute("UPDATE customers SET paused_until = NULL, updated_at = ? WHERE id = ?",
                         [utcnow(), customer_id])
        store.audit(actor, "customer.unpause", "customer", customer_id)
    return store.notify(Changes(customers=True, audit=True))


def transfer(store: Store, customer_id: int, to_username: str, *, actor: str, note: str = "") -> Changes:
    """Hand a customer over to another associate (a manager's decision, recorded in the audit log).

    One-to-one messages to a customer whose consent is "1 to 1 only" go only from their own associate,
    so this is how another associate may write to them.

    :raises PermissionDenied: if ``actor`` is not a manager.
    :raises InputError: for an unknown customer, or a new associate who is not an active associate or manager.
    """
    # Imported here: roles reads the users table, which the customer book otherwise never needs.
    from lookbook.store import roles

    roles.require(store, actor, "customers.transfer")
    get_customer(store, customer_id)
    row = store.db.execute("SELECT id, username, role, active FROM users WHERE username = ?",
                           [to_username]).fetchone()
    if row is None or not row[3] or row[2] not in ("associate", "manager"):
        raise InputError(f"user '{to_username}': hand customers only to an active associate or manager; "
                         "see `lookbook users list`.")
    with store.atomic():
        before = store.db.execute("SELECT u.username FROM customers c LEFT JOIN users u ON u.id = c.associate_id"
                                  " WHERE c.id = ?", [customer_id]).fetchone()[0]
        store.db.execute("UPDATE customers SET associate_id = ?, updated_at = ? WHERE id = ?",
                         [row[0], utcnow(), customer_id])
        store.audit(actor, "customer.transfer", "customer", customer_id, **{"from": before, "to": row[1]},
                    note=note)
    return store.notify(Changes(customers=True, audit=True))


# -- finding customers ----------------------------------------------------------------------------


def fts_query(text: str) -> str | None:
    """Return an FTS5 query matching every word of ``text`` as a prefix, or None if it has no words."""
    words = re.findall(r"\w+", text.lower())
    return " AND ".join(f'"{w}"*' for w in words) or None


def _where(text: str) -> tuple[str, list[Any]]:
    query = fts_query(text)
    if query is None:
        return "", []
    return " WHERE c.id IN (SELECT rowid FROM customers_fts WHERE customers_fts MATCH ?)", [query]


def search_customers(store: Store, text: str = "", *, sort: str = "name", descending: bool = False,
                     limit: int = 100, offset: int = 0) -> list[Customer]:
    """Return one page of customers whose name, e-mail or handles start with the words in ``text``.

    :param text: words, each matched as the start of a word of the name, e-mail address or handles
        ("ali smi" finds Alice Smith); empty lists everyone.
    :param sort: a key of :data:`SORTS`.
    :raises InputError: for an unknown sort.
    """
    if sort not in SORTS:
        raise InputError(f"sort '{sort}': choose one of {', '.join(SORTS)}.")
    where, args = _where(text)
    order = SORTS[sort].format(d="DESC" if descending else "ASC")
    rows = store.db.execute(f"{_SELECT}{where} ORDER BY {order} LIMIT ? OFFSET ?", [*args, limit, offset])
    return [Customer(*r) for r in rows]


def count_customers(store: Store, text: str = "") -> int:
    """Return how many customers :func:`search_customers` would list for ``text``."""
    query = fts_query(text)
    if query is None:
        return int(store.db.execute("SELECT count(*) FROM customers").fetchone()[0])
    return int(store.db.execute("SELECT count(*) FROM customers_fts WHERE customers_fts MATCH ?",
                                [query]).fetchone()[0])


def search_block(store: Store, text: str, sort: str, descending: bool, offset: int, count: int,
                 total: int) -> list[Customer]:
    """Return ``count`` customers from position ``offset`` of a search, reading from the nearer end.

    :param total: how many the search matched when it was counted; past the middle the rows are read in the
        opposite order from the end (SQLite steps over OFFSET rows one by one) and turned back.
    """
    if offset + count <= total // 2 or total <= count:
        return search_customers(store, text, sort=sort, descending=descending, limit=count, offset=offset)
    from_end = max(total - offset - count, 0)
    rows = search_customers(store, text, sort=sort, descending=not descending, limit=count, offset=from_end)
    rows.reverse()
    return rows


def first_block(store: Store, text: str, sort: str, descending: bool, count: int) -> tuple[int, list[Customer]]:
    """Return how many customers match ``text`` and the first ``count`` of them."""
    return count_customers(store, text), search_customers(store, text, sort=sort, descending=descending,
                                                          limit=count)
