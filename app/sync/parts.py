"""A bundle too large for one file of a FAT32 stick, written and read as numbered parts.

A FAT32 file holds at most 4 GiB − 1 byte, and most USB sticks are FAT32. A bundle is written as one file while it
fits in one part; a larger one (only with that much evidence) as ``NAME.part1of3``, ``NAME.part2of3``, … . Joined
in order, the parts' contents are exactly the bundle, signed over every byte as any bundle is. Each part ends with
a short trailer in clear (not part of the bundle): a mark, the export's random id, the part's number, the number of
parts and the sizes, so that a missing, extra, swapped (renamed) or truncated part is told as such before anything
is read, and the store stays as it was. The trailer is not trusted for anything else: a part whose contents were
changed fails the bundle's signature like any changed byte.

Import accepts only a complete set, in order: every part of one export present exactly once under its own name,
no part of another export beside them.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from app.models.errors import DomainError

# The largest part a FAT32 stick can hold with its trailer: 4 GiB − 1 byte in all.
TRAILER_LEN = 256
FAT32_PART = (4 << 30) - 1 - TRAILER_LEN
MIN_PART = 1024  # smaller parts only multiply files; the hidden command-line option is for trying parts out
MAX_PARTS = 9999
MARK = b"PETITION-DESK-PART-1 "
PART_NAME = re.compile(r"^(?P<base>.+)\.part(?P<index>[1-9]\d{0,3})of(?P<count>[1-9]\d{0,3})$")


def part_name(base: str, index: int, count: int) -> str:
    return f"{base}.part{index}of{count}"


def _trailer(set_id: str, index: int, count: int, size: int, part_size: int, total: int) -> bytes:
    body = json.dumps({"set": set_id, "index": index, "count": count, "size": size, "part_size": part_size,
                       "total": total}, separators=(",", ":")).encode()
    return (MARK + body).ljust(TRAILER_LEN - 1, b" ") + b"\n"


class _Positioned:
    """The position part of a file over several parts: what a zip reader or writer asks of it."""

    pos = 0

    def _length(self) -> int:
        raise NotImplementedError

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self.pos, os.SEEK_END: self._length()}[whence]
        self.pos = max(0, base + offset)
        return self.pos


class SpannedWriter(_Positioned):
    """A seekable file spread over numbered part files of ``part_size`` bytes each (a zip writer seeks back to
    complete each member's header). Written under temporary names; ``finish`` names the parts (one part: the
    plain name, no trailer)."""

    def __init__(self, path: Path, part_size: int) -> None:
        self.path = Path(path)
        self.part_size = part_size
        self.pos = 0
        self.end = 0
        self.handles: list[BinaryIO] = []
        self.names: list[Path] = []
        self._part(0)  # a missing folder or a read-only stick is told before any work is done

    def _temp(self, number: int) -> Path:
        return self.path.with_name(self.path.name + (".part" if number == 0 else f".part-{number + 1}"))

    def _part(self, number: int) -> BinaryIO:
        while len(self.handles) <= number:
            name = self._temp(len(self.handles))
            self.handles.append(self._open(name))
            self.names.append(name)
        return self.handles[number]

    def _open(self, name: Path) -> BinaryIO:
        return name.open("w+b")

    def _length(self) -> int:
        return self.end

    def write(self, data: bytes | bytearray | memoryview) -> int:
        view = memoryview(data).cast("B")
        written = 0
        while written < len(view):
            number, offset = divmod(self.pos, self.part_size)
            if number >= MAX_PARTS:
                raise DomainError(f"同步包过大：按每部分 {self.part_size} 字节要分成 {MAX_PARTS} 个以上的部分")
            take = min(len(view) - written, self.part_size - offset)
            handle = self._part(number)
            if handle.tell() != offset:
                handle.seek(offset)
            handle.write(view[written:written + take])
            written += take
            self.pos += take
        self.end = max(self.end, self.pos)
        return written

    def read(self, size: int = -1) -> bytes:
        left = self.end - self.pos if size < 0 else min(size, self.end - self.pos)
        chunks = []
        while left > 0:
            number, offset = divmod(self.pos, self.part_size)
            handle = self._part(number)
            handle.seek(offset)
            chunk = handle.read(min(left, self.part_size - offset))
            if not chunk:
                break
            chunks.append(chunk)
            self.pos += len(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def flush(self) -> None:
        for handle in self.handles:
            handle.flush()

    def finish(self) -> list[Path]:
        """Close the parts, on disk, under their final names (an older export of the same name is replaced)."""
        count = max(1, -(-self.end // self.part_size))
        set_id = uuid.uuid4().hex
        for number, handle in enumerate(self.handles[:count]):
            if count > 1:
                size = min(self.part_size, self.end - number * self.part_size)
                handle.seek(size)
                handle.write(_trailer(set_id, number + 1, count, size, self.part_size, self.end))
                handle.truncate()
            handle.flush()
            os.fsync(handle.fileno())
        self.close()
        for stale in stale_parts(self.path):
            stale.unlink(missing_ok=True)
        if count == 1:
            os.replace(self.names[0], self.path)
            return [self.path]
        finals = [self.path.with_name(part_name(self.path.name, n + 1, count)) for n in range(count)]
        for temp, final in zip(self.names, finals, strict=False):
            os.replace(temp, final)
        return finals

    def close(self) -> None:
        for handle in self.handles:
            handle.close()

    def abandon(self) -> None:
        """Remove every unfinished part. Called while another error is on its way up: nothing here may raise."""
        for handle in self.handles:
            with contextlib.suppress(Exception):
                handle.close()
        for name in self.names:
            with contextlib.suppress(OSError):
                name.unlink(missing_ok=True)

    def is_temp(self, name: str) -> bool:
        return any(Path(name) == temp for temp in self.names) or Path(name) == self._temp(0)


def stale_parts(path: Path) -> list[Path]:
    """Parts of an earlier export written under the same name: replaced, never mixed with the new ones."""
    folder = path.parent
    if not folder.is_dir():
        return []
    return [p for p in folder.iterdir() if (m := PART_NAME.match(p.name)) and m["base"] == path.name]


def describe(paths: list[Path]) -> str:
    """The file an export wrote, or its numbered parts, as a person is told."""
    if len(paths) <= 1:
        return str(paths[0]) if paths else ""
    return (f"分为 {len(paths)} 个部分（FAT32 格式的 U 盘单个文件不能超过 4 GB）：" + "、".join(p.name for p in paths)
            + f"（在 {paths[0].parent}）。请把全部部分拷贝到同一个文件夹，不要改名；导入时选其中任意一个部分")


@dataclass(frozen=True)
class Part:
    path: Path
    size: int  # bytes of the bundle in this part (the file less its trailer)


def find_parts(path: Path) -> list[Part] | None:
    """The parts of a bundle written in parts, checked complete and in order, for ``path`` naming any one of them
    (or the plain name they were exported under); None for a bundle in one file. DomainError naming what is wrong:
    a missing part, an extra one, one whose contents are another part's, one cut short."""
    path = Path(path)
    match = PART_NAME.match(path.name)
    if match is None:
        if path.exists() or not stale_parts(path):
            return None
        base = path.name
    else:
        base = match["base"]
    found = {p.name: PART_NAME.match(p.name) for p in stale_parts(path.with_name(base))}
    counts = sorted({int(m["count"]) for m in found.values() if m})
    count = int(match["count"]) if match else counts[-1]
    wanted = [part_name(base, n, count) for n in range(1, count + 1)]
    missing = [name for name in wanted if name not in found]
    if missing:
        raise DomainError(f"同步包 {base} 分为 {count} 个部分，缺少{_which(missing, wanted)}：请把全部 {count} 个部分"
                          "拷贝到同一个文件夹（不要改名）后再导入")
    extra = sorted(name for name in found if name not in wanted)
    if extra:
        raise DomainError(f"文件夹中除了同步包 {base} 的 {count} 个部分，还有 {'、'.join(extra[:5])}：它们不属于这一组"
                          "（可能是另一次导出留下的），请只保留同一次导出的全部部分后再导入")
    parts: list[Part] = []
    first: dict[str, Any] | None = None
    for number, name in enumerate(wanted, start=1):
        part = path.with_name(name)
        data, size = _read_trailer(part, number, count)
        if data["index"] != number or data["count"] != count:
            raise DomainError(f"文件 {name} 的内容是第 {data['index']} 部分（共 {data['count']} 部分），不是第 "
                              f"{number} 部分：分卷文件的名字被改过，或拷贝时弄混了。请用导出时的文件名重新拷贝")
        first = first or data
        if data["set"] != first["set"] or data["total"] != first["total"] or data["part_size"] != first["part_size"]:
            raise DomainError(f"第 {number} 部分（{name}）与第 1 部分不是同一次导出的：请重新拷贝同一次导出的全部部分")
        full = data["part_size"] if number < count else data["total"] - (count - 1) * data["part_size"]
        if data["size"] != full or size != full:
            raise DomainError(f"第 {number} 部分（{name}）不完整：应有 {full + TRAILER_LEN} 字节，实际 "
                              f"{size + TRAILER_LEN} 字节，可能没有拷贝完。请从导出的电脑重新拷贝这一部分")
        parts.append(Part(part, size))
    return parts


