"""Reading what a student handed in, without trusting its shape.

Two things any reader of a submission (the class grader, the local check) must never do:

- follow a link: a submitted ``notebook.ipynb`` or ``timestamp.txt`` that is a symbolic link
  to the instructor master or to ``/etc/passwd`` is read *as the link*, i.e. refused. Files are
  opened with ``O_NOFOLLOW`` (and ``O_NONBLOCK``, so a FIFO cannot make the reader wait for a
  writer) and checked with ``fstat`` to be regular files; :func:`link_in_chain` finds a link
  among the folders above a file;
- trust the size or depth of a JSON value: :func:`loads_bounded` refuses input larger than a
  byte limit and values nested deeper than a depth limit, with a one-line reason, instead of
  the ``RecursionError`` or ``MemoryError`` that ``json.loads`` (or what runs on its result:
  ``copy.deepcopy``, nbformat's validation) would raise on a hostile value.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

#: A notebook of this course nests about 8 levels (cells, outputs, data); a deeper value is no
#: notebook a person wrote.
NOTEBOOK_MAX_DEPTH = 64
#: One message on the check's data channel: a record of arrays nests a few levels.
MESSAGE_MAX_DEPTH = 64


class Refused(ValueError):
    """The input was refused (a link, not a regular file, too large, too deep): one line."""


def kind_of(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def describe(path: Path) -> str | None:
    """None when ``path`` is a regular file (not a link); else what it is ("a symbolic link")."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"
    return None if stat.S_ISREG(mode) else kind_of(mode)


def link_in_chain(path: Path, levels: int) -> Path | None:
    """The first of ``path`` and its ``levels - 1`` parents that is a symbolic link, if any."""
    current = Path(path)
    for _ in range(levels):
        try:
            if stat.S_ISLNK(os.lstat(current).st_mode):
                return current
        except OSError:
            return None
        current = current.parent
    return None


def read_regular(path: Path, max_bytes: int, follow: bool = False) -> bytes:
    """The bytes of the regular file ``path``, never through a link (unless ``follow``: the
    local check, on the learner's own files); :class:`Refused` if it is a link, a FIFO, a
    device, a folder, or larger than ``max_bytes``."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= os.O_NOFOLLOW
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        what = describe(path)
        if what and what != "missing":
            raise Refused(f"{Path(path).name} is {what}: not followed, not read") from None
        raise Refused(f"{Path(path).name} cannot be read ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused(f"{Path(path).name} is {kind_of(info.st_mode)}: not read")
        if info.st_size > max_bytes:
            raise Refused(f"{Path(path).name} is larger than {_size(max_bytes)}")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:  # grew while being read
                raise Refused(f"{Path(path).name} is larger than {_size(max_bytes)}")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _size(n: int) -> str:
    return f"{n // 1024**2} MB" if n >= 1024**2 else f"{n} bytes"


def depth(value) -> int:
    """How deep ``value`` nests (0 for a scalar), without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children
                     if isinstance(child, (dict, list)))
    return deepest


def loads_bounded(data: bytes | str, *, max_bytes: int, max_depth: int, what: str = "JSON"):
    """``json.loads(data)`` within limits; :class:`Refused` (one line) beyond them.

    Invalid JSON raises :class:`Refused` too (it is a ``ValueError``, like ``json``'s own).
    """
    if len(data) > max_bytes:
        raise Refused(f"{what} larger than {_size(max_bytes)}")
    try:
        value = json.loads(data)
    except RecursionError:
        raise Refused(f"{what} nested too deeply (more than {max_depth} levels)") from None
    except MemoryError:
        raise Refused(f"{what} too large to read") from None
    except ValueError as exc:
        raise Refused(f"invalid JSON ({exc})") from None
    if depth(value) > max_depth:
        raise Refused(f"{what} nested too deeply (more than {max_depth} levels)")
    return value


def _is_control(char: str) -> bool:
    code = ord(char)
    return (code < 0x20 or 0x7F <= code < 0xA0 or 0x202A <= code <= 0x202E
            or 0x2066 <= code <= 0x2069 or code in (0x200E, 0x200F, 0x061C, 0xFEFF))


def printable(value, keep_newlines: bool = False) -> str:
    """``value`` as text safe to print to a terminal or a log: control characters (terminal
    escape sequences, carriage returns, bidirectional overrides) shown as ``\\x1b``-style
    escapes; with ``keep_newlines``, newlines and tabs stay."""
    value = value if isinstance(value, str) else str(value)
    out = []
    for char in value:
        if keep_newlines and char in "\n\t":
            out.append(char)
        elif _is_control(char):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)
