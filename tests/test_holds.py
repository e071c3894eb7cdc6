"""Holds: a unit put aside for one customer is offered to no one else, until it expires, is released or sold."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from lookbook.catalog import holds
from lookbook.cli import main
from lookbook.customers import book as customers
from lookbook.customers import matching
from lookbook.errors import InputError
from lookbook.lookbooks.sets import set_products
from lookbook.outbox import messages as outbox
from lookbook.outbox.templates import offers_for
from lookbook.store.database import Store, create_store
from lookbook.store.users import PermissionDenied
from outbox_support import World, add_message, add_staff, add_world

NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def world(store: Store) -> World:
    add_staff(store)
    w = add_world(store)
    for cid in w.customers:
        customers.set_brand_stance(store, cid, "Marlowe", "like", actor="test")
    # The last M of the shirt: holding it must take it out of everyone else's offers.
    store.db.execute("UPDATE stock SET quantity = 1 WHERE product_id = ? AND size = 'M'", [w.products[0]])
    return w


def _in_size(store: Store, set_id: int, now: dt.datetime) -> dict[int, list[str]]:
    return {m.customer_id: m.products_in_size for m in matching.match_set(store, set_id, now=now).matches}


def _offer(size: str) -> str:
    return json.dumps([{"sku": "MW-SH01", "size": size}])


def test_a_hold_takes_the_last_unit_out_of_other_customers_offers(store: Store, world: World) -> None:
    first, second, _third = world.customers
    before = _in_size(store, world.set_id, NOW)
    assert "MW-SH01" in before[second]
    hold = holds.add_hold(store, first, "MW-SH01", "m", actor="alex", now=NOW)
    assert (hold.size, hold.quantity, hold.status) == ("M", 1, "active")
    assert hold.until == (NOW + dt.timedelta(days=3)).isoformat()  # the default hold length
    # Matching: nobody is offered the shirt in M any more (the set still matches on the chinos' sizes).
    after = _in_size(store, world.set_id, NOW)
    assert "MW-SH01" not in after.get(second, [])
    # The card, the PDF and "in your size" read the same available stock.
    shirt = next(p for p in set_products(store, world.set_id) if p.sku == "MW-SH01")
    assert shirt.sizes_in_stock == ["L"]
    assert [o.sku for o in offers_for(store, set_products(store, world.set_id), second) if o.size == "M"] == []
    # A message waiting to go that offers the M: gone for everyone else, still theirs for the holder.
    assert outbox.out_of_stock(store, _offer("M"), second) == ["Navy Oxford Shirt in M"]
    assert outbox.out_of_stock(store, _offer("M"), first) == []
    assert holds.available(store, world.products[0], "M") == 0


def test_a_pending_message_offering_a_held_unit_expires(store: Store, world: World) -> None:
    first, second, _ = world.customers
    message = add_message(store, second, set_id=world.set_id, state="pending")
    store.db.execute("UPDATE messages SET offer = ? WHERE id = ?", [_offer("M"), message])
    holds.add_hold(store, first, "MW-SH01", "M", actor="alex")
    outbox.expire_stale(store)
    state, reason = store.db.execute("SELECT state, state_reason FROM messages WHERE id = ?", [message]).fetchone()
    assert state == "expired" and "Navy Oxford Shirt in M" in reason


def test_nobody_can_hold_a_unit_already_held(store: Store, world: World) -> None:
    first, second, _ = world.customers
    holds.add_hold(store, first, "MW-SH01", "M", actor="alex", now=NOW)
    with pytest.raises(InputError, match="0 units left that nobody holds"):
        holds.add_hold(store, second, "MW-SH01", "M", actor="alex", now=NOW)
    with pytest.raises(InputError, match="has no size 'XL'; its sizes: S, M, L"):
        holds.add_hold(store, second, "MW-SH01", "XL", actor="alex", now=NOW)
    with pytest.raises(InputError, match="SKU 'NOPE'"):
        holds.add_hold(store, second, "NOPE", "M", actor="alex", now=NOW)
    with pytest.raises(PermissionDenied, match="merchandiser"):
        holds.add_hold(store, second, "MW-SH01", "L", actor="sam", now=NOW)


def test_a_hold_expires_by_itself_at_its_date(store: Store, world: World) -> None:
    first, second, _ = world.customers
    store.set_setting(holds.DAYS_SETTING, 2)
    hold = holds.add_hold(store, first, "MW-SH01", "M", actor="alex", now=NOW)
    assert hold.until == (NOW + dt.timedelta(days=2)).isoformat()
    later = NOW + dt.timedelta(days=2, seconds=1)
    # Before anything sweeps it, the unit is offered again once the date has passed...
    assert "MW-SH01" in _in_size(store, world.set_id, later)[second]
    assert holds.held_units(store, now=later) == {}
    # ...and the sweep records it as expired, in the audit log.
    assert holds.expire_due(store, now=later) == 1
    assert holds.get_hold(store, hold.id).status == "expired"
    actions = [r[0] for r in store.db.execute("SELECT action FROM audit_log WHERE entity = 'hold' ORDER BY id")]
    assert actions == ["hold.add", "hold.expire"]
    assert holds.expire_due(store, now=later) == 0


def test_release_gives_the_unit_back(store: Store, world: World) -> None:
    first, second, _ = world.customers
    hold = holds.add_hold(store, first, "MW-SH01", "M", actor="alex", now=NOW)
    holds.release(store, hold.id, actor="maria", now=NOW)
    assert "MW-SH01" in _in_size(store, world.set_id, NOW)[second]
    with pytest.raises(InputError, match="released already"):
        holds.release(store, hold.id, actor="maria")
    row = store.db.execute("SELECT actor, detail FROM audit_log WHERE action = 'hold.release'").fetchone()
    assert row[0] == "maria" and json.loads(row[1])["sku"] == "MW-SH01"


def test_a_hold_turned_into_a_sale_leaves_the_stock_and_is_a_purchase(store: Store, world: World) -> None:
    first = world.customers[0]
    hold = holds.add_hold(store, first, "MW-SH01", "L", actor="alex", now=NOW)
    holds.sell(store, hold.id, actor="alex", now=NOW)
    assert store.db.execute("SELECT quantity FROM stock WHERE product_id = ? AND size = 'L'",
                            [world.products[0]]).fetchone()[0] == 0
    purchase = store.db.execute("SELECT customer_id, product_id, size, purchased_at FROM purchases").fetchall()
    assert purchase == [(first, world.products[0], "L", NOW.isoformat())]
    assert holds.get_hold(store, hold.id).status == "sold"
    assert holds.held_units(store, now=NOW) == {}


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "lib"
    store = create_store(path)
    add_staff(store)
    add_world(store)
    store.close()
    monkeypatch.setenv("LOOKBOOK_LIBRARY", str(path))
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "secret-pass")
    return path


def test_holds_verbs(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--as", "alex", "holds", "add", "1", "MW-SH01", "L", "--days", "5"]) == 0
    assert "Hold 1:" in capsys.readouterr().out
    assert main(["--as", "alex", "holds", "add", "2", "MW-SH01", "L"]) == 1
    assert "0 units left that nobody holds" in capsys.readouterr().err
    assert main(["--as", "sam", "holds", "add", "2", "MW-SH01", "M"]) == 1
    assert "only an associate, a manager or an admin may put a product aside" in capsys.readouterr().err
    assert main(["holds", "list", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["customer_id"], r["sku"], r["size"], r["status"]) for r in rows] == [(1, "MW-SH01", "L", "active")]
    assert main(["--as", "alex", "holds", "release", "1"]) == 0
    assert "released" in capsys.readouterr().out
    assert main(["holds", "list"]) == 0
    assert capsys.readouterr().out.strip() == "No holds."
    assert main(["holds", "list", "--status", "released"]) == 0
    assert "MW-SH01" in capsys.readouterr().out
