"""The Conversations page: customers who replied, with unread counts; one thread at a time; answer in place.

Left, the conversations (mine or everyone's, searchable by name or words of a reply); right, the
chosen customer's messages and replies in time order, each reply under the message it answers, and
a box to answer in the same conversation. Opening a thread marks its replies read. The answer goes
through :func:`lookbook.outbox.conversations.answer` and out with the sender, like every message.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from lookbook.catalog import holds
from lookbook.customers.consent import CHANNEL_LABELS
from lookbook.outbox import conversations
from lookbook.store.database import Store
from lookbook.words import size_label
from ui import page_badges
from ui.models import RowsTableModel
from ui.pages.base import Page
from ui.signin import Session
from ui.widgets.empty_state import empty_state
from ui.widgets.tables import read_only_table
from ui.workers import StoreRunner

HEADERS = ["Customer", "Unread", "Associate", "Last reply", "Says"]


@dataclass(frozen=True)
class ThreadData:
    """A customer's thread, loaded on the DB thread (their replies marked read there)."""

    customer_id: int
    entries: list[conversations.Entry]
    #: What can be put aside for them: (SKU, name, sizes on hand nobody else holds); their size first.
    holdable: list[tuple[str, str, list[str]]]
    sizes: dict[str, str]


def open_thread(store: Store, customer_id: int, reader: str | None) -> ThreadData:
    """Return the thread and, when someone is signed in, mark its replies read."""
    if reader:
        conversations.mark_read(store, customer_id, actor=reader)
    entries = conversations.thread(store, customer_id)
    # The products of the sets they were sent first: what "M please" most likely means.
    return ThreadData(customer_id, entries, holds.holdable_products(store, customer_id, sent_first=True),
                      holds.own_sizes(store, customer_id))


def thread_html(entries: list[conversations.Entry]) -> str:
    """Return the thread as HTML: the store's messages on the right, the customer's replies on the left."""
    parts = []
    for e in entries:
        when = escape(e.at[:16].replace("T", " "))
        text = escape(e.text).replace("\n", "<br>")
        channel = escape(CHANNEL_LABELS.get(e.channel, e.channel))
        if e.kind == "reply":
            mark = " <b>new</b>" if e.unread else ""
            parts.append(f"<table width='100%'><tr><td width='70%' style='background:#eef3f0; padding:8px'>"
                         f"<span style='color:gray'>{when} · {channel}{mark}</span><br>{text}</td>"
                         "<td></td></tr></table>")
        else:
            who = escape(e.by or "store")
            state = "" if e.state == "sent" else f" · {escape(e.state)}"
            parts.append(f"<table width='100%'><tr><td></td><td width='70%' style='background:#e8eef7; padding:8px'>"
                         f"<span style='color:gray'>{when} · {channel} · {who}{state}</span><br>{text}</td>"
                         "</tr></table>")
    return "".join(parts) or "<i>Choose a conversation.</i>"


