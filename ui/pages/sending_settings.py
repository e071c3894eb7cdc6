"""The "Sending" section of the Settings page: the settings that rule sending, one field each.

The fields come from :data:`lookbook.store.settings.SETTINGS` (label, unit, meaning and allowed range in the
tooltip); Save hands each changed one to :func:`lookbook.store.settings.set_value` on the DB thread, which checks,
keeps and audits it under the signed-in person. Managers and admins may change them; others read them.
"""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from lookbook.store import roles, settings
from lookbook.store.database import Store
from ui.signin import Session
from ui.workers import StoreRunner


def _save(store: Store, changed: dict[str, str], actor: str) -> None:
    # Every value is checked before any is kept: a bad one keeps none (and the fields keep what was typed).
    for name, text in changed.items():
        settings.parse(name, text)
    with store.atomic():
        for name, text in changed.items():
            settings.set_value(store, name, text, actor)


class SendingSettings(QGroupBox):
    """Quiet hours, caps, the store's time zone, approval expiry, the X timeout and the retry back-off."""

    #: Emitted after the values were loaded into the fields (tests wait for it).
    loaded = Signal()

    def __init__(self, db: StoreRunner, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Sending", parent)
        self.db = db
        self.session = session
        self.fields: dict[str, QLineEdit] = {}
        self._shown: dict[str, str] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        for s in settings.SETTINGS:
            field = QLineEdit()
            field.setObjectName(f"setting_{s.name}")
            field.setToolTip(f"{s.meaning}\nAllowed: {s.allowed}. Default: {s.show(s.default)}.")
            field.setAccessibleName(s.label)
            field.setMinimumWidth(self.fontMetrics().horizontalAdvance("Europe/London_____"))
            self.fields[s.name] = field
            row = QHBoxLayout()
            row.addWidget(field)
            row.addWidget(QLabel(s.unit))
            row.addStretch(1)
            form.addRow(s.label, row)
        self.save_button = QPushButton("Save Se&nding Settings")
        self.save_button.clicked.connect(self.save)
        self.message = QLabel()
        self.message.setObjectName("sendingSettingsMessage")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.message, 1)
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addLayout(buttons)
        session.changed.connect(lambda _user: self._apply_role())
        self._apply_role()

    def _may_change(self) -> bool:
        user = self.session.user
        return user is not None and roles.allowed(user.role, "settings.change")

    def _apply_role(self) -> None:
        may = self._may_change()
        for field in self.fields.values():
            field.setReadOnly(not may)
        self.save_button.setEnabled(may)
        self.save_button.setToolTip("" if may else f"Only {roles.who_may('settings.change')} may change these; "
                                    "sign in as one (File ▸ Sign In…).")

    def reload(self) -> None:
        self.db.run(lambda store: {s.name: text for s, text, _default in settings.listing(store)},
                    on_done=self._show, on_failure=lambda exc: self.message.setText(str(exc)))

    def _show(self, values: dict[str, str]) -> None:
        self._shown = values
        for name, text in values.items():
            self.fields[name].setText(text)
        self.loaded.emit()

    def changed(self) -> dict[str, str]:
        """Return the fields whose text differs from the library's value."""
        return {name: field.text().strip() for name, field in self.fields.items()
                if field.text().strip() != self._shown.get(name)}

    @Slot()
    def save(self) -> None:
        """Keep the changed values (checked and audited in the core); say what was wrong, if anything."""
        user = self.session.user
        changed = self.changed()
        if user is None or not changed:
            self.message.setText("Nothing to save." if user is not None else "Sign in first (File ▸ Sign In…).")
            return
        self.message.setText("Saving…")
        self.db.run(_save, changed, user.username,
                    on_done=lambda _r: self.message.setText(f"Saved: {', '.join(changed)}."),
                    on_failure=lambda exc: self.message.setText(str(exc)))
