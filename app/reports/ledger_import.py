"""Importing an existing ledger (an Excel workbook a township kept by hand) as new cases.

Columns are found by their Chinese headers, with the synonyms ledgers commonly use; the header row need not
be the first (a title often sits above it). Each row becomes a ``CaseDraft`` and is checked exactly as a case
typed in by hand (ID check character, phone, required fields), plus two checks of its own: a row that repeats
an earlier row of the file is refused, and a case already in the station (same petitioner, request and
registration date) is skipped — importing the same ledger twice creates nothing twice and is not an error.

Two things a hand-kept ledger often lacks are supplied rather than refused: a domain the station does not list
is recorded as 其他, the ledger's own wording kept at the head of the request (【原领域：城乡建设】…) where
everyone who reads the case sees it and can re-file it; and a ledger without a 来源渠道 column (or with blank
cells) may be given one channel for all its rows. Read with python-calamine: it reads .xlsx (Excel, WPS,
LibreOffice), .xls and .ods alike, about ten times faster than openpyxl; what it cannot read is explained
in Chinese (old format, password, damaged file, not a workbook at all).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from app.models.case import Petitioner
from app.models.errors import DomainError
from app.models.identity import mask_id_number
from app.models.intake import CaseDraft
from app.models.vocab import CHANNELS, HOTLINE_CHANNEL, OTHER_DOMAIN
from app.ops.desk import Desk
from app.store.files import output_file
from app.store.oserrors import os_reason

# field -> (label shown in the mapping, recognised headers, required)
FIELDS: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "name": ("信访人", ("姓名", "信访人", "来访人", "信访人姓名", "来访人姓名", "反映人", "当事人", "来电人",
                     "来电人姓名", "诉求人"), True),
    "id_number": ("身份证号", ("身份证号", "证件号码", "身份证号码", "身份证", "公民身份号码", "证件号"),
                  False),
    "phone": ("联系电话", ("联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "电话号码", "来电号码",
                         "回访电话"), False),
    "address": ("住址", ("住址", "地址", "家庭住址", "现住址", "联系地址", "户籍地址"), False),
    "request_summary": ("诉求", ("反映问题", "诉求", "主要诉求", "信访事项", "反映内容", "信访诉求",
                               "诉求内容", "问题摘要", "内容摘要", "主要问题", "工单内容", "来电内容",
                               "诉求描述"), True),
    "channel": ("来源渠道", ("来源", "渠道", "信访方式", "来源渠道", "信访形式", "信访渠道", "登记方式"),
                True),
    "domain": ("领域", ("领域", "问题类别", "问题类型", "问题分类", "所属领域", "类别", "重点领域"), False),
    "township": ("乡镇（街道）", ("乡镇", "镇街", "乡镇(街道)", "乡镇街道", "所属乡镇", "镇(街道)", "街道"),
                 False),
    "village": ("村（社区）", ("村", "村社区", "村(社区)", "村居", "村社", "所属村", "所属村(社区)", "社区"),
                False),
    "registered": ("登记日期", ("登记日期", "来信来访日期", "信访日期", "来访日期", "来信日期", "登记时间",
                              "日期", "受理登记日期", "来信来访时间", "来电时间", "工单创建时间", "受理时间"),
                   True),
    "authority_unit": ("事权单位", ("事权单位", "责任单位", "承办单位", "办理单位", "主办单位", "承办部门"),
                       False),
    "work_order": ("12345工单编号", ("工单编号", "工单号", "12345工单编号", "工单流水号"), False),
    "jurisdiction": ("属地", ("属地", "属地单位"), False),
    "head_count": ("人数", ("人数", "来访人数", "信访人数"), False),
    "backlog": ("积案", ("积案", "是否积案"), False),
    "leader": ("包案领导", ("包案领导", "包案领导姓名"), False),
}
CHANNEL_WORDS: dict[str, tuple[str, ...]] = {
    "letter": ("来信", "信件", "写信", "书信", "信访件", "letter"),
    "visit": ("来访", "走访", "上访", "到访", "接访", "来访接待", "visit"),
    "phone": ("来电", "电话", "热线", "12345", "phone"),
    "online": ("网上", "网络", "网信", "网上信访", "网上投诉", "信访信息系统", "微信", "网站", "online"),
}
_YES = {"是", "y", "yes", "1", "true", "√", "✓"}
_SPLIT = re.compile(r"[、,，;；/\n]+")
_SPACES = re.compile(r"[\s\u3000*＊:：]+")
MAX_HEADER_SCAN = 15


def normalize_header(text: object) -> str:
    """A header as compared: no spaces, stars or colons, half-width brackets, no "(必填)"."""
    value = _SPACES.sub("", str(text or "")).replace("（", "(").replace("）", ")").lower()
    return value.replace("(必填)", "").replace("(选填)", "")


_LOOKUP = {normalize_header(word): key for key, (_, words, _) in FIELDS.items() for word in words}
_CHANNEL_LOOKUP = {word.lower(): code for code, words in CHANNEL_WORDS.items() for word in words}


@dataclass
class RowResult:
    """One data row: the draft it makes, or why it was refused."""

    row: int  # the row number as the spreadsheet shows it
    values: list[Any]
    draft: CaseDraft | None = None
    at: datetime | None = None
    reason: str = ""
    skipped: str = ""  # why a row that needs no import is left out (the case is already in the station)
    notes: list[str] = field(default_factory=list)  # what was supplied or changed (domain, channel)


@dataclass
class ImportPlan:
    """What importing a workbook would do: the column mapping and each row's outcome."""

    path: Path
    sheet: str
    header_row: int
    headers: list[str]
    mapping: dict[str, int]  # field -> column index
    missing: list[str] = field(default_factory=list)  # required fields without a column
    rows: list[RowResult] = field(default_factory=list)
    default_channel: str = ""  # for rows without a channel (code), when the user chose one

    @property
    def valid(self) -> list[RowResult]:
        return [r for r in self.rows if r.draft is not None]

    @property
    def rejected(self) -> list[RowResult]:
        return [r for r in self.rows if r.draft is None and not r.skipped]

    @property
    def skipped(self) -> list[RowResult]:
        return [r for r in self.rows if r.skipped]

    @property
    def noted(self) -> list[RowResult]:
        return [r for r in self.rows if r.draft is not None and r.notes]

    @property
    def ignored_headers(self) -> list[str]:
        used = set(self.mapping.values())
        return [h for i, h in enumerate(self.headers) if h and i not in used]

    def mapping_lines(self) -> list[tuple[str, str]]:
        """(header in the file, what it is read as) for every mapped column, in the file's order."""
        pairs = sorted((column, key) for key, column in self.mapping.items())
        return [(self.headers[column], FIELDS[key][0]) for column, key in pairs]

    def require_columns(self) -> None:
        if self.missing:
            labels = "、".join(FIELDS[k][0] for k in self.missing)
            found = "、".join(h for h in self.headers if h) or "无"
            raise DomainError(f"台账缺少必需的列：{labels}（识别到的表头：{found}）")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


