"""The trusted, per-function verdict of one submission: the out-of-process check.

:func:`trusted_verdicts` is the single integration point between ``make grade`` and the check.
It runs ``python -m autograder check NOTEBOOK --json`` (the course's out-of-process check; its
JSON is in ``COURSE_SPEC.md``) and returns ``{function: Verdict}``. When that command is not
installed yet, :func:`fallback_verdicts` does the same job with the same checks package: one child
process per graded function runs the learner's solution cell after the master's setup imports and
records what the function returns on every case (visible and hidden) as plain JSON; this process
judges the records against the master (:func:`autograder.checks.judge_records`). Learner code never
runs in the judging process.
"""

from __future__ import annotations

import json
import os
import pwd
import resource
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

CHECK_TIMEOUT = 10.0  # seconds of wall time per graded function (COURSE_SPEC limits)
CHECK_MEMORY = 1024**3
CHECK_OUTPUT = 1_000_000


@dataclass
class Verdict:
    name: str
    passed: bool
    score: float
    max_score: float
    feedback: str

    def to_json(self) -> dict:
        return asdict(self)


class NotebookUnreadable(Exception):
    """The check says the input is not a readable notebook (exit code 2)."""


def check_command_available() -> bool:
    try:
        import importlib.util
        return importlib.util.find_spec("autograder.check_command") is not None
    except (ImportError, ValueError):
        return False


def trusted_verdicts(notebook: Path, assignment: str, *, sandbox_user: str | None = None,
                     timeout: float = CHECK_TIMEOUT, child_python: str | None = None,
                     in_process: bool = False) -> dict[str, Verdict]:
    """``{function: Verdict}`` for every graded function of ``assignment`` found in ``notebook``.

    Functions the check does not report (missing from the notebook) are absent: the caller scores
    them 0.
    """
    if check_command_available() and not os.environ.get("OPTIM_GRADER_FALLBACK_CHECK"):
        if in_process:
            return _check_in_process(notebook, timeout, child_python)
        return _check_command(notebook, timeout, child_python)
    return fallback_verdicts(notebook, assignment, sandbox_user=sandbox_user, timeout=timeout)


def _check_in_process(notebook: Path, timeout: float, child_python: str | None = None
                      ) -> dict[str, Verdict]:
    """The check command's own judging, called in this (trusted) process.

    Learner code still runs only in the check's children (through ``child_python``, the
    sandbox, when given); what this saves is a Python start and the references, which stay
    cached in a shard from one submission to the next.
    """
    import contextlib
    import warnings

    from autograder import isolation
    from autograder.check_command import NotGradable, grade_notebooks

    if child_python:
        os.environ[isolation.CHILD_PYTHON_ENV] = child_python
    limits = isolation.Limits.from_env(wall_seconds=timeout)
    with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        [(_, result)] = grade_notebooks([Path(notebook)], limits, isolation.default_jobs())
    if isinstance(result, NotGradable):
        raise NotebookUnreadable(str(result))
    return {f.name: Verdict(f.name, bool(f.passed), float(f.score), float(f.max_score),
                            str(f.feedback or "")) for f in result.functions}


def _check_command(notebook: Path, timeout: float, child_python: str | None = None
                   ) -> dict[str, Verdict]:
    from autograder.grading import nbgrader_env

    command = [sys.executable, "-m", "autograder", "check", str(notebook), "--json"]
    if child_python:
        # The same command, with its learner-code children started through the sandbox.
        command = [sys.executable, "-m", "autograder.grading_verdicts", "--child-python",
                   child_python, "check", str(notebook), "--json"]
    # Generous outer bound: the command bounds each function itself.
    result = subprocess.run(command,
                            capture_output=True, text=True, timeout=timeout * 12 + 60,
                            env=nbgrader_env(), cwd=notebook.parent)
    if result.returncode == 2:
        raise NotebookUnreadable(result.stderr.strip().splitlines()[-1:] or "unreadable")
    try:
        data = json.loads(result.stdout)
    except ValueError as exc:
        raise RuntimeError(f"autograder check gave no JSON (exit {result.returncode}): "
                           f"{result.stderr[-2000:]}") from exc
    return {f["name"]: Verdict(f["name"], bool(f["passed"]), float(f["score"]),
                               float(f["max_score"]), str(f.get("feedback") or ""))
            for f in data.get("functions", [])}


# ---------------------------------------------------------------------------------------------
# Fallback: the same checks, one child per function.

