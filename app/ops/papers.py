"""Making a paper (文书) for a case: its number, its event, its 告知 step and its file, all or nothing.

The template is read and checked first (a broken one writes nothing). Then, in one transaction: the next number
of the station, kind and year is taken and recorded as a ``document`` event (which also records that the
petitioner's data went out, and in which format); a notice records its 告知 (notify) step with the paper's date,
way and number; the file is written through app.store.files; the output of the petitioner's data is recorded.
If the file cannot be written the transaction is rolled back, so a number is used only by a paper that exists, and
never used again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.models.errors import DomainError
from app.models.papers import DOCUMENT_KIND, check_paper, document_number, paper_values
from app.models.vocab import NOTICE_WAYS
from app.ops.desk import Desk
from app.ops.outputs import OUTPUT_KIND, may_output, output_payload
from app.reports.paper_templates import open_template, station_template
from app.reports.papers import write_docx, write_pdf
from app.store import eventlog
from app.store.files import output_file

FORMATS = {".pdf": "pdf", ".docx": "docx"}


@dataclass(frozen=True)
class Paper:
    number: str
    path: Path
    notice: str  # the 告知 recorded with it, "" for a paper that is not a notice


def make_paper(desk: Desk, case_id: str, kind_name: str, out: Path | str, *, way: str = "",
               at: datetime | None = None, full_id: bool = False) -> Paper:
    """Write the paper ``kind_name`` of the case to ``out`` (.pdf or .docx) dated ``at`` (now by default). The ID
    number is masked unless ``full_id``, which needs the right to print it."""
    out = Path(out)
    file_format = FORMATS.get(out.suffix.lower())
    if file_format is None:
        raise DomainError(f"文书文件须以 .pdf 或 .docx 结尾：{out.name}")
    way = way.strip()
    if way and way not in NOTICE_WAYS:
        raise DomainError("告知方式须为：" + "、".join(NOTICE_WAYS))
    may_output(desk, full_id=full_id)
    when = desk._when(at)
    station = desk.require_station()
    # One transaction (one commit, one signature): the case read once, the number, the document and 告知 events,
    # the file, and the record that the petitioner's data went out.
    placed = False
    try:
        with desk._write({"cases", "audit"}, (case_id,)) as conn:
            events, state = desk._case_in(conn, case_id)
            kind = check_paper(state, kind_name, way)
            template = open_template(station_template(desk.data_dir, kind.name))
            writer = desk._writer(conn)
            seq = eventlog.last_document_seq(conn, station.code, kind.name, when.year) + 1
            number = document_number(station.name, kind, when.year, seq)
            values = paper_values(state, kind, number, station.name, when.date(), way, full_id)
            people = len(state.petitioners)
            steps = [(DOCUMENT_KIND, {"paper": kind.name, "year": when.year, "seq": seq, "number": number,
                                      "format": file_format, "full_id": full_id})]
            if kind.notice:
                steps.append(("notify", {"notice": kind.notice, "way": way, "document": number, "note": ""}))
            desk._record_steps_in(conn, writer, case_id, steps, when, held=(events, state))
            output = output_payload("paper", out, 1, people, full_id)
            eventlog.append(conn, [writer.make("", OUTPUT_KIND, output, desk.actor, desk.now())])
            with output_file(out) as temp:  # last: a file that cannot be written rolls the number back
                (write_pdf if file_format == "pdf" else write_docx)(template, values, temp)
            placed = True
    except BaseException:
        # The transaction did not commit after the file was put in place (its signature refused, the disk full at
        # the commit): a paper bearing a number the record does not hold would see the number given again.
        if placed:
            out.unlink(missing_ok=True)
        raise
    return Paper(number, out, kind.notice)
