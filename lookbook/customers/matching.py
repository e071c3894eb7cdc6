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

How it stays fast (a popular brand puts 200,000 customers of a million-customer book before
it; see ``bench/matching_scale.py``): one SQL statement walks the brand's customers in the
covering index ``customer_brands(brand_id, customer_id, stance, source)`` and reads, per
customer, only the few columns a verdict depends on, most of them small integers or NULL.
Those columns are the *profile* of the customer; a big book holds a few hundred distinct
profiles, so the verdict (channel, score, reasons, or reasons why not) is worked out once per
profile and shared by every customer who has it. Only customers with a history that makes
them different (a pause, a past contact, a message from this set, products sent before, a
dead channel) are judged one by one, and even then the parts are memoised.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii as _encode_str  # json.dumps' own, for names
from operator import itemgetter
from typing import Any, Generic, TypeVar, overload

from lookbook.catalog.holds import available_sizes
from lookbook.customers import consent
from lookbook.errors import InputError
from lookbook.outbox.channels import registry
from lookbook.store import settings
from lookbook.store.database import Store

#: Days in which a customer gets at most one message, whoever drafts it (one setting with the outbox).
FREQUENCY_SETTING, FREQUENCY_DEFAULT = "outbox.quiet_days", 7
#: Customers the whole store may message in one day, across all associates.
DAILY_CAP_SETTING, DAILY_CAP_DEFAULT = "matching.daily_cap", 200
#: The store's IANA time zone, which says when "today" starts for the daily cap.
STORE_TZ_SETTING = "store.timezone"
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
    """A customer the set is not sent to, and every reason why not.

    Customers left out for the same reasons share one ``reasons`` list: read it, don't change it.
    """

    customer_id: int
    name: str
    reasons: list[str]


_T = TypeVar("_T")
_Row = tuple[Any, ...]


class Rows(Sequence[_T], Generic[_T]):
    """A read-only list whose items are made from compact rows when they are read.

    A popular brand brings 200,000 matches or exclusions; making an object for each up front took
    longer than deciding them, and most are read a page at a time. Each read makes a new object.
    """

    __slots__ = ("_make", "_rows")

    def __init__(self, rows: list[_Row], make: Callable[[_Row], _T]) -> None:
        self._rows, self._make = rows, make

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> _T: ...

    @overload
    def __getitem__(self, index: slice) -> list[_T]: ...

    def __getitem__(self, index: int | slice) -> _T | list[_T]:
        if isinstance(index, slice):
            return list(map(self._make, self._rows[index]))
        return self._make(self._rows[index])

    def __iter__(self) -> Iterator[_T]:
        return map(self._make, self._rows)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Rows({list(self[:3])!r}{' ...' if len(self) > 3 else ''}, {len(self)} in all)"


@dataclass
class MatchResult:
    """The matches of a set, best first, and the customers left out with reasons."""

    set_id: int
    set_name: str
    brand: str
    scope: str
    matches: Sequence[Match]
    exclusions: Sequence[Exclusion]
    considered: int
    daily_cap: int
    already_today: int
    truncated: int = 0  # matches left off by ``limit``

    def as_dict(self) -> dict[str, Any]:
        """Return the result as JSON-ready data."""
        # Written out rather than dataclasses.asdict(), which deep-copies every list: customers with
        # the same verdict share their lists, so each is made JSON-ready once (by identity).
        ready: dict[int, list[list[Any]]] = {}
        matches = []
        with collector_paused():
            for m in self.matches:
                if (parts := ready.get(id(m.score_parts))) is None:
                    parts = ready[id(m.score_parts)] = [list(p) for p in m.score_parts]
                matches.append({"customer_id": m.customer_id, "name": m.name, "channel": m.channel,
                                "score": m.score, "reasons": m.reasons, "products_in_size": m.products_in_size,
                                "score_parts": parts})
            exclusions = [{"customer_id": e.customer_id, "name": e.name, "reasons": e.reasons}
                          for e in self.exclusions]
        return {"set_id": self.set_id, "set": self.set_name, "brand": self.brand, "scope": self.scope,
                **self._head(), "matches": matches, "exclusions": exclusions}

    def _head(self) -> dict[str, int]:
        return {"considered": self.considered, "daily_cap": self.daily_cap, "already_today": self.already_today,
                "truncated": self.truncated}

    def to_json(self) -> str:
        """Return ``json.dumps(self.as_dict())``, character for character, written out faster.

        A popular brand's result is 200,000 small objects that share a few hundred verdicts: each shared
        verdict is encoded once (by identity) and each customer adds only its id and name, instead of a
        dict per customer for :func:`json.dumps` to walk (a fifth of ``sets match --json``).
        """
        dumps, name_json, int_json = json.dumps, _encode_str, int.__repr__  # what json.dumps uses for each
        shared: dict[int, str] = {}  # id of a shared list -> its JSON
        tails: dict[tuple[Any, ...], str] = {}  # a verdict -> the JSON of its part of a match

        def once(value: list[Any]) -> str:
            if (text := shared.get(id(value))) is None:
                text = shared[id(value)] = dumps(value)
            return text

        head = dumps({"set_id": self.set_id, "set": self.set_name, "brand": self.brand, "scope": self.scope,
                      **self._head()})
        matches = []
        with collector_paused():
            for cid, name, channel, score, reasons, skus, parts in _match_fields(self.matches):
                key = (id(reasons), id(skus), id(parts), channel, score)
                if (tail := tails.get(key)) is None:
                    tail = tails[key] = (f'"channel": {dumps(channel)}, "score": {dumps(score)}, "reasons": '
                                         f'{once(reasons)}, "products_in_size": {once(skus)}, "score_parts": '
                                         f'{once(parts)}}}')
                matches.append(f'{{"customer_id": {int_json(cid)}, "name": {name_json(name)}, {tail}')
            exclusions = [f'{{"customer_id": {int_json(cid)}, "name": {name_json(name)}, "reasons": {once(reasons)}}}'
                          for cid, name, reasons in _exclusion_fields(self.exclusions)]
        return f'{head[:-1]}, "matches": [{", ".join(matches)}], "exclusions": [{", ".join(exclusions)}]}}'


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