def parse_day(value: Any) -> date:
    """A registration date from a date cell, an Excel serial number or text such as 2026年3月2日."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and 20000 < value < 80000:
        return date(1899, 12, 30) + timedelta(days=int(value))
    text = _text(value)
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?", text)
    if not match and re.fullmatch(r"\d{8}", text):
        match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if not match:
        if not text:
            raise DomainError("登记日期未填写")
        raise DomainError(f"登记日期“{text}”无法识别（应为日期，如 2026-03-02）")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise DomainError(f"登记日期“{text}”不存在") from None


def parse_channel(value: Any, default: str = "") -> str:
    """The channel code for a cell's text (来访, 网上信访, 12345热线 …); ``default`` when the cell is blank."""
    text = _text(value)
    if not text and default:
        return default
    if not text:
        raise DomainError("来源渠道未填写")
    code = _CHANNEL_LOOKUP.get(text.lower())
    if code is None:
        code = next((c for word, c in _CHANNEL_LOOKUP.items() if len(word) >= 2 and word in text), None)
    if code is None:
        raise DomainError(f"来源渠道“{text}”无法识别（应为来信、来访、来电或网上）")
    return code


# The program's own ledger hides the middle of ID numbers unless asked not to; such a ledger cannot come back in:
# a hidden number neither passes the check digit nor tells one petitioner from another.
MASKED_ID = "身份证号已脱敏（含*），不能导入"
MASKED_ID_HELP = ("脱敏（部分隐去）的身份证号不能导入：无法校验，也无法据此认出同一信访人，这是有意的。"
                  "请导出一份含完整身份证号的台账再导入：在“台账 → 导出信访事项台账”中勾选“导出完整身份证号”"
                  "（命令行：ledger --full-id）；或清空这些格后再导入。")


