"""The bundle file: a zip that anyone can open, signed over every byte.

Layout::

    manifest.json        sender, receiver, time, counts, acknowledgements, and the size + SHA-256 of every member
    data.xlsx            the workbook (案件, 办理事件, 四定四包, 佐证材料清单, 说明)
    readme.txt           what this file is, in Chinese (UTF-8 with BOM, so Notepad shows it)
    certs/<code>-<key>.json  the sender's certificate chain, and certificates of the stations below it
    revocations.json     revocations the sender knows
    evidence/<sha256>    the evidence files, named by their content's SHA-256

Why a zip with the signature in its comment: a person unzips the file (Windows does it without any tool) and
opens ``data.xlsx`` in Excel, WPS or LibreOffice as it is. A signature over a manifest of member digests alone would
leave the zip's own bytes (headers, directory, comment) unsigned, so the Ed25519 signature is made over the SHA-256
of the whole file up to its last 88 bytes, and those bytes (the zip comment's tail) hold the signature. Change,
add or cut any byte and the signature fails. Members are stored, not compressed: the workbook and media files are
compressed already, and a stored member cannot be a zip bomb (its declared size is its size in the file).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.models.errors import DomainError
from app.store import sealed
from app.store.oserrors import FULL, os_reason
from app.store.sealed import Source
from app.sync import keys, parts, sealing

SIG_PREFIX = b"PETITION-DESK-SIGNATURE-1 "
SIG_LEN = 88  # base64 of a 64-byte Ed25519 signature
SIGNED_CONTEXT = b"petition-desk bundle v1\n"
CHUNK = 1 << 20
MEMBER_NAMES = re.compile(r"^(manifest\.json|data\.xlsx|readme\.txt|revocations\.json|moves\.json|checkpoints\.jsonl|"
                          r"certs/[A-Za-z0-9]{2,20}-[0-9a-f]{16}\.json|evidence/[0-9a-f]{64})$")
# Never sealed: no personal data in them.
CLEAR_MEMBERS = ("manifest.json", "readme.txt", "revocations.json", "moves.json")
SMALL_LIMITS = {"manifest.json": 64 << 20, "readme.txt": 1 << 16, "revocations.json": 4 << 20, "moves.json": 4 << 20}
CERT_LIMIT = 1 << 16
MAX_CERTS = 2000
MAX_MEMBERS = 1_000_000


class _HashingWriter:
    def __init__(self, sink: BinaryIO) -> None:
        self.sink = sink
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.size += len(data)
        self.sink.write(data)


class BundleWriter:
    """Writes members one by one, then the manifest, then signs the finished file."""

    def __init__(self, path: Path, part_size: int | None = None) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise DomainError(f"{self.path} 是一个文件夹：请在其后写上同步包的文件名，如 {self.path / '同步包.zip'}")
        try:
            # One file while it fits a FAT32 stick, numbered parts beyond (app.sync.parts).
            self.file = parts.SpannedWriter(self.path, part_size or parts.FAT32_PART)
            self.zip = zipfile.ZipFile(self.file, "w", compression=zipfile.ZIP_STORED,  # type: ignore[arg-type]
                                       allowZip64=True)
        except OSError as err:
            raise DomainError(write_problem(err, self.path)) from None
        self.members: list[dict[str, Any]] = []
        self.parts: list[Path] = []  # the files written, once finished: the bundle, or its numbered parts

    def add_stream(self, name: str, source: Source, size: int) -> dict[str, Any]:
        # Zip64 headers only where needed: some unzip tools still stumble on them.
        with self.zip.open(name, "w", force_zip64=size > (1 << 31) - CHUNK) as sink:
            writer = _HashingWriter(sink)  # type: ignore[arg-type]
            while chunk := source.read(CHUNK):
                writer.write(chunk)
        entry = {"name": name, "size": writer.size, "sha256": writer.digest.hexdigest()}
        self.members.append(entry)
        return entry

    def add_sealed(self, name: str, source: Source, plain_size: int, key: bytes) -> dict[str, Any]:
        """A member sealed to the receiver as it is written (app.sync.sealing): nothing readable reaches the file."""
        size = sealed.sealed_size(plain_size)
        with self.zip.open(name, "w", force_zip64=size > (1 << 31) - CHUNK) as sink:
            writer = _HashingWriter(sink)  # type: ignore[arg-type]
            with sealed.SealWriter(writer, key, sealing.member_purpose(name)) as seal:
                while chunk := source.read(CHUNK):
                    seal.write(chunk)
        entry = {"name": name, "size": writer.size, "sha256": writer.digest.hexdigest()}
        self.members.append(entry)
        return entry

    def add_bytes(self, name: str, data: bytes) -> dict[str, Any]:
        return self.add_stream(name, io.BytesIO(data), len(data))

    def add_file(self, name: str, source: Path) -> dict[str, Any]:
        with Path(source).open("rb") as handle:
            return self.add_stream(name, handle, Path(source).stat().st_size)

    def finish(self, manifest: dict[str, Any], key: Ed25519PrivateKey) -> None:
        """Write the manifest (listing every member but itself), close the zip and sign every byte of it."""
        manifest = {**manifest, "members": self.members}
        self.zip.writestr(zipfile.ZipInfo("manifest.json", date_time=(2020, 1, 1, 0, 0, 0)),
                          json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        self.zip.comment = SIG_PREFIX + b"=" * SIG_LEN
        self.zip.close()
        size = self.file.end
        self.file.seek(0)
        signature = keys.sign(key, SIGNED_CONTEXT + _stream_digest(self.file, size - SIG_LEN))
        self.file.seek(size - SIG_LEN)
        self.file.write(signature.encode("ascii"))
        self.parts = self.file.finish()

    def abandon(self) -> None:
        """Remove the unfinished file (or parts). Called while another error is on its way up, so nothing here may
        raise: on a full disk even closing the zip fails."""
        with contextlib.suppress(Exception):
            self.zip.close()
        self.file.abandon()


def write_problem(err: OSError, path: Path) -> str:
    """Why a bundle could not be written to ``path``. A failure on another file (an evidence file of this
    station missing, the data disk full under a working folder) is told as that file's, not blamed on the stick."""
    target = Path(path)
    written = str(err.filename or "")
    if written and Path(written) != target and not (Path(written).parent == target.parent
                                                    and Path(written).name.startswith(target.name + ".part")):
        return f"导出失败：{os_reason(err)}（{err.filename}），同步包未导出，未写完的文件已删除"
    if err.errno == errno.ENOENT:
        return f"找不到要保存到的文件夹：{Path(path).parent}（U 盘可能已拔出，或路径写错了），同步包未导出"
    if err.errno == errno.EISDIR:
        return f"{path} 是一个文件夹：请在其后写上同步包的文件名"
    if err.errno in FULL:
        return ("磁盘空间已满，同步包没有写完，未写完的文件已删除：请清理磁盘或换一个空间足够的 U 盘后重新导出"
                f"（{path}）")
    return f"写入同步包失败：{os_reason(err)}（{path}），未写完的文件已删除"