def sendable_channels() -> tuple[str, ...]:
    """Return the channels the outbox can deliver on, in the order tried after the preferred one."""
    return registry.names()


def _label(channel: str) -> str:
    return registry.facts(channel).label if channel in registry.names() else consent.CHANNEL_LABELS.get(channel,
                                                                                                        channel)


def _date(text: str) -> str:
    return text[:10]


def _ago(days: int) -> str:
    return "today" if days <= 0 else "yesterday" if days == 1 else f"{days} days ago"


def _via(channel: str | None) -> str:
    return f" via {_label(channel)}" if channel else ""


def _score(parts: list[tuple[str, float]]) -> float:
    return round(sum(points for _, points in parts), 2)


def _parse_time(text: str) -> dt.datetime:
    when = dt.datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def day_start(store: Store, now: dt.datetime) -> dt.datetime:
    """Return the start of the store's day containing ``now`` (setting ``store.timezone``, default UTC)."""
    tz = zoneinfo.ZoneInfo(settings.value(store, "store_timezone"))  # checked when it was set
    local = now.astimezone(tz)
    return dt.datetime.combine(local.date(), dt.time(0), tzinfo=tz).astimezone(dt.UTC)


def contacted_today(store: Store, now: dt.datetime) -> int:
    """Return how many customers the store has messaged (or has messages on the way to) today."""
    marks = ", ".join("?" * len(CONTACT_STATES))
    since = day_start(store, now).isoformat(timespec="seconds")
    return int(store.db.execute(
        f"SELECT count(DISTINCT customer_id) FROM messages WHERE state IN ({marks})"
        " AND coalesce(sent_at, created_at) >= ?", [*CONTACT_STATES, since]).fetchone()[0])


def _load_set(store: Store, set_id: int, now: dt.datetime | None = None
              ) -> tuple[str, int, str, str, list[_Product]]:
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
    # Available stock: units on hand that no customer holds (lookbook.catalog.holds); a held last M is
    # offered to no one.
    stock = available_sizes(store, [r[0] for r in rows], now=now)
    products = [_Product(pid, sku, category, frozenset(s.strip().upper() for s in stock.get(pid, ())))
                for pid, sku, category, _ in rows]
    return row[0], row[1], row[2], row[3], products