def masked_rows(plan: ImportPlan) -> int:
    """How many rows were refused for a masked ID number (the wizard and the command line then explain why)."""
    return sum(1 for result in plan.rejected if result.reason == MASKED_ID)


def _people(cells: dict[str, Any]) -> list[Petitioner]:
    names = [x for x in _SPLIT.split(_text(cells.get("name"))) if x.strip()]
    if not names:
        raise DomainError("信访人姓名未填写")
    raw_id = cells.get("id_number")
    ids = [x.strip() for x in _SPLIT.split(_text(raw_id)) if x.strip()]
    phones = [x.strip() for x in _SPLIT.split(_text(cells.get("phone"))) if x.strip()]
    if len(ids) > len(names) or len(phones) > len(names):
        raise DomainError("身份证号或电话的个数多于信访人的人数（多人时请用“、”分隔并一一对应）")
    if any("*" in x or "＊" in x for x in ids):
        raise DomainError(MASKED_ID)
    if isinstance(raw_id, int | float) and ids:
        raise DomainError("身份证号被存为数字，Excel 只保留前15位有效数字，号码已不完整；"
                          "请将该列设为文本后重新填写")
    # One address per line (as a ledger lists several people's), or one for the first person; a line break is
    # not part of an address (app.models.shapes).
    lines = [x.strip() for x in _text(cells.get("address")).splitlines() if x.strip()]
    addresses = lines if len(lines) == len(names) else [" ".join(lines)]
    return [Petitioner(name, ids[i] if i < len(ids) else "", phones[i] if i < len(phones) else "",
                       addresses[i] if i < len(addresses) else "") for i, name in enumerate(names)]


def match_domain(text: str, domains: tuple[str, ...]) -> str | None:
    """The station's domain a ledger's wording names: the same, or — when only one does — the one whose
    characters it holds in order (教育局 → 教育, 劳动和社会保障 → 劳动保障) or that holds it (卫生 → 卫生健康);
    None when none does."""
    if text in domains:
        return text
    near = [d for d in domains if d != OTHER_DOMAIN and (_holds(text, d) or (len(text) >= 2 and text in d))]
    return near[0] if len(near) == 1 else None


def _holds(text: str, word: str) -> bool:
    """Whether ``word`` (two characters or more) appears in ``text`` in order, other characters between."""
    rest = iter(text)
    return len(word) >= 2 and all(ch in rest for ch in word)


HOTLINE_SOURCE = "12345"  # import-ledger --source 12345: a 12345 work-order workbook


