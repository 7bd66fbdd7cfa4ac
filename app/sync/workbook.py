"""The bundle's workbook: what a person sees when they open the sync file's ``.xlsx`` in Excel, WPS or LibreOffice.

Written with openpyxl in write-only mode (streams rows, inline strings), read back with python-calamine (about
ten times faster than openpyxl's reader; bench/bench_sync.py measures both). Only the event sheets are read on
import: the case, checklist and evidence sheets are for people, since every station projects cases from events.

Memory stays bounded whatever the bundle's size: every table (cases, events, checklist, evidence) is split over
sheets of at most ``ROWS_PER_SHEET`` rows and about ``SHEET_BYTES`` of XML, so an honest workbook of any size has
no part the reader refuses; every part is size-checked from its zip directory before it is parsed (a crafted one
cannot make the reader take unbounded memory), and a cell may hold at most Excel's own limit of 32,767 characters
(a longer payload continues in the cells to its right, and past 32 cells in the rows below, each repeating the
event's number and hash: an old event of any size travels, every row and so every sheet stays bounded).

Every text of an event travels exactly as stored, whatever it holds: what XML cannot carry (a control character in
an old actor's name, a carriage return) is written with the workbook format's own escape (``_xHHHH_``, which Excel,
WPS and LibreOffice show as the character, and the reader gives back), as is an underscore that would otherwise
be read as the start of such an escape (``_x0041_`` typed in a request). So a stored event never stops an export,
and its hash still holds at the receiver.
"""

from __future__ import annotations

import re
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from app.models.errors import DomainError
from app.models.vocab import EVENT_LABELS
from app.reports.safe_cells import FORMULA_STARTS, safe_cell
from app.store.files import write_only_workbook
from app.store.sealed import Sink

SUMMARY_SHEET, CASES_SHEET, EVENTS_SHEET, CHECKLIST_SHEET, EVIDENCE_SHEET = (
    "说明", "案件", "办理事件", "四定四包", "佐证材料清单")
EVENT_HEADERS = ("事件编号", "案件编号", "来源站点", "站点序号", "逻辑时钟", "发生时间", "经办人", "类别",
                 "类别名称", "内容（JSON）", "前一事件哈希", "本事件哈希")
CONTINUED = "内容（续）"
CASE_HEADERS = ("案件编号", "登记站点", "信访人", "来源渠道", "集体访", "人数", "领域", "乡镇（街道）", "村（社区）",
                "诉求", "事权单位", "属地", "状态", "积案", "包案领导", "登记时间", "派发单位", "办结时间",
                "四定四包完成项", "督办", "修改冲突")
CHECKLIST_HEADERS = ("案件编号", "事项", "是否落实", "落实人", "落实时间", "说明")
EVIDENCE_HEADERS = ("SHA-256", "文件名", "类别", "大小（字节）", "案件编号", "事件编号", "包内位置")
ROWS_PER_SHEET = 50_000
CELL_MAX = 32_767  # Excel's limit; LibreOffice and WPS keep the same
MAX_CONTINUATION = 31  # up to 32 payload cells (about 1 MB) in one row; a longer payload continues below
MAX_EVENT_CHARS = 1 << 26  # a payload read back is refused past 64 M characters (the largest seen was 17 M)
MAX_SHEET_XML = 64 << 20  # uncompressed size of one sheet's XML: 50,000 ordinary rows take about 30 MB
SHEET_BYTES = 32 << 20  # a writer starts a new sheet past about this much XML (an estimate that errs high)
MAX_PART = 16 << 20  # any other part of the workbook (shared strings, styles, relations)
MAX_RATIO = 200
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# What a cell's text cannot hold as it is (tab and newline it can): written as _xHHHH_ (ECMA-376 ST_Xstring), as
# is the first character of a text of blanks alone (a reader gives such a cell back empty).
_NEEDS_ESCAPE = re.compile(r"[\x00-\x08\x0b-\x1f]|_(?=x[0-9A-Fa-f]{4}_)|^[ \t\n]+$")
Progress = Callable[[int, int], None]
Row = tuple[str, str, str, int, str, str, str, str, str, str, str]  # an event row in the events table's order


