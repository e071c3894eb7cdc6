"""The Customers page on the demo library: search, sort, scroll, profile actions, add/edit, import, export, merge."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog

from lookbook.customers import book as customers
from lookbook.customers import consent
from lookbook.customers.consent import Confirmation
from lookbook.store.database import Store
from lookbook.store.users import User
from ui.pages.customers import BLOCK, CustomerDialog, CustomersPage
from ui.signin import Session
from ui.workers import StoreRunner

MARIA = User(2, "maria", "Maria Lopez", "manager", True)


def on_db(qtbot, db: StoreRunner, fn: Callable[[Store], Any]) -> Any:
    """Run ``fn(store)`` on the DB thread and return its result."""
    box: list[Any] = []
    db.run(fn, on_done=box.append, on_failure=box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=20_000)
    if isinstance(box[0], BaseException):
        raise box[0]
    return box[0]


@pytest.fixture
def page(qtbot, opened_demo) -> CustomersPage:
    db, _, _ = opened_demo
    session = Session()
    session.sign_in(MARIA)
    page = CustomersPage(db, session)
    qtbot.addWidget(page)
    db.library_changed.connect(page.on_library_changed)
    page.resize(1300, 800)
    page.show()
    page.reload()
    qtbot.waitUntil(lambda: page.model.total == 500, timeout=20_000)
    return page


def choose(qtbot, page: CustomersPage, row: int) -> int:
    """Select a row and wait for its profile; return the customer id."""
    qtbot.waitUntil(lambda: page.model.customer_at(row) is not None, timeout=20_000)
    page.view.selectRow(row)
    customer_id = page.model.customer_at(row).id
    qtbot.waitUntil(lambda: page.profile.data is not None and page.profile.data.profile.customer.id == customer_id,
                    timeout=20_000)
    return customer_id


def test_search_finds_by_word_start_and_drops_stale_answers(qtbot, page: CustomersPage) -> None:
    assert page.summary.text() == "500 customers"
    first = page.model.customer_at(0)
    word = first.first_name[:3].lower()
    qtbot.keyClicks(page.search, word)
    qtbot.waitUntil(lambda: page.model.text == word and not page.model.searching, timeout=20_000)
    total = page.model.total
    assert 0 < total < 500
    assert f"matching “{word}”" in page.summary.text()
    shown = [page.model.customer_at(r) for r in range(min(total, BLOCK))]
    assert all(word in f"{c.name} {c.email} {c.x_handle}".lower() for c in shown)
    # Two searches in a row: only the last one's answer is shown.
    page.model.search("zzzzqqq")
    page.model.search("")
    qtbot.waitUntil(lambda: not page.model.searching, timeout=20_000)
    qtbot.wait(100)
    assert page.model.total == 500 and page.model.text == ""


def test_sorts_in_the_database_and_scrolls_to_the_end(qtbot, page: CustomersPage) -> None:
    page.view.scrollToBottom()
    qtbot.waitUntil(lambda: page.model.customer_at(499) is not None, timeout=20_000)
    last_by_name = page.model.customer_at(499)
    # Sorting by name the other way round puts the last one first.
    header = page.view.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=header.viewport().rect().topLeft() + header.rect().center().__class__(
                         header.sectionViewportPosition(0) + 5, 5))
    qtbot.waitUntil(lambda: page.model.sort_key == ("name", True) and not page.model.searching, timeout=20_000)
    assert page.model.customer_at(0).id == last_by_name.id
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    names = [(c.last_name, c.first_name) for c in (page.model.customer_at(r) for r in range(50))]
    assert names == sorted(names, reverse=True)
    # A column the database cannot order keeps the real order and says so.
    page.sort_by_column(3)
    assert page.model.sort_key == ("name", True)
    assert header.sortIndicatorSection() == 0 and "cannot be sorted" in page.status.text()
    page.sort_by_column(1)
    qtbot.waitUntil(lambda: page.model.sort_key == ("email", False) and not page.model.searching, timeout=20_000)


def test_pause_and_not_this_brand_update_the_profile_at_once(qtbot, page: CustomersPage) -> None:
    customer_id = choose(qtbot, page, 3)
    profile = page.profile
    assert "paused" not in profile.heading.text()
    qtbot.mouseClick(profile.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "paused until" in profile.heading.text(), timeout=20_000)
    assert profile.pause_button.text().replace("&", "") == "End Pause"
    liked = profile.data.profile.likes[0][0]
    profile.brand_box.setCurrentText(liked)
    qtbot.mouseClick(profile.not_brand_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: liked in dict(profile.data.profile.dislikes), timeout=20_000)
    assert liked not in dict(profile.data.profile.likes)
    assert f"{liked} (not this brand)" in profile.details.text()
    got = on_db(qtbot, page.db, lambda store: customers.get_profile(store, customer_id))
    assert got.customer.paused_until and liked in dict(got.dislikes)
    audit = on_db(qtbot, page.db, lambda store: [r[0] for r in store.db.execute(
        "SELECT action FROM audit_log WHERE entity = 'customer' AND entity_id = ? AND actor = 'maria'",
        [str(customer_id)])])
    assert audit == ["customer.pause", "customer.brand_dislike"]


def test_withdraw_then_resubscribe_asks_how_the_customer_agreed(qtbot, page: CustomersPage, monkeypatch) -> None:
    # Find a customer with e-mail one-to-one consent granted.
    customer_id = on_db(qtbot, page.db, lambda store: store.db.execute(
        "SELECT customer_id FROM consent_current WHERE channel = 'email' AND scope = 'one_to_one' AND granted = 1"
        " ORDER BY customer_id LIMIT 1").fetchone()[0])
    profile = page.profile
    profile.show_customer(customer_id)
    qtbot.waitUntil(lambda: profile.data is not None and profile.data.profile.customer.id == customer_id,
                    timeout=20_000)
    profile.select_consent("email", "one_to_one")
    assert profile.withdraw_button.isEnabled() and not profile.grant_button.isEnabled()
    qtbot.mouseClick(profile.withdraw_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not profile.data.profile.consents["email"].one_to_one.granted, timeout=20_000)
    assert profile.ledger_model.row_values(0)[3] == "withdrawn"
    # Re-subscribing: cancelling the confirmation records nothing.
    monkeypatch.setattr(profile, "ask_confirmation", lambda *a: None)
    profile.select_consent("email", "one_to_one")
    qtbot.mouseClick(profile.grant_button, Qt.MouseButton.LeftButton)
    assert "no confirmation" in profile.status.text()
    asked: list[tuple] = []

    def confirm(name: str, what: str, by: str) -> Confirmation:
        asked.append((name, what, by))
        return Confirmation("maria", "2026-03-04", "signed the consent form in store")

    monkeypatch.setattr(profile, "ask_confirmation", confirm)
    qtbot.mouseClick(profile.grant_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: profile.data.profile.consents["email"].one_to_one.granted, timeout=20_000)
    assert asked and asked[0][1] == "1 to 1 messages on e-mail" and asked[0][2] == "maria"
    top = profile.ledger_model.row_values(0)
    assert top[3] == "granted" and "signed the consent form in store" in top[6] and "maria" in top[6]
    state = on_db(qtbot, page.db, lambda store: consent.ledger(store, customer_id)[0])
    assert state.confirmed_by == "maria" and state.confirmation == "signed the consent form in store"


def test_add_customer_shows_field_errors_inline(qtbot, page: CustomersPage) -> None:
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    dialog = next(d for d in page.dialogs() if isinstance(d, CustomerDialog))
    qtbot.keyClicks(dialog.inputs["first_name"], "Ines")
    qtbot.keyClicks(dialog.inputs["email"], "ines.example.com")
    qtbot.keyClicks(dialog.inputs["sizes"], "shrit=M")
    dialog.save()
    assert "has no '@'" in dialog.errors["email"].text() and not dialog.errors["email"].isHidden()
    assert "did you mean 'shirt'" in dialog.errors["sizes"].text()
    dialog.inputs["email"].setText("ines@example.com")
    dialog.inputs["sizes"].setText("shirt=M; trousers=32")
    # The core's own check (preferred channel without its address) comes back under its field.
    dialog.inputs["preferred_channel"].setCurrentIndex(dialog.inputs["preferred_channel"].findData("x"))
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.errors["preferred_channel"].isHidden(), timeout=20_000)
    assert "has no x handle" in dialog.errors["preferred_channel"].text()
    dialog.inputs["preferred_channel"].setCurrentIndex(dialog.inputs["preferred_channel"].findData("email"))
    with qtbot.waitSignal(dialog.saved, timeout=20_000) as saved:
        dialog.save()
    new_id = saved.args[0]
    qtbot.waitUntil(lambda: page.profile.data is not None and page.profile.data.profile.customer.id == new_id,
                    timeout=20_000)
    assert page.profile.data.profile.sizes == {"shirt": "M", "trousers": "32"}
    qtbot.waitUntil(lambda: page.model.total == 501, timeout=20_000)


def test_edit_customer_changes_fields_and_sizes(qtbot, page: CustomersPage) -> None:
    customer_id = choose(qtbot, page, 0)
    qtbot.mouseClick(page.profile.edit_button, Qt.MouseButton.LeftButton)
    dialog = next(d for d in page.dialogs() if isinstance(d, CustomerDialog))
    assert dialog.customer.id == customer_id
    dialog.inputs["notes"].setPlainText("Prefers slim fit")
    dialog.inputs["sizes"].setText("shirt=XL")
    with qtbot.waitSignal(dialog.saved, timeout=20_000):
        dialog.save()
    qtbot.waitUntil(lambda: page.profile.data.profile.customer.notes == "Prefers slim fit", timeout=20_000)
    assert page.profile.data.profile.sizes == {"shirt": "XL"}


def test_import_shows_a_dry_run_then_writes(qtbot, page: CustomersPage, tmp_path: Path) -> None:
    existing = page.model.customer_at(0)
    path = tmp_path / "clients.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["First name", "Last name", "Email", "Brand likes", "Consent email"])
        writer.writerow(["Noor", "Haddad", "noor@example.com", "", "1 to 1 only"])
        writer.writerow([existing.first_name, existing.last_name, existing.email or "", "", ""])
        writer.writerow(["Bad", "Row", "bad.example.com", "", ""])
    dialog = page.open_import(path)
    with qtbot.waitSignal(dialog.finished_step, timeout=10_000):
        pass
    assert "would add 1 customers, updated 1" in dialog.summary.text()
    assert "Nothing was written yet" in dialog.summary.text()
    assert dialog.problems_model.rowCount() == 1
    line, column, reason = dialog.problems_model.row_values(0)
    assert (line, column) == (4, "email") and "has no '@'" in reason
    assert on_db(qtbot, page.db, lambda store: customers.count_customers(store)) == 500
    assert dialog.import_button.isEnabled()
    with qtbot.waitSignal(dialog.imported, timeout=10_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.cancel_button.text() == "Close"
    qtbot.waitUntil(lambda: page.model.total == 501, timeout=20_000)
    assert "added 1 customers" in page.status.text()


def test_purchase_history_import_shows_a_dry_run_then_writes(qtbot, page: CustomersPage, tmp_path: Path,
                                                             monkeypatch) -> None:
    first = page.model.customer_at(0)
    sku = on_db(qtbot, page.db, lambda store: store.db.execute("SELECT sku FROM products LIMIT 1").fetchone()[0])
    before = on_db(qtbot, page.db, lambda store: store.db.execute("SELECT count(*) FROM purchases").fetchone()[0])
    path = tmp_path / "till.csv"
    path.write_text(f"Customer ID,SKU,Size,Sale date,Card number\n{first.id},{sku},M,2026-11-02,4111111111111111\n"
                    f"{first.id},NO-SUCH,M,2026-11-02,\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    qtbot.mouseClick(page.purchases_button, Qt.MouseButton.LeftButton)
    dialogs = [d for d in page.findChildren(QDialog) if d.windowTitle() == "Import Purchases — till.csv"]
    assert len(dialogs) == 1
    dialog = dialogs[0]
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=10_000)
    assert "Would add 1 purchase for 1 customer; 1 row rejected" in dialog.summary.text()
    assert ("payment card columns; they were not read and nothing of them is stored: Card number"
            in dialog.summary.text())
    line, column, reason = dialog.problems_model.row_values(0)
    assert line == 3 and column.startswith("2 (SKU)") and "NO-SUCH" in reason
    with qtbot.waitSignal(dialog.imported, timeout=10_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert "Added 1 purchase" in page.status.text()
    after = on_db(qtbot, page.db, lambda store: store.db.execute("SELECT count(*) FROM purchases").fetchone()[0])
    assert after == before + 1


def test_export_writes_the_whole_book(qtbot, page: CustomersPage, tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "book.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Exported 500 customers" in page.status.text(), timeout=10_000)
    with target.open(newline="") as fh:
        assert sum(1 for _ in csv.reader(fh)) == 501


def test_duplicates_are_previewed_and_merged(qtbot, page: CustomersPage) -> None:
    original = page.model.customer_at(0)
    assert original.email
    on_db(qtbot, page.db, lambda store: customers.add_customer(
        store, {"first_name": original.first_name, "email": original.email.upper(), "notes": "walk-in"},
        actor="maria"))
    qtbot.waitUntil(lambda: page.model.total == 501, timeout=20_000)
    dialog = page.open_duplicates()
    qtbot.waitUntil(lambda: len(dialog.groups) == 1, timeout=20_000)
    assert f"keep customer {original.id}" in dialog.preview.toPlainText()
    assert dialog.list.item(0).checkState() == Qt.CheckState.Checked
    with qtbot.waitSignal(dialog.updated, timeout=20_000, check_params_cb=lambda v: v == 1):
        qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.groups == [] and "No duplicates" in dialog.hint.text(), timeout=20_000)
    qtbot.waitUntil(lambda: page.model.total == 500, timeout=20_000)
    dialog.close()


def test_duplicates_dialog_keeps_qdialog_result(qtbot, page: CustomersPage) -> None:
    # The dialog's outcome line once hid QDialog.result() behind a QLabel attribute of the same name.
    dialog = page.open_duplicates()
    qtbot.waitUntil(lambda: "No duplicates" in dialog.hint.text(), timeout=20_000)
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_each_empty_list_of_a_profile_says_what_fills_it(qtbot, page: CustomersPage) -> None:
    from ui.widgets.empty_state import EmptyState

    choose(qtbot, page, 0)  # a demo customer: nothing bought, sent, held or to do yet
    profile = page.profile
    lists = {"Purchases": profile.purchase_view, "Messages": profile.message_view, "Holds": profile.hold_view,
             "Tasks": profile.task_list.view}
    for title, view in lists.items():
        profile.tabs.setCurrentIndex(next(i for i in range(profile.tabs.count())
                                          if profile.tabs.tabText(i).startswith(title)))
        assert view.model().rowCount() == 0
        hints = [h for h in view.viewport().findChildren(EmptyState) if h.isVisible()]
        assert len(hints) == 1 and hints[0].text(), f"the {title} tab is a blank table"
    assert "Put One Aside" in profile.hold_view.viewport().findChild(EmptyState).text()
