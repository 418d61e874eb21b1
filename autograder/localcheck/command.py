"""``python -m autograder check PATH [--json]``: grade notebooks locally, with feedback.

PATH is a student notebook (``notebooks/05_adam.ipynb``) or a folder of them (``make check``
passes ``notebooks/``). For each notebook the instructor master is found from the file name
(``05_adam``), or else from the grade_ids of its solution cells. The graded functions are the
master's solution cells, and their points come from the master's test cells (never from the
file being graded). Each graded function is then checked like its test cell does, on the
visible and the hidden cases, but the learner's code runs in a fresh child process per function
(:mod:`autograder.localcheck.isolation`): the master's setup imports and the learner's solution cell
(found by grade_id, or else as the code cell that defines the function) are executed there, the
function is probed, and only plain data comes back to be judged here. An infinite loop, a crash,
a flood of output or a patched numpy costs that one function its points, with a reason.

Exit status: 0 when every graded function passes, 1 when any fails, 2 when a PATH is not a
readable notebook of this course (one line on stderr, no traceback).

With ``--json`` standard output is exactly one JSON object::

    {"notebook": "notebooks/05_adam.ipynb", "score": 4.0, "max_score": 10.0,
     "functions": [{"name": "initialize_adam", "passed": true, "score": 4.0, "max_score": 4.0,
                    "mistake": null, "feedback": "..."}, ...]}

with one entry per graded function, in notebook order. ``mistake`` is the stable id of the
mistake the judge confirmed (``adam/epsilon-inside-sqrt``), or null when the function passed or
no known mistake reproduces its output. For a folder it is
``{"notebooks": [<one object per notebook>], "score": ..., "max_score": ...}``.

Limits per child (defaults; flags override the environment variables, which override the
defaults): ``--timeout`` / ``AUTOGRADER_TIMEOUT`` (10 s wall), ``--memory-mb`` /
``AUTOGRADER_MEMORY_MB`` (1024 MiB address space), ``--output-bytes`` /
``AUTOGRADER_OUTPUT_BYTES`` (1000000 bytes of stdout+stderr kept), ``--jobs`` /
``AUTOGRADER_JOBS`` (children at a time; default: the CPU count).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

# Everything the judging side needs is imported now, before any child runs: a notebook that
# rewrites files of the course while it is being checked cannot change the judge.
from autograder.checks import (  # noqa: F401 - some are imported only to load them now
    _report,
    diagnosis,
    i18n,
    judge_records,
    minibatches,
    probe,
)
from autograder.checks.cases import KINDS, case_to_plain, describe
from autograder.checks.i18n import _, translated
from autograder.checks.judge import explain_exception
from autograder.localcheck.isolation import (
    ChildResult,
    Limits,
    become_subreaper,
    default_jobs,
    kill_all,
    run_many,
    start_zygote,
    sweep_orphans,
)
from autograder.localcheck.safefiles import NOTEBOOK_MAX_DEPTH, Refused, loads_bounded, read_regular
from autograder.publish.expected import judging_data
from autograder.publish.hidden_cases import all_cases as cases_for
from autograder.publish.masters import Master, assignments, cell_source, master, nbgrader_meta

ENTRY = "autograder.localcheck.child:main"


class NotGradable(Exception):
    """The input cannot be graded at all (one-line reason)."""


@dataclass
class FunctionResult:
    name: str
    max_score: float
    passed: bool = False
    score: float = 0.0
    feedback: str = ""
    status: str = ""          # passed | failed | not_attempted | missing | error
    mistake: str | None = None  # stable id of the confirmed mistake, else None

    def as_json(self) -> dict:
        return {"name": self.name, "passed": self.passed, "score": self.score,
                "max_score": self.max_score, "mistake": None if self.passed else self.mistake,
                "feedback": self.feedback}


@dataclass
class NotebookResult:
    path: str
    assignment: str
    functions: list[FunctionResult] = field(default_factory=list)
    language: str | None = None   # the notebook's metadata.course.language (its feedback's)

    @property
    def score(self) -> float:
        return float(sum(f.score for f in self.functions))

    @property
    def max_score(self) -> float:
        return float(sum(f.max_score for f in self.functions))

    def as_json(self) -> dict:
        return {"notebook": self.path, "score": self.score, "max_score": self.max_score,
                "functions": [f.as_json() for f in self.functions]}


# ----------------------------------------------------------------------------- reading
#: The largest notebook the check reads (the class grader's limit too).
MAX_NOTEBOOK_BYTES = 50 * 1024**2


def load_notebook(path: Path) -> dict:
    """The notebook as a dict, or :class:`NotGradable` with a one-line reason.

    Cells are taken on their own terms: a cell whose metadata, nbgrader metadata, grade_id or
    source is malformed (``null``, a list, a number) is read as a plain cell of the learner's
    (its nbgrader metadata dropped), so the other cells are still checked.
    """
    if not path.exists():
        raise NotGradable(_("{path}: no such file").format(path=path))
    if path.is_dir():
        raise NotGradable(_("{path}: is a folder without notebooks").format(path=path))
    try:
        data = read_regular(path, MAX_NOTEBOOK_BYTES, follow=True)
    except Refused as exc:
        raise NotGradable(f"{path}: {exc.translated()}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise NotGradable(_("{path}: not a notebook (not UTF-8 text)").format(path=path)) \
            from None
    try:
        nb = loads_bounded(text, max_bytes=MAX_NOTEBOOK_BYTES, max_depth=NOTEBOOK_MAX_DEPTH,
                           what="notebook")
    except Refused as exc:
        raise NotGradable(_("{path}: not a notebook ({reason})").format(
            path=path, reason=exc.translated())) \
            from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotGradable(_("{path}: not a notebook (no list of cells)").format(path=path))
    fmt = nb.get("nbformat")
    if fmt != 4:
        raise NotGradable(_("{path}: unsupported notebook format (nbformat {format}; expected "
                            "4, as written by Jupyter)").format(path=path, format=repr(fmt)))
    if not all(isinstance(c, dict) for c in nb["cells"]):
        raise NotGradable(_("{path}: not a notebook (a cell is not an object)").format(
            path=path))
    nb["cells"] = [_well_formed(c) for c in nb["cells"]]
    return nb


def _well_formed(cell: dict) -> dict:
    """``cell`` with a text source and, when they are malformed, no metadata / nbgrader
    metadata / grade_id (see :func:`load_notebook`)."""
    cell = dict(cell)
    source = cell.get("source", "")
    if isinstance(source, list):
        cell["source"] = "".join(s for s in source if isinstance(s, str))
    elif not isinstance(source, str):
        cell["source"] = ""
    if not isinstance(cell.get("cell_type"), str):
        cell["cell_type"] = "raw"
    metadata = cell.get("metadata")
    if not isinstance(metadata, dict):
        cell["metadata"] = {}
        return cell
    grader = metadata.get("nbgrader")
    if grader is None:
        return cell
    metadata = dict(metadata)
    if not isinstance(grader, dict) or not isinstance(grader.get("grade_id", ""), str):
        metadata.pop("nbgrader")
    cell["metadata"] = metadata
    return cell


def find_master(path: Path, nb: dict) -> Master:
    """The master of ``nb``: same file stem as an assignment, else the one whose graded
    functions the notebook's solution cells name."""
    names = assignments()
    ids = {nbgrader_meta(c).get("grade_id") for c in nb["cells"]}

    def defined() -> set:   # parsing every code cell is needed only when the ids match nothing
        return {name for c in nb["cells"] if c.get("cell_type") == "code"
                for name in defined_functions(cell_source(c))}

    def best_by(found: set) -> Master | None:
        best, best_hits = None, 0
        for name in names:
            try:
                m = master(name)
            except (OSError, ValueError, KeyError, TypeError):
                continue  # a master being edited; the others can still match
            hits = len(set(m.functions) & found)
            if hits > best_hits:
                best, best_hits = m, hits
        return best

    if path.stem in names:
        try:
            by_name = master(path.stem)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise NotGradable(_("{path}: the instructor master {assignment} cannot be read "
                                "({error})").format(path=path, assignment=path.stem,
                                                    error=f"{type(exc).__name__}: {exc}")) \
                from None
        # The file's name wins, unless it holds none of that assignment's graded cells but
        # another assignment's (a notebook saved under the wrong name).
        if set(by_name.functions) & ids or not by_name.functions:
            return by_name
        return best_by(ids) or by_name
    # A copy keeps the name it was made from (05_adam-Copy1, "05_adam (1)"): that master
    # first, when the notebook holds its graded cells (reading every master takes ~20 ms).
    copied = max((name for name in names if path.stem.startswith(name)), key=len, default=None)
    if copied is not None:
        try:
            by_name = master(copied)
        except (OSError, ValueError, KeyError, TypeError):
            by_name = None
        if by_name is not None and set(by_name.functions) & ids:
            return by_name
    best = best_by(ids) or best_by(defined())
    if best is None:
        raise NotGradable(_("{path}: not a notebook of this course (its name matches no "
                            "assignment and it has none of the graded cells)").format(path=path))
    return best


