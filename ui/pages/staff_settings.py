"""The "Staff" section of the Settings page: an admin adds people, changes roles, deactivates, resets passwords.

Every change goes through :mod:`lookbook.store.users` on the DB thread (checked and audited there, under the
signed-in admin); the section only shows the accounts and asks for what a change needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from lookbook.store import roles
from lookbook.store.database import Store
from lookbook.store.users import (
    MIN_PASSWORD_LENGTH,
    ROLES,
    User,
    change_password,
    create_user,
    list_users,
    set_active,
    set_role,
)
from ui.models import RowsTableModel
from ui.signin import Session
from ui.widgets.dialog_size import show_placeholders
from ui.widgets.tables import read_only_table
from ui.workers import StoreRunner

HEADERS = ["User name", "Name", "Role", "Status"]


class PersonDialog(QDialog):
    """Ask for a new account (name, role, first password), or only a new password for a reset."""

    def __init__(self, parent: QWidget | None = None, *, reset_for: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Reset the password of {reset_for}" if reset_for else "Add a person")
        self.username = QLineEdit()
        self.display_name = QLineEdit()
        self.role = QComboBox()
        self.role.addItems(list(ROLES))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(f"at least {MIN_PASSWORD_LENGTH} characters")
        self.password_again = QLineEdit()
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        if reset_for is None:
            form.addRow("&User name", self.username)
            form.addRow("&Name", self.display_name)
            form.addRow("&Role", self.role)
        form.addRow("&Password" if reset_for is None else "New &password", self.password)
        form.addRow("Password &again", self.password_again)
        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        show_placeholders(self)

    def _check(self) -> None:
        if self.password.text() != self.password_again.text():
            self.message.setText("password: the two passwords differ; type the same one twice.")
            return
        self.accept()


class StaffSettings(QGroupBox):
    """The library's accounts; the buttons work for admins only (the role matrix's ``users.manage``)."""

    #: Emitted after the accounts were shown (tests wait for it).
    loaded = Signal()
    #: Emitted with the outcome of a change ("" when it worked, else the one-line error).
    done = Signal(str)

    def __init__(self, db: StoreRunner, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Staff", parent)
        self.db = db
        self.session = session
        self.users: list[User] = []
        self.model = RowsTableModel(HEADERS, self)
        self.view = read_only_table(self.model)
        self.view.setAccessibleName("Staff accounts")
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._apply_role())
        self.add_button = QPushButton("A&dd Person…")
        self.role_box = QComboBox()
        self.role_box.addItems(list(ROLES))
        self.role_box.setAccessibleName("Role for the selected person")
        self.role_button = QPushButton("Set Ro&le")
        self.active_button = QPushButton("Deac&tivate")
        self.reset_button = QPushButton("&Reset Password…")
        self.add_button.clicked.connect(self.add_person)
        self.role_button.clicked.connect(lambda: self.change_role(self.role_box.currentText()))
        self.active_button.clicked.connect(self.toggle_active)
        self.reset_button.clicked.connect(self.reset_password)
        self.message = QLabel()
        self.message.setObjectName("staffMessage")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        for widget in (self.add_button, self.role_box, self.role_button, self.active_button, self.reset_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        column = QVBoxLayout(self)
        # The list takes the section's height (as tall as Sending beside it): a cap of nine text lines showed three
        # and a half of the demo's five accounts above an empty band.
        column.addWidget(self.view, 1)
        column.addLayout(buttons)
        column.addWidget(self.message)
        session.changed.connect(lambda _user: self._apply_role())
        self._apply_role()

    # -- state -----------------------------------------------------------------------------------------
    def _is_admin(self) -> bool:
        user = self.session.user
        return user is not None and roles.allowed(user.role, "users.manage")

    def selected(self) -> User | None:
        rows = self.view.selectionModel().selectedRows()
        return self.users[rows[0].row()] if rows else None

    def _apply_role(self) -> None:
        admin = self._is_admin()
        chosen = self.selected()
        self.add_button.setEnabled(admin)
        for widget in (self.role_box, self.role_button, self.active_button, self.reset_button):
            widget.setEnabled(admin and chosen is not None)
        self.active_button.setText("Reac&tivate" if chosen is not None and not chosen.active else "Deac&tivate")
        if chosen is not None:
            self.role_box.setCurrentText(chosen.role)
        tip = "" if admin else f"Only {roles.who_may('users.manage')} manages staff accounts."
        self.add_button.setToolTip(tip)

    def reload(self) -> None:
        self.db.run(list_users, on_done=self._show, on_failure=lambda exc: self.message.setText(str(exc)))

    def _show(self, users: list[User]) -> None:
        keep = self.selected()
        self.users = users
        self.model.set_rows([(u.username, u.display_name, u.role, "active" if u.active else "deactivated")
                             for u in users])
        self.view.resizeColumnsToContents()
        if keep is not None:
            row = next((i for i, u in enumerate(users) if u.username == keep.username), None)
            if row is not None:
                self.view.selectRow(row)
        self._apply_role()
        self.loaded.emit()

    # -- changes ---------------------------------------------------------------------------------------
    def _run(self, work: Callable[[Store, str], Any], what: str) -> None:
        user = self.session.user
        if user is None:
            self.message.setText("Sign in as an admin first (File ▸ Sign In…).")
            return
        actor = user.username

        def ok(_result: object) -> None:
            self.message.setText(what)
            self.done.emit("")

        def failed(exc: BaseException) -> None:
            self.message.setText(str(exc))
            self.done.emit(str(exc))

        self.db.run(lambda store: work(store, actor), on_done=ok, on_failure=failed)

    @Slot()
    def add_person(self) -> None:
        dialog = PersonDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        username, display = dialog.username.text().strip(), dialog.display_name.text().strip()
        role, password = dialog.role.currentText(), dialog.password.text()
        self._run(lambda store, actor: create_user(store, username, password, role, display, actor=actor),
                  f"Added {role} '{username}'.")

    def change_role(self, role: str) -> None:
        chosen = self.selected()
        if chosen is not None:
            self._run(lambda store, actor: set_role(store, chosen.username, role, actor),
                      f"'{chosen.username}' is now {role}.")

    @Slot()
    def toggle_active(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            active = not chosen.active
            self._run(lambda store, actor: set_active(store, chosen.username, active, actor),
                      f"'{chosen.username}' is now {'active' if active else 'deactivated'}.")

    @Slot()
    def reset_password(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        dialog = PersonDialog(self, reset_for=chosen.username)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        password = dialog.password.text()
        self._run(lambda store, actor: change_password(store, chosen.username, password, actor),
                  f"Reset the password of '{chosen.username}'; tell them in person.")
