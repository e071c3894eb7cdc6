"""The Outbox page: approved messages being sent, sent, or failed, and the sender running behind it.

The sender (:mod:`lookbook.outbox.sender`) runs on the page's own network thread; every
store access it makes is handed to the database thread and waited for
(:func:`blocking_db`), so SQLite stays on the one thread that owns it. Progress,
the rate-limit countdown and the end of a run reach the page only through the
runners' queued signals. Pause and Cancel are :class:`threading.Event` objects the
sender checks between messages: nothing is ever left half-sent.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, TypeVar

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from lookbook.customers.consent import CHANNEL_LABELS
from lookbook.errors import LookbookError
from lookbook.outbox import messages as outbox
from lookbook.outbox import replies
from lookbook.outbox.channels import reachability, registry
from lookbook.outbox.messages import STATES, EditReport, edit_message
from lookbook.outbox.quiet_hours import local_time
from lookbook.outbox.replies import PollReport, Reply, list_replies
from lookbook.outbox.sender import (
    OutboxRow,
    Progress,
    Sender,
    SendReport,
    blocked_until,
    list_outbox,
    options_from_settings,
    retry,
    start_send_run,
)
from lookbook.store import roles
from lookbook.store.database import Store
from lookbook.words import plural
from ui import page_badges
from ui.models import ElidedTipDelegate, RowsTableModel
from ui.pages.base import Page
from ui.signin import Session
from ui.widgets.empty_state import EmptyState, empty_state
from ui.widgets.tables import read_only_table
from ui.workers import StoreRunner, TaskRunner

T = TypeVar("T")
HEADERS = ["Message", "Customer", "Channel", "State", "Delivery", "Attempts", "Next try", "Reason", "Updated"]
#: The columns of what the channel reported after the send and of the reason (both capped, in full on hover).
DELIVERY_COLUMN, REASON_COLUMN = HEADERS.index("Delivery"), HEADERS.index("Reason")
FILTERS: list[tuple[str, tuple[str, ...] | None]] = [
    ("Waiting and in flight", ("approved", "queued", "sending")),
    ("Failed", ("failed",)),
    ("Sent", ("sent",)),
    ("Cancelled", ("cancelled",)),
    ("Drafts, not yet submitted", ("draft", "rejected")),
    ("Waiting for approval", ("pending",)),
    ("All", None),
]

#: What an empty list says, for each filter: why it is empty and what to do next.
EMPTY_TEXT = [
    "<b>Nothing waiting to be sent.</b><br>Messages come here once a manager approves them on the "
    "<b>Approvals</b> page; then click <b>Send Approved</b>.",
    "<b>No failed messages.</b><br>A message that cannot be delivered waits here to be retried.",
    "<b>Nothing sent yet.</b><br>Approved messages go out when you click <b>Send Approved</b>.",
    "<b>No cancelled messages.</b>",
    "<b>No drafts.</b><br>Draft messages from a set on the <b>Match &amp; Compose</b> page; read and change each "
    "customer's message here before you submit them.",
    "<b>Nothing waits for approval.</b>",
    "<b>No messages yet.</b><br>Draft them from a set on the <b>Match &amp; Compose</b> page.",
]


def blocking_db(runner: StoreRunner) -> Callable[[Callable[[Store], T]], T]:
    """Return a ``db`` function for worker threads: run on the DB thread, wait, return or re-raise."""
    def call(fn: Callable[[Store], T]) -> T:
        box: dict[str, Any] = {}

        def work(store: Store) -> None:
            try:
                box["value"] = fn(store)
            except BaseException as exc:  # carried back to the calling thread
                box["error"] = exc

        try:
            runner.run(work).result()
        except CancelledError:
            raise LookbookError("the library was closed while sending; run Send again to finish.") from None
        if "error" in box:
            raise box["error"]
        return box["value"]  # set: work ran and raised nothing

    return call


@dataclass(frozen=True)
class OutboxView:
    """What the page shows, loaded together on the DB thread."""

    rows: list[OutboxRow]
    failed: int
    blocked: dict[str, dt.datetime]


def load_view(store: Store, states: tuple[str, ...] | None, mine: str | None = None) -> OutboxView:
    """Return the rows for a filter, the count of failed messages (for the badge) and any rate-limit wait.

    :param mine: only the messages this person drafted.
    """
    if states is None and mine is not None:
        states = tuple(STATES)  # "All" of one's own work includes the drafts and those waiting for approval
    return OutboxView(list_outbox(store, states, drafted_by=mine), outbox.count_in_state(store, "failed"),
                      blocked_until(store))


@dataclass(frozen=True)
class MessageDetail:
    row: OutboxRow
    body: str
    attempts: list[tuple[str, str | None, str | None]]
    replies: list[Reply]
    offer: str | None


def load_detail(store: Store, message_id: int) -> MessageDetail | None:
    """Return what the detail pane shows about one message."""
    row = next((r for r in list_outbox(store, STATES) if r.id == message_id), None)
    if row is None:
        return None
    body = outbox.message_body(store, message_id) or ""
    attempts = outbox.send_attempts(store, message_id)
    offer = reachability.next_channel(store, message_id) if row.state == "failed" and not row.retryable else None
    return MessageDetail(row, body, attempts, list_replies(store, message_id=message_id), offer)


def next_try(row: OutboxRow, now: dt.datetime | None = None) -> str:
    """Return when a message is tried next, as its customer reads it ("09:00 Tokyo time"); "" when not set."""
    if not row.next_attempt_at:
        return ""
    when = dt.datetime.fromisoformat(row.next_attempt_at.replace("Z", "+00:00"))
    return local_time(when, row.customer_tz, now=now)


def delivery_tip(row: OutboxRow) -> str | None:
    """Return the Delivery cell's tooltip: what the channel reported after the send, and what it means."""
    if not row.delivery:
        return None
    channel = registry.facts(row.channel).label if row.channel in registry.names() else row.channel
    meaning = outbox.DELIVERY_MEANING.get(row.delivery_status or "", "")
    return f"{channel} reported after the send: {row.delivery}" + (f" ({meaning})." if meaning else ".")


