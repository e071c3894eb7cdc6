"""A new store starts from the app: first-run setup, staff management and the sending settings."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog

from lookbook.store.database import create_store
from lookbook.store.users import User
from ui.first_run import FirstRunDialog
from ui.main_window import MainWindow
from ui.pages.products import ProductsPage
from ui.pages.sending_settings import SendingSettings
from ui.pages.staff_settings import PersonDialog, StaffSettings
from ui.signin import Session


@pytest.fixture
def empty_library(tmp_path: Path) -> Path:
    root = tmp_path / "new-store"
    create_store(root).close()
    return root


def _audit(root: Path, action: str) -> list[tuple[str, dict]]:
    with sqlite3.connect(root / "library.db") as con:
        return [(a, json.loads(d)) for a, d in con.execute(
            "SELECT actor, detail FROM audit_log WHERE action = ? ORDER BY id", [action])]


def _fill(dialog: FirstRunDialog, qtbot, **changes: str) -> None:
    values = {"display_name": "Olga Berg", "username": "olga", "password": "long-password",
              "password_again": "long-password", "store_name": "Corner Shop", "email_from": "hi@corner.test"}
    for name, text in {**values, **changes}.items():
        getattr(dialog, name).setText(text)
    dialog.time_zone.setCurrentText(changes.get("time_zone", "Asia/Tokyo"))
    dialog.postal_address.setPlainText("1 Main St\nTown")


def test_a_new_library_opens_the_first_run_setup_and_signs_the_admin_in(qtbot, runners,
                                                                         empty_library: Path) -> None:
    db, thumbs = runners
    window = MainWindow(db, thumbs)
    qtbot.addWidget(window)
    window.open_library(empty_library)
    qtbot.waitUntil(lambda: bool(window.findChildren(FirstRunDialog)), timeout=10_000)
    dialog = window.findChildren(FirstRunDialog)[0]
    _fill(dialog, qtbot, password_again="other-password")
    dialog.buttons.accepted.emit()
    assert "differ" in dialog.message.text() and window.session.user is None
    _fill(dialog, qtbot, password="short", password_again="short")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: "at least 8 characters" in dialog.message.text(), timeout=20_000)
    _fill(dialog, qtbot)
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: window.session.user is not None, timeout=10_000)
    assert window.session.user.username == "olga" and window.session.user.role == "admin"
    assert "Olga Berg (admin)" in window.user_label.text()
    with sqlite3.connect(empty_library / "library.db") as con:
        kept = dict(con.execute("SELECT key, value FROM settings").fetchall())
    assert json.loads(kept["store.name"]) == "Corner Shop" and json.loads(kept["store.timezone"]) == "Asia/Tokyo"
    assert json.loads(kept["delivery.email"])["from_address"] == "hi@corner.test"
    assert _audit(empty_library, "user.create") == [("setup", {"username": "olga", "role": "admin"})]
    window.close()


def test_an_empty_library_names_no_brand_of_the_last_one(qtbot, runners, empty_library: Path) -> None:
    db, _thumbs = runners
    with qtbot.waitSignal(db.library_opened, timeout=10_000):
        db.open(empty_library)
    page = ProductsPage(db)
    qtbot.addWidget(page)
    page.brand = "Ashby Row"  # the demo's brand, chosen before this library was opened
    with qtbot.waitSignal(page.shown, timeout=10_000):
        page.reload()
    assert "Ashby Row" not in page.summary.text()
    assert page.brand is None


@pytest.fixture
def opened_empty(qtbot, runners, empty_library: Path):
    db, _thumbs = runners
    with qtbot.waitSignal(db.library_opened, timeout=10_000):
        db.open(empty_library)
    from lookbook.store.users import first_run_setup

    done: list[User] = []
    db.run(lambda store: first_run_setup(store, username="olga", password="long-password", store_name="Corner",
                                         time_zone="UTC", postal_address="1 Main St", email_from="a@b.test"),
           on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)
    return db, empty_library, done[0]


def test_admin_manages_staff(qtbot, opened_empty, monkeypatch: pytest.MonkeyPatch) -> None:
    db, root, admin = opened_empty
    session = Session()
    staff = StaffSettings(db, session)
    qtbot.addWidget(staff)
    db.library_changed.connect(lambda _c: staff.reload())
    with qtbot.waitSignal(staff.loaded, timeout=20_000):
        staff.reload()
    assert not staff.add_button.isEnabled()  # nobody signed in
    session.sign_in(admin)
    assert staff.add_button.isEnabled()

    def fill(dialog: PersonDialog) -> QDialog.DialogCode:
        dialog.username.setText("ana")
        dialog.display_name.setText("Ana Ruiz")
        dialog.role.setCurrentText("associate")
        dialog.password.setText("ana-password")
        dialog.password_again.setText("ana-password")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(PersonDialog, "exec", fill)
    with qtbot.waitSignal(staff.done, timeout=20_000):
        staff.add_button.click()
    qtbot.waitUntil(lambda: [u.username for u in staff.users] == ["ana", "olga"], timeout=20_000)
    staff.view.selectRow(0)
    assert staff.role_button.isEnabled() and staff.role_box.currentText() == "associate"
    staff.role_box.setCurrentText("manager")
    with qtbot.waitSignal(staff.done, timeout=20_000):
        staff.role_button.click()
    qtbot.waitUntil(lambda: staff.users[0].role == "manager", timeout=20_000)
    staff.view.selectRow(0)
    with qtbot.waitSignal(staff.done, timeout=20_000):
        staff.active_button.click()
    qtbot.waitUntil(lambda: not staff.users[0].active, timeout=20_000)
    assert staff.model.row_values(0)[3] == "deactivated"
    staff.view.selectRow(0)
    assert staff.active_button.text() == "Reac&tivate"
    with qtbot.waitSignal(staff.done, timeout=20_000):
        staff.reset_button.click()
    # The last admin cannot deactivate themselves: the one-line reason shows.
    staff.view.selectRow(1)
    with qtbot.waitSignal(staff.done, timeout=20_000) as outcome:
        staff.active_button.click()
    assert "cannot deactivate your own account" in outcome.args[0] == staff.message.text()
    assert [a for a, _d in _audit(root, "user.role")] == ["olga"]
    assert _audit(root, "user.deactivate")[0][1] == {"username": "ana"}
    assert _audit(root, "user.password_reset")[0][1] == {"username": "ana"}
    # An associate sees the list and no button works for them.
    session.sign_in(User(99, "ana", "Ana", "associate", True))
    assert not staff.add_button.isEnabled() and not staff.reset_button.isEnabled()


def test_sending_settings_edit_and_refuse_bad_values(qtbot, opened_empty) -> None:
    db, root, admin = opened_empty
    session = Session()
    section = SendingSettings(db, session)
    qtbot.addWidget(section)
    db.library_changed.connect(lambda _c: section.reload())
    with qtbot.waitSignal(section.loaded, timeout=20_000):
        section.reload()
    assert section.fields["quiet_hours"].text() == "21:00-09:00"
    assert section.fields["frequency_days"].isReadOnly() and not section.save_button.isEnabled()
    session.sign_in(admin)
    section.fields["quiet_hours"].setText("22:00-08:00")
    section.fields["daily_cap"].setText("0")
    section.save_button.click()
    qtbot.waitUntil(lambda: "setting daily_cap" in section.message.text(), timeout=20_000)
    assert "from 1 to 100000" in section.message.text()
    assert _audit(root, "settings.set") == [("olga", {"setting": "store_timezone", "old": "UTC", "new": "UTC"})]
    section.fields["daily_cap"].setText("150")
    with qtbot.waitSignal(section.loaded, timeout=20_000):
        section.save_button.click()
    assert section.fields["daily_cap"].text() == "150" and section.fields["quiet_hours"].text() == "22:00-08:00"
    changes = [d for _a, d in _audit(root, "settings.set")][1:]
    assert {d["setting"]: d["new"] for d in changes} == {"quiet_hours": "22:00-08:00", "daily_cap": "150"}
