"""Why a shot is flagged, where the Shoot page is not: a product's shots (Products), the card being composed (Compose)
and the set a manager approves (Approvals)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from composer_support import compose_world
from lookbook.lookbooks import composer
from lookbook.outbox import messages as outbox
from lookbook.outbox.templates import Template
from lookbook.photos.recipes import mark_reviewed
from lookbook.photos.review import EARLIER, ReviewReason, colour_reason, dumps
from lookbook.store.database import Store, create_store
from lookbook.store.users import User
from outbox_support import add_staff, add_world
from ui.pages.approvals import ApprovalsPage
from ui.pages.compose import ComposePage
from ui.pages.products import ProductsPage
from ui.signin import Session

HOOK = ReviewReason("cutout", "a hanger's hook above the garment")
HAND = ReviewReason("cutout", "a hand may show (skin at the edge of the garment)")
BOX = ReviewReason("box", "the box is unsure (confidence 31%): check it holds the whole garment and nothing else")


def flag(store: Store, photo_id: int, reasons: tuple[ReviewReason, ...]) -> None:
    store.db.execute("UPDATE photos SET needs_review = 1, review_reasons = ? WHERE id = ?", [dumps(reasons), photo_id])


# -- Products ------------------------------------------------------------------------------------------------------

def test_a_products_flagged_shot_says_why(qtbot, opened_demo) -> None:
    db, _thumbs, root = opened_demo
    with sqlite3.connect(root / "library.db") as conn:
        conn.execute("UPDATE photos SET needs_review = 0, review_reasons = NULL")
        conn.execute("UPDATE photos SET needs_review = 1, review_reasons = ? WHERE original_name = 'HP-SH01.jpg'",
                     [dumps((HOOK, HAND))])
        conn.execute("UPDATE photos SET needs_review = 1 WHERE original_name = 'HP-SH02.jpg'")  # before m019
    page = ProductsPage(db)
    qtbot.addWidget(page)
    page.brand = "Harbour & Pine"
    with qtbot.waitSignal(page.shown, timeout=10_000):
        page.reload()

    def shots_of(sku: str) -> list[tuple[str, str]]:
        row = next(r for r in range(page.products_model.rowCount()) if page.products_model.item(r, 0).text() == sku)
        page.products_view.setCurrentIndex(page.products_model.index(row, 0))
        qtbot.waitUntil(lambda: page.shots_model.rowCount() == 1
                        and sku in page.shots_model.item(0).text(), timeout=5_000)
        item = page.shots_model.item(0)
        return [(item.text(), item.toolTip())]

    [(text, tip)] = shots_of("HP-SH01")
    assert text == f"HP-SH01.jpg (filename) · needs review: {HOOK.text}"
    assert tip.splitlines() == ["HP-SH01.jpg: flagged for review", f"• {HOOK.text}", f"• {HAND.text}"]
    [(text, tip)] = shots_of("HP-SH02")
    assert text == f"HP-SH02.jpg (filename) · needs review: {EARLIER.text}" and EARLIER.text in tip
    [(text, tip)] = shots_of("HP-SH03")
    assert text == "HP-SH03.jpg (filename)" and tip == ""


# -- Compose -------------------------------------------------------------------------------------------------------

def test_the_compose_page_names_the_cards_flagged_shots(qtbot, runners, tmp_path: Path) -> None:
    db, _ = runners
    store = create_store(tmp_path / "lib")
    world = compose_world(store)
    composer.set_layout(store, world.set_id, "hero-two-details", "sam")
    on_card = composer.get_composition(store, world.set_id).photo_ids()
    off_card = [p for p in world.photos if p not in on_card]
    assert on_card and off_card
    flag(store, on_card[0], (BOX, HAND))
    flag(store, off_card[0], (colour_reason(14),))
    names = dict(store.db.execute("SELECT id, original_name FROM photos").fetchall())
    store.close()
    with qtbot.waitSignal(db.library_opened, timeout=10_000):
        db.open(tmp_path / "lib")
    session = Session()
    session.sign_in(User(4, "sam", "Sam Patel", "merchandiser", True))
    page = ComposePage(db, session)
    qtbot.addWidget(page)
    page.resize(1100, 800)
    page.show()
    try:
        with qtbot.waitSignal(page.preview_shown, timeout=10_000):
            page.reload()
        line = page.flagged_line
        assert not line.isHidden()
        assert line.text() == f"1 shot still flagged for review: {names[on_card[0]]} ({BOX.text} (+1 more))"
        assert HAND.text in line.toolTip() and names[off_card[0]] not in line.text()
        # The flagged shot left out of the card, dropped onto its hero slot: named at once.
        with qtbot.waitSignals([page.preview_shown, page.saved], timeout=10_000):
            page._dropped("hero", off_card[0], "hero")
        assert line.text().startswith("2 shots still flagged for review: ") and names[off_card[0]] in line.text()
        assert "the hero's colour moved by 14" in line.text()
    finally:
        page.cleanup()


# -- Approvals -----------------------------------------------------------------------------------------------------

@dataclass
class FakeMatch:
    customer_id: int
    channel: str = "x"
    score: float = 1.0
    reasons: list[str] = field(default_factory=lambda: ["likes Marlowe"])


def _submitted_set(qtbot, db, tmp_path: Path, reasons: tuple[ReviewReason, ...] = ()) -> list[int]:
    """Open a library with a set drafted and submitted for approval (its first shot flagged for ``reasons``);
    return the set's photo ids."""
    store = create_store(tmp_path / "lib")
    add_staff(store)
    world = add_world(store)
    if reasons:
        flag(store, world.photos[0], reasons)
    outbox.draft_set(store, world.set_id, "alex", Template("t", "Hi {first_name}"),
                     matches=[FakeMatch(c) for c in world.customers])
    outbox.submit(store, world.set_id, "alex")
    store.close()
    with qtbot.waitSignal(db.library_opened, timeout=10_000):
        db.open(tmp_path / "lib")
    return list(world.photos)


def test_the_manager_sees_which_shots_on_the_card_are_still_flagged_and_why(qtbot, runners, tmp_path: Path) -> None:
    db, _ = runners
    photos = _submitted_set(qtbot, db, tmp_path, (HOOK, HAND))
    page = ApprovalsPage(db, Session())
    qtbot.addWidget(page)
    db.library_changed.connect(page.on_library_changed)
    try:
        page.reload()
        qtbot.waitUntil(lambda: page.messages_model.rowCount() == 3, timeout=5_000)
        assert not page.flagged.isHidden()
        assert page.flagged.text() == f"1 shot still flagged for review: p0.jpg ({HOOK.text} (+1 more))"
        assert page.flagged.toolTip().splitlines() == ["p0.jpg:", f"• {HOOK.text}", f"• {HAND.text}"]
        # A merchandiser finds the hero clean (a change to photos only): the line goes without a reload of the set.
        db.run(mark_reviewed, [photos[0]], "sam")
        qtbot.waitUntil(lambda: page.flagged.isHidden(), timeout=5_000)
        assert page.messages_model.rowCount() == 3
    finally:
        db.library_changed.disconnect(page.on_library_changed)


def test_a_set_with_no_flagged_shot_shows_no_line(qtbot, runners, tmp_path: Path) -> None:
    db, _ = runners
    _submitted_set(qtbot, db, tmp_path)
    page = ApprovalsPage(db, Session())
    qtbot.addWidget(page)
    page.reload()
    qtbot.waitUntil(lambda: page.messages_model.rowCount() == 3, timeout=5_000)
    assert page.flagged.isHidden() and page.flagged.text() == ""
    assert page.sets_view.currentIndex().isValid()
