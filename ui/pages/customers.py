"""The Customers page: the customer book, searched and sorted in the database, shown a block at a time.

A book may hold a million customers, so the table never holds them all: the model
knows how many match (:func:`lookbook.customers.book.count_customers`) and fetches the
blocks of rows the view asks for (:func:`lookbook.customers.book.search_customers`) on the
database thread, keeping the most recently used blocks. Scrolling anywhere, even to
the end of a million rows, fetches one block; blocks past the middle are read in the
reverse order, so SQLite never skips more than half the book. Typing searches after
a short pause; answers to a search or sort that was replaced meanwhile are dropped.

Beside the table, the profile of the chosen customer (:mod:`ui.widgets.customer_profile`).
Dialogs add and edit customers (with each field's error shown under it), import a
CSV file (a dry run first, showing what would change and every rejected row), and
find and merge duplicates with a preview.
"""

from __future__ import annotations

import functools
import getpass
import re
import zoneinfo
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from lookbook.customers import book as customers
from lookbook.customers import consent, duplicates
from lookbook.customers.book import Customer, FieldError
from lookbook.customers.csv_files import ImportReport, export_customers, import_customers_steps
from lookbook.customers.duplicates import DuplicateGroup
from lookbook.customers.purchases import PurchaseImportReport, import_purchases
from lookbook.errors import InputError
from lookbook.store.database import Store
from lookbook.words import plural
from ui.models import FittedColumns, RowsTableModel
from ui.pages.base import Page
from ui.signin import Session
from ui.widgets.customer_profile import CustomerProfile, is_paused, short_time
from ui.widgets.dialog_size import fit_rows
from ui.widgets.import_dialog import DryRunImportDialog
from ui.workers import StoreRunner

Index = QModelIndex | QPersistentModelIndex
#: Rows fetched in one call, and how many such blocks stay in memory (most recently used).
BLOCK = 200
MAX_BLOCKS = 40
#: Blocks asked for while another was being fetched; older wishes (scrolled past) are forgotten.
MAX_WANTED = 4
#: Columns, and the core's sort key for those that can be sorted (each served by an index).
COLUMNS = ["Name", "E-mail", "X", "Instagram", "Phone", "Prefers", "Time zone", "Last contacted", "Paused until",
           "Added"]
SORT_KEYS = {0: "name", 1: "email", 7: "last_contacted", 9: "created"}
SEARCH_PAUSE_MS = 250
ERROR_STYLE = "color: #c0392b"
_FIELD_ERROR = re.compile(r"^(?:.*: )?field (\w+): (.*?)(?:; fix it or leave it empty\.)?$")


def _cells(c: Customer) -> list[str]:
    return [c.name, c.email or "", f"@{c.x_handle}" if c.x_handle else "", f"@{c.instagram}" if c.instagram else "",
            c.phone or "", consent.CHANNEL_LABELS.get(c.preferred_channel or "", c.preferred_channel or ""),
            c.timezone, short_time(c.last_contacted_at), (c.paused_until or "")[:10] if is_paused(c.paused_until)
            else "", c.created_at[:10]]


def fetch_block(store: Store, text: str, sort: str, descending: bool, offset: int, count: int,
                total: int) -> list[Customer]:
    """Return ``count`` customers from position ``offset`` of a search (:func:`customers.search_block`)."""
    return customers.search_block(store, text, sort, descending, offset, count, total)


def first_answer(store: Store, text: str, sort: str, descending: bool) -> tuple[int, list[Customer]]:
    """Return how many customers match ``text`` and the first block of them."""
    return customers.first_block(store, text, sort, descending, BLOCK)


