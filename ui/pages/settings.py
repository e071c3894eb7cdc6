"""The Settings page: the open library and its facts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QFormLayout, QFrame, QGroupBox, QLabel, QScrollArea, QVBoxLayout, QWidget

from lookbook.store.database import Store
from lookbook.store.users import active_users
from ui.pages.base import Page
from ui.pages.delivery_settings import DeliverySettings
from ui.pages.sending_settings import SendingSettings
from ui.pages.staff_settings import StaffSettings
from ui.workers import StoreRunner


class SettingsPage(Page):
    title = "Settings"
    watches = ("settings", "users")

    def __init__(self, db: StoreRunner, parent: QWidget | None = None, *,
                 delivery: DeliverySettings | None = None, sending: SendingSettings | None = None,
                 staff: StaffSettings | None = None, notifications: QWidget | None = None) -> None:
        super().__init__(db, parent)
        # The sections scroll under the heading: at 1366×768 they are taller than the window.
        body = QWidget()
        self.sections = QVBoxLayout(body)
        self.sections.setContentsMargins(0, 0, 8, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        self.sections_scroll = scroll
        self.layout_.addWidget(scroll, 1)
        box = QGroupBox("Library")
        self.form = QFormLayout(box)
        self.path = QLabel()
        self.path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.version = QLabel()
        self.users = QLabel()
        self.form.addRow("Folder", self.path)
        self.form.addRow("Schema version", self.version)
        self.form.addRow("Staff accounts", self.users)
        self.sections.addWidget(box)
        # Desktop notifications for whoever is signed in: a widget of its own (ui/widgets/notification_settings).
        self.notifications = notifications
        if notifications is not None:
            self.sections.addWidget(notifications)
        # The delivery section (X sign-in, mail server) is its own widget, owned by the delivery code.
        self.delivery = delivery
        if delivery is not None:
            self.sections.addWidget(delivery)
            delivery.built.connect(self._reflow)
        # The settings that rule sending and the staff accounts: their own widgets, side by side.
        self.sending = sending
        self.staff = staff
        # Side by side where there is room; one above the other in a narrow window (_reflow).
        self.team = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        for section in (sending, staff):
            if section is not None:
                self.team.addWidget(section)
        self.sections.addLayout(self.team)
        self.sections.addStretch(1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._reflow()

    def _reflow(self) -> None:
        """Put side by side what fits so, and the rest one above the other, so nothing scrolls sideways.

        At 960×600 the mail server's box and the staff's buttons ran off the page's right edge.
        """
        margins = self.sections.contentsMargins()
        room = self.sections_scroll.viewport().width() - margins.left() - margins.right()
        if room <= 0:
            return
        if self.delivery is not None:
            self.delivery.set_columns(2 if self.delivery.side_by_side_width() <= room else 1)
        sections = [s for s in (self.sending, self.staff) if s is not None]
        need = sum(s.minimumSizeHint().width() for s in sections) + max(self.team.spacing(), 0) * (len(sections) - 1)
        self.team.setDirection(QBoxLayout.Direction.LeftToRight if need <= room else QBoxLayout.Direction.TopToBottom)

    def reload(self) -> None:
        def facts(store: Store) -> tuple[str, int, list[tuple]]:
            users = [(u.username, u.role) for u in active_users(store)]
            return str(store.library.root), store.schema_version(), users

        self.db.run(facts, on_done=self._show)
        if self.delivery is not None:
            self.delivery.reload()
        for section in (self.sending, self.staff):
            if section is not None:
                section.reload()

    def _show(self, facts: tuple[str, int, list[tuple]]) -> None:
        path, version, users = facts
        self.path.setText(path)
        self.version.setText(str(version))
        self.users.setText(", ".join(f"{name} ({role})" for name, role in users) or "none")

    def cleanup(self) -> None:
        """Give up an X sign-in still waiting for the browser."""
        if self.delivery is not None:
            self.delivery.cleanup()
