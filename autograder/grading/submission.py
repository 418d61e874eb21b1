"""Read one student's submission of one assignment, whatever shape it is in, and rebuild it.

nbgrader grades what it is given; a broken file stops it, a deleted test cell leaves "needs
manual grade" forever (nbgrader issues 1682, 1083), a test cell with hidden tests logs a
"checksum has changed" warning for every student (issue 1961). So before nbgrader sees a
submission, :func:`prepare` rebuilds it on the released notebook of the submission's language
(``metadata.course.language``, as the translated releases write it; none means English):

- every graded cell (anything with an nbgrader ``grade_id`` in the released notebook) appears
  exactly once, in the released order, with the released metadata: solution cells carry the
  student's code (the released stub when the student deleted the cell), test cells carry the
  master's source, the other locked cells the source of that language's release (a modified
  locked cell is restored and noted); :func:`for_nbgrader` gives every locked cell the master's
  source (so nbgrader sees the checksums of its gradebook, which come from the English master);
- the student's own extra cells stay where they were; duplicates of graded cells become extra cells;
- outputs are dropped (nbgrader re-executes), the file is nbformat 4 (an older version is
  converted), and an unreadable file becomes the released notebook (every function scores 0).

:func:`feedback_notebook` makes what the student reads: hidden tests stripped from the test cells,
each test cell's output replaced by the trusted verdict, and no other output of the grading kernel
(so nothing the kernel printed, whatever it read, reaches the student).
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.checks import i18n
from autograder.checks.i18n import N_, Message, _, translated
from autograder.localcheck.safefiles import (
    NOTEBOOK_MAX_DEPTH,
    Refused,
    describe,
    link_in_chain,
    loads_bounded,
    printable,
    read_regular,
)

HIDDEN_BLOCK = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?",
                          re.MULTILINE | re.DOTALL)
MAX_NOTEBOOK_BYTES = 50 * 1024**2


def meta(cell: dict) -> dict:
    """The cell's nbgrader metadata; ``{}`` when the cell, its metadata or the nbgrader entry is
    not an object (a hand-edited file: ``"metadata": null``, a list, ...)."""
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    found = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return found if isinstance(found, dict) else {}


def grade_id_of(cell: dict) -> str | None:
    """The cell's grade_id when it is a non-empty string, else None."""
    value = meta(cell).get("grade_id")
    return value if isinstance(value, str) and value else None


def text(cell: dict) -> str:
    value = cell.get("source", "")
    if isinstance(value, list):
        return "".join(v if isinstance(v, str) else "" for v in value)
    return value if isinstance(value, str) else ""


def strip_hidden_tests(source: str) -> str:
    return HIDDEN_BLOCK.sub("", source).rstrip("\n")


@dataclass
class Prepared:
    """A submission rebuilt on the released notebook, with what was found on the way."""

    notebook: dict
    notes: list[str] = field(default_factory=list)
    unreadable: str | None = None  # why nothing could be graded (invalid JSON, no notebook)
    source_name: str | None = None  # the file actually graded
    language: str = "en"  # the release it was rebuilt on ("en" or "zh-CN")
    released: dict | None = None  # that release


def declared_language(nb: dict) -> tuple[str, list[str]]:
    """``(language, notes)`` of a submitted notebook: its ``metadata.course.language`` (as the
    translated releases write it), English when there is none; a value that is no course
    language is English, with a note."""
    metadata = nb.get("metadata") if isinstance(nb, dict) else None
    course = metadata.get("course") if isinstance(metadata, dict) else None
    value = course.get("language") if isinstance(course, dict) else None
    if value is None or value == "":
        return "en", []
    lang = i18n.normalise(value) if isinstance(value, str) else None
    if lang in i18n.LANGUAGES:
        return lang, []
    shown = printable(value)[:40] if isinstance(value, str) else _kind(value)
    return "en", [Message(N_("the notebook's language ({language}) is no language of the "
                             "course: graded on the English release"), language=shown)]


