"""The customer profile panel: channels, sizes, brands, consent ledger, purchases, messages and replies.

The panel is given the database runner and a function that says who is acting; it
loads everything about one customer in one call on the database thread
(:func:`load_profile`) and builds widgets from that plain data on the UI thread.
Its buttons ("Pause 30 days", "Not this brand", grant or withdraw consent) call the
core on the database thread and show the profile again as soon as they are done.
Granting consent to a customer who opted out first asks how they agreed
(:class:`ConfirmationDialog`), as :mod:`lookbook.customers.consent` requires.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from itertools import pairwise

from PySide6.QtCore import QDate, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from lookbook.catalog import holds
from lookbook.catalog.products import brand_names
from lookbook.clienteling import tasks
from lookbook.customers import book as customers
from lookbook.customers import consent
from lookbook.customers.book import Profile
from lookbook.customers.consent import Confirmation, ConfirmationRequired
from lookbook.errors import InputError
from lookbook.hooks import Changes
from lookbook.outbox.messages import CustomerMessage, customer_messages
from lookbook.outbox.replies import Reply, list_replies
from lookbook.store.database import Store
from lookbook.words import size_label
from ui.models import RowsTableModel
from ui.widgets.dialog_size import show_placeholders
from ui.widgets.empty_state import empty_state
from ui.widgets.flow_row import FlowRow
from ui.widgets.tables import read_only_table
from ui.widgets.task_list import TaskList
from ui.workers import StoreRunner

#: Where a grant or withdrawal typed by staff came from; the first is the usual one at the counter.
CONSENT_SOURCES = ("in store", "phone call", "e-mail from the customer", "web form")
SCOPE_WORDS = {"one_to_one": "1 to 1", "marketing": "marketing"}
CONSENT_HEADERS = ["Channel", "Scope", "State", "Since", "By", "Source"]
LEDGER_HEADERS = ["When", "Channel", "Scope", "Change", "By", "Source", "Note / confirmation"]
PURCHASE_HEADERS = ["Date", "Brand", "SKU", "Size"]
MESSAGE_HEADERS = ["When", "Set", "Channel", "State", "Text"]
REPLY_HEADERS = ["Received", "Channel", "Reply"]
HOLD_HEADERS = ["Until", "SKU", "Product", "Size", "Status", "By"]
#: Messages shown in a profile; a customer with more is rare and the outbox lists them all.
MESSAGES_SHOWN = 100


@dataclass(frozen=True)
class ProfileData:
    """Everything the panel shows about one customer, loaded together on the DB thread."""

    profile: Profile
    messages: list[CustomerMessage]
    replies: list[Reply]
    brands: list[str]
    #: The customer's holds (every state, soonest to end first).
    holds: list[holds.Hold] = dataclasses.field(default_factory=list)
    #: What can be put aside: (SKU, name, sizes on hand that nobody else holds).
    holdable: list[tuple[str, str, list[str]]] = dataclasses.field(default_factory=list)
    #: The customer's open follow-up tasks.
    tasks: list[tasks.Task] = dataclasses.field(default_factory=list)


def load_profile(store: Store, customer_id: int) -> ProfileData:
    """Return the customer's profile with their messages, replies and the catalog's brand names."""
    profile = customers.get_profile(store, customer_id)
    messages = customer_messages(store, customer_id, MESSAGES_SHOWN)
    replies = list_replies(store, customer_id=customer_id)
    brands = brand_names(store)
    return ProfileData(profile, messages, replies, brands, holds.list_holds(store, status=None,
                                                                            customer_id=customer_id),
                       holds.holdable_products(store, customer_id), tasks.list_tasks(store, customer_id=customer_id))


def short_time(text: str | None) -> str:
    """Return an ISO time as ``2026-03-02 14:05`` (or '' for none)."""
    return (text or "").replace("T", " ")[:16]


def is_paused(paused_until: str | None, now: dt.datetime | None = None) -> bool:
    """Return whether a pause ending at ``paused_until`` is still running."""
    if not paused_until:
        return False
    until = dt.datetime.fromisoformat(paused_until)
    until = until if until.tzinfo else until.replace(tzinfo=dt.UTC)
    return until > (now or dt.datetime.now(dt.UTC))


class ConfirmationDialog(QDialog):
    """Ask who took a re-subscribing customer's agreement, when, and how they agreed."""

    def __init__(self, customer_name: str, what: str, by: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Re-subscribe after an opt-out")
        intro = QLabel(f"<b>{escape(customer_name)}</b> opted out of {escape(what)}. Record how they agreed to "
                       "be subscribed again; it is kept in the consent ledger and the audit log.")
        intro.setWordWrap(True)
        self.by = QLineEdit(by)
        self.at = QDateEdit(QDate.currentDate())
        self.at.setCalendarPopup(True)
        self.at.setDisplayFormat("yyyy-MM-dd")
        self.at.setMaximumDate(QDate.currentDate())
        self.how = QLineEdit()
        self.how.setPlaceholderText("e.g. signed the consent form in store; replied YES to our e-mail")
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setStyleSheet("color: #c0392b")
        form = QFormLayout()
        form.addRow("Confirmed &by", self.by)
        form.addRow("Agreed &on", self.at)
        form.addRow("&How they agreed", self.how)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Re-subscribe")
        self.buttons.accepted.connect(self._check)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.how.setFocus()
        show_placeholders(self)

    def confirmation(self) -> Confirmation:
        """Return what was typed as a :class:`Confirmation`."""
        return Confirmation(self.by.text(), self.at.date().toString("yyyy-MM-dd"), self.how.text())

    @Slot()
    def _check(self) -> None:
        try:
            self.confirmation().checked()
        except InputError as exc:
            self.error.setText(str(exc).split(": ", 1)[-1])
            return
        self.accept()


def _table(model: RowsTableModel) -> QTableView:
    return read_only_table(model, selection=QAbstractItemView.SelectionMode.SingleSelection, wrap=False)


class CustomerProfile(QWidget):
    """One customer's profile, with one-click pause, "not this brand" and consent changes."""

    #: The person asked to edit the customer shown (the page opens its dialog).
    edit_requested = Signal(int)
    #: A profile finished loading (with its customer id); tests and the page wait on it.
    loaded = Signal(int)
    #: An action finished, with a line saying what happened (or why it did not).
    acted = Signal(str)

    def __init__(self, db: StoreRunner, actor: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self.data: ProfileData | None = None
        self._customer_id: int | None = None
        self._request = 0  # answers for a customer no longer shown are dropped

        self.heading = QLabel()
        self.heading.setObjectName("profileHeading")
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.pause_button = QPushButton("&Pause 30 Days")
        self.pause_button.setToolTip("Leave this customer out of every match for 30 days, starting now")
        self.pause_button.clicked.connect(self.toggle_pause)
        self.brand_box = QComboBox()
        self.brand_box.setToolTip("A brand this customer does not want to hear about")
        # Room for a short brand name ("Ashby Row") however narrow the panel; longer ones are elided.
        self.brand_box.setMinimumContentsLength(9)
        self.brand_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.not_brand_button = QPushButton("Not This &Brand")
        self.not_brand_button.setToolTip("Record that the customer dislikes the chosen brand; "
                                         "the next match leaves them out of its sets")
        self.not_brand_button.clicked.connect(self.not_this_brand)
        self.like_button = QPushButton("&Likes It")
        self.like_button.setToolTip("Record that the customer likes the chosen brand")
        self.like_button.clicked.connect(self.like_brand)
        self.edit_button = QPushButton("Edi&t…")
        self.edit_button.setToolTip("Change the customer's name, channels, time zone, sizes or notes")
        self.edit_button.clicked.connect(lambda: self._customer_id and self.edit_requested.emit(self._customer_id))
        self.status = QLabel()
        self.status.setObjectName("profileStatus")
        self.status.setWordWrap(True)

        # The brand, and what the customer thinks of it, stay together; where the panel is narrow (a 960-pixel
        # window, the customers' table beside it) they wrap under the pause button rather than widen the panel.
        brand_group = QWidget()
        brand_row = QHBoxLayout(brand_group)
        brand_row.setContentsMargins(0, 0, 0, 0)
        brand_row.addWidget(self.brand_box)
        brand_row.addWidget(self.not_brand_button)
        brand_row.addWidget(self.like_button)
        actions = FlowRow([self.pause_button, brand_group, self.edit_button])

        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.consent_model = RowsTableModel(CONSENT_HEADERS, self)
        self.consent_view = _table(self.consent_model)
        self.consent_view.selectionModel().currentRowChanged.connect(lambda *_: self._update_consent_buttons())
        self.source_box = QComboBox()
        self.source_box.setEditable(True)
        self.source_box.addItems(CONSENT_SOURCES)
        self.source_box.setToolTip("Where the consent came from, recorded in the ledger")
        self.grant_button = QPushButton("Gra&nt")
        self.withdraw_button = QPushButton("&Withdraw")
        self.grant_button.clicked.connect(lambda: self.change_consent(True))
        self.withdraw_button.clicked.connect(lambda: self.change_consent(False))
        consent_row = QHBoxLayout()
        source_label = QLabel("S&ource:")
        source_label.setBuddy(self.source_box)
        consent_row.addWidget(source_label)
        consent_row.addWidget(self.source_box, 1)
        consent_row.addWidget(self.grant_button)
        consent_row.addWidget(self.withdraw_button)
        self.ledger_model = RowsTableModel(LEDGER_HEADERS, self)
        self.ledger_view = _table(self.ledger_model)
        consent_tab = QWidget()
        consent_column = QVBoxLayout(consent_tab)
        consent_column.addWidget(self.consent_view, 2)
        consent_column.addLayout(consent_row)
        consent_column.addWidget(QLabel("History (newest first)"))
        consent_column.addWidget(self.ledger_view, 3)
        empty_state(self.ledger_view, "No consent recorded yet: grant it above when the customer agrees.")

        self.purchase_model = RowsTableModel(PURCHASE_HEADERS, self)
        self.message_model = RowsTableModel(MESSAGE_HEADERS, self)
        self.reply_model = RowsTableModel(REPLY_HEADERS, self)
        messages_tab = QWidget()
        messages_column = QVBoxLayout(messages_tab)
        # Each empty list says so and what fills it, rather than showing a blank table under its headings.
        self.message_view = _table(self.message_model)
        empty_state(self.message_view, "<b>No messages to this customer yet.</b><br>Lookbooks drafted for them on "
                                       "<b>Match &amp; Compose</b> show here, with where each stands.")
        self.reply_view = _table(self.reply_model)
        empty_state(self.reply_view, "No replies from this customer.")
        messages_column.addWidget(self.message_view, 3)
        messages_column.addWidget(QLabel("Replies"))
        messages_column.addWidget(self.reply_view, 2)

        # Holds: "Shall I put one aside for you?" answered from the profile.
        self.hold_model = RowsTableModel(HOLD_HEADERS, self)
        self.hold_view = _table(self.hold_model)
        empty_state(self.hold_view, "<b>Nothing put aside for this customer.</b><br>Choose a product and a size "
                                    "above, then <b>Put One Aside</b>.")
        self.hold_view.selectionModel().currentRowChanged.connect(lambda *_: self._update_hold_buttons())
        self.hold_product = QComboBox()
        self.hold_product.setToolTip("The product to put aside (only those with a unit nobody else holds)")
        self.hold_product.setMinimumContentsLength(16)
        self.hold_product.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.hold_product.currentIndexChanged.connect(lambda *_: self._fill_hold_sizes())
        self.hold_size = QComboBox()
        self.hold_size.setToolTip("The size to put aside")
        self.hold_button = QPushButton("Put One &Aside")
        self.hold_button.setToolTip("Hold one unit of this product in this size for the customer until the date "
                                    "the store sets (3 days unless changed); nobody else is offered it meanwhile")
        self.hold_button.clicked.connect(self.put_aside)
        self.release_button = QPushButton("&Release")
        self.release_button.setToolTip("Give the chosen hold's unit back to everyone's offers")
        self.release_button.clicked.connect(lambda: self._close_hold("release"))
        self.sold_button = QPushButton("&Sold")
        self.sold_button.setToolTip("The customer bought it: the unit leaves the stock and the purchase is recorded")
        self.sold_button.clicked.connect(lambda: self._close_hold("sell"))
        # The product on a line of its own, as wide as the tab ("AR-OW01 — Forest Green Field Jacket" whole: beside
        # the size and four buttons it was cut to "AR-OW01 — Forest Green"); the size and the actions below it.
        product_row = QHBoxLayout()
        product_row.addWidget(self.hold_product, 1)
        hold_row = QHBoxLayout()
        hold_row.addWidget(self.hold_size)
        hold_row.addWidget(self.hold_button)
        hold_row.addStretch(1)
        hold_row.addWidget(self.release_button)
        hold_row.addWidget(self.sold_button)
        holds_tab = QWidget()
        holds_column = QVBoxLayout(holds_tab)
        holds_column.addLayout(product_row)
        holds_column.addLayout(hold_row)
        holds_column.addWidget(self.hold_view, 1)

        self.tabs = QTabWidget()
        self.tabs.addTab(self.details, "Profile")
        self.tabs.addTab(consent_tab, "Consent")
        self.purchase_view = _table(self.purchase_model)
        empty_state(self.purchase_view, "<b>No purchases recorded.</b><br>Import them with <b>Import "
                                        "Purchases…</b>, or mark a hold <b>Sold</b>.")
        self.tabs.addTab(self.purchase_view, "Purchases")
        self.tabs.addTab(messages_tab, "Messages")
        self.tabs.addTab(holds_tab, "Holds")
        self.task_list = TaskList(db, actor, show_customer=False)
        self.task_list.acted.connect(self._task_acted)
        empty_state(self.task_list.view, "<b>No tasks for this customer.</b><br>They appear by themselves: a "
                                         "reply to answer, a hold that ends, a follow-up after a lookbook.")
        self.tabs.addTab(self.task_list, "Tasks")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(actions)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)
        # Tab runs in reading order: the actions, the tabs, then the chosen tab's tables and buttons.
        # (Set once every widget is in the panel: Qt ignores an order between widgets of different windows.)
        chain = [self.pause_button, self.brand_box, self.not_brand_button, self.like_button, self.edit_button,
                 self.tabs, self.consent_view, self.source_box, self.grant_button, self.withdraw_button,
                 self.ledger_view]
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)
        self.show_customer(None)

    # -- loading -------------------------------------------------------------------
    @property
    def customer_id(self) -> int | None:
        """Return the id of the customer shown, if any."""
        return self._customer_id

    def show_customer(self, customer_id: int | None) -> None:
        """Load and show a customer (``None`` clears the panel)."""
        if customer_id != self._customer_id:
            self.status.clear()
        self._customer_id = customer_id
        self._request += 1
        if customer_id is None:
            self._show(self._request, None)
            return
        request = self._request
        self.db.run(load_profile, customer_id, on_done=lambda data: self._show(request, data),
                    on_failure=lambda exc: self._failed_to_load(request, exc))

    def reload(self) -> None:
        """Load the customer shown again (after a change)."""
        if self._customer_id is not None:
            self.show_customer(self._customer_id)

    def _failed_to_load(self, request: int, exc: BaseException) -> None:
        if request == self._request:
            # The customer was merged away or deleted meanwhile: say so instead of showing stale data.
            self._show(request, None)
            self.status.setText(str(exc))

    def _show(self, request: int, data: ProfileData | None) -> None:
        if request != self._request:
            return
        self.data = data
        has = data is not None
        for widget in (self.pause_button, self.brand_box, self.not_brand_button, self.like_button,
                       self.edit_button, self.tabs):
            widget.setEnabled(has)
        if data is None:
            self.heading.setText("<i>Choose a customer to see their profile.</i>")
            self.details.clear()
            for model in (self.consent_model, self.ledger_model, self.purchase_model, self.message_model,
                          self.reply_model, self.hold_model):
                model.set_rows([])
            self.task_list.set_tasks([])
            self._update_consent_buttons()
            self._update_hold_buttons()
            return
        p = data.profile
        c = p.customer
        paused = is_paused(c.paused_until)
        flags = [escape(p.consent_label)]
        if paused and c.paused_until is not None:  # paused: a pause's end is set
            flags.append(f"<b>paused until {c.paused_until[:10]}</b>")
        self.heading.setText(f"<h3 style='margin:0'>{escape(c.name)}</h3>{' · '.join(flags)}")
        self.pause_button.setText("End &Pause" if paused else "&Pause 30 Days")
        self.pause_button.setToolTip("Let matches include this customer again" if paused else
                                     "Leave this customer out of every match for 30 days, starting now")
        self._fill_brand_box(data)
        self.details.setText(self._details_html(data))
        self._fill_consent(p)
        self.purchase_model.set_rows([(pu.purchased_at[:10], pu.brand or "", pu.sku or "", size_label(pu.size or ""))
                                      for pu in p.purchases])
        self.message_model.set_rows([(short_time(m.when), m.set_name, consent.CHANNEL_LABELS.get(m.channel, m.channel),
                                      m.state, " ".join(m.body.split())[:160]) for m in data.messages])
        self.reply_model.set_rows([(short_time(r.received_at), consent.CHANNEL_LABELS.get(r.channel, r.channel),
                                    " ".join(r.body.split())) for r in data.replies])
        self.tabs.setTabText(2, f"Purchases ({len(p.purchases)})")
        self.tabs.setTabText(3, f"Messages ({len(data.messages)})")
        self._fill_holds(data)
        self.task_list.set_tasks(data.tasks)
        self.tabs.setTabText(5, f"Tasks ({len(data.tasks)})" if data.tasks else "Tasks")
        self.loaded.emit(c.id)

    def _fill_brand_box(self, data: ProfileData) -> None:
        chosen = self.brand_box.currentText()
        liked = [name for name, _ in data.profile.likes]
        others = [b for b in data.brands if b not in liked]
        self.brand_box.clear()
        self.brand_box.addItems(liked + others)  # the brands they like first: those are the ones matched
        if chosen and self.brand_box.findText(chosen) >= 0:
            self.brand_box.setCurrentText(chosen)

    @staticmethod
    def _details_html(data: ProfileData) -> str:
        p = data.profile
        c = p.customer
        rows: list[tuple[str, str]] = []
        for channel, field in customers.CHANNEL_ADDRESS.items():
            value = getattr(c, field)
            if not value:
                continue
            shown = f"@{value}" if channel in ("x", "instagram") else value
            if channel == "x" and c.x_user_id:
                shown += f" (id {c.x_user_id})"
            if channel == c.preferred_channel:
                shown += " — <b>preferred</b>"
            if channel in p.unreachable:
                reason, since = p.unreachable[channel]
                shown += f" — <span style='color:#c0392b'>unreachable since {since[:10]}: {escape(reason)}</span>"
            rows.append((consent.CHANNEL_LABELS[channel], shown if "<" in shown else escape(shown)))
        if not rows:
            rows.append(("Channels", "<i>none: add an e-mail address, phone number or X handle to message them</i>"))
        rows.append(("Time zone", escape(c.timezone)))
        rows.append(("Associate", escape(p.associate or "—")))
        rows.append(("Sizes", escape(", ".join(f"{cat} {size_label(size)}" for cat, size in p.sizes.items())
                                       or "none given")))
        rows.append(("Likes", escape(", ".join(_with_source(n, s) for n, s in p.likes) or "—")))
        rows.append(("Not for them", escape(", ".join(_with_source(n, s) for n, s in p.dislikes) or "—")))
        rows.append(("Last contacted", escape(short_time(c.last_contacted_at) or "never")))
        if c.notes:
            rows.append(("Notes", escape(c.notes).replace("\n", "<br>")))
        return "<table cellspacing='4'>" + "".join(
            f"<tr><td style='color:gray; padding-right:12px'>{k}</td><td>{v}</td></tr>" for k, v in rows) + "</table>"

    def _fill_consent(self, p: Profile) -> None:
        selected = self.consent_view.currentIndex().row()
        rows = []
        for channel in consent.CHANNELS:
            state = p.consents[channel]
            for scope in consent.SCOPES:
                s: consent.ConsentState = getattr(state, scope)
                word = "granted" if s.granted else "withdrawn" if s.withdrawn else "not asked"
                rows.append((consent.CHANNEL_LABELS[channel], SCOPE_WORDS[scope], word, s.at and s.at[:10] or "",
                             s.by_user or "", s.source or "", (channel, scope, s)))
        self._consent_keys = [r[-1] for r in rows]
        self.consent_model.set_rows([r[:-1] for r in rows])
        self.consent_view.resizeColumnsToContents()
        if 0 <= selected < len(rows):
            self.consent_view.selectRow(selected)
        ledger_rows = []
        for e in p.ledger:
            note = e.note
            if e.confirmation:
                note = (f"re-subscribed: {e.confirmation} (confirmed by {e.confirmed_by} on "
                        f"{(e.confirmed_at or '')[:10]})" + (f"; {note}" if note else ""))
            ledger_rows.append((short_time(e.at), consent.CHANNEL_LABELS.get(e.channel, e.channel),
                                SCOPE_WORDS.get(e.scope, e.scope), "granted" if e.granted else "withdrawn",
                                e.by_user, e.source, note))
        self.ledger_model.set_rows(ledger_rows)
        self.ledger_view.resizeColumnsToContents()
        # The state is under the name already; the tab stays short, so all four tabs fit the panel at 1366 px.
        self.tabs.setTabText(1, "Consent")
        self.tabs.setTabToolTip(1, f"Consent: {p.consent_label}")
        self._update_consent_buttons()

    def _selected_consent(self) -> tuple[str, str, consent.ConsentState] | None:
        row = self.consent_view.currentIndex().row()
        keys = getattr(self, "_consent_keys", [])
        return keys[row] if self.data is not None and 0 <= row < len(keys) else None

    def _update_consent_buttons(self) -> None:
        chosen = self._selected_consent()
        self.grant_button.setEnabled(chosen is not None and not chosen[2].granted)
        self.withdraw_button.setEnabled(chosen is not None and chosen[2].granted)
        if chosen is None:
            tip = "Choose a channel and scope in the table first"
            self.grant_button.setToolTip(tip)
            self.withdraw_button.setToolTip(tip)
            return
        channel, scope, state = chosen
        where = f"{SCOPE_WORDS[scope]} messages on {consent.CHANNEL_LABELS[channel]}"
        self.grant_button.setToolTip(
            f"Record that the customer agrees to {where}" + (" (they opted out: you will be asked how they agreed)"
                                                             if state.withdrawn else ""))
        self.withdraw_button.setToolTip(f"Record that the customer no longer wants {where}; it takes effect at once")

    def select_consent(self, channel: str, scope: str) -> None:
        """Select the row of one channel and scope in the consent table."""
        for row, (ch, sc, _) in enumerate(getattr(self, "_consent_keys", [])):
            if (ch, sc) == (channel, scope):
                self.consent_view.selectRow(row)
                return

    def _fill_holds(self, data: ProfileData) -> None:
        chosen = self.hold_product.currentData()
        self.hold_product.blockSignals(True)
        self.hold_product.clear()
        for sku, name, sizes in data.holdable:
            self.hold_product.addItem(f"{sku} — {name}", (sku, sizes))
        found = next((i for i in range(self.hold_product.count())
                      if chosen and self.hold_product.itemData(i)[0] == chosen[0]), 0)
        self.hold_product.setCurrentIndex(found if self.hold_product.count() else -1)
        self.hold_product.blockSignals(False)
        self._fill_hold_sizes()
        self.hold_model.set_rows([(short_time(h.until), h.sku, h.product, size_label(h.size), h.status, h.created_by)
                                  for h in data.holds])
        self.hold_view.resizeColumnsToContents()
        active = sum(h.status == "active" for h in data.holds)
        self.tabs.setTabText(4, f"Holds ({active})" if active else "Holds")
        self._update_hold_buttons()

    def _fill_hold_sizes(self) -> None:
        data = self.hold_product.currentData()
        self.hold_size.clear()
        if data is None:
            return
        for size in data[1]:  # shown as customers read it ("One Size"), kept as stored ("ONE SIZE")
            self.hold_size.addItem(size_label(size), size)
        sizes = self.data.profile.sizes if self.data is not None else {}
        wanted = next((size for cat, size in sizes.items() if size in data[1]), None)
        if wanted is not None:  # their recorded size first, when the product comes in it
            self.hold_size.setCurrentIndex(self.hold_size.findData(wanted))

    def _selected_hold(self) -> holds.Hold | None:
        row = self.hold_view.currentIndex().row()
        found = self.data.holds if self.data is not None else []
        return found[row] if 0 <= row < len(found) else None

    def _update_hold_buttons(self) -> None:
        chosen = self._selected_hold()
        self.hold_button.setEnabled(self.data is not None and self.hold_size.count() > 0)
        for button in (self.release_button, self.sold_button):
            button.setEnabled(chosen is not None and chosen.status == "active")

    @Slot()
    def put_aside(self) -> None:
        """Hold one unit of the chosen product in the chosen size for the customer."""
        product = self.hold_product.currentData()
        size = self.hold_size.currentData()
        if self.data is None or product is None or not size:
            return
        cid, actor, name = self.data.profile.customer.id, self.actor(), self.data.profile.customer.name
        sku = product[0]
        self._act(lambda store: holds.add_hold(store, cid, sku, size, actor=actor),
                  f"{sku} in {size_label(size)} put aside for {name}; nobody else is offered it until the hold "
                  "ends.")

    def _close_hold(self, how: str) -> None:
        hold = self._selected_hold()
        if hold is None:
            return
        actor = self.actor()
        if how == "release":
            self._act(lambda store: holds.release(store, hold.id, actor=actor),
                      f"Hold of {hold.sku} in {size_label(hold.size)} released: offered to everyone again.")
        else:
            self._act(lambda store: holds.sell(store, hold.id, actor=actor),
                      f"{hold.sku} in {size_label(hold.size)} sold to {hold.customer}: the purchase is on their "
                      "record.")

    def _task_acted(self, text: str) -> None:
        self.status.setText(text)
        self.acted.emit(text)
        self.reload()

    # -- actions -------------------------------------------------------------------
    def _act(self, work: Callable[[Store], object], done_text: str) -> None:
        customer_id = self._customer_id
        if customer_id is None:
            return

        def finished(_result: object) -> None:
            self.status.setText(done_text)
            self.acted.emit(done_text)
            if self._customer_id == customer_id:
                self.reload()  # at once, not waiting for the page's reload on the change hook

        def failed(exc: BaseException) -> None:
            self.status.setText(str(exc))
            self.acted.emit(str(exc))

        self.db.run(work, on_done=finished, on_failure=failed)

    @Slot()
    def toggle_pause(self) -> None:
        """Pause the customer for 30 days, or end a running pause."""
        if self.data is None:
            return
        cid, actor, name = self.data.profile.customer.id, self.actor(), self.data.profile.customer.name
        if is_paused(self.data.profile.customer.paused_until):
            self._act(lambda store: customers.unpause(store, cid, actor=actor), f"{name}'s pause ended.")
        else:
            days = customers.PAUSE_DAYS_DEFAULT
            self._act(lambda store: customers.pause(store, cid, actor=actor, days=days, reason="profile button"),
                      f"{name} is paused for {days} days: no match includes them until then.")

    @Slot()
    def not_this_brand(self) -> None:
        """Record that the customer does not want the chosen brand."""
        brand = self.brand_box.currentText()
        if self.data is None or not brand:
            return
        cid, actor, name = self.data.profile.customer.id, self.actor(), self.data.profile.customer.name
        self._act(lambda store: customers.not_this_brand(store, cid, brand, actor=actor),
                  f"{name}: not {brand} — the next match of a {brand} set leaves them out.")

    @Slot()
    def like_brand(self) -> None:
        """Record that the customer likes the chosen brand."""
        brand = self.brand_box.currentText()
        if self.data is None or not brand:
            return
        cid, actor, name = self.data.profile.customer.id, self.actor(), self.data.profile.customer.name
        self._act(lambda store: customers.set_brand_stance(store, cid, brand, "like", actor=actor),
                  f"{name} likes {brand}.")

    @Slot()
    def change_consent(self, granted: bool, confirmation: Confirmation | None = None) -> None:
        """Grant or withdraw the consent selected in the table (asking how they agreed after an opt-out)."""
        chosen = self._selected_consent()
        if self.data is None or chosen is None:
            return
        channel, scope, state = chosen
        customer = self.data.profile.customer
        actor, source = self.actor(), self.source_box.currentText().strip() or CONSENT_SOURCES[0]
        what = f"{SCOPE_WORDS[scope]} messages on {consent.CHANNEL_LABELS[channel]}"
        if granted and state.withdrawn and confirmation is None:
            confirmation = self.ask_confirmation(customer.name, what, actor)
            if confirmation is None:
                self.status.setText("Not re-subscribed: no confirmation was recorded.")
                return
        cid = customer.id

        def work(store: Store) -> Changes:
            return consent.record(store, cid, channel, scope, granted, by_user=actor, source=source,
                                  confirmation=confirmation)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ConfirmationRequired) and confirmation is None:
                # Someone withdrew it on another screen since this profile was loaded.
                self.reload()
                answer = self.ask_confirmation(customer.name, what, actor)
                if answer is not None:
                    self.change_consent(granted, answer)
                return
            self.status.setText(str(exc))
            self.acted.emit(str(exc))

        def finished(_changes: object) -> None:
            text = f"{customer.name}: {what} {'granted' if granted else 'withdrawn'} ({source})."
            self.status.setText(text)
            self.acted.emit(text)
            if self._customer_id == cid:
                self.reload()

        self.db.run(work, on_done=finished, on_failure=failed)

    def ask_confirmation(self, customer_name: str, what: str, by: str) -> Confirmation | None:
        """Ask how an opted-out customer agreed to be subscribed again; ``None`` if cancelled."""
        dialog = ConfirmationDialog(customer_name, what, by, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.confirmation()


def _with_source(name: str, source: str) -> str:
    return name if source in ("", "stated") else f"{name} ({source})"
