"""督查看板: the figures for a period, open cases by colour, backlog clearing month by month, the ranking of the
stations below (赛马晾晒) and the figures over time. Reads through ``app.reports.figures``; writes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.models.vocab import COLOURS
from app.ops.desk import Desk
from app.reports.figures import (
    COUNT_LABELS,
    DEFINITIONS,
    GROUPINGS,
    compute_figures,
    format_days,
    format_rate,
    group_label,
    month_range,
    monthly_figures,
    station_names,
)
from app.store.queries import counts
from app.views.bus import ChangeBus
from app.views.common import COLOUR_HEX, fit_to_screen, fitted
from app.views.dashboard_models import Column, RankingModel, count_column, days_column, rate_column
from app.views.qt import Qt, QtCharts, QtCore, QtGui, QtWidgets

TEXTS = {
    "title": "督查看板 — {name}",
    "from": "统计期间",
    "to": "至",
    "by": "排名对象",
    "refresh": "刷新",
    # The colours count every case whose limit runs: open ones and finished ones still owing the notice of their end.
    "colours": "在办及待告知案件督办颜色（共 {lit} 件）",
    "colour_slice": "{label} {count}件",
    "backlog": "积案清零进度（按月末剩余，共 {total} 件积案）",
    "backlog_open": "月末剩余积案",
    "backlog_cleared": "当月销号",
    "ranking": "赛马晾晒：{by}排名（点击列标题按该指标排名）",
    "trend": "主要指标趋势（按月）",
    "no_data": "—",
    "days_detail": "{n} 件已答复",
}
TILE_KEYS = ("one_time_resolution_rate", "satisfaction_rate", "dissatisfaction_rate", "repeat_rate",
             "avg_handling_days", "answered_within_7_days_rate", "backlog_clearance_rate")
TREND_KEYS = ("one_time_resolution_rate", "satisfaction_rate", "answered_within_7_days_rate", "repeat_rate")
TREND_COLOURS = ("#2e6fba", "#3a9d5d", "#e0a526", "#d64541")
# Colour is never the only signal: each trend line has its own stroke too, and the legend draws it.
TREND_STROKES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine)
MONTHS = 12


def _tip(key: str) -> str:
    label, numerator, denominator, text = DEFINITIONS[key]
    return f"{label}：{text}"


RANKING_COLUMNS = [
    Column("名称", "label"),
    count_column("登记", "cases", "期内登记件数"),
    rate_column("一次性化解率", "one_time_resolution_rate", _tip("one_time_resolution_rate")),
    rate_column("满意率", "satisfaction_rate", _tip("satisfaction_rate")),
    rate_column("不满意率", "dissatisfaction_rate", _tip("dissatisfaction_rate")),
    rate_column("重复信访率", "repeat_rate", _tip("repeat_rate")),
    days_column("平均办理天数", "avg_handling_days", _tip("avg_handling_days")),
    rate_column("7日内答复率", "answered_within_7_days_rate", _tip("answered_within_7_days_rate")),
    count_column("积案", "backlog_total", COUNT_LABELS["backlog_total"]),
    count_column("期内销号", "backlog_cleared", COUNT_LABELS["backlog_cleared"]),
    count_column("剩余积案", "backlog_open", COUNT_LABELS["backlog_open"]),
]


def _chart(title: str) -> tuple[QtCharts.QChart, QtCharts.QChartView]:
    chart = QtCharts.QChart()
    chart.setTitle(title)
    font = QtGui.QFont(QtWidgets.QApplication.font())
    font.setPointSize(font.pointSize() + 1)
    font.setBold(True)
    chart.setTitleFont(font)
    chart.setAnimationOptions(QtCharts.QChart.AnimationOption.NoAnimation)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    chart.setMargins(QtCore.QMargins(4, 4, 4, 4))
    view = QtCharts.QChartView(chart)
    view.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(230)
    return chart, view


def _month_axis(months: list[str]) -> QtCharts.QBarCategoryAxis:
    """Twelve months fit a third of the window only as bare month numbers; the axis title gives the years."""
    axis = QtCharts.QBarCategoryAxis()
    axis.append([str(int(m[5:])) for m in months])
    axis.setTitleText(f"月份（{months[0]} 至 {months[-1]}）" if months else "")
    return axis


def count_axis(top: float) -> QtCharts.QValueAxis:
    """A y axis for counts from 0 to just above ``top``, ticked at whole numbers: 1, 2, 5, 10, 20 … apart, at most
    about six ticks. (A range of 0–1.15 with nice numbers ticked at 0.25 and, printed as %d, read "0 0 0 1 1".)"""
    step = 1
    for candidate in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 50_000):
        step = candidate
        if top / candidate <= 5:
            break
    upper = step * (int(top // step) + 1)  # room above the highest bar or point
    axis = QtCharts.QValueAxis()
    axis.setRange(0, upper)
    axis.setTickType(QtCharts.QValueAxis.TickType.TicksDynamic)
    axis.setTickAnchor(0)
    axis.setTickInterval(step)
    axis.setLabelFormat("%d")
    axis.setMinorTickCount(0)
    return axis


def segments(values: list[float | None]) -> list[list[tuple[int, float]]]:
    """The runs of consecutive months that have a value: a month with nothing to divide ends one line and the
    next month with a value starts another, so the chart shows a gap there rather than a line across it."""
    runs: list[list[tuple[int, float]]] = [[]]
    for index, value in enumerate(values):
        if value is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((index, value))
    return [run for run in runs if run]


class Dashboard(QtWidgets.QWidget):
    """A window of its own; refreshes itself (a moment later) when cases change while it is shown."""

    refreshed = QtCore.Signal()

    def __init__(self, desk: Desk, bus: ChangeBus | None = None, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("dashboard")
        self.desk = desk
        station = desk.require_station()
        self.setWindowTitle(TEXTS["title"].format(name=station.name))
        today = desk.today()
        self.date_to = QtWidgets.QDateEdit(QtCore.QDate(today.year, today.month, today.day))
        start = date.fromisoformat(month_range(today, MONTHS)[0] + "-01")
        self.date_from = QtWidgets.QDateEdit(QtCore.QDate(start.year, start.month, start.day))
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.by = QtWidgets.QComboBox()
        choices = ["domain", "leader", "township"] if station.level == "township" else \
            ["station", "township", "domain", "leader"]
        for key in choices:
            self.by.addItem(GROUPINGS[key], key)
        refresh = QtWidgets.QPushButton(TEXTS["refresh"])
        refresh.clicked.connect(self.refresh)
        self.by.currentIndexChanged.connect(self.refresh)
        self.date_from.dateChanged.connect(self._later)
        self.date_to.dateChanged.connect(self._later)

        bar = QtWidgets.QHBoxLayout()
        for widget in (QtWidgets.QLabel(TEXTS["from"]), self.date_from, QtWidgets.QLabel(TEXTS["to"]),
                       self.date_to, QtWidgets.QLabel(TEXTS["by"]), self.by, refresh):
            bar.addWidget(widget)
        bar.addStretch(1)

        self.tiles: dict[str, QtWidgets.QLabel] = {}
        tiles = QtWidgets.QHBoxLayout()
        for key in TILE_KEYS:
            tiles.addWidget(self._tile(key))

        self.colour_chart, colour_view = _chart("")
        self.colour_series = QtCharts.QPieSeries()
        self.colour_chart.addSeries(self.colour_series)
        self.colour_chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)

        self.backlog_chart, backlog_view = _chart("")
        self.ranking_model = RankingModel(RANKING_COLUMNS, self)
        self.ranking_title = QtWidgets.QLabel()
        self.ranking_title.setObjectName("sectionTitle")
        self.ranking = QtWidgets.QTableView()
        self.ranking.setModel(self.ranking_model)
        self.ranking.setSortingEnabled(True)
        self.ranking.sortByColumn(3, Qt.SortOrder.DescendingOrder)  # 一次性化解率, the model's first ranking
        self.ranking.verticalHeader().hide()
        self.ranking.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.ranking.horizontalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        self.ranking.horizontalHeader().setSectionResizeMode(1, QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.trend_chart, trend_view = _chart(TEXTS["trend"])
        self.backlog_line: QtCharts.QLineSeries | None = None
        self.cleared_set: QtCharts.QBarSet | None = None
        self.trend_series: dict[str, list[QtCharts.QLineSeries]] = {}  # a line per run of months with a value

        ranking_box = QtWidgets.QWidget()
        ranking_layout = QtWidgets.QVBoxLayout(ranking_box)
        ranking_layout.setContentsMargins(0, 0, 0, 0)
        ranking_layout.addWidget(self.ranking_title)
        ranking_layout.addWidget(self.ranking)
        # Charts side by side on top; the ranking gets the full width below, since it has eleven columns.
        grid = QtWidgets.QGridLayout()
        grid.addWidget(colour_view, 0, 0)
        grid.addWidget(backlog_view, 0, 1)
        grid.addWidget(trend_view, 0, 2)
        grid.addWidget(ranking_box, 1, 0, 1, 3)
        for column, stretch in enumerate((3, 4, 5)):
            grid.setColumnStretch(column, stretch)
        grid.setRowStretch(0, 5)
        grid.setRowStretch(1, 4)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(tiles)
        layout.addLayout(grid, 1)

        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(300)
        self._timer.timeout.connect(self.refresh)
        if bus is not None:
            bus.changed.connect(self._on_changed)
        fit_to_screen(fitted(self), 1280, 820)
        self.refresh()

    # ----- building -------------------------------------------------------------------------------------------
    def _tile(self, key: str) -> QtWidgets.QFrame:
        frame = QtWidgets.QFrame()
        frame.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        frame.setToolTip(_tip(key))
        box = QtWidgets.QVBoxLayout(frame)
        box.setContentsMargins(8, 4, 8, 4)
        name = QtWidgets.QLabel(DEFINITIONS[key][0])
        value = QtWidgets.QLabel(TEXTS["no_data"])
        font = QtGui.QFont(value.font())
        font.setPointSize(font.pointSize() + 8)
        font.setBold(True)
        value.setFont(font)
        detail = QtWidgets.QLabel()
        detail.setStyleSheet("color: #5f6b7a;")
        for label in (name, value, detail):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            box.addWidget(label)
        self.tiles[key] = value
        self.tiles[key + ":detail"] = detail
        return frame

    # ----- refreshing -----------------------------------------------------------------------------------------
    def period(self) -> tuple[date, date]:
        return self.date_from.date().toPython(), self.date_to.date().toPython()  # type: ignore[return-value]

    def _later(self) -> None:
        self._timer.start()

    def _on_changed(self, kinds: frozenset[str], case_ids: tuple[str, ...]) -> None:
        if "cases" in kinds and self.isVisible():
            self._timer.start()

    def refresh(self) -> None:
        """Recompute everything for the period shown."""
        date_from, date_to = self.period()
        today = self.desk.today()
        conn = self.desk.conn
        [total] = compute_figures(conn, date_from=date_from, date_to=date_to, by=None, today=today)
        self._show_tiles(total)
        self._show_colours(counts(conn, today))
        months = month_range(date_to, MONTHS)
        series = monthly_figures(conn, months=months, today=today)
        self._show_backlog(series, total)
        by = str(self.by.currentData())
        self.ranking_title.setText(TEXTS["ranking"].format(by=GROUPINGS[by]))
        names = station_names(conn)
        rows = compute_figures(conn, date_from=date_from, date_to=date_to, by=by, today=today)
        self.ranking_model.set_rows([{**r, "label": group_label(by, r["group"], names)} for r in rows])
        self._show_trend(series)
        self.refreshed.emit()

    def _show_tiles(self, row: dict[str, Any]) -> None:
        for key in TILE_KEYS:
            _label, numerator, denominator, _text = DEFINITIONS[key]
            value = row[key]
            self.tiles[key].setText(format_days(value) if key == "avg_handling_days" else format_rate(value))
            # Average days: the total of days means little to a reader; how many cases it averages does.
            detail = (TEXTS["days_detail"].format(n=row[denominator]) if key == "avg_handling_days"
                      else f"{row[numerator]} / {row[denominator]}")
            self.tiles[key + ":detail"].setText(detail)

    def _show_colours(self, numbers: dict[str, int]) -> None:
        self.colour_series.clear()
        for colour in ("red", "yellow", "green"):
            label = TEXTS["colour_slice"].format(label=COLOURS[colour], count=numbers[colour])
            piece = self.colour_series.append(label, numbers[colour])
            piece.setColor(QtGui.QColor(COLOUR_HEX[colour]))
            # The slice says its colour in words too (colour is never the only signal), when it has room.
            piece.setLabelPosition(QtCharts.QPieSlice.LabelPosition.LabelInsideHorizontal)
            piece.setLabelVisible(numbers[colour] > 0)
        # The legend names each slice with its count as well: labels beside the slices do not fit a narrow chart.
        self.colour_series.setPieSize(0.8)
        self.colour_chart.setTitle(TEXTS["colours"].format(lit=sum(numbers[c] for c in ("red", "yellow", "green"))))

    def _show_backlog(self, series: list[dict[str, Any]], total: dict[str, Any]) -> None:
        chart = self.backlog_chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        months = [r["group"] for r in series]
        bars = QtCharts.QBarSeries()
        self.cleared_set = QtCharts.QBarSet(TEXTS["backlog_cleared"])
        self.cleared_set.setColor(QtGui.QColor("#3a9d5d"))
        self.cleared_set.append([float(r["backlog_cleared"]) for r in series])
        bars.append(self.cleared_set)
        self.backlog_line = QtCharts.QLineSeries()
        self.backlog_line.setName(TEXTS["backlog_open"])
        self.backlog_line.setColor(QtGui.QColor(COLOUR_HEX["red"]))
        self.backlog_line.setPointsVisible(True)
        for i, r in enumerate(series):
            self.backlog_line.append(float(i), float(r["backlog_open"]))
        chart.addSeries(bars)
        chart.addSeries(self.backlog_line)
        x = _month_axis(months)
        y = count_axis(max([r["backlog_open"] for r in series] + [r["backlog_cleared"] for r in series] + [1]))
        for axis, side in ((x, Qt.AlignmentFlag.AlignBottom), (y, Qt.AlignmentFlag.AlignLeft)):
            chart.addAxis(axis, side)
            bars.attachAxis(axis)
            self.backlog_line.attachAxis(axis)
        chart.setTitle(TEXTS["backlog"].format(total=total["backlog_total"]))

    def _show_trend(self, series: list[dict[str, Any]]) -> None:
        chart = self.trend_chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        x = _month_axis([r["group"] for r in series])
        y = QtCharts.QValueAxis()
        y.setRange(0, 104)  # a little room above 100%, where a month's point would be cut in half by the edge
        y.setTickType(QtCharts.QValueAxis.TickType.TicksDynamic)
        y.setTickAnchor(0)
        y.setTickInterval(25)
        y.setLabelFormat("%d%%")
        chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        self.trend_series = {}
        chart.legend().setMarkerShape(QtCharts.QLegend.MarkerShape.MarkerShapeFromSeries)
        for key, colour, stroke in zip(TREND_KEYS, TREND_COLOURS, TREND_STROKES, strict=True):
            # A month with nothing to divide leaves a gap, not a false zero: one line per run of months.
            lines: list[QtCharts.QLineSeries] = []
            for run in segments([r[key] for r in series]) or [[]]:
                line = QtCharts.QLineSeries()
                line.setName(DEFINITIONS[key][0])
                pen = QtGui.QPen(QtGui.QColor(colour), 2.5, stroke)
                line.setPen(pen)
                line.setPointsVisible(True)
                for i, value in run:
                    line.append(float(i), 100 * value)
                chart.addSeries(line)
                line.attachAxis(x)
                line.attachAxis(y)
                if lines:  # the figure is named once in the legend
                    for marker in chart.legend().markers(line):
                        marker.setVisible(False)
                lines.append(line)
            self.trend_series[key] = lines
