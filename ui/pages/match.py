"""The Match & Compose page: who a set is right for and why, then the messages for them.

On the left, the sets (brand, shots, products). Choosing one matches it on the
database thread (:func:`lookbook.customers.matching.match_set`) and shows the matches
(customer, channel, score, reasons) and the customers left out (with every reason)
in two tabs, with counts and a filter. Below, the message: a template (created and
edited here, with help for its placeholders), "Preview as Customers" (the message
rendered for a few real recipients, each problem flagged), "Draft Messages" (as the
signed-in person) and "Submit for Approval"; the report says what was drafted and
what was skipped, and why.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from html import escape
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal, Slot
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from lookbook.customers import consent
from lookbook.customers.matching import MatchResult, match_set
from lookbook.errors import InputError
from lookbook.lookbooks.sets import SetSummary, list_sets
from lookbook.outbox import messages as outbox
from lookbook.outbox import templates
from lookbook.outbox.messages import BatchReport, DraftReport
from lookbook.outbox.templates import Preview, Template
from lookbook.store.database import Store
from lookbook.words import plural
from ui.models import FittedColumns, RowsTableModel
from ui.pages.base import Page
from ui.signin import Session
from ui.widgets.dialog_size import fit_to_screen
from ui.widgets.empty_state import empty_state
from ui.widgets.tables import read_only_table
from ui.workers import StoreRunner

SET_HEADERS = ["Set", "Brand", "Shots", "Products", "Status"]
MATCH_HEADERS = ["Customer", "Channel", "Score", "Why them"]
EXCLUSION_HEADERS = ["Customer", "Why not"]
#: What each placeholder holds, for the template editor's help.
PLACEHOLDER_HELP = {
    "first_name": "the customer's first name",
    "brand": "the set's brand",
    "products": "the set's products that are in stock",
    "sizes_in_stock": "what is in stock in the customer's sizes (“Navy Oxford Shirt in M”)",
    "associate": "your name, as customers know you",
}
#: Recipients the preview renders the message for (the best-ranked ones).
PREVIEW_CUSTOMERS = 5
ERROR_COLOUR = "#c0392b"


@dataclass(frozen=True)
class MatchView:
    """A set's match result and how many of its messages are drafts, loaded together."""

    result: MatchResult
    drafts: int


def load_match(store: Store, set_id: int, for_user: str | None = None) -> MatchView:
    """Match a set for the signed-in person (see ``match_set``'s ``for_user``) and count its drafts."""
    result = match_set(store, set_id, for_user=for_user)
    drafts = len(outbox.list_messages(store, state="draft", set_id=set_id))
    return MatchView(result, drafts)


class ReasonsModel(RowsTableModel):
    """Rows whose last column is a list of reasons, shown whole in a tooltip (the column is often cut)."""

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid() and index.column() == self.columnCount() - 1:
            return "\n".join(str(self.row_values(index.row())[-1]).split("; "))
        return super().data(index, role)


def _filtered_table(model: RowsTableModel) -> tuple[QTableView, QSortFilterProxyModel]:
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setFilterKeyColumn(-1)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    proxy.setSortRole(Qt.ItemDataRole.UserRole)  # scores sort as numbers, not text
    view = read_only_table(proxy, wrap=False)
    view.setSortingEnabled(True)
    return view, proxy