def row_draft(cells: dict[str, Any], domains: tuple[str, ...], today: date, default_channel: str = "",
              notes: list[str] | None = None, source: str = "") -> tuple[CaseDraft, datetime]:
    """The draft and registration time for one row's cells (field -> value); DomainError says why not. What
    was supplied (a channel, 其他 for an unknown domain) is added to ``notes``."""
    notes = notes if notes is not None else []
    day = parse_day(cells.get("registered"))
    if day > today:
        raise DomainError(f"登记日期 {day} 晚于今天")
    head = _text(cells.get("head_count"))
    if head and not head.isdigit():
        raise DomainError(f"人数“{head}”应为整数")
    channel = HOTLINE_CHANNEL if source == HOTLINE_SOURCE else parse_channel(cells.get("channel"), default_channel)
    if not _text(cells.get("channel")) and source != HOTLINE_SOURCE:
        notes.append(f"来源渠道按“{CHANNELS[channel]}”")
    summary, domain = _text(cells.get("request_summary")), _text(cells.get("domain")) or OTHER_DOMAIN
    known = match_domain(domain, domains)
    if known is None and summary:
        notes.append(f"领域“{domain}”不在本站的领域列表中，记为“{OTHER_DOMAIN}”，原领域写在诉求前")
        summary, known = f"【原领域：{domain}】{summary}", OTHER_DOMAIN
    elif known is not None and known != domain:
        notes.append(f"领域“{domain}”记为“{known}”")
    draft = CaseDraft(
        channel=channel, petitioners=_people(cells),
        request_summary=summary, domain=known or domain,
        township=_text(cells.get("township")), village=_text(cells.get("village")),
        authority_unit=_text(cells.get("authority_unit")),
        jurisdiction=_text(cells.get("jurisdiction")) or _text(cells.get("township")),
        head_count=int(head) if head else 1, backlog=_text(cells.get("backlog")).lower() in _YES,
        leader=_text(cells.get("leader")), work_order=_text(cells.get("work_order")),
    )
    draft.to_payload(domains)  # the same checks as registering by hand; raises with the reason
    return draft, datetime.combine(day, time())


def _find_header(rows: list[list[Any]]) -> tuple[int, dict[str, int]]:
    best, best_map = 0, dict[str, int]()
    for index, row in enumerate(rows[:MAX_HEADER_SCAN]):
        mapping: dict[str, int] = {}
        for column, cell in enumerate(row):
            key = _LOOKUP.get(normalize_header(cell))
            if key and key not in mapping:
                mapping[key] = column
        if len(mapping) > len(best_map):
            best, best_map = index, mapping
    return best, best_map


_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # the old binary format (.xls), and Office's encrypted files
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")  # the stream an Office file with an open password holds
_SAVE_AS = "请在 Excel/WPS 中打开，另存为 .xlsx 后再导入"


def reader_refusal(path: Path, err: Exception) -> str:
    """Why a ledger file cannot be read, in words a handler can act on (calamine's own are English)."""
    import python_calamine

    password_error = getattr(python_calamine, "PasswordError", ())  # not in every version
    name = path.name
    if isinstance(err, FileNotFoundError) or (isinstance(err, OSError) and not path.exists()):
        return f"找不到台账文件：{path}"
    if path.is_dir():
        return f"{path} 是一个文件夹，请选择台账文件"
    if isinstance(err, OSError):
        return f"无法打开台账文件 {name}：{os_reason(err)}"
    try:
        with path.open("rb") as handle:
            head = handle.read(8 << 20)
    except OSError as read_err:
        return f"无法打开台账文件 {name}：{os_reason(read_err)}"
    if not head:
        return f"台账文件 {name} 是空的（0 字节），可能没有保存完整或复制时出了错"
    if isinstance(err, password_error) or (head.startswith(_OLE_MAGIC) and _ENCRYPTED in head):
        return f"台账文件 {name} 设有打开密码，无法读取：请在 Excel/WPS 中打开，取消密码后另存为 .xlsx 再导入"
    if head.startswith(_OLE_MAGIC):
        return f"台账文件 {name} 是旧版 Excel 格式（.xls），无法读取（文件可能已损坏）：{_SAVE_AS}"
    if head.startswith(b"PK"):
        return f"台账文件 {name} 已损坏或不完整，不是一个完整的 Excel 工作簿：{_SAVE_AS}"
    if head.lstrip()[:1] == b"<" or _looks_like_text(head):
        return f"台账文件 {name} 不是 Excel 工作簿（可能是网页或文本文件改了扩展名）：{_SAVE_AS}"
    return f"台账文件 {name} 不是 Excel 工作簿，或已损坏：{_SAVE_AS}"