def _which(missing: list[str], wanted: list[str]) -> str:
    numbers = [str(wanted.index(name) + 1) for name in missing]
    return f"第 {'、'.join(numbers[:10])} 部分（{'、'.join(missing[:3])}{'…' if len(missing) > 3 else ''}）"


def _read_trailer(part: Path, number: int, count: int) -> tuple[dict[str, Any], int]:
    cut = (f"第 {number} 部分（{part.name}）不完整：末尾缺少分卷标记，可能没有拷贝完或已损坏。"
           "请从导出的电脑重新拷贝这一部分")
    try:
        size = part.stat().st_size
        if size <= TRAILER_LEN:
            raise DomainError(cut)
        with part.open("rb") as handle:
            handle.seek(size - TRAILER_LEN)
            tail = handle.read(TRAILER_LEN)
    except OSError as err:
        from app.sync.container import read_problem

        raise DomainError(read_problem(err, part)) from None
    if not tail.startswith(MARK) or not tail.endswith(b"\n"):
        raise DomainError(cut)
    try:
        data = json.loads(tail[len(MARK):].strip())
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DomainError(cut) from None
    fields = ("index", "count", "size", "part_size", "total")
    if not isinstance(data, dict) or not isinstance(data.get("set"), str) \
            or not all(type(data.get(k)) is int and data[k] >= 0 for k in fields) or data["part_size"] < 1:
        raise DomainError(cut)
    return data, size - TRAILER_LEN


class JoinedParts(_Positioned):
    """The parts read as the one bundle they make: seekable, read-only (what a zip reader needs)."""

    def __init__(self, parts: list[Part]) -> None:
        self.parts = parts
        self.starts = []
        start = 0
        for part in parts:
            self.starts.append(start)
            start += part.size
        self.size = start
        self.pos = 0
        self.handles: dict[int, BinaryIO] = {}

    def readable(self) -> bool:
        return True

    def _length(self) -> int:
        return self.size

    def read(self, size: int = -1) -> bytes:
        left = self.size - self.pos if size is None or size < 0 else min(size, self.size - self.pos)
        chunks = []
        while left > 0:
            number = self._number(self.pos)
            offset = self.pos - self.starts[number]
            handle = self.handles.get(number)
            if handle is None:
                handle = self.handles[number] = self.parts[number].path.open("rb")
            handle.seek(offset)
            chunk = handle.read(min(left, self.parts[number].size - offset))
            if not chunk:
                break
            chunks.append(chunk)
            self.pos += len(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _number(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self.starts, pos) - 1)

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()
        self.handles.clear()