def match_set(store: Store, set_id: int, *, now: dt.datetime | None = None, limit: int | None = None,
              for_user: str | None = None, daily_cap: int | None = None) -> MatchResult:
    """Return the customers a set is right for, best first, and those left out, each with reasons.

    :param now: the moment to match at (default: now), for the frequency cap, pauses and the daily cap.
    :param limit: return at most this many matches (the rest are counted in ``truncated``).
    :param for_user: who would send a one-to-one set: another associate's customers whose consent on the
        chosen channel is "1 to 1 only" are left out, with that reason (default: no one in particular).
    :param daily_cap: the store's daily cap to match under (default: the library's ``daily_cap`` setting, at most
        100,000); bench.matching_scale passes one above any book's matches to compare the rules alone.
    :raises InputError: if the set does not exist or none of its shots is tied to a product.
    """
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    set_name, brand_id, brand, scope, products = _load_set(store, set_id, now)
    days_cap = int(settings.value(store, "frequency_days"))
    daily_cap = int(settings.value(store, "daily_cap")) if daily_cap is None else daily_cap
    judge = _Judge(brand, scope, products, now, days_cap)
    judge.sent = _sent_before(store, set_id, brand_id, products)
    judge.this_set = {cid: (state, by) for cid, state, by in store.db.execute(
        f"SELECT customer_id, state, drafted_by FROM messages WHERE set_id = ? AND state IN"
        f" ({', '.join('?' * len(LIVE_STATES))})", [set_id, *LIVE_STATES])}
    judge.last_message, judge.unreachable = _contacts(store, brand_id)
    # Hundreds of thousands of rows and results, and no cycles among them: the cyclic garbage
    # collector would otherwise walk the growing heap again and again (0.6 s of a 1.6 s match).
    with collector_paused():
        candidates, exclusions = _judge_pool(store, brand_id, scope, judge)
        if for_user is not None and scope == "one_to_one":
            candidates, exclusions = _owned_elsewhere(store, for_user, candidates, exclusions)
        considered = len(candidates) + len(exclusions)
        # Stable, so equal scores stay in id order.
        ranked = sorted(candidates, key=itemgetter(3), reverse=True)
        today = contacted_today(store, now)
        room = max(daily_cap - today, 0)
        if len(ranked) > room:
            why = [(f"daily cap reached: the store messages at most {daily_cap} customers a day, {today} already "
                    f"today and {room} places left for better-ranked matches")]
            ranked = ranked[:room]
            chosen = {c[0] for c in ranked}
            # The candidates are in id order, so the two sorted runs merge in one linear pass.
            exclusions += [(cid, name, why) for cid, name, _, _ in candidates if cid not in chosen]
            exclusions.sort(key=itemgetter(0))
        truncated = 0
        if limit is not None and len(ranked) > limit:
            truncated, ranked = len(ranked) - limit, ranked[:limit]
    return MatchResult(set_id, set_name, brand, scope, Rows(ranked, _match), Rows(exclusions, _exclusion),
                       considered, daily_cap, today, truncated)


def _judge_pool(store: Store, brand_id: int, scope: str, judge: _Judge
                ) -> tuple[list[tuple[int, str, _Verdict, float]], list[tuple[int, str, list[str]]]]:
    """Judge every considered customer; return ``(id, name, verdict, score)`` and ``(id, name, why not)`` by id."""
    # Customers whose verdict is not their profile's alone; everyone else shares a memoised verdict.
    special = judge.sent.keys() | judge.this_set.keys() | judge.last_message.keys() | judge.unreachable.keys()
    history = _PROFILE_START + judge.profile_width  # row[history]: paused_until, row[history + 1]: last contacted
    profiles: dict[tuple[Any, ...], _Verdict] = {}
    candidates: list[tuple[int, str, _Verdict, float]] = []
    exclusions: list[tuple[int, str, list[str]]] = []
    cursors = _pool(store, brand_id, scope, judge.categories, judge.channels)
    for cursor in cursors:
        for row in cursor:
            cid = row[0]
            if row[history] is None and row[history + 1] is None and cid not in special:
                key = row[_PROFILE_START:history]
                verdict = profiles.get(key)
                if verdict is None:
                    verdict = profiles[key] = judge.decide(key)
            else:
                verdict = judge.one(cid, row[_PROFILE_START:history], row[history], row[history + 1])
            if verdict.channel is None:
                exclusions.append((cid, row[1], verdict.reasons))
            else:
                candidates.append((cid, row[1], verdict, verdict.score))
        if cursor is cursors[0]:
            fans = len(candidates) + len(exclusions)
    if len(candidates) + len(exclusions) > fans:  # buyers with no stance came second: merge the two runs by id
        candidates.sort(key=itemgetter(0))
        exclusions.sort(key=itemgetter(0))
    return candidates, exclusions