class OutboxTableModel(RowsTableModel):
    """The Outbox list: rows of plain values, with a tooltip on the Delivery cell saying what it means."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(HEADERS, parent)
        self.tips: list[str | None] = []

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.ToolTipRole and index.isValid() and index.column() == DELIVERY_COLUMN
                and index.row() < len(self.tips)):
            return self.tips[index.row()]
        return super().data(index, role)


def _countdown(until: dt.datetime, now: dt.datetime) -> str:
    left = max(0, int((until - now).total_seconds()))
    return f"{left // 60:d}:{left % 60:02d}"


class OutboxPage(Page):
    """Send approved messages in the background; follow, pause, cancel, retry; offer another channel."""

    title = "Outbox"
    watches = ("outbox", "customers", "settings")

    def __init__(self, db: StoreRunner, session: Session, net: TaskRunner | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(db, parent)
        self.session = session
        # Network calls get a thread of their own, so a send batch never holds up the database thread.
        self.net = net or TaskRunner("lookbook-net", self)
        self._owns_net = net is None
        self._cancel: threading.Event | None = None
        self._pause = threading.Event()
        self._waits: dict[str, dt.datetime] = {}
        self._rows: list[OutboxRow] = []

        self.filter = QComboBox()
        for label, _states in FILTERS:
            self.filter.addItem(label)
        self.filter.currentIndexChanged.connect(lambda _i: self.reload())
        self.filter.currentIndexChanged.connect(lambda i: self.empty.set_text(EMPTY_TEXT[i]))
        self.filter.setToolTip("Which messages to list")
        self.filter.setAccessibleName("Which messages to list")
        self.mine = QCheckBox("&Mine only")
        self.mine.setToolTip("Only the messages you drafted")
        self.mine.toggled.connect(lambda _on: self.reload())
        self.send_button = QPushButton("&Send Approved")
        self.send_button.setToolTip("Send every approved message now (each exactly once; safe to stop).")
        self.pause_button = QPushButton("&Pause")
        self.pause_button.setCheckable(True)
        self.cancel_button = QPushButton("S&top Sending")
        self.retry_button = QPushButton("&Retry Selected")
        self.offer_button = QPushButton("&Offer E-mail Instead")
        self.offer_button.setToolTip("This customer cannot be reached on the message's channel: draft it on their "
                                     "next channel, for approval again.")
        self.replies_button = QPushButton("Check Rep&lies")
        self.send_button.clicked.connect(self.start_sending)
        self.pause_button.toggled.connect(self.set_paused)
        self.cancel_button.clicked.connect(self.stop_sending)
        self.retry_button.clicked.connect(self.retry_selected)
        self.offer_button.clicked.connect(self.offer_other_channel)
        self.replies_button.clicked.connect(self.check_replies)
        session.changed.connect(lambda _user: self._apply_role())
        session.changed.connect(lambda _user: self.reload() if self.mine.isChecked() else None)
        self.status = QLabel("Approved messages wait here until they are sent.")
        self.status.setObjectName("pageSummary")
        self.status.setWordWrap(True)
        self.layout_.addWidget(self.status)
        bar = QHBoxLayout()
        show_label = QLabel("Sho&w:")
        show_label.setBuddy(self.filter)
        bar.addWidget(show_label)
        bar.addWidget(self.filter)
        bar.addWidget(self.mine)
        bar.addStretch(1)
        for button in (self.send_button, self.pause_button, self.cancel_button, self.replies_button):
            bar.addWidget(button)
        self.layout_.addLayout(bar)

        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setAccessibleName("Sending progress")
        self.countdown = QLabel()
        self.countdown.setObjectName("rateLimitCountdown")
        line = QHBoxLayout()
        line.addWidget(self.progress, 1)
        line.addWidget(self.countdown)
        self.layout_.addLayout(line)

        self.model = OutboxTableModel(self)
        self.view = read_only_table(self.model, wrap=False)
        self.view.setItemDelegate(ElidedTipDelegate(self.view))  # a long reason shows in full on hover
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.empty: EmptyState = empty_state(self.view, EMPTY_TEXT[0])
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("Select a message to see its attempts, its error and the customer's replies.")
        # One's own draft (or rejected message) is read and changed here before it is submitted.
        self.draft_box = QWidget()
        draft_column = QVBoxLayout(self.draft_box)
        draft_column.setContentsMargins(0, 0, 0, 0)
        self.editor = QPlainTextEdit()
        self.editor.setAccessibleName("Text of the selected draft")
        self.editor.setPlaceholderText("The message this customer will read; add a personal line.")
        self.save_draft_button = QPushButton("Save &Draft")
        self.save_draft_button.setToolTip("Keep this text for this customer (recorded in the audit log)")
        self.save_draft_button.clicked.connect(self.save_draft)
        draft_column.addWidget(QLabel("Edit this draft:"))
        draft_column.addWidget(self.editor, 1)
        draft_column.addWidget(self.save_draft_button)
        self.draft_box.hide()
        side = QSplitter(Qt.Orientation.Vertical)
        side.addWidget(self.detail)
        side.addWidget(self.draft_box)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.view)
        split.addWidget(side)
        split.setSizes([860, 320])
        self.layout_.addWidget(split, 1)
        # Actions on the selected messages sit under the list they act on.
        selected = QHBoxLayout()
        selected.addWidget(self.retry_button)
        selected.addWidget(self.offer_button)
        selected.addStretch(1)
        self.layout_.addLayout(selected)

        # Tab runs in reading order: which messages, the sending controls, the list, its detail, the actions.
        chain = [self.filter, self.mine, self.send_button, self.pause_button, self.cancel_button, self.replies_button,
                 self.view, self.detail, self.editor, self.save_draft_button, self.retry_button, self.offer_button]
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)

        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._tick)
        self._set_running(False)
        self._apply_role()

    # -- loading ---------------------------------------------------------------------------------------
    def states(self) -> tuple[str, ...] | None:
        return FILTERS[self.filter.currentIndex()][1]

    def reload(self) -> None:
        states = self.states()
        mine = self.session.username if self.mine.isChecked() else None
        if self.mine.isChecked() and mine is None:
            mine = ""  # nobody signed in: nobody's messages
        self.db.run(lambda store: load_view(store, states, mine), on_done=self._show)

    @Slot(object)
    def _show(self, view: OutboxView) -> None:
        # Reloads come while a run goes on: keep the person's selection across them.
        keep = {r.id for r in self.selected_rows()}
        self._rows = view.rows
        self.model.tips = [delivery_tip(r) for r in view.rows]
        # Channels as people name them ("e-mail", "X"), as on the Customers and Match pages.
        self.model.set_rows([(r.id, r.customer, CHANNEL_LABELS.get(r.channel, r.channel), r.state, r.delivery,
                              r.attempts, next_try(r), r.reason, r.updated_at.replace("T", " ")[:16] + " UTC")
                             for r in view.rows])
        self.view.resizeColumnsToContents()
        # The reason may be long ("held for quiet hours until ..."), and so may a delivery failure: they take what
        # is left, in full on hover and in the detail pane, so the customer and the next try stay whole at 1366 px.
        self.view.setColumnWidth(REASON_COLUMN, min(self.view.columnWidth(REASON_COLUMN), 300))
        self.view.setColumnWidth(DELIVERY_COLUMN, min(self.view.columnWidth(DELIVERY_COLUMN), 180))
        self.badge_changed.emit(page_badges.failed(view.failed))
        self._waits = dict(view.blocked)
        self._tick()
        selection = self.view.selectionModel()
        for row, item in enumerate(self._rows):
            if item.id in keep:
                selection.select(self.model.index(row, 0), selection.SelectionFlag.Select
                                 | selection.SelectionFlag.Rows)
        self._selection_changed()

    def selected_rows(self) -> list[OutboxRow]:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        return [self._rows[r] for r in rows if r < len(self._rows)]

    def _may(self, action: str) -> bool:
        """Return whether the signed-in person's role may do ``action`` (no one signed in: asked on click)."""
        user = self.session.user
        return user is None or roles.allowed(user.role, action)

    def _refusal(self, action: str) -> str:
        user = self.session.user
        if user is None or roles.allowed(user.role, action):
            return ""
        return f"{user.display_name} is {user.role}; only {roles.who_may(action)} may {roles.permission(action).what}."

    def _apply_role(self) -> None:
        """Enable Send as the role matrix says for whoever is signed in, and say why not."""
        why = self._refusal("outbox.send")
        if not self.is_sending():
            self.send_button.setEnabled(not why)
        self.send_button.setToolTip(why or "Send every approved message now (each exactly once; safe to stop).")
        self._selection_changed()

    def _selection_changed(self) -> None:
        rows = self.selected_rows()
        self.retry_button.setEnabled(bool(rows) and all(r.state == "failed" and r.retryable for r in rows)
                                     and self._may("outbox.send"))
        # Enabled when the selected message's detail says which channel can be offered.
        self.offer_button.setEnabled(False)
        self.draft_box.setVisible(len(rows) == 1 and self._may_edit(rows[0]))
        if len(rows) == 1:
            self.db.run(lambda store: load_detail(store, rows[0].id), on_done=self._show_detail)
        else:
            self.detail.clear()

    @Slot(object)
    def _show_detail(self, detail: MessageDetail | None) -> None:
        rows = self.selected_rows()
        if detail is None or len(rows) != 1 or rows[0].id != detail.row.id:
            return  # an answer for a selection that has changed meanwhile
        r = detail.row
        if self._may_edit(r):
            self.editor.setPlainText(detail.body)
        lines = [f"Message {r.id} to {r.customer} by {CHANNEL_LABELS.get(r.channel, r.channel)}: {r.state}", "",
                 detail.body, ""]
        if r.reason:
            lines += [f"Reason: {r.reason}", ""]
        if r.external_id:
            lines.append(f"Delivered as {r.external_id}")
        if r.delivery:
            lines.append(delivery_tip(r) or "")
        for started, outcome, finished in detail.attempts:
            lines.append(f"Attempt {started.replace('T', ' ')[:19]}: {outcome or 'in progress'}"
                         + (f" ({finished.replace('T', ' ')[11:19]})" if finished else ""))
        if detail.offer:
            lines += ["", f"This customer can be offered it by {detail.offer} instead, as a new message "
                      "that a manager approves."]
        elif r.state == "failed" and r.retryable is False:
            lines += ["", "No other channel this customer consents to and can be reached on."]
        if detail.replies:
            lines += ["", "Replies:"] + [f"  {x.received_at.replace('T', ' ')[:16]}  {x.body}"
                                         + ("  [asked to stop: consent withdrawn]" if x.stop else "")
                                         for x in detail.replies]
        self.detail.setPlainText("\n".join(lines))
        if detail.offer:
            self.offer_button.setText(f"&Offer {'E-mail' if detail.offer == 'email' else detail.offer.upper()} Instead")
        self.offer_button.setEnabled(detail.offer is not None and self._may("outbox.offer"))

    # -- one's own drafts --------------------------------------------------------------------------------
    def _may_edit(self, row: OutboxRow) -> bool:
        """Whether the person signed in may change this message's text here (a draft; theirs, or a manager)."""
        user = self.session.user
        if user is None or row.state not in ("draft", "rejected") or not roles.allowed(user.role, "outbox.edit"):
            return False
        return row.drafted_by.casefold() == user.username.casefold() or user.role == "manager"

    @Slot()
    def save_draft(self) -> None:
        """Keep the edited text of the selected draft (checked, masked and audited by the core)."""
        rows = self.selected_rows()
        user = self.session.user
        if len(rows) != 1 or user is None:
            return
        message_id, body, actor = rows[0].id, self.editor.toPlainText(), user.username

        def done(report: EditReport) -> None:
            extra = " " + " ".join(report.warnings) if report.card_masked else ""
            self.status.setText(f"Saved the text of message {message_id}; submit the set on Match & Compose when "
                                f"it is ready.{extra}")

        self.db.run(lambda store: edit_message(store, message_id, actor, body), on_done=done,
                    on_failure=self._report_error)

    # -- sending -----------------------------------------------------------------------------------------
    def is_sending(self) -> bool:
        return self._cancel is not None

    def _set_running(self, running: bool) -> None:
        self.send_button.setEnabled(not running and self._may("outbox.send"))
        self.pause_button.setEnabled(running)
        self.cancel_button.setEnabled(running)
        # An idle bar at 0% read as a stuck send: the bar shows only while a run goes on.
        self.progress.setVisible(running)
        if not running:
            self.pause_button.setChecked(False)
            self.progress.setRange(0, 1)
            self.progress.setValue(0)

    def start_sending(self) -> None:
        """Start a send run on the network thread (a signed-in person starts it; it is audited)."""
        user = self.session.username
        if user is None:
            self.status.setText("Sign in first: sending is recorded under your name.")
            return
        if self.is_sending():
            return
        cancel, pause = threading.Event(), self._pause
        pause.clear()
        self._cancel = cancel
        db = blocking_db(self.db)

        def work() -> Any:
            def begin(store: Store) -> Any:
                start_send_run(store, user, started_from="app")
                return options_from_settings(store)

            options = db(begin)
            return Sender(db, options=options, cancel=cancel, pause=pause).run()

        self._set_running(True)
        self.progress.setRange(0, 0)
        self.status.setText("Sending…")
        self.net.submit(work, on_progress=self._on_progress, on_done=self._on_done, on_failure=self._on_failure)

    def set_paused(self, paused: bool) -> None:
        """Pause between messages (the one in hand finishes), or resume."""
        if paused:
            self._pause.set()
            self.status.setText("Pausing after the message in hand…")
        else:
            self._pause.clear()

    def stop_sending(self) -> None:
        """Stop after the message in hand; the rest stays queued for the next run."""
        if self._cancel is not None:
            self._cancel.set()
            self._pause.clear()
            self.status.setText("Stopping after the message in hand…")

    @Slot(object)
    def _on_progress(self, step: Progress) -> None:
        if step.total:
            self.progress.setRange(0, step.total)
            self.progress.setValue(min(step.done, step.total))
        if step.kind == "waiting" and step.until and step.channel:
            if step.channel not in self._waits:
                self.status.setText(f"{step.channel.upper()}'s rate limit is used up; sending resumes by itself "
                                    "at the reset.")
            self._waits[step.channel] = dt.datetime.fromisoformat(step.until)
            self._tick()
            return
        self.status.setText(step.text)
        if step.kind in ("sent", "failed", "unreachable", "requeued", "deferred", "stopped"):
            self.reload()

    @Slot(object)
    def _on_done(self, report: SendReport) -> None:
        self._cancel = None
        self._set_running(False)
        parts = [f"Sent {len(report.sent)}"]
        if report.failed:
            parts.append(f"failed {len(report.failed)}")
        if report.unreachable:
            parts.append(f"{len(report.unreachable)} cannot be reached on their channel (offer another)")
        if report.deferred:
            parts.append(f"{len(report.deferred)} held for quiet hours")
        if report.waiting_render:
            # Approved, not sent: a shot of the set was tied to another category or its preset changed.
            parts.append(f"{len(report.waiting_render)} waiting for a new render of their shots (Shoot ▸ Check All "
                         "Photos)")
        text = "; ".join(parts) + "."
        for channel, why in report.stopped.items():
            text += f" {channel.upper()} stopped: {why}"
        if report.cancelled:
            text += " Stopped on request; the rest stays queued."
        self.status.setText(text)
        self.reload()

    @Slot(object)
    def _on_failure(self, exc: BaseException) -> None:
        self._cancel = None
        self._set_running(False)
        self.status.setText(f"Sending stopped: {exc}" if isinstance(exc, LookbookError) else
                            f"Sending stopped by an unexpected error ({type(exc).__name__}: {exc}); "
                            "run Send again: nothing is sent twice.")
        self.reload()

    def _tick(self) -> None:
        now = dt.datetime.now(dt.UTC)
        waits = {c: t for c, t in self._waits.items() if t > now}
        self._waits = waits
        if not waits:
            self.countdown.clear()
            self.timer.stop()
            return
        self.countdown.setText("  ".join(f"{c.upper()} rate limit: resumes in {_countdown(t, now)}"
                                         for c, t in sorted(waits.items())))
        if not self.timer.isActive():
            self.timer.start()

    # -- actions on selected messages --------------------------------------------------------------------
    def _need_user(self) -> str | None:
        user = self.session.username
        if user is None:
            self.status.setText("Sign in first.")
        return user

    def retry_selected(self) -> None:
        """Queue the selected failed (retryable) messages again for the next send."""
        user = self._need_user()
        ids = [r.id for r in self.selected_rows()]
        if user is None or not ids:
            return
        self.db.run(lambda store: retry(store, ids, user),
                    on_done=lambda _c: self.status.setText(f"{plural(len(ids), 'message')} queued again; press Send."),
                    on_failure=self._report_error)

    def offer_other_channel(self) -> None:
        """Draft the selected refused message on the customer's next channel and submit it for approval."""
        user = self._need_user()
        rows = self.selected_rows()
        if user is None or len(rows) != 1:
            return
        mid = rows[0].id
        self.db.run(lambda store: reachability.offer_next_channel(store, mid, user),
                    on_done=lambda new: self.status.setText(
                        f"Message {new} offers it on the customer's next channel; it waits for a manager's approval."),
                    on_failure=self._report_error)

    def check_replies(self) -> None:
        """Fetch new DM replies on the network thread."""
        db = blocking_db(self.db)
        self.replies_button.setEnabled(False)
        self.net.submit(lambda: replies.poll(db), on_done=self._replies_done, on_failure=self._replies_failed)

    @Slot(object)
    def _replies_done(self, report: PollReport) -> None:
        self.replies_button.setEnabled(True)
        text = f"{len(report.new)} new repl{'y' if len(report.new) == 1 else 'ies'}"
        if report.withdrawn:
            text += (f"; {plural(len(report.withdrawn), 'customer')} asked to stop (consent withdrawn, their messages "
                     "cancelled)")
        self.status.setText(text + "." + "".join(f" {w}" for w in report.warnings))

    @Slot(object)
    def _replies_failed(self, exc: BaseException) -> None:
        self.replies_button.setEnabled(True)
        self._report_error(exc)

    @Slot(object)
    def _report_error(self, exc: BaseException) -> None:
        self.status.setText(str(exc) if isinstance(exc, LookbookError) else f"{type(exc).__name__}: {exc}")

    def cleanup(self) -> None:
        """Stop a run in progress (after the message in hand) and the network thread."""
        self.stop_sending()
        self.timer.stop()
        if self._owns_net:
            self.net.shutdown()
