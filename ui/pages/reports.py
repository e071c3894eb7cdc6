"""The Reports page: what each set sold, per set, associate, brand, channel and week, in charts and a table.

The numbers are :func:`lookbook.clienteling.report.build_report`'s, computed on the database thread; the page
draws two QtCharts charts (the funnel as grouped bars, revenue per group) and a table with every count,
the rates, and the opt-outs beside the sales, so a set that sells but drives people away shows it.
"Export CSV…" writes the same rows as ``lookbook report --csv``.
"""

from __future__ import annotations

import math

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QWidget,
)

from lookbook.clienteling import report
from lookbook.hooks import Changes
from lookbook.store.database import Store
from lookbook.words import price_text
from ui.models import FittedColumns, RowsTableModel
from ui.pages.base import Page
from ui.signin import Session
from ui.widgets.empty_state import empty_state
from ui.widgets.tables import read_only_table
from ui.workers import StoreRunner

DIMENSION_LABELS = {"set": "Set", "associate": "Associate", "brand": "Brand", "channel": "Channel", "week": "Week"}
HEADERS = ["Group", "Sent", "Delivered", "Replied", "Held", "Bought", "Same product", "Same brand", "Revenue",
           "Reply rate", "Hold rate", "Purchase rate", "Opt-outs", "Opt-out rate"]
#: The funnel steps drawn as bars, with the report row's attribute.
FUNNEL = (("Sent", "sent"), ("Delivered", "delivered"), ("Replied", "replied"), ("Held", "held"), ("Bought", "bought"),
          ("Opt-outs", "opt_outs"))
#: Groups drawn in the charts; the table lists them all.
CHART_GROUPS = 12


def _percent(value: float) -> str:
    return f"{value * 100:.1f} %"


def _money(minor: int) -> str:
    return f"{minor / 100:,.2f}"


