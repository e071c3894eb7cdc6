"""File ▸ Restore…: choose one of the library's backups to put back."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from lookbook.store.backups import Backup
from ui.widgets.dialog_size import fit_to_screen


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n} bytes"


class RestoreDialog(QDialog):
    """Lists backups (newest first) with their time, size and why they were taken; returns the chosen one."""

    def __init__(self, backups: list[Backup], damaged: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Restore from a Backup")
        self.backups = backups
        intro = QLabel(
            ("The library is damaged. " if damaged else "")
            + "Choose a backup to put back. It is checked first; the current library.db is kept aside, "
              "and you are told what the backup lacks.")
        intro.setWordWrap(True)
        self.table = QTableWidget(len(backups), 3)
        self.table.setHorizontalHeaderLabels(["Taken", "Size", "Why"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for row, b in enumerate(backups):
            for col, text in enumerate((b.when(), _size(b.size), b.reason)):
                item = QTableWidgetItem(text)
                item.setToolTip(str(b.path))
                if col == 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        if backups:
            self.table.selectRow(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.restore_button = buttons.addButton("Restore", QDialogButtonBox.ButtonRole.AcceptRole)
        self.restore_button.setEnabled(bool(backups))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.table.doubleClicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        if not backups:
            layout.addWidget(QLabel("This library has no backups yet."))
        layout.addWidget(buttons)
        fit_to_screen(self, 560, 360)

    def chosen(self) -> Backup | None:
        """Return the selected backup, or None."""
        rows = self.table.selectionModel().selectedRows()
        return self.backups[rows[0].row()] if rows else None
