"""Settings ▸ Notifications: whether the person signed in gets desktop notifications.

Its own small widget (the Settings page only places it), reading and writing the per-person library setting
of :mod:`lookbook.outbox.notices` on the DB thread.
"""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QCheckBox, QGroupBox, QLabel, QVBoxLayout, QWidget

from lookbook.hooks import Changes
from lookbook.outbox import notices
from lookbook.store.users import User
from ui.signin import Session
from ui.workers import StoreRunner


class NotificationSettings(QGroupBox):
    """A check box: desktop notifications on or off for whoever is signed in."""

    def __init__(self, db: StoreRunner, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Notifications", parent)
        self.db = db
        self.session = session
        self.desktop = QCheckBox("Show des&ktop notifications")
        self.desktop.setToolTip("Managers hear when messages wait for approval; whoever drafted messages hears "
                                "when they are approved, rejected, fail or are answered. The sidebar's badges "
                                "show either way.")
        self.desktop.toggled.connect(self._toggled)
        self.note = QLabel()
        self.note.setWordWrap(True)
        column = QVBoxLayout(self)
        column.addWidget(self.desktop)
        column.addWidget(self.note)
        self._loading = False
        session.changed.connect(self._on_user)
        db.library_changed.connect(self._on_changed)
        self._on_user(session.user)

    @Slot(object)
    def _on_user(self, user: User | None) -> None:
        self.desktop.setEnabled(user is not None)
        if user is None:
            self.note.setText("Sign in (File ▸ Sign In…) to choose your notifications.")
            return
        self.note.setText(f"For {user.display_name}, on every computer that opens this library.")
        self.reload()

    def _on_changed(self, changes: Changes) -> None:
        if changes.settings:
            self.reload()

    def reload(self) -> None:
        """Show the signed-in person's choice."""
        username = self.session.username
        if username is None:
            return
        self.db.run(lambda store: notices.desktop_notifications(store, username), on_done=self._show)

    def _show(self, enabled: bool) -> None:
        self._loading = True
        self.desktop.setChecked(bool(enabled))
        self._loading = False

    def _toggled(self, on: bool) -> None:
        username = self.session.username
        if self._loading or username is None:
            return
        self.db.run(lambda store: notices.set_desktop_notifications(store, username, on))
