"""How the timeline reads: one entry per event, the step and who/when/where on the first line, then the note
wrapped to the pane's width, then the evidence. A table would need a horizontal scroll in the narrow detail pane."""

from __future__ import annotations

from app.views.common import Index
from app.views.qt import Qt, QtCore, QtGui, QtWidgets
from app.views.timeline_model import ANNULLED, EvidenceRole

PAD = 6
MARK = 18  # left gutter with the dot and the line joining the events
CHAIN_COLOUR = "#2d6cb5"
OTHER_COLOUR = "#8a96a3"
CHECKLIST_COLOUR = "#3a9d5d"
CHAIN_KINDS = {"登记", "派发", "受理", "不予受理", "联系信访人", "办理措施", "答复反馈", "回访评价", "办结销号",
               "依法终结", "申请复查", "复查答复", "申请复核", "复核答复", "延期"}


def _texts(index: Index) -> tuple[str, str, str, str]:
    """(kind, meta line, note, evidence line) of a timeline row."""
    model = index.model()
    row = index.row()

    def cell(column: int) -> str:
        return str(model.data(model.index(row, column)) or "")

    kind = cell(1)
    meta = "　".join(x for x in (cell(0), cell(2), cell(3)) if x)
    unit, note = cell(4), cell(5)
    if unit:
        note = f"【{unit}】{note}"
    evidence = cell(6)
    return kind, meta, note, (f"佐证材料：{evidence}" if evidence else "")


class TimelineDelegate(QtWidgets.QStyledItemDelegate):
    """Paints a timeline entry in a few wrapped lines."""

    def __init__(self, view: QtWidgets.QListView) -> None:
        super().__init__(view)
        self.view = view

    def _width(self) -> int:
        return max(self.view.viewport().width() - MARK - 2 * PAD, 80)

    def _fonts(self, option: QtWidgets.QStyleOptionViewItem) -> tuple[QtGui.QFont, QtGui.QFont]:
        bold = QtGui.QFont(option.font)
        bold.setBold(True)
        small = QtGui.QFont(option.font)
        small.setPointSizeF(max(option.font.pointSizeF() - 1, 7))
        return bold, small

    def _lines(self, option: QtWidgets.QStyleOptionViewItem,
               index: Index) -> list[tuple[str, str, QtGui.QFont, int]]:
        """(role, text, font, height) of the lines under the heading: the note and the evidence."""
        _kind, _meta, note, evidence = _texts(index)
        _bold, small = self._fonts(option)
        lines = []
        for role, text, font in (("note", note, option.font), ("evidence", evidence, small)):
            if text:
                rect = QtGui.QFontMetrics(font).boundingRect(QtCore.QRect(0, 0, self._width(), 100000),
                                                             int(Qt.TextFlag.TextWordWrap), text)
                lines.append((role, text, font, rect.height()))
        return lines

    def sizeHint(self, option: QtWidgets.QStyleOptionViewItem, index: Index) -> QtCore.QSize:
        self.initStyleOption(option, index)
        bold, _small = self._fonts(option)
        height = QtGui.QFontMetrics(bold).height() + 2 * PAD
        height += sum(h + 2 for _r, _t, _f, h in self._lines(option, index))
        return QtCore.QSize(self._width() + MARK + 2 * PAD, height)

    def paint(self, painter: QtGui.QPainter, option: QtWidgets.QStyleOptionViewItem,
              index: Index) -> None:
        self.initStyleOption(option, index)
        painter.save()
        rect = option.rect
        if option.state & QtWidgets.QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, QtGui.QColor("#d8e6f6"))
        kind, meta, _note, _evidence = _texts(index)
        annulled = kind.endswith(ANNULLED)
        base = kind.removesuffix(ANNULLED)
        colour = OTHER_COLOUR if annulled else CHECKLIST_COLOUR if base == "四定四包" \
            else CHAIN_COLOUR if base in CHAIN_KINDS else OTHER_COLOUR
        # The gutter: a line joining the events and a dot for this one.
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        centre_x = rect.x() + MARK // 2 + 2
        painter.setPen(QtGui.QPen(QtGui.QColor("#d5dce4"), 2))
        painter.drawLine(centre_x, rect.top(), centre_x, rect.bottom())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QtGui.QColor(colour))
        painter.drawEllipse(QtCore.QPoint(centre_x, rect.top() + PAD + 8), 5, 5)

        bold, small = self._fonts(option)
        bold.setStrikeOut(annulled)
        x, y, width = rect.x() + MARK + PAD, rect.y() + PAD, self._width()
        head = QtGui.QFontMetrics(bold).height()
        kind_width = QtGui.QFontMetrics(bold).horizontalAdvance(kind) + 12
        painter.setFont(bold)
        painter.setPen(QtGui.QColor("#9aa5b1" if annulled else "#10243e"))
        painter.drawText(QtCore.QRect(x, y, kind_width, head), int(Qt.AlignmentFlag.AlignLeft), kind)
        painter.setFont(small)
        painter.setPen(QtGui.QColor("#7b8794"))
        painter.drawText(QtCore.QRect(x + kind_width, y, width - kind_width, head),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), meta)
        y += head + 2
        for role, text, font, height in self._lines(option, index):
            painter.setFont(font)
            painter.setPen(QtGui.QColor("#9aa5b1" if annulled else "#2d6cb5" if role == "evidence" else "#1f2933"))
            painter.drawText(QtCore.QRect(x, y, width, height), int(Qt.TextFlag.TextWordWrap), text)
            y += height + 2
        painter.restore()


class TimelineView(QtWidgets.QListView):
    """The timeline list: entries re-wrap when the pane is resized."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("caseTimeline")
        self.setItemDelegate(TimelineDelegate(self))
        self.setResizeMode(QtWidgets.QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(False)
        self.setWordWrap(True)
        self.setVerticalScrollMode(QtWidgets.QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)

    def evidence(self) -> list[dict[str, object]]:
        index = self.currentIndex()
        return list(self.model().data(index, EvidenceRole) or []) if index.isValid() else []