def find_notebook(folder: Path, assignment: str) -> tuple[Path | None, list[str]]:
    """The notebook to grade in ``folder`` and notes on what else was there.

    Only regular files count: a link (to the master, to a system file), a FIFO or a folder
    named like a notebook is never opened, and the note says so.
    """
    notes: list[str] = []
    link = link_in_chain(folder, 2)
    if link is not None:
        notes.append(Message(N_("the submission folder {name} is a symbolic link: not "
                                "followed, nothing graded"), name=link.name))
        return None, notes
    expected = folder / f"{assignment}.ipynb"
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        notes.append(Message(N_("the submission folder cannot be read ({reason})"),
                             reason=exc.strerror or str(exc)))
        return None, notes
    notebooks = []
    for name in names:
        what = describe(folder / name)
        if not name.endswith(".ipynb"):
            if what not in (None, "a folder", "missing"):
                notes.append(Message(N_("{name} is {what}: not followed, not read"), name=name,
                                     what=what))
            continue
        if what is None:
            notebooks.append(folder / name)
        else:
            notes.append(Message(N_("{name} is {what}: not followed, not graded"), name=name,
                                 what=what))
    if expected in notebooks:
        extra = [p.name for p in notebooks if p != expected]
        if extra:
            notes.append(Message(N_("extra notebooks ignored: {names}"), names=", ".join(extra)))
        return expected, notes
    if os.path.lexists(expected):
        return None, notes  # the note above says what it is
    if len(notebooks) == 1:
        notes.append(Message(N_("notebook named {name} instead of {expected}: graded it"),
                             name=notebooks[0].name, expected=expected.name))
        return notebooks[0], notes
    if notebooks:
        notes.append(Message(N_("no {expected}; several other notebooks ({names}): none graded"),
                             expected=expected.name, names=", ".join(p.name for p in notebooks)))
    else:
        notes.append(Message(N_("no {expected} in the submission"), expected=expected.name))
    return None, notes


def read_any_notebook(path: Path) -> tuple[dict | None, str | None, list[str]]:
    """``(notebook as nbformat 4 dict, error, notes)``; never follows a link, and refuses a
    file over :data:`MAX_NOTEBOOK_BYTES` or nested deeper than ``NOTEBOOK_MAX_DEPTH``."""
    try:
        data = read_regular(path, MAX_NOTEBOOK_BYTES)
        raw = loads_bounded(data.decode("utf-8", errors="replace"),
                            max_bytes=MAX_NOTEBOOK_BYTES, max_depth=NOTEBOOK_MAX_DEPTH,
                            what="notebook")
    except Refused as exc:
        return None, exc.args[0], []
    if not isinstance(raw, dict) or not isinstance(raw.get("cells", raw.get("worksheets")),
                                                   list):
        return None, Message(N_("not a notebook (no list of cells)")), []
    notes = []
    version = raw.get("nbformat")
    if version != 4:
        try:
            node = nbformat.reads(json.dumps(raw), as_version=4)
            raw = json.loads(nbformat.writes(node))
            notes.append(Message(N_("nbformat {version} converted to 4"), version=version))
        except Exception as exc:  # noqa: BLE001 - any conversion failure means unreadable
            return None, Message(N_("nbformat {version} could not be converted ({reason})"),
                                 version=version, reason=str(exc)), []
    cells = []
    for index, cell in enumerate(raw.get("cells", []), 1):
        if isinstance(cell, dict) and cell.get("cell_type") in ("code", "markdown", "raw"):
            cells.append(cell)
        else:
            notes.append(Message(N_("cell {index} is not a notebook cell (no cell_type code, "
                                    "markdown or raw): ignored"), index=index))
            cells.append(INVALID_CELL)  # keeps the numbering of the notes of later cells
    raw["cells"] = cells
    return raw, None, notes


#: How much of an unreadable file is searched for its language, at each end: the zh release's
#: language cell comes before the first code cell, its metadata at the end of the file.
SNIFF_BYTES = 256 * 1024
_COURSE_LANGUAGE = re.compile(
    rb'"course"\s*:\s*\{[^{}]{0,200}?"language"\s*:\s*"([A-Za-z]{2}(?:[-_][A-Za-z]{2})?)"')
_LANGUAGE_CELL = re.compile(rb'use_language\(\\"([A-Za-z]{2}(?:[-_][A-Za-z]{2})?)\\"\)')


