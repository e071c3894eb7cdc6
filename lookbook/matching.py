"""Who should see a set, and why: matching customers to a set with reasons for every yes and no.

A customer matches a set when they like its brand (stated, or bought it) and have
not said "not this brand"; at least one product of the set is in stock in their
size for its category and was not sent to them before; they have a channel on
which they consent to the set's scope (one-to-one or marketing), with an address
and not marked unreachable, their preferred channel first; they were not
contacted in the last N days by anyone (setting ``outbox.quiet_days``, shared
with the outbox, default 7) and are not paused. The store's daily cap (setting
``matching.daily_cap``) limits how many are offered today; the rest are listed
as excluded. Matches are ranked by a score whose parts are the reasons.

Everyone who has a stance on the brand or bought it is considered: each is
either a :class:`Match` or an :class:`Exclusion`, never silently dropped.
The work is set-based SQL over a temporary table of those customers, so a set
is matched in well under a second in a book of a million (see
``bench/matching_scale.py``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from lookbook import consent
from lookbook.errors import InputError
from lookbook.store import Store

#: Days in which a customer gets at most one message, whoever drafts it (one setting with the outbox).
FREQUENCY_SETTING, FREQUENCY_DEFAULT = "outbox.quiet_days", 7
#: Customers the whole store may message in one day, across all associates.
DAILY_CAP_SETTING, DAILY_CAP_DEFAULT = "matching.daily_cap", 200
#: The store's IANA time zone, which says when "today" starts for the daily cap.
STORE_TZ_SETTING = "store.timezone"
#: Channels the outbox can deliver on, in the order tried after the preferred one.
SENDABLE_CHANNELS = ("x", "email")
#: Message states that mean the customer was (or is about to be) contacted.
CONTACT_STATES = ("pending", "approved", "queued", "sending", "sent")
#: Message states that mean a set's message to a customer exists and is still alive.
LIVE_STATES = ("draft", "pending", "approved", "queued", "sending", "sent", "failed")
#: Score points for each part of a match, so that a score can be read back as reasons.
POINTS_STATED_LIKE = 3.0
POINTS_PER_PURCHASE, MAX_PURCHASE_POINTS = 1.0, 3.0
POINTS_SIZE_FIT = 4.0  # times the share of the set in stock in their size
POINTS_RECENCY, RECENCY_FULL_DAYS = 2.0, 60  # full points when not contacted for 60 days or ever
POINTS_PREFERRED_CHANNEL = 0.5

_PLURALS = {"dress": "dresses", "trousers": "trousers", "shorts": "shorts", "outerwear": "outerwear pieces"}


@dataclass(slots=True)
class Match:
    """A customer the set is right for, the channel to use, and why.

    Customers with the same verdict share their ``reasons``, ``products_in_size`` and
    ``score_parts`` lists (a popular brand has a hundred thousand matches): read them, don't change them.
    """

    customer_id: int
    name: str
    channel: str
    score: float
    reasons: list[str]
    products_in_size: list[str]  # SKUs in stock in their size and not sent to them before
    score_parts: list[tuple[str, float]] = field(default_factory=list)


@dataclass(slots=True)
class Exclusion:
    """A customer the set is not sent to, and every reason why not."""

    customer_id: int
    name: str
    reasons: list[str]


@dataclass
class MatchResult:
    """The matches of a set, best first, and the customers left out with reasons."""

    set_id: int
    set_name: str
    brand: str
    scope: str
    matches: list[Match]
    exclusions: list[Exclusion]
    considered: int
    daily_cap: int
    already_today: int
    truncated: int = 0  # matches left off by ``limit``

    def as_dict(self) -> dict[str, Any]:
        """Return the result as JSON-ready data."""
        return {"set_id": self.set_id, "set": self.set_name, "brand": self.brand, "scope": self.scope,
                "considered": self.considered, "daily_cap": self.daily_cap, "already_today": self.already_today,
                "truncated": self.truncated,
                "matches": [asdict(m) | {"score_parts": [list(p) for p in m.score_parts]} for m in self.matches],
                "exclusions": [asdict(e) for e in self.exclusions]}


@dataclass(frozen=True)
class _Product:
    id: int
    sku: str
    category: str
    in_stock: frozenset[str]  # sizes, upper-cased


def _plural(category: str, n: int) -> str:
    if n == 1:
        return category
    return _PLURALS.get(category, category if category.endswith("s") else f"{category}s")


def _label(channel: str) -> str:
    return consent.CHANNEL_LABELS.get(channel, channel)


def _date(text: str) -> str:
    return text[:10]


def _ago(days: int) -> str:
    return "today" if days <= 0 else "yesterday" if days == 1 else f"{days} days ago"


def _parse_time(text: str) -> dt.datetime:
    when = dt.datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def day_start(store: Store, now: dt.datetime) -> dt.datetime:
    """Return the start of the store's day containing ``now`` (setting ``store.timezone``, default UTC)."""
    try:
        tz: dt.tzinfo = zoneinfo.ZoneInfo(store.get_setting(STORE_TZ_SETTING, "UTC"))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = dt.timezone.utc
    local = now.astimezone(tz)
    return dt.datetime.combine(local.date(), dt.time(0), tzinfo=tz).astimezone(dt.timezone.utc)


