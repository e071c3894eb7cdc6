"""The first-run setup of a new library: its first admin and the store's name, time zone, address and sender.

A library made with File ▸ New Library has no accounts, so nobody could sign in to it. This dialog asks
for what a store needs before its first message and hands it to :func:`lookbook.store.users.first_run_setup` on
the database thread (one transaction, audited); the new admin is then signed in.
"""

from __future__ import annotations

import zoneinfo
from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from lookbook.store.database import Store
from lookbook.store.users import MIN_PASSWORD_LENGTH, User, first_run_setup
from ui.signin import Session
from ui.workers import StoreRunner


def local_time_zone() -> str:
    """Return this computer's IANA time zone when it can be told (``/etc/localtime``), else UTC."""
    try:
        target = str(Path("/etc/localtime").resolve())
    except OSError:
        return "UTC"
    name = target.partition("zoneinfo/")[2]
    return name if name in zoneinfo.available_timezones() else "UTC"


class FirstRunDialog(QDialog):
    """Create the first admin and the store's details; sign the admin in."""

    def __init__(self, db: StoreRunner, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.session = session
        self.setWindowTitle("Set up your store")
        intro = QLabel("<b>This library is new.</b> Create the first account (an admin, who adds the rest of the "
                       "staff in Settings ▸ Staff) and tell customers who is writing to them.")
        intro.setWordWrap(True)
        self.display_name = QLineEdit()
        self.display_name.setPlaceholderText("e.g. Olga Berg")
        self.username = QLineEdit()
        self.username.setPlaceholderText("e.g. olga (letters, digits, . _ -)")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(f"at least {MIN_PASSWORD_LENGTH} characters")
        self.password_again = QLineEdit()
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.store_name = QLineEdit()
        self.store_name.setPlaceholderText("the name customers know the store by")
        self.time_zone = QComboBox()
        self.time_zone.setEditable(True)
        self.time_zone.addItems(sorted(zoneinfo.available_timezones()))
        self.time_zone.setCurrentText(local_time_zone())
        self.postal_address = QPlainTextEdit()
        self.postal_address.setPlaceholderText("shown under every e-mail (marketing mail law)")
        self.postal_address.setFixedHeight(self.fontMetrics().lineSpacing() * 4)
        self.email_from = QLineEdit()
        self.email_from.setPlaceholderText("e.g. Corner Shop <hello@cornershop.example>")
        form = QFormLayout()
        form.addRow("Your &name", self.display_name)
        form.addRow("&User name", self.username)
        form.addRow("&Password", self.password)
        form.addRow("Password &again", self.password_again)
        form.addRow("&Store name", self.store_name)
        form.addRow("Store &time zone", self.time_zone)
        form.addRow("Postal a&ddress", self.postal_address)
        form.addRow("&E-mail sender", self.email_from)
        self.message = QLabel()
        self.message.setObjectName("firstRunMessage")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create and Sign In")
        self.buttons.accepted.connect(self.create_library)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)

    @Slot()
    def create_library(self) -> None:
        """Check the two passwords agree, then set the library up on the DB thread."""
        if self.password.text() != self.password_again.text():
            self.message.setText("password: the two passwords differ; type the same one twice.")
            return
        values = {"username": self.username.text().strip(), "password": self.password.text(),
                  "display_name": self.display_name.text().strip(), "store_name": self.store_name.text(),
                  "time_zone": self.time_zone.currentText(), "postal_address": self.postal_address.toPlainText(),
                  "email_from": self.email_from.text()}
        self.buttons.setEnabled(False)
        self.message.setText("Setting up…")

        def work(store: Store) -> User:
            return first_run_setup(store, **values)

        self.db.run(work, on_done=self._created, on_failure=self._failed)

    def _created(self, user: User) -> None:
        self.password.clear()
        self.password_again.clear()
        self.session.sign_in(user)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(str(exc))