def sniff_language(path: Path) -> str:
    """The language of a notebook that cannot be read as one (invalid JSON, truncated, ...):
    ``"zh-CN"`` when its first or last :data:`SNIFF_BYTES` hold the zh release's
    ``"course": {"language": "zh-CN"}`` metadata or its language cell
    (``plots.use_language(\\"zh-CN\\")``), else ``"en"``. Bytes only, nothing parsed; never
    follows a link, and reads no more than :data:`MAX_NOTEBOOK_BYTES`."""
    try:
        data = read_regular(path, MAX_NOTEBOOK_BYTES)
    except Refused:
        return "en"
    for part in (data[:SNIFF_BYTES], data[-SNIFF_BYTES:]):
        for pattern in (_COURSE_LANGUAGE, _LANGUAGE_CELL):
            for match in pattern.finditer(part):
                language = i18n.normalise(match.group(1).decode("ascii"))
                if language in i18n.LANGUAGES and language != "en":
                    return language
    return "en"


#: Stands for an entry of the student's cell list that is no cell (skipped when rebuilding).
INVALID_CELL = {"cell_type": "raw", "metadata": {}, "source": "", "_invalid": True}


def _clean(cell: dict) -> dict:
    cell = copy.deepcopy(cell)
    if cell.get("cell_type") == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
    cell.pop("attachments", None) if cell.get("cell_type") == "code" else None
    cell["source"] = text(cell)
    return cell


def _extra(cell: dict) -> dict:
    """A student's own cell: its type and source only (no nbgrader metadata, no outputs, no
    attachments; of its metadata only well-formed tags), so nothing in it can trip nbformat's
    validation or nbgrader."""
    cell_type = cell.get("cell_type")
    if cell_type not in ("code", "markdown", "raw"):
        cell_type = "raw"
    out: dict = {"cell_type": cell_type, "metadata": {}, "source": text(cell)}
    metadata = cell.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    if isinstance(tags, list) and all(isinstance(t, str) for t in tags):
        out["metadata"]["tags"] = list(dict.fromkeys(tags))
    if cell_type == "code":
        out["outputs"] = []
        out["execution_count"] = None
    return out


def _shape_notes(cell: dict, index: int, anchor_set: set[str]) -> tuple[str | None, list[str]]:
    """``(grade_id to grade the cell as, notes)`` for one cell of the student's file: the notes
    name what is wrong with a malformed cell (which is then one of the student's own cells)."""
    notes = []
    metadata = cell.get("metadata", {})
    if not isinstance(metadata, dict):
        notes.append(Message(N_("cell {index}: its metadata is {kind}, not an object: ignored"),
                             index=index, kind=_kind(metadata)))
        return None, notes
    nb = metadata.get("nbgrader")
    if nb is None:
        return None, notes
    if not isinstance(nb, dict):
        notes.append(Message(N_("cell {index}: its nbgrader metadata is {kind}, not an object: "
                                "ignored"), index=index, kind=_kind(nb)))
        return None, notes
    grade_id = nb.get("grade_id")
    if grade_id is None or grade_id == "":
        return None, notes
    if not isinstance(grade_id, str):
        notes.append(Message(N_("cell {index}: its grade_id is {kind}, not a name: ignored"),
                             index=index, kind=_kind(grade_id)))
        return None, notes
    if grade_id not in anchor_set:
        notes.append(Message(N_("cell {index}: grade_id {grade_id} is no cell of this "
                                "assignment: kept as your own cell"), index=index,
                             grade_id=repr(grade_id)))
        return None, notes
    if not isinstance(cell.get("source", ""), (str, list)):
        notes.append(Message(N_("cell {index} ({grade_id}): its source is {kind}, not text: "
                                "graded as empty"), index=index, grade_id=grade_id,
                             kind=_kind(cell.get("source"))))
    return grade_id, notes


#: What a JSON value is, as the notes name it.
_KINDS = {list: N_("a list"), dict: N_("an object"),
          bool: N_("a boolean"), int: N_("a number"), float: N_("a number"),
          str: N_("a string")}


def _kind(value) -> Message | str:
    if value is None:
        return "null"  # JSON's own word
    return Message(_KINDS.get(type(value), N_("a value")))


def _defined(source: str) -> set[str]:
    import ast

    try:
        tree = ast.parse("\n".join("" if line.lstrip().startswith(("%", "!")) else line
                                   for line in source.splitlines()))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}