def _owned_elsewhere(store: Store, sender: str, candidates: list[tuple[int, str, _Verdict, float]],
                     exclusions: list[tuple[int, str, list[str]]]
                     ) -> tuple[list[tuple[int, str, _Verdict, float]], list[tuple[int, str, list[str]]]]:
    """Move to the exclusions the candidates whose "1 to 1 only" consent on their channel belongs to another associate.

    Few customers have an associate, so one query lists them (by customer and channel) instead of
    widening every row of the pool.
    """
    owned = {(cid, channel): owner for cid, channel, owner in store.db.execute(
        "SELECT c.id, k.channel, u.username FROM customers AS c JOIN users AS u ON u.id = c.associate_id"
        " JOIN consent_current AS k ON k.customer_id = c.id AND k.scope = 'one_to_one' AND k.granted = 1"
        " LEFT JOIN consent_current AS m ON m.customer_id = c.id AND m.channel = k.channel AND m.scope = 'marketing'"
        " WHERE u.username != ? COLLATE NOCASE AND ifnull(m.granted, 0) = 0", [sender])}
    if not owned:
        return candidates, exclusions
    kept = []
    for row in candidates:
        channel = row[2].channel
        assert channel is not None  # _judge_pool keeps only verdicts with a channel as candidates
        owner = owned.get((row[0], channel))
        if owner is None:
            kept.append(row)
        else:
            exclusions.append((row[0], row[1], [f"consent on {_label(channel)} is 1 to 1 only with their "
                                                f"associate {owner}; a manager may transfer the customer"]))
    exclusions.sort(key=itemgetter(0))
    return kept, exclusions


def _match(row: _Row) -> Match:
    cid, name, verdict, _ = row
    return Match(cid, name, verdict.channel, verdict.score, verdict.reasons, verdict.skus, verdict.parts)


def _exclusion(row: _Row) -> Exclusion:
    return Exclusion(*row)


def _match_fields(matches: Sequence[Match]) -> Iterator[tuple[int, str, str | None, float, list[str], list[str],
                                                                list[tuple[str, float]]]]:
    """Yield each match's fields in JSON order; from the compact rows when ``matches`` is :func:`match_set`'s."""
    if isinstance(matches, Rows) and matches._make is _match:
        for cid, name, verdict, _ in matches._rows:
            yield cid, name, verdict.channel, verdict.score, verdict.reasons, verdict.skus, verdict.parts
        return
    for m in matches:
        yield m.customer_id, m.name, m.channel, m.score, m.reasons, m.products_in_size, m.score_parts


def _exclusion_fields(exclusions: Sequence[Exclusion]) -> Iterable[tuple[int, str, list[str]]]:
    """Return each exclusion's fields in JSON order; the compact rows when ``exclusions`` is :func:`match_set`'s."""
    if isinstance(exclusions, Rows) and exclusions._make is _exclusion:
        return exclusions._rows  # (id, name, reasons), as _exclusion reads them
    return ((e.customer_id, e.name, e.reasons) for e in exclusions)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block (reference counting still frees memory).

    A match makes hundreds of thousands of objects and no cycles among them; the collector would walk the
    growing heap again and again, and once more all of it when the pause ends (a nested pause leaves that
    to the outer one).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


#: Where a pool row's profile starts: (id, name) come first.
_PROFILE_START = 2