class TemplateDialog(QDialog):
    """Create or edit a message template, with its placeholders explained and checked as you type."""

    #: The template was saved (with its name).
    saved = Signal(str)

    def __init__(self, db: StoreRunner, actor: str, template: Template | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.setWindowTitle(f"Edit Template “{template.name}”" if template else "New Template")
        fit_to_screen(self, 640, 520)
        self.name = QLineEdit(template.name if template else "")
        self.name.setPlaceholderText("e.g. New season, personal")
        self.subject = QLineEdit(template.subject if template else "")
        self.subject.setPlaceholderText("E-mail subject, e.g. New {brand} in your size")
        self.body = QPlainTextEdit(template.body if template else "")
        self.body.setPlaceholderText("Hi {first_name}, the new {brand} pieces are in: {sizes_in_stock}. "
                                     "Shall I put one aside for you? {associate}")
        self.check = QLabel()
        self.check.setWordWrap(True)
        help_box = QGroupBox("Placeholders (click to insert)")
        help_grid = QFormLayout(help_box)
        for name, meaning in PLACEHOLDER_HELP.items():
            button = QPushButton("{" + name + "}")
            button.setToolTip(f"Insert {{{name}}}: {meaning}")
            button.clicked.connect(lambda _=False, name=name: self.insert(name))
            help_grid.addRow(button, QLabel(meaning))
        form = QFormLayout()
        form.addRow("&Name", self.name)
        form.addRow("&Subject", self.subject)
        form.addRow("&Message", self.body)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form, 1)
        layout.addWidget(self.check)
        layout.addWidget(help_box)
        layout.addWidget(self.buttons)
        for edit in (self.subject, self.name):
            edit.textChanged.connect(self.check_text)
        self.body.textChanged.connect(self.check_text)
        self.check_text()

    def insert(self, name: str) -> None:
        """Insert a placeholder at the cursor of the message (or the subject, if it has the focus)."""
        if self.subject.hasFocus():
            self.subject.insert("{" + name + "}")
        else:
            self.body.insertPlainText("{" + name + "}")
            self.body.setFocus()

    @Slot()
    def check_text(self) -> bool:
        """Check the placeholders as the core will; show the first problem; return whether all is well."""
        try:
            templates.placeholders_in(self.body.toPlainText(), where="message")
            templates.placeholders_in(self.subject.text(), where="subject")
        except InputError as exc:
            self._say(str(exc), error=True)
            return False
        if not self.name.text().strip():
            self._say("Give the template a name.", error=False)
            return False
        if not self.body.toPlainText().strip():
            self._say("Write the message.", error=False)
            return False
        self._say("Placeholders are fine. An e-mail needs a subject; an X message ignores it.", error=False)
        return True

    def _say(self, text: str, *, error: bool) -> None:
        self.check.setText(text)
        self.check.setStyleSheet(f"color: {ERROR_COLOUR}" if error else "")
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not error)

    @Slot()
    def save(self) -> None:
        """Save the template (on the DB thread)."""
        if not self.check_text():
            return
        name, body, subject, actor = self.name.text().strip(), self.body.toPlainText(), self.subject.text(), self.actor
        self.buttons.setEnabled(False)

        def done(report: templates.SaveReport) -> None:
            self.buttons.setEnabled(True)
            self.saved.emit(report.template.name)
            self.accept()

        def failed(exc: BaseException) -> None:
            self.buttons.setEnabled(True)
            self._say(str(exc), error=True)

        self.db.run(lambda store: templates.save_template(store, name, body, actor, subject=subject),
                    on_done=done, on_failure=failed)


def _button_tips(has_set: bool, has_template: bool, signed_in: bool, matches: bool,
                 drafts: bool) -> tuple[str, str, str]:
    """Return the tooltips of the preview, draft and submit buttons: what to do first when a button is off
    (a set, then a template, then signing in), else what the button does."""
    need = ("Choose a set first." if not has_set else "Choose or create a template first." if not has_template
            else "")
    sign = "" if signed_in else "Sign in (File ▸ Sign In…) to draft and submit as yourself."
    no_match = "No customer matches this set."
    preview = need or (no_match if not matches else
                       f"Show the message as the best {PREVIEW_CUSTOMERS} recipients will see it, with anything "
                       "wrong flagged; nothing is saved")
    draft = need or sign or (no_match if not matches else "Draft one message per match, as you; nothing is sent")
    submit = sign or ("Draft messages first." if not drafts else "Send the set's drafts to a manager for approval")
    return preview, draft, submit


