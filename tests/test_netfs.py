"""A library on a network share is refused (SQLite's locks are unsafe there), told apart by fake mount tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from lookbook.store import netfs
from lookbook.store.database import create_store, open_store
from lookbook.store.library import Library
from lookbook.store.netfs import NetworkLibraryError, check_local, network_reason

MOUNTINFO = """\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro
40 22 0:35 / /mnt/office rw,relatime shared:20 - nfs4 nas:/export/lookbook rw,vers=4.2
41 22 0:36 / /mnt/office/local\\040copy rw,relatime - ext4 /dev/sdb1 rw
42 22 0:37 / /media/shop rw,nosuid shared:21 - cifs //nas/shop rw,vers=3.0
43 22 0:38 / /home/alex/remote rw,nosuid - fuse.sshfs alex@nas:/srv rw,user_id=1000
44 22 0:39 / /srv/vm rw - 9p share rw,trans=virtio
45 22 0:40 / /home/alex/usb rw - vfat /dev/sdc1 rw
"""

MACOS_MOUNT = """\
/dev/disk3s1s1 on / (apfs, sealed, local, read-only, journaled)
/dev/disk3s5 on /System/Volumes/Data (apfs, local, journaled, nobrowse)
//alex@nas._smb._tcp.local/Shop on /Volumes/Shop (smbfs, nodev, nosuid, mounted by alex)
nas:/export on /Volumes/NFS Share (nfs, nodev, nosuid)
"""


@pytest.mark.parametrize(("path", "kind"), [
    ("/mnt/office/Library", "nfs4"),
    ("/media/shop/Lookbook", "cifs"),
    ("/home/alex/remote/lib", "fuse.sshfs"),
    ("/srv/vm/lib", "9p"),
])
def test_linux_network_mounts_are_named(path: str, kind: str) -> None:
    reason = network_reason(path, platform="linux", mountinfo=MOUNTINFO)
    assert reason is not None and kind in reason


@pytest.mark.parametrize("path", ["/home/alex/Library", "/mnt/office/local copy/lib", "/home/alex/usb/lib",
                                  "/mnt/officer/lib"])
def test_linux_local_disks_are_local(path: str) -> None:
    # The deepest mount wins (a local disk mounted inside the share); /mnt/officer is not under /mnt/office.
    assert network_reason(path, platform="linux", mountinfo=MOUNTINFO) is None


def test_macos_mounts_from_mount_output() -> None:
    assert "smbfs" in (network_reason("/Volumes/Shop/Lookbook", platform="darwin", mount_output=MACOS_MOUNT) or "")
    assert "nfs" in (network_reason("/Volumes/NFS Share/lib", platform="darwin", mount_output=MACOS_MOUNT) or "")
    assert network_reason("/Users/alex/Lookbook", platform="darwin", mount_output=MACOS_MOUNT) is None


def test_windows_unc_paths_and_network_drives() -> None:
    drives = {"C:\\": 3, "Z:\\": netfs.DRIVE_REMOTE}
    assert "\\\\nas\\shop" in (network_reason("\\\\nas\\shop\\Lookbook", platform="win32") or "")
    assert "Z:" in (network_reason("Z:\\Lookbook", platform="win32", drive_type=drives.__getitem__) or "")
    assert network_reason("C:\\Users\\alex\\Lookbook", platform="win32", drive_type=drives.__getitem__) is None


def test_refusal_is_one_line_naming_the_folder_and_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(netfs.ENV_ALLOW, raising=False)
    with pytest.raises(NetworkLibraryError) as caught:
        check_local("/mnt/office/Library", platform="linux", mountinfo=MOUNTINFO)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("/mnt/office/Library: ") and "nfs4 network share mounted at /mnt/office" in message
    assert "own disk" in message and netfs.ENV_ALLOW in message
    monkeypatch.setenv(netfs.ENV_ALLOW, "1")  # the documented override: one computer alone opens it
    check_local("/mnt/office/Library", platform="linux", mountinfo=MOUNTINFO)


def test_opening_and_creating_a_library_on_a_share_is_refused(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(netfs.ENV_ALLOW, raising=False)
    create_store(tmp_path / "lib").close()
    share = f"22 1 8:1 / / rw - ext4 /dev/sda1 rw\n40 22 0:35 / {tmp_path.resolve()} rw - nfs nas:/x rw\n"
    monkeypatch.setattr(netfs, "_read_mountinfo", lambda: share)
    monkeypatch.setattr(netfs.sys, "platform", "linux")
    with pytest.raises(NetworkLibraryError, match="nfs network share"):
        open_store(Library(tmp_path / "lib"))
    with pytest.raises(NetworkLibraryError):
        create_store(tmp_path / "other")
    assert not (tmp_path / "other").exists()  # refused before anything was made