def _pool(store: Store, brand_id: int, scope: str, categories: list[str], channels: Sequence[str]) -> list[Any]:
    """Return cursors over the considered customers, each in id order: brand stances, then buyers with none.

    A row is ``(id, name, code, size per category..., date withdrawn per sendable channel...,
    paused_until, last_contacted_at)``; ``code`` packs the rest of what a verdict depends on into
    decimal digits (see :func:`_unpack`). Everything from ``code`` to the withdrawal dates is the
    customer's *profile*: numbers, and NULL where no text is needed, so that a hundred thousand
    customers make a few hundred distinct profiles and each row costs few Python objects.
    """
    params: dict[str, Any] = {"brand": brand_id, "scope": scope}
    # Digits, least significant first: stance, preferred channel, then address and consent per channel.
    code = ["{stance}"]
    preferred = " ".join(f"WHEN :ch{i} THEN {i + 1}" for i in range(len(channels)))
    code.append(f"10 * CASE c.preferred_channel {preferred} ELSE 0 END")
    sizes, withdrawn, joins = [], [], []
    for i, category in enumerate(categories):
        params[f"cat{i}"] = category
        sizes.append(f"s{i}.size")
        # Named, or SQLite takes the primary key (one row for sure) and then reads the table for the size.
        joins.append(f"LEFT JOIN customer_sizes AS s{i} INDEXED BY idx_customer_sizes_category"
                     f" ON s{i}.category = :cat{i} AND s{i}.customer_id = p.customer_id")
    for i, channel in enumerate(channels):
        kind = registry.facts(channel)  # the built-in channels' modules (tweepy, requests) are not needed here
        params[f"ch{i}"] = channel
        params[f"consent{i}"] = kind.consent
        address = kind.address_sql("c")
        code.append(f"{10 ** (2 + 2 * i)} * ({address} != '') + {10 ** (3 + 2 * i)} * ifnull(k{i}.granted + 1, 0)")
        withdrawn.append(f"CASE k{i}.granted WHEN 0 THEN substr(k{i}.at, 1, 10) END")
        joins.append(f"LEFT JOIN consent_current AS k{i} ON k{i}.customer_id = p.customer_id"
                     f" AND k{i}.channel = :consent{i} AND k{i}.scope = :scope")
    name = "CASE WHEN c.last_name != '' THEN c.first_name || ' ' || c.last_name ELSE c.first_name END"
    bought_place = _bought_place(len(channels))
    columns = ", ".join([f"p.customer_id, {name}, {' + '.join(code)} + {bought_place} * {{bought}}", *sizes, *withdrawn,
                         "c.paused_until, c.last_contacted_at"])
    joined = f" JOIN customers AS c ON c.id = p.customer_id {' '.join(joins)}"
    conn = store.db.conn
    # The stances come from the covering index customer_brands(brand_id, customer_id, stance, source),
    # in id order without a sort.
    stance = (f"CASE p.stance WHEN 'like' THEN 1 WHEN 'dislike' THEN CASE p.source WHEN 'not this brand'"
              f" THEN {_DISLIKED_SAID} ELSE {_DISLIKED} END ELSE 0 END")
    stances = "SELECT " + columns.format(stance=stance, bought="0") + " FROM customer_brands AS p" + joined
    if not conn.execute("SELECT EXISTS (SELECT 1 FROM purchases WHERE brand_id = ?)", [brand_id]).fetchone()[0]:
        return [conn.execute(stances + " WHERE p.brand_id = :brand ORDER BY p.customer_id", params)]
    bought = "(SELECT count(*) FROM purchases AS b WHERE b.brand_id = :brand AND b.customer_id = p.customer_id)"
    stances = "SELECT " + columns.format(stance=stance, bought=bought) + " FROM customer_brands AS p" + joined
    buyers = ("SELECT " + columns.format(stance="0", bought="p.bought")
              + " FROM (SELECT customer_id, count(*) AS bought FROM purchases AS b WHERE b.brand_id = :brand"
              " AND NOT EXISTS (SELECT 1 FROM customer_brands AS cb WHERE cb.customer_id = b.customer_id"
              " AND cb.brand_id = :brand) GROUP BY customer_id) AS p" + joined)
    return [conn.execute(stances + " WHERE p.brand_id = :brand ORDER BY p.customer_id", params),
            conn.execute(buyers + " ORDER BY p.customer_id", params)]


#: Stance digits of a profile code beyond 0 (no stance) and 1 (likes).
_DISLIKED, _DISLIKED_SAID = 2, 3  # dislikes; said "not this brand"
def _bought_place(channels: int) -> int:
    """Return the place of the purchase count in a profile code, after the stance, preferred and per-channel
    digits."""
    return int(10 ** (2 + 2 * channels))


@dataclass(frozen=True, slots=True)
class _Profile:
    """A profile code, unpacked: see :func:`_pool`."""

    stance: str | None
    disliked_as: str | None
    bought: int
    preferred: str | None
    addresses: tuple[bool, ...]  # per sendable channel
    consents: tuple[int | None, ...]  # per sendable channel: 1 granted, 0 withdrawn, None never asked


def _unpack(code: int, channels: Sequence[str]) -> _Profile:
    """Return the profile that :func:`_pool` packed into ``code`` for ``channels``."""
    code, stance = divmod(code, 10)
    code, preferred = divmod(code, 10)
    addresses, consents = [], []
    for _ in channels:
        code, address = divmod(code, 10)
        code, granted = divmod(code, 10)
        addresses.append(bool(address))
        consents.append(granted - 1 if granted else None)
    return _Profile("like" if stance == 1 else "dislike" if stance else None,
                    "not this brand" if stance == _DISLIKED_SAID else None, code,
                    channels[preferred - 1] if preferred else None, tuple(addresses), tuple(consents))


#: A condition on ``m.customer_id``: the customer has a stance on ``:brand`` or bought it. Probed from
#: the (few) messages' and channels' side, rather than listing a popular brand's 200,000 fans.
_CONSIDERED = ("(EXISTS (SELECT 1 FROM customer_brands AS cb WHERE cb.customer_id = m.customer_id"
               " AND cb.brand_id = :brand) OR EXISTS (SELECT 1 FROM purchases AS b WHERE b.brand_id = :brand"
               " AND b.customer_id = m.customer_id))")