class ReportsPage(Page):
    """Charts and a table of the report, grouped as chosen, with the attribution window and CSV export."""

    title = "Reports"
    watches = ("outbox", "customers", "products", "settings", "sets")
    #: Emitted when a report has been shown (for tests).
    shown = Signal()

    def __init__(self, db: StoreRunner, session: Session | None = None, parent: QWidget | None = None) -> None:
        super().__init__(db, parent)
        self.session = session
        self.result: report.Report | None = None
        self.group_box = QComboBox()
        for key, label in DIMENSION_LABELS.items():
            self.group_box.addItem(label, key)
        self.group_box.setToolTip("Group the numbers by set, associate, brand, channel or week of sending")
        self.group_box.currentIndexChanged.connect(lambda *_: self._show_result())
        self.window_box = QSpinBox()
        self.window_box.setRange(1, 365)
        self.window_box.setSuffix(" days")
        self.window_box.setToolTip("A purchase counts for the last message the customer was sent this many days "
                                   "before it, of the same brand (store setting)")
        self.window_box.editingFinished.connect(self._window_changed)
        self.export_button = QPushButton("Export &CSV…")
        self.export_button.setToolTip("Write every group's numbers to a CSV file (as `lookbook report --csv`)")
        self.export_button.clicked.connect(self.export_csv)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        controls = QHBoxLayout()
        group_label = QLabel("&Group by:")
        group_label.setBuddy(self.group_box)
        window_label = QLabel("&Attribution window:")
        window_label.setBuddy(self.window_box)
        controls.addWidget(group_label)
        controls.addWidget(self.group_box)
        controls.addSpacing(16)
        controls.addWidget(window_label)
        controls.addWidget(self.window_box)
        controls.addStretch(1)
        controls.addWidget(self.export_button)
        self.layout_.addLayout(controls)
        self.layout_.addWidget(self.summary)

        self.funnel_chart = QChart()
        self.funnel_chart.setTitle("Funnel")
        self.funnel_chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.revenue_chart = QChart()
        self.revenue_chart.setTitle("Revenue")
        self.revenue_chart.legend().hide()
        charts = QSplitter()
        for chart in (self.funnel_chart, self.revenue_chart):
            chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
            view = QChartView(chart)
            view.setRenderHint(QPainter.RenderHint.Antialiasing)
            view.setMinimumHeight(220)
            charts.addWidget(view)
        charts.setSizes([640, 360])
        self.model = RowsTableModel(HEADERS, self)
        self.table = read_only_table(self.model, wrap=False)
        # The columns share the pane's width (no sideways scrolling at 1366 px): the group's name takes the rest.
        # "Same product" and "Same brand" split "Bought" (the summary above gives both totals), so they start
        # hidden for the others to show whole; the header's menu shows or hides any column but the group.
        self.columns = FittedColumns(self.table, "reports/table", {}, 0, optional=range(1, len(HEADERS)),
                                     hidden_by_default=(6, 7),
                                     stretch_min=self.table.fontMetrics().averageCharWidth() * 14)
        self.empty = empty_state(self.table, "")
        column = QSplitter(Qt.Orientation.Vertical)
        column.addWidget(charts)
        column.addWidget(self.table)
        column.setSizes([330, 260])
        self.layout_.addWidget(column, 1)

    # -- loading -------------------------------------------------------------------
    def reload(self) -> None:
        self.db.run(lambda store: (report.build_report(store), report.attribution_days(store)),
                    on_done=self._loaded, on_failure=lambda exc: self.summary.setText(str(exc)))

    def _loaded(self, loaded: tuple[report.Report, int]) -> None:
        self.result, days = loaded
        self.window_box.blockSignals(True)
        self.window_box.setValue(days)
        self.window_box.blockSignals(False)
        self._show_result()

    def _rows(self) -> list[report.ReportRow]:
        if self.result is None:
            return []
        return self.result.by.get(self.group_box.currentData(), [])

    def _show_result(self) -> None:
        result = self.result
        if result is None:
            return
        rows = self._rows()
        total = result.total
        if not total.bought:
            bought = "0 bought"  # not "0 bought for 0.00", a sum in no currency
        elif result.currency == "mixed":
            bought = f"{total.bought:,} bought for {_money(total.revenue_minor)} in several currencies"
        else:
            bought = f"{total.bought:,} bought for {price_text(total.revenue_minor, result.currency) or '0.00'}"
        self.summary.setText(
            f"{total.sent:,} sent, {total.delivered:,} delivered, {total.replied:,} replied, {total.held:,} held, "
            f"<b>{bought}</b> "
            f"({total.same_product:,} the same product, {total.same_brand:,} the same brand), "
            f"{total.opt_outs:,} opt-outs. A purchase counts for the last message of its brand sent to the "
            f"customer within {result.window_days} days before it.")
        self.model.set_rows([
            (r.key, r.sent, r.delivered, r.replied, r.held, r.bought, r.same_product, r.same_brand,
             _money(r.revenue_minor), _percent(r.rate(r.replied)), _percent(r.rate(r.held)),
             _percent(r.rate(r.bought)), r.opt_outs, _percent(r.rate(r.opt_outs))) for r in rows])
        self.columns.set_preferred({c: max(self.table.sizeHintForColumn(c),
                                           self.table.horizontalHeader().sectionSizeHint(c))
                                    for c in range(len(HEADERS))})
        self.empty.set_text(self.empty_text())
        self._draw(rows)
        self.shown.emit()

    def empty_text(self) -> str:
        """What the empty table says: why there is nothing to report, and what makes numbers appear."""
        if self.result is not None and self.result.total.sent:
            return (f"<b>No {self.group_box.currentText().casefold()} to show.</b><br>"
                    "Group by something else to see what was sent.")
        return ("<b>Nothing to report yet.</b><br>Numbers appear here once lookbooks go out: draft messages in "
                "<b>Match &amp; Compose</b>, have a manager approve them in <b>Approvals</b>, and the "
                "<b>Outbox</b> sends them. Replies, holds and purchases that follow are counted here.")

    def _draw(self, rows: list[report.ReportRow]) -> None:
        # The groups that sent the most; a hundred sets would make unreadable bars (the table has them all).
        shown = sorted(rows, key=lambda r: r.sent, reverse=True)[:CHART_GROUPS]
        shown.sort(key=lambda r: r.key)
        labels = [r.key if len(r.key) <= 18 else r.key[:17] + "…" for r in shown]
        # Empty axes say nothing by themselves: the title says why the chart is empty (the table below, how).
        sent = any(r.sent for r in shown)
        self.funnel_chart.setTitle("Funnel" if sent else "Funnel: nothing sent yet")
        self.revenue_chart.setTitle("Revenue" if any(r.revenue_minor for r in shown) else
                                    "Revenue: nothing bought after a lookbook yet" if sent else
                                    "Revenue: nothing sent yet")
        for chart in (self.funnel_chart, self.revenue_chart):
            chart.removeAllSeries()
            for axis in chart.axes():
                chart.removeAxis(axis)
        funnel = QBarSeries()
        for title, attr in FUNNEL:
            bars = QBarSet(title)
            bars.append([float(getattr(r, attr)) for r in shown])
            funnel.append(bars)
        revenue = QBarSeries()
        money = QBarSet("Revenue")
        money.append([r.revenue_minor / 100 for r in shown])
        revenue.append(money)
        for chart, series, top in ((self.funnel_chart, funnel, max((r.sent for r in shown), default=0)),
                                   (self.revenue_chart, revenue, max((r.revenue_minor / 100 for r in shown),
                                                                     default=0))):
            chart.addSeries(series)
            x_axis = QBarCategoryAxis()
            x_axis.append(labels)
            y_axis = QValueAxis()
            ceiling = max(math.ceil(top), 1)
            y_axis.setRange(0, ceiling)
            y_axis.setLabelFormat("%d" if chart is self.funnel_chart else "%.0f")
            if ceiling <= 10:
                # Whole numbers of messages and of money: no "0, 0, 0, 1, 1, 1" labels on a short axis.
                y_axis.setTickCount(ceiling + 1)
            else:
                y_axis.applyNiceNumbers()
            chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
            chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
            series.attachAxis(x_axis)
            series.attachAxis(y_axis)

    # -- actions -------------------------------------------------------------------
    def _actor(self) -> str:
        user = self.session.user if self.session is not None else None
        return user.username if user is not None else "app"

    def _window_changed(self) -> None:
        days, actor = self.window_box.value(), self._actor()
        if self.result is not None and days == self.result.window_days:
            return

        def work(store: Store) -> Changes:
            return report.set_attribution_days(store, days, actor=actor)

        self.db.run(work, on_failure=lambda exc: self.summary.setText(str(exc)))

    def export_csv(self, path: str | None = None) -> None:
        """Write the report to a CSV file (asking where, unless ``path`` is given)."""
        if self.result is None:
            return
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, "Export report", "report.csv", "CSV files (*.csv)")
        if not path:
            return
        result = self.result
        self.db.run(lambda _store: report.write_csv(result, path),
                    on_done=lambda written: self.summary.setText(f"Wrote {written}."),
                    on_failure=lambda exc: self.summary.setText(str(exc)))