def defined_functions(source: str) -> list[str]:
    try:
        tree = ast.parse("\n".join("" if line.lstrip().startswith(("%", "!")) else line
                                   for line in source.splitlines()))
    except (SyntaxError, ValueError):
        return []
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]


def find_solution_cell(nb: dict, name: str) -> tuple[int, str] | None:
    """(index, source) of the cell holding ``name``: the cell with grade_id ``name`` (if a copy
    was pasted, the last one above the test cell, which is what the test cell sees when the
    notebook runs from the top), else the last code cell whose top level defines ``name``."""
    cells = nb["cells"]
    test_at = next((i for i, c in enumerate(cells)
                    if nbgrader_meta(c).get("grade_id") == f"test_{name}"), len(cells))
    tagged = [i for i, c in enumerate(cells)
              if c.get("cell_type") == "code" and nbgrader_meta(c).get("grade_id") == name]
    if tagged:
        above = [i for i in tagged if i < test_at]
        i = above[-1] if above else tagged[0]
        return i, cell_source(cells[i])
    found = None
    for i, c in enumerate(cells):
        if c.get("cell_type") == "code" and name in defined_functions(cell_source(c)):
            found = (i, cell_source(c))
    if found is None:
        for i, c in enumerate(cells):   # a cell with a syntax error that names it
            src = cell_source(c)
            if c.get("cell_type") == "code" and f"def {name}(" in src:
                found = (i, src)
    return found