def event_sheet_name(index: int) -> str:
    return EVENTS_SHEET if index == 0 else f"{EVENTS_SHEET}（{index + 1}）"


# A cell that shows what it holds, never a formula; control characters XML cannot hold shown as "�".
_cell = safe_cell


def _header(ws: Any, headers: Iterable[str], widths: Iterable[int]) -> None:
    bold = Font(bold=True)
    cells = []
    for text in headers:
        cell = WriteOnlyCell(ws, text)
        cell.font = bold
        cells.append(cell)
    for index, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + index)].width = width
    ws.freeze_panes = "A2"
    ws.append(cells)


def escaped(text: str) -> str:
    """``text`` as a cell holds it so that every reader gives back exactly ``text``."""
    if not _NEEDS_ESCAPE.search(text):
        return text
    return _NEEDS_ESCAPE.sub(lambda m: f"_x{ord(m.group()[0]):04X}_{m.group()[1:]}", text)


def _text(ws: Any, text: str) -> Any:
    """An escaped text as a cell that stays text (never a formula), nothing in it replaced."""
    if not text.startswith(FORMULA_STARTS):
        return text
    cell = WriteOnlyCell(ws, text)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _payload_cells(payload: str) -> list[str]:
    """The payload cut into cells of at most ``CELL_MAX`` characters as written (escapes included: openpyxl would
    cut a longer one), each escaped on its own (so no escape is split between cells)."""
    cells: list[str] = []
    start = 0
    while start < len(payload) or not cells:
        cut = CELL_MAX
        text = escaped(payload[start:start + cut])
        while len(text) > CELL_MAX:  # an escape is 7 characters for 1: take fewer until it fits
            cut -= len(text) - CELL_MAX
            text = escaped(payload[start:start + cut])
        cells.append(text)
        start += cut
    return cells


def _event_rows(ws: Any, row: tuple[Any, ...]) -> Iterator[list[Any]]:
    """One event as rows of cells: one row, or for a payload longer than 32 cells more rows, each repeating the
    event's number and hash (the reader joins them). Every text is escaped so that it is read back as stored."""
    event_id, case_id, origin, seq, hlc, at, actor, kind, payload, prev_hash, digest = row
    label = EVENT_LABELS.get(kind, kind)
    event_id, case_id, origin, hlc, at, actor, kind, prev_hash, digest = map(
        escaped, (event_id, case_id, origin, hlc, at, actor, kind, prev_hash, digest))
    fields = [_text(ws, event_id), _text(ws, case_id), origin, seq, hlc, at, _text(ws, actor), kind]
    chunks = _payload_cells(payload)
    per_row = 1 + MAX_CONTINUATION
    for first in range(0, len(chunks), per_row):
        part = chunks[first:first + per_row]
        yield [*fields, label if first == 0 else f"{label}（续）", part[0], prev_hash, digest, *part[1:]]


def _row_bytes(cells: list[Any]) -> int:
    """About how many bytes a row takes in the sheet's XML, erring high: UTF-8 is at most 3 bytes a character
    here, and a cell's markup about 60 more."""
    size = 40 + 60 * len(cells)
    for cell in cells:
        text = cell if type(cell) is str else getattr(cell, "value", None)  # a cell object, a number, None
        if isinstance(text, str):
            size += 3 * len(text)
    return size


class _SheetParts:
    """One table written over as many sheets as it needs (案件, 案件（2）, …): a new sheet starts after
    ``ROWS_PER_SHEET`` rows or ``SHEET_BYTES`` bytes of XML, so every sheet stays well under the reader's
    ``MAX_SHEET_XML`` whatever the station's size — a township's whole history travels in one workbook."""

    def __init__(self, wb: Any, base: str, headers: Iterable[str], widths: Iterable[int]) -> None:
        self.wb, self.base, self.headers, self.widths = wb, base, tuple(headers), tuple(widths)
        self.ws: Any = None
        self.index = self.rows = self.bytes = 0

    def sheet(self) -> Any:
        """The sheet the next row goes to (the first one is made even for a table with no rows)."""
        if self.ws is None or self.rows >= ROWS_PER_SHEET or self.bytes >= SHEET_BYTES:
            name = self.base if self.index == 0 else f"{self.base}（{self.index + 1}）"
            self.ws = self.wb.create_sheet(name)
            _header(self.ws, self.headers, self.widths)
            self.index += 1
            self.rows = self.bytes = 0
        return self.ws

    def append(self, cells: list[Any]) -> None:
        self.sheet().append(cells)
        self.rows += 1
        self.bytes += _row_bytes(cells)

    def finish(self) -> None:
        """A table with no rows still gets its (empty) sheet, with its header."""
        if self.ws is None:
            self.sheet()