def read_problem(err: OSError, path: Path) -> str:
    """Why a bundle could not be read from ``path``."""
    if err.errno == errno.ENOENT:
        return f"找不到同步包文件：{path}（U 盘可能已拔出，或路径写错了）"
    if err.errno == errno.EISDIR or Path(path).is_dir():
        return f"{path} 是一个文件夹，不是同步包：请选择文件夹里的同步包文件（.zip）"
    return f"读取同步包失败：{os_reason(err)}（{path}）"


def _stream_digest(handle: Source, length: int) -> bytes:
    digest = hashlib.sha256()
    left = length
    while left > 0:
        chunk = handle.read(min(CHUNK, left))
        if not chunk:
            break
        digest.update(chunk)
        left -= len(chunk)
    return digest.digest()


@dataclass
class OpenedBundle:
    """A bundle whose structure has been checked; nothing in it is trusted until ``check_signature`` passes."""

    path: Path
    zip: zipfile.ZipFile
    manifest: dict[str, Any]
    certificates: list[Any]
    revocations: list[Any]
    signature: str
    handle: BinaryIO | parts.JoinedParts  # the file, or its numbered parts read as one
    size: int
    moves: list[Any] = field(default_factory=list)  # townships moved between counties (app.sync.moves)
    key: bytes | None = None  # the bundle key, once ``unseal`` found it

    @property
    def sealed(self) -> bool:
        return self.manifest.get("encryption") is not None

    def close(self) -> None:
        self.zip.close()
        self.handle.close()

    def unseal(self, private_keys: dict[str, Any]) -> None:
        """Open the sealed part with this station's encryption keys (after the signature was checked): the
        counts, acknowledgements and evidence list join the manifest. DomainError when it is not for us."""
        if not self.sealed or self.key is not None:
            return
        key = sealing.open_from(self.manifest["encryption"], private_keys)
        if key is None:
            raise DomainError(not_ours(self.manifest))
        contents = sealing.open_manifest(key, self.manifest["sealed"])
        _check_contents(contents)
        evidence = contents.get("evidence", [])
        if not isinstance(evidence, list) or not all(isinstance(s, str) and re.fullmatch(r"[0-9a-f]{64}", s)
                                                    for s in evidence):
            raise DomainError("同步包的加密清单中的佐证材料列表格式不正确")
        self.manifest.update(contents)
        self.key = key

    def evidence_members(self) -> list[tuple[str, str]]:
        """(sha256 of the content, member name) of every evidence file."""
        if self.sealed:
            assert self.key is not None, "unseal first"
            return [(sha, sealing.evidence_member(self.key, sha)) for sha in self.manifest.get("evidence", [])]
        return [(m["name"].split("/", 1)[1], m["name"]) for m in self.manifest["members"]
                if m["name"].startswith("evidence/")]

    @contextlib.contextmanager
    def open_member(self, name: str) -> Iterator[Source]:
        """A member's content as it was before sealing (checked chunk by chunk as it is read)."""
        with self.zip.open(name) as source:
            if not self.sealed or name in CLEAR_MEMBERS or name.startswith("certs/"):
                yield source
            else:
                assert self.key is not None, "unseal first"
                yield sealed.ChunkReader(sealed.unseal(source, self.key, sealing.member_purpose(name),
                                                       f"同步包中的 {name} "))

    def member_view(self, name: str) -> BinaryIO:
        """A sealed member's content as a seekable file, opened chunk by chunk where it is read (the workbook on
        import: read in place, never written out in clear). A plain (version 1) bundle's member is read as it is."""
        info = self.zip.getinfo(name)
        # A handle of its own (the zip reader keeps its own position in the other), over the numbered parts too.
        raw = cast(BinaryIO, parts.JoinedParts(self.handle.parts) if isinstance(self.handle, parts.JoinedParts)
                   else self.path.open("rb"))
        raw.seek(info.header_offset)
        local = raw.read(30)
        if len(local) < 30 or local[:4] != b"PK\x03\x04":
            raw.close()
            raise DomainError(f"同步包中的 {name} 已损坏")
        start = (info.header_offset + 30 + int.from_bytes(local[26:28], "little")
                 + int.from_bytes(local[28:30], "little"))
        if not self.sealed:
            return cast(BinaryIO, sealed.Window(raw, start, info.file_size))
        assert self.key is not None, "unseal first"
        try:
            view = sealed.SealedView(raw, start, info.file_size, self.key, sealing.member_purpose(name),
                                     f"同步包中的 {name} ")
        except BaseException:
            raw.close()
            raise
        return cast(BinaryIO, view)

    def check_signature(self, public_raw: bytes) -> bool:
        self.handle.seek(0)
        digest = _stream_digest(self.handle, self.size - SIG_LEN)
        return keys.verify(public_raw, self.signature, SIGNED_CONTEXT + digest)

    def check_members(self) -> None:
        """Every member hashes to what the manifest says, and the zip holds exactly the listed members."""
        listed = {m["name"]: m for m in self.manifest["members"]}
        present = {i.filename for i in self.zip.infolist()} - {"manifest.json"}
        if present != set(listed):
            raise DomainError("同步包的内容与其清单不符（有文件被添加或删除）")
        for name, entry in listed.items():
            digest = hashlib.sha256()
            size = 0
            with self.zip.open(name) as source:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
            if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
                what = "工作簿 data.xlsx（可能被 Excel/WPS 打开后另存过）" if name == "data.xlsx" else name
                raise DomainError(f"同步包中的 {what} 与签名时的内容不一致，不予导入")
            if not self.sealed and name.startswith("evidence/") and digest.hexdigest() != name.split("/", 1)[1]:
                raise DomainError(f"佐证材料 {name} 的内容与其哈希不符")


