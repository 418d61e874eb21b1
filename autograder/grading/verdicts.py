"""The trusted, per-function verdict of one submission: the out-of-process check.

:func:`trusted_verdicts` is the single integration point between ``make grade`` and the check of
``python -m autograder check NOTEBOOK --json`` (its JSON is in ``COURSE_SPEC.md``). It calls the
command's own code (:func:`autograder.localcheck.command.grade_notebooks`) in the grading process,
which is trusted: learner code runs only in the check's children, started through ``child_python``
(the shard's sandbox) when given, and what the grading process keeps from one submission to the
next is only the references computed from the masters.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

CHECK_TIMEOUT = 10.0  # seconds of wall time per graded function (COURSE_SPEC limits)


@dataclass
class Verdict:
    name: str
    passed: bool
    score: float
    max_score: float
    feedback: str
    mistake: str | None = None    # the check's confirmed mistake id (mistakes.csv)

    def to_json(self) -> dict:
        return asdict(self)


class NotebookUnreadable(Exception):
    """The check says the input is not a readable course notebook."""


def trusted_verdicts(notebook: Path, *, timeout: float = CHECK_TIMEOUT,
                     child_python: str | None = None) -> dict[str, Verdict]:
    """``{function: Verdict}`` for every graded function of the notebook's assignment.

    A function whose cell is missing from the notebook gets a failing verdict that says so.
    """
    from autograder.localcheck import isolation
    from autograder.localcheck.command import NotGradable, grade_notebooks

    if child_python:
        os.environ[isolation.CHILD_PYTHON_ENV] = child_python
    limits = isolation.Limits.from_env(wall_seconds=timeout)
    # Whatever the judging side might print must not reach the grader's own output.
    with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        [(_, result)] = grade_notebooks([Path(notebook)], limits, isolation.default_jobs())
    if isinstance(result, NotGradable):
        raise NotebookUnreadable(str(result))
    return {f.name: Verdict(f.name, bool(f.passed), float(f.score), float(f.max_score),
                            str(f.feedback or ""), getattr(f, "mistake", None))
            for f in result.functions}
