"""The Compose page: drag a detail into a slot, see the preview change, and the sent card is that preview."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from composer_support import SHIRTS, ComposeWorld, compose_world
from fakes.fake_x import FakeX
from lookbook.lookbooks import composer
from lookbook.outbox import messages as outbox
from lookbook.outbox import quiet_hours
from lookbook.outbox.channels.x import OAuth2Token, XChannel, XEndpoints
from lookbook.outbox.sender import SenderOptions, direct, send
from lookbook.outbox.templates import Template
from lookbook.store.database import Store, create_store
from lookbook.store.users import User
from ui.pages.compose import PICTURE_MIME, ComposePage
from ui.signin import Session

SAM = User(4, "sam", "Sam Patel", "merchandiser", True)


class Match:
    def __init__(self, customer_id: int) -> None:
        self.customer_id, self.channel, self.score, self.reasons, self.products_in_size = (
            customer_id, "x", 1.0, ["likes it"], [])


def _library(path: Path) -> ComposeWorld:
    store = create_store(path)
    world = compose_world(store)
    quiet_hours.set_window(store, "00:00", "00:00")  # off: the test does not depend on the time of day
    composer.set_layout(store, world.set_id, "hero-two-details", "sam")
    store.close()
    return world


@pytest.fixture
def page_on(qtbot, runners, tmp_path: Path):
    db, _ = runners
    world = _library(tmp_path / "lib")
    with qtbot.waitSignal(db.library_opened, timeout=10_000):
        db.open(tmp_path / "lib")
    session = Session()
    session.sign_in(SAM)
    page = ComposePage(db, session)
    qtbot.addWidget(page)
    page.resize(1100, 800)
    page.show()
    with qtbot.waitSignal(page.preview_shown, timeout=10_000):
        page.reload()
    yield page, world, db
    page.cleanup()


def _slot_centre(page: ComposePage, slot_id: str) -> QPoint:
    return page.canvas.slot_rect(slot_id).center().toPoint()


def _drag_onto(widget: QWidget, pos: QPoint, data: QMimeData) -> None:
    """Drag ``data`` over ``widget`` and drop it at ``pos``, as the window system delivers a drag."""
    args = (Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(pos, *args)
    assert QApplication.sendEvent(widget, enter) and enter.isAccepted()
    move = QDragMoveEvent(pos, *args)
    assert QApplication.sendEvent(widget, move) and move.isAccepted()
    drop = QDropEvent(pos.toPointF(), *args)
    assert QApplication.sendEvent(widget, drop) and drop.isAccepted()


def _as_array(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.int16)


def test_drag_a_detail_into_a_slot_and_the_sent_card_is_the_preview(qtbot, page_on, fake_x: FakeX) -> None:
    page, world, db = page_on
    assert page.composition is not None and page.composition.layout == "hero-two-details"
    before = page.last_preview
    assert before is not None
    # The second shirt's cuff, from the thumbnails, dropped on the first detail slot (the first shirt's collar).
    items = [page.source_list.item(n) for n in range(page.source_list.count())]
    [item] = [i for i in items if i.data(Qt.ItemDataRole.UserRole) == (world.photos[1], "cuff")]
    data: QMimeData = page.source_list.mimeData([item])
    assert data.hasFormat(PICTURE_MIME)
    with qtbot.waitSignals([page.preview_shown, page.saved], timeout=10_000):
        _drag_onto(page.canvas, _slot_centre(page, "detail-1"), data)
    assert page.composition.fill("detail-1") == composer.SlotFill(world.photos[1], "cuff")
    after = page.last_preview
    assert after is not None and after is not before
    # The slot shows something else now; the hero beside it is as it was.
    left, top, w, h = page.layouts["hero-two-details"].slot("detail-1").pixels(after.image.size)
    slot_before = _as_array(before.image.crop((left, top, left + w, top + h)))
    slot_after = _as_array(after.image.crop((left, top, left + w, top + h)))
    assert np.abs(slot_before - slot_after).mean() > 5
    hl, ht, hw, hh = page.layouts["hero-two-details"].slot("hero").pixels(after.image.size)
    assert np.array_equal(_as_array(before.image.crop((hl, ht, hl + hw, ht + hh))),
                          _as_array(after.image.crop((hl, ht, hl + hw, ht + hh))))
    # Undo puts the collar back (and saves it); redo the cuff again.
    with qtbot.waitSignal(page.preview_shown, timeout=10_000):
        page.undo_stack.undo()
    assert page.composition.fill("detail-1") != composer.SlotFill(world.photos[1], "cuff")
    with qtbot.waitSignals([page.preview_shown, page.saved], timeout=10_000):
        page.undo_stack.redo()
    # Preview as the customer the message goes to: their sizes on the card.
    with qtbot.waitSignal(page.preview_shown, timeout=10_000):
        page.customer_box.setValue(world.customer_m)
    preview = page.last_preview
    assert preview is not None

    # Draft, approve (someone else) and send it to the fake X; the picture X received is the preview's bytes.
    def draft_approve_send(store: Store) -> bytes:
        outbox.draft_set(store, world.set_id, "alex", Template("t", "Hi {first_name}"),
                         matches=[Match(world.customer_m)])
        outbox.submit(store, world.set_id, "alex")
        outbox.approve(store, "lee", "ok", set_id=world.set_id)
        gen = send(direct(store), options=SenderOptions(reconcile_after_s=1.5, backoff_s=0.0, clock_skew_s=5.0),
                   x=lambda s: XChannel(token=OAuth2Token(fake_x.issue_token()),
                                        endpoints=XEndpoints.from_env({"LOOKBOOK_X_API_URL": fake_x.base_url}),
                                        timeout=(1.0, 1.0)))
        for _ in gen:
            pass
        [media] = fake_x.media.values()
        return bytes(media["bytes"])

    sent: list[bytes] = []
    with qtbot.waitSignal(db.busy_changed, timeout=20_000, check_params_cb=lambda busy: not busy):
        db.run(draft_approve_send, on_done=sent.append)
    qtbot.waitUntil(lambda: bool(sent), timeout=20_000)
    assert sent[0] == composer.encode_card(preview.image, "x")
    with Image.open(io.BytesIO(sent[0])) as card:
        assert np.abs(_as_array(card) - _as_array(preview.image)).mean() < 2.5


def test_the_page_is_keyboard_reachable_and_swaps_by_keys(qtbot, page_on) -> None:
    page, world, _db = page_on
    page.canvas.setFocus()
    first = page.composition.fill("detail-1")
    second = page.composition.fill("detail-2")
    qtbot.keyClick(page.canvas, Qt.Key.Key_Right)  # hero -> detail-1
    assert page.canvas.selected == "detail-1"
    with qtbot.waitSignal(page.preview_shown, timeout=10_000):
        qtbot.keyClick(page.canvas, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert (page.composition.fill("detail-1"), page.composition.fill("detail-2")) == (second, first)
    # A crop by keys: zoom in on the selected slot, non-destructively.
    with qtbot.waitSignal(page.preview_shown, timeout=10_000):
        qtbot.keyClick(page.canvas, Qt.Key.Key_Plus)
    fill = page.composition.fill(page.canvas.selected)
    assert fill is not None and fill.crop is not None and fill.crop[2] - fill.crop[0] < 1.0
    # Every control is on the Tab chain.
    reached = set()
    page.set_box.setFocus()
    for _ in range(20):
        reached.add(QApplication.focusWidget())
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    for widget in (page.layout_box, page.output_box, page.customer_box, page.line_edit, page.source_list,
                   page.canvas):
        assert widget in reached, widget.accessibleName()


def test_a_one_product_set_without_details_gets_a_layout_that_fits_and_the_page_says_why(
        qtbot, runners, tmp_path: Path) -> None:
    from outbox_support import add_staff, add_world

    store = create_store(tmp_path / "lib")
    add_staff(store)
    world = add_world(store, customers=1)
    store.db.execute("UPDATE stock SET quantity = 0 WHERE product_id = ?", [world.products[1]])  # the chino
    store.close()
    db, _ = runners
    with qtbot.waitSignal(db.library_opened, timeout=10_000):
        db.open(tmp_path / "lib")
    session = Session()
    session.sign_in(SAM)
    page = ComposePage(db, session)
    qtbot.addWidget(page)
    try:
        with qtbot.waitSignal(page.preview_shown, timeout=10_000):
            page.reload()
        # One product in stock, its shot not rendered, so no details: its hero alone, no empty detail slots.
        assert page.layout_box.currentData() == "product-hero"
        assert [s.id for s in page.canvas.layout_data.slots] == ["hero"]
        assert page.status.text() == (
            "Layout \"A product's hero alone\": the set's one product has no rendered details, so a layout with "
            "empty detail slots is not offered; render its shot on the Shoot page for its collar and cuff.")
        if os.environ.get("LOOKBOOK_SCREENSHOTS"):
            page.resize(1100, 800)
            page.show()
            qtbot.wait(200)
            page.grab().save(os.environ["LOOKBOOK_SCREENSHOTS"] + "/compose_one_product.png")
    finally:
        page.cleanup()


def test_each_picture_is_named_by_its_products_sku_not_the_photos_number(qtbot, page_on) -> None:
    page, world, _db = page_on
    items = [page.source_list.item(n) for n in range(page.source_list.count())]
    first = next(i for i in items if i.data(Qt.ItemDataRole.UserRole) == (world.photos[0], "hero"))
    sku, name = SHIRTS[0][0], SHIRTS[0][1]
    assert first.text() == f"{sku} hero"  # was "1 hero": the photo's id, which nobody in the shop knows
    assert first.toolTip() == f"{sku} {name}: hero (photo {world.photos[0]})"
    assert all(item.text().split()[0] in {s[0] for s in SHIRTS} for item in items)