def _contacts(store: Store, brand_id: int) -> tuple[dict[int, tuple[str, str]], dict[int, dict[str, tuple[str, str]]]]:
    """Return the considered customers' last contact ``(when, channel)`` and unreachable channels."""
    states = {f"state{i}": state for i, state in enumerate(CONTACT_STATES)}
    marks = ", ".join(f":{k}" for k in states)
    last = {cid: (when, channel) for cid, when, channel in store.db.execute(
        # The channel is the one of the latest message (SQLite's bare column beside max()).
        f"SELECT m.customer_id, m.last, m.channel FROM (SELECT customer_id, max(coalesce(sent_at, created_at))"
        f" AS last, channel FROM messages WHERE state IN ({marks}) GROUP BY customer_id) AS m WHERE {_CONSIDERED}",
        {"brand": brand_id, **states})}
    unreachable: dict[int, dict[str, tuple[str, str]]] = {}
    for cid, channel, reason, at in store.db.execute(
            "SELECT m.customer_id, m.channel, coalesce(m.unreachable_reason, ''), m.unreachable_at"
            f" FROM channel_status AS m WHERE m.unreachable_at IS NOT NULL AND {_CONSIDERED}",
            {"brand": brand_id}):
        unreachable.setdefault(cid, {})[channel] = (reason, at)
    return last, unreachable


def _sent_before(store: Store, set_id: int, brand_id: int, products: list[_Product]) -> dict[int, dict[str, str]]:
    """Return ``{customer_id: {sku: when}}`` for this set's products already sent (or on the way) by other sets."""
    params: dict[str, Any] = {"brand": brand_id, "set": set_id}
    params |= {f"p{i}": p.id for i, p in enumerate(products)}
    params |= {f"state{i}": state for i, state in enumerate(CONTACT_STATES)}
    product_marks = ", ".join(f":p{i}" for i in range(len(products)))
    state_marks = ", ".join(f":state{i}" for i in range(len(CONTACT_STATES)))
    out: dict[int, dict[str, str]] = {}
    for cid, sku, when in store.db.execute(
            "SELECT m.customer_id, p.sku, max(coalesce(m.sent_at, m.created_at)) FROM products AS p"
            " JOIN photos AS ph ON ph.product_id = p.id JOIN set_items AS si ON si.photo_id = ph.id"
            " JOIN messages AS m ON m.set_id = si.set_id"
            f" WHERE p.id IN ({product_marks}) AND m.set_id != :set AND m.state IN ({state_marks})"
            f" AND {_CONSIDERED} GROUP BY 1, 2", params):
        out.setdefault(cid, {})[sku] = when
    return out


@dataclass(slots=True)
class _Verdict:
    """What a customer profile (and history) earns: a channel, score and reasons, or ``channel=None`` and why not."""

    channel: str | None
    score: float
    reasons: list[str]
    skus: list[str]
    parts: list[tuple[str, float]]