def contacted_today(store: Store, now: dt.datetime) -> int:
    """Return how many customers the store has messaged (or has messages on the way to) today."""
    marks = ", ".join("?" * len(CONTACT_STATES))
    since = day_start(store, now).isoformat(timespec="seconds")
    return int(store.db.execute(
        f"SELECT count(DISTINCT customer_id) FROM messages WHERE state IN ({marks})"
        " AND coalesce(sent_at, created_at) >= ?", [*CONTACT_STATES, since]).fetchone()[0])


def _load_set(store: Store, set_id: int) -> tuple[str, int, str, str, list[_Product]]:
    row = store.db.execute("SELECT s.name, s.brand_id, b.name, s.scope FROM sets AS s JOIN brands AS b"
                           " ON b.id = s.brand_id WHERE s.id = ?", [set_id]).fetchone()
    if row is None:
        raise InputError(f"set {set_id} does not exist; list the sets with `lookbook sets list`.")
    rows = store.db.execute(
        "SELECT p.id, p.sku, p.category, min(si.position) AS first FROM set_items AS si"
        " JOIN photos AS ph ON ph.id = si.photo_id JOIN products AS p ON p.id = ph.product_id"
        " WHERE si.set_id = ? GROUP BY p.id ORDER BY first, p.sku", [set_id]).fetchall()
    if not rows:
        raise InputError(f"set {set_id} ('{row[0]}') has no shots tied to products; tie its shots to products "
                         "first, so sizes in stock can be matched.")
    stock: dict[int, set[str]] = {}
    marks = ", ".join("?" * len(rows))
    for pid, size in store.db.execute(f"SELECT product_id, size FROM stock WHERE product_id IN ({marks})"
                                      " AND quantity > 0", [r[0] for r in rows]):
        stock.setdefault(pid, set()).add(size.strip().upper())
    products = [_Product(pid, sku, category, frozenset(stock.get(pid, ()))) for pid, sku, category, _ in rows]
    return row[0], row[1], row[2], row[3], products