class MatchPage(Page):
    """Choose a set, see who it is right for and why, then preview, draft and submit its messages."""

    title = "Match & Compose"
    watches = ("sets", "outbox", "customers", "products", "photos", "settings", "users")

    #: A set's match was shown (with its id); tests wait on it.
    matched = Signal(int)
    #: A compose step finished (with its report text); tests wait on it.
    reported = Signal(str)

    def __init__(self, db: StoreRunner, session: Session | None = None, parent: QWidget | None = None) -> None:
        super().__init__(db, parent)
        self.session = session
        self.sets: list[SetSummary] = []
        self.view_data: MatchView | None = None
        self.template_list: list[Template] = []
        self._request = 0  # an answer for a set no longer chosen is dropped

        self.hint = QLabel()
        self.hint.setObjectName("pageSummary")
        self.hint.setWordWrap(True)
        self.layout_.addWidget(self.hint)

        self.sets_model = RowsTableModel(SET_HEADERS, self)
        self.sets_view = read_only_table(self.sets_model, selection=QAbstractItemView.SelectionMode.SingleSelection)
        # The sets' columns share the left pane's width (no sideways scrolling); the name takes the rest.
        # Shots starts hidden (Products says more to whoever picks a set); the header menu brings it back.
        self.sets_columns = FittedColumns(self.sets_view, "match/sets", {}, 0, optional=(2, 3, 4),
                                          hidden_by_default=(2,), drop=(3,),  # no room: Products steps aside
                                          stretch_min=self.sets_view.fontMetrics().averageCharWidth() * 16)
        self.sets_view.selectionModel().currentRowChanged.connect(lambda *_: self.match_selected())
        self.sets_view.setAccessibleName("Sets")
        empty_state(self.sets_view, "<b>No sets yet.</b><br>On <b>Products &amp; Brands</b>, select a brand's "
                                    "shots and click <b>New set from selected shots…</b>; then match it here.")

        self.summary = QLabel("Choose a set on the left.")
        self.summary.setWordWrap(True)
        self.summary.setObjectName("matchSummary")
        self.rematch = QPushButton("Match &Again")
        self.rematch.setToolTip("Match the set again (after changing customers, stock or consent)")
        self.rematch.clicked.connect(self.match_selected)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by name, channel or reason (e.g. “size”, “consent”, “X”)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.matches_model = ReasonsModel(MATCH_HEADERS, self)
        self.matches_view, self.matches_proxy = _filtered_table(self.matches_model)
        self.exclusions_model = ReasonsModel(EXCLUSION_HEADERS, self)
        self.exclusions_view, self.exclusions_proxy = _filtered_table(self.exclusions_model)
        # Best first, as the core ranks them (clicking a header sorts otherwise); the left-out ones by name.
        self.matches_view.sortByColumn(2, Qt.SortOrder.DescendingOrder)
        self.exclusions_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.matches_empty = empty_state(self.matches_view, "Choose a set on the left to see who it is right for.")
        self.exclusions_empty = empty_state(self.exclusions_view, "No one is left out.")
        self.tabs = QTabWidget()
        self.tabs.addTab(self.matches_view, "&Matches")
        self.tabs.addTab(self.exclusions_view, "Not In&cluded")

        self.template_box = QComboBox()
        self.template_box.setMinimumWidth(160)
        self.template_box.setToolTip("The message to send; {placeholders} are filled in for each customer")
        self.new_template = QPushButton("&New…")
        self.edit_template = QPushButton("Ed&it…")
        self.new_template.clicked.connect(lambda: self.open_template(None))
        self.edit_template.clicked.connect(lambda: self.open_template(self.current_template()))
        self.preview_button = QPushButton("&Preview as Customers")
        self.preview_button.setToolTip(f"Show the message as the best {PREVIEW_CUSTOMERS} recipients will see it, "
                                       "with anything wrong flagged; nothing is saved")
        self.draft_button = QPushButton("&Draft Messages")
        self.submit_button = QPushButton("&Submit for Approval")
        self.preview_button.clicked.connect(self.preview)
        self.draft_button.clicked.connect(self.draft)
        self.submit_button.clicked.connect(self.submit)
        self.report = QTextBrowser()
        self.report.setObjectName("composeReport")
        self.report.setPlaceholderText("Previews and drafting reports show here.")

        compose = QGroupBox("Compose")
        compose_column = QVBoxLayout(compose)
        row = QHBoxLayout()
        template_label = QLabel("&Template:")
        template_label.setBuddy(self.template_box)
        row.addWidget(template_label)
        row.addWidget(self.template_box, 1)
        row.addWidget(self.new_template)
        row.addWidget(self.edit_template)
        compose_column.addLayout(row)
        steps = QHBoxLayout()
        steps.addStretch(1)
        steps.addWidget(self.preview_button)
        steps.addWidget(self.draft_button)
        steps.addWidget(self.submit_button)
        compose_column.addLayout(steps)
        compose_column.addWidget(self.report, 1)

        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.rematch)
        results = QWidget()
        results_column = QVBoxLayout(results)
        results_column.setContentsMargins(0, 0, 0, 0)
        results_column.addLayout(top)
        results_column.addWidget(self.filter)
        results_column.addWidget(self.tabs, 1)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(results)
        right.addWidget(compose)
        right.setSizes([460, 300])
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.sets_view)
        split.addWidget(right)
        split.setSizes([380, 900])  # widened to the sets' columns once they are known (_widen_sets)
        self.split = split
        self._sets_widened = False
        self.layout_.addWidget(split, 1)
        # Tab runs in reading order: the sets on the left, the results, then composing.
        chain = [self.sets_view, self.rematch, self.filter, self.tabs, self.matches_view, self.exclusions_view,
                 self.template_box, self.new_template, self.edit_template, self.preview_button, self.draft_button,
                 self.submit_button, self.report]
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)
        if session is not None:
            session.changed.connect(self._on_session_changed)
        self._dialogs: list[QDialog] = []
        self._busy = False
        self._update_buttons()

    # -- who acts -------------------------------------------------------------------
    def _on_session_changed(self, _user: object) -> None:
        self._update_buttons()
        # Matches depend on who sends: another associate's "1 to 1 only" customers are left out.
        if self.selected_set_id() is not None:
            self.match_selected()

    def actor(self) -> str | None:
        """Return the signed-in user name, or ``None``."""
        return self.session.username if self.session is not None else None

    # -- loading --------------------------------------------------------------------
    def reload(self) -> None:
        self.db.run(lambda store: (list_sets(store), templates.list_templates(store)), on_done=self._show_lists)

    def on_library_changed(self, changes: object) -> None:
        if getattr(changes, "settings", False):
            self.db.run(templates.list_templates, on_done=self._show_templates)
        if any(getattr(changes, name) for name in ("sets", "photos", "products")):
            self.reload()
        elif any(getattr(changes, name) for name in ("customers", "outbox")) and self.selected_set_id() is not None:
            # Consent, pauses and drafts change who matches: match again so the lists never lie.
            self.match_selected()

    def _show_lists(self, lists: tuple[list[SetSummary], list[Template]]) -> None:
        sets, template_list = lists
        selected = self.selected_set_id()
        self.sets = sets
        self.sets_model.set_rows([(s.name, s.brand, s.shots, s.products, s.status) for s in sets])
        self.sets_columns.set_preferred({c: max(self.sets_view.sizeHintForColumn(c), self.sets_columns.section_hint(c))
                                         for c in range(len(SET_HEADERS))})
        self._widen_sets()
        self.hint.setText("No sets yet. Make one of a brand's shots on Products & Brands, then match it here."
                          if not sets else "Choose a set to see who it is right for, and why.")
        self._show_templates(template_list)
        ids = [s.id for s in sets]
        if selected in ids:
            self.sets_view.selectRow(ids.index(selected))
            self.match_selected()
        elif ids:
            self.sets_view.selectRow(0)
        else:
            self._show_match(self._request, None)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() > event.oldSize().width() > 0:
            # A window grown from 960 px: the splitter shares the new width in proportion, which left the sets'
            # pane as narrow as it was ("Harbour & Pi…" at 1366 px); it takes its columns' width again.
            self._sets_widened = False
            self._widen_sets()

    def _widen_sets(self) -> None:
        """Once, give the sets' pane the width its shown columns want (at most 40 % of the page).

        The splitter's first sizes are a guess made before any text is measured; with the app's padding a long
        brand was cut ("Harbour & P…") at 1366 px. After the first fit the pane is the user's to drag.
        """
        sizes = self.split.sizes()
        total = sum(sizes)
        if self._sets_widened or total <= 0 or not self.sets_model.rowCount():
            return
        self._sets_widened = True
        view, header, columns = self.sets_view, self.sets_view.horizontalHeader(), self.sets_columns
        # Every column chosen, those set aside for want of room included: the pane is widened so they come back.
        # (_show_lists has set every column's preferred width, from its content and its heading, before this.)
        hidden = columns.hidden()
        want = sum(columns.preferred[c] for c in range(header.count()) if c not in hidden)
        want += view.width() - view.viewport().width()  # the frame and a vertical scroll bar
        left = min(want, int(total * 0.4))
        if left > sizes[0]:
            self.split.setSizes([left, total - left])

    def _show_templates(self, template_list: list[Template]) -> None:
        chosen = self.template_box.currentText()
        self.template_list = template_list
        self.template_box.clear()
        for t in template_list:
            self.template_box.addItem(t.name)
        if chosen and self.template_box.findText(chosen) >= 0:
            self.template_box.setCurrentText(chosen)
        self._update_buttons()

    def selected_set(self) -> SetSummary | None:
        """Return the set chosen in the list, if any."""
        row = self.sets_view.currentIndex().row()
        return self.sets[row] if 0 <= row < len(self.sets) else None

    def selected_set_id(self) -> int | None:
        """Return the id of the set chosen in the list, if any."""
        chosen = self.selected_set()
        return chosen.id if chosen else None

    def current_template(self) -> Template | None:
        """Return the template chosen, if any."""
        name = self.template_box.currentText()
        return next((t for t in self.template_list if t.name == name), None)

    @Slot()
    def match_selected(self) -> None:
        """Match the chosen set on the DB thread."""
        set_id = self.selected_set_id()
        self._request += 1
        request = self._request
        if set_id is None:
            self._show_match(request, None)
            return
        self.summary.setText("Matching…")
        self.db.run(load_match, set_id, self.actor(), on_done=lambda view: self._show_match(request, view),
                    on_failure=lambda exc: self._match_failed(request, exc))

    def _match_failed(self, request: int, exc: BaseException) -> None:
        if request != self._request:
            return
        self._show_match(request, None)
        self.summary.setText(str(exc))

    def _show_match(self, request: int, view: MatchView | None) -> None:
        if request != self._request:
            return
        self.view_data = view
        if view is None:
            self.matches_model.set_rows([])
            self.exclusions_model.set_rows([])
            self.matches_empty.set_text("Choose a set on the left to see who it is right for.")
            self.summary.setText("Choose a set on the left.")
            self._count_tabs()
            self._update_buttons()
            return
        r = view.result
        self.matches_model.set_rows([(m.name, consent.CHANNEL_LABELS.get(m.channel, m.channel), m.score,
                                      "; ".join(m.reasons)) for m in r.matches])
        self.exclusions_model.set_rows([(e.name, "; ".join(e.reasons)) for e in r.exclusions])
        if view.drafts and not r.matches:
            self.matches_empty.set_text(f"<b>No one new to message.</b><br>{plural(view.drafts, 'draft')} of this "
                                        f"set {'waits' if view.drafts == 1 else 'wait'}: click <b>Submit for "
                                        "Approval</b>.")
        else:
            self.matches_empty.set_text("<b>No one to message for this set.</b><br>"
                                        "<b>Not Included</b> says why each customer was left out.")
        for table in (self.matches_view, self.exclusions_view):
            table.resizeColumnToContents(0)
        self.matches_view.resizeColumnToContents(1)
        self.matches_view.resizeColumnToContents(2)
        scope = "one-to-one" if r.scope == "one_to_one" else "marketing"
        text = (f"<b>{escape(r.set_name)}</b> ({escape(r.brand)}, {scope}): {len(r.matches)} to message, "
                f"{len(r.exclusions)} not included, of {r.considered} who like {escape(r.brand)} or bought it. "
                f"The store messages at most {r.daily_cap} a day; {r.already_today} so far today.")
        if r.truncated:
            text += f" {r.truncated} more matches are not listed."
        if view.drafts:
            text += f" <b>{plural(view.drafts, 'draft')}</b> {'waits' if view.drafts == 1 else 'wait'} to be submitted."
        self.summary.setText(text)
        self._count_tabs()
        self._update_buttons()
        self.matched.emit(r.set_id)

    @Slot()
    def _apply_filter(self) -> None:
        text = self.filter.text().strip()
        self.matches_proxy.setFilterFixedString(text)
        self.exclusions_proxy.setFilterFixedString(text)
        self._count_tabs()

    def _count_tabs(self) -> None:
        filtered = bool(self.filter.text().strip())
        for index, (label, proxy, model) in enumerate((("Matches", self.matches_proxy, self.matches_model),
                                                       ("Not Included", self.exclusions_proxy,
                                                        self.exclusions_model))):
            shown, total = proxy.rowCount(), model.rowCount()
            self.tabs.setTabText(index, f"{label} ({shown:,} of {total:,})" if filtered else f"{label} ({total:,})")

    # -- buttons ---------------------------------------------------------------------
    def _update_buttons(self) -> None:
        has_set = self.view_data is not None
        has_template = self.current_template() is not None
        signed_in = self.actor() is not None
        matches = bool(self.view_data and self.view_data.result.matches)
        drafts = bool(self.view_data and self.view_data.drafts)
        preview_tip, draft_tip, submit_tip = _button_tips(has_set, has_template, signed_in, matches, drafts)
        self.preview_button.setEnabled(not self._busy and has_set and has_template and matches)
        self.preview_button.setToolTip(preview_tip)
        self.draft_button.setEnabled(not self._busy and has_set and has_template and matches and signed_in)
        self.draft_button.setToolTip(draft_tip)
        self.submit_button.setEnabled(not self._busy and drafts and signed_in)
        self.submit_button.setToolTip(submit_tip)
        self.edit_template.setEnabled(has_template)
        self.rematch.setEnabled(self.selected_set_id() is not None)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_buttons()

    def _names(self) -> dict[int, str]:
        if self.view_data is None:
            return {}
        r = self.view_data.result
        return {**{e.customer_id: e.name for e in r.exclusions}, **{m.customer_id: m.name for m in r.matches}}

    # -- templates --------------------------------------------------------------------
    def open_template(self, template: Template | None) -> TemplateDialog:
        """Open the template editor (a new template for ``None``)."""
        dialog = TemplateDialog(self.db, self.actor() or getpass.getuser(), template, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._template_saved)
        self._dialogs.append(dialog)
        dialog.destroyed.connect(lambda *_: self._dialogs.remove(dialog) if dialog in self._dialogs else None)
        dialog.open()
        return dialog

    def _template_saved(self, name: str) -> None:
        def show(template_list: list[Template]) -> None:
            self._show_templates(template_list)
            self.template_box.setCurrentText(name)
            self._update_buttons()

        self.db.run(templates.list_templates, on_done=show)

    def dialogs(self) -> list[QDialog]:
        """Return the dialogs this page has open (for tests)."""
        return list(self._dialogs)

    # -- compose ---------------------------------------------------------------------
    @Slot()
    def preview(self) -> None:
        """Render the chosen template for the best few recipients and flag what would go wrong."""
        template, view = self.current_template(), self.view_data
        if template is None or view is None:
            return
        set_id, matches = view.result.set_id, list(view.result.matches)
        actor = self.actor() or getpass.getuser()
        self._set_busy(True)
        self.db.run(lambda store: outbox.preview_set(store, set_id, actor, template, customers=PREVIEW_CUSTOMERS,
                                                     matches=matches),
                    on_done=self._show_previews, on_failure=self._failed)

    def _show_previews(self, previews: list[Preview]) -> None:
        self._set_busy(False)
        troubled = sum(1 for p in previews if not p.ok)
        parts = [f"<p><b>Preview for {plural(len(previews), 'recipient')}</b> — "
                 + (f"<span style='color:{ERROR_COLOUR}'>{troubled} with problems: fix the template or their "
                    "profile before drafting.</span>" if troubled else "nothing wrong found.") + "</p>"]
        for p in previews:
            channel = consent.CHANNEL_LABELS.get(p.channel, p.channel)
            parts.append(f"<hr><p><b>{escape(p.customer_name)}</b> · {channel}</p>")
            if p.subject:
                parts.append(f"<p><i>Subject:</i> {escape(p.subject)}</p>")
            parts.append("<p>" + escape(p.text).replace("\n", "<br>") + "</p>")  # e-mail: with its footer
            parts += [f"<p style='color:{ERROR_COLOUR}'>⚠ {escape(problem)}</p>" for problem in p.problems]
        self.report.setHtml("".join(parts))
        self.reported.emit(self.report.toPlainText())

    @Slot()
    def draft(self) -> None:
        """Draft one message per match as the signed-in person (matching again first: consent may have changed)."""
        template, view, actor = self.current_template(), self.view_data, self.actor()
        if template is None or view is None or actor is None:
            return
        set_id = view.result.set_id
        self._set_busy(True)
        self.db.run(lambda store: outbox.draft_set(store, set_id, actor, template), on_done=self._drafted,
                    on_failure=self._failed)

    def _drafted(self, report: DraftReport) -> None:
        self._set_busy(False)
        names = self._names()
        parts = [f"<p><b>Drafted {plural(len(report.drafted), 'message')}</b>"
                 + (f"; {plural(len(report.skipped), 'recipient')} skipped:" if report.skipped else ".") + "</p>"]
        if report.skipped:
            parts.append("<ul>" + "".join(f"<li>{escape(names.get(s.customer_id, f'customer {s.customer_id}'))}: "
                                          f"{escape(s.reason)}</li>" for s in report.skipped) + "</ul>")
        parts += [f"<p style='color:{ERROR_COLOUR}'>{escape(w)}</p>" for w in report.warnings]
        if report.drafted:
            parts.append("<p>Check them, then <b>Submit for Approval</b>: nothing is sent before a manager "
                         "approves.</p>")
        self.report.setHtml("".join(parts))
        self.reported.emit(self.report.toPlainText())
        self.match_selected()

    @Slot()
    def submit(self) -> None:
        """Send the set's drafts to a manager for approval."""
        view, actor = self.view_data, self.actor()
        if view is None or actor is None:
            return
        set_id = view.result.set_id
        self._set_busy(True)
        self.db.run(lambda store: outbox.submit(store, set_id, actor), on_done=self._submitted,
                    on_failure=self._failed)

    def _submitted(self, report: BatchReport) -> None:
        self._set_busy(False)
        parts = [f"<p><b>{plural(len(report.done), 'message')} submitted for approval.</b> A manager approves or "
                 f"rejects {'it' if len(report.done) == 1 else 'them'} on the Approvals page.</p>"]
        if report.refused:
            parts.append("<p>Not submitted:</p><ul>" + "".join(
                f"<li>message {mid}: {escape(why)}</li>" for mid, why in report.refused) + "</ul>")
        self.report.setHtml("".join(parts))
        self.reported.emit(self.report.toPlainText())
        self.match_selected()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.report.setHtml(f"<p style='color:{ERROR_COLOUR}'>{escape(str(exc))}</p>")
        self.reported.emit(self.report.toPlainText())
