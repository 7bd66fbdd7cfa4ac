"""What went wrong with a file, in words a handler can act on: one reason per kind of failure, for every
place that reads or writes files (evidence, sync bundles, printouts and workbooks, the command line). No Qt."""

from __future__ import annotations

import errno

# Not every platform defines every code (Windows maps a sharing violation to EACCES, a full disk to ENOSPC).
FULL = frozenset(getattr(errno, name) for name in ("ENOSPC", "EDQUOT") if hasattr(errno, name))
BUSY = frozenset(getattr(errno, name) for name in ("EACCES", "EPERM", "EBUSY", "ETXTBSY") if hasattr(errno, name))
_GONE = frozenset(getattr(errno, name) for name in ("EIO", "ENODEV", "ENXIO", "ENOMEDIUM") if hasattr(errno, name))


def os_reason(err: OSError) -> str:
    """Why a file could not be read or written: the disk full, the file in use, the USB stick removed…"""
    code = err.errno
    if code in FULL:
        return "磁盘空间已满"
    if code == errno.EFBIG:
        return ("文件超过了这个磁盘允许的单个文件大小（FAT32 格式的 U 盘单个文件不能超过 4 GB）：请换用 exFAT 或 "
                "NTFS 格式的 U 盘，或在电脑上把 U 盘格式化为 exFAT 后再试")
    if code == errno.EROFS:
        return "磁盘或 U 盘是只读的（U 盘的写保护开关可能打开了）"
    if isinstance(err, PermissionError) or code in BUSY:
        return "没有读写权限，或文件正被其他程序（如 Excel/WPS）占用"
    if isinstance(err, IsADirectoryError):
        return "这是一个文件夹，不是文件"
    if isinstance(err, FileNotFoundError):
        return "文件或文件夹不存在（U 盘可能已拔出，或路径写错了）"
    if code in _GONE:
        return "读写出错（U 盘可能已拔出或损坏）"
    return f"读写出错（{err.strerror or err}）"