def _looks_like_text(head: bytes) -> bool:
    for encoding in ("utf-8", "gb18030"):
        try:
            head[:4096].decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _read_sheets(path: Path) -> list[tuple[str, list[list[Any]]]]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        return [(name, _rows(book.get_sheet_by_name(name))) for name in book.sheet_names]
    except Exception as err:  # calamine raises its own error types, and OSError for a missing file
        raise DomainError(reader_refusal(path, err)) from None


def _rows(sheet: Any) -> list[list[Any]]:
    """The sheet's rows from A1 (as ``to_python(skip_empty_area=False)`` gives them), converted a row at a time.
    Parsing lets go of the interpreter lock; converting the whole sheet to Python in one call held it about 50 ms
    per 10,000 rows (three times that on a busy machine), and the window, importing in a job, stood still."""
    pad = [""] * (sheet.start[1] if sheet.start else 0)  # iter_rows leaves out the empty columns on the left
    return [pad + row for row in sheet.iter_rows()]  # a Python loop: the lock changes hands between rows


def parse_channel_choice(text: str) -> str:
    """A channel given by the user for a whole ledger: 来信/来访/来电/网上 or the English code."""
    return parse_channel(text.strip()) if text.strip() else ""


def plan_import(desk: Desk, path: Path, default_channel: str = "", source: str = "",
                progress: Callable[[int, int], None] | None = None) -> ImportPlan:
    """Read a ledger and decide, row by row, what importing it would create. Writes nothing. Rows without a
    channel (no such column, or a blank cell) get ``default_channel`` (a code) when one is given. With
    ``source`` 12345 the workbook is a 12345 work-order export: every row comes in by the hotline and must
    carry its work-order number. ``progress(rows checked, rows)`` is called every few hundred rows."""
    if source not in ("", HOTLINE_SOURCE):
        raise DomainError(f"台账来源只能是 {HOTLINE_SOURCE}（12345热线工单）")
    default_channel = HOTLINE_CHANNEL if source == HOTLINE_SOURCE else default_channel
    path = Path(path)
    candidates = []
    for name, rows in _read_sheets(path):
        header_row, mapping = _find_header(rows)
        candidates.append((sum(FIELDS[k][2] for k in mapping), len(mapping), name, rows, header_row, mapping))
    if not candidates:
        raise DomainError(f"台账文件 {path.name} 中没有工作表")
    _, _, sheet, rows, header_row, mapping = max(candidates, key=lambda c: (c[0], c[1]))
    headers = [_text(h) for h in rows[header_row]] if rows else []
    plan = ImportPlan(path, sheet, header_row + 1, headers, mapping,
                      [k for k, (_, _, required) in FIELDS.items()
                       if (required or (k == "work_order" and source)) and k not in mapping
                       and not (k == "channel" and default_channel)], default_channel=default_channel)
    if plan.missing:
        return plan
    today, domains = desk.today(), desk.domains
    seen: dict[tuple[str, ...], int] = {}
    body = rows[header_row + 1:]
    for offset, values in enumerate(body, start=header_row + 2):
        if progress and offset % 500 == 0:
            progress(offset - header_row - 2, len(body))
        if not any(_text(v) for v in values):
            continue
        cells = {key: values[column] if column < len(values) else None for key, column in mapping.items()}
        result = RowResult(offset, list(values))
        try:
            result.draft, result.at = row_draft(cells, domains, today, default_channel, result.notes, source)
            key = _identity(result.draft, result.at)
            if key in seen:
                raise DomainError(f"与第{seen[key]}行重复（同一信访人、同一诉求、同一登记日期）")
            seen[key] = offset
            existing = _existing_case(desk, result.draft, result.at)
            if existing:
                result.draft, result.at = None, None
                result.skipped = f"已导入过，跳过（本站已有案件 {existing}）"
        except DomainError as err:
            result.draft, result.at, result.reason = None, None, str(err)
            result.notes = []
        plan.rows.append(result)
    return plan