def prepare(folder: Path, assignment: str, released: dict, master: dict,
            releases=None) -> Prepared:
    """Rebuild the submission in ``folder`` on ``released`` (see the module docstring).

    ``releases``: ``language -> released notebook`` for a submission that declares a language
    other than English (``released`` is the English one); without it, every submission is
    rebuilt on ``released``.
    """
    path, notes = find_notebook(folder, assignment)
    student_nb = None
    unreadable = None
    language = "en"
    if path is not None:
        student_nb, unreadable, more = read_any_notebook(path)
        notes += more
    else:
        unreadable = notes[-1]
    if student_nb is not None and releases is not None:
        language, more = declared_language(student_nb)
        notes += more
        if language != "en":
            try:
                released = releases(language)
            except Exception as exc:  # noqa: BLE001 - the English release still grades it
                notes.append(Message(N_("the {language} release could not be made ({error}): "
                                        "graded on the English release"), language=language,
                                     error=f"{type(exc).__name__}: {exc}"))
                language = "en"
    if student_nb is None and path is not None and releases is not None:
        # Its language is not in metadata anyone could read: look for it in the bytes, so the
        # page is in the language the student reads.
        language = sniff_language(path)
        if language != "en":
            try:
                released = releases(language)
            except Exception:  # noqa: BLE001 - the English page still says what happened
                language = "en"
    if student_nb is None:
        rebuilt = copy.deepcopy(released)
        rebuilt["cells"] = [_clean(c) for c in rebuilt["cells"]]
        for cell in rebuilt["cells"]:
            if meta(cell).get("locked") and meta(cell).get("grade_id"):
                _restore_master_source(cell, master)
        if unreadable and unreadable not in notes:
            notes.append(unreadable)
        # the reason, said on the student's page in the page's language (feedback_notebook)
        course = rebuilt.setdefault("metadata", {}).setdefault("course", {})
        course["unreadable"] = unreadable or Message(N_("unreadable"))
        return Prepared(rebuilt, notes, unreadable or "unreadable",
                        path.name if path else None, language, released)

    anchors = [meta(c)["grade_id"] for c in released["cells"] if meta(c).get("grade_id")]
    anchor_set = set(anchors)
    solutions = {meta(c)["grade_id"] for c in released["cells"]
                 if meta(c).get("solution") and meta(c).get("grade_id")}
    # Each cell on its own terms: a malformed one is the student's own cell, with a note.
    shaped = []
    for index, cell in enumerate(student_nb["cells"], 1):
        if cell is INVALID_CELL:
            continue
        grade_id, more = _shape_notes(cell, index, anchor_set)
        notes += more
        shaped.append((cell, grade_id, bool(more), index))
    present = {g for _c, g, _s, _t in shaped if g}
    # Repair: a malformed cell whose code defines a graded function that has no cell of its
    # own is that function's solution cell (grade_ids of solutions are the functions' names).
    for position, (cell, grade_id, malformed, index) in enumerate(shaped):
        if grade_id is None and malformed and cell.get("cell_type") == "code":
            names = sorted((_defined(text(cell)) & solutions) - present)
            if len(names) == 1:
                shaped[position] = (cell, names[0], True, index)
                present.add(names[0])
                notes.append(Message(N_("cell {index} repaired: graded as the cell {name}"),
                                     index=index, name=names[0]))
    by_id: dict[str, dict] = {}
    extras: dict[str | None, list[dict]] = {None: []}
    current: str | None = None
    for cell, grade_id, _s, _t in shaped:
        if grade_id is not None and grade_id not in by_id:
            by_id[grade_id] = cell
            current = grade_id
            extras.setdefault(current, [])
            continue
        if grade_id is not None:
            notes.append(Message(N_("cell {grade_id} duplicated: the first copy is graded"),
                                 grade_id=grade_id))
        extras.setdefault(current, []).append(_extra(cell))

    cells = list(extras[None])
    for template in released["cells"]:
        grade_id = meta(template).get("grade_id")
        if not grade_id:
            continue
        cell = _clean(template)
        theirs = by_id.get(grade_id)
        if meta(template).get("solution"):
            if theirs is None:
                notes.append(Message(N_("cell {grade_id} deleted: graded the released stub"),
                                     grade_id=grade_id))
            else:
                cell["source"] = text(theirs)
                if theirs.get("cell_type") != template.get("cell_type"):
                    notes.append(Message(N_("cell {grade_id} changed to {kind}: graded as "
                                            "{cell_type}"), grade_id=grade_id,
                                         kind=_printable(theirs.get("cell_type")),
                                         cell_type=template.get("cell_type")))
        else:
            if theirs is None and meta(template).get("grade"):
                notes.append(Message(N_("test cell {grade_id} deleted: restored"),
                                     grade_id=grade_id))
            elif theirs is not None and meta(template).get("locked") and (
                    text(theirs).strip() != text(template).strip()):
                notes.append(Message(N_("locked cell {grade_id} modified: restored"),
                                     grade_id=grade_id))
            if meta(template).get("grade") or not meta(template).get("locked"):
                _restore_master_source(cell, master)
        cells.append(cell)
        cells.extend(extras.get(grade_id, []))
    rebuilt = copy.deepcopy(released)
    rebuilt["cells"] = cells
    for cell in rebuilt["cells"]:
        cell.pop("id", None)
    rebuilt["nbformat"], rebuilt["nbformat_minor"] = 4, 4
    return Prepared(rebuilt, notes, None, path.name, language, released)