class CustomerBookModel(QAbstractTableModel):
    """The customers matching a search, in the database's order, fetched a block at a time as they are shown."""

    #: The first answer of a new search or sort was shown (with the number of customers matching).
    searched = Signal(int)

    def __init__(self, db: StoreRunner, parent: Any = None) -> None:
        super().__init__(parent)
        self._db = db
        self._text = ""
        self._sort = "name"
        self._descending = False
        self._total = 0
        self._blocks: OrderedDict[int, list[Customer]] = OrderedDict()
        self._generation = 0  # answers to an older search, sort or reload are dropped
        self._in_flight: tuple[int, int] | None = None  # (generation, block)
        self._wanted: list[int] = []
        self._searching = False

    # -- what is shown ------------------------------------------------------------
    @property
    def total(self) -> int:
        """Return how many customers match the search."""
        return self._total

    @property
    def text(self) -> str:
        """Return the search the rows match."""
        return self._text

    @property
    def sort_key(self) -> tuple[str, bool]:
        """Return the core sort key and whether it is descending."""
        return self._sort, self._descending

    @property
    def searching(self) -> bool:
        """Return whether a new search's first answer is still on its way."""
        return self._searching

    def search(self, text: str, sort: str | None = None, descending: bool | None = None) -> None:
        """Show the customers matching ``text`` (in the given order), from the top."""
        self._text = text
        if sort is not None:
            self._sort = sort
        if descending is not None:
            self._descending = descending
        self._generation += 1
        generation, sort_, desc = self._generation, self._sort, self._descending
        self._searching = True
        self._db.run(first_answer, text, sort_, desc, on_done=lambda answer: self._reset(generation, *answer))

    def refresh(self) -> None:
        """Fetch the rows again after the book changed, keeping the scroll position and selection."""
        self._generation += 1
        generation, text = self._generation, self._text
        self._in_flight, self._wanted = None, []
        self._db.run(customers.count_customers, text, on_done=lambda total: self._refreshed(generation, total))

    def _reset(self, generation: int, total: int, first: list[Customer]) -> None:
        if generation != self._generation:
            return
        self.beginResetModel()
        self._total = total
        self._blocks = OrderedDict({0: first} if first else {})
        self._in_flight, self._wanted = None, []
        self.endResetModel()
        self._searching = False
        self.searched.emit(total)

    def _refreshed(self, generation: int, total: int) -> None:
        if generation != self._generation:
            return
        before = self._total
        if total > before:
            self.beginInsertRows(QModelIndex(), before, total - 1)
            self._total = total
            self.endInsertRows()
        elif total < before:
            self.beginRemoveRows(QModelIndex(), total, before - 1)
            self._total = total
            self.endRemoveRows()
        self._blocks.clear()
        if total:
            # Every row is stale; the view asks again for the ones it shows.
            self.dataChanged.emit(self.index(0, 0), self.index(total - 1, len(COLUMNS) - 1))
        self.searched.emit(total)

    def customer_at(self, row: int) -> Customer | None:
        """Return the customer on ``row`` if its block is loaded (it is, for any row in view)."""
        block = self._blocks.get(row // BLOCK)
        if block is None or row % BLOCK >= len(block):
            return None
        return block[row % BLOCK]

    def row_of(self, customer_id: int) -> int | None:
        """Return the row of a loaded customer, if any."""
        for number, block in self._blocks.items():
            for i, c in enumerate(block):
                if c.id == customer_id:
                    return number * BLOCK + i
        return None

    def loaded_blocks(self) -> list[int]:
        """Return the numbers of the blocks held, least recently used first."""
        return list(self._blocks)

    # -- Qt ---------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.UserRole,
                                               Qt.ItemDataRole.ToolTipRole):
            return None
        number = index.row() // BLOCK
        block = self._blocks.get(number)
        if block is None:
            self._want(number)
            return "…" if role == Qt.ItemDataRole.DisplayRole and index.column() == 0 else None
        self._blocks.move_to_end(number)
        offset = index.row() % BLOCK
        if offset >= len(block):
            return None  # the book shrank since it was counted; the refresh on its way fixes the count
        customer = block[offset]
        if role == Qt.ItemDataRole.UserRole:
            return customer.id
        if role == Qt.ItemDataRole.ToolTipRole:
            return customer.notes or None
        return _cells(customer)[index.column()]

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return "Click to sort" if section in SORT_KEYS else "This column cannot be sorted"
        return None

    # -- fetching -----------------------------------------------------------------
    def _want(self, number: int) -> None:
        if (self._in_flight == (self._generation, number)) or number in self._wanted:
            return
        self._wanted.append(number)
        del self._wanted[:-MAX_WANTED]
        if self._in_flight is None:
            self._fetch_next()

    def _fetch_next(self) -> None:
        while self._wanted:
            number = self._wanted.pop()  # the newest wish first: that is where the view is now
            if number in self._blocks:
                continue
            offset = number * BLOCK
            count = min(BLOCK, self._total - offset)
            if count <= 0:
                continue
            generation = self._generation
            self._in_flight = (generation, number)
            self._db.run(fetch_block, self._text, self._sort, self._descending, offset, count, self._total,
                         on_done=functools.partial(self._arrived, generation, number),
                         on_failure=functools.partial(self._block_failed, generation, number))
            return

    def _block_failed(self, generation: int, number: int, _exc: BaseException) -> None:
        self._arrived(generation, number, [])

    def _arrived(self, generation: int, number: int, rows: list[Customer]) -> None:
        if generation != self._generation:
            return
        self._in_flight = None
        if rows:
            self._blocks[number] = rows
            while len(self._blocks) > MAX_BLOCKS:
                self._blocks.popitem(last=False)
            first = number * BLOCK
            last = min(first + len(rows), self._total) - 1
            if last >= first:
                self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
        self._fetch_next()