def _read_small(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    if info.file_size > limit:
        raise DomainError(f"同步包中的 {info.filename} 过大，不予读取")
    with zf.open(info) as source:
        data = source.read(limit + 1)
    if len(data) > limit:
        raise DomainError(f"同步包中的 {info.filename} 过大，不予读取")
    return data


def open_bundle(path: Path) -> OpenedBundle:
    """Open a bundle and check its shape from the zip directory before reading anything large."""
    path = Path(path)
    if path.is_dir():
        raise DomainError(f"{path} 是一个文件夹，不是同步包：请选择文件夹里的同步包文件（.zip）")
    found = parts.find_parts(path)  # a bundle in numbered parts: complete and in order, or refused here
    handle: BinaryIO | parts.JoinedParts
    try:
        if found is None:
            handle = path.open("rb")
            size = path.stat().st_size
        else:
            handle = parts.JoinedParts(found)
            size = handle.size
    except OSError as err:
        raise DomainError(read_problem(err, path)) from None
    try:
        zf, signature = _open_zip(path, handle, size)
    except BaseException:
        handle.close()
        raise
    try:
        infos = zf.infolist()
        _check_directory(infos)
        by_name = {i.filename: i for i in infos}
        try:
            manifest = json.loads(_read_small(zf, by_name["manifest.json"], SMALL_LIMITS["manifest.json"]))
            certificates = [json.loads(_read_small(zf, i, CERT_LIMIT)) for i in infos
                            if i.filename.startswith("certs/")]
            revocations = (json.loads(_read_small(zf, by_name["revocations.json"], SMALL_LIMITS["revocations.json"]))
                           if "revocations.json" in by_name else [])
            moves = (json.loads(_read_small(zf, by_name["moves.json"], SMALL_LIMITS["moves.json"]))
                     if "moves.json" in by_name else [])
        except (json.JSONDecodeError, UnicodeDecodeError, zipfile.BadZipFile, OSError, EOFError):
            raise DomainError("同步包已损坏（清单或证书无法读取）") from None
        _check_manifest(manifest)
        if not isinstance(revocations, list):
            raise DomainError("同步包中的吊销记录格式不正确")
        if not isinstance(moves, list):
            raise DomainError("同步包中的乡镇迁移记录格式不正确")
        return OpenedBundle(path, zf, manifest, certificates, revocations, signature, handle, size, moves)
    except BaseException:
        zf.close()
        handle.close()
        raise


def _open_zip(path: Path, handle: BinaryIO | parts.JoinedParts, size: int) -> tuple[zipfile.ZipFile, str]:
    """The zip directory, and the signature from the file's last bytes."""
    tail_len = len(SIG_PREFIX) + SIG_LEN
    try:
        if size < tail_len + 22:
            raise DomainError("不是同步包，或文件不完整（可能未拷贝完）")
        handle.seek(size - tail_len)
        tail = handle.read(tail_len)
    except OSError as err:
        raise DomainError(read_problem(err, path)) from None
    if not tail.startswith(SIG_PREFIX):
        raise DomainError("不是信访工作台的同步包，或文件不完整（末尾缺少签名，可能未拷贝完或被截断）")
    signature = tail[len(SIG_PREFIX):].decode("ascii", "replace")
    try:
        return zipfile.ZipFile(handle), signature  # type: ignore[arg-type]
    except OSError as err:
        raise DomainError(read_problem(err, path)) from None
    except (zipfile.BadZipFile, ValueError):
        raise DomainError("同步包已损坏或不完整（无法读取其目录），请重新拷贝或让对方重新导出") from None


def _check_directory(infos: Iterable[zipfile.ZipInfo]) -> None:
    names: set[str] = set()
    certs = 0
    for count, info in enumerate(infos, start=1):
        if count > MAX_MEMBERS:
            raise DomainError("同步包中的文件数量异常，不予读取")
        name = info.filename
        if not MEMBER_NAMES.match(name) or name in names:
            raise DomainError(f"同步包中有不属于同步包的文件：{name[:80]}")
        names.add(name)
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
            raise DomainError(f"同步包中的 {name} 压缩方式异常（疑似压缩炸弹），不予读取")
        limit = SMALL_LIMITS.get(name, CERT_LIMIT if name.startswith("certs/") else None)
        if limit is not None and info.file_size > limit:
            raise DomainError(f"同步包中的 {name} 过大，不予读取")
        certs += name.startswith("certs/")
    if certs > MAX_CERTS:
        raise DomainError("同步包中的证书数量异常，不予读取")
    for required in ("manifest.json", "data.xlsx"):
        if required not in names:
            raise DomainError(f"同步包不完整：缺少 {required}")


def _is_count(value: Any) -> bool:
    return type(value) is int and value >= 0


def _check_manifest(manifest: Any) -> None:
    """Every field import and verify-bundle read is of its type: a wrong one is a clear refusal, not a crash."""
    if not isinstance(manifest, dict) or manifest.get("format") != "petition-desk-bundle":
        raise DomainError("不是信访工作台的同步包（清单格式不符）")
    if manifest.get("version") not in (1, 2):
        raise DomainError(f"同步包格式版本 {manifest.get('version')} 是更新的程序生成的，请升级信访工作台后再导入")
    for key in ("bundle_id", "sender", "receiver", "created_at"):
        if not isinstance(manifest.get(key), str):
            raise DomainError(f"同步包清单缺少“{key}”")
    for key in ("sender_name", "receiver_name", "sender_key", "receiver_key", "direction"):
        if not isinstance(manifest.get(key, ""), str):
            raise DomainError(f"同步包清单中的“{key}”格式不正确")
    if manifest.get("created_ms") is not None and not _is_count(manifest["created_ms"]):
        raise DomainError("同步包清单中的“created_ms”格式不正确")
    members = manifest.get("members")
    if not isinstance(members, list) or not all(
            isinstance(m, dict) and isinstance(m.get("name"), str) and _is_count(m.get("size"))
            and isinstance(m.get("sha256"), str) for m in members):
        raise DomainError("同步包清单的文件列表格式不正确")
    if manifest["version"] == 1:  # plain: what an older program sends
        if manifest.get("encryption") is not None:
            raise DomainError("同步包清单的加密信息与格式版本不符")
        _check_contents(manifest)
        return
    encryption = manifest.get("encryption")
    if not isinstance(encryption, dict) or not all(isinstance(encryption.get(k), str)
                                                   for k in ("scheme", "recipient_key", "ephemeral")) \
            or not isinstance(manifest.get("sealed"), str):
        raise DomainError("同步包清单的加密信息格式不正确")


def not_ours(manifest: dict[str, Any]) -> str:
    return (f"此同步包是 {manifest['sender']}（{manifest.get('sender_name', '')}）发给 {manifest['receiver']}"
            f"（{manifest.get('receiver_name', '')}）的，内容已加密，只有 {manifest['receiver']} 能打开，本站无法读取")


def _check_contents(manifest: dict[str, Any]) -> None:
    """The counts, acknowledgements and coverage (in the clear manifest of a plain bundle, in the sealed part of
    a sealed one)."""
    counts = manifest.get("counts")
    if not isinstance(counts, dict) or not _is_count(counts.get("events")) \
            or not all(isinstance(k, str) and _is_count(v) for k, v in counts.items()):
        raise DomainError("同步包清单中的数量（counts）格式不正确")
    acks = manifest.get("acks", {})
    if not isinstance(acks, dict) or not all(isinstance(k, str) and _is_count(v) for k, v in acks.items()):
        raise DomainError("同步包清单中的确认记录（acks）格式不正确")
    coverage = manifest.get("coverage", {})
    if not isinstance(coverage, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and len(v) == 2 and _is_count(v[0]) and _is_count(v[1])
            and v[0] <= v[1] for k, v in coverage.items()):
        raise DomainError("同步包清单中的事件范围（coverage）格式不正确")
