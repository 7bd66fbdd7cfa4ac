"""What the command line prints is shown, never obeyed: a petitioner's name or a request holding ESC (or any other
control character) would otherwise move the cursor, recolour or clear the terminal, or hide text behind a carriage
return. Such characters are printed as their visible symbols (ESC as ␛), so ``list`` and ``show`` print what the
record holds, harmlessly."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

# C0 controls but newline and tab as the Unicode control pictures (U+2400…), DEL as ␡, C1 controls as \x.. text.
_VISIBLE = {code: chr(0x2400 + code) for code in range(0x20) if chr(code) not in "\n\t"}
_VISIBLE[0x7F] = "\u2421"
_VISIBLE.update({code: f"\\x{code:02x}" for code in range(0x80, 0xA0)})


def visible(text: str) -> str:
    """``text`` with every control character but newline and tab replaced by a visible sign."""
    return text.translate(_VISIBLE)


class SafeStream:
    """A text stream that writes ``visible`` text. A carriage return that begins a write is kept: it is how the
    progress lines return to their start (the program's own text, never a field's)."""

    def __init__(self, inner: TextIO) -> None:
        self.inner = inner

    def write(self, text: str) -> int:
        if text.startswith("\r"):
            return self.inner.write("\r" + visible(text[1:]))
        return self.inner.write(visible(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@contextmanager
def safe_terminal() -> Iterator[None]:
    """Standard output and error made safe for the length of a command."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(out), SafeStream(err)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