def for_nbgrader(nb: dict, master: dict) -> dict:
    """``nb`` (a rebuilt submission) with every locked graded cell carrying the master's
    source: what nbgrader autograde is given, so its checksums are its gradebook's (the English
    master's) whatever the release's language; the feedback page keeps ``nb``'s text."""
    out = copy.deepcopy(nb)
    for cell in out["cells"]:
        if meta(cell).get("grade_id") and meta(cell).get("locked") and not meta(cell).get(
                "solution"):
            _restore_master_source(cell, master)
    return out


def _printable(value) -> str:
    return value if isinstance(value, str) else _kind(value)


def without_instructor_code(nb: dict, released: dict) -> tuple[dict, int]:
    """``nb`` minus the released code cells that carry no nbgrader metadata and that the student
    left unchanged (the instructor's experiments and plots), and how many were dropped.

    By the course's conventions graded cells depend only on the setup cell and their own code, so
    these cells cannot change a grade; skipping them saves most of a kernel's run time.
    """
    plain = {text(c).strip() for c in released["cells"]
             if c.get("cell_type") == "code" and not meta(c).get("grade_id")}
    kept = [c for c in nb["cells"]
            if not (c.get("cell_type") == "code" and not meta(c).get("grade_id")
                    and text(c).strip() in plain and text(c).strip())]
    out = copy.deepcopy(nb)
    out["cells"] = kept
    return out, len(nb["cells"]) - len(kept)


def _restore_master_source(cell: dict, master: dict) -> None:
    grade_id = meta(cell).get("grade_id")
    for source_cell in master["cells"]:
        if meta(source_cell).get("grade_id") == grade_id:
            cell["source"] = text(source_cell)
            return


