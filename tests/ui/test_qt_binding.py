"""The Qt binding keeps Python's reference counts: PySide6 6.12.0 does not, and the app aborts under it.

PySide6 6.12.0 drops a reference to ``True`` on every ``Signal.emit()`` and to ``None``
each time an empty QVariant reaches Python (``QModelIndex.data()`` of an unset role).
The app emits a signal per finished task and per thumbnail, so after a few hundred the
interpreter aborts with "deallocating True or False". 6.11.3 is correct.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel


class _Emitter(QObject):
    fired = Signal(int)


def test_emitting_a_signal_keeps_the_reference_count_of_true() -> None:
    emitter = _Emitter()
    emitter.fired.connect(lambda _n: None)
    before = sys.getrefcount(True)
    for n in range(200):
        emitter.fired.emit(n)
    assert sys.getrefcount(True) >= before - 5, "this PySide6 loses a reference to True per emit(): use 6.11.3"


def test_reading_an_unset_role_keeps_the_reference_count_of_none() -> None:
    model = QStandardItemModel()
    model.appendRow(QStandardItem("a"))
    index = model.index(0, 0)
    before = sys.getrefcount(None)
    for _ in range(200):
        assert index.data(Qt.ItemDataRole.UserRole) is None
    assert sys.getrefcount(None) >= before - 5, "this PySide6 loses a reference to None per empty QVariant"
