"""Read-only tables of rows: the one way the app's lists of customers, messages and sets behave."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtWidgets import QAbstractItemView, QTableView

Selection = QAbstractItemView.SelectionMode


def read_only_table(model: QAbstractItemModel, *, selection: Selection = Selection.ExtendedSelection,
                    wrap: bool = True) -> QTableView:
    """Return a table of ``model``'s rows: whole rows selected, nothing editable, no row numbers.

    Tab leaves the table for the next control and the arrow keys move inside it, so a page can
    be worked from the keyboard (Qt's default sends Tab from cell to cell, never out).

    :param selection: how many rows may be chosen at once.
    :param wrap: whether long cell text wraps (else it is elided on one line).
    """
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(selection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.setAlternatingRowColors(True)
    view.setWordWrap(wrap)
    view.setTabKeyNavigation(False)
    return view