def write_notebook(nb: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    node = nbformat.from_dict(nb)
    for cell in node.cells:
        cell.pop("id", None)
    node.nbformat_minor = 4
    path.write_text(nbformat.writes(node, version=4), encoding="utf-8")


def feedback_notebook(prepared: dict, verdicts: dict, test_points: dict[str, str],
                      notes: list[str] | None = None) -> dict:
    """The notebook the student's feedback is rendered from.

    ``verdicts``: ``{function: {"passed", "score", "max_score", "feedback"}}`` (trusted);
    ``test_points``: ``{test grade_id: function}``; ``notes``: what the grader found wrong
    with the submitted file (shown first, as plain text: it may quote file names).
    """
    nb, _dropped = neutralise(prepared)
    # In the language of the released notebook the student chose (the zh release writes
    # metadata.course.language); the verdicts' feedback was judged in the same language.
    with i18n.detected(i18n.notebook_language(prepared)):
        return _feedback_notebook(nb, verdicts, test_points, notes)


def _feedback_notebook(nb, verdicts, test_points, notes):
    course = (nb.get("metadata") or {}).get("course")
    if isinstance(course, dict) and course.get("unreadable"):  # prepare's, never the student's
        course["unreadable"] = {lang: translated(course["unreadable"], lang)
                                for lang in i18n.LANGUAGES}
    if notes:
        # each note in the student's language (instructors' summaries keep the English)
        lines = "".join(f"- {markdown_text(translated(note))}\n" for note in notes)
        nb["cells"].insert(0, {"cell_type": "markdown", "metadata": {},
                               "source": "**" + _("The grader's notes on your submission")
                                         + "**\n\n" + lines})
    for cell in nb["cells"]:
        if cell.get("cell_type") != "code":
            continue
        cell["outputs"] = []
        cell["execution_count"] = None
        grade_id = meta(cell).get("grade_id")
        if grade_id in test_points and meta(cell).get("grade"):
            cell["source"] = strip_hidden_tests(text(cell))
            function = test_points[grade_id]
            verdict = verdicts.get(function)
            if verdict and verdict.get("passed"):
                cell["outputs"] = [{"output_type": "stream", "name": "stdout",
                                    "text": _("{name}: all checks passed (visible and "
                                              "hidden).").format(name=function) + "\n"}]
            else:
                message = (verdict or {}).get("feedback") or _(
                    "{name}: not graded (the function was not found in your "
                    "notebook)").format(name=function)
                cell["outputs"] = [{"output_type": "error", "ename": "CheckFailed",
                                    "evalue": message.splitlines()[0] if message else "",
                                    "traceback": ["CheckFailed: " + message]}]
    return nb


#: Output types shown as they are in ``autograded/`` copies: inert text and raster images.
#: Everything else a kernel can send (``text/html``, ``application/javascript``,
#: ``image/svg+xml``, ``text/markdown``, widget and iframe types, ...) can run script in the
#: browser of whoever opens the notebook (formgrader renders it for the instructor).
INERT_MIMETYPES = ("text/plain", "image/png", "image/jpeg", "image/gif")
ACTIVE_HTML = re.compile(r"<\s*/?\s*(script|iframe|frame|object|embed|svg|math|link|meta|style|"
                         r"form|base|img|video|audio|source|input|button|textarea|details)\b"
                         r"|\bon[a-z]+\s*=|javascript:|data:text/html", re.IGNORECASE)


def neutralise(nb: dict) -> tuple[dict, int]:
    """``nb`` with no active content, and how many pieces were neutralised: outputs keep only
    :data:`INERT_MIMETYPES` (a removed one leaves a plain-text note), and a Markdown cell that
    holds active HTML (a script tag, an event handler, ``javascript:``) shows it as text."""
    nb = copy.deepcopy(nb)
    count = 0
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown" and ACTIVE_HTML.search(text(cell)):
            cell["source"] = text(cell).replace("&", "&amp;").replace("<", "&lt;")
            cell.pop("attachments", None)
            count += 1
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = output.get("data")
            if not isinstance(data, dict):
                continue
            removed = sorted(k for k in data if k not in INERT_MIMETYPES)
            if not removed:
                continue
            count += 1
            for key in removed:
                data.pop(key)
            if "text/plain" not in data:
                data["text/plain"] = ("[output removed by the grader: "
                                      f"{', '.join(printable(k) for k in removed)}]")
            metadata = output.get("metadata")
            if isinstance(metadata, dict):
                for key in removed:
                    metadata.pop(key, None)
    return nb, count


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def markdown_text(value: str) -> str:
    """``value`` as literal text inside Markdown: HTML escaped, control characters shown as
    escapes, Markdown's special characters backslashed (a file name cannot become markup)."""
    import html

    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(printable(value), quote=False))


# ---------------------------------------------------------------------------------------------
# The feedback page's exporter: nbgrader's own (HTMLExporter, its "feedback" template), with the
# compiled templates kept between submissions and the work that is the same for every student
# done once per process.