class _Judge:
    """Decides verdicts: once per profile for customers with no history, per customer otherwise.

    The brand, size and channel parts are memoised on their inputs, and so are whole verdicts of
    customers whose history is only a pause or a past contact: by the days since it within the
    frequency cap (a handful), by profile alone past it, with the recency part set per customer.
    """

    def __init__(self, brand: str, scope: str, products: list[_Product], now: dt.datetime, days_cap: int) -> None:
        self.brand, self.scope, self.products, self.now, self.days_cap = brand, scope, products, now, days_cap
        self.now_text = now.isoformat(timespec="seconds")
        self.per_category: dict[str, int] = {}
        for p in products:
            self.per_category[p.category] = self.per_category.get(p.category, 0) + 1
        self.categories = list(self.per_category)
        self.channels = sendable_channels()
        self.profile_width = 1 + len(self.categories) + len(self.channels)
        self.scope_words = "one-to-one" if scope == "one_to_one" else "marketing"
        self.sent: dict[int, dict[str, str]] = {}
        self.this_set: dict[int, tuple[str, str]] = {}
        self.last_message: dict[int, tuple[str, str]] = {}
        self.unreachable: dict[int, dict[str, tuple[str, str]]] = {}
        self._brand_memo: dict[tuple[Any, ...], tuple[list[str], list[tuple[str, float]]]] = {}
        self._size_memo: dict[tuple[Any, ...], tuple[list[str], list[_Product], dict[str, str],
                                                     tuple[str, float]]] = {}
        self._channel_memo: dict[tuple[Any, ...], tuple[str | None, list[str]]] = {}
        self._history_memo: dict[tuple[Any, ...], _Verdict] = {}
        self._recency_memo: dict[tuple[tuple[Any, ...], int], _Verdict] = {}
        self._days_memo: dict[str, int] = {}  # last_contacted_at -> whole days before now
        self._recency_parts: dict[tuple[int, str | None], tuple[str, float]] = {}

    def one(self, cid: int, profile: tuple[Any, ...], paused_until: str | None,
            last_contacted: str | None) -> _Verdict:
        """Return the verdict for a customer with a history (pause, contact, this set, products sent, dead channel)."""
        paused = _date(paused_until) if paused_until and paused_until > self.now_text else None
        last_via: str | None = None
        if last_message := self.last_message.get(cid):
            last_when, last_via = _parse_time(last_message[0]), last_message[1]
            if last_contacted and _parse_time(last_contacted) > last_when:
                last_when, last_via = _parse_time(last_contacted), None
            days: int | None = (self.now - last_when).days
        elif not last_contacted:
            days = None
        elif (days := self._days_memo.get(last_contacted)) is None:
            # Most histories are a past contact alone, its time shared by many (a day's import or send).
            days = self._days_memo[last_contacted] = (self.now - _parse_time(last_contacted)).days
        unreachable = self.unreachable.get(cid)
        sent, this_set = self.sent.get(cid), self.this_set.get(cid)
        if sent or this_set:
            return self.decide(profile, paused, days, last_via, unreachable, sent, this_set)
        # Past the frequency cap, the exact number of days changes only the recency part of a verdict (a
        # customer's contacts spread over hundreds of days): one verdict per profile and history, its
        # recency part set per number of days. Within the cap the days are in the reason, and few.
        within_cap = days is None or days < self.days_cap
        key = (profile, paused, days if within_cap else -1, last_via,
               None if unreachable is None else tuple(sorted(unreachable.items())))
        if (verdict := self._history_memo.get(key)) is None:
            verdict = self._history_memo[key] = self.decide(profile, paused, days, last_via, unreachable)
        if within_cap or verdict.channel is None:
            return verdict
        assert days is not None  # not within the cap
        if (dated := self._recency_memo.get((key, days))) is None:
            dated = self._recency_memo[key, days] = self._with_recency(verdict, days, last_via)
        return dated

    def decide(self, profile: tuple[Any, ...], paused: str | None = None, days: int | None = None,
               last_via: str | None = None, unreachable: dict[str, tuple[str, str]] | None = None,
               sent: dict[str, str] | None = None, this_set: tuple[str, str] | None = None) -> _Verdict:
        """Return the verdict for a profile and a history.

        In steps: the brand (a stance, purchases), the sizes in stock (less what was sent before), the
        channel, the customer's own history (pause, this set, the frequency cap); any reason not to send
        makes an exclusion with every reason, else the parts add up to the score.

        :param profile: the profile columns of a pool row (see :func:`_pool`).
        :param paused: the date the customer is paused until, if that is after now.
        :param days: whole days since the last contact, if any; ``last_via`` its channel if known.
        :param unreachable: ``{channel: (reason, since)}`` for the customer's dead channels.
        :param sent: ``{sku: when}`` for this set's products already sent to the customer by other sets.
        :param this_set: ``(state, drafted by)`` of the customer's message from this set, if any.
        """
        n_sizes = len(self.categories)
        unpacked = _unpack(profile[0], self.channels)
        brand_why, brand_parts = self._brand_step(unpacked)
        size_why, size_part, fresh = self._size_step(profile[1:1 + n_sizes], sent)
        channel, channel_why = self._channel_step(unpacked, profile[1 + n_sizes:], unreachable)
        history_why = self._history_step(paused, days, last_via, this_set)
        why_not = [*brand_why, *size_why, *(channel_why if channel is None else ()), *history_why]
        if why_not:
            return _Verdict(None, 0.0, why_not, [], [])
        assert channel is not None and size_part is not None  # else their reasons are in why_not
        parts = [*brand_parts, size_part, self._recency_part(days, last_via),
                 self._channel_part(channel, unpacked.preferred, channel_why)]
        return _Verdict(channel, _score(parts), [label for label, _ in parts], [p.sku for p in fresh], parts)

    def _brand_step(self, unpacked: _Profile) -> tuple[list[str], list[tuple[str, float]]]:
        """Return (why not, score parts) for the customer's stance on the brand and purchases of it."""
        key = (unpacked.stance, unpacked.disliked_as, unpacked.bought)
        if (brand := self._brand_memo.get(key)) is None:
            brand = self._brand_memo[key] = self._brand(*key)
        return brand

    def _size_step(self, size_key: tuple[Any, ...], sent: dict[str, str] | None
                   ) -> tuple[list[str], tuple[str, float] | None, list[_Product]]:
        """Return (why not, the size part, the products to send) for a size profile, less the products sent before."""
        if (sized := self._size_memo.get(size_key)) is None:
            sized = self._size_memo[size_key] = self._sizes(size_key)
        size_why, in_size, sizes, whole_part = sized
        if size_why:
            return size_why, None, in_size
        if not sent:
            return [], whole_part, in_size
        fresh = [p for p in in_size if p.sku not in sent]
        if not fresh:
            when = max(sent[p.sku] for p in in_size)
            return [f"already sent {', '.join(p.sku for p in in_size)} (last on {_date(when)})"], None, fresh
        return [], self._size_part(fresh, len(in_size) - len(fresh), sizes), fresh

    def _channel_step(self, unpacked: _Profile, withdrawn: tuple[Any, ...],
                      unreachable: dict[str, tuple[str, str]] | None) -> tuple[str | None, list[str]]:
        """Return the channel to use (or None) and why the channels before it (or all) cannot be used."""
        channel_key = (unpacked.preferred, unpacked.addresses, unpacked.consents, withdrawn,
                       None if unreachable is None else tuple(sorted(unreachable.items())))
        if (chosen := self._channel_memo.get(channel_key)) is None:
            consents = {ch: (granted, at) for ch, granted, at in zip(self.channels, unpacked.consents, withdrawn,
                                                                     strict=True) if granted is not None}
            addresses = dict(zip(self.channels, unpacked.addresses, strict=True))
            chosen = self._channel_memo[channel_key] = self._channel(unpacked.preferred, addresses, consents,
                                                                     unreachable or {})
        return chosen

    def _history_step(self, paused: str | None, days: int | None, last_via: str | None,
                      this_set: tuple[str, str] | None) -> list[str]:
        """Return why the customer's own history rules a message out: a pause, this set, the frequency cap."""
        why_not = []
        if paused:
            why_not.append(f"paused until {paused}")
        if this_set is not None:
            why_not.append(f"already has a message from this set ({this_set[0]}, drafted by {this_set[1]})")
        elif days is not None and days < self.days_cap:  # (now - last) < cap, in whole days
            why_not.append(f"contacted {_ago(days)}{_via(last_via)}; at most one message every {self.days_cap} days")
        return why_not

    @staticmethod
    def _recency_part(days: int | None, last_via: str | None) -> tuple[str, float]:
        """Return the score part for the time since the last contact (full points at 60 days or never)."""
        if days is None:
            return "never contacted", POINTS_RECENCY
        return (f"last contacted {_ago(days)}{_via(last_via)}",
                round(POINTS_RECENCY * min(days, RECENCY_FULL_DAYS) / RECENCY_FULL_DAYS, 2))

    @staticmethod
    def _channel_part(channel: str, preferred: str | None, channel_why: list[str]) -> tuple[str, float]:
        """Return the score part for the channel: points when it is the customer's preferred one."""
        if channel == preferred:
            return f"via {_label(channel)}, their preferred channel", POINTS_PREFERRED_CHANNEL
        return (f"via {_label(channel)} ({'; '.join(channel_why)})" if channel_why else f"via {_label(channel)}", 0.0)

    def _with_recency(self, verdict: _Verdict, days: int, last_via: str | None) -> _Verdict:
        """Return ``verdict`` (a match, past the cap) with its recency part for ``days`` since the last contact."""
        # decide() puts the recency part second to last, before the channel's.
        if (recency := self._recency_parts.get((days, last_via))) is None:
            recency = self._recency_parts[days, last_via] = self._recency_part(days, last_via)
        parts = [*verdict.parts[:-2], recency, verdict.parts[-1]]
        return _Verdict(verdict.channel, _score(parts), [label for label, _ in parts], verdict.skus, parts)

    def _brand(self, stance: str | None, disliked_as: str | None, bought: int
               ) -> tuple[list[str], list[tuple[str, float]]]:
        why_not, parts = [], []
        if stance == "dislike":
            said = "said 'not this brand'" if disliked_as == "not this brand" else "dislikes it"
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
        order = [preferred] if preferred in self.channels else []
        order += [c for c in self.channels if c != preferred]
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
        if not any(addresses.get(c) for c in self.channels):
            why.append(f"no {' or '.join(_label(c) for c in self.channels)} address")
        return None, why
