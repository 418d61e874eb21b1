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

from autograder.checks.i18n import N_, Message

#: A notebook of this course nests about 8 levels (cells, outputs, data); a deeper value is no
#: notebook a person wrote.
NOTEBOOK_MAX_DEPTH = 64
#: One message on the check's data channel: a record of arrays nests a few levels.
MESSAGE_MAX_DEPTH = 64


class Refused(ValueError):
    """The input was refused (a link, not a regular file, too large, too deep): one line.

    Its argument is a :class:`~autograder.checks.i18n.Message`: ``str(error)`` is English (the
    instructor's logs and summaries), :meth:`translated` the learner's language."""

    def translated(self, lang: str | None = None) -> str:
        reason = self.args[0] if self.args else ""
        return reason.translated(lang) if isinstance(reason, Message) else str(reason)


#: What the JSON reader says is wrong (Python's json messages), said in the learner's language.
JSON_PROBLEMS = {message: message for message in (
    N_("Expecting value"), N_("Expecting property name enclosed in double quotes"),
    N_("Expecting ',' delimiter"), N_("Expecting ':' delimiter"), N_("Extra data"),
    N_("Unterminated string starting at"), N_("Invalid control character at"),
    N_("Invalid \\escape"), N_("Invalid \\uXXXX escape"),
    N_("Illegal trailing comma before end of object"),
    N_("Illegal trailing comma before end of array"))}


def kind_of(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return Message(N_("a symbolic link"))
    if stat.S_ISDIR(mode):
        return Message(N_("a folder"))
    if stat.S_ISFIFO(mode):
        return Message(N_("a named pipe (FIFO)"))
    if stat.S_ISSOCK(mode):
        return Message(N_("a socket"))
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return Message(N_("a device"))
    return Message(N_("not a regular file"))


def describe(path: Path) -> str | None:
    """None when ``path`` is a regular file (not a link); else what it is ("a symbolic link")."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return Message(N_("unreadable ({reason})"), reason=exc.strerror or str(exc))
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
            raise Refused(Message(N_("{name} is {what}: not followed, not read"),
                                  name=Path(path).name, what=what)) from None
        raise Refused(Message(N_("{name} cannot be read ({reason})"), name=Path(path).name,
                              reason=exc.strerror or str(exc))) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused(Message(N_("{name} is {what}: not read"), name=Path(path).name,
                                  what=kind_of(info.st_mode)))
        if info.st_size > max_bytes:
            raise Refused(Message(N_("{name} is larger than {size}"), name=Path(path).name,
                                  size=_size(max_bytes)))
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:  # grew while being read
                raise Refused(Message(N_("{name} is larger than {size}"), name=Path(path).name,
                                      size=_size(max_bytes)))
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _size(n: int) -> Message | str:
    return f"{n // 1024**2} MB" if n >= 1024**2 else Message(N_("{n} bytes"), n=n)


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
        raise Refused(Message(N_("{what} larger than {size}"), what=_what(what),
                              size=_size(max_bytes)))
    try:
        value = json.loads(data)
    except RecursionError:
        raise Refused(_too_deep(what, max_depth)) from None
    except MemoryError:
        raise Refused(Message(N_("{what} too large to read"), what=_what(what))) from None
    except json.JSONDecodeError as exc:
        problem = JSON_PROBLEMS.get(exc.msg)
        raise Refused(Message(N_("invalid JSON ({problem}: line {line} column {column} (char "
                                 "{char}))"), problem=Message(problem) if problem else exc.msg,
                              line=exc.lineno, column=exc.colno, char=exc.pos)) from None
    except ValueError as exc:
        raise Refused(Message(N_("invalid JSON ({reason})"), reason=str(exc))) from None
    if depth(value) > max_depth:
        raise Refused(_too_deep(what, max_depth))
    return value


#: The names of what loads_bounded reads, as its callers name it.
_WHATS = {"notebook": N_("notebook"), "message": N_("message")}


def _what(what: str) -> Message | str:
    return Message(_WHATS[what]) if what in _WHATS else what


def _too_deep(what: str, max_depth: int) -> Message:
    return Message(N_("{what} nested too deeply (more than {depth} levels)"), what=_what(what),
                   depth=max_depth)


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
