"""Writing the files a user asked for (PDF, workbooks): whole or not at all, and refusals in Chinese.

Every output is first written to a temporary file in the same folder (one with no name where the system has
them: see ``output_file``), then moved over the target with ``os.replace`` (atomic on the same disk): a full
USB stick, a workbook still open in Excel or WPS (Windows refuses to replace it) or a crash half-way never
leaves a truncated file where the old one was. Missing folders are made, as a user who types
``D:\\台账\\三月\\a.xlsx`` expects. An ``OSError`` becomes a ``DomainError`` whose message says what to do, so
the command line and the program say the same thing.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.models.errors import DomainError
from app.store import private
from app.store.oserrors import BUSY, FULL, os_reason


def os_error_message(err: OSError, path: Path | str) -> str:
    """What went wrong writing ``path``, in words a handler can act on."""
    path = Path(path)
    code = err.errno
    if isinstance(err, PermissionError) or code in BUSY:
        return (f"无法写入 {path}：文件被占用或无权写入，请先在 Excel/WPS（或 PDF 阅读器）中关闭该文件后重试，"
                "或换一个保存位置")
    if code in FULL:
        return f"磁盘空间不足，{path} 未能写入（原有文件未改动）。请清理磁盘或换一个U盘后重试"
    if code == errno.EROFS:
        return f"{path.parent} 所在的磁盘是只读的（如写保护的U盘），请换一个保存位置"
    if isinstance(err, IsADirectoryError):
        return f"{path} 是一个文件夹，请给出要保存的文件名"
    if isinstance(err, NotADirectoryError | FileExistsError):
        return f"无法在 {path.parent} 中保存：路径中有一部分是文件而不是文件夹"
    if isinstance(err, FileNotFoundError):
        return f"找不到保存位置 {path.parent}（U盘或网络磁盘是否已拔出？）"
    if code == errno.ENAMETOOLONG:
        return f"文件名或路径太长：{path}"
    if code == errno.EINVAL:
        return f"文件名不可用（可能含有 \\ / : * ? \" < > | 等字符）：{path.name}"
    return f"无法写入 {path}：{os_reason(err)}，请检查磁盘或U盘后重试，或换一个保存位置"


@contextlib.contextmanager
def output_file(path: Path | str) -> Iterator[Path]:
    """A temporary path to write ``path``'s content to; moved over ``path`` when the block ends without an
    exception, removed otherwise. Makes the folder if missing; raises DomainError for any OSError.

    Until it is whole the file must not lie readable in the folder the user chose (a ledger holds every
    petitioner's name and ID number): where the system has them (Linux, on the usual disks) it is a file with no
    name in that folder, which the system removes however the program ends — even killed — and which gets its
    name only once written (``_unnamed_file``). Elsewhere (a FAT32 stick, Windows) it is a hidden ``.part`` file
    with a neutral name, noted in the station's private folder so that the next start removes it if a killed
    program left it (app.store.private)."""
    path = Path(path)
    if path.is_dir():
        raise DomainError(os_error_message(IsADirectoryError(errno.EISDIR, "", str(path)), path))
    unnamed: int | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        unnamed = _unnamed_file(path.parent)
        if unnamed is None:
            handle, name = tempfile.mkstemp(prefix=private.OUTPUT_PREFIX, suffix=".part", dir=path.parent)
            os.close(handle)
            temp = Path(name)
            private.note_output(temp)
        else:
            temp = Path(f"/proc/self/fd/{unnamed}")
    except OSError as err:
        raise DomainError(os_error_message(err, path)) from None
    try:
        yield temp
        if unnamed is None:
            os.replace(temp, path)
        else:
            _name_it(unnamed, path)
    except OSError as err:
        if unnamed is None:
            _remove(temp)
        raise DomainError(os_error_message(err, path)) from None
    except BaseException:
        if unnamed is None:
            _remove(temp)
        raise
    finally:
        if unnamed is None:
            private.forget_output(temp)
        else:
            os.close(unnamed)


def _unnamed_file(folder: Path) -> int | None:
    """A new file in ``folder`` with no name (Linux's ``O_TMPFILE``), open for writing, and also reachable by
    its path under /proc/self/fd; None where the system or the folder's file system has no such files."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        return os.open(folder, flag | os.O_RDWR, 0o600)
    except OSError as err:
        if err.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):  # FAT32, exFAT, some network disks
            return None
        raise


def _name_it(unnamed: int, path: Path) -> None:
    """The whole file given its name: linked into its folder under a hidden neutral name, then moved over
    ``path`` (a link cannot replace a file the user may have there already)."""
    hidden = path.with_name(f"{private.OUTPUT_PREFIX}{secrets.token_hex(6)}.part")
    fds = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
    try:  # linkat(…, AT_SYMLINK_FOLLOW) through /proc, as open(2) shows; a plain link() would link the /proc entry
        os.link(str(unnamed), hidden, src_dir_fd=fds, follow_symlinks=True)
    finally:
        os.close(fds)
    try:
        os.replace(hidden, path)
    except BaseException:
        _remove(hidden)
        raise


def write_bytes(path: Path | str, data: bytes) -> None:
    """``data`` as the whole content of ``path``, written as ``output_file`` writes."""
    with output_file(path) as temp:
        temp.write_bytes(data)


def _remove(temp: Path) -> None:
    with contextlib.suppress(OSError):
        temp.unlink()


@contextlib.contextmanager
def write_only_workbook() -> Iterator[Any]:
    """An openpyxl write-only workbook whose sheets stream through sealed scratch files (app.store.sealed_xlsx:
    nothing readable in the temporary folder while it is written), removed when the block fails or is
    cancelled."""
    from app.store.sealed_xlsx import SealedWorkbook

    wb = SealedWorkbook(write_only=True)
    try:
        yield wb
    except BaseException:
        wb.discard()
        raise


def new_workbook() -> Any:
    """An ordinary (not write-only) openpyxl workbook that is saved through sealed scratch files as well."""
    from app.store.sealed_xlsx import SealedWorkbook

    return SealedWorkbook()
