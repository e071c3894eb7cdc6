"""What each set sold: purchases attributed to the last message within the window, and the funnel per group."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from lookbook.catalog import holds
from lookbook.cli import main
from lookbook.cli.verbs import report as report_verbs
from lookbook.clienteling import report
from lookbook.customers import consent
from lookbook.store.database import Store, create_store
from outbox_support import World, add_message, add_staff, add_world

DAY0 = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)  # a Monday: ISO week 2026-W45


def _at(days: float) -> str:
    return (DAY0 + dt.timedelta(days=days)).isoformat(timespec="seconds")


def _sent(store: Store, customer_id: int, set_id: int | None, *, channel: str = "x", days: float = 0,
          state: str = "sent", drafted_by: str = "alex") -> int:
    message = add_message(store, customer_id, set_id=set_id, state=state, channel=channel, drafted_by=drafted_by)
    store.db.execute("UPDATE messages SET sent_at = ?, updated_at = ?, attempts = 1 WHERE id = ?",
                     [_at(days) if state == "sent" else None, _at(days), message])
    return message


def _purchase(store: Store, customer_id: int, *, days: float, sku: str | None = None, brand_id: int | None = None,
              size: str = "M") -> int:
    product = store.db.execute("SELECT id, brand_id FROM products WHERE sku = ?", [sku]).fetchone() if sku else None
    return int(store.db.execute(
        "INSERT INTO purchases (customer_id, product_id, brand_id, size, purchased_at) VALUES (?, ?, ?, ?, ?)",
        [customer_id, product[0] if product else None, product[1] if product else brand_id, size, _at(days)]
    ).lastrowid)


def build(store: Store) -> tuple[World, dict[str, int]]:
    """A set sent to three customers (one failed); a sale, a late sale, a sale of another brand, a reply, a hold."""
    add_staff(store)
    w = add_world(store)
    store.db.execute("UPDATE products SET price_minor = 8900, currency = 'GBP' WHERE sku = 'MW-SH01'")
    other = store.db.execute("INSERT INTO brands (name) VALUES ('Other')").lastrowid
    c0, c1, c2 = w.customers
    ids = {"m0": _sent(store, c0, w.set_id, channel="x", days=0),
           "m1": _sent(store, c1, w.set_id, channel="email", days=1, drafted_by="maria"),
           "m2": _sent(store, c2, w.set_id, state="failed", days=1)}
    store.db.execute("INSERT INTO replies (customer_id, message_id, channel, external_id, body, received_at)"
                     " VALUES (?, ?, 'x', 'e1', 'M please', ?)", [c0, ids["m0"], _at(0.1)])
    holds.add_hold(store, c0, "MW-SH01", "M", actor="alex", now=DAY0 + dt.timedelta(hours=3))
    ids["sale"] = _purchase(store, c0, days=2, sku="MW-SH01")          # same product, within 14 days
    ids["late"] = _purchase(store, c1, days=20, brand_id=w.brand_id)   # same brand, 19 days after: outside
    ids["other"] = _purchase(store, c0, days=3, brand_id=other)        # another brand: not the set's doing
    return w, ids


@pytest.fixture
def world(store: Store) -> tuple[World, dict[str, int]]:
    return build(store)


def test_a_purchase_is_attributed_to_the_last_message_within_the_window(store: Store, world) -> None:
    w, ids = world
    sales = report.attributed_sales(store)
    assert [(s.purchase_id, s.message_id, s.match, s.revenue_minor, s.associate, s.channel) for s in sales] == [
        (ids["sale"], ids["m0"], "same product", 8900, "alex", "x")]
    # A wider window takes in the late brand-only purchase, as a "same brand" sale of the e-mail.
    store.set_setting(report.WINDOW_SETTING, 30)
    sales = report.attributed_sales(store)
    assert [(s.purchase_id, s.message_id, s.match) for s in sales] == [
        (ids["sale"], ids["m0"], "same product"), (ids["late"], ids["m1"], "same brand")]


def test_the_funnel_per_set_associate_channel_and_week(store: Store, world) -> None:
    w, ids = world
    result = report.build_report(store)
    (by_set,) = result.by["set"]
    assert by_set.key == f"Marlowe spring (set {w.set_id})"
    assert (by_set.sent, by_set.delivered, by_set.replied, by_set.held, by_set.bought, by_set.revenue_minor) == \
        (3, 2, 1, 1, 1, 8900)
    assert by_set.as_dict()["purchase_rate"] == 0.5 and by_set.as_dict()["delivery_rate"] == round(2 / 3, 4)
    assert {r.key: (r.sent, r.delivered, r.bought) for r in result.by["associate"]} == {
        "alex": (2, 1, 1), "maria": (1, 1, 0)}
    assert {r.key: (r.delivered, r.bought, r.revenue_minor) for r in result.by["channel"]} == {
        "x": (1, 1, 8900), "email": (1, 0, 0)}
    assert [r.key for r in result.by["week"]] == ["2026-W45"]
    assert result.currency == "GBP"


def test_opt_outs_are_counted_beside_the_set(store: Store, world) -> None:
    w, ids = world
    c1 = w.customers[1]
    consent.record(store, c1, "email", "one_to_one", False, by_user="replies", source="reply", at=_at(1.5))
    result = report.build_report(store)
    assert result.by["set"][0].opt_outs == 1
    assert {r.key: r.opt_outs for r in result.by["associate"]} == {"alex": 0, "maria": 1}


def test_the_cli_prints_the_same_numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "lib"
    store = create_store(path)
    build(store)
    expected = report.build_report(store).as_dict()
    store.close()
    monkeypatch.setenv("LOOKBOOK_LIBRARY", str(path))
    assert main(["report", "--json", "--csv", str(tmp_path / "r.csv")]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == expected
    with (tmp_path / "r.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_set = next(r for r in rows if r["dimension"] == "set")
    assert (by_set["sent"], by_set["bought"], by_set["revenue_minor"]) == ("3", "1", "8900")
    assert main(["report", "--by", "set", "--sales"]) == 0
    out = capsys.readouterr().out
    assert "Marlowe spring" in out and "same product" in out and "89.00" in out
    assert main(["report", "--days", "0"]) == 1


def test_the_cli_dimensions_match_the_core() -> None:
    assert report_verbs.DIMENSIONS == report.DIMENSIONS