def _identity(draft: CaseDraft, at: datetime) -> tuple[str, ...]:
    first = draft.petitioners[0]
    return (first.name.strip(), first.id_number.strip().upper(), draft.request_summary.strip(),
            at.date().isoformat())


def _existing_case(desk: Desk, draft: CaseDraft, at: datetime) -> str | None:
    if draft.work_order:  # a 12345 work order is one case, whatever else changed in the export
        found = desk.conn.execute("SELECT case_id FROM cases WHERE work_order = ? LIMIT 1",
                                  (draft.work_order,)).fetchone()
        if found:
            return str(found[0])
    first = draft.petitioners[0]
    row = desk.conn.execute(
        "SELECT c.case_id FROM petitioners p JOIN cases c ON c.case_id = p.case_id WHERE p.name = ? "
        "AND (? = '' OR p.id_number = ?) AND c.request_summary = ? "
        "AND substr(c.registered_at, 1, 10) = ? LIMIT 1",
        (first.name.strip(), first.id_number.strip().upper(), first.id_number.strip().upper(),
         draft.request_summary.strip(), at.date().isoformat())).fetchone()
    return str(row[0]) if row else None


def write_rejected(plan: ImportPlan, out: Path, *, full_id: bool) -> int:
    """The refused rows, as they were (the ID number column masked unless ``full_id``), with their row number and a
    原因 column; returns how many. Saved through ``app.ops.outputs.save_rejected_rows``, which records it."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    from app.reports.safe_cells import safe_row
    from app.store.files import new_workbook

    wb = new_workbook()
    ws = wb.active
    ws.title = "未导入"
    ws.append(safe_row(ws, ["原行号", *plan.headers, "原因"]))
    bold, reason_font = Font(bold=True), Font(color="C62828")
    for cell in ws[1]:
        cell.font, cell.fill = bold, PatternFill("solid", fgColor="DDE3EA")
    id_column = None if full_id else plan.mapping.get("id_number")
    for result in plan.rejected:
        values = [*result.values, *[None] * (len(plan.headers) - len(result.values))][:len(plan.headers)]
        if id_column is not None and isinstance(values[id_column], str | int | float):
            values[id_column] = _ID_LIKE.sub(lambda m: mask_id_number(m.group()), str(values[id_column]))
        ws.append(safe_row(ws, [result.row, *(None if v == "" else v for v in values), result.reason]))
        ws.cell(ws.max_row, len(plan.headers) + 2).font = reason_font
    ws.freeze_panes = "B2"
    for column in range(2, len(plan.headers) + 2):
        ws.column_dimensions[get_column_letter(column)].width = 14
    ws.column_dimensions[get_column_letter(len(plan.headers) + 2)].width = 60
    with output_file(out) as temp:
        wb.save(str(temp))
    return len(plan.rejected)


_ID_LIKE = re.compile(r"[0-9A-Za-z*＊]{11,}")


def rejected_people(plan: ImportPlan) -> int:
    """How many petitioners the refused rows name (each name of each row's name cell)."""
    column = plan.mapping.get("name")
    if column is None:
        return 0
    return sum(len([x for x in _SPLIT.split(_text(r.values[column] if column < len(r.values) else "")) if x.strip()])
               for r in plan.rejected)


def default_rejected_path(source: Path) -> Path:
    return source.with_name(f"{source.stem}-未导入.xlsx")


def run_import(desk: Desk, plan: ImportPlan, progress: Any = None) -> list[str]:
    """Create every valid row's case in one transaction (all or nothing); returns the new case numbers."""
    from app.ops.bulk import register_many

    plan.require_columns()
    rows = sorted(plan.valid, key=lambda r: r.at or datetime.min)  # case numbers follow registration dates
    return register_many(desk, [(r.draft, r.at) for r in rows if r.draft is not None], progress)
