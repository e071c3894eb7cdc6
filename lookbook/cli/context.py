"""What every command handler gets: the parsed options and a lazily opened store."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from lookbook.errors import LookbookError
from lookbook.store.database import Store, open_store
from lookbook.store.library import Library, default_library_path
from lookbook.store.users import User, authenticate


class CliContext:
    """Opens the library named by ``--library`` (or the default) when a handler first asks."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._store: Store | None = None
        self._user: User | None = None

    @property
    def library_path(self) -> Path:
        """Return the library folder chosen by ``--library``, ``$LOOKBOOK_LIBRARY`` or the default."""
        given = getattr(self.args, "library", None)
        return Path(given).expanduser() if given else default_library_path()

    @property
    def store(self) -> Store:
        """Return the open store, opening (and migrating) the library on first use."""
        if self._store is None:
            self._store = open_store(Library.locate(self.library_path))
            for warning in self._store.warnings:  # damage, a broken audit chain: said before anything else
                print(f"lookbook: warning: {warning}", file=sys.stderr)
        return self._store

    @property
    def opened_store(self) -> Store | None:
        """Return the store if a handler opened it, else None (without opening it)."""
        return self._store

    @property
    def user(self) -> User:
        """Return the user named by ``--as``, signed in on first use.

        The password comes from ``$LOOKBOOK_PASSWORD`` or, failing that, a prompt that does not echo.

        :raises LookbookError: if ``--as`` was not given, or the sign-in is refused.
        """
        if self._user is None:
            username = getattr(self.args, "as_user", None)
            if not username:
                raise LookbookError("this command acts as a person: add --as USER (the password comes from a "
                                    "prompt or $LOOKBOOK_PASSWORD).")
            self._user = authenticate(self.store, username, self.read_password(username))
        return self._user

    def read_password(self, username: str) -> str:
        """Return ``username``'s password from ``$LOOKBOOK_PASSWORD``, else from a prompt that does not echo.

        :raises LookbookError: if there is neither (no terminal to prompt on).
        """
        password = os.environ.get("LOOKBOOK_PASSWORD")
        if password is not None:
            return password
        try:
            return getpass.getpass(f"Password for {username}: ")
        except EOFError:
            raise LookbookError(f"no password for {username}: type it at the prompt or set "
                                "$LOOKBOOK_PASSWORD.") from None

    def close(self) -> None:
        """Close the store if it was opened."""
        if self._store is not None:
            self._store.close()
            self._store = None
