"""Errors a person can act on.

Every error the core raises for bad input derives from :class:`LookbookError`. Its
message is one line that names the file, row or field at fault and says what to do;
the command line prints it as it is and the app shows it in a dialog.
"""

from __future__ import annotations

from pathlib import Path


class LookbookError(Exception):
    """An error with a message fit to show a person as it is."""


class LibraryError(LookbookError):
    """The library folder or its database cannot be used."""


class LibraryTooNewError(LibraryError):
    """The library was written by a newer Lookbook Studio than this one."""


class InputError(LookbookError):
    """A file, row or field given by the user is not acceptable."""

    def __init__(self, message: str, *, path: Path | str | None = None) -> None:
        super().__init__(f"{path}: {message}" if path is not None else message)
        self.path = path


class LibraryDamagedError(LibraryError):
    """The library's database file is damaged; reading may work, writing is refused until it is restored."""


class LibraryReadOnlyError(LibraryError):
    """The library's file or folder cannot be written; reading works, changes are refused."""


class LibraryBusyError(LibraryError):
    """Another program kept the library's write lock for longer than the busy timeout."""


class DiskFullError(LibraryError):
    """The disk holding the library (or its backups) is full; the change was rolled back."""
