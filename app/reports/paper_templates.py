"""Paper templates: one ``.docx`` per paper kind in the station's folder (``<data dir>/文书模板``), with named
placeholders such as {{信访人}} and {{文号}}, so that a county can change the wording in Word or WPS without a new
program. The defaults ship in ``resources/papers`` and are copied into the station's folder on first use.

A template's paragraphs carry their role by alignment, which survives hand editing: the first centred paragraph
is the title, the next centred one the number line, right-aligned ones the issuing office and date, the rest the
addressee and body. The PDF is laid out from the same paragraphs, so both formats say what the template says.
"""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.models.errors import DomainError
from app.models.papers import KNOWN_PLACEHOLDERS, PAPER_KINDS, unknown_placeholders

TEMPLATE_FOLDER = "文书模板"
RESOURCES = Path(__file__).resolve().parents[2] / "resources" / "papers"

# Roles: title, number, plain (addressee, body), right (issuing office, date). The body is indented by the layout.
_SIGN = [("right", "{{发文机关}}"), ("right", "{{日期}}")]
# A paper the petitioner or a unit receives ends as the real ones do: the issuing office marked for its seal
# (盖章) and the date, with room above them for the round seal.
_SEALED = [("right", "{{发文机关}}（盖章）"), ("right", "{{日期}}")]
SEAL_ROOM_PT = 80  # above the issuing office in the .docx (about 28 mm, as the PDF leaves)
_HEAD = [("title", "{{发文机关}}"), ("title", "{name}"), ("number", "{{文号}}")]
_RIGHTS = ("如对处理意见不服，可以自收到本意见书之日起30日内，向原办理行政机关的上一级行政机关请求复查。")
DEFAULT_TEXT: dict[str, list[tuple[str, str]]] = {
    "信访事项登记表": [
        *_HEAD,
        ("plain", "案件编号：{{案件编号}}"), ("plain", "登记日期：{{登记日期}}"),
        ("plain", "信访人：{{信访人}}（共{{人数}}人）"), ("plain", "身份证号：{{身份证号}}"),
        ("plain", "联系电话：{{联系电话}}"), ("plain", "住址：{{住址}}"),
        ("plain", "信访事项（诉求）：{{诉求}}"), ("plain", "登记人（签字）："), *_SIGN],
    "受理告知书": [
        *_HEAD, ("plain", "{{信访人}}："),
        ("body", "你（们）于{{登记日期}}提出的信访事项（{{诉求}}），经审查，符合《信访工作条例》规定的受理条件，"
                 "本机关已于{{受理日期}}予以受理，将自受理之日起60日内办结并书面答复你（们）。"),
        ("body", "特此告知。"), *_SEALED],
    "不予受理告知书": [
        *_HEAD, ("plain", "{{信访人}}："),
        ("body", "你（们）于{{登记日期}}提出的信访事项（{{诉求}}），经审查，{{理由}}。根据《信访工作条例》的规定，"
                 "本机关决定不予受理。"),
        ("body", "特此告知。"), *_SEALED],
    "不再受理告知书": [
        *_HEAD, ("plain", "{{信访人}}："),
        ("body", "你（们）于{{登记日期}}提出的信访事项（{{诉求}}），已经复核终结。你（们）以同一事实和理由再次提出，"
                 "根据《信访工作条例》的规定，各级信访工作机构和其他行政机关不再受理。{{理由}}"),
        ("body", "特此告知。"), *_SEALED],
    "转送/交办单": [
        *_HEAD, ("plain", "{{事权单位}}："),
        ("body", "现将{{信访人}}于{{登记日期}}提出的信访事项（案件编号{{案件编号}}）{{转送方式}}你单位，"
                 "请依法依规处理。信访事项：{{诉求}}"),
        ("body", "交办事项请于{{报告期限}}前报送办结报告。"), *_SEALED],
    "延期告知书": [
        *_HEAD, ("plain", "{{信访人}}："),
        ("body", "你（们）提出的信访事项（{{诉求}}），本机关已于{{受理日期}}受理。因{{理由}}，经批准，"
                 "办理期限延长{{延期天数}}日。"),
        ("body", "特此告知。"), *_SEALED],
    "处理意见书": [
        *_HEAD, ("plain", "{{信访人}}："),
        ("body", "你（们）于{{登记日期}}提出的信访事项（{{诉求}}），本机关已于{{受理日期}}受理。经调查核实，"
                 "处理意见如下：{{处理意见}}"),
        ("body", _RIGHTS), *_SEALED],
    "复查意见书": [
        *_HEAD, ("plain", "{{信访人}}："),
        ("body", "你（们）对信访事项（{{诉求}}）的处理意见不服，请求复查。经复查，意见如下：{{复查意见}}"),
        ("body", "如对复查意见不服，可以自收到本意见书之日起30日内，向复查机关的上一级行政机关请求复核。"), *_SEALED],
    "复核意见书": [
        *_HEAD, ("plain", "{{信访人}}："),
        ("body", "你（们）对信访事项（{{诉求}}）的复查意见不服，请求复核。经复核，意见如下：{{复核意见}}"),
        ("body", "本复核意见为最终意见。你（们）以同一事实和理由再提出信访事项的，不再受理。"), *_SEALED],
    "听证通知书": [
        *_HEAD, ("plain", "{{信访人}}："),
        ("body", "你（们）请求复核的信访事项（{{诉求}}），本机关决定举行听证。具体时间、地点另行通知，"
                 "请携带有关证据材料按时参加。"),
        ("body", "特此通知。"), *_SEALED],
}


