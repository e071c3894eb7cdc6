"""The Approvals page: the manager's view of a set as its customers will see it.

On the left, the sets waiting for approval, the longest waiting first, with when
each expires. On the right, the selected set: its lookbook card, each message as it
will look on its channel, who it goes to and why, the set's audit trail, and one
comment box with Approve / Reject for the whole set or the selected messages. The
page only records decisions through :mod:`lookbook.outbox.messages` on the database thread;
the core does the checking (manager role, not the drafter, consent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from itertools import pairwise
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QUrl, Slot
from PySide6.QtGui import QImage, QPixmap, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from lookbook.customers.consent import CHANNEL_LABELS
from lookbook.hooks import Changes
from lookbook.lookbooks.composer import flagged_on_card
from lookbook.outbox import compose
from lookbook.outbox import messages as outbox
from lookbook.outbox.channels import registry
from lookbook.outbox.compose import RenderedEmail
from lookbook.outbox.messages import AuditEntry, BatchReport, MessageRow, PendingSet
from lookbook.photos.review import FlaggedShot, still_flagged, still_flagged_details
from lookbook.store import roles
from lookbook.store.database import Store
from lookbook.words import plural
from ui import page_badges
from ui.models import ElidedTipDelegate, RowsTableModel
from ui.pages.base import Page
from ui.signin import Session
from ui.widgets.empty_state import empty_state
from ui.widgets.tables import read_only_table
from ui.widgets.wrapped_label import WrappedLabel
from ui.workers import StoreRunner

SET_HEADERS = ["Set", "Brand", "Drafted by", "Messages", "Expires"]
MESSAGE_HEADERS = ["Customer", "Channel", "Why them"]


@dataclass(frozen=True)
class SetReview:
    """Everything the page shows about one pending set, loaded together on the DB thread."""

    pending: PendingSet
    messages: list[MessageRow]
    card: Path | None
    audit: list[AuditEntry]
    #: Each message's own attachment (its customer's card: their sizes on it), by message id.
    cards: dict[int, Path] = field(default_factory=dict)
    #: What each message must be on its channel (WhatsApp: a template, or free text in the 24-hour window).
    rules: dict[int, str] = field(default_factory=dict)
    #: The shots on the set's card still flagged for review, with why (a manager should see it before approving).
    flagged: list[FlaggedShot] = field(default_factory=list)


def load_review(store: Store, set_id: int) -> SetReview | None:
    """Return what the approver sees of a set, or ``None`` if nothing in it is pending any more."""
    pending = next((p for p in outbox.pending_sets(store) if p.set_id == set_id), None)
    if pending is None:
        return None
    messages = sorted(outbox.list_messages(store, state="pending", set_id=set_id), key=lambda m: m.id)
    card = next((store.library.root / m.attachment for m in messages if m.attachment), None)
    cards = {m.id: store.library.root / m.attachment for m in messages if m.attachment}
    rules = {m.id: rule for m in messages if (kind := registry.find(m.channel)) is not None
             and (rule := kind.drafting_rule(store, m.customer_id))}
    return SetReview(pending, messages, card, outbox.set_audit(store, set_id), cards, rules,
                     flagged_on_card(store, set_id))


def describe(entry: AuditEntry) -> str:
    """Return one audit entry as a line a person reads."""
    detail = entry.detail
    what = entry.action.split(".", 1)[-1].replace("_", " ")
    target = f"{entry.entity} {entry.entity_id}" if entry.entity_id else entry.entity
    extra = ""
    if detail.get("comment"):
        extra = f" — “{detail['comment']}”"
    if "original_body" in detail:
        extra += f" — was: “{detail['original_body'][:80]}”"
    return f"{entry.at.replace('T', ' ')[:16]}  {entry.actor}: {what} {target}{extra}"


class ApprovalsPage(Page):
    """Approve or reject a set (or some of its messages) with a comment, in one step."""

    title = "Approvals"
    watches = ("outbox", "audit", "users")

    def __init__(self, db: StoreRunner, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(db, parent)
        self.session = session
        self._review: SetReview | None = None
        self._pending: list[PendingSet] = []

        self.hint = QLabel()
        self.hint.setObjectName("pageSummary")
        self.hint.setWordWrap(True)
        self.layout_.addWidget(self.hint)

        self.sets_model = RowsTableModel(SET_HEADERS, self)
        self.sets_view = read_only_table(self.sets_model)
        self.sets_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.sets_view.selectionModel().currentRowChanged.connect(lambda *_: self._load_selected())
        self.sets_view.setAccessibleName("Sets waiting for approval")
        # One line: the summary above already says nothing waits, and the list is a few rows high (a two-line
        # hint was cut in half there on a 768-high screen).
        empty_state(self.sets_view, "Sets appear here when an associate clicks <b>Submit for Approval</b> on "
                                    "<b>Match &amp; Compose</b>.")

        # The set as customers will see it.
        self.card = QLabel("No card")
        self.card.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        self.card.setMinimumSize(200, 200)
        # The card is as tall as the set is long: it scrolls rather than being cut off.
        self.card_scroll = QScrollArea()
        self.card_scroll.setWidget(self.card)
        self.card_scroll.setWidgetResizable(True)
        self.card_scroll.setAccessibleName("The set's card as customers will see it")
        self.card_scroll.setMinimumWidth(220)
        self._card_pixmap = QPixmap()
        self.card_scroll.viewport().installEventFilter(self)
        self.messages_model = RowsTableModel(MESSAGE_HEADERS, self)
        # One line per customer, elided; the whole reason shows on hover and in the message panel beside it.
        self.messages_view = read_only_table(self.messages_model, wrap=False)
        self.messages_view.setItemDelegate(ElidedTipDelegate(self.messages_view))
        self.messages_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.messages_view.selectionModel().currentRowChanged.connect(lambda *_: self._show_message())
        self.messages_view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.messages_view.setAccessibleName("Messages of the set")
        # One line per customer: the whole reason is in the message panel beside it.
        self.messages_view.setWordWrap(False)
        self.messages_view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.recipient = WrappedLabel()  # its lines are all shown, however narrow the column
        self.subject = QLineEdit()
        self.subject.setPlaceholderText("Subject (e-mail only)")
        self.body = QPlainTextEdit()
        self.body.setTabChangesFocus(True)  # Tab goes on to Save Edit, not into the message
        self.body.textChanged.connect(self._count)
        # An e-mail as its customer will get it: the very MIME message the sender transmits, its HTML with
        # the customer's card, its lines (names, prices, sizes) and the store's footer (the text above is what
        # may be edited).
        self.email_view = QTextBrowser()
        self.email_view.setOpenLinks(False)
        self.email_view.setAccessibleName("The e-mail as the customer will get it")
        self.email_view.hide()
        self._email: RenderedEmail | None = None
        self.counter = QLabel()
        self.save_edit = QPushButton("&Save Edit")
        self.save_edit.setToolTip("Keep your change (the original stays in the audit log); then approve.")
        self.save_edit.clicked.connect(self.edit_current)
        message_box = QGroupBox("Message as it will look")
        column = QVBoxLayout(message_box)
        column.addWidget(self.recipient)
        column.addWidget(self.subject)
        # The text being edited above the e-mail as it goes out, split so the person gives either more room. Each
        # asks for a few lines, not a fixed height: a 160-pixel e-mail did not fit a 1366×768 window, and the
        # layout then painted the counter and Save Edit across it.
        lines = self.body.fontMetrics().lineSpacing()
        self.body.setMinimumHeight(3 * lines + 12)
        self.email_view.setMinimumHeight(4 * lines + 12)
        self.message_split = QSplitter(Qt.Orientation.Vertical)
        self.message_split.addWidget(self.body)
        self.message_split.addWidget(self.email_view)
        self.message_split.setStretchFactor(0, 1)
        self.message_split.setStretchFactor(1, 2)
        self.message_split.setChildrenCollapsible(False)
        column.addWidget(self.message_split, 1)
        row = QHBoxLayout()
        row.addWidget(self.counter, 1)
        row.addWidget(self.save_edit)
        column.addLayout(row)

        self.comment = QLineEdit()
        self.comment.setPlaceholderText("Comment for the associate (required to reject)")
        self.approve_set = QPushButton("&Approve Set")
        self.reject_set = QPushButton("&Reject Set")
        self.approve_selected = QPushButton("Approve Se&lected")
        self.reject_selected = QPushButton("Re&ject Selected")
        self.approve_set.clicked.connect(lambda: self.decide("approve", whole_set=True))
        self.reject_set.clicked.connect(lambda: self.decide("reject", whole_set=True))
        self.approve_selected.clicked.connect(lambda: self.decide("approve", whole_set=False))
        self.reject_selected.clicked.connect(lambda: self.decide("reject", whole_set=False))
        self.result = WrappedLabel()
        self._refusal_shown = ""  # the refusal last written into the result line, cleared when it no longer holds
        self.result.setObjectName("approvalResult")
        # Shots on the card still flagged for review, and why: said beside the decision, not found later in
        # the Shoot page (plain text: a file name never turns into markup; every reason in the tooltip).
        self.flagged = WrappedLabel()
        self.flagged.setObjectName("flaggedShots")
        self.flagged.setTextFormat(Qt.TextFormat.PlainText)
        self.flagged.setAccessibleName("Shots on the card still flagged for review")
        self.flagged.setVisible(False)
        decide = QHBoxLayout()
        decide.addWidget(self.comment, 1)
        for button in (self.approve_set, self.reject_set, self.approve_selected, self.reject_selected):
            decide.addWidget(button)

        self.audit = QPlainTextEdit()
        self.audit.setReadOnly(True)
        self.audit.setTabChangesFocus(True)
        self.audit.setMaximumBlockCount(500)
        audit_box = QGroupBox("Audit log of this set")
        QVBoxLayout(audit_box).addWidget(self.audit)
        # Two lines of the log at least (it scrolls, and its pane below the set can be dragged taller): at 1366×768
        # the height goes to the e-mail preview.
        self.audit.setMinimumHeight(self.audit.fontMetrics().lineSpacing() * 2 + 12)

        detail = QWidget()
        right = QVBoxLayout(detail)
        right.setContentsMargins(0, 0, 0, 0)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.card_scroll)
        top.addWidget(self.messages_view)
        top.addWidget(message_box)
        top.setSizes([280, 300, 440])  # the message panel is the widest: the manager reads the e-mail there
        top.setChildrenCollapsible(False)
        right.addWidget(top, 1)
        right.addWidget(self.flagged)
        right.addLayout(decide)
        right.addWidget(self.result)

        # Sets above, the chosen set below at the page's full width: a manager reads the card, the
        # list of customers and the message side by side. Few sets wait at once, so a few rows do; the log
        # of the set, below, is read now and then: a few lines of it.
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.sets_view)
        split.addWidget(detail)
        split.addWidget(audit_box)
        split.setSizes([80, 640, 110])
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        # Should the window still be too short for all of it (the first-run guide above the page at 1366×768),
        # the page scrolls rather than painting one widget over another.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(split)
        self.layout_.addWidget(scroll, 1)
        # Tab runs in reading order: the sets, the card, the customers, the message, the decision, the log.
        chain = [self.sets_view, self.card_scroll, self.messages_view, self.subject, self.body, self.save_edit,
                 self.comment, self.approve_set, self.reject_set, self.approve_selected, self.reject_selected,
                 self.audit]
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)
        session.changed.connect(self._on_session_changed)
        # Stale approvals expire when a library opens (the sender loop expires them too), never silently:
        # each keeps its reason, shown in the audit trail and the outbox list.
        db.library_opened.connect(self.expire_stale)
        self._show_review(None)

    # -- loading -------------------------------------------------------------------
    def reload(self) -> None:
        self.db.run(outbox.pending_sets, on_done=self._show_sets)

    def _show_sets(self, pending: list[PendingSet]) -> None:
        selected = self.selected_set_id()
        self._pending = pending
        self.sets_model.set_rows([(p.name, p.brand, ", ".join(p.drafted_by), p.pending,
                                   p.expires_at.replace("T", " ")[:16]) for p in pending])
        self.sets_view.resizeColumnsToContents()
        total = sum(p.pending for p in pending)
        self.hint.setText("Nothing waits for approval." if not pending else
                          f"{plural(total, 'message')} in {plural(len(pending), 'set')} "
                          f"{'waits' if total == 1 else 'wait'} for approval.")
        self.badge_changed.emit(page_badges.to_approve(total))
        ids = [p.set_id for p in pending]
        row = ids.index(selected) if selected in ids else (0 if ids else -1)
        if row >= 0:
            self.sets_view.selectRow(row)
            self._load_selected()
        else:
            self._show_review(None)

    def _fit_card(self) -> None:
        """Show the card as wide as its column (never wider than it is), so none of it is cut off."""
        if self._card_pixmap.isNull():
            return
        width = min(self._card_pixmap.width(), max(self.card_scroll.viewport().width() - 8, 120))
        self.card.setPixmap(self._card_pixmap.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.card_scroll.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_card()
        return super().eventFilter(watched, event)

    def selected_set_id(self) -> int | None:
        """Return the id of the set shown, if any."""
        row = self.sets_view.currentIndex().row()
        return self._pending[row].set_id if 0 <= row < len(self._pending) else None

    def _load_selected(self) -> None:
        set_id = self.selected_set_id()
        if set_id is None:
            self._show_review(None)
            return
        self.db.run(load_review, set_id, on_done=self._show_review)

    def _show_review(self, review: SetReview | None) -> None:
        # A reload (a change made here or anywhere else) re-shows the same set: keep the messages chosen
        # and a text being edited, so a send run in another window never throws away what is being read.
        before = self._review
        same_set = before is not None and review is not None and before.pending.set_id == review.pending.set_id
        kept_ids = self.selected_message_ids() if same_set else []
        current = self.current_message() if same_set else None
        edited = self._edit_in_progress(current)
        self._review = review
        self._card_pixmap = QPixmap()
        if review is None:
            self._show_no_review()
            return
        self._show_messages_card_and_audit(review)
        self._choose_again(review, current, kept_ids, edited)
        self._update_buttons()

    def _choose_again(self, review: SetReview, current: MessageRow | None, kept_ids: list[int],
                      edited: tuple[str, str] | None) -> None:
        """Choose again the messages chosen before a reload (else the first) and put back an edit in progress
        on the message still shown."""
        ids = [m.id for m in review.messages]
        if current is not None and current.id in ids:
            self._reselect(ids, kept_ids, current.id)
        elif review.messages:
            self.messages_view.selectRow(0)
        self._show_message()
        new_current = self.current_message()
        if edited is not None and new_current is not None and current is not None and new_current.id == current.id:
            self.body.setPlainText(edited[0])
            self.subject.setText(edited[1])

    def _edit_in_progress(self, current: MessageRow | None) -> tuple[str, str] | None:
        """Return the body and subject being edited for ``current``, or None when they are as saved."""
        if current is None:
            return None
        changed = (self.body.toPlainText() != current.body
                   or (current.channel == "email" and self.subject.text() != current.subject))
        return (self.body.toPlainText(), self.subject.text()) if changed else None

    def on_library_changed(self, changes: Changes) -> None:
        """Reload on the outbox, the audit log and users; a photo's change (a flag cleared or raised) updates only
        the line naming the card's flagged shots."""
        super().on_library_changed(changes)
        if changes.photos and not any(getattr(changes, name) for name in self.watches) and self._review is not None:
            set_id = self._review.pending.set_id
            # A set gone meanwhile is no error to show: the outbox's own change reloads the page.
            self.db.run(flagged_on_card, set_id, on_done=lambda found: self._show_flagged(set_id, found),
                        on_failure=lambda _exc: None)

    def _show_flagged(self, set_id: int, flagged: list[FlaggedShot]) -> None:
        """Say which shots on the card of set ``set_id`` (if it is still the one shown) are still flagged, and why."""
        if self._review is None or self._review.pending.set_id != set_id:
            return
        self.flagged.setText(still_flagged(flagged))
        self.flagged.setToolTip(still_flagged_details(flagged))
        self.flagged.setVisible(bool(flagged))

    def _show_no_review(self) -> None:
        """Show an empty review: no set chosen."""
        self.flagged.setVisible(False)
        self.messages_model.set_rows([])
        self.card.setPixmap(QPixmap())
        self.card.setText("Choose a set on the left.")
        self.audit.setPlainText("")
        self._show_message()
        self._update_buttons()

    def _show_messages_card_and_audit(self, review: SetReview) -> None:
        """Show the set's messages, its card and its audit trail."""
        # Channels as people name them ("e-mail", "X"), as on the Customers and Match pages.
        self.messages_model.set_rows([(m.customer_name, CHANNEL_LABELS.get(m.channel, m.channel), m.match_reason)
                                      for m in review.messages])
        self.messages_view.resizeColumnToContents(0)
        self.messages_view.resizeColumnToContents(1)
        pixmap = QPixmap(str(review.card)) if review.card else QPixmap()
        if pixmap.isNull():
            self.card.setText("No card: the set has no attachment.")
        else:
            self._card_pixmap = pixmap
            self._fit_card()
        self.audit.setPlainText("\n".join(describe(e) for e in review.audit))
        self._show_flagged(review.pending.set_id, review.flagged)

    def _reselect(self, ids: list[int], kept: list[int], current: int) -> None:
        """Choose again the messages ``kept`` (those still listed), with ``current`` the one shown."""
        selection = self.messages_view.selectionModel()
        flags = selection.SelectionFlag
        selection.setCurrentIndex(self.messages_model.index(ids.index(current), 0),
                                  flags.ClearAndSelect | flags.Rows)
        for message_id in kept:
            if message_id in ids and message_id != current:
                selection.select(self.messages_model.index(ids.index(message_id), 0), flags.Select | flags.Rows)

    def current_message(self) -> MessageRow | None:
        """Return the message shown in the preview, if any."""
        row = self.messages_view.currentIndex().row()
        if self._review is None or not 0 <= row < len(self._review.messages):
            return None
        return self._review.messages[row]

    def selected_message_ids(self) -> list[int]:
        """Return the ids of the messages selected in the list."""
        if self._review is None:
            return []
        rows = sorted({i.row() for i in self.messages_view.selectionModel().selectedRows()})
        return [self._review.messages[r].id for r in rows if r < len(self._review.messages)]

    def _show_message(self) -> None:
        message = self.current_message()
        kind = registry.find(message.channel) if message is not None else None
        # A channel with a subject shows it; one whose messages show the card in their text (e-mail) shows the
        # message exactly as built for sending, card and footer included.
        is_email = kind is not None and kind.limits.gallery
        self.subject.setVisible(kind is not None and kind.limits.subject is not None)
        self.email_view.setVisible(is_email)
        self._email = None
        self.email_view.clear()
        if message is None:
            self.recipient.setText("")
            self.body.setPlainText("")
            self.subject.setText("")
            return
        if is_email:
            message_id = message.id
            self.db.run(lambda store: compose.render_email(store, message_id),
                        on_done=lambda email: self._show_email(message_id, email),
                        on_failure=lambda exc: self._email_failed(message_id, exc))
        how = kind.shown_as if kind is not None else message.channel
        own = self._review.cards.get(message.id) if self._review is not None else None
        if own is not None and kind is not None and kind.limits.attachments >= 1:
            # The exact file this customer will receive (their sizes on it, at their channel's size: the e-mail
            # shows the same file in its text), not the set's first card.
            pixmap = QPixmap(str(own))
            if not pixmap.isNull():
                self._card_pixmap = pixmap
                self._fit_card()
                self.card.setToolTip(f"The card {message.customer_name} will receive: {own.name}")
        billed = kind.segments(message.body) if kind is not None else None
        if billed:  # SMS: what the text costs, before it is approved (an emoji makes it UCS-2)
            how = f"{how}, {billed}"
        rule = self._review.rules.get(message.id) if self._review is not None else None
        if rule:  # WhatsApp: an approved template, or free text inside the 24-hour window
            how = f"{how}, as {rule}"
        self.recipient.setText(f"To <b>{escape(message.customer_name)}</b> as {escape(how)}.<br>Why them: "
                               f"{escape(message.match_reason)}<br>Drafted by {escape(message.drafted_by)}.")
        self.subject.setText(message.subject)
        self.body.setPlainText(message.body)

    def _show_email(self, message_id: int, email: RenderedEmail) -> None:
        """Show the e-mail built for ``message_id`` (if it is still the message shown)."""
        current = self.current_message()
        if current is None or current.id != message_id:
            return
        self._email = email
        document = self.email_view.document()
        for cid, data in email.images.items():
            image = QImage.fromData(data)
            if image.width() > 360:  # the column is narrow; the e-mail itself keeps full size
                image = image.scaledToWidth(360, Qt.TransformationMode.SmoothTransformation)
            document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(f"cid:{cid}"), image)
        self.email_view.setHtml(email.html)

    def _email_failed(self, message_id: int, exc: BaseException) -> None:
        current = self.current_message()
        if current is not None and current.id == message_id:
            self.email_view.setPlainText(f"This e-mail cannot be sent as it is: {exc}")

    def email_shown(self) -> RenderedEmail | None:
        """Return the e-mail the page shows for the current message (for tests)."""
        return self._email

    def _count(self) -> None:
        message = self.current_message()
        kind = registry.find(message.channel) if message else None
        limit = kind.limits.text if kind else None
        length = len(self.body.toPlainText())
        self.counter.setText(f"{length:,} / {limit:,} characters" if limit else "")

    # -- who may decide ------------------------------------------------------------
    def _on_session_changed(self, _user: object) -> None:
        self._update_buttons()

    def _refusal(self) -> str:
        """Return why the signed-in person may not decide on the shown set ('' if they may)."""
        user = self.session.user
        if user is None:
            return "Sign in (File ▸ Sign In…) as a manager to approve."
        if not roles.allowed(user.role, "outbox.approve"):
            return f"{user.display_name} is {user.role}; only a manager approves."
        if self._review and user.username.casefold() in (d.casefold() for d in self._review.pending.drafted_by):
            return f"{user.display_name} drafted messages in this set; another manager must approve it."
        return ""

    def _own_change(self, messages: list[MessageRow]) -> str:
        """Return why the signed-in manager may not approve ``messages`` they last changed ('' if they may)."""
        user = self.session.user
        if user is None:
            return ""
        mine = [m.id for m in messages if (m.changed_by or "").casefold() == user.username.casefold()]
        if not mine:
            return ""
        which = "this message" if len(messages) == 1 else f"{len(mine)} of these messages"
        return (f"{user.display_name} made the last change to {which} (text, subject, picture or the set's shots); "
                "another manager must approve it. You may still reject.")

    def _update_buttons(self) -> None:
        why = self._refusal()
        has = self._review is not None and bool(self._review.messages)
        for button in (self.approve_set, self.reject_set, self.approve_selected, self.reject_selected):
            button.setEnabled(has and not why)
            button.setToolTip(why)
        # The two-person rule, shown before anyone clicks: no one approves what they last changed.
        own = ""
        if has and not why and self._review is not None:
            selected = set(self.selected_message_ids())
            chosen = [m for m in self._review.messages if m.id in selected]
            for button, messages in ((self.approve_set, self._review.messages), (self.approve_selected, chosen)):
                if refusal := self._own_change(messages):
                    button.setEnabled(False)
                    button.setToolTip(refusal)
                    own = own or refusal
        self.save_edit.setEnabled(has and self.session.user is not None)
        shown = ""
        if why and has:
            self.result.setText(why)
            shown = why
        elif own and self.result.text() in ("", self._refusal_shown):
            self.result.setText(own)  # never over the outcome of what was just done ("Message 5 saved")
            shown = own
        elif self.result.text() == self._refusal_shown:
            self.result.clear()  # e.g. "Sign in as a manager" once a manager has signed in
        self._refusal_shown = shown

    # -- actions -------------------------------------------------------------------
    @Slot()
    def expire_stale(self, _library: object = None) -> None:
        """Expire pending messages past the approval window or whose sizes sold out (on the DB thread)."""
        self.db.run(lambda store: outbox.expire_stale(store), on_done=self._expired)

    def _expired(self, report: BatchReport) -> None:
        if report.done:
            self.result.setText(f"{plural(len(report.done), 'message')} expired while waiting for approval; "
                                "their reasons are in the outbox list and the audit log.")

    @Slot()
    def decide(self, verb: str, *, whole_set: bool) -> None:
        """Approve or reject the set shown, or its selected messages, with the comment typed."""
        user, review = self.session.username, self._review
        if user is None or review is None:
            return
        comment = self.comment.text().strip()
        if verb == "reject" and not comment:
            self.result.setText("Say why in the comment box, so the associate can fix it.")
            self.comment.setFocus()
            return
        set_id = review.pending.set_id if whole_set else None
        ids = None if whole_set else self.selected_message_ids()
        if not whole_set and not ids:
            self.result.setText("Select the messages first.")
            return
        action = outbox.approve if verb == "approve" else outbox.reject

        def work(store: Store) -> BatchReport:
            return action(store, user, comment, set_id=set_id, message_ids=ids)

        self._set_busy(True)
        self.db.run(work, on_done=self._decided, on_failure=self._failed)

    def _decided(self, report: BatchReport) -> None:
        self._set_busy(False)
        past = "approved" if report.action == "approve" else "rejected"
        text = f"{plural(len(report.done), 'message')} {past}."
        if report.refused:
            text += " Not " + past + ": " + "; ".join(f"message {mid}: {why}" for mid, why in report.refused)
        self.result.setText(text)
        self.comment.clear()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.result.setText(str(exc))

    def _set_busy(self, busy: bool) -> None:
        for button in (self.approve_set, self.reject_set, self.approve_selected, self.reject_selected,
                       self.save_edit):
            button.setEnabled(not busy)
        if not busy:
            self._update_buttons()

    @Slot()
    def edit_current(self) -> None:
        """Save the text in the preview as the message's new text (recorded beside the original)."""
        message, user = self.current_message(), self.session.username
        if message is None or user is None:
            return
        body = self.body.toPlainText()
        kind = registry.find(message.channel)
        subject = self.subject.text() if kind is not None and kind.limits.subject is not None else None
        if body == message.body and (subject is None or subject == message.subject):
            self.result.setText("Nothing changed.")
            return

        def work(store: Store) -> outbox.EditReport:
            return outbox.edit_message(store, message.id, user, body, subject=subject)

        self.db.run(work, on_done=self._edited, on_failure=self._failed)

    def _edited(self, report: outbox.EditReport) -> None:
        self.result.setText(f"Message {report.message_id} saved; it is {report.state}. "
                            + " ".join(report.warnings))
