"""The delivery section of the Settings page: a box for every channel (X, e-mail, SMS, WhatsApp, a plugin), each
built the same way from the credentials the channel declares (:mod:`lookbook.outbox.channels.credentials`).

X's box adds, after its declared app fields, what cannot be a field: signing in runs the OAuth 2.0 + PKCE flow of
:mod:`lookbook.outbox.channels.x_oauth` (the page opens X's sign-in page in the person's browser and waits, on the
network thread, for the loopback redirect; tokens go to the system keyring), or OAuth 1.0a user tokens are
entered and checked with X first. Passwords and tokens are typed into masked fields, handed to the core, and never
kept by the widget after saving.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from lookbook.errors import LookbookError
from lookbook.outbox.channels import accounts, credentials
from lookbook.store import secrets
from lookbook.store.database import Store
from ui.signin import Session
from ui.workers import StoreRunner, TaskRunner

if TYPE_CHECKING:
    # The X client (requests, tweepy, OAuth) loads when someone signs in, not with the page (issue 18).
    from lookbook.outbox.channels.x import OAuth2Token

#: Boxes side by side in a row, so the Settings page fits a small window without scrolling.
BOXES_PER_ROW = 2


def load_delivery(store: Store) -> dict[str, Any]:
    """Return the delivery settings the section shows (never a secret; only whether each one is entered)."""
    return {"x": accounts.x_settings(store),
            # The keyring is not asked which secrets are there: a locked one would hold up the library's thread.
            "channels": {c.name: (c.label, credentials.fields(store, c.name, look_in_keyring=False))
                         for c in credentials.configurable()}}


def _page_of(widget: QWidget) -> QWidget:
    from PySide6.QtWidgets import QStackedWidget

    page = widget
    while (parent := page.parentWidget()) is not None and not isinstance(parent, QStackedWidget):
        page = parent  # the page: only one page's controls are on screen at a time
    return page


def _with_mnemonic(text: str, widget: QWidget, *, start: int = 5, digits: bool = True) -> str:
    """Return ``text`` with an Alt letter no other button or field label of the page uses and no menu opens (F, E,
    V, G, H); the channel boxes are made from what channels declare, so their letters cannot be chosen by hand.

    :param start: where to look first (5: after "Save ", the channel's own letters).
    :param digits: whether "(&1)" may be added when none of its own letters is free (buttons; a field's label is
        then left without one: four channels' fields are more than the alphabet).
    """
    from PySide6.QtWidgets import QAbstractButton

    page = _page_of(widget)
    taken = set("fevgh")
    for other in [b.text() for b in page.findChildren(QAbstractButton)] + [
            label.text() for label in page.findChildren(QLabel) if label.buddy() is not None]:
        if "&" in other and other.index("&") + 1 < len(other):
            taken.add(other[other.index("&") + 1].lower())
    order = [*range(start, len(text)), *range(start)]
    for i in order:
        if i < len(text) and text[i].isalnum() and text[i].lower() not in taken:
            return f"{text[:i]}&{text[i:]}"
    digit = next((d for d in "123456789" if d not in taken), "") if digits else ""
    return f"{text} (&{digit})" if digit else text


class ChannelCredentials(QGroupBox):
    """One channel's credentials, a field per :class:`~lookbook.outbox.channels.interface.Credential` it declares
    (a list for one with choices); secrets are typed into masked fields, go to the keyring, and are never shown
    again (only whether they are entered).

    :param extra: what the channel needs besides its fields (X: signing in), shown under the Save button.
    """

    def __init__(self, name: str, label: str, fields: list[credentials.Field], section: DeliverySettings,
                 extra: QWidget | None = None) -> None:
        super().__init__(label[:1].upper() + label[1:])  # "E-mail", as a title
        self.name, self.label, self.section = name, label, section
        section.boxes_layout.addWidget(self, *divmod(len(section.channel_boxes), section.columns))
        form = QFormLayout(self)
        self.edits: dict[str, QLineEdit | QComboBox] = {}
        for f in fields:
            c = f.credential
            edit: QLineEdit | QComboBox
            if c.choices:
                edit = QComboBox()
                edit.addItems(list(c.choices))
            else:
                edit = QLineEdit()
                if c.secret:
                    edit.setEchoMode(QLineEdit.EchoMode.Password)
                else:
                    edit.setPlaceholderText(c.help + (" (optional)" if c.optional else ""))
            edit.setObjectName(f"credential_{name}_{c.name}")
            edit.setToolTip(c.help)
            edit.setAccessibleName(f"{label} {c.label}")
            self.edits[c.name] = edit
            form.addRow(c.label, edit)
        self.form = form
        self.save_button = QPushButton(_with_mnemonic(f"Save {label}", self))
        self.save_button.clicked.connect(self.save)
        form.addRow(self.save_button)
        if extra is not None:
            form.addRow(extra)
        self.show_fields(fields)

    def add_label_mnemonics(self) -> None:
        """Give each field's label an Alt letter of its own that is still free (after every box's Save button has
        one), which takes the focus to the field (QFormLayout makes the label its buddy)."""
        for edit in self.edits.values():
            label = self.form.labelForField(edit)
            if isinstance(label, QLabel) and "&" not in label.text():
                label.setText(_with_mnemonic(label.text(), self, start=0, digits=False))

    def text(self, name: str) -> str:
        """Return what is typed (or chosen) in field ``name``."""
        edit = self.edits[name]
        return edit.currentText() if isinstance(edit, QComboBox) else edit.text()

    def show_fields(self, fields: list[credentials.Field]) -> None:
        for f in fields:
            edit = self.edits[f.credential.name]
            if isinstance(edit, QComboBox):
                edit.setCurrentText(f.value or f.credential.choices[0])
            elif f.credential.secret:
                edit.clear()
                edit.setPlaceholderText("in the system keyring; type to replace" if f.entered else
                                        "kept in the system keyring; leave empty to keep the saved one"
                                        if f.entered is None else
                                        "not entered" + (" (optional)" if f.credential.optional else ""))
            else:
                edit.setText(f.value)

    def save(self) -> None:
        """Check and keep the fields; blank secrets keep the saved ones."""
        user = self.section._user()
        if user is None:
            return
        values = {name: self.text(name) for name in self.edits}
        name = self.name
        self.section.db.run(lambda store: credentials.save(store, name, values, user),
                            on_done=lambda _c: self._saved(), on_failure=self.section._failed)

    def _saved(self) -> None:
        # The secrets leave their fields as the message says they are kept, not when the reload below comes back
        # from the DB thread (a moment later, or a while on a busy machine).
        for edit in self.edits.values():
            if isinstance(edit, QLineEdit) and edit.echoMode() == QLineEdit.EchoMode.Password:
                edit.clear()
        self.section.message.setText(f"{self.title()} saved; its secrets are in the system keyring.")
        self.section.reload()


class DeliverySettings(QGroupBox):
    """A box per channel, built from what it declares, and X's sign-in; changes are recorded in the audit log under
    the signed-in person."""

    #: The channels' boxes were built (the first load): the page lays them out for its width.
    built = Signal()

    def __init__(self, db: StoreRunner, net: TaskRunner, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Delivery", parent)
        self.db = db
        self.net = net
        self.session = session
        self._cancel_sign_in: threading.Event | None = None
        column = QVBoxLayout(self)
        # Every channel's box, in the registry's order, built from what it declares when the section first loads.
        self.boxes_layout = QGridLayout()
        column.addLayout(self.boxes_layout)
        #: Boxes side by side: BOXES_PER_ROW, or one where the page is narrow (:meth:`set_columns`).
        self.columns = BOXES_PER_ROW
        self.channel_boxes: dict[str, ChannelCredentials] = {}

        # What X needs besides its declared app fields: the account signed in, the browser sign-in, or OAuth 1.0a
        # user tokens (checked with X before they are kept, so they cannot be plain fields). Placed in X's box.
        # A child of the section from the start, so the boxes' Alt letters see the ones it takes.
        self.x_extra = QWidget(self)
        self.x_extra.hide()  # until X's box is built around it
        x_form = QFormLayout(self.x_extra)
        x_form.setContentsMargins(0, 0, 0, 0)
        self.x_account = QLabel("Not signed in")
        self.sign_in_button = QPushButton("Sign &in with X…")
        self.sign_in_button.setToolTip("Save the client id and port above, then sign in in your browser")
        self.sign_in_button.clicked.connect(self.sign_in)
        self.sign_out_button = QPushButton("Sign &Out")
        self.sign_out_button.clicked.connect(self.sign_out)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_in_button)
        buttons.addWidget(self.sign_out_button)
        buttons.addStretch(1)
        x_form.addRow("Account", self.x_account)
        x_form.addRow(buttons)
        self.oauth1 = [QLineEdit() for _ in range(4)]
        for field, label in zip(self.oauth1, ("Consumer &key", "Consumer sec&ret", "&Access token",
                                               "Access token secre&t"), strict=True):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setPlaceholderText("OAuth 1.0a (instead of signing in)")
            x_form.addRow(label, field)
        self.save_tokens_button = QPushButton("&Use These Tokens")
        self.save_tokens_button.clicked.connect(self.save_oauth1)
        x_form.addRow(self.save_tokens_button)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("deliveryMessage")
        column.addWidget(self.message)

    # -- loading -------------------------------------------------------------------------------------------
    def reload(self) -> None:
        self.db.run(load_delivery, on_done=self._show)

    def side_by_side_width(self) -> int:
        """Return the least width that shows BOXES_PER_ROW boxes side by side (the widest row of them)."""
        boxes = list(self.channel_boxes.values())
        spacing = max(self.boxes_layout.horizontalSpacing(), 0)
        rows = [boxes[i:i + BOXES_PER_ROW] for i in range(0, len(boxes), BOXES_PER_ROW)]
        need = max((sum(b.minimumSizeHint().width() for b in row) + spacing * (len(row) - 1) for row in rows),
                   default=0)
        margins, layout = self.contentsMargins(), self.layout()
        inner = layout.contentsMargins() if layout is not None else margins
        return need + margins.left() + margins.right() + inner.left() + inner.right()

    def set_columns(self, columns: int) -> None:
        """Lay the channels' boxes ``columns`` to a row (one in a 960-pixel window: two ran off its edge)."""
        if columns == self.columns:
            return
        self.columns = columns
        for i, box in enumerate(self.channel_boxes.values()):
            self.boxes_layout.removeWidget(box)
            self.boxes_layout.addWidget(box, *divmod(i, columns))

    @Slot(object)
    def _show(self, values: dict[str, Any]) -> None:
        built = False
        for name, (label, fields) in values.get("channels", {}).items():
            if name in self.channel_boxes:
                self.channel_boxes[name].show_fields(fields)
            else:
                extra = self.x_extra if name == "x" else None
                self.channel_boxes[name] = ChannelCredentials(name, label, fields, self, extra)
                if extra is not None:
                    extra.show()
                built = True
        if built:
            for box in self.channel_boxes.values():
                box.add_label_mnemonics()
            self._tab_order()
            self.built.emit()
        x = values["x"]
        self.x_account.setText(f"@{x['username']} ({'OAuth 2.0' if x.get('auth') == 'oauth2' else 'OAuth 1.0a'})"
                               if x.get("username") else "Not signed in")
        self.sign_out_button.setEnabled(bool(x.get("username")))

    def _tab_order(self) -> None:
        """Tab runs through each box top to bottom (X's sign-in after its fields), box after box."""
        chain: list[QWidget] = []
        for box in self.channel_boxes.values():
            chain += [*box.edits.values(), box.save_button]
            if box.name == "x":
                chain += [self.sign_in_button, self.sign_out_button, *self.oauth1, self.save_tokens_button]
        for before, after in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(before, after)

    def _user(self) -> str | None:
        user = self.session.username
        if user is None:
            self.message.setText("Sign in first: delivery changes are recorded under your name.")
        return user

    @Slot(object)
    def _failed(self, exc: BaseException) -> None:
        self.sign_in_button.setEnabled(True)
        self.message.setText(str(exc) if isinstance(exc, LookbookError) else f"{type(exc).__name__}: {exc}")

    # -- X -------------------------------------------------------------------------------------------------
    def sign_in(self) -> None:
        """Open X's sign-in page in the browser and wait (off the UI thread) for it to come back."""
        from lookbook.outbox.channels.x import XChannel, XEndpoints
        from lookbook.outbox.channels.x_oauth import PkceSignIn

        user = self._user()
        box = self.channel_boxes.get("x")
        client_id = box.text("client_id").strip() if box is not None else ""
        if user is None:
            return
        if not client_id:
            self.message.setText("Enter the X app's client id first (X developer portal → your app → Keys).")
            return
        try:
            port = accounts.x_port(box.text("port") if box is not None else "")
        except LookbookError as exc:
            self.message.setText(str(exc))
            return
        self.sign_in_button.setEnabled(False)
        self.message.setText("Finish signing in in your browser…")
        cancel = self._cancel_sign_in = threading.Event()
        db = self.db

        typed = box.text("client_secret").strip() if box is not None else ""
        if box is not None and isinstance(secret_edit := box.edits.get("client_secret"), QLineEdit):
            secret_edit.clear()  # a secret is not kept by the widget

        def client_secret(store: Store) -> str | None:
            accounts.save_x_client(store, client_id, user, port=port, client_secret=typed or None)
            return secrets.Vault.for_store(store).get(secrets.X_OAUTH2_CLIENT_SECRET)

        def work(secret: str | None) -> tuple[OAuth2Token, tuple[str, str]]:
            with PkceSignIn(client_id, client_secret=secret, port=port) as flow:
                url = flow.start()
                self._open_url(url)
                token = flow.wait(timeout=300, cancel=cancel)
            with XChannel(token=token, endpoints=XEndpoints.from_env()) as x:
                return token, x.me()

        def save(result: tuple[OAuth2Token, tuple[str, str]]) -> None:
            token, (user_id, username) = result
            db.run(lambda store: accounts.save_x_oauth2(store, token, user_id=user_id, username=username, actor=user),
                   on_done=lambda _c: self._signed_in(username), on_failure=self._failed)

        db.run(client_secret, on_done=lambda secret: self.net.submit(work, secret, on_done=save,
                                                                       on_failure=self._failed),
               on_failure=self._failed)

    def _open_url(self, url: str) -> None:
        # Called on the network thread: QDesktopServices is safe to call from any thread.
        QDesktopServices.openUrl(QUrl(url))

    def _signed_in(self, username: str) -> None:
        self.sign_in_button.setEnabled(True)
        self.message.setText(f"Signed in to X as @{username}; the tokens are in the system keyring.")
        self.reload()

    def save_oauth1(self) -> None:
        """Check OAuth 1.0a tokens against X, then keep them in the keyring."""
        user = self._user()
        values = [f.text().strip() for f in self.oauth1]
        if user is None:
            return
        if not all(values):
            self.message.setText("Enter all four OAuth 1.0a values (consumer key and secret, access token and secret).")
            return
        from lookbook.outbox.channels.x import OAuth1Keys, XChannel

        keys = OAuth1Keys(*values)
        db = self.db

        def save(account: tuple[str, str]) -> None:
            for field in self.oauth1:
                field.clear()
            db.run(lambda store: accounts.save_x_oauth1(store, keys, user_id=account[0], username=account[1],
                                                         actor=user),
                   on_done=lambda _c: self._signed_in(account[1]), on_failure=self._failed)

        def who() -> tuple[str, str]:
            with XChannel(oauth1=keys) as x:
                return x.me()

        self.net.submit(who, on_done=save, on_failure=self._failed)

    def sign_out(self) -> None:
        user = self._user()
        if user is None:
            return
        self.db.run(lambda store: accounts.sign_out_x(store, user), on_done=lambda _c: self._signed_out(),
                    on_failure=self._failed)

    def _signed_out(self) -> None:
        self.message.setText("Signed out of X.")
        self.reload()

    def cleanup(self) -> None:
        """Give up a sign-in that is still waiting for the browser."""
        if self._cancel_sign_in is not None:
            self._cancel_sign_in.set()
