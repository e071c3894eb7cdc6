"""Refusing a library on a network share.

SQLite keeps a library consistent with file locks, and those locks are unreliable on network file systems
(NFS, SMB/CIFS, sshfs, 9p, ...): two computers writing the same ``library.db`` over a share can each believe
they hold the lock and damage the file, and a WAL library (ours) needs shared memory that only works on one
machine. So a library must live on the disk of the computer that opens it; colleagues on other desks sign
in to that computer in turn. :func:`check_local` refuses a network location with a one-line message saying
what to do; ``LOOKBOOK_ALLOW_NETWORK_LIBRARY=1`` skips the check for a share that only ever one computer opens
(at the risk of a damaged library if a second one does).

How a network location is recognised:

- Linux: the file system type of the mount holding the folder, from ``/proc/self/mountinfo``.
- Windows: a UNC path (``\\\\server\\share``) or a drive letter that ``GetDriveTypeW`` calls remote.
- macOS and the BSDs: the type ``mount`` lists for the mount holding the folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path, PureWindowsPath

from lookbook.errors import LibraryError

#: Set to 1 to open a library on a network share anyway (only one computer may ever open it).
ENV_ALLOW = "LOOKBOOK_ALLOW_NETWORK_LIBRARY"
#: File system types that are network shares (lower case; ``fuse.`` types are matched by what follows too).
NETWORK_TYPES = frozenset({
    "nfs", "nfs4", "cifs", "smb", "smbfs", "smb2", "smb3", "sshfs", "fuse.sshfs", "9p", "afs", "ncpfs", "coda",
    "davfs", "fuse.davfs2", "webdav", "glusterfs", "fuse.glusterfs", "ceph", "fuse.ceph", "lustre", "gpfs",
    "ocfs2", "gfs2", "fuse.rclone", "fuse.s3fs", "afpfs", "fuse.afpfs", "vboxsf", "prl_fs",
})
#: ``GetDriveTypeW``'s answer for a network drive.
DRIVE_REMOTE = 4


class NetworkLibraryError(LibraryError):
    """The library is on a network share, where SQLite's locks are unsafe."""


def is_network_type(fstype: str) -> bool:
    """Return whether a file system type (``nfs4``, ``fuse.sshfs``, ``smbfs``...) is a network share."""
    kind = fstype.strip().lower()
    return kind in NETWORK_TYPES or kind.startswith(("nfs", "smb", "cifs")) \
        or (kind.startswith("fuse.") and kind[5:] in NETWORK_TYPES)


def _unescape(field: str) -> str:
    # mountinfo writes a space, tab, newline and backslash in a path as octal escapes (\040...).
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def _within(path: str, mount: str) -> bool:
    return mount == "/" or path == mount or path.startswith(mount.rstrip("/") + "/")


def linux_fs_type(path: str, mountinfo: str) -> tuple[str, str] | None:
    """Return (mount point, file system type) of the mount holding absolute ``path``, from mountinfo text.

    Each line is ``id parent major:minor root mount-point options [optional...] - type source super-options``;
    the deepest mount point that holds ``path`` (the last one mounted, if several) wins.
    """
    best: tuple[str, str] | None = None
    for line in mountinfo.splitlines():
        fields = line.split()
        if "-" not in fields or len(fields) < 5:
            continue
        mount = _unescape(fields[4])
        after = fields[fields.index("-") + 1:]
        if not after or not _within(path, mount):
            continue
        if best is None or len(mount) >= len(best[0]):
            best = (mount, after[0])
    return best


def bsd_fs_type(path: str, mount_output: str) -> tuple[str, str] | None:
    """Return (mount point, type) of the mount holding ``path``, from ``mount``'s output on macOS or a BSD.

    Each line is ``source on /mount/point (type, option, ...)``.
    """
    best: tuple[str, str] | None = None
    for line in mount_output.splitlines():
        head, sep, rest = line.rpartition(" (")
        if not sep or " on " not in head:
            continue
        mount = head.split(" on ", 1)[1]
        fstype = rest.split(",", 1)[0].rstrip(")").strip()
        if _within(path, mount) and (best is None or len(mount) >= len(best[0])):
            best = (mount, fstype)
    return best


def windows_network_reason(path: str, drive_type: Callable[[str], int] | None = None) -> str | None:
    """Return why ``path`` is on a network share on Windows (a UNC path or a network drive), or ``None``."""
    pure = PureWindowsPath(path)
    if pure.drive.startswith(("\\\\", "//")):
        return f"the network share {pure.drive}"
    if not pure.drive:
        return None
    if drive_type is None:
        import ctypes

        drive_type = ctypes.windll.kernel32.GetDriveTypeW  # type: ignore[attr-defined]
    if drive_type(pure.drive + "\\") == DRIVE_REMOTE:
        return f"the network drive {pure.drive}"
    return None


def _read_mountinfo() -> str | None:
    try:
        return Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _mount_output() -> str | None:
    try:
        return subprocess.run(["mount"], capture_output=True, text=True, timeout=5, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None


def network_reason(path: Path | str, *, platform: str | None = None, mountinfo: str | None = None,
                   mount_output: str | None = None, drive_type: Callable[[str], int] | None = None) -> str | None:
    """Return why ``path`` is on a network share ("an nfs4 share mounted at /mnt/office"), or ``None``.

    The keyword arguments stand in for the system (tests give fake mount tables); left out, the running
    system is asked. A system that cannot tell is taken to be local.
    """
    platform = platform or sys.platform
    if platform == "win32":
        return windows_network_reason(str(path), drive_type)
    absolute = os.path.realpath(path)  # a symlink into a share is on the share
    if platform.startswith("linux"):
        text = mountinfo if mountinfo is not None else _read_mountinfo()
        found = linux_fs_type(absolute, text) if text else None
    else:
        text = mount_output if mount_output is not None else _mount_output()
        found = bsd_fs_type(absolute, text) if text else None
    if found is not None and is_network_type(found[1]):
        return f"a {found[1]} network share mounted at {found[0]}"
    return None


def check_local(folder: Path | str, **system: object) -> None:
    """Refuse a library folder on a network share, unless ``$LOOKBOOK_ALLOW_NETWORK_LIBRARY`` is 1.

    :param system: the stand-ins of :func:`network_reason`, for tests.
    :raises NetworkLibraryError: naming the folder, where it is and what to do.
    """
    if os.environ.get(ENV_ALLOW) == "1":
        return
    reason = network_reason(folder, **system)  # type: ignore[arg-type]
    if reason is not None:
        raise NetworkLibraryError(
            f"{folder}: this library is on {reason}; SQLite cannot lock files safely there and two computers "
            "could damage it. Copy the library folder to this computer's own disk and open it there (colleagues "
            f"sign in to that computer in turn), or set {ENV_ALLOW}=1 if only this one computer ever opens it.")