def match_set(store: Store, set_id: int, *, now: dt.datetime | None = None, limit: int | None = None) -> MatchResult:
    """Return the customers a set is right for, best first, and those left out, each with reasons.

    :param now: the moment to match at (default: now), for the frequency cap, pauses and the daily cap.
    :param limit: return at most this many matches (the rest are counted in ``truncated``).
    :raises InputError: if the set does not exist or none of its shots is tied to a product.
    """
    now = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    set_name, brand_id, brand, scope, products = _load_set(store, set_id)
    days_cap = int(store.get_setting(FREQUENCY_SETTING, FREQUENCY_DEFAULT))
    daily_cap = int(store.get_setting(DAILY_CAP_SETTING, DAILY_CAP_DEFAULT))
    db = store.db
    db.execute("CREATE TEMP TABLE IF NOT EXISTS match_pool (customer_id INTEGER PRIMARY KEY, stance TEXT,"
               " source TEXT, bought INTEGER NOT NULL DEFAULT 0)")
    db.execute("DELETE FROM temp.match_pool")
    judge = _Judge(brand, scope, products, now, days_cap)
    matches: list[Match] = []
    exclusions: list[Exclusion] = []
    considered = 0
    try:
        db.execute("INSERT INTO temp.match_pool (customer_id, stance, source) SELECT customer_id, stance, source"
                   " FROM customer_brands WHERE brand_id = ?", [brand_id])
        db.execute("INSERT INTO temp.match_pool (customer_id, bought) SELECT customer_id, count(*) FROM purchases"
                   " WHERE brand_id = ? GROUP BY customer_id ON CONFLICT (customer_id) DO UPDATE"
                   " SET bought = excluded.bought", [brand_id])
        judge.sent = _sent_before(store, set_id, products)
        judge.this_set = {cid: (state, by) for cid, state, by in db.execute(
            f"SELECT customer_id, state, drafted_by FROM messages WHERE set_id = ? AND state IN"
            f" ({', '.join('?' * len(LIVE_STATES))})", [set_id, *LIVE_STATES])}
        judge.last_message, judge.unreachable = _contacts(store)
        # Streamed, not fetched: a popular brand brings a hundred thousand rows.
        for row in _pool_rows(store, scope, judge.categories):
            considered += 1
            outcome = judge(row)
            (matches if outcome.__class__ is Match else exclusions).append(outcome)  # type: ignore[arg-type]
    finally:
        db.execute("DELETE FROM temp.match_pool")
    matches.sort(key=lambda m: (-m.score, m.customer_id))
    today = contacted_today(store, now)
    room = max(daily_cap - today, 0)
    if len(matches) > room:
        why = (f"daily cap reached: the store messages at most {daily_cap} customers a day, {today} already "
               f"today and {room} places left for better-ranked matches")
        exclusions += [Exclusion(m.customer_id, m.name, [why]) for m in matches[room:]]
        matches = matches[:room]
    truncated = 0
    if limit is not None and len(matches) > limit:
        truncated, matches = len(matches) - limit, matches[:limit]
    exclusions.sort(key=lambda e: e.customer_id)
    return MatchResult(set_id, set_name, brand, scope, matches, exclusions, considered, daily_cap, today,
                       truncated)


def _pool_rows(store: Store, scope: str, categories: list[str]) -> Iterator[tuple[Any, ...]]:
    """Yield one row per considered customer: their fields, stance, sizes for the set's categories, consents."""
    # Plain LEFT JOINs on primary keys, one per category and channel: no group_concat to parse back.
    size_cols = ", ".join(f"s{i}.size" for i in range(len(categories)))
    size_joins = " ".join(f"LEFT JOIN customer_sizes AS s{i} ON s{i}.customer_id = c.id AND s{i}.category = ?"
                          for i in range(len(categories)))
    consent_cols = ", ".join(f"k{i}.granted, k{i}.at" for i in range(len(SENDABLE_CHANNELS)))
    consent_joins = " ".join(f"LEFT JOIN consent_current AS k{i} ON k{i}.customer_id = c.id AND k{i}.channel = ?"
                             f" AND k{i}.scope = ?" for i in range(len(SENDABLE_CHANNELS)))
    args: list[Any] = [*categories]
    for channel in SENDABLE_CHANNELS:
        args += [channel, scope]
    return store.db.conn.execute(
        "SELECT c.id, c.first_name, c.last_name, c.preferred_channel, c.email, coalesce(c.x_user_id, c.x_handle),"
        f" c.paused_until, c.last_contacted_at, p.stance, p.source, p.bought, {size_cols}, {consent_cols}"
        f" FROM temp.match_pool AS p JOIN customers AS c ON c.id = p.customer_id {size_joins} {consent_joins}"
        " ORDER BY p.customer_id", args)


def _contacts(store: Store) -> tuple[dict[int, tuple[str, str]], dict[int, dict[str, tuple[str, str]]]]:
    """Return the considered customers' last contact ``(when, channel)`` and unreachable channels."""
    marks = ", ".join("?" * len(CONTACT_STATES))
    # Few customers of a pool have messages or dead channels: read those tables from their side.
    last = {cid: (when, channel) for cid, when, channel in store.db.execute(
        f"SELECT customer_id, max(coalesce(sent_at, created_at)), channel FROM messages WHERE state IN ({marks})"
        " AND customer_id IN (SELECT customer_id FROM temp.match_pool) GROUP BY customer_id", list(CONTACT_STATES))}
    unreachable: dict[int, dict[str, tuple[str, str]]] = {}
    for cid, channel, reason, at in store.db.execute(
            "SELECT customer_id, channel, coalesce(unreachable_reason, ''), unreachable_at FROM channel_status"
            " WHERE unreachable_at IS NOT NULL AND customer_id IN (SELECT customer_id FROM temp.match_pool)"):
        unreachable.setdefault(cid, {})[channel] = (reason, at)
    return last, unreachable


