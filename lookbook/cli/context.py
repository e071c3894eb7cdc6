"""What every command handler gets: the parsed options and a lazily opened store."""

from __future__ import annotations

import argparse
from pathlib import Path

from lookbook.library import Library, default_library_path
from lookbook.store import Store, open_store


class CliContext:
    """Opens the library named by ``--library`` (or the default) when a handler first asks."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._store: Store | None = None

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
        return self._store

    def close(self) -> None:
        """Close the store if it was opened."""
        if self._store is not None:
            self._store.close()
            self._store = None