def write_workbook(path: Path | Sink, summary: list[tuple[str, str]], cases: Iterable[tuple[Any, ...]],
                   events: Iterable[tuple[Any, ...]], event_count: int, longest_payload: int,
                   checklist: Iterable[tuple[Any, ...]], evidence: Iterable[tuple[Any, ...]],
                   progress: Progress | None = None) -> None:
    """Write the workbook to a path or a writable stream. ``events`` are rows in the events table's column order."""
    with write_only_workbook() as wb:
        _write_sheets(wb, summary, cases, events, event_count, longest_payload, checklist, evidence, progress)
        wb.save(path)
    if progress:
        progress(event_count, event_count)


def _write_sheets(wb: Any, summary: list[tuple[str, str]], cases: Iterable[tuple[Any, ...]],
                  events: Iterable[tuple[Any, ...]], event_count: int, longest_payload: int,
                  checklist: Iterable[tuple[Any, ...]], evidence: Iterable[tuple[Any, ...]],
                  progress: Progress | None) -> None:
    ws = wb.create_sheet(SUMMARY_SHEET)
    _header(ws, ("项目", "内容"), (22, 90))
    wrap = Alignment(wrap_text=True, vertical="top")
    for label, text in summary:
        cell = WriteOnlyCell(ws, _UNSAFE.sub("", text))
        cell.data_type = "s"
        cell.alignment = wrap  # the long explanation stays readable in a 90-character column
        ws.append([_cell(ws, label), cell])
    parts = _SheetParts(wb, CASES_SHEET, CASE_HEADERS,
                        (18, 8, 14, 8, 7, 6, 10, 12, 12, 50, 16, 12, 9, 6, 10, 20, 24, 20, 8, 30, 8))
    for row in cases:
        parts.append([_cell(parts.sheet(), v) for v in row])
    parts.finish()
    headers = EVENT_HEADERS + (CONTINUED,) * min(MAX_CONTINUATION, (longest_payload - 1) // CELL_MAX)
    parts = _SheetParts(wb, EVENTS_SHEET, headers, (12, 18, 9, 8, 22, 20, 10, 12, 12, 80, 20, 20))
    done = 0
    for row in events:
        for cells in _event_rows(parts.sheet(), row):
            parts.append(cells)
        done += 1
        if progress and done % 2000 == 0:
            progress(done, event_count)
    parts.finish()
    for base, header, widths, rows in ((CHECKLIST_SHEET, CHECKLIST_HEADERS, (18, 10, 9, 10, 20, 50), checklist),
                                       (EVIDENCE_SHEET, EVIDENCE_HEADERS, (30, 24, 8, 12, 18, 12, 30), evidence)):
        parts = _SheetParts(wb, base, header, widths)
        for row in rows:
            parts.append([_cell(parts.sheet(), v) for v in row])
        parts.finish()


def check_parts(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse a workbook whose parts would take unbounded memory to parse, judging from its zip directory alone."""
    for info in infos:
        limit = MAX_SHEET_XML if info.filename.startswith("xl/worksheets/") else MAX_PART
        if info.file_size > limit:
            raise DomainError(f"同步包中的工作簿部件 {info.filename} 过大（{info.file_size // (1 << 20)} MB），"
                              "不予读取")
        # A sheet is bounded by its size alone: an honest one holding an old, repetitive request compresses
        # a thousandfold.
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > (1 << 20) \
                and limit != MAX_SHEET_XML:
            raise DomainError(f"同步包中的工作簿部件 {info.filename} 压缩比异常（疑似压缩炸弹），不予读取")


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Each sheet's name and the zip part that holds it, from the workbook's own description."""
    from xml.etree import ElementTree

    try:
        book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, OSError):
        raise DomainError("同步包中的工作簿已损坏（缺少或无法读取其工作表目录）") from None
    targets = {r.get("Id"): str(r.get("Target", "")) for r in rels.iter(_RELS)}
    parts = {}
    for sheet in book.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(_REL_ID), "")
        parts[str(sheet.get("name"))] = target[1:] if target.startswith("/") else f"xl/{target}"
    return parts


