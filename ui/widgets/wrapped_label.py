"""A word-wrapped label that its layout never cuts short."""

from __future__ import annotations

from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QWidget


class WrappedLabel(QLabel):
    """A word-wrapped label whose minimum height is the height of every line its text wraps to.

    Qt reckons a word-wrapped label's minimum size without its width, as if its text were one long line, and a
    layout inside a splitter asks no more: in a short window the label was cut off and the widgets below it were
    laid over one another (the Approvals page at 1366×768). This label keeps its minimum height at what its text
    needs at the width it has, so the layout makes room (or its page scrolls).
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)

    def setText(self, text: str) -> None:
        super().setText(text)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        # Only the height follows the width, so a new minimum never changes the width it was reckoned at.
        need = self.heightForWidth(self.width()) if self.width() > 0 else -1
        if need > 0 and need != self.minimumHeight():
            self.setMinimumHeight(need)
