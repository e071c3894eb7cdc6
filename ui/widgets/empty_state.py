"""Empty states: a list or table with no rows says, in its middle, what to do next."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel


class EmptyState(QLabel):
    """A hint over an item view's viewport, shown while its model has no rows.

    It follows the model (resets, inserts, removals) and the viewport's size, and lets
    mouse events through, so drops and clicks still reach the view.
    """

    def __init__(self, view: QAbstractItemView, text: str) -> None:
        super().__init__(text, view.viewport())
        self.setObjectName("emptyState")
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setTextFormat(Qt.TextFormat.RichText)
        self._view = view
        self._model: QAbstractItemModel | None = None
        view.viewport().installEventFilter(self)
        self.follow_model()

    def follow_model(self) -> None:
        """Watch the view's model (call again if the view is given another model)."""
        model = self._view.model()
        if model is self._model:
            return
        self._model = model
        if model is not None:
            for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved, model.layoutChanged):
                signal.connect(self.refresh)
        self.refresh()

    def set_text(self, text: str) -> None:
        """Say ``text`` when the view is empty (e.g. a different hint once a filter is on)."""
        self.setText(text)

    def refresh(self) -> None:
        """Show the hint if the model has no rows, else hide it."""
        model = self._view.model()
        empty = model is None or model.rowCount() == 0
        self._fit()
        self.setVisible(empty)

    def _fit(self) -> None:
        """Cover the viewport; in a short one (a list a few rows high) drop the style's roomy top and bottom
        padding, which left no height for the text and cut it in half."""
        rect = self._view.viewport().rect()
        self.setGeometry(rect)
        short = rect.height() < 2 * 24 + 3 * self.fontMetrics().lineSpacing()
        wanted = "padding: 2px 24px;" if short else ""
        if self.styleSheet() != wanted:
            self.setStyleSheet(wanted)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._fit()
        return False


def empty_state(view: QAbstractItemView, text: str) -> EmptyState:
    """Give ``view`` a hint shown while it has no rows; return the hint."""
    return EmptyState(view, text)