def _one_sheet(zf: zipfile.ZipFile, part: str) -> bytes:
    """A workbook in memory that holds every part of ``zf`` but the other sheets: what calamine needs to parse
    the one sheet, at the size of that sheet compressed. Parts are copied as they are stored (no inflating and
    deflating again)."""
    import io

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as mini:
        for info in zf.infolist():
            if info.filename.startswith("xl/worksheets/") and info.filename != part:
                continue
            raw = _raw_member(zf, info)
            copy = zipfile.ZipInfo(info.filename, info.date_time)
            copy.compress_type, copy.CRC = info.compress_type, info.CRC
            copy.compress_size, copy.file_size = info.compress_size, info.file_size
            copy.header_offset = out.tell()
            out.write(copy.FileHeader())
            out.write(raw)
            mini.filelist.append(copy)
            mini.NameToInfo[copy.filename] = copy
            mini.start_dir = out.tell()
    return out.getvalue()


def _raw_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes as stored (compressed), read from the zip's file where its local header says."""
    source = zf.fp
    assert source is not None
    source.seek(info.header_offset)
    local = source.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise DomainError(f"同步包中的工作簿部件 {info.filename} 已损坏")
    source.seek(info.header_offset + 30 + int.from_bytes(local[26:28], "little")
                + int.from_bytes(local[28:30], "little"))
    raw = source.read(info.compress_size)
    if len(raw) != info.compress_size:
        raise DomainError(f"同步包中的工作簿部件 {info.filename} 不完整")
    return raw


def _text_cell(value: Any, where: str) -> str:
    if isinstance(value, str):
        if len(value) > CELL_MAX:
            raise DomainError(f"{where}：单元格内容过长（{len(value)} 字，超过 {CELL_MAX} 字的上限）")
        return value
    raise DomainError(f"{where}：应为文字")


