"""The library folder: where it is, what it holds, and the photo store inside it.

A library is one folder::

    library.db          the store (SQLite)
    originals/ab/<sha256>.<ext>   imported photos, under their content hash, never modified
    renders/            rendered shots, cached; always rebuildable from originals + recipes
    backups/            copies of library.db taken before each migration
    exports/            lookbook PDFs and cards written for sending
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from lookbook.errors import LibraryError

#: File name suffixes that the importer treats as photos (lower case, with the dot).
SUPPORTED_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".tif", ".tiff", ".webp", ".heic", ".heif"})

DB_NAME = "library.db"
ENV_LIBRARY = "LOOKBOOK_LIBRARY"
APP_NAME = "Lookbook Studio"
_HASH_CHUNK = 1 << 20


def app_data_dir() -> Path:
    """Return the app's folder in the user's data dir, which holds the default and demo libraries."""
    import platformdirs  # here: a command given --library (and the app's tests) never needs it

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_library_path() -> Path:
    """Return the library folder to use when none is given: ``$LOOKBOOK_LIBRARY`` or the user data dir."""
    env = os.environ.get(ENV_LIBRARY)
    if env:
        return Path(env).expanduser()
    return app_data_dir() / "Library"


def default_demo_path() -> Path:
    """Return where the app keeps its demo library."""
    return app_data_dir() / "Demo Library"


#: Modes of what holds customers' data, where the platform has POSIX modes: the owner only.
PRIVATE_FILE_MODE, PRIVATE_DIR_MODE = 0o600, 0o700


def make_private(path: Path) -> None:
    """Make a file (0600) or folder (0700) readable by its owner only, where the platform allows (POSIX).

    Windows has no such modes (its folders under the user profile are private already). A file that is
    missing or not ours is left as it is: tightening is a precaution, never a reason to refuse to work.
    """
    if os.name != "posix":
        return
    try:
        path.chmod(PRIVATE_DIR_MODE if path.is_dir() else PRIVATE_FILE_MODE)
    except OSError:
        pass


def create_private_file(path: Path) -> None:
    """Create an empty file that only its owner may read (before anything is written into it)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE)
    os.close(fd)
    make_private(path)  # the file may have existed with a wider mode


def file_sha256(path: Path) -> str:
    """Return the hex SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Library:
    """The paths of one library folder. Holds no open handles, so it can cross threads."""

    root: Path

    @property
    def name(self) -> str:
        """Return the name shown to people: the folder's name."""
        return self.root.name or str(self.root)

    @property
    def db_path(self) -> Path:
        return self.root / DB_NAME

    @property
    def originals_dir(self) -> Path:
        return self.root / "originals"

    @property
    def renders_dir(self) -> Path:
        return self.root / "renders"

    @property
    def backups_dir(self) -> Path:
        return self.root / "backups"

    @property
    def exports_dir(self) -> Path:
        return self.root / "exports"

    def exists(self) -> bool:
        """Return whether the folder holds a library database."""
        return self.db_path.is_file()

    @classmethod
    def locate(cls, path: Path | str) -> Library:
        """Return the existing library at ``path``.

        :raises LibraryError: if there is no folder or no ``library.db`` in it.
        """
        root = Path(path).expanduser().absolute()
        if not root.exists():
            raise LibraryError(
                f"{root}: no such folder. Create a library there with `lookbook init {root}`, "
                "or choose another with --library."
            )
        if not root.is_dir():
            raise LibraryError(f"{root}: is a file, not a library folder. Choose a folder with --library.")
        lib = cls(root)
        if not lib.exists():
            raise LibraryError(
                f"{root}: not a Lookbook library (no {DB_NAME} in it). "
                f"Create one with `lookbook init {root}` or choose another folder."
            )
        return lib

    @classmethod
    def check_new(cls, path: Path | str) -> Library:
        """Check that a new library can be made at ``path``; only the app's own data folder may be created.

        The folder itself may be missing (its parent must exist) or hold no library;
        an existing library is never overwritten.

        :raises LibraryError: if a library is already there or the place is not writable.
        """
        root = Path(path).expanduser().absolute()
        lib = cls(root)
        if root.exists() and not root.is_dir():
            raise LibraryError(f"{root}: is a file. Choose a folder for the new library.")
        if lib.db_path.exists():
            raise LibraryError(f"{root}: a library already exists there; open it instead, or choose an empty folder.")
        parent = root if root.exists() else root.parent
        if not parent.exists() and parent == app_data_dir():
            # The app's own folder in the user's data dir is ours to make (a fresh machine has none).
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise LibraryError(f"{parent}: cannot be created ({exc.strerror}). Choose another place with "
                                   "--library.") from exc
        if not parent.exists():
            raise LibraryError(f"{parent}: no such folder. Create it first, or choose another place for the library.")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise LibraryError(f"{parent}: not writable. Choose a folder you can write to, or fix its permissions.")
        return lib

    @classmethod
    def prepare_new(cls, path: Path | str) -> Library:
        """Check that a new library can be made at ``path`` (see :meth:`check_new`) and create its folders.

        :raises LibraryError: if a library is already there or the place is not writable.
        """
        lib = cls.check_new(path)
        root = lib.root
        try:
            root.mkdir(exist_ok=True)
            lib.ensure_folders()
        except OSError as exc:
            raise LibraryError(f"{root}: cannot create the library folders ({exc.strerror}).") from exc
        return lib

    def ensure_folders(self) -> None:
        """Create the library's sub-folders if they are missing, and keep the library private (:meth:`make_private`)."""
        for folder in (self.originals_dir, self.renders_dir, self.backups_dir, self.exports_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.make_private()

    def make_private(self) -> None:
        """Make the library folder, its database, backups and exports readable by the owner only (POSIX).

        The database holds the customer book; backups are copies of it; exports hold what is sent to
        customers. Libraries made before this are tightened when they are next opened.
        """
        for folder in (self.root, self.backups_dir, self.exports_dir):
            make_private(folder)
        for suffix in ("", "-wal", "-shm"):
            make_private(self.db_path.with_name(self.db_path.name + suffix))
        for folder in (self.backups_dir, self.exports_dir):
            if folder.is_dir():
                for path in folder.iterdir():
                    make_private(path)

    def original_path(self, sha256: str, suffix: str) -> Path:
        """Return where the original with this hash is (or would be) stored."""
        return self.originals_dir / sha256[:2] / f"{sha256}{suffix.lower()}"

    def store_original(self, source: Path, sha256: str | None = None) -> tuple[str, Path]:
        """Copy ``source`` into the photo store under its content hash; return (hash, stored path).

        Copying to a temporary name and renaming means a crash or full disk never
        leaves a half-written original under a real name.

        :raises LibraryError: if the copy fails (disk full, permissions).
        """
        digest = sha256 or file_sha256(source)
        target = self.original_path(digest, source.suffix or ".bin")
        if target.exists():
            return digest, target
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        try:
            shutil.copyfile(source, partial)
            os.replace(partial, target)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise LibraryError(f"{source}: could not copy into the library ({exc.strerror or exc}).") from exc
        return digest, target