# ----------------------------------------------------------------------------- judging
def _plural(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def judge_child(name: str, child: ChildResult, limits: Limits,
                expected: tuple | None = None) -> tuple[bool, str, str, str | None]:
    """(passed, status, feedback text, mistake id or None) for one function from its child's
    messages; ``expected`` is (reference records, family) (computed now if not given). Messages
    that are not what the child's entry point sends (forged by the notebook) fail the function."""
    try:
        fb_out: list = []
        passed, status, text = _judge_child(name, child, limits, expected, fb_out)
        mistake = getattr(fb_out[0], "mistake", None) if fb_out and not passed else None
        return passed, status, text, mistake if isinstance(mistake, str) else None
    except Exception:  # noqa: BLE001 - malformed data from the child must not crash the judge
        return False, "failed", _(
            "{name}: the results sent back while running your code could not be read.\n"
            "  What this usually means: the solution cell writes to the checker's data channel "
            "or replaces parts of the checker.\n"
            "  Hint: keep only the function in its cell.").format(name=name), None


def _judge_child(name: str, child: ChildResult, limits: Limits,
                 expected: tuple | None = None, fb_out: list | None = None
                 ) -> tuple[bool, str, str]:
    cases = cases_for(name)
    if expected is None:
        expected = judging_data(name, cases)
    reference, family = expected
    records, started = {}, []
    stage = None
    cell_ran = False
    warning = ""
    for msg in child.messages:
        if not isinstance(msg, dict):
            continue
        if msg.get("cell_ran") is True:
            cell_ran = True
        elif isinstance(msg.get("cell_warning"), dict):
            exc = msg["cell_warning"]
            lines = exc.get("learner_lines") or []
            at = _(" at line {lineno}").format(lineno=lines[-1]["lineno"]) if lines else ""
            warning = "\n" + _("  Note: after defining {name}, the rest of your cell raised "
                                "{error}{at} ({message}); only the function was graded. Keep "
                                "graded cells to the function itself.").format(
                name=name, error=exc.get("type"), at=at, message=exc.get("message"))
        elif "stage" in msg:
            stage = msg
        elif "record" in msg and isinstance(msg.get("record"), dict):
            records[str(msg.get("case"))] = msg["record"]
        elif msg.get("started"):
            started.append(str(msg.get("case")))
    if stage is not None:
        return False, "failed", _stage_feedback(name, stage)
    if child.value not in (None, "done") and child.ok:
        return False, "error", _("{name}: the check could not run ({reason}).").format(
            name=name, reason=child.value)
    # Judge every case that came back, in order; stop at the first missing one.
    complete = [c for c in cases if c.id in records]
    prefix = []
    for c in cases:
        if c.id not in records:
            break
        prefix.append(c)
    if prefix:
        passed, fb = judge_records(name, prefix, records, reference, family)
        if not passed and fb_out is not None:
            fb_out.append(fb)   # its .mistake is the id the JSON reports
        if not passed:
            if fb.not_attempted:
                return False, "not_attempted", fb.text(name)
            index = [c.id for c in cases].index(fb.case.id) + 1
            position = _("check {index} of {n}").format(index=index, n=len(cases))
            return False, "failed", fb.text(name, position) + warning
    if len(prefix) == len(cases) and child.ok:
        return True, "passed", _("{name}: all {n} checks passed.").format(
            name=name, n=len(cases)) + warning
    # The child stopped before the end: say where and why.
    running = next((c for c in cases if c.id in started and c.id not in records), None)
    if running is None and len(complete) < len(cases):
        running = cases[len(prefix)] if len(prefix) < len(cases) else None
    where = ""
    if running is not None:
        index = [c.id for c in cases].index(running.id) + 1
        where = _(" during check {index} of {n} ({label})").format(
            index=index, n=len(cases), label=describe(running))
    seconds = f"{limits.wall_seconds:g}"
    if child.status == "timeout":
        if not cell_ran:
            return False, "failed", _(
                "{name}: running your cell did not finish within {seconds} s.\n"
                "  What this usually means: code outside the function runs forever (a loop "
                "or a long experiment in the solution cell).\n"
                "  Hint: keep only the function definition in its cell.").format(
                    name=name, seconds=seconds)
        return False, "failed", _(
            "{name}: your function did not finish within {seconds} s{where}.\n"
            "  What this usually means: an infinite loop, for example a while loop whose "
            "condition never changes, or a loop counter that is never increased.\n"
            "  Hint: check how each of your loops ends; a for loop over range(1, L + 1) always "
            "does.").format(name=name, seconds=seconds, where=where)
    if child.status == "memory":
        return False, "failed", _(
            "{name}: your code ran out of memory{where} (limit {mib} MiB).\n"
            "  What this usually means: an array far larger than the parameters was created, "
            "or a list grows without end.\n"
            "  Hint: the state arrays have exactly the shapes of the parameters.").format(
                name=name, where=where, mib=f"{limits.memory_bytes / (1 << 20):g}")
    if child.status == "crashed":
        return False, "failed", _(
            "{name}: the process running your code died{where}: {reason}.\n"
            "  What this usually means: the code called something that crashes Python itself "
            "(ctypes, a broken extension), or killed its own process.\n"
            "  Hint: a graded function only needs numpy and its arguments.").format(
                name=name, where=where, reason=translated(child.reason))
    if child.status == "exited":
        return False, "failed", _(
            "{name}: your code ended its own process{where} (exit code {code}) before the "
            "checks finished.\n"
            "  What this usually means: os._exit() or a similar call in the solution cell.\n"
            "  Hint: remove any call that exits Python from the graded cell.").format(
                name=name, where=where, code=child.returncode)
    return False, "error", _("{name}: the check could not run: {reason}.").format(
        name=name, reason=translated(child.reason) or child.status)


def _stage_feedback(name: str, stage: dict) -> str:
    kind = stage.get("stage")
    exc = stage.get("exception") or {}
    if kind == "compile":
        line = _(" at line {lineno}: `{line}`").format(
            lineno=exc.get("lineno"), line=exc.get("line", "")) if exc.get("lineno") else ""
        return _("{name}: your cell has a {error}{at}.\n"
                 "  Python says: {message}\n"
                 "  What this usually means: a missing parenthesis, colon or quote, or an "
                 "indentation that does not line up.\n"
                 "  Hint: run the cell; Jupyter points at the line. Fix it, then check "
                 "again.").format(name=name, error=exc.get("type", "SyntaxError"), at=line,
                                  message=exc.get("message", ""))
    if kind == "cell":
        case = cases_for(name)[0]
        fb = explain_exception(name, case, exc)
        lines = exc.get("learner_lines") or []
        at = _(" at line {lineno}: `{line}`").format(
            lineno=lines[-1]["lineno"], line=lines[-1]["line"]) if lines else ""
        return _("{name}: running your cell raised {error}{at} ({message}), before the "
                 "function could be checked.\n"
                 "  What this usually means: {meaning}\n"
                 "  Hint: a solution cell should only define its function.").format(
                     name=name, error=exc.get("type"), at=at, message=exc.get("message"),
                     meaning=_(fb.meaning) or _("code outside the function fails."))
    defined = stage.get("defined") or []
    also = _(" (it defines: {names})").format(names=", ".join(defined)) if defined else ""
    return _("{name}: your cell does not define a function named {name}{also}.\n"
             "  What this usually means: the def line was renamed or deleted.\n"
             "  Hint: keep the def line as given: def {name}(...):").format(name=name, also=also)


def grade_notebooks(paths: list[Path], limits: Limits, jobs: int,
                    display_paths: list[str] | None = None):
    """Grade several notebooks; children of all of them share one pool.

    Returns ``[(display path, NotebookResult | NotGradable)]``.
    """
    display_paths = display_paths or [str(p) for p in paths]
    with i18n.detected(None):   # each notebook's texts in its own language (restored after)
        return _grade_notebooks(paths, limits, jobs, display_paths)


def _grade_notebooks(paths, limits, jobs, display_paths):
    # The children's zygote imports numpy and the probe while the notebooks are read and the
    # references computed; no child is forked before they are (isolation.py, warm children).
    zygote = start_zygote(ENTRY)
    try:
        return _grade_planned(paths, limits, jobs, display_paths, zygote)
    finally:
        if zygote is not None:
            zygote.close()


def _grade_planned(paths, limits, jobs, display_paths, zygote):
    plans, work = [], []
    for path, shown in zip(paths, display_paths, strict=True):
        i18n.detect(None)   # a file that cannot be read is told in the chosen language
        try:
            nb = load_notebook(path)
            i18n.detect(i18n.notebook_language(nb))
            m = find_master(path, nb)
        except NotGradable as exc:
            plans.append((shown, exc, None))
            continue
        result = NotebookResult(shown, m.assignment, language=i18n.notebook_language(nb))
        order = []
        for position, name in enumerate(m.functions):
            fr = FunctionResult(name, m.points.get(name, 0.0))
            if name not in KINDS:
                fr.feedback = _("{name}: no checks exist for this function.").format(name=name)
                fr.status = "error"
                order.append((10**6 + position, fr, None))
                continue
            found = find_solution_cell(nb, name)
            if found is None:
                fr.status = "missing"
                fr.feedback = _("{name}: the cell that defines {name} is missing (deleted, or "
                                "its def line renamed).\n  Hint: get a fresh copy of the "
                                "notebook and copy your code into its cell.").format(name=name)
                order.append((position - 0.5 if not order else order[-1][0] + 0.001, fr, None))
                continue
            index, source = found
            task = {"name": name, "setup": m.setup, "source": source, "cell": index,
                    "cases": [case_to_plain(c) for c in cases_for(name)]}
            order.append((index, fr, len(work)))
            work.append((ENTRY, task))
        plans.append((shown, result, order))
    # The references and the mistake family's records are computed before any learner code
    # runs (visible and hidden cases, from the masters).
    expected, broken = {}, {}
    for _entry, task in work:
        name = task["name"]
        if name not in expected and name not in broken:
            try:
                expected[name] = judging_data(name, cases_for(name))
            except Exception as exc:  # noqa: BLE001 - an instructor problem, reported as such
                broken[name] = f"{type(exc).__name__}: {exc}"
    children = run_many(work, limits, workers=jobs, zygote=zygote) if work else []
    out = []
    for shown, result, order in plans:
        if order is None:
            out.append((shown, result))
            continue
        i18n.detect(result.language)
        for _pos, fr, job in sorted(order, key=lambda item: item[0]):
            if job is not None and fr.name in broken:
                fr.status = "error"
                fr.feedback = _("{name}: the reference solution in the instructor master "
                                "could not run ({error}); this is not your fault.").format(
                                    name=fr.name, error=broken[fr.name])
            elif job is not None:
                passed, status, text, mistake = judge_child(fr.name, children[job], limits,
                                                            expected[fr.name])
                fr.passed, fr.status, fr.feedback, fr.mistake = passed, status, text, mistake
                fr.score = fr.max_score if passed else 0.0
            result.functions.append(fr)
        found_any = any(fr.status != "missing" for fr in result.functions)
        if result.functions and not found_any:
            out.append((shown, NotGradable(_(
                "{path}: none of the graded cells of {assignment} is in this notebook (deleted "
                "or renamed)").format(path=shown, assignment=result.assignment))))
            continue
        out.append((shown, result))
    return out


# ----------------------------------------------------------------------------- output
def _marks(stream) -> tuple[str, str]:
    try:
        "✓✗".encode(stream.encoding or "ascii")
        return "✓", "✗"
    except (UnicodeEncodeError, LookupError):
        return "+", "x"


def _num(x: float) -> str:
    return f"{x:g}"


def human_report(result: NotebookResult, stream) -> str:
    ok, ko = _marks(stream)
    lines = [f"{result.path}"]
    if not result.functions:
        lines.append(_("  nothing to grade in this notebook (no graded functions)."))
        return "\n".join(lines)
    width = max(len(f"{_num(f.score)}/{_num(f.max_score)}") for f in result.functions)
    for f in result.functions:
        mark = ok if f.passed else ko
        pts = f"{_num(f.score)}/{_num(f.max_score)}".rjust(width)
        note = ""
        if f.status == "not_attempted":
            note = _("  (not attempted yet)")
        elif f.status == "missing":
            note = _("  (cell missing)")
        lines.append(f"  {mark} {pts}  {f.name}{note}")
    lines.append(_("  Score: {score}").format(score=f"{_num(result.score)}/"
                                                  f"{_num(result.max_score)}")
                 + (_("  all passed, well done!") if result.score == result.max_score else ""))
    if any(f.status == "not_attempted" for f in result.functions):
        lines.append(_("  Next: write the functions marked (not attempted yet), run their "
                       "cells, then check again."))
    failures = [f for f in result.functions if not f.passed and f.status != "not_attempted"]
    for f in failures:
        lines.append("")
        lines.append(f.feedback)
    return "\n".join(lines)


def collect_paths(args_paths: list[str]) -> tuple[list[Path], list[str], list[str]]:
    """Expand folders into their notebooks (sorted). Returns (paths, shown, errors)."""
    paths, shown, errors = [], [], []
    for raw in args_paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(q for q in p.glob("*.ipynb") if not q.name.startswith("."))
            if not found:
                errors.append(_("{path}: no notebooks (*.ipynb) in this folder").format(
                    path=raw))
            for q in found:
                paths.append(q)
                shown.append(str(q))
        else:
            paths.append(p)
            shown.append(raw)
    return paths, shown, errors


def _is_the_command() -> bool:
    """True in the process of ``python -m autograder check`` itself (whose children are all
    check children), not when :func:`main` is called from other code (a test runner)."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return getattr(spec, "name", None) in ("autograder.__main__", "autograder.localcheck.command")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograder check",
        description="Check student notebooks locally, with feedback: each graded function runs "
                    "in its own child process, on the visible and the hidden cases.",
        epilog="Exit status: 0 all passed, 1 some failed, 2 not a readable course notebook. "
               "Limits can also be set with AUTOGRADER_TIMEOUT, AUTOGRADER_MEMORY_MB, "
               "AUTOGRADER_OUTPUT_BYTES and AUTOGRADER_JOBS (flags win).")
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="a student notebook, or a folder of them")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--lang", choices=i18n.LANGUAGES, default=None,
                        help="language of the feedback (default: OPTIM_COURSE_LANG, else the "
                             "notebook's own language, else en)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="wall seconds per graded function (default 10)")
    parser.add_argument("--memory-mb", type=float, default=None,
                        help="memory limit per graded function in MiB (default 1024)")
    parser.add_argument("--output-bytes", type=int, default=None,
                        help="bytes of the learner's output kept (default 1000000)")
    parser.add_argument("--jobs", type=int, default=None,
                        help="graded functions checked at the same time (default: CPUs)")
    args = parser.parse_args(argv)
    i18n.set_language(args.lang)
    try:
        return _main(args)
    finally:
        i18n.set_language(None)


def _main(args) -> int:
    try:
        limits = Limits.from_env(
            wall_seconds=args.timeout, output_bytes=args.output_bytes,
            memory_bytes=None if args.memory_mb is None else int(args.memory_mb * (1 << 20)))
        jobs = args.jobs or default_jobs()
    except ValueError as exc:
        print(_("autograder check: bad limit setting ({error})").format(error=exc),
              file=sys.stderr)
        return 2
    if _is_the_command():
        become_subreaper()  # every descendant of a child ends with the check (isolation.py)
    paths, shown, errors = collect_paths(args.paths)
    for e in errors:
        print(e, file=sys.stderr)
    try:
        # Whatever the judging side might print (a chatty master, a warning) must not mix with
        # the report, least of all with the JSON object.
        with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            graded = grade_notebooks(paths, limits, jobs, shown) if paths else []
    except KeyboardInterrupt:
        kill_all()
        sweep_orphans()
        print(_("autograder check: interrupted"), file=sys.stderr)
        return 130
    sweep_orphans()
    results = []
    for _shown, r in graded:
        if isinstance(r, NotGradable):
            errors.append(str(r))
            print(str(r), file=sys.stderr)
        else:
            results.append(r)
    single = len(args.paths) == 1 and not Path(args.paths[0]).is_dir()
    if not results:
        return 2
    if args.json:
        if single:
            payload = results[0].as_json()
        else:
            payload = {"notebooks": [r.as_json() for r in results],
                       "score": float(sum(r.score for r in results)),
                       "max_score": float(sum(r.max_score for r in results))}
        sys.stdout.write(json.dumps(payload) + "\n")
    else:
        reports = []
        for r in results:
            with i18n.detected(r.language):
                reports.append(human_report(r, sys.stdout))
        print("\n\n".join(reports))
        if len(results) > 1:
            total = sum(r.score for r in results)
            most = sum(r.max_score for r in results)
            print("\n" + _("Total: {score}").format(score=f"{_num(total)}/{_num(most)}"))
    if errors and single:
        return 2
    return 0 if all(f.passed for r in results for f in r.functions) else 1


if __name__ == "__main__":
    sys.exit(main())
