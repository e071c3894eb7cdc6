"""The Reports page: the funnel per group in QtCharts and a table, the attribution window, CSV export."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from lookbook.clienteling import report
from lookbook.store.database import create_store
from test_report import build
from ui.pages.reports import FUNNEL, ReportsPage

from .test_customers_page import on_db


@pytest.fixture
def page(qtbot, runners, tmp_path: Path) -> ReportsPage:
    db, _ = runners
    path = tmp_path / "lib"
    store = create_store(path)
    build(store)
    store.close()
    with qtbot.waitSignal(db.library_opened, timeout=10_000):
        db.open(path)
    page = ReportsPage(db)
    qtbot.addWidget(page)
    db.library_changed.connect(page.on_library_changed)
    page.resize(1100, 700)
    page.show()
    with qtbot.waitSignal(page.shown, timeout=20_000):
        page.reload()
    return page


def test_the_page_shows_each_sets_funnel_and_sales(qtbot, page: ReportsPage, tmp_path: Path) -> None:
    assert page.model.rowCount() == 1
    row = page.model.row_values(0)
    assert row[0].startswith("Marlowe spring") and row[1:6] == (3, 2, 1, 1, 1) and row[8] == "89.00"
    assert "1 bought for £89.00" in page.summary.text()  # as the card writes a price
    (series,) = page.funnel_chart.series()
    assert [s.label() for s in series.barSets()] == [title for title, _ in FUNNEL]
    assert [s.at(0) for s in series.barSets()] == [3.0, 2.0, 1.0, 1.0, 1.0, 0.0]
    assert (page.funnel_chart.title(), page.revenue_chart.title()) == ("Funnel", "Revenue")  # with numbers
    with qtbot.waitSignal(page.shown, timeout=20_000):
        page.group_box.setCurrentIndex(page.group_box.findData("associate"))
    assert [page.model.row_values(r)[0] for r in range(page.model.rowCount())] == ["alex", "maria"]
    target = tmp_path / "out.csv"
    page.export_csv(str(target))
    qtbot.waitUntil(lambda: "Wrote" in page.summary.text(), timeout=20_000)
    with target.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["dimension"] for r in rows} == {"total", *report.DIMENSIONS}


def test_the_attribution_window_is_a_store_setting(qtbot, page: ReportsPage) -> None:
    assert page.window_box.value() == 14
    page.window_box.setValue(30)
    with qtbot.waitSignal(page.shown, timeout=20_000):
        page.window_box.editingFinished.emit()
    assert on_db(qtbot, page.db, report.attribution_days) == 30
    assert page.model.row_values(0)[5] == 2  # the late brand-only purchase now counts


def test_a_small_revenue_axis_has_whole_distinct_labels(qtbot, runners, tmp_path: Path) -> None:
    from PySide6.QtCharts import QValueAxis
    from PySide6.QtCore import Qt

    db, _ = runners
    create_store(tmp_path / "empty").close()  # nothing sold: the revenue axis runs 0 to 1
    with qtbot.waitSignal(db.library_opened, timeout=10_000):
        db.open(tmp_path / "empty")
    page = ReportsPage(db)
    qtbot.addWidget(page)
    page.resize(1136, 718)
    page.show()
    with qtbot.waitSignal(page.shown, timeout=20_000):
        page.reload()
    for chart in (page.funnel_chart, page.revenue_chart):
        (axis,) = [a for a in chart.axes(Qt.Orientation.Vertical) if isinstance(a, QValueAxis)]
        step = (axis.max() - axis.min()) / (axis.tickCount() - 1)
        labels = [axis.labelFormat() % (axis.min() + i * step) for i in range(axis.tickCount())]
        assert len(set(labels)) == len(labels), (chart.title(), labels)


def _shown_hint(view) -> str:
    """The text of the empty-state hint shown over ``view``'s rows, or "" if none shows."""
    from PySide6.QtWidgets import QLabel

    hints = [label for label in view.viewport().findChildren(QLabel, "emptyState") if label.isVisible()]
    return hints[0].text() if hints else ""


def test_an_empty_report_says_why_and_what_to_do(qtbot, runners, tmp_path: Path) -> None:
    db, _ = runners
    create_store(tmp_path / "empty").close()  # nothing sent yet
    with qtbot.waitSignal(db.library_opened, timeout=10_000):
        db.open(tmp_path / "empty")
    page = ReportsPage(db)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    with qtbot.waitSignal(page.shown, timeout=20_000):
        page.reload()
    assert page.model.rowCount() == 0 and "0 sent" in page.summary.text()
    assert "<b>0 bought</b> (" in page.summary.text()  # no "for 0.00", a sum in no currency
    hint = _shown_hint(page.table)
    assert "Nothing to report yet" in hint and "Approvals" in hint and "Outbox" in hint
    # The charts above say why their axes are empty.
    assert page.funnel_chart.title() == "Funnel: nothing sent yet"
    assert page.revenue_chart.title() == "Revenue: nothing sent yet"


def test_a_report_with_rows_shows_no_empty_hint(qtbot, page: ReportsPage) -> None:
    assert page.model.rowCount() == 1
    assert _shown_hint(page.table) == ""


def test_the_table_fits_its_pane_without_scrolling_sideways(qtbot, app_style, page: ReportsPage) -> None:
    # The Reports pane of a 1366-pixel window is about 1100 px wide: the columns shown fit it with the app's
    # style sheet, headers whole ("Same product" and "Same brand" start hidden).
    view, header = page.table, page.table.horizontalHeader()
    qtbot.waitUntil(lambda: view.viewport().width() > 0, timeout=20_000)
    qtbot.wait(50)
    assert view.horizontalScrollBar().maximum() == 0
    assert sum(header.sectionSize(c) for c in range(header.count())) == view.viewport().width()
    shown = [c for c in range(header.count()) if not header.isSectionHidden(c)]
    assert shown == [0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13]
    for column in shown:
        assert header.sectionSize(column) >= header.sectionSizeHint(column), page.model.headerData(column, 1)
    # The header's menu shows a hidden column; the others make room, still without a sideways scroll bar.
    page.columns.set_visible(6, True)
    assert not header.isSectionHidden(6) and view.horizontalScrollBar().maximum() == 0
    page.columns.set_visible(6, False)
