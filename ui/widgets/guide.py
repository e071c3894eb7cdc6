"""The first-run guide: a dismissible panel that walks a new user through the workflow once."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

DISMISSED = "guide/dismissed"
STEPS = [
    ("Shoot", ("Import photos (drag them onto the window), then <b>Check All Photos</b>. Photos marked "
               "<b>!</b> need a look: drag the box's handles to fit the garment.")),
    ("Products & Brands", "Check each photo is tied to its product and that stock is right."),
    ("Match & Compose", ("Pick a brand's shots as a set; the app finds customers who like the brand and "
                         "have their size in stock, and drafts a personal message.")),
    ("Approvals", "A manager sees each message as the customer will, and approves or rejects it."),
    ("Outbox", "Approved messages are sent by e-mail or X; failures wait here to be retried."),
]


class FirstRunGuide(QFrame):
    """Five steps, each a link to its page; dismissed once, remembered in QSettings."""

    #: A step's page title was clicked.
    go_to = Signal(str)
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("guide")
        self.setAccessibleName("Getting started")
        outer = QHBoxLayout(self)
        text = QVBoxLayout()
        title = QLabel("<b>Welcome to the demo library.</b> The day's work runs down the sidebar:")
        text.addWidget(title)
        for n, (page, what) in enumerate(STEPS, start=1):
            step = QLabel(f'{n}. <a href="{page}">{page}</a> — {what}')
            step.setWordWrap(True)
            step.linkActivated.connect(self.go_to)
            text.addWidget(step)
        outer.addLayout(text, 1)
        close = QPushButton("Got It")
        close.setToolTip("Hide this guide (Help ▸ Getting Started shows it again)")
        close.clicked.connect(self.dismiss)
        outer.addWidget(close)
        self.close_button = close

    @staticmethod
    def was_dismissed() -> bool:
        """Return whether the person dismissed the guide before."""
        return QSettings().value(DISMISSED, False, type=bool)

    def dismiss(self) -> None:
        """Hide the guide and remember that."""
        QSettings().setValue(DISMISSED, True)
        self.hide()
        self.dismissed.emit()

    def reopen(self) -> None:
        """Show the guide again (from the Help menu)."""
        QSettings().setValue(DISMISSED, False)
        self.show()
