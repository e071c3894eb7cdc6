"""One-to-one consent belongs to the customer's own associate; a manager hands a customer over (issue 13)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from lookbook.customers import consent
from lookbook.customers.book import transfer
from lookbook.customers.matching import match_set
from lookbook.errors import InputError
from lookbook.outbox.messages import approve, draft_set, message_state
from lookbook.outbox.templates import Template
from lookbook.store.database import Store
from lookbook.store.users import PermissionDenied, create_user
from outbox_support import World, add_message, add_staff, add_world

TEMPLATE = Template("t", "Hi {first_name}, new {brand}. {associate}", "New {brand}")


@dataclass
class FakeMatch:
    customer_id: int
    channel: str = "x"
    score: float = 1.0
    reasons: list[str] = field(default_factory=lambda: ["likes Marlowe"])
    products_in_size: list[str] = field(default_factory=list)


def _user_id(store: Store, name: str) -> int:
    return int(store.db.execute("SELECT id FROM users WHERE username = ?", [name]).fetchone()[0])


@pytest.fixture
def world(store: Store) -> World:
    """Three customers with "1 to 1 only" consent who like the brand: alex's, jordan's and no one's."""
    add_staff(store)
    create_user(store, "jordan", "secret-pass", "associate", "Jordan Lee")
    w = add_world(store, customers=3)
    for cid in w.customers:
        store.db.execute("INSERT INTO customer_brands (customer_id, brand_id, stance) VALUES (?, ?, 'like')",
                         [cid, w.brand_id])
    store.db.execute("UPDATE customers SET associate_id = ? WHERE id = ?", [_user_id(store, "alex"), w.customers[0]])
    store.db.execute("UPDATE customers SET associate_id = ? WHERE id = ?",
                     [_user_id(store, "jordan"), w.customers[1]])
    return w


def test_matching_leaves_out_another_associates_one_to_one_only_customers(store: Store, world: World) -> None:
    alex_c, jordan_c, nobody_c = world.customers
    for_jordan = match_set(store, world.set_id, for_user="jordan")
    assert {m.customer_id for m in for_jordan.matches} == {jordan_c, nobody_c}
    [left_out] = [e for e in for_jordan.exclusions if e.customer_id == alex_c]
    assert left_out.reasons == ["consent on X is 1 to 1 only with their associate alex; a manager may transfer "
                                "the customer"]
    for_alex = match_set(store, world.set_id, for_user="alex")
    assert {m.customer_id for m in for_alex.matches} == {alex_c, nobody_c}
    # Matching for no one in particular is as before; a customer who also subscribed to marketing on the
    # channel may hear from anyone.
    assert len(match_set(store, world.set_id).matches) == 3
    consent.record(store, alex_c, "x", "marketing", True, by_user="test", source="in store")
    assert alex_c in {m.customer_id for m in match_set(store, world.set_id, for_user="jordan").matches}


def test_drafting_skips_them_and_approval_refuses_a_message_signed_by_another(store: Store, world: World) -> None:
    alex_c, jordan_c, _ = world.customers
    report = draft_set(store, world.set_id, "jordan", TEMPLATE, matches=[FakeMatch(alex_c), FakeMatch(jordan_c)])
    assert [s.customer_id for s in report.skipped] == [alex_c]
    assert report.skipped[0].reason.startswith("consent on x is 1 to 1 only with their associate alex")
    assert len(report.drafted) == 1
    # The case: jordan's DM to alex's customer reached a manager (drafted before this rule).
    stray = add_message(store, alex_c, set_id=world.set_id, state="pending", drafted_by="jordan")
    result = approve(store, "maria", "ok", message_ids=[stray])
    assert result.done == [] and "1 to 1 only with their associate alex" in result.refused[0][1]
    assert message_state(store, stray) == "pending"


def test_preview_shows_the_recipients_drafting_would_give(store: Store, world: World) -> None:
    from lookbook.outbox.messages import preview_set

    alex_c, jordan_c, nobody_c = world.customers
    assert {p.customer_id for p in preview_set(store, world.set_id, "jordan", TEMPLATE)} == {jordan_c, nobody_c}
    assert {p.customer_id for p in preview_set(store, world.set_id, "associate", TEMPLATE)} == set(world.customers)


def test_a_manager_transfers_a_customer_and_it_is_recorded(store: Store, world: World) -> None:
    alex_c = world.customers[0]
    with pytest.raises(PermissionDenied, match="'alex' is an associate; only a manager may hand a customer over"):
        transfer(store, alex_c, "jordan", actor="alex")
    with pytest.raises(InputError, match="user 'sam': hand customers only to an active associate or manager"):
        transfer(store, alex_c, "sam", actor="maria")
    transfer(store, alex_c, "jordan", actor="maria", note="alex moved store")
    row = store.db.execute("SELECT actor, detail FROM audit_log WHERE action = 'customer.transfer'").fetchone()
    assert row[0] == "maria" and json.loads(row[1]) == {"from": "alex", "to": "jordan", "note": "alex moved store"}
    assert alex_c in {m.customer_id for m in match_set(store, world.set_id, for_user="jordan").matches}
    assert alex_c not in {m.customer_id for m in match_set(store, world.set_id, for_user="alex").matches}


def test_cli_customers_transfer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    from lookbook.cli import main
    from lookbook.store.database import create_store

    store = create_store(tmp_path / "lib")
    add_staff(store)
    customer = add_world(store, customers=1, with_photos=False).customers[0]
    store.close()
    monkeypatch.setenv("LOOKBOOK_PASSWORD", "secret-pass")
    lib = ["--library", str(tmp_path / "lib")]
    assert main([*lib, "--as", "alex", "customers", "transfer", str(customer), "--to", "alex"]) == 1
    assert "only a manager may hand a customer over" in capsys.readouterr().err
    assert main([*lib, "--as", "maria", "customers", "transfer", str(customer), "--to", "alex"]) == 0
    assert capsys.readouterr().out == f"Customer {customer} is now looked after by alex\n"
