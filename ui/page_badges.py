"""What waits on a page, counted for its sidebar badge before the page itself is built.

The main window builds a page the first time it is shown (issue 18: launch speed), yet the sidebar tells
from the start that 3 messages wait for approval or 2 failed. Until a page is built, :func:`badge_for` counts
what its badge says on the DB thread, with the same core functions and the same words the page uses once it
is built (it then counts its own, on each reload). The page modules are not imported here.
"""

from __future__ import annotations

from dataclasses import dataclass

from lookbook.store.database import Store
from lookbook.store.users import User


@dataclass(frozen=True)
class Badge:
    """Which parts of :class:`~lookbook.hooks.Changes` change a page's badge."""

    watches: tuple[str, ...]


#: The pages with a badge, by title (Shoot's is counted by the page, which is always built).
BADGES: dict[str, Badge] = {
    "Approvals": Badge(("outbox", "users")),
    "Outbox": Badge(("outbox",)),
    "Conversations": Badge(("customers", "outbox")),
}


def to_approve(total: int) -> str:
    """The Approvals badge: messages waiting for a manager."""
    return f"{total} to approve" if total else ""


def failed(total: int) -> str:
    """The Outbox badge: messages that failed."""
    return f"{total} failed" if total else ""


def unread(total: int) -> str:
    """The Conversations badge: replies nobody opened."""
    return f"{total} unread" if total else ""


def conversations_of(user: User | None) -> str | None:
    """Whose conversations the page lists at first: an associate's own, everyone's for other roles."""
    return user.username if user is not None and user.role == "associate" else None


def badge_for(store: Store, title: str, user: User | None) -> str:
    """Return the badge of the page called ``title`` for ``user`` (run on the DB thread).

    :param user: the person signed in (None for nobody): the Conversations page shows an associate's own.
    """
    # Imported here, on the DB thread after the window showed: the main window's import stays light.
    from lookbook.outbox import conversations, messages

    if title == "Approvals":
        return to_approve(sum(p.pending for p in messages.pending_sets(store)))
    if title == "Outbox":
        return failed(messages.count_in_state(store, "failed"))
    if title == "Conversations":
        return unread(conversations.unread_count(store, associate=conversations_of(user)))
    raise KeyError(f"no badge is counted for the page {title!r}")
