"""Telling the person signed in what happened to their work: a badge and a desktop notification.

:class:`NoticeCenter` asks :mod:`lookbook.outbox.notices` (on the DB thread) what the person signed in should hear
about each time the outbox changes, here or anywhere else (the store runner's watcher turns other windows',
the command line's and send runs' commits into the same change events). Its badge counts what they have not
seen yet (their messages approved, rejected, failed or answered since they last looked at the Outbox); new
notices also go to :class:`Notifier`, a desktop notification, unless they turned notifications off in Settings.
Up to where each person has seen is kept per library and person in this computer's settings (QSettings).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from PySide6.QtCore import QObject, QSettings, Signal, Slot
from PySide6.QtWidgets import QMainWindow, QSystemTrayIcon

from lookbook.hooks import Changes
from lookbook.outbox import notices
from lookbook.outbox.notices import Notice
from lookbook.store.database import Store
from lookbook.store.users import User
from ui.signin import Session
from ui.workers import StoreRunner

TITLE = "Lookbook Studio"


class Notifier(QObject):
    """Shows a desktop notification in the system tray, or in the window's status bar where there is no tray."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.tray: QSystemTrayIcon | None = None
        #: Every (title, text) shown, newest last (the status bar forgets; tests and the log do not).
        self.shown: list[tuple[str, str]] = []

    def notify(self, title: str, text: str) -> None:
        """Show ``text`` under ``title`` for a few seconds."""
        self.shown.append((title, text))
        if QSystemTrayIcon.isSystemTrayAvailable():
            if self.tray is None:
                self.tray = QSystemTrayIcon(self.window.windowIcon(), self)
                self.tray.setToolTip(TITLE)
                self.tray.messageClicked.connect(self._raise_window)
                self.tray.show()
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 10_000)
        else:
            # A desktop without a tray (or offscreen): the status bar says it, one line.
            self.window.statusBar().showMessage(f"{title}: {text.replace(chr(10), '  ')}", 15_000)

    def _raise_window(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def cleanup(self) -> None:
        """Take the tray icon away (the window closes)."""
        if self.tray is not None:
            self.tray.hide()


@dataclass(frozen=True)
class Loaded:
    """What one look at the audit log found for a person."""

    latest: int
    unseen: list[Notice]
    desktop: bool


def _load(store: Store, user: User, seen: int | None) -> Loaded:
    latest = notices.latest_id(store)
    unseen = notices.notices_for(store, user.username, user.role, seen) if seen is not None else []
    return Loaded(latest, unseen, notices.desktop_notifications(store, user.username))


class NoticeCenter(QObject):
    """Keeps the signed-in person's unseen notices: a badge text, and a notification for each new one."""

    #: The badge of the person's unseen notices ("1 rejected, 2 approved"; empty for none).
    badge_changed = Signal(str)
    #: The lines of a notification just shown (tests wait on it).
    notified = Signal(list)

    def __init__(self, db: StoreRunner, session: Session, notifier: Notifier, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.session = session
        self.notifier = notifier
        self._user: User | None = None
        self._seen: int | None = None  # audit id up to which the person has seen notices (None: not known yet)
        self._told = 0  # audit id up to which they were notified in this sitting
        self._latest = 0
        self._unseen: list[Notice] = []
        self._request = 0
        session.changed.connect(self._on_user)
        db.library_changed.connect(self._on_changed)

    # -- who and what ------------------------------------------------------------------------------------
    def _key(self, user: User) -> str:
        library = self.db.library
        where = hashlib.sha1(str(library.root if library else "").encode()).hexdigest()[:16]
        return f"notices/{where}/{user.username.casefold()}"

    @Slot(object)
    def _on_user(self, user: User | None) -> None:
        self._user, self._unseen = user, []
        self.badge_changed.emit("")
        if user is None:
            return
        stored = QSettings().value(self._key(user))
        self._seen = int(stored) if stored is not None else None
        # At sign-in, what happened since the person last looked is told once, as one notification.
        self._told = self._seen or 0
        self.check()

    @Slot(object)
    def _on_changed(self, changes: Changes) -> None:
        if changes.outbox or changes.audit or changes.settings:
            self.check()

    def check(self) -> None:
        """Look for new notices for the person signed in (on the DB thread)."""
        user = self._user
        if user is None:
            return
        self._request += 1
        request, seen = self._request, self._seen
        self.db.run(lambda store: _load(store, user, seen), on_done=lambda found: self._show(request, user, found),
                    on_failure=lambda _exc: None)  # a library closing under us: the next change looks again

    def _show(self, request: int, user: User, found: Loaded) -> None:
        if request != self._request or user is not self._user:
            return  # someone else signed in meanwhile, or a newer look is on its way
        self._latest = found.latest
        if self._seen is None:
            # The first time on this computer: start from now, not from the library's whole history.
            self._seen = self._told = found.latest
            QSettings().setValue(self._key(user), found.latest)
        self._unseen = found.unseen
        new = [n for n in found.unseen if n.id > self._told]
        if new:
            self._told = max(n.id for n in new)
            if found.desktop:
                lines = notices.summary(new)
                self.notifier.notify(TITLE, "\n".join(lines))
                self.notified.emit(lines)
        # Last: a person looking at their messages marks them seen at once (MainWindow._maybe_mark_seen).
        self.badge_changed.emit(notices.badge(found.unseen))

    def unseen(self) -> list[Notice]:
        """Return the notices the person signed in has not seen yet."""
        return list(self._unseen)

    def mark_seen(self) -> None:
        """The person looked at their messages: what was unseen is seen (the badge clears)."""
        user = self._user
        if user is None or not self._unseen:
            return
        self._seen = max(self._latest, max(n.id for n in self._unseen))
        self._told = max(self._told, self._seen)
        QSettings().setValue(self._key(user), self._seen)
        self._unseen = []
        self.badge_changed.emit("")
