"""The PDF lookbook: the set's card, then one page per product, drawn by the composer, written with Qt's PDF writer."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from lookbook.lookbooks.pdf import prepare_lookbook
from lookbook.lookbooks.sets import create_set
from lookbook.progress import run_to_end
from lookbook.store.database import open_store
from lookbook.store.library import Library
from ui.export_pdf import safe_file_name, write_lookbook_pdf


def _page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


def _lookbook(root: Path):
    store = open_store(Library.locate(root))
    try:
        photos = [r[0] for r in store.db.execute(
            "SELECT ph.id FROM photos ph JOIN products p ON p.id = ph.product_id WHERE p.sku LIKE 'OS-%'")]
        set_id = create_set(store, brand="Oak Street Tailoring", name="Tailored for you", actor="maria",
                            photos=photos).id
        return run_to_end(prepare_lookbook(store, set_id, "maria"))
    finally:
        store.close()


def test_pdf_has_the_sets_card_and_one_page_per_product(qtbot, demo_library: Path, tmp_path: Path) -> None:
    lookbook = _lookbook(demo_library)
    target = tmp_path / "out" / "lookbook.pdf"
    pages = write_lookbook_pdf(lookbook, target)
    data = target.read_bytes()
    assert data.startswith(b"%PDF-")
    assert pages == 1 + len(lookbook.products) == len(lookbook.pages) == _page_count(data)
    assert len(lookbook.products) >= 2
    # Each page is one picture: the composer's card at the PDF page's size.
    assert len(re.findall(rb"/Subtype\s*/Image", data)) == pages
    assert not list(target.parent.glob("*.partial"))
    assert target.stat().st_size < 8 * 1024 * 1024  # small enough to e-mail


def test_cancel_leaves_no_file(qtbot, demo_library: Path, tmp_path: Path) -> None:
    lookbook = _lookbook(demo_library)
    cancel = threading.Event()
    cancel.set()
    target = tmp_path / "lookbook.pdf"
    assert write_lookbook_pdf(lookbook, target, cancel=cancel) == 0
    assert not target.exists() and not list(tmp_path.glob("*.partial"))


def test_file_names_are_safe() -> None:
    assert safe_file_name("Oak Street: Autumn/Winter *") == "Oak-Street-AutumnWinter"
    assert safe_file_name("///") == "lookbook"