def file_name(kind: str) -> str:
    return kind.replace("/", "") + ".docx"


def build_default(kind: str, path: Path) -> None:
    """Write the default template of ``kind`` (how resources/papers was made; tests compare against it)."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = "宋体"
    normal.font.size = Pt(14)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    first_right = True
    for role, text in DEFAULT_TEXT[kind]:
        paragraph = document.add_paragraph()
        run = paragraph.add_run(text.replace("{name}", kind))
        if role in ("title", "number"):
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if role == "title":
            run.bold = True
            run.font.size = Pt(20)
        elif role == "right":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            paragraph.paragraph_format.right_indent = Pt(34)
            if first_right:  # the issuing office: room above it for the seal
                paragraph.paragraph_format.space_before = Pt(SEAL_ROOM_PT)
                first_right = False
        elif role == "body":
            paragraph.paragraph_format.first_line_indent = Pt(28)
    document.save(str(path))


def station_template(data_dir: Path, kind: str) -> Path:
    """The station's template of ``kind``, copied from the defaults on first use."""
    folder = Path(data_dir) / TEMPLATE_FOLDER
    path = folder / file_name(kind)
    if not path.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(RESOURCES / file_name(kind), path)
        except OSError as err:
            raise DomainError(f"无法准备文书模板 {path}：{err.strerror or err}") from None
    return path


@dataclass(frozen=True)
class Line:
    """One paragraph of a template as the PDF lays it out."""

    role: str  # title, number, plain, body, right
    text: str


@dataclass(frozen=True)
class Template:
    """A checked template: its file's bytes (the .docx is written from them) and its lines (the PDF's)."""

    path: Path
    data: bytes
    lines: tuple[Line, ...]


_CACHE: dict[tuple[str, int, int], Template] = {}


def open_template(path: Path) -> Template:
    """The template, checked: it opens as a .docx and every placeholder in it is known. Kept while the file is
    unchanged (parsing a .docx is most of the time a paper takes)."""
    import docx

    try:
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        if key in _CACHE:
            return _CACHE[key]
        data = path.read_bytes()
        document = docx.Document(io.BytesIO(data))
    except Exception as err:  # a zip that is not a .docx, a truncated file, a .doc renamed: all say the same
        raise DomainError(f"文书模板 {path} 无法读取（{type(err).__name__}），请用 Word 或 WPS 另存为 .docx 格式，"
                          f"或删除该文件以恢复默认模板。未生成文书") from None
    unknown = unknown_placeholders([p.text for p in paragraphs(document)])
    if unknown:
        raise DomainError(f"文书模板 {path.name} 中有未知的占位符：{'、'.join('{{' + u + '}}' for u in unknown)}。"
                          f"可用的占位符：{'、'.join(sorted(KNOWN_PLACEHOLDERS))}。未生成文书")
    template = Template(path, data, tuple(lines(document)))
    _CACHE[key] = template
    return template


def paragraphs(document: Any) -> list[Any]:
    """Every paragraph of the body and of its tables, in order (a county may lay a form out as a table)."""
    found = list(document.paragraphs)
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                found.extend(cell.paragraphs)
    return found


def lines(document: Any) -> list[Line]:
    """The template's paragraphs with their roles, for the PDF."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    result: list[Line] = []
    centred = 0
    for paragraph in paragraphs(document):
        text = paragraph.text
        alignment = paragraph.alignment
        if alignment == WD_ALIGN_PARAGRAPH.CENTER:
            bold = any(run.bold for run in paragraph.runs)
            role = "title" if bold or centred == 0 else "number"
            centred += 1
        elif alignment == WD_ALIGN_PARAGRAPH.RIGHT:
            role = "right"
        elif paragraph.paragraph_format.first_line_indent:
            role = "body"
        else:
            role = "plain"
        result.append(Line(role, text))
    return result


assert set(DEFAULT_TEXT) == set(PAPER_KINDS)