# -- adding and editing -------------------------------------------------------------------------------------


class CustomerDialog(QDialog):
    """Add a customer or edit one; each field's problem is shown under it, in the core's words."""

    #: The customer was saved (with their id).
    saved = Signal(int)

    TEXT_FIELDS = (("first_name", "&First name"), ("last_name", "&Last name"), ("email", "&E-mail"),
                   ("x_handle", "&X handle"), ("x_user_id", "X &user id"), ("instagram", "&Instagram"),
                   ("phone", "&Phone"))

    def __init__(self, db: StoreRunner, actor: str, customer: Customer | None = None,
                 sizes: dict[str, str] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.customer = customer
        self.old_sizes = dict(sizes or {})
        self._categories: set[str] = set(customers.KNOWN_CATEGORIES)
        self.setWindowTitle(f"Edit {customer.name}" if customer else "Add a Customer")
        self.setMinimumWidth(480)
        self.inputs: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        edits: dict[str, QLineEdit] = {}
        for name, label in self.TEXT_FIELDS:
            edit = edits[name] = QLineEdit(str(getattr(customer, name) or "") if customer else "")
            edit.editingFinished.connect(lambda name=name: self.check_field(name))
            self._add_row(form, name, label, edit)
        edits["x_handle"].setPlaceholderText("@handle")
        edits["email"].setPlaceholderText("name@example.com")
        channel = QComboBox()
        channel.addItem("—", "")
        for key in consent.CHANNELS:
            channel.addItem(consent.CHANNEL_LABELS[key], key)
        channel.setCurrentIndex(max(channel.findData(customer.preferred_channel if customer else ""), 0))
        self._add_row(form, "preferred_channel", "Prefe&rred channel", channel)
        zone = QComboBox()
        zone.setEditable(True)
        zone.addItems(sorted(zoneinfo.available_timezones()))
        zone.setCurrentText(customer.timezone if customer else "UTC")
        zone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer, zone_edit = zone.completer(), zone.lineEdit()
        assert completer is not None and zone_edit is not None  # an editable combo box has both
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        zone_edit.editingFinished.connect(lambda: self.check_field("timezone"))
        self._add_row(form, "timezone", "&Time zone", zone)
        sizes_edit = QLineEdit("; ".join(f"{c}={s}" for c, s in self.old_sizes.items()))
        sizes_edit.setPlaceholderText("shirt=M; trousers=32; dress=S")
        sizes_edit.setCursorPosition(0)  # show the first sizes, not the end of a long list
        sizes_edit.editingFinished.connect(lambda: self.check_field("sizes"))
        self._add_row(form, "sizes", "Si&zes", sizes_edit)
        notes = QPlainTextEdit(customer.notes if customer else "")
        notes.setFixedHeight(70)
        self._add_row(form, "notes", "&Notes", notes)
        self.general_error = QLabel()
        self.general_error.setWordWrap(True)
        self.general_error.setStyleSheet(ERROR_STYLE)
        self.general_error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        db.run(lambda store: sorted(customers.categories(store)), on_done=self._set_categories,
               on_failure=lambda exc: None)  # the known categories stay; the core checks again on save

    def _add_row(self, form: QFormLayout, name: str, label: str, widget: QWidget) -> None:
        error = QLabel()
        error.setObjectName(f"error_{name}")
        error.setWordWrap(True)
        error.setStyleSheet(ERROR_STYLE)
        error.hide()
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        column.addWidget(error)
        form.addRow(label, box)
        self.inputs[name] = widget
        self.errors[name] = error

    def _set_categories(self, names: list[str]) -> None:
        self._categories = set(names)

    # -- values -------------------------------------------------------------------
    def value(self, name: str) -> str:
        """Return what is typed or chosen in a field."""
        widget = self.inputs[name]
        if isinstance(widget, QLineEdit):
            return widget.text().strip()
        if isinstance(widget, QPlainTextEdit):
            return widget.toPlainText().strip()
        if isinstance(widget, QComboBox):
            return (widget.currentData() or "") if name == "preferred_channel" else widget.currentText().strip()
        raise KeyError(name)

    def fields(self) -> dict[str, str]:
        """Return the customer fields typed (for a new customer, only those filled in)."""
        names = [n for n, _ in self.TEXT_FIELDS] + ["preferred_channel", "timezone", "notes"]
        values = {n: self.value(n) for n in names}
        return values if self.customer else {k: v for k, v in values.items() if v}

    def sizes(self) -> dict[str, str | None]:
        """Return the sizes to store: those typed, and None for each category removed.

        :raises FieldError: if the sizes text cannot be read.
        """
        new = customers.parse_sizes(self.value("sizes").replace(",", ";"), self._categories)
        return {**{c: None for c in self.old_sizes if c not in new}, **new}

    def show_error(self, name: str, text: str) -> None:
        """Show a problem under a field ('' hides it)."""
        label = self.errors.get(name)
        if label is None:
            self.general_error.setText(text)
            self.general_error.setVisible(bool(text))
            return
        label.setText(text)
        label.setVisible(bool(text))

    def check_field(self, name: str) -> bool:
        """Check one field as the core will, and show its problem; return whether it is fine."""
        try:
            if name == "sizes":
                self.sizes()
            elif name in customers.FIELDS:
                customers.clean_fields({name: self.value(name)})
        except FieldError as exc:
            self.show_error(name, str(exc))
            return False
        self.show_error(name, "")
        return True

    # -- saving -------------------------------------------------------------------
    @Slot()
    def save(self) -> None:
        """Check every field, then add or update the customer (and their sizes) in one transaction."""
        fine = all([self.check_field(n) for n in self.inputs])
        if not fine:
            return
        values, sizes = self.fields(), self.sizes()
        if sizes == {c: s for c, s in self.old_sizes.items()}:
            sizes = {}
        customer, actor = self.customer, self.actor

        def work(store: Store) -> int:
            with store.atomic():
                if customer is None:
                    saved = customers.add_customer(store, values, actor=actor)
                else:
                    saved = customers.update_customer(store, customer.id, values, actor=actor)
                if sizes:
                    customers.set_sizes(store, saved.id, sizes, actor=actor)
            return saved.id

        self.buttons.setEnabled(False)
        self.db.run(work, on_done=self._saved, on_failure=self._refused)

    def _saved(self, customer_id: int) -> None:
        self.buttons.setEnabled(True)
        self.saved.emit(customer_id)
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        text = str(exc)
        found = _FIELD_ERROR.match(text) if isinstance(exc, InputError) else None
        if found and found.group(1) in self.errors:
            self.show_error(found.group(1), found.group(2))
            self.inputs[found.group(1)].setFocus()
        else:
            self.show_error("", text)


# -- importing -----------------------------------------------------------------------------------------------


class ImportDialog(DryRunImportDialog):
    """Import a customer file: a dry run first, showing what would change and every rejected row."""

    def __init__(self, db: StoreRunner, actor: str, path: Path, parent: QWidget | None = None, *,
                 importer: Callable[..., Any] = import_customers_steps, what: str = "Customers") -> None:
        self.problems_model = RowsTableModel(["Line", "Column", "Why the row was not used"])
        self.problems = QTableView()
        self.problems.setModel(self.problems_model)
        self.problems.verticalHeader().setVisible(False)
        self.problems.horizontalHeader().setStretchLastSection(True)
        self.problems.setAlternatingRowColors(True)
        super().__init__(db, path, self.problems, self.problems_model, f"Import {what} — {path.name}", (720, 520),
                         parent)
        self.problems_model.setParent(self)
        self.actor = actor
        self.importer = importer  # (store, path, *, actor, dry_run) -> report, or a generator of progress
        self._start(dry_run=True)

    def work(self, dry_run: bool) -> Callable[[Store], Any]:
        path, actor, importer = self.path, self.actor, self.importer
        return lambda store: importer(store, path, actor=actor, dry_run=dry_run)

    def describe(self, report: ImportReport | PurchaseImportReport) -> tuple[list[str], list[tuple[object, ...]], bool]:
        lines = [report.summary()]
        if isinstance(report, ImportReport) and report.encoding_note:
            lines.append(report.encoding_note)
        if report.ignored_columns:
            lines.append(f"Columns not read: {', '.join(report.ignored_columns)}.")
        if isinstance(report, PurchaseImportReport) and report.card_columns:
            lines.append(f"These look like payment card columns; they were not read and nothing of them is "
                         f"stored: {', '.join(report.card_columns)}.")
        if report.problems_left_out:
            lines.append(f"{report.problems_left_out:,} more rejected rows are not listed.")
        changes = bool(report.added or getattr(report, "updated", 0) or getattr(report, "consent_entries", 0))
        if report.dry_run:
            lines.append("Nothing was written yet. Import to write the rows above; the rejected rows are left out."
                         if changes else "Nothing would change: fix the rejected rows and choose the file again.")
        return lines, [(p.line, p.column or "", p.reason) for p in report.problems], changes


# -- duplicates ---------------------------------------------------------------------------------------------


class DuplicatesDialog(QDialog):
    """Find customers who look like one person, read what merging them gives, and merge the ones checked."""

    #: A search or merge finished (with the groups found, or the number merged); tests wait on it.
    updated = Signal(object)

    def __init__(self, db: StoreRunner, actor: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.groups: list[DuplicateGroup] = []
        self.setWindowTitle("Duplicate Customers")
        self.hint = QLabel("Looking for customers who share an e-mail, X handle, X user id or Instagram handle…")
        self.hint.setWordWrap(True)
        self.list = QListWidget()
        self.list.currentRowChanged.connect(self._show_preview)
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        split = QSplitter()
        split.addWidget(self.list)
        split.addWidget(self.preview)
        split.setSizes([320, 440])
        self.split = split
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.merge_button = QPushButton("Merge Checked")
        self.merge_button.setToolTip("Merge each checked group into its oldest customer, as the preview shows")
        self.merge_button.clicked.connect(self.merge_checked)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.outcome, 1)
        buttons.addWidget(self.merge_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)
        fit_rows(self, self.list, 760, 480, pane=split)
        self.look_again()

    @Slot()
    def look_again(self) -> None:
        """Look for duplicates (on the DB thread)."""
        self.merge_button.setEnabled(False)
        self.db.run(duplicates.find_duplicates, on_done=self._show_groups,
                    on_failure=lambda exc: self.outcome.setText(str(exc)))

    def _show_groups(self, groups: list[DuplicateGroup]) -> None:
        self.groups = groups
        self.list.clear()
        for group in groups:
            names = ", ".join(f"{c.name} ({c.id})" for c in [group.keep, *group.others])
            item = QListWidgetItem(f"{names} — same {', '.join(group.shared)}")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.list.addItem(item)
        self.hint.setText(f"{plural(len(groups), 'group')} of customers {'looks' if len(groups) == 1 else 'look'} "
                          "like one person. Read what each merge "
                          "would give on the right; uncheck any that are different people."
                          if groups else "No duplicates: no two customers share an e-mail, X handle, X user id "
                                         "or Instagram handle.")
        self.merge_button.setEnabled(bool(groups))
        if groups:
            self.list.setCurrentRow(0)
        else:
            self.preview.clear()
        fit_rows(self, self.list, 760, 480, pane=self.split)
        self.updated.emit(groups)

    def _show_preview(self, row: int) -> None:
        self.preview.setPlainText(self.groups[row].preview() if 0 <= row < len(self.groups) else "")

    def checked_groups(self) -> list[DuplicateGroup]:
        """Return the groups checked for merging."""
        return [g for i, g in enumerate(self.groups) if self.list.item(i).checkState() == Qt.CheckState.Checked]

    @Slot()
    def merge_checked(self) -> None:
        """Merge the checked groups in one transaction, then look again."""
        chosen = [g.ids for g in self.checked_groups()]
        if not chosen:
            self.outcome.setText("Check the groups to merge first.")
            return
        actor = self.actor

        def work(store: Store) -> int:
            with store.atomic():
                for ids in chosen:
                    duplicates.merge(store, ids, actor=actor)
            return len(chosen)

        def merged(count: int) -> None:
            self.outcome.setText(f"Merged {plural(count, 'group')}; the audit log keeps who was merged into whom.")
            self.updated.emit(count)
            self.look_again()

        self.merge_button.setEnabled(False)
        self.db.run(work, on_done=merged, on_failure=lambda exc: self.outcome.setText(str(exc)))


# -- the page ------------------------------------------------------------------------------------------------


class CustomersPage(Page):
    """Search and sort the customer book, see and change a customer's profile, import, export, merge."""

    title = "Customers"
    watches = ("customers",)

    def __init__(self, db: StoreRunner, session: Session | None = None, parent: QWidget | None = None) -> None:
        super().__init__(db, parent)
        self.session = session
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search names, e-mail addresses and handles (word starts: “ali smi”)")
        self.search.setClearButtonEnabled(True)
        self.add_button = QPushButton("&Add Customer…")
        self.add_button.setShortcut("Ctrl+Shift+N")
        self.add_button.setToolTip("Add a customer by hand (Ctrl+Shift+N)")
        self.import_button = QPushButton("&Import CSV…")
        self.import_button.setToolTip("Add or update customers from a CSV file; a dry run shows what would change")
        self.export_button = QPushButton("E&xport CSV…")
        self.export_button.setToolTip("Save the whole customer book as a CSV file that imports back")
        self.purchases_button = QPushButton("Import P&urchases…")
        self.purchases_button.setToolTip("Add purchase history from a till export (CSV or XLSX): customer, SKU or "
                                         "brand, size, date; a dry run shows what would be added")
        self.duplicates_button = QPushButton("Find &Duplicates…")
        self.duplicates_button.setToolTip("Customers sharing an e-mail or handle, merged with a preview")
        self.add_button.clicked.connect(lambda: self.open_editor(None))
        self.import_button.clicked.connect(self.choose_import)
        self.purchases_button.clicked.connect(self.choose_purchases)
        self.export_button.clicked.connect(self.choose_export)
        self.duplicates_button.clicked.connect(self.open_duplicates)
        top = QHBoxLayout()
        search_label = QLabel("&Search:")
        search_label.setBuddy(self.search)
        top.addWidget(search_label)
        top.addWidget(self.search, 1)
        for button in (self.add_button, self.import_button, self.purchases_button, self.export_button,
                       self.duplicates_button):
            top.addWidget(button)
        self.layout_.addLayout(top)
        self.summary = QLabel()
        self.summary.setObjectName("customersSummary")
        self.status = QLabel()
        self.status.setWordWrap(True)
        info = QHBoxLayout()
        info.addWidget(self.summary)
        info.addWidget(self.status, 1)
        self.layout_.addLayout(info)

        self.model = CustomerBookModel(db, self)
        self.model.searched.connect(self._searched)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setTabKeyNavigation(False)  # Tab goes on to the profile; the arrows move in the table
        rows = self.view.verticalHeader()
        rows.setVisible(False)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # a million rows: no per-row sizing
        rows.setDefaultSectionSize(self.view.fontMetrics().height() + 8)
        header = self.view.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        header.sectionClicked.connect(self.sort_by_column)
        # Widths from the font, not pixels: the table fits its column of a 1366-pixel screen with no sideways
        # scrolling; Name takes what is left, long text is elided (whole in a tooltip), and the header's menu
        # shows the less used columns (hidden at first: Instagram, phone, time zone, paused until, date added:
        # the profile beside the table shows them).
        metrics, bold = self.view.fontMetrics(), header.fontMetrics()
        samples = {1: "alexandra.long@example.com", 2: "@alexande186", 3: "@alexande186", 4: "+44 20 7946 0000",
                   5: "Instagram", 6: "Europe/London", 7: "2024-05-01 14:30", 8: "2024-05-01", 9: "2024-05-01"}
        widths = {c: max(metrics.horizontalAdvance(t) + 16, bold.horizontalAdvance(COLUMNS[c]) + 28)
                  for c, t in samples.items()}
        self.columns = FittedColumns(
            self.view, "customers", widths, 0, optional=range(2, len(COLUMNS)), hidden_by_default=(3, 4, 6, 8, 9),
            # A long name stays whole ("Alexandra Lindqvist"): e-mail and handles shrink or step aside for it.
            stretch_min=metrics.horizontalAdvance("Alexandra Lindqvist") + 16,
            keep=(7, 5),  # "Last contacted" and "Prefers" stay whole (header and value): e-mail and handles shrink
            # Beside the profile in a 960-pixel window, Prefers then X step aside (the profile says them); at 1366
            # they stay, the e-mail and handles elided a little.
            drop=(5, 2), drop_below=0.7)
        self.view.selectionModel().currentRowChanged.connect(lambda current, _prev: self._row_chosen(current.row()))
        self.view.doubleClicked.connect(
            lambda index: self.open_editor(self.model.data(index, Qt.ItemDataRole.UserRole)))
        self.model.dataChanged.connect(self._maybe_show_chosen)

        self.profile = CustomerProfile(db, self.actor)
        self.profile.edit_requested.connect(self.open_editor)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.view)
        split.addWidget(self.profile)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        # The profile keeps its buttons on one line at 1366 px (about 510 of it); at 960 px they wrap onto two
        # and the table takes the rest.
        split.setSizes([600, 540])
        self.splitter = split
        self.layout_.addWidget(split, 1)

        # Search after a pause in typing (Enter searches at once); a newer search drops older answers.
        self._debounce = QTimer(self, singleShot=True, interval=SEARCH_PAUSE_MS)
        self._debounce.timeout.connect(self._search_now)
        self.search.textChanged.connect(lambda _text: self._debounce.start())
        self.search.returnPressed.connect(self._search_now)
        self._loaded_once = False
        self._dialogs: list[QDialog] = []

    # -- who acts -------------------------------------------------------------------
    def actor(self) -> str:
        """Return who the audit log records for changes made here: the signed-in person, else the OS account."""
        if self.session is not None and self.session.username:
            return self.session.username
        return getpass.getuser()

    # -- loading --------------------------------------------------------------------
    def reload(self) -> None:
        if not self._loaded_once:
            self._loaded_once = True
            self._search_now()
        else:
            self.model.refresh()
        self.profile.reload()

    @Slot()
    def _search_now(self) -> None:
        self._debounce.stop()
        self._loaded_once = True
        text = self.search.text()
        if text == self.model.text and not self.model.searching and self.model.total:
            return
        self.summary.setText("Searching…")
        self.model.search(text)

    def _searched(self, total: int) -> None:
        text = self.model.text
        self.summary.setText(f"{total:,} customer{'s' if total != 1 else ''}" +
                             (f" matching “{text}”" if text.strip() else ""))

    @Slot(int)
    def sort_by_column(self, column: int) -> None:
        """Sort by a column the database can order (clicking it again reverses the order)."""
        header = self.view.horizontalHeader()
        key = SORT_KEYS.get(column)
        current, descending = self.model.sort_key
        current_column = next((c for c, k in SORT_KEYS.items() if k == current), 0)
        if key is None:
            # Put the indicator back where the rows really are sorted.
            header.setSortIndicator(current_column, Qt.SortOrder.DescendingOrder if descending
                                    else Qt.SortOrder.AscendingOrder)
            self.status.setText(f"“{COLUMNS[column]}” cannot be sorted; sort by name, e-mail, last contacted "
                                "or date added.")
            return
        descending = (not descending) if key == current else False
        header.setSortIndicator(column, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder)
        self.summary.setText("Sorting…")
        self.model.search(self.search.text(), key, descending)

    def _row_chosen(self, row: int) -> None:
        customer = self.model.customer_at(row) if row >= 0 else None
        if customer is not None and customer.id != self.profile.customer_id:
            self.profile.show_customer(customer.id)

    def _maybe_show_chosen(self, *_args: object) -> None:
        # A row chosen before its block arrived: show its profile once the block is in.
        row = self.view.currentIndex().row()
        if row >= 0 and self.profile.customer_id is None:
            self._row_chosen(row)

    # -- dialogs -------------------------------------------------------------------
    def _keep(self, dialog: QDialog) -> QDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._dialogs.append(dialog)
        dialog.destroyed.connect(lambda *_: self._dialogs.remove(dialog) if dialog in self._dialogs else None)
        dialog.open()
        return dialog

    @Slot()
    def open_editor(self, customer_id: int | None = None) -> None:
        """Open the add dialog, or the edit dialog of a customer."""
        if customer_id is None:
            dialog = CustomerDialog(self.db, self.actor(), parent=self)
            dialog.saved.connect(self._customer_saved)
            self._keep(dialog)
            return
        data = self.profile.data
        if data is not None and data.profile.customer.id == customer_id:
            self._open_edit(customer_id, data.profile.customer, data.profile.sizes)
            return
        self.db.run(customers.get_profile, customer_id,
                    on_done=lambda p: self._open_edit(customer_id, p.customer, p.sizes),
                    on_failure=lambda exc: self.status.setText(str(exc)))

    def _open_edit(self, customer_id: int, customer: Customer, sizes: dict[str, str]) -> None:
        dialog = CustomerDialog(self.db, self.actor(), customer, sizes, parent=self)
        dialog.saved.connect(self._customer_saved)
        self._keep(dialog)

    def _customer_saved(self, customer_id: int) -> None:
        self.status.setText("Saved.")
        self.profile.show_customer(customer_id)

    @Slot()
    def choose_import(self) -> None:
        """Ask for a customer file and open the import dialog (which starts with a dry run)."""
        name, _ = QFileDialog.getOpenFileName(self, "Import customers", "", "Customer files (*.csv *.txt);;All (*)")
        if name:
            self.open_import(Path(name))

    def open_import(self, path: Path) -> ImportDialog:
        """Open the import dialog for ``path``."""
        dialog = ImportDialog(self.db, self.actor(), path, self)
        dialog.imported.connect(lambda report: self.status.setText(report.summary()))
        self._keep(dialog)
        return dialog

    @Slot()
    def choose_purchases(self) -> None:
        """Ask for a till export and open the purchase import (which starts with a dry run)."""
        name, _ = QFileDialog.getOpenFileName(self, "Import purchase history", "",
                                              "Till exports (*.csv *.txt *.xlsx);;All (*)")
        if name:
            self.open_purchases(Path(name))

    def open_purchases(self, path: Path) -> ImportDialog:
        """Open the purchase-history import dialog for ``path``."""
        dialog = ImportDialog(self.db, self.actor(), path, self, importer=import_purchases, what="Purchases")
        dialog.imported.connect(lambda report: self.status.setText(report.summary()))
        self._keep(dialog)
        return dialog

    @Slot()
    def choose_export(self) -> None:
        """Ask where to save, then export the whole book (on the DB thread)."""
        name, _ = QFileDialog.getSaveFileName(self, "Export customers", "customers.csv", "CSV files (*.csv)")
        if not name:
            return
        path, actor = Path(name), self.actor()
        self.status.setText(f"Exporting to {path.name}…")
        self.export_button.setEnabled(False)

        def done(count: int) -> None:
            self.export_button.setEnabled(True)
            self.status.setText(f"Exported {count:,} customers to {path}.")

        def failed(exc: BaseException) -> None:
            self.export_button.setEnabled(True)
            self.status.setText(str(exc))

        self.db.run(lambda store: export_customers(store, path, actor=actor), on_done=done, on_failure=failed)

    @Slot()
    def open_duplicates(self) -> DuplicatesDialog:
        """Open the duplicates dialog (it looks for duplicates at once)."""
        dialog = DuplicatesDialog(self.db, self.actor(), self)
        self._keep(dialog)
        return dialog

    def dialogs(self) -> list[QDialog]:
        """Return the dialogs this page has open (for tests)."""
        return list(self._dialogs)