def _sent_before(store: Store, set_id: int, products: list[_Product]) -> dict[int, dict[str, str]]:
    """Return ``{customer_id: {sku: when}}`` for this set's products already sent (or on the way) by other sets."""
    marks = ", ".join("?" * len(products))
    state_marks = ", ".join("?" * len(CONTACT_STATES))
    out: dict[int, dict[str, str]] = {}
    for cid, sku, when in store.db.execute(
            "SELECT m.customer_id, p.sku, max(coalesce(m.sent_at, m.created_at)) FROM products AS p"
            " JOIN photos AS ph ON ph.product_id = p.id JOIN set_items AS si ON si.photo_id = ph.id"
            " JOIN messages AS m ON m.set_id = si.set_id"
            f" WHERE p.id IN ({marks}) AND m.set_id != ? AND m.state IN ({state_marks})"
            " AND m.customer_id IN (SELECT customer_id FROM temp.match_pool) GROUP BY 1, 2",
            [*(p.id for p in products), set_id, *CONTACT_STATES]):
        out.setdefault(cid, {})[sku] = when
    return out


class _Judge:
    """Decides one considered customer: a :class:`Match` with its score, or an :class:`Exclusion`.

    A popular brand puts a hundred thousand customers before the judge, most of them
    with one of a few size profiles and consent states, so the brand, size and channel
    verdicts are memoised on their inputs; only the customer's own dates are per row.
    """

    def __init__(self, brand: str, scope: str, products: list[_Product], now: dt.datetime, days_cap: int) -> None:
        self.brand, self.scope, self.products, self.now, self.days_cap = brand, scope, products, now, days_cap
        self.now_text = now.isoformat(timespec="seconds")
        self.per_category: dict[str, int] = {}
        for p in products:
            self.per_category[p.category] = self.per_category.get(p.category, 0) + 1
        self.categories = list(self.per_category)
        self.scope_words = "one-to-one" if scope == "one_to_one" else "marketing"
        self.sent: dict[int, dict[str, str]] = {}
        self.this_set: dict[int, tuple[str, str]] = {}
        self.last_message: dict[int, tuple[str, str]] = {}
        self.unreachable: dict[int, dict[str, tuple[str, str]]] = {}
        self._brand_memo: dict[tuple[Any, ...], tuple[list[str], list[tuple[str, float]]]] = {}
        self._size_memo: dict[tuple[Any, ...], tuple[list[str], list[_Product], dict[str, str],
                                                     tuple[str, float]]] = {}
        self._channel_memo: dict[tuple[Any, ...], tuple[str | None, list[str]]] = {}
        self._match_memo: dict[tuple[Any, ...], tuple[float, list[str], list[str], list[tuple[str, float]],
                                                      list[str]]] = {}
        self._since_cap = now - dt.timedelta(days=days_cap)
        self._n_sizes = len(self.categories)

    def __call__(self, row: tuple[Any, ...]) -> Match | Exclusion:
        cid, first, last, preferred, email, x_address, paused_until, last_contacted, stance, source, bought = row[:11]
        size_key = row[11:11 + self._n_sizes]
        consent_key = row[11 + self._n_sizes:]
        name = f"{first} {last}" if last else first
        sent = self.sent.get(cid)
        this_set = self.this_set.get(cid)
        last_message = self.last_message.get(cid)
        unreachable = self.unreachable.get(cid)
        recent = last_message or last_contacted
        channel_key = (preferred, bool(x_address), bool(email), consent_key, None if unreachable is None
                       else tuple(sorted(unreachable.items())))
        if not (sent or this_set or recent or paused_until):
            # The common case, whose verdict depends only on memoised parts.
            key = (stance, source, bought, size_key, channel_key)
            memo = self._match_memo.get(key)
            if memo is None:
                memo = self._match_memo[key] = self._verdict(stance, source, bought, size_key, channel_key,
                                                             unreachable)
            score, why_not, skus, parts, reasons = memo
            if why_not:
                return Exclusion(cid, name, why_not)
            channel = self._channel_memo[channel_key][0]
            return Match(cid, name, channel, score, reasons, skus, parts)  # type: ignore[arg-type]
        return self._full(cid, name, stance, source, bought, size_key, channel_key, unreachable, sent, this_set,
                          last_message, last_contacted, paused_until)

    def _verdict(self, stance: str | None, source: str | None, bought: int, size_key: tuple[Any, ...],
                 channel_key: tuple[Any, ...], unreachable: dict[str, tuple[str, str]] | None
                 ) -> tuple[float, list[str], list[str], list[tuple[str, float]], list[str]]:
        """Return (score, why not, SKUs in size, score parts, reasons) for a customer with no contact history."""
        outcome = self._full(0, "", stance, source, bought, size_key, channel_key, unreachable, None, None, None,
                             None, None)
        if isinstance(outcome, Exclusion):
            return 0.0, outcome.reasons, [], [], []
        return outcome.score, [], outcome.products_in_size, outcome.score_parts, outcome.reasons

    def _full(self, cid: int, name: str, stance: str | None, source: str | None, bought: int,
              size_key: tuple[Any, ...], channel_key: tuple[Any, ...],
              unreachable: dict[str, tuple[str, str]] | None, sent: dict[str, str] | None,
              this_set: tuple[str, str] | None, last_message: tuple[str, str] | None, last_contacted: str | None,
              paused_until: str | None) -> Match | Exclusion:
        key = (stance, source, bought)
        if (brand := self._brand_memo.get(key)) is None:
            brand = self._brand_memo[key] = self._brand(stance, source, bought)
        why_not = list(brand[0])
        parts = list(brand[1])

        if (sized := self._size_memo.get(size_key)) is None:
            sized = self._size_memo[size_key] = self._sizes(size_key)
        size_why, in_size, sizes, whole_part = sized
        fresh = in_size
        if size_why:
            why_not.extend(size_why)
        elif not sent:
            parts.append(whole_part)
        else:
            fresh = [p for p in in_size if p.sku not in sent]
            if not fresh:
                when = max(sent[p.sku] for p in in_size)
                why_not.append(f"already sent {', '.join(p.sku for p in in_size)} (last on {_date(when)})")
            else:
                parts.append(self._size_part(fresh, len(in_size) - len(fresh), sizes))

        if (chosen := self._channel_memo.get(channel_key)) is None:
            preferred, has_x, has_email, consent_key, _ = channel_key
            consents = {ch: (consent_key[2 * i], consent_key[2 * i + 1])
                        for i, ch in enumerate(SENDABLE_CHANNELS) if consent_key[2 * i] is not None}
            chosen = self._channel_memo[channel_key] = self._channel(preferred, {"x": has_x, "email": has_email},
                                                                     consents, unreachable or {})
        channel, channel_why = chosen
        if channel is None:
            why_not.extend(channel_why)

        # Pauses and the frequency cap: the customer's own dates.
        if paused_until and paused_until > self.now_text:
            why_not.append(f"paused until {_date(paused_until)}")
        last_when, last_via = None, None
        if last_message:
            last_when, last_via = _parse_time(last_message[0]), last_message[1]
        if last_contacted and (last_when is None or _parse_time(last_contacted) > last_when):
            last_when, last_via = _parse_time(last_contacted), None
        via = f" via {_label(last_via)}" if last_via else ""
        if this_set is not None:
            why_not.append(f"already has a message from this set ({this_set[0]}, drafted by {this_set[1]})")
        elif last_when is not None and last_when > self._since_cap:
            days = (self.now - last_when).days
            why_not.append(f"contacted {_ago(days)}{via}; at most one message every {self.days_cap} days")

        if why_not:
            return Exclusion(cid, name, why_not)
        if last_when is None:
            parts.append(("never contacted", POINTS_RECENCY))
        else:
            days = (self.now - last_when).days
            parts.append((f"last contacted {_ago(days)}{via}",
                          round(POINTS_RECENCY * min(days, RECENCY_FULL_DAYS) / RECENCY_FULL_DAYS, 2)))
        if channel == channel_key[0]:
            parts.append((f"via {_label(channel)}, their preferred channel", POINTS_PREFERRED_CHANNEL))
        else:
            parts.append((f"via {_label(channel)} ({'; '.join(channel_why)})" if channel_why
                          else f"via {_label(channel)}", 0.0))
        score = round(sum(points for _, points in parts), 2)
        return Match(cid, name, channel, score, [label for label, _ in parts], [p.sku for p in fresh], parts)

    def _brand(self, stance: str | None, source: str | None, bought: int) -> tuple[list[str], list[tuple[str, float]]]:
        why_not, parts = [], []
        if stance == "dislike":
            said = "said 'not this brand'" if source == "not this brand" else "dislikes it"
            why_not.append(f"does not want {self.brand} ({said})")
        if stance == "like":
            parts.append((f"likes {self.brand}", POINTS_STATED_LIKE))
        if bought:
            parts.append((f"bought {self.brand} {bought} time{'s' if bought > 1 else ''}",
                          min(bought * POINTS_PER_PURCHASE, MAX_PURCHASE_POINTS)))
        return why_not, parts

    def _sizes(self, size_key: tuple[Any, ...]) -> tuple[list[str], list[_Product], dict[str, str],
                                                      tuple[str, float]]:
        """Return (why not, products in stock in their size, their sizes, the score part) for a size profile."""
        sizes = {c: s for c, s in zip(self.categories, size_key, strict=True) if s}
        in_size = [p for p in self.products if (sz := sizes.get(p.category)) and sz.upper() in p.in_stock]
        why_not: list[str] = []
        if not in_size:
            for category, count in self.per_category.items():
                if category in sizes:
                    why_not.append(f"no size {sizes[category]} in stock ({count} {_plural(category, count)} "
                                   "in the set)")
            if missing := [c for c in self.per_category if c not in sizes]:
                why_not.append(f"no {' or '.join(missing)} size on file")
        return why_not, in_size, sizes, (self._size_part(in_size, 0, sizes) if in_size else ("", 0.0))

    def _size_part(self, fresh: list[_Product], sent_before: int, sizes: dict[str, str]) -> tuple[str, float]:
        by_size: dict[str, list[str]] = {}  # "M in stock for 3 of 4 shirts, 1 of 1 t-shirt"
        for category, count in self.per_category.items():
            n = sum(1 for p in fresh if p.category == category)
            if n:
                by_size.setdefault(sizes[category], []).append(f"{n} of {count} {_plural(category, count)}")
        label = "; ".join(f"{size} in stock for {', '.join(counts)}" for size, counts in by_size.items())
        if sent_before:
            label += f" ({sent_before} sent before, left out)"
        return label, round(POINTS_SIZE_FIT * len(fresh) / len(self.products), 2)

    def _channel(self, preferred: str | None, addresses: dict[str, Any], consents: dict[str, tuple[int, str]],
                 unreachable: dict[str, tuple[str, str]]) -> tuple[str | None, list[str]]:
        """Return the channel to use (or None) and why the channels before it (or all) cannot be used."""
        order = [preferred] if preferred in SENDABLE_CHANNELS else []
        order += [c for c in SENDABLE_CHANNELS if c != preferred]
        why: list[str] = []
        scope = "" if self.scope == "one_to_one" else " marketing"
        for ch in order:
            label = _label(ch)
            state = consents.get(ch)
            if not addresses.get(ch):
                if ch == preferred:
                    why.append(f"no {label} address")
                continue
            if state is None:
                why.append(f"no {self.scope_words} consent on {label}")
            elif not state[0]:
                why.append(f"withdrew {label}{scope} consent on {_date(state[1])}")
            elif ch in unreachable:
                reason, at = unreachable[ch]
                why.append(f"{label} unreachable since {_date(at)}" + (f" ({reason})" if reason else ""))
            else:
                return ch, why
        if not any(addresses.get(c) for c in SENDABLE_CHANNELS):
            why.append(f"no {' or '.join(_label(c) for c in SENDABLE_CHANNELS)} address")
        return None, why
