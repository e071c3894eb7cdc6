"""Matching a set to customers: every rule, with the reason for every match and every exclusion."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from customer_support import add_brand, add_customer, add_message, add_product, add_set
from lookbook.cli import main
from lookbook.customers import book as customers
from lookbook.customers import consent
from lookbook.customers.matching import DAILY_CAP_SETTING, FREQUENCY_SETTING, match_set
from lookbook.errors import InputError
from lookbook.outbox.quiet_hours import next_allowed_send_time, next_send_time, set_window
from lookbook.store.database import Store

NOW = dt.datetime(2026, 3, 25, 12, 0, tzinfo=dt.UTC)
ONE = {"email": "one_to_one"}


@pytest.fixture
def shop(store: Store) -> tuple[Store, int]:
    """Harbour & Pine with six shirts (M in stock for four) and a pair of trousers; a set of all seven."""
    hp = add_brand(store, "Harbour & Pine")
    add_brand(store, "Marlowe")
    for n in range(1, 7):
        add_product(store, hp, f"HP-SH0{n}", "shirt", {"M": 2 if n <= 4 else 0, "L": 0, "S": 1})
    add_product(store, hp, "HP-TR01", "trousers", {"32": 1, "34": 0})
    return store, add_set(store, hp, [f"HP-SH0{n}" for n in range(1, 7)] + ["HP-TR01"])


def by_id(result, cid):  # noqa: ANN001, ANN201
    for item in [*result.matches, *result.exclusions]:
        if item.customer_id == cid:
            return item
    raise AssertionError(f"customer {cid} neither matched nor excluded")


def test_a_match_says_why(shop: tuple[Store, int]) -> None:
    store, sid = shop
    cid = add_customer(store, "Ana", likes=["Harbour & Pine"], sizes={"shirt": "M"}, consents=ONE,
                       x_handle="ana", preferred_channel="email")
    result = match_set(store, sid, now=NOW)
    [m] = result.matches
    assert (m.customer_id, m.channel) == (cid, "email")
    assert m.reasons == ["likes Harbour & Pine", "M in stock for 4 of 6 shirts", "never contacted",
                         "via e-mail, their preferred channel"]
    assert m.products_in_size == ["HP-SH01", "HP-SH02", "HP-SH03", "HP-SH04"]
    assert m.score == pytest.approx(3 + 4 * 4 / 7 + 2 + 0.5, abs=0.01)
    assert sum(points for _, points in m.score_parts) == pytest.approx(m.score, abs=0.01)


def test_every_exclusion_says_why_not(shop: tuple[Store, int]) -> None:
    store, sid = shop
    hates = add_customer(store, "Hal", likes=["Harbour & Pine"], sizes={"shirt": "M"}, consents=ONE)
    customers.not_this_brand(store, hates, "Harbour & Pine", actor="alex")
    large = add_customer(store, "Lee", likes=["Harbour & Pine"], sizes={"shirt": "L", "trousers": "34"},
                         consents=ONE)
    nosize = add_customer(store, "Ned", likes=["Harbour & Pine"], consents=ONE)
    withdrew = add_customer(store, "Wes", likes=["Harbour & Pine"], sizes={"shirt": "M"}, x_handle="wes",
                            email=None, consents={"x": "one_to_one"})
    consent.record(store, withdrew, "x", "one_to_one", False, by_user="system", source="reply",
                   at="2026-03-02T10:00:00+00:00")
    unasked = add_customer(store, "Una", likes=["Harbour & Pine"], sizes={"shirt": "M"})
    paused = add_customer(store, "Pat", likes=["Harbour & Pine"], sizes={"shirt": "M"}, consents=ONE)
    customers.pause(store, paused, actor="alex", now=NOW - dt.timedelta(days=1))
    recent = add_customer(store, "Rae", likes=["Harbour & Pine"], sizes={"shirt": "M"}, consents=ONE)
    add_message(store, recent, channel="x", at=(NOW - dt.timedelta(days=3)).isoformat())
    add_customer(store, "Other", likes=["Marlowe"], sizes={"shirt": "M"}, consents=ONE)  # not considered at all
    result = match_set(store, sid, now=NOW)
    assert result.matches == [] and result.considered == 7
    assert by_id(result, hates).reasons == ["does not want Harbour & Pine (said 'not this brand')"]
    assert by_id(result, large).reasons == ["no size L in stock (6 shirts in the set)",
                                            "no size 34 in stock (1 trousers in the set)"]
    assert by_id(result, nosize).reasons == ["no shirt or trousers size on file"]
    assert by_id(result, withdrew).reasons == ["withdrew X consent on 2026-03-02", "no e-mail address"] or \
        by_id(result, withdrew).reasons == ["withdrew X consent on 2026-03-02"]
    assert by_id(result, unasked).reasons == ["no one-to-one consent on e-mail"]
    assert by_id(result, paused).reasons == ["paused until 2026-04-23"]
    assert by_id(result, recent).reasons == ["contacted 3 days ago via X; at most one message every 7 days"]


def test_purchases_count_as_liking_and_raise_the_score(shop: tuple[Store, int]) -> None:
    store, sid = shop
    stated = add_customer(store, "Ana", likes=["Harbour & Pine"], sizes={"shirt": "M"}, consents=ONE)
    buyer = add_customer(store, "Bea", sizes={"shirt": "M"}, consents=ONE)
    for _ in range(2):
        customers.add_purchase(store, buyer, actor="alex", brand="Harbour & Pine")
    both = add_customer(store, "Cy", likes=["Harbour & Pine"], sizes={"shirt": "M", "trousers": "32"},
                        consents=ONE)
    customers.add_purchase(store, both, actor="alex", sku="HP-TR01")
    result = match_set(store, sid, now=NOW)
    assert [m.customer_id for m in result.matches] == [both, stated, buyer]
    assert "bought Harbour & Pine 2 times" in by_id(result, buyer).reasons
    assert by_id(result, both).reasons[2] == "M in stock for 4 of 6 shirts; 32 in stock for 1 of 1 trousers"


def test_scope_channel_preference_and_unreachable_channels(store: Store) -> None:
    hp = add_brand(store, "Harbour & Pine")
    add_product(store, hp, "HP-SH01", "shirt", {"M": 3})
    one_to_one = add_set(store, hp, ["HP-SH01"])
    campaign = add_set(store, hp, ["HP-SH01"], scope="marketing", name="Store-wide")
    ana = add_customer(store, "Ana", likes=["Harbour & Pine"], sizes={"shirt": "M"}, x_handle="ana",
                       preferred_channel="x", consents={"x": "one_to_one", "email": "marketing"})
    store.db.execute("INSERT INTO channel_status (customer_id, channel, unreachable_reason, unreachable_at)"
                     " VALUES (?, 'x', 'does not follow the store', '2026-03-10T08:00:00+00:00')", [ana])
    m = match_set(store, one_to_one, now=NOW).matches[0]
    assert m.channel == "email"
    assert m.reasons[-1] == "via e-mail (X unreachable since 2026-03-10 (does not follow the store))"
    store.db.execute("DELETE FROM channel_status")
    assert match_set(store, one_to_one, now=NOW).matches[0].channel == "x"
    # A store-wide send needs marketing consent: only e-mail has it.
    m = match_set(store, campaign, now=NOW).matches[0]
    assert m.channel == "email" and m.reasons[-1] == "via e-mail (no marketing consent on X)"
    consent.set_level(store, ana, "email", "one_to_one", by_user="alex", source="reply")
    assert match_set(store, campaign, now=NOW).exclusions[0].reasons[0] == "no marketing consent on X"


def test_frequency_cap_is_store_wide_and_configurable(shop: tuple[Store, int]) -> None:
    store, sid = shop
    cid = add_customer(store, "Ana", likes=["Harbour & Pine"], sizes={"shirt": "M"}, consents=ONE)
    other_set = add_set(store, 1, ["HP-SH06"], name="Older")
    # Another associate's message waiting for approval counts as contact, whatever its age.
    add_message(store, cid, state="pending", set_id=other_set, drafted_by="jordan",
                at=(NOW - dt.timedelta(days=1)).isoformat())
    assert "contacted yesterday" in match_set(store, sid, now=NOW).exclusions[0].reasons[0]
    store.db.execute("UPDATE messages SET state = 'sent', sent_at = ?", [(NOW - dt.timedelta(days=10)).isoformat()])
    m = match_set(store, sid, now=NOW).matches[0]
    assert "last contacted 10 days ago via X" in m.reasons
    store.set_setting(FREQUENCY_SETTING, 14)
    assert match_set(store, sid, now=NOW).matches == []
    customers.update_customer(store, cid, {"last_contacted_at": "2026-03-24"}, actor="t")
    store.set_setting(FREQUENCY_SETTING, 7)
    assert "contacted yesterday" in match_set(store, sid, now=NOW).exclusions[0].reasons[0]


def test_products_sent_before_are_left_out(shop: tuple[Store, int]) -> None:
    store, sid = shop
    cid = add_customer(store, "Ana", likes=["Harbour & Pine"], sizes={"shirt": "M"}, consents=ONE)
    old = add_set(store, 1, ["HP-SH01", "HP-SH02"], name="February")
    add_message(store, cid, set_id=old, at="2026-02-01T10:00:00+00:00")
    m = match_set(store, sid, now=NOW).matches[0]
    assert m.products_in_size == ["HP-SH03", "HP-SH04"]
    assert m.reasons[1] == "M in stock for 2 of 6 shirts (2 sent before, left out)"
    everything = add_set(store, 1, ["HP-SH01", "HP-SH02", "HP-SH03", "HP-SH04"], name="March")
    add_message(store, cid, set_id=everything, at="2026-02-20T10:00:00+00:00")
    reasons = match_set(store, sid, now=NOW).exclusions[0].reasons
    assert reasons == ["already sent HP-SH01, HP-SH02, HP-SH03, HP-SH04 (last on 2026-02-20)"]


def test_daily_cap_keeps_the_best_and_lists_the_rest(shop: tuple[Store, int]) -> None:
    store, sid = shop
    best = add_customer(store, "Ana", likes=["Harbour & Pine"], sizes={"shirt": "M", "trousers": "32"},
                        consents=ONE)
    good = add_customer(store, "Bob", likes=["Harbour & Pine"], sizes={"shirt": "M"}, consents=ONE)
    someone = add_customer(store, "Cy", likes=["Marlowe"], consents=ONE)
    add_message(store, someone, at=(NOW - dt.timedelta(hours=2)).isoformat())  # today, another set
    store.set_setting(DAILY_CAP_SETTING, 2)
    result = match_set(store, sid, now=NOW)
    assert [m.customer_id for m in result.matches] == [best] and result.already_today == 1
    assert by_id(result, good).reasons[0].startswith("daily cap reached: the store messages at most 2 customers a "
                                                     "day, 1 already today")


def test_a_daily_cap_passed_in_replaces_the_setting(shop: tuple[Store, int]) -> None:
    # The setting refuses a cap above 100,000; bench.matching_scale compares the rules on a book with more matches.
    store, sid = shop
    fans = [add_customer(store, n, likes=["Harbour & Pine"], sizes={"shirt": "M"}, consents=ONE) for n in "AB"]
    store.set_setting(DAILY_CAP_SETTING, 1)
    assert [m.customer_id for m in match_set(store, sid, now=NOW).matches] == fans[:1]
    wide = match_set(store, sid, now=NOW, daily_cap=10_000_000)
    assert [m.customer_id for m in wide.matches] == fans and wide.daily_cap == 10_000_000 and not wide.exclusions


def test_already_in_this_set_and_limit(shop: tuple[Store, int]) -> None:
    store, sid = shop
    ids = [add_customer(store, n, likes=["Harbour & Pine"], sizes={"shirt": "M"}, consents=ONE)
           for n in ("Ana", "Bob", "Cy")]
    add_message(store, ids[0], state="draft", set_id=sid)
    result = match_set(store, sid, now=NOW, limit=1)
    assert len(result.matches) == 1 and result.truncated == 1
    assert by_id(result, ids[0]).reasons == ["already has a message from this set (draft, drafted by alex)"]


def test_unknown_or_empty_sets_are_refused(store: Store) -> None:
    hp = add_brand(store, "Harbour & Pine")
    with pytest.raises(InputError, match="set 9 does not exist"):
        match_set(store, 9)
    empty = add_set(store, hp, [])
    with pytest.raises(InputError, match="no shots tied to products"):
        match_set(store, empty)


def test_sets_match_json_from_the_command_line(demo_library, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    from lookbook.store.database import open_store
    from lookbook.store.library import Library

    store = open_store(Library.locate(demo_library))
    hp = store.db.execute("SELECT id FROM brands WHERE name = 'Harbour & Pine'").fetchone()[0]
    skus = [r[0] for r in store.db.execute("SELECT p.sku FROM products AS p JOIN photos AS ph ON ph.product_id = p.id"
                                           " WHERE p.brand_id = ?", [hp])]
    sid = add_set(store, hp, skus)
    store.close()
    assert main(["--library", str(demo_library), "sets", "match", str(sid), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["matches"] and out["exclusions"]
    assert all(m["reasons"] and m["channel"] in ("x", "email") for m in out["matches"])
    assert all(e["reasons"] for e in out["exclusions"])
    assert out["considered"] == len(out["matches"]) + len(out["exclusions"])


# -- quiet hours ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("utc", "expected"), [
    ("2026-03-01T15:00", "2026-03-01T15:00"),  # 10:00 in New York: allowed, returned unchanged
    ("2026-03-02T02:30", "2026-03-02T14:00"),  # 21:30 the evening before: until 09:00 EST
    ("2026-03-01T13:59", "2026-03-01T14:00"),  # 08:59: one minute to wait
    ("2026-03-08T04:00", "2026-03-08T13:00"),  # 23:00 EST; clocks go forward in the night: 09:00 EDT
])
def test_quiet_hours_in_the_customers_time_zone(utc: str, expected: str) -> None:
    now = dt.datetime.fromisoformat(utc).replace(tzinfo=dt.UTC)
    assert next_allowed_send_time("America/New_York", now) == dt.datetime.fromisoformat(expected).replace(
        tzinfo=dt.UTC)


def test_next_send_time_reads_the_customer_and_the_setting(store: Store) -> None:
    cid = add_customer(store, "Ana", timezone="Asia/Tokyo")
    now = dt.datetime(2026, 3, 1, 13, 0, tzinfo=dt.UTC)  # 22:00 in Tokyo
    assert next_send_time(store, cid, now) == dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)
    set_window(store, "23:00", "07:00")
    assert next_send_time(store, cid, now) == now
    set_window(store, "12:00", "12:00")  # off
    assert next_send_time(store, cid, now + dt.timedelta(hours=3)) == now + dt.timedelta(hours=3)
    with pytest.raises(InputError, match="not a time"):
        set_window(store, "9pm", "07:00")


# -- the fast path's structures -------------------------------------------------------------------------------


def test_buyers_without_a_stance_are_merged_in_id_order(shop: tuple[Store, int]) -> None:
    store, sid = shop
    # Buyers with no stance are read after the brand's fans; the result must not show it.
    buyer = add_customer(store, "Bea", sizes={"shirt": "M"}, consents=ONE)
    customers.add_purchase(store, buyer, actor="alex", brand="Harbour & Pine")
    shy_buyer = add_customer(store, "Sid", sizes={"shirt": "XS"}, consents=ONE)
    customers.add_purchase(store, shy_buyer, actor="alex", brand="Harbour & Pine")
    fans = [add_customer(store, n, likes=["Harbour & Pine"], sizes={"shirt": "M"}, consents=ONE) for n in "AB"]
    nosize = add_customer(store, "Ned", likes=["Harbour & Pine"], consents=ONE)
    result = match_set(store, sid, now=NOW)
    assert [m.customer_id for m in result.matches] == fans + [buyer]  # score, then id
    assert [e.customer_id for e in result.exclusions] == [shy_buyer, nosize]
    assert by_id(result, shy_buyer).reasons == ["no size XS in stock (6 shirts in the set)",
                                                "no trousers size on file"]
    store.set_setting(DAILY_CAP_SETTING, 1)
    capped = match_set(store, sid, now=NOW)
    assert [m.customer_id for m in capped.matches] == fans[:1]
    assert [e.customer_id for e in capped.exclusions] == [buyer, shy_buyer, fans[1], nosize]


def test_customers_with_one_profile_share_one_verdict_and_results_read_like_lists(
        shop: tuple[Store, int]) -> None:
    store, sid = shop
    ids = [add_customer(store, f"Fan{n}", likes=["Harbour & Pine"], sizes={"shirt": "M"}, consents=ONE)
           for n in range(3)]
    result = match_set(store, sid, now=NOW)
    first, second, _ = result.matches
    assert first.reasons is second.reasons and first.score_parts is second.score_parts
    assert (len(result.matches), result.matches[-1].customer_id, result.matches[1:2]) == (3, ids[2], [second])
    assert result.matches == [first, second, result.matches[2]] and result.exclusions == []
    assert result.matches != [first]
    as_json = json.loads(json.dumps(result.as_dict()))
    assert as_json["matches"][0] == {"customer_id": ids[0], "name": "Fan0 Test", "channel": "email",
                                     "score": first.score, "reasons": first.reasons,
                                     "products_in_size": ["HP-SH01", "HP-SH02", "HP-SH03", "HP-SH04"],
                                     "score_parts": [list(p) for p in first.score_parts]}


def test_a_profile_code_unpacks_to_what_was_packed(store: Store) -> None:
    from lookbook.customers.matching import _pool, _unpack

    hp = add_brand(store, "Harbour & Pine")
    cid = add_customer(store, "Ana", dislikes=["Harbour & Pine"], x_handle="ana", preferred_channel="x",
                       consents={"x": "one_to_one"})
    customers.add_purchase(store, cid, actor="alex", brand="Harbour & Pine")
    customers.add_purchase(store, cid, actor="alex", brand="Harbour & Pine")
    consent.record(store, cid, "email", "one_to_one", False, by_user="system", source="reply",
                   at="2026-03-02T10:00:00+00:00")
    [stances, buyers] = _pool(store, hp, "one_to_one", ["shirt"], ("x", "email"))
    [row] = stances.fetchall()
    assert buyers.fetchall() == []
    profile = _unpack(row[2], ("x", "email"))
    assert (profile.stance, profile.disliked_as, profile.bought, profile.preferred) == ("dislike", None, 2, "x")
    assert (profile.addresses, profile.consents) == ((True, True), (1, 0))
    assert row[3:] == (None, None, "2026-03-02", None, None)  # shirt size, X and e-mail withdrawals, history


def test_a_brand_s_customers_and_sizes_are_read_from_covering_indexes_in_id_order(shop: tuple[Store, int]) -> None:
    store, sid = shop
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    match_set(store, sid, now=NOW)
    store.db.conn.set_trace_callback(None)
    [pool] = [s for s in statements if s.startswith("SELECT p.customer_id")]
    plan = "\n".join(r[3] for r in store.db.execute("EXPLAIN QUERY PLAN " + pool))
    assert "SEARCH p USING COVERING INDEX idx_customer_brands_brand_customer (brand_id=?)" in plan
    assert "SEARCH s0 USING COVERING INDEX idx_customer_sizes_category (category=? AND customer_id=?)" in plan
    assert "TEMP B-TREE" not in plan  # no sort: the index gives id order


def test_times_are_said_as_the_customer_reads_them() -> None:
    from lookbook.outbox.quiet_hours import held_reason, local_time, zone_label

    now = dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC)
    assert zone_label("America/New_York") == "New York time" and zone_label("UTC") == "UTC"
    assert held_reason(dt.datetime(2026, 11, 24, 0, 0, tzinfo=dt.UTC), "Asia/Tokyo", now=now) == (
        "held for quiet hours until 09:00 Tokyo time")
    # In New York it is 18:30 on the 23rd: 09:00 there is tomorrow.
    assert local_time(dt.datetime(2026, 11, 24, 14, 0, tzinfo=dt.UTC), "America/New_York", now=now) == (
        "tomorrow 09:00 New York time")
    assert local_time(dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC), "Nowhere/Land", now=now) == "Thu 26 Nov 09:00 UTC"


def test_customers_contacted_on_many_days_share_one_judgement_and_keep_their_own_recency(
        shop: tuple[Store, int], monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 18: verdicts were cached on the exact days since the last contact, so a book whose contacts spread
    # over hundreds of days judged nearly every such customer afresh. Past the frequency cap the days change only
    # the recency part; within it they are in the reason.
    from lookbook.customers import matching

    store, sid = shop
    days_ago = [3, 10, 30, 45, 59, 60, 200]
    ids = {}
    for days in days_ago:
        cid = add_customer(store, f"Fan{days}", likes=["Harbour & Pine"], sizes={"shirt": "M"}, consents=ONE)
        when = (NOW - dt.timedelta(days=days, hours=1)).isoformat()
        customers.update_customer(store, cid, {"last_contacted_at": when}, actor="t")
        ids[days] = cid
    calls = []
    decide = matching._Judge.decide

    def counted(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        calls.append(args[2] if len(args) > 2 else None)
        return decide(self, *args, **kwargs)

    monkeypatch.setattr(matching._Judge, "decide", counted)
    result = match_set(store, sid, now=NOW)
    # One judgement within the cap (3 days), one for every day past it.
    assert len(calls) == 2
    assert [e.customer_id for e in result.exclusions] == [ids[3]]
    assert result.exclusions[0].reasons == ["contacted 3 days ago; at most one message every 7 days"]
    matched = {m.customer_id: m for m in result.matches}
    assert sorted(matched) == sorted(ids[d] for d in days_ago[1:])
    for days in days_ago[1:]:
        m = matched[ids[days]]
        recency = round(matching.POINTS_RECENCY * min(days, 60) / 60, 2)
        assert m.score_parts[-2] == (f"last contacted {days} days ago", recency)
        assert m.reasons[-2] == f"last contacted {days} days ago"
        assert m.score == round(sum(points for _, points in m.score_parts), 2)
        # The same verdict as judging the customer alone.
        monkeypatch.setattr(matching._Judge, "decide", decide)
        _, brand_id, brand, scope, products = matching._load_set(store, sid)
        judge = matching._Judge(brand, scope, products, NOW, 7)
        pool = matching._pool(store, brand_id, scope, judge.categories, judge.channels)
        alone = judge.decide(next(row for cursor in pool for row in cursor if row[0] == ids[days])
                             [2:2 + judge.profile_width], days=days)
        assert (m.score, m.reasons, m.score_parts, m.products_in_size) == (alone.score, alone.reasons, alone.parts,
                                                                           alone.skus)
