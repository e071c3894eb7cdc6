"""What a list of shots shows for a photo: its render's small file when rendered, else the original."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from lookbook.photos.thumbnails import ensure_thumbnail, preview_source
from lookbook.store.library import Library
from photo_support import demo_photos


def test_preview_is_the_render_when_there_is_one_and_follows_a_new_render(tmp_path: Path) -> None:
    library = Library(tmp_path / "lib")
    library.renders_dir.mkdir(parents=True)
    photo = demo_photos()[0]
    sha256 = "ab" + "0" * 62
    (library.root / "originals").mkdir()
    shutil.copyfile(photo, library.root / "originals" / "p.jpg")
    assert preview_source(library, sha256, "originals/p.jpg") == (sha256, "originals/p.jpg")
    render = library.renders_dir / sha256[:2] / f"{sha256}-hero.jpg"
    render.parent.mkdir(parents=True)
    shutil.copyfile(photo, render)
    key, path = preview_source(library, sha256, "originals/p.jpg")
    assert key.startswith(f"{sha256}-r") and path == render.relative_to(library.root).as_posix()
    assert ensure_thumbnail(library, key, path).is_file()
    # Rendered again (a newer file): another key, so no list shows the old picture.
    stat = render.stat()
    os.utime(render, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert preview_source(library, sha256, "originals/p.jpg")[0] != key
    # The small "thumb" render is preferred to the full hero when both exist.
    thumb = render.with_name(f"{sha256}-thumb.jpg")
    shutil.copyfile(photo, thumb)
    assert preview_source(library, sha256, "originals/p.jpg")[1].endswith("-thumb.jpg")
