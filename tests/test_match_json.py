"""``sets match --json`` writes its JSON from the shared verdicts: the same characters as ``json.dumps(as_dict())``."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys

import pytest

from customer_support import add_brand, add_customer, add_product, add_set
from lookbook.cli import main
from lookbook.cli.output import VisibleStream, print_json, visible_output
from lookbook.customers import book as customers
from lookbook.customers.matching import (
    DAILY_CAP_SETTING,
    Exclusion,
    Match,
    MatchResult,
    match_set,
)
from lookbook.store.database import Store

NOW = dt.datetime(2026, 3, 25, 12, 0, tzinfo=dt.UTC)
ONE = {"email": "one_to_one", "x": "one_to_one"}
#: Names that json.dumps escapes: quotes, backslashes, controls, non-ASCII, bidi overrides, an emoji (a surrogate pair).
NAMES = ['Ana "the" \\ Ruiz', "Bé\u00e9 Ølsen", "Eve\x1b[2J", "Mallory\u202eexe.txt", "Zoë 😀", "tab\there", "Ω"]


def _book(store: Store) -> int:
    """A brand, a set of shirts and customers of many kinds (matched, excluded, hostile names); return the set."""
    hp = add_brand(store, "Harbour & Pine")
    for n in range(1, 5):
        add_product(store, hp, f"HP-SH0{n}", "shirt", {"M": 2 if n <= 2 else 0, "S": 1})
    sid = add_set(store, hp, [f"HP-SH0{n}" for n in range(1, 5)])
    for i, name in enumerate(NAMES):
        add_customer(store, name, likes=["Harbour & Pine"], sizes={"shirt": "M" if i % 3 else "S"}, consents=ONE,
                     email=f"fan{i}@example.com", x_handle=f"fan{i}", preferred_channel="x" if i % 2 else "email")
    add_customer(store, "Large", likes=["Harbour & Pine"], sizes={"shirt": "XL"}, consents=ONE)
    add_customer(store, "NoConsent", likes=["Harbour & Pine"], sizes={"shirt": "M"})
    hates = add_customer(store, "Hal", likes=["Harbour & Pine"], sizes={"shirt": "M"}, consents=ONE)
    customers.not_this_brand(store, hates, "Harbour & Pine", actor="t")
    for days in (3, 20, 45, 200):  # a history: within the frequency cap, and past it (its own recency)
        cid = add_customer(store, f"Fan{days}", likes=["Harbour & Pine"], sizes={"shirt": "M"}, consents=ONE)
        customers.update_customer(store, cid, {"last_contacted_at": (NOW - dt.timedelta(days=days)).isoformat()},
                                  actor="t")
    return sid


@pytest.mark.parametrize("daily_cap", [200, 3, 1])
@pytest.mark.parametrize("limit", [None, 2])
def test_the_json_is_json_dumps_of_as_dict(store: Store, daily_cap: int, limit: int | None) -> None:
    sid = _book(store)
    store.set_setting(DAILY_CAP_SETTING, daily_cap)
    result = match_set(store, sid, now=NOW, limit=limit)
    assert result.exclusions and result.matches
    assert result.to_json() == json.dumps(result.as_dict())


def test_the_json_of_plain_lists_is_json_dumps_of_as_dict() -> None:
    # A result built by hand (the general path: Match and Exclusion objects, nothing shared).
    reasons, skus = ["a", "b\n"], ["SKU-1"]
    parts = [("likes X", 3.0), ("M in stock for 1 of 2 shirts", 2.0), ("never contacted", 2), ("via e-mail", 0.0)]
    result = MatchResult(7, 'Set "one"', "Brand\u202e", "marketing",
                         [Match(1, NAMES[0], "email", 7.0, reasons, skus, parts),
                          Match(2, NAMES[4], "x", 6.5, [], [], []),
                          # The same lists as the first, with another channel and score: encoded apart.
                          Match(5, "Five", "x", 6.0, reasons, skus, parts)],
                         [Exclusion(3, NAMES[2], ["why \u00e9"]), Exclusion(4, "", [])], 4, 200, 1, 0)
    assert result.to_json() == json.dumps(result.as_dict())
    empty = MatchResult(1, "s", "b", "one_to_one", [], [], 0, 200, 0)
    assert empty.to_json() == json.dumps(empty.as_dict())


def test_matches_sharing_a_verdict_keep_their_own_id_and_name(store: Store) -> None:
    sid = _book(store)
    data = json.loads(match_set(store, sid, now=NOW).to_json())
    ids = [m["customer_id"] for m in data["matches"]] + [e["customer_id"] for e in data["exclusions"]]
    assert len(ids) == len(set(ids)) == data["considered"]
    names = {row[0]: row[1] for row in store.db.execute("SELECT id, first_name || ' ' || last_name FROM customers")}
    assert all(item["name"] == names[item["customer_id"]] for item in [*data["matches"], *data["exclusions"]])


def test_print_json_writes_what_the_filter_would(capsys: pytest.CaptureFixture[str]) -> None:
    text = json.dumps({"names": NAMES})
    with visible_output():
        print_json(text)
        assert isinstance(sys.stdout, VisibleStream)
    filtered = io.StringIO()
    VisibleStream(filtered).write(text + "\n")
    assert capsys.readouterr().out == filtered.getvalue() == text + "\n"


def test_sets_match_json_on_the_demo_is_json_dumps_of_as_dict(demo_library, capsys: pytest.CaptureFixture[str]  # noqa: ANN001
                                                               ) -> None:
    from lookbook.store.database import open_store
    from lookbook.store.library import Library

    store = open_store(Library.locate(demo_library))
    hp = store.db.execute("SELECT id FROM brands WHERE name = 'Harbour & Pine'").fetchone()[0]
    skus = [r[0] for r in store.db.execute("SELECT p.sku FROM products AS p JOIN photos AS ph ON ph.product_id = p.id"
                                           " WHERE p.brand_id = ?", [hp])]
    sid = add_set(store, hp, skus)
    store.close()
    assert main(["--library", str(demo_library), "sets", "match", str(sid), "--json"]) == 0
    printed = capsys.readouterr().out
    store = open_store(Library.locate(demo_library))
    try:
        # Matched again a moment later, as the CLI did (the same answers unless midnight passes in between).
        expected = json.dumps(match_set(store, sid).as_dict()) + "\n"
    finally:
        store.close()
    assert printed == expected
