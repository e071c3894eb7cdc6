"""The delivery section of the Settings page: X sign-in, the mail server, and a form for every other channel
built from the credentials it declares (:mod:`lookbook.outbox.channels.credentials`: SMS, WhatsApp, a plugin).

X sign-in runs the OAuth 2.0 + PKCE flow of :mod:`lookbook.outbox.channels.x_oauth`: the page
opens X's sign-in page in the person's browser and waits, on the network thread, for
the loopback redirect; tokens go to the system keyring. OAuth 1.0a user tokens can be
entered instead. Passwords and tokens are typed into masked fields, handed to the
core, and never kept by the widget after saving.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from lookbook.errors import LookbookError
from lookbook.outbox.channels import accounts, credentials
from lookbook.outbox.channels.email import DEFAULT_PORTS, SECURITY
from lookbook.store import secrets
from lookbook.store.database import Store
from ui.signin import Session
from ui.workers import StoreRunner, TaskRunner

if TYPE_CHECKING:
    # The X client (requests, tweepy, OAuth) loads when someone signs in, not with the page (issue 18).
    from lookbook.outbox.channels.x import OAuth2Token


def load_delivery(store: Store) -> dict[str, Any]:
    """Return the delivery settings the section shows (never a secret; only whether each one is entered)."""
    return {"x": accounts.x_settings(store), "email": dict(store.get_setting("delivery.email") or {}),
            # The keyring is not asked which secrets are there: a locked one would hold up the library's thread.
            "channels": {c.name: (c.label, credentials.fields(store, c.name, look_in_keyring=False))
                         for c in credentials.configurable() if c.name not in ("x", "email")}}


def _with_mnemonic(text: str, widget: QWidget) -> str:
    """Return ``text`` with an Alt letter no other button of the page uses and no menu opens (F, E, V, G, H);
    the channel boxes are made from what channels declare, so their letters cannot be chosen by hand."""
    from PySide6.QtWidgets import QAbstractButton, QStackedWidget

    page = widget
    while page.parentWidget() is not None and not isinstance(page.parentWidget(), QStackedWidget):
        page = page.parentWidget()  # the page: only one page's buttons are on screen at a time
    taken = set("fevgh")
    for button in page.findChildren(QAbstractButton):
        other = button.text()
        if "&" in other and other.index("&") + 1 < len(other):
            taken.add(other[other.index("&") + 1].lower())
    order = [*range(5, len(text)), *range(5)]  # after "Save ": the channel's own letters first
    for i in order:
        if i < len(text) and text[i].isalnum() and text[i].lower() not in taken:
            return f"{text[:i]}&{text[i:]}"
    digit = next((d for d in "123456789" if d not in taken), "")
    return f"{text} (&{digit})" if digit else text


class ChannelCredentials(QGroupBox):
    """One channel's credentials, a field per :class:`~lookbook.outbox.channels.interface.Credential` it declares;
    secrets are typed into masked fields, go to the keyring, and are never shown again (only whether they are
    entered)."""

    def __init__(self, name: str, label: str, fields: list[credentials.Field], section: DeliverySettings) -> None:
        super().__init__(label)
        self.name, self.label, self.section = name, label, section
        form = QFormLayout(self)
        self.edits: dict[str, QLineEdit] = {}
        for f in fields:
            c = f.credential
            edit = QLineEdit()
            edit.setObjectName(f"credential_{name}_{c.name}")
            edit.setToolTip(c.help)
            if c.secret:
                edit.setEchoMode(QLineEdit.EchoMode.Password)
            else:
                edit.setPlaceholderText(c.help + (" (optional)" if c.optional else ""))
            self.edits[c.name] = edit
            form.addRow(c.label, edit)
        self.save_button = QPushButton(_with_mnemonic(f"Save {label}", section))
        self.save_button.clicked.connect(self.save)
        form.addRow(self.save_button)
        self.show_fields(fields)

    def show_fields(self, fields: list[credentials.Field]) -> None:
        for f in fields:
            edit = self.edits[f.credential.name]
            if f.credential.secret:
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
        values = {name: edit.text() for name, edit in self.edits.items()}
        name = self.name
        self.section.db.run(lambda store: credentials.save(store, name, values, user),
                            on_done=lambda _c: self._saved(), on_failure=self.section._failed)

    def _saved(self) -> None:
        self.section.message.setText(f"{self.label} saved; its secrets are in the system keyring.")
        self.section.reload()


class DeliverySettings(QGroupBox):
    """X account and mail server; changes are recorded in the audit log under the signed-in person."""

    def __init__(self, db: StoreRunner, net: TaskRunner, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Delivery", parent)
        self.db = db
        self.net = net
        self.session = session
        self._cancel_sign_in: threading.Event | None = None
        column = QVBoxLayout(self)
        # X and e-mail side by side, so the Settings page fits a small window without scrolling.
        boxes = QHBoxLayout()
        column.addLayout(boxes)

        x_box = QGroupBox("X (direct messages)")
        x_form = QFormLayout(x_box)
        self.x_account = QLabel("Not signed in")
        self.client_id = QLineEdit()
        self.client_id.setPlaceholderText("OAuth 2.0 client id of the store's X app")
        self.port = QSpinBox()
        self.port.setRange(0, 65535)
        self.port.setSpecialValueText("any free port")
        self.port.setToolTip("The loopback port registered as the X app's callback (http://127.0.0.1:PORT/callback).")
        self.sign_in_button = QPushButton("Sign &in with X…")
        self.sign_in_button.clicked.connect(self.sign_in)
        self.sign_out_button = QPushButton("Sign &Out")
        self.sign_out_button.clicked.connect(self.sign_out)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_in_button)
        buttons.addWidget(self.sign_out_button)
        buttons.addStretch(1)
        x_form.addRow("Account", self.x_account)
        x_form.addRow("&Client id", self.client_id)
        x_form.addRow("Callback &port", self.port)
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
        boxes.addWidget(x_box)

        mail_box = QGroupBox("E-mail (SMTP)")
        mail_form = QFormLayout(mail_box)
        self.host = QLineEdit()
        self.smtp_port = QSpinBox()
        self.smtp_port.setRange(1, 65535)
        self.smtp_port.setValue(DEFAULT_PORTS["starttls"])
        self.security = QComboBox()
        self.security.addItems(list(SECURITY))
        self.security.currentTextChanged.connect(lambda s: self.smtp_port.setValue(DEFAULT_PORTS[s]))
        self.from_address = QLineEdit()
        self.from_name = QLineEdit()
        self.username = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("kept in the system keyring; leave empty to keep the saved one")
        # Alt letters that no menu (F, E, V, G, H) nor the X box above uses; QFormLayout makes each label
        # the buddy of its field, so Alt+letter moves the focus there.
        for label, field in (("S&MTP server", self.host), ("Port num&ber", self.smtp_port),
                             ("Securit&y", self.security), ("From a&ddress", self.from_address),
                             ("From &name", self.from_name), ("&Login name", self.username),
                             ("Pass&word", self.password)):
            mail_form.addRow(label, field)
        self.save_mail_button = QPushButton("&Save Mail Server")
        self.save_mail_button.clicked.connect(self.save_email)
        mail_form.addRow(self.save_mail_button)
        boxes.addWidget(mail_box)

        # Every other channel: a box each, built from what the channel declares when the section first loads.
        self.channel_row = QHBoxLayout()
        column.addLayout(self.channel_row)
        self.channel_boxes: dict[str, ChannelCredentials] = {}

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("deliveryMessage")
        column.addWidget(self.message)

    # -- loading -------------------------------------------------------------------------------------------
    def reload(self) -> None:
        self.db.run(load_delivery, on_done=self._show)

    @Slot(object)
    def _show(self, values: dict[str, Any]) -> None:
        for name, (label, fields) in values.get("channels", {}).items():
            if name in self.channel_boxes:
                self.channel_boxes[name].show_fields(fields)
            else:
                self.channel_boxes[name] = ChannelCredentials(name, label, fields, self)
                self.channel_row.addWidget(self.channel_boxes[name])
        x, email = values["x"], values["email"]
        self.x_account.setText(f"@{x['username']} ({'OAuth 2.0' if x.get('auth') == 'oauth2' else 'OAuth 1.0a'})"
                               if x.get("username") else "Not signed in")
        self.client_id.setText(str(x.get("client_id") or ""))
        self.port.setValue(int(x.get("port") or 0))
        self.sign_out_button.setEnabled(bool(x.get("username")))
        if email:
            self.host.setText(str(email.get("host", "")))
            self.security.setCurrentText(str(email.get("security", "starttls")))
            self.smtp_port.setValue(int(email.get("port") or DEFAULT_PORTS["starttls"]))
            self.from_address.setText(str(email.get("from_address", "")))
            self.from_name.setText(str(email.get("from_name", "")))
            self.username.setText(str(email.get("username", "")))

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
        client_id = self.client_id.text().strip()
        if user is None:
            return
        if not client_id:
            self.message.setText("Enter the X app's client id first (X developer portal → your app → Keys).")
            return
        port = self.port.value()
        self.sign_in_button.setEnabled(False)
        self.message.setText("Finish signing in in your browser…")
        cancel = self._cancel_sign_in = threading.Event()
        db = self.db

        def client_secret(store: Store) -> str | None:
            accounts.save_x_client(store, client_id, user, port=port)
            return secrets.Vault.for_store(store).get(secrets.X_OAUTH2_CLIENT_SECRET)

        def work(secret: str | None) -> tuple[OAuth2Token, tuple[str, str]]:
            with PkceSignIn(client_id, client_secret=secret, port=port) as flow:
                url = flow.start()
                self._open_url(url)
                token = flow.wait(timeout=300, cancel=cancel)
            return token, XChannel(token=token, endpoints=XEndpoints.from_env()).me()

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

        self.net.submit(lambda: XChannel(oauth1=keys).me(), on_done=save, on_failure=self._failed)

    def sign_out(self) -> None:
        user = self._user()
        if user is None:
            return
        self.db.run(lambda store: accounts.sign_out_x(store, user),
                    on_done=lambda _c: (self.message.setText("Signed out of X."), self.reload()),
                    on_failure=self._failed)

    # -- e-mail ----------------------------------------------------------------------------------------------
    def save_email(self) -> None:
        """Check and keep the mail server settings; the password goes to the keyring."""
        user = self._user()
        if user is None:
            return
        value = {"host": self.host.text().strip(), "port": self.smtp_port.value(),
                 "security": self.security.currentText(), "from_address": self.from_address.text().strip(),
                 "from_name": self.from_name.text().strip(), "username": self.username.text().strip()}
        password = self.password.text() or None
        self.db.run(lambda store: accounts.save_email_settings(store, value, user, password=password),
                    on_done=lambda _c: (self.password.clear(), self.message.setText("Mail server saved.")),
                    on_failure=self._failed)

    def cleanup(self) -> None:
        """Give up a sign-in that is still waiting for the browser."""
        if self._cancel_sign_in is not None:
            self._cancel_sign_in.set()