class ConversationsPage(Page):
    """Every customer's replies threaded with the messages they answer; answers sent from here."""

    title = "Conversations"
    watches = ("customers", "outbox")
    #: A thread was shown (with the customer id), for tests.
    thread_shown = Signal(int)

    def __init__(self, db: StoreRunner, session: Session | None = None, parent: QWidget | None = None) -> None:
        super().__init__(db, parent)
        self.session = session
        self.rows: list[conversations.Conversation] = []
        self.customer_id: int | None = None
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search names and replies")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda *_: self._search_timer.start())
        self.whose = QComboBox()
        self.whose.addItem("My customers", "mine")
        self.whose.addItem("Everyone's", "all")
        self.whose.currentIndexChanged.connect(lambda *_: self.reload())
        self.unread_only = QCheckBox("&Unread only")
        self.unread_only.toggled.connect(lambda *_: self.reload())
        controls = QHBoxLayout()
        controls.addWidget(self.search, 1)
        controls.addWidget(self.whose)
        controls.addWidget(self.unread_only)
        self.layout_.addLayout(controls)

        self.model = RowsTableModel(HEADERS, self)
        self.view = read_only_table(self.model, wrap=False)
        self.empty = empty_state(self.view, "")
        self.view.selectionModel().currentRowChanged.connect(lambda current, _prev: self._choose(current.row()))
        self.thread_view = QTextBrowser()
        self.thread_view.setOpenLinks(False)
        # Until a conversation is chosen the pane says what it is for, rather than standing blank and white.
        self.thread_view.setPlaceholderText("Choose a conversation on the left to read it and answer the customer.")
        self.answer_box = QPlainTextEdit()
        self.answer_box.setPlaceholderText("Answer in this conversation…")
        self.answer_box.setMaximumHeight(90)
        self.send_button = QPushButton("&Send Answer")
        self.send_button.setToolTip("Send it on the channel the customer wrote on, through the outbox (no manager "
                                    "approval for a customer who wrote first, unless the store requires it)")
        self.send_button.clicked.connect(self.send_answer)
        self.status = QLabel()
        self.status.setWordWrap(True)
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        self.who = QLabel()
        self.who.setObjectName("conversationHeading")
        column.addWidget(self.who)
        column.addWidget(self.thread_view, 1)
        column.addWidget(self.answer_box)
        # "Shall I put one aside for you?" answered here: a product of the sets they were sent, in a size.
        self.hold_product = QComboBox()
        self.hold_product.setToolTip("A product of the sets sent to this customer, with a unit nobody else holds")
        self.hold_product.setPlaceholderText("Nothing to put aside")
        self.hold_product.currentIndexChanged.connect(lambda *_: self._fill_sizes())
        self.hold_size = QComboBox()
        self.hold_button = QPushButton("Put One &Aside")
        self.hold_button.setToolTip("Hold it for them until the store's hold date (3 days unless changed); nobody "
                                    "else is offered it meanwhile")
        self.hold_button.clicked.connect(self.put_aside)
        row = QHBoxLayout()
        row.addWidget(self.hold_product, 1)
        row.addWidget(self.hold_size)
        row.addWidget(self.hold_button)
        row.addSpacing(16)
        row.addWidget(self.send_button)
        column.addLayout(row)
        column.addWidget(self.status)
        splitter = QSplitter()
        splitter.addWidget(self.view)
        splitter.addWidget(right)
        splitter.setSizes([480, 600])
        self.layout_.addWidget(splitter, 1)
        if session is not None:
            session.changed.connect(self._session_changed)
        self._session_changed()
        self._update_buttons()

    def _user(self) -> str | None:
        user = self.session.user if self.session is not None else None
        return user.username if user is not None else None

    def _session_changed(self, *_: object) -> None:
        user = self.session.user if self.session is not None else None
        self.whose.blockSignals(True)
        self.whose.setCurrentIndex(0 if user is not None and user.role == "associate" else 1)
        self.whose.blockSignals(False)

    # -- loading -------------------------------------------------------------------
    def reload(self) -> None:
        mine = self._user() if self.whose.currentData() == "mine" else None
        search, unread = self.search.text(), self.unread_only.isChecked()

        def load(store: Store) -> tuple[list[conversations.Conversation], int]:
            return (conversations.list_conversations(store, associate=mine, search=search, unread_only=unread),
                    conversations.unread_count(store, associate=mine))

        self.db.run(load, on_done=self._show, on_failure=lambda exc: self.status.setText(str(exc)))

    def empty_text(self) -> str:
        """What the empty list says: why it is empty under the filters now chosen, and where replies come from."""
        if self.search.text().strip():
            return "<b>No conversation matches this search.</b><br>Clear the search to see every conversation."
        if self.unread_only.isChecked():
            return "<b>Nothing unread.</b><br>Clear <b>Unread only</b> to see the conversations already read."
        whose = "your customers" if self.whose.currentData() == "mine" else "any customer"
        return (f"<b>No replies from {whose} yet.</b><br>When a customer answers a lookbook (by e-mail, X, SMS or "
                "WhatsApp), the thread appears here and you can answer it.")

    def _show(self, loaded: tuple[list[conversations.Conversation], int]) -> None:
        self.rows, unread = loaded
        chosen = self.customer_id
        self.view.selectionModel().blockSignals(True)
        self.model.set_rows([(c.customer, c.unread or "", c.associate or "—", c.last_at[:16].replace("T", " "),
                              " ".join(c.last_text.split())[:80]) for c in self.rows])
        self.view.resizeColumnsToContents()
        self.empty.set_text(self.empty_text())
        for row, c in enumerate(self.rows):
            if c.customer_id == chosen:
                self.view.selectRow(row)
        self.view.selectionModel().blockSignals(False)
        self.badge_changed.emit(page_badges.unread(unread))

    def _choose(self, row: int) -> None:
        if not 0 <= row < len(self.rows):
            return
        chosen = self.rows[row]
        self.who.setText(f"<b>{escape(chosen.customer)}</b> · {escape(chosen.associate or 'no associate')}'s "
                         "customer")
        self.show_thread(chosen.customer_id)

    def show_thread(self, customer_id: int) -> None:
        """Load and show one customer's thread (marking it read for the person signed in)."""
        self.customer_id = customer_id
        self._update_buttons()
        self.db.run(open_thread, customer_id, self._user(), on_done=self._show_thread,
                    on_failure=lambda exc: self.status.setText(str(exc)))

    def _show_thread(self, data: ThreadData) -> None:
        if data.customer_id != self.customer_id:
            return
        self.thread_view.setHtml(thread_html(data.entries))
        self._sizes = data.sizes
        self.hold_product.blockSignals(True)
        self.hold_product.clear()
        for sku, name, sizes in data.holdable:
            self.hold_product.addItem(f"{sku} — {name}", (sku, sizes))
        # With a placeholder Qt leaves the index at -1 when items are added: choose the first one.
        self.hold_product.setCurrentIndex(0 if self.hold_product.count() else -1)
        self.hold_product.blockSignals(False)
        self._fill_sizes()
        bar = self.thread_view.verticalScrollBar()
        bar.setValue(bar.maximum())
        self.thread_shown.emit(data.customer_id)

    def _fill_sizes(self) -> None:
        data = self.hold_product.currentData()
        self.hold_size.clear()
        if data is not None:
            for size in data[1]:  # shown as customers read it ("One Size"), kept as stored ("ONE SIZE")
                self.hold_size.addItem(size_label(size), size)
            wanted = next((size for size in getattr(self, "_sizes", {}).values() if size in data[1]), None)
            if wanted is not None:
                self.hold_size.setCurrentIndex(self.hold_size.findData(wanted))
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.send_button.setEnabled(self.customer_id is not None)
        self.answer_box.setEnabled(self.customer_id is not None)  # nothing typed before a customer is chosen
        self.hold_button.setEnabled(self.customer_id is not None and self.hold_size.count() > 0)

    def put_aside(self) -> None:
        """Hold the chosen product in the chosen size for the customer, tied to the message they answered."""
        product, size, customer_id, actor = (self.hold_product.currentData(), self.hold_size.currentData(),
                                             self.customer_id, self._user())
        if product is None or not size or customer_id is None:
            return
        if actor is None:
            self.status.setText("Sign in first (File ▸ Sign In…): a hold is made in someone's name.")
            return
        sku = product[0]

        def work(store: Store) -> holds.Hold:
            return holds.add_hold(store, customer_id, sku, size, actor=actor,
                                  message_id=conversations.last_answered_message(store, customer_id))

        def done(hold: holds.Hold) -> None:
            self.status.setText(f"{hold.product} in {size_label(hold.size)} put aside for {hold.customer} until "
                                f"{hold.until[:10]}; nobody else is offered it meanwhile.")
            self.show_thread(customer_id)

        self.db.run(work, on_done=done, on_failure=lambda exc: self.status.setText(str(exc)))

    # -- answering -----------------------------------------------------------------
    def send_answer(self) -> None:
        """Answer the customer shown, in this conversation."""
        text, customer_id, actor = self.answer_box.toPlainText(), self.customer_id, self._user()
        if customer_id is None:
            return
        if actor is None:
            self.status.setText("Sign in first (File ▸ Sign In…): answers are sent in someone's name.")
            return

        def work(store: Store) -> conversations.AnswerReport:
            return conversations.answer(store, customer_id, text, actor=actor)

        def done(report: conversations.AnswerReport) -> None:
            self.answer_box.clear()
            how = "it goes out with the next send" if report.state == "approved" else \
                "it waits for a manager's approval"
            self.status.setText(" ".join([f"Answer written; {how}.", *report.warnings]))
            self.show_thread(customer_id)

        self.db.run(work, on_done=done, on_failure=lambda exc: self.status.setText(str(exc)))

