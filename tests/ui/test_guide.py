"""The first-run guide names every page of the day's work, each a link to it."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from ui.main_window import PAGE_INFO
from ui.widgets.guide import FirstRunGuide


def test_the_guide_links_every_page_but_the_book_and_settings(qtbot) -> None:
    guide = FirstRunGuide()
    qtbot.addWidget(guide)
    links = {}
    for label in guide.findChildren(QLabel):
        text = label.text()
        if 'href="' in text:
            links[text.split('href="', 1)[1].split('"', 1)[0]] = label
    assert set(links) == set(PAGE_INFO) - {"Customers", "Settings"}
    for page in ("Compose Card", "Conversations", "Tasks", "Reports"):
        assert links[page].toolTip()  # what the page is for, in full
        with qtbot.waitSignal(guide.go_to, timeout=20_000) as clicked:
            links[page].linkActivated.emit(page)  # what clicking the link does
        assert clicked.args == [page]
