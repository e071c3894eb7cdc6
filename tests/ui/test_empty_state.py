"""Empty states: the hint over an empty list is readable whatever the list's height."""

from __future__ import annotations

from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QTableView

from ui.widgets.empty_state import empty_state


def _shown_table(qtbot, height: int, style: str) -> tuple[QTableView, object]:
    view = QTableView()
    view.setModel(QStandardItemModel(0, 3))
    view.setStyleSheet(style)
    hint = empty_state(view, "Sets appear here when an associate clicks <b>Submit for Approval</b>.")
    qtbot.addWidget(view)
    view.resize(900, height)
    view.show()
    qtbot.waitExposed(view, timeout=20_000)
    return view, hint


def test_a_short_list_keeps_its_hint_whole(qtbot) -> None:
    # The app's style pads the hint 24 px above and below; a list a few rows high (Approvals' sets) left the
    # text a few pixels and cut it in half.
    view, hint = _shown_table(qtbot, 80, "QLabel#emptyState { padding: 24px; }")
    assert hint.isVisible()
    assert hint.contentsRect().height() >= hint.fontMetrics().lineSpacing()


def test_a_tall_list_keeps_the_roomy_padding(qtbot) -> None:
    view, hint = _shown_table(qtbot, 400, "QLabel#emptyState { padding: 24px; }")
    assert hint.isVisible()
    assert hint.contentsRect().top() >= 24  # the style's padding still applies