def feedback_exporter_class():
    """``HTMLExporter`` that makes the same page as nbgrader's, with less work per page.

    nbgrader's ``generate_feedback`` builds a new exporter, hence a new Jinja environment, for
    every call, and compiling its nine templates was about a third of a feedback page's time.
    The cache holds compiled code keyed by template and checked against the template's source,
    so a changed template is compiled again. Set as ``GenerateFeedback.exporter_class``.

    Most of what is left was nbconvert's BeautifulSoup pass over the whole page (it adds
    ``alt`` and ``tabindex`` attributes and writes the page out again, normalised) and the
    highlighting of code cells, most of them the same for every student. So the highlighted
    code and the rendered Markdown are kept per process (keyed by their source), and each goes
    into the page as a placeholder element the soup passes over cheaply; after the pass the
    placeholders become the fragments as the soup writes them out on their own (kept too). A
    fragment is set aside only when that gives the same bytes as the pass over the whole page:
    it begins and ends with a tag, every tag it opens it closes, it has no image, no ``jp-``
    class, no comment or declaration (see :func:`_self_contained`), and the page has no raw
    cell and no output that nbconvert writes as raw HTML. Otherwise the page is made exactly
    as nbconvert makes it.
    """
    global _FeedbackExporter
    if _FeedbackExporter is None:
        import secrets

        import jinja2
        from nbconvert.exporters import HTMLExporter
        from nbconvert.filters.highlight import Highlight2HTML
        from nbconvert.filters.strings import strip_files_prefix

        class MemoryBytecodeCache(jinja2.BytecodeCache):
            def __init__(self) -> None:
                self.store: dict[str, bytes] = {}

            def load_bytecode(self, bucket) -> None:
                if bucket.key in self.store:
                    bucket.bytecode_from_string(self.store[bucket.key])

            def dump_bytecode(self, bucket) -> None:
                self.store[bucket.key] = bucket.bytecode_to_string()

        class KeptHighlight(Highlight2HTML):
            """nbconvert's code highlighting, each (language, source) highlighted once."""

            def __call__(self, source, language=None, metadata=None):
                magics = (metadata or {}).get("magics_language")
                key = ("code", self.pygments_lexer, language, magics, source,
                       repr(sorted(self.extra_formatter_options.items())))
                html = _FRAGMENTS.get(key)
                if html is None:
                    html = _FRAGMENTS.put(key, super().__call__(source, language, metadata))
                return self.parent.set_aside(html)

        class FeedbackExporter(HTMLExporter):
            compiled = MemoryBytecodeCache()

            def _create_environment(self):
                environment = super()._create_environment()
                environment.bytecode_cache = self.compiled
                return environment

            @jinja2.pass_context
            def markdown2html(self, context, source):
                cell = context.get("cell", {})
                if cell.get("attachments") or self.embed_images:
                    return self.set_aside(super().markdown2html(context, source), movable=False)
                key = ("markdown", source, self.anchor_link_text, self.exclude_anchor_links,
                       repr(sorted(self.lexer_options.items())))
                html = _FRAGMENTS.get(key)
                if html is None:
                    html = _FRAGMENTS.put(key, super().markdown2html(context, source))
                # The template passes Markdown through strip_files_prefix at some places only.
                return self.set_aside(html, movable=strip_files_prefix(html) == html)

            def set_aside(self, html: str, movable: bool = True) -> str:
                """A placeholder for ``html`` when it can be set aside (see the class)."""
                aside = self._aside
                if aside is None:
                    return html
                lead = html[:len(html) - len(html.lstrip())]
                body = html.strip()
                if not movable or not _self_contained(body):
                    if not _closes_all(body):
                        # What follows may sit inside what this leaves open: no more
                        # placeholders on this page.
                        self._aside = None
                    return html
                trail = html[len(lead) + len(body):]
                aside.append(body)
                return f'{lead}<x-fb-{self._nonce} i="{len(aside) - 1}"></x-fb-{self._nonce}>' \
                       f"{trail}"

            def from_notebook_node(self, nb, resources=None, **kw):
                if self.sanitize_html or not _plain_outputs(nb):
                    return self._whole_page(nb, resources, **kw)
                langinfo = nb.metadata.get("language_info", {})
                lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
                # In place: assigning the trait would make nbconvert build its Jinja
                # environment again.
                filters = self.filters
                saved = filters.get("highlight_code")
                self._nonce = secrets.token_hex(8)
                self._aside = []
                try:
                    filters["highlight_code"] = KeptHighlight(pygments_lexer=lexer, parent=self)
                    output, out_resources = super().from_notebook_node(
                        nb, copy.deepcopy(resources), **kw)
                    aside = self._aside
                finally:
                    if saved is None:
                        filters.pop("highlight_code", None)
                    else:
                        filters["highlight_code"] = saved
                    self._aside = None
                if aside is None:  # set aside stopped midway: the page as nbconvert makes it
                    return self._whole_page(nb, resources, **kw)
                marker = re.compile(f'<x-fb-{self._nonce} i="([0-9]+)"></x-fb-{self._nonce}>')
                found = [int(m.group(1)) for m in marker.finditer(output)]
                if found != list(range(len(aside))) or not _outside_raw_text(output, marker):
                    return self._whole_page(nb, resources, **kw)
                output = marker.sub(lambda m: _normalised(aside[int(m.group(1))]), output)
                return output, out_resources

            def _whole_page(self, nb, resources=None, **kw):
                self._aside = None
                return super().from_notebook_node(nb, resources, **kw)

            _aside = None
            _nonce = ""

        _FeedbackExporter = FeedbackExporter
    return _FeedbackExporter


_FeedbackExporter = None