CHILD = r'''
import json, os, sys
from autograder.checks import probe
from autograder.checks.cases import cases_for
name, setup_file, cell_file, out_file = sys.argv[1:5]
out = open(out_file, "w", encoding="utf-8")   # opened before any learner code runs
_dump = json.dump
namespace = {"__name__": "__main__"}
exec(compile(open(setup_file, encoding="utf-8").read(), "<setup>", "exec"), namespace)
records = {}
try:
    exec(compile(open(cell_file, encoding="utf-8").read(), "<your solution cell>", "exec"),
         namespace)
    fn = namespace.get(name)
    if not callable(fn):
        raise NameError(f"the cell does not define {name}")
except BaseException as exc:
    _dump({"error": f"{type(exc).__name__}: {exc}"}, out)
    out.close()
    os._exit(0)
for case in cases_for(name):
    records[case.id] = probe.run_case(name, fn, case)
_dump({"records": records}, out)
out.close()
os._exit(0)
'''


def _child_preexec(user: str | None, memory: int):
    record = pwd.getpwnam(user) if user and os.geteuid() == 0 else None

    def preexec() -> None:
        os.setsid()
        if record is not None:
            os.setgroups([])
            os.setgid(record.pw_gid)
            os.setuid(record.pw_uid)
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (int(CHECK_TIMEOUT) + 2, int(CHECK_TIMEOUT) + 2))
        resource.setrlimit(resource.RLIMIT_FSIZE, (CHECK_OUTPUT * 4, CHECK_OUTPUT * 4))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return preexec


def _solution_cells(nb: dict) -> dict[str, str]:
    from autograder.masters import nbgrader_meta, source
    cells: dict[str, str] = {}
    for cell in nb.get("cells", []):
        meta = nbgrader_meta(cell)
        if cell.get("cell_type") == "code" and meta.get("solution") and meta.get("grade_id"):
            cells.setdefault(meta["grade_id"], source(cell))
    return cells


def fallback_verdicts(notebook: Path, assignment: str, *, sandbox_user: str | None = None,
                      timeout: float = CHECK_TIMEOUT) -> dict[str, Verdict]:
    from autograder.checks import judge_records
    from autograder.checks.cases import cases_for
    from autograder.masters import graded_functions, setup_source

    try:
        nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NotebookUnreadable(str(exc)) from exc
    cells = _solution_cells(nb)
    verdicts: dict[str, Verdict] = {}
    with tempfile.TemporaryDirectory(prefix="optim-check-") as scratch:
        os.chmod(scratch, 0o777)
        setup_file = Path(scratch) / "setup.py"
        setup_file.write_text(setup_source(assignment), encoding="utf-8")
        for name, points in graded_functions(assignment):
            if name not in cells:
                continue
            cell_file = Path(scratch) / f"{name}.py"
            cell_file.write_text(cells[name], encoding="utf-8")
            out_file = Path(scratch) / f"{name}.json"
            out_file.touch()
            os.chmod(out_file, 0o666)
            feedback = ""
            records: dict = {}
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": scratch,
                   "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg",
                   "PYTHONDONTWRITEBYTECODE": "1",
                   "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
            try:
                subprocess.run([sys.executable, "-c", CHILD, name, str(setup_file),
                                str(cell_file), str(out_file)],
                               cwd=scratch, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               timeout=timeout, preexec_fn=_child_preexec(None, CHECK_MEMORY))
                data = json.loads(out_file.read_text(encoding="utf-8") or "{}")
            except subprocess.TimeoutExpired:
                data = {"error": f"did not finish within {timeout:g} seconds (an endless loop?)"}
            except ValueError:
                data = {"error": "the check's child process died before reporting"}
            if "error" in data:
                feedback = f"{name}: {data['error']}"
            elif "records" not in data:
                feedback = f"{name}: the check's child process died before reporting"
            else:
                records = data["records"]
            passed = False
            if records:
                cases = cases_for(name)
                visible = [c for c in cases if not c.hidden]
                hidden = [c for c in cases if c.hidden]
                passed, fb = judge_records(name, visible, records)
                kind = "check"
                if passed:
                    passed, fb = judge_records(name, hidden, records)
                    kind = "hidden check"
                if not passed:
                    group = visible if kind == "check" else hidden
                    position = ""
                    if not fb.not_attempted:
                        index = [c.id for c in group].index(fb.case.id) + 1
                        position = f"{kind} {index} of {len(group)}"
                    feedback = fb.text(name, position)
            verdicts[name] = Verdict(name, passed, points if passed else 0.0, points,
                                     "" if passed else feedback)
            # Kill anything the learner's code left behind in the child's session.
    return verdicts


def main(argv: list[str] | None = None) -> int:
    """``python -m autograder.grading_verdicts --child-python WRAPPER check ARGS...``: the check
    command, whose children (:mod:`autograder.isolation`) start through ``WRAPPER``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) < 3 or argv[0] != "--child-python" or argv[2] != "check":
        print("usage: python -m autograder.grading_verdicts --child-python WRAPPER check ...",
              file=sys.stderr)
        return 2
    from autograder import isolation
    from autograder.check_command import main as check_main

    os.environ[isolation.CHILD_PYTHON_ENV] = argv[1]
    return check_main(argv[3:]) or 0


if __name__ == "__main__":
    sys.exit(main())
