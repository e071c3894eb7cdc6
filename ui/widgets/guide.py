"""The first-run guide: a dismissible panel that walks a new user through the workflow once."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

DISMISSED = "guide/dismissed"
#: The five steps: page title, what to do there in a few words, and the whole story for the tooltip.
STEPS = [
    ("Shoot", "Import photos, then <b>Check All Photos</b>; fix the ones marked <b>!</b>",
     "Import photos (drag them onto the window), then Check All Photos. Photos marked ! need a look: "
     "drag the box's handles to fit the garment."),
    ("Products & Brands", "Check each photo's product and its stock.",
     "Check each photo is tied to its product and that stock is right."),
    ("Match & Compose", "Pick a brand's shots; draft messages to the customers they fit.",
     "Pick a brand's shots as a set; the app finds customers who like the brand and have their size in "
     "stock, and drafts a personal message."),
    ("Approvals", "A manager sees what customers will see, and approves.",
     "A manager sees each message as the customer will, and approves or rejects it."),
    ("Outbox", "Approved messages go out on each customer's channel; retry failures.",
     "Approved messages are sent by e-mail, X, SMS or WhatsApp, as each customer chose; failures wait here to be"
     " retried."),
]
#: The pages beside the five steps: page title, what it is for in a few words, and the tooltip.
ALSO = [
    ("Compose Card", "lay out a set's card",
     "Lay out a set's card before it is sent: the layout, which shots and details go in which slot, "
     "their crops and captions, and the size (post or e-mail)."),
    ("Conversations", "answer replies",
     "Customers' replies, threaded with the messages they answer; answer them from here."),
    ("Tasks", "the follow-ups due",
     "Follow-ups the app lists by itself: replies to answer, holds ending, no reply in three days, "
     "customers who have not heard from the store."),
    ("Reports", "what each set sold",
     "What each set sold: sent, replied, held and bought, with the revenue and the opt-outs beside them."),
]


class FirstRunGuide(QFrame):
    """Five steps side by side, each a link to its page, and a line with the pages beside them
    (:data:`ALSO`); dismissed once, remembered in QSettings.

    It sits above every page, so it is kept to a few lines: each step says what to do in a
    few words, and its tooltip tells the rest.
    """

    #: A step's page title was clicked.
    go_to = Signal(str)
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("guide")
        self.setAccessibleName("Getting started")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 6, 8, 8)
        outer.setSpacing(4)
        top = QHBoxLayout()
        title = QLabel("<b>Welcome to the demo library.</b> The day's work runs down the sidebar, step by step:")
        top.addWidget(title, 1)
        close = QPushButton("Got It")
        close.setToolTip("Hide this guide (Help ▸ Getting Started shows it again)")
        close.clicked.connect(self.dismiss)
        top.addWidget(close)
        outer.addLayout(top)
        steps = QHBoxLayout()
        steps.setSpacing(10)
        #: Each link's label with its text in full and in short (the link alone): see set_compact.
        self._texts: list[tuple[QLabel, str, str]] = []
        self.compact = False
        for n, (page, what, whole) in enumerate(STEPS, start=1):
            if n > 1:
                arrow = QLabel("›")
                arrow.setObjectName("guideArrow")
                steps.addWidget(arrow)
            step = QLabel(f'<b>{n}. <a href="{page}">{page}</a></b><br>{what}')
            self._texts.append((step, step.text(), f'<b>{n}. <a href="{page}">{page}</a></b>'))
            step.setWordWrap(True)
            step.setToolTip(whole)
            step.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            step.linkActivated.connect(self.go_to)
            steps.addWidget(step, 1)
        outer.addLayout(steps)
        #: The pages after the day's steps; hidden in a short window (the sidebar names them too).
        self.also_row = QWidget()
        also = QHBoxLayout(self.also_row)
        also.setContentsMargins(0, 0, 0, 0)
        also.setSpacing(14)
        also.addWidget(QLabel("<b>Then:</b>"))
        for page, what, whole in ALSO:
            extra = QLabel(f'<a href="{page}">{page}</a>: {what}')
            self._texts.append((extra, extra.text(), f'<a href="{page}">{page}</a>'))
            extra.setWordWrap(True)  # a narrow window wraps the line rather than widening the guide
            extra.setToolTip(whole)
            extra.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            extra.linkActivated.connect(self.go_to)
            also.addWidget(extra, 1)
        outer.addWidget(self.also_row)
        self.close_button = close

    def set_compact(self, compact: bool) -> None:
        """Show the day's steps as their links alone (``True``: a window too short for the guide's five lines
        above a page; each step's tooltip still says it all, the sidebar lists the other pages), or in full."""
        if compact == self.compact:
            return
        self.compact = compact
        for label, full, short in self._texts:
            label.setText(short if compact else full)
        self.also_row.setVisible(not compact)

    @staticmethod
    def was_dismissed() -> bool:
        """Return whether the person dismissed the guide before."""
        return bool(QSettings().value(DISMISSED, False, type=bool))

    def dismiss(self) -> None:
        """Hide the guide and remember that."""
        QSettings().setValue(DISMISSED, True)
        self.hide()
        self.dismissed.emit()

    def reopen(self) -> None:
        """Show the guide again (from the Help menu)."""
        QSettings().setValue(DISMISSED, False)
        self.show()
