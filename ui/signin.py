"""Who is working: the signed-in person, and the dialog that signs them in.

The app asks who is working before anyone approves, drafts or sends. The password is
checked by :func:`lookbook.store.users.authenticate` on the database thread; the dialog
only shows the result. The signed-in user lives in a :class:`Session` that the main
window owns and passes to the pages that need it (no global).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from lookbook.store.database import Store
from lookbook.store.users import User, authenticate, list_users
from ui.workers import StoreRunner


class Session(QObject):
    """The person working now (or nobody)."""

    #: Emitted with the new :class:`User`, or ``None`` after signing out.
    changed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._user: User | None = None

    @property
    def user(self) -> User | None:
        """Return who is signed in, or ``None``."""
        return self._user

    @property
    def username(self) -> str | None:
        """Return the signed-in user name, or ``None``."""
        return self._user.username if self._user else None

    def sign_in(self, user: User) -> None:
        """Make ``user`` the person working."""
        self._user = user
        self.changed.emit(user)

    def sign_out(self) -> None:
        """Forget who was working."""
        self._user = None
        self.changed.emit(None)


class SignInDialog(QDialog):
    """Ask who is working and check their password (on the DB thread)."""

    #: The library has no accounts at all (a new one): nobody can sign in; it needs its first-run setup.
    no_accounts = Signal()

    def __init__(self, db: StoreRunner, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.session = session
        self.setWindowTitle("Who is working?")
        self.user_box = QComboBox()
        self.user_box.setEditable(True)  # a name may be typed, so the list is a convenience, not a requirement
        # The names arrive after the dialog is laid out: room for "Display Name (merchandiser)" from the start.
        self.user_box.setMinimumContentsLength(28)
        self.user_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setObjectName("signInMessage")
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Name", self.user_box)
        form.addRow("&Password", self.password)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign In")
        self.buttons.accepted.connect(self.try_sign_in)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.db.run(lambda store: [(u.username, u.display_name, u.role) for u in list_users(store) if u.active],
                    on_done=self._show_users, on_failure=self._show_failure)

    def _show_users(self, users: list[tuple[str, str, str]]) -> None:
        if not users:
            self.no_accounts.emit()
        current = self.session.username
        for username, display, role in users:
            self.user_box.addItem(f"{display} ({role})", username)
        if current:
            self.user_box.setCurrentIndex(max(self.user_box.findData(current), 0))
        self.password.setFocus()

    def _username(self) -> str:
        text = self.user_box.currentText()
        data = self.user_box.currentData()
        # An item's text is "Display (role)"; a typed name has no data.
        return data if data is not None and text == self.user_box.itemText(self.user_box.currentIndex()) else text

    @Slot()
    def try_sign_in(self) -> None:
        """Check the name and password; sign in and close, or say why not."""
        username, password = self._username().strip(), self.password.text()
        if not username:
            self.message.setText("Choose or type your name.")
            return
        self.buttons.setEnabled(False)
        self.message.setText("Checking…")

        def check(store: Store) -> User:
            return authenticate(store, username, password)

        self.db.run(check, on_done=self._signed_in, on_failure=self._show_failure)

    def _signed_in(self, user: User) -> None:
        self.password.clear()
        self.session.sign_in(user)
        self.accept()

    def _show_failure(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.password.clear()
        self.password.setFocus()
        self.message.setText(str(exc))
