"""What a customer receives never carries a stale render.

Tying a shot by hand to trousers (or a hat, shoes, shorts, a skirt) makes its render stale: the cleanup of that
category (a clip hanger cut off above the waistband, a hand looked for) never ran on it. A set holding it may
not be drafted nor approved until it is rendered again, and the new render makes the set's unsent cards again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from lookbook.errors import InputError
from lookbook.outbox.messages import approve, draft_set, submit
from lookbook.outbox.sender import _queue_approved, direct, send
from lookbook.outbox.templates import Template
from lookbook.photos.importer import import_photos
from lookbook.photos.recipes import key_cleanup, pending_renders, photo_detail, render_batch, render_paths
from lookbook.photos.ties import assign_photos
from lookbook.progress import run_to_end
from lookbook.store.database import Store
from outbox_support import add_staff, add_world
from test_tied_cleanup import clipped_trousers, dark_above_waistband, save

TEMPLATE = Template("spring", "Hi {first_name}, new {brand}: {sizes_in_stock}. {associate}", "New {brand}")


@dataclass
class Match:
    customer_id: int
    channel: str = "x"
    score: float = 1.0
    reasons: list[str] = field(default_factory=lambda: ["likes Marlowe"])
    products_in_size: list[str] = field(default_factory=list)


def _message(store: Store, message_id: int) -> tuple[str, str, str]:
    state, attachment, changed_by = store.db.execute(
        "SELECT state, attachment, changed_by FROM messages WHERE id = ?", [message_id]).fetchone()
    return state, attachment, changed_by


def test_a_set_whose_shot_was_tied_by_hand_to_trousers_is_not_drafted_nor_approved_until_rendered_again(
        store: Store, tmp_path: Path) -> None:
    add_staff(store)
    world = add_world(store, customers=2, with_photos=False)
    shirt, trousers = world.products
    # The customers wear trousers 32: give the chino that size, so the set still offers them something once retied.
    store.db.execute("UPDATE stock SET quantity = 2 WHERE product_id = ? AND size = '32'", [trousers])
    run_to_end(import_photos(store, [save(clipped_trousers(), tmp_path / "IMG_0300.png")], actor="sam", workers=1))
    photo_id = store.db.execute("SELECT id FROM photos WHERE original_name = 'IMG_0300.png'").fetchone()[0]
    # Tied first to a shirt by mistake (the default cleanup: its render stands), and put in the set.
    assign_photos(store, [photo_id], "MW-SH01", "sam")
    store.db.execute("INSERT INTO set_items (set_id, photo_id, position) VALUES (?, ?, 0)", [world.set_id, photo_id])
    first, second = world.customers
    drafted = draft_set(store, world.set_id, "alex", TEMPLATE, matches=[Match(first)])
    [message_id] = drafted.drafted
    submit(store, world.set_id, "alex")
    old_card = _message(store, message_id)[1]
    hero = render_paths(store.library, photo_detail(store, photo_id).sha256)["hero"]
    assert dark_above_waistband(hero) > 0.03  # the hanger's bar and hook stand above the waistband in it

    assign_photos(store, [photo_id], "MW-TR01", "sam")  # put right by hand: now its render is stale

    with pytest.raises(InputError) as refused:
        draft_set(store, world.set_id, "alex", TEMPLATE, matches=[Match(second)])
    reason = str(refused.value)
    assert "\n" not in reason and f"{photo_id} (IMG_0300.png)" in reason
    assert "Check All Photos" in reason and "lookbook render --all" in reason
    report = approve(store, "maria", set_id=world.set_id)
    assert report.done == [] and [m for m, _ in report.refused] == [message_id]
    assert "lookbook render --all" in report.refused[0][1] and _message(store, message_id)[0] == "pending"

    # `lookbook render --all` (the same core: the pending renders, recorded as each finishes).
    steps = list(render_batch(store, pending_renders(store), actor="sam", workers=1))
    assert [s.photo_id for s in steps] == [photo_id] and steps[0].error is None

    hero = render_paths(store.library, photo_detail(store, photo_id).sha256)["hero"]
    assert dark_above_waistband(hero) < 0.01  # the waistband cleanup ran
    assert key_cleanup(photo_detail(store, photo_id).rendered_recipe) == "waistband"
    # The message already drafted carries the new hero: its card was made again, and it waits for approval again
    # by someone other than who rendered it.
    state, new_card, changed_by = _message(store, message_id)
    assert state == "pending" and new_card != old_card and changed_by == "sam"
    assert (store.library.root / new_card).is_file()
    # Drafting works now, with that same card (the customers wear the same sizes).
    [later] = draft_set(store, world.set_id, "alex", TEMPLATE, matches=[Match(second)]).drafted
    assert _message(store, later)[1] == new_card
    assert approve(store, "maria", set_id=world.set_id).done == [message_id]

    # Approved, then retied (to a shirt: the default cleanup, so the waistband render is stale again): the sender
    # does not queue it; it stays approved until the new render makes its card again and sends it back for approval.
    assign_photos(store, [photo_id], "MW-SH01", "sam")
    held: list[tuple[int, str]] = []
    assert _queue_approved(store, None, held) == [] and _message(store, message_id)[0] == "approved"
    # The run says which message waits and what to do, naming the shot.
    [(held_id, why)] = held
    assert held_id == message_id and f"shot {photo_id} (" in why and "Check All Photos" in why
    # A whole send run (as `lookbook outbox send` and the Outbox page run it) reports it, sends nothing.
    report = run_to_end(send(direct(store)))
    assert report.sent == [] and report.waiting_render == [(message_id, why)]
    assert _message(store, message_id)[0] == "approved"
    run_to_end(render_batch(store, pending_renders(store), actor="sam", workers=1))
    assert _message(store, message_id)[0] == "pending" and _message(store, message_id)[1] != new_card