class _Kept:
    """The last ``size`` fragments of the feedback pages made by this process."""

    def __init__(self, size: int) -> None:
        from collections import OrderedDict

        self.size = size
        self.items: OrderedDict = OrderedDict()

    def get(self, key):
        value = self.items.get(key)
        if value is not None:
            self.items.move_to_end(key)
        return value

    def put(self, key, value):
        self.items[key] = value
        while len(self.items) > self.size:
            self.items.popitem(last=False)
        return value


_FRAGMENTS = _Kept(2048)
_NORMALISED = _Kept(2048)
_CONTAINED = _Kept(2048)
_CLOSED = _Kept(2048)

# What BeautifulSoup's html.parser tree builder treats as a void element (no end tag).
_VOID = frozenset("area base basefont bgsound br col command embed frame hr image img input "
                  "isindex keygen link menuitem meta nextid param source spacer track "
                  "wbr".split())
# Inside these, the soup keeps text as it is (no whitespace collapsed, no markup parsed).
_RAW_TEXT = ("pre", "textarea", "script", "style")


def _balanced(body: str, edges: bool = True) -> bool:
    """True when ``body`` closes every tag it opens (innermost first), closes no tag it did not
    open, and leaves no comment, declaration or tag unfinished; with ``edges``, also when it
    begins and ends with a tag (so no text of it runs into the page's text around it)."""
    from html.parser import HTMLParser

    class Balance(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.open: list[str] = []
            self.ok = True
            self.events: list[str] = []

        def handle_starttag(self, tag, attrs):
            self.events.append("tag")
            if tag not in _VOID:
                self.open.append(tag)

        def handle_startendtag(self, tag, attrs):
            self.events.append("tag")

        def handle_endtag(self, tag):
            self.events.append("tag")
            if self.open and self.open[-1] == tag:
                self.open.pop()
            else:
                self.ok = False

        def handle_data(self, data):
            self.events.append("data")

    parser = Balance()
    parser.feed(body)
    closed = parser.ok and not parser.open and not parser.rawdata and parser.cdata_elem is None
    return closed and (not edges or bool(parser.events) and parser.events[0] == "tag"
                       and parser.events[-1] == "tag")


def _closes_all(body: str) -> bool:
    """``body`` leaves the page around it as it found it (see :func:`_balanced`)."""
    known = _CLOSED.get(body)
    if known is None:
        known = _CLOSED.put(body, _balanced(body, edges=False))
    return known


def _self_contained(body: str) -> bool:
    """``body`` can be written out on its own (see :func:`feedback_exporter_class`)."""
    known = _CONTAINED.get(body)
    if known is None:
        lowered = body.lower()
        known = _CONTAINED.put(body, body.startswith("<") and body.endswith(">")
                               and "<img" not in lowered and "jp-" not in lowered
                               and "<!" not in body and "<?" not in body
                               and "<x-fb" not in lowered and _balanced(body))
    return known


def _plain_outputs(nb) -> bool:
    """No raw cell, no widget state, and no output nbconvert would write as raw HTML."""
    if nb.get("metadata", {}).get("widgets"):
        return False
    for cell in nb.get("cells", []):
        if cell.get("cell_type") not in ("code", "markdown"):
            return False
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind in ("stream", "error"):
                continue
            if kind not in ("execute_result", "display_data"):
                return False
            if set(output.get("data", {})) - {"text/plain", "image/png", "image/jpeg"}:
                return False
    return True


def _outside_raw_text(output: str, marker: re.Pattern) -> bool:
    """Every placeholder in the soup's ``output`` sits outside pre, textarea, script, style."""
    depth = 0
    inside = None  # script or style: nothing but its own end tag counts
    pattern = re.compile(rf"<(/?)({'|'.join(_RAW_TEXT)})\b|" + marker.pattern, re.IGNORECASE)
    for match in pattern.finditer(output):
        name = (match.group(2) or "").lower()
        if inside is not None:
            if match.group(1) and name == inside:
                inside = None
            continue
        if not name:
            if depth:
                return False
            continue
        if name in ("script", "style") and not match.group(1):
            inside = name
        elif name in ("pre", "textarea"):
            depth = max(0, depth + (-1 if match.group(1) else 1))
    return True


def _normalised(body: str) -> str:
    """``body`` as nbconvert's BeautifulSoup pass writes it out."""
    value = _NORMALISED.get(body)
    if value is None:
        import warnings

        from bs4 import BeautifulSoup

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = _NORMALISED.put(body, str(BeautifulSoup(body, features="html.parser")))
    return value
