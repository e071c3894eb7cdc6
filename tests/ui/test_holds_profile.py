"""The customer profile's Holds tab: put one aside, release, sold — in one click each."""

from __future__ import annotations

import pytest

from lookbook.catalog import holds
from lookbook.store.users import User
from ui.pages.customers import CustomersPage
from ui.signin import Session

from .test_customers_page import choose, on_db

ALEX = User(3, "alex", "Alex Kim", "associate", True)


@pytest.fixture
def page(qtbot, opened_demo) -> CustomersPage:
    db, _, _ = opened_demo
    session = Session()
    session.sign_in(ALEX)
    page = CustomersPage(db, session)
    qtbot.addWidget(page)
    db.library_changed.connect(page.on_library_changed)
    page.resize(1300, 800)
    page.show()
    page.reload()
    qtbot.waitUntil(lambda: page.model.total == 500, timeout=20_000)
    return page


def test_put_aside_then_sold_from_the_profile(qtbot, page: CustomersPage) -> None:
    profile = page.profile
    customer_id = choose(qtbot, page, 0)
    profile.tabs.setCurrentIndex(4)
    assert profile.hold_product.count() > 0 and profile.hold_button.isEnabled()
    sku = profile.hold_product.currentData()[0]
    size = profile.hold_size.currentText()
    profile.hold_button.click()
    qtbot.waitUntil(lambda: profile.hold_model.rowCount() == 1, timeout=20_000)
    assert "put aside" in profile.status.text()
    assert profile.tabs.tabText(4) == "Holds (1)"
    found = on_db(qtbot, page.db, lambda store: holds.list_holds(store, customer_id=customer_id))
    assert [(h.sku, h.size, h.created_by) for h in found] == [(sku, size, "alex")]
    profile.hold_view.selectRow(0)
    assert profile.sold_button.isEnabled()
    profile.sold_button.click()
    qtbot.waitUntil(lambda: profile.hold_model.row_values(0)[4] == "sold", timeout=20_000)
    assert not profile.sold_button.isEnabled() or profile._selected_hold().status == "sold"
    bought = on_db(qtbot, page.db, lambda store: store.db.execute(
        "SELECT count(*) FROM purchases pu JOIN products p ON p.id = pu.product_id WHERE pu.customer_id = ?"
        " AND p.sku = ?", [customer_id, sku]).fetchone()[0])
    assert bought == 1


def test_one_size_reads_one_size_and_is_held_as_stored(qtbot, page: CustomersPage) -> None:
    # The catalog stores sizes in capitals ("ONE SIZE"); people read "One Size" (lookbook.words.size_label).
    profile = page.profile
    choose(qtbot, page, 0)
    sku = profile.hold_product.itemData(0)[0]
    on_db(qtbot, page.db, lambda store: store.db.execute(
        "INSERT INTO stock (product_id, size, quantity, updated_at) SELECT id, 'ONE SIZE', 2, '2026-01-01'"
        " FROM products WHERE sku = ?", [sku]))
    customer_id = choose(qtbot, page, 1)
    customer_id = choose(qtbot, page, 0)
    profile.tabs.setCurrentIndex(4)
    profile.hold_product.setCurrentIndex(profile.hold_product.findData(
        next(profile.hold_product.itemData(i) for i in range(profile.hold_product.count())
             if profile.hold_product.itemData(i)[0] == sku)))
    shown = [profile.hold_size.itemText(i) for i in range(profile.hold_size.count())]
    assert "One Size" in shown and "ONE SIZE" not in shown
    profile.hold_size.setCurrentIndex(shown.index("One Size"))
    profile.hold_button.click()
    qtbot.waitUntil(lambda: profile.hold_model.rowCount() == 1, timeout=20_000)
    assert profile.hold_model.row_values(0)[3] == "One Size"
    assert f"{sku} in One Size put aside" in profile.status.text()
    found = on_db(qtbot, page.db, lambda store: holds.list_holds(store, customer_id=customer_id))
    assert [(h.sku, h.size) for h in found] == [(sku, "ONE SIZE")]  # kept as the catalog has it


def test_the_product_to_put_aside_is_shown_whole(qtbot, page: CustomersPage) -> None:
    profile = page.profile
    choose(qtbot, page, 0)
    profile.tabs.setCurrentIndex(4)
    qtbot.wait(50)
    box = profile.hold_product
    text = box.currentText()  # "AR-OW01 — Forest Green Field Jacket"
    assert "—" in text
    # On a line of its own, not squeezed beside the size and four buttons ("AR-OW01 — Forest Green").
    assert box.width() >= box.fontMetrics().horizontalAdvance(text) + 24
