"""The reads the app's pages once ran as their own SQL, now core functions (issue 14, part 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lookbook import listings
from lookbook.catalog import products as catalog
from lookbook.customers import book as customers
from lookbook.lookbooks import sets
from lookbook.outbox import messages as outbox
from lookbook.store import users
from lookbook.store.database import Store, create_store
from tests.customer_support import add_customer
from tests.outbox_support import add_message, add_staff, add_world


def test_outbox_reads_count_a_state_and_give_a_body_and_its_attempts(store: Store) -> None:
    world = add_world(store, customers=2)
    first = add_message(store, world.customers[0], state="failed", body="First")
    add_message(store, world.customers[1], state="failed")
    add_message(store, world.customers[1], state="draft")
    store.db.execute("INSERT INTO send_attempts (message_id, started_at, finished_at, outcome) VALUES"
                     " (?, '2026-01-01T10:00:00', '2026-01-01T10:00:01', 'failed'),"
                     " (?, '2026-01-01T11:00:00', NULL, NULL)", [first, first])
    assert outbox.count_in_state(store, "failed") == 2
    assert outbox.count_in_state(store, "sent") == 0
    assert outbox.message_body(store, first) == "First"
    assert outbox.message_body(store, 999) is None
    assert outbox.send_attempts(store, first) == [("2026-01-01T10:00:00", "failed", "2026-01-01T10:00:01"),
                                                  ("2026-01-01T11:00:00", None, None)]


def test_a_customers_messages_are_listed_newest_first_with_their_set(store: Store) -> None:
    world = add_world(store, customers=2)
    older = add_message(store, world.customers[0], set_id=world.set_id, body="Older")
    newer = add_message(store, world.customers[0], state="pending", body="Newer")
    add_message(store, world.customers[1])
    listed = outbox.customer_messages(store, world.customers[0], 10)
    assert [(m.id, m.set_name, m.state, m.body) for m in listed] == [
        (newer, "", "pending", "Newer"), (older, "Marlowe spring", "draft", "Older")]
    assert [m.id for m in outbox.customer_messages(store, world.customers[0], 1)] == [newer]


def test_brand_names_photo_order_and_first_photo(store: Store) -> None:
    assert listings.first_photo_id(store) is None
    world = add_world(store)
    store.db.execute("INSERT INTO brands (name) VALUES ('acme'), ('Zed')")
    assert catalog.brand_names(store) == ["acme", "Marlowe", "Zed"]
    assert listings.first_photo_id(store) == min(world.photos)
    store.db.execute("UPDATE set_items SET position = 5 - position WHERE set_id = ?", [world.set_id])
    assert sets.shot_order(store, world.set_id) == list(reversed(world.photos))


def test_active_users_by_role_then_name(store: Store) -> None:
    add_staff(store)
    users.deactivate(store, "lee", "admin")
    assert [(u.role, u.username) for u in users.active_users(store)] == [
        ("admin", "admin"), ("associate", "alex"), ("manager", "maria"), ("merchandiser", "sam")]


def test_a_block_read_from_either_end_is_the_same_block(store: Store) -> None:
    for n in range(9):
        add_customer(store, f"Name{n}")
    total, first = customers.first_block(store, "", "name", False, 3)
    assert total == 9
    everyone = customers.search_customers(store, "", sort="name", limit=100)
    assert [c.id for c in first] == [c.id for c in everyone[:3]]
    for offset in (0, 3, 6, 7):
        block = customers.search_block(store, "", "name", False, offset, 2, total)
        assert [c.id for c in block] == [c.id for c in everyone[offset:offset + 2]]


def test_the_benchmarks_data_builders_count_only_real_tables(tmp_path: Path) -> None:
    from lookbook import scale

    store = create_store(tmp_path / "lib")
    scale.add_photo_rows(store, 5, ["originals/a.jpg", "originals/b.jpg"])
    scale.add_approved_messages(store, 3)
    assert scale.table_counts(store, ("photos", "customers")) == {"photos": 5, "customers": 3}
    assert outbox.count_in_state(store, "approved") == 3
    with pytest.raises(ValueError, match="no table named"):
        scale.table_counts(store, ("photos; DROP TABLE photos",))
    store.close()
    assert scale.bare_table_counts(tmp_path / "lib" / "library.db", ("messages",)) == {"messages": 3}