def read_events(source: Path | BinaryIO, expected: int) -> Iterator[Row]:
    """Every event row of the workbook (a path, or a seekable file: a bundle's sealed member read in place),
    checked cell by cell (types, sizes, header). Sheets are parsed one at a time, each from a workbook in memory
    holding that sheet alone, so memory holds at most two sheets and the workbook is never written out."""
    import io

    import python_calamine

    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise DomainError("同步包中的工作簿已损坏，无法打开") from None
    lock = threading.Lock()  # the zip's file is read by the parsing thread; one reader at a time

    def parse(name: str) -> Any:
        with lock:
            mini = _one_sheet(zf, parts_of[name])
        try:  # calamine parses without holding the GIL
            return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(mini)).get_sheet_by_name(name)
        except Exception as err:  # calamine raises its own error types for a malformed file
            raise DomainError(f"同步包中的工作簿无法读取：{err}") from None

    with zf:
        check_parts(zf.infolist())
        parts_of = _sheet_parts(zf)
        names = [event_sheet_name(i) for i in range(len(parts_of)) if event_sheet_name(i) in parts_of]
        if not names:
            raise DomainError(f"同步包中的工作簿缺少“{EVENTS_SHEET}”工作表")
        if any(parts_of[n] not in zf.NameToInfo for n in names):
            raise DomainError("同步包中的工作簿已损坏（工作表目录与其内容不符）")
        seen = length = 0
        pending: Row | None = None  # the event read last: the next row may continue its payload
        parts: list[str] = []
        # The next sheet is parsed in a thread while this one's rows are checked and written, so only the first
        # sheet's parse is waited for.
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="workbook")
        try:
            ahead = pool.submit(parse, names[0])
            for index, name in enumerate(names):
                sheet = ahead.result()
                if index + 1 < len(names):
                    ahead = pool.submit(parse, names[index + 1])
                rows = sheet.iter_rows()
                header = next(rows, None)
                if header is None or tuple(header[:len(EVENT_HEADERS)]) != EVENT_HEADERS:
                    raise DomainError(f"工作表“{name}”的表头与本程序的格式不符")
                for number, row in enumerate(rows, start=2):
                    event = _fast_event(row) or _parse_event(row, f"工作表“{name}”第 {number} 行")
                    if pending is not None and event[0] == pending[0] and event[10] == pending[10]:
                        parts.append(event[8])  # the payload continued in the row below (a payload over 32 cells)
                        length += len(event[8])
                        if length > MAX_EVENT_CHARS:
                            raise DomainError(f"工作表“{name}”第 {number} 行：事件 {event[0]} 的内容过长（超过 "
                                              f"{MAX_EVENT_CHARS} 字的上限）")
                        continue
                    if pending is not None:
                        yield _joined(pending, parts)
                    seen += 1
                    if seen > expected:
                        raise DomainError("工作簿中的事件多于清单所列")
                    pending, parts, length = event, [event[8]], len(event[8])
                del sheet, rows
            if pending is not None:
                yield _joined(pending, parts)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # the zip is closed only once no thread reads it
    if seen != expected:
        raise DomainError(f"工作簿中的事件数（{seen}）与清单所列（{expected}）不符")


def _joined(event: Row, parts: list[str]) -> Row:
    if len(parts) == 1:
        return event
    return (*event[:8], "".join(parts), event[9], event[10])  # type: ignore[return-value]


_WIDTH = len(EVENT_HEADERS)
_ONLY_TEXT = {str}


def _fast_event(row: list[Any]) -> Row | None:
    """The ordinary row (one payload cell, every cell of the right type and size) without building a message per
    row; None sends anything else through ``_parse_event``, which says what is wrong or joins continued cells."""
    if len(row) != _WIDTH and (len(row) < _WIDTH or row[_WIDTH:].count("") != len(row) - _WIDTH):
        return None  # too short, or a continued payload (the sheet is as wide as its longest row: blanks pad)
    event_id, case_id, origin, seq, hlc, at, actor, kind, _label, payload, prev_hash, digest = row[:_WIDTH]
    if type(seq) is float and seq.is_integer() and seq >= 1:  # calamine gives numbers as floats
        seq = int(seq)
    elif type(seq) is not int or seq < 1:
        return None
    cells = (event_id, case_id, origin, hlc, at, actor, kind, payload, prev_hash, digest)
    if set(map(type, cells)) != _ONLY_TEXT or max(map(len, cells)) > CELL_MAX:
        return None
    return event_id, case_id, origin, seq, hlc, at, actor, kind, payload, prev_hash, digest


def _parse_event(row: list[Any], where: str) -> Row:
    if len(row) < len(EVENT_HEADERS):
        raise DomainError(f"{where}：列数不足")
    seq = row[3]
    if not isinstance(seq, int | float) or isinstance(seq, float) and not seq.is_integer() or seq < 1:
        raise DomainError(f"{where}：站点序号应为正整数")
    payload = _text_cell(row[9], where)
    for extra in row[len(EVENT_HEADERS):len(EVENT_HEADERS) + MAX_CONTINUATION]:
        if extra == "":
            break
        payload += _text_cell(extra, where)
    if len(row) > len(EVENT_HEADERS) + MAX_CONTINUATION and row[len(EVENT_HEADERS) + MAX_CONTINUATION] != "":
        raise DomainError(f"{where}：内容过长")
    return (_text_cell(row[0], where), _text_cell(row[1], where), _text_cell(row[2], where), int(seq),
            _text_cell(row[4], where), _text_cell(row[5], where), _text_cell(row[6], where),
            _text_cell(row[7], where), payload, _text_cell(row[10], where), _text_cell(row[11], where))
