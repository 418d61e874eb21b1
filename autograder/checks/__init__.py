"""The checks every test cell calls: ``check("update_lr", update_lr)``.

A check runs the graded function on deterministic inputs (:mod:`.cases`), records what comes back
as plain data (:mod:`.probe`), and compares it with what the instructor master's own solution cell
returns on the same inputs (:mod:`autograder.publish.masters`, :mod:`.judge`). When they differ,
the learner's result is compared with a catalogue of common mistakes (:mod:`.mistakes`) so the
message can name the mistake: what was tried, what was expected, what came back, what that pattern
usually means, and a hint (:mod:`.feedback`).

In a notebook, :func:`check` prints one line when everything passes and raises
:class:`CheckFailed` (an ``AssertionError``, so nbgrader counts the test cell as failed) whose
message is the feedback. ``python -m autograder check`` uses the same cases and judge, but runs
the learner's code in a child process (:mod:`autograder.localcheck.isolation`).
"""

from __future__ import annotations

from autograder.checks.cases import FUNCTIONS, Case, cases_for

__all__ = ["check", "CheckFailed", "FUNCTIONS", "Case", "cases_for", "judge_records",
           "reference_records"]


class CheckFailed(AssertionError):
    """A check failed; the message is the feedback the learner reads."""

    def __init__(self, message: str, feedback=None):
        super().__init__(message)
        self.feedback = feedback

    def __str__(self) -> str:  # the feedback is the whole story
        return self.args[0] if self.args else ""

    def _render_traceback_(self) -> list[str]:
        """What IPython (and so JupyterLab and nbgrader's Validate) shows: only the feedback.

        The frames of the checks package would push the diagnosis below the fold and tell
        the learner nothing; the message already says which input failed and why.
        """
        return [f"CheckFailed: {line}" if i == 0 else line
                for i, line in enumerate(str(self).splitlines() or [""])]


_reference_cache: dict[str, dict] = {}


def reference_records(name: str, cases: list[Case]) -> dict[str, dict]:
    """Plain records of the master's ``name`` on ``cases`` (cached per process)."""
    from autograder.checks import probe
    from autograder.publish.masters import reference_function
    fn = reference_function(name)
    out = {}
    for case in cases:
        key = f"{id(fn)}:{case.id}"
        if key not in _reference_cache:
            _reference_cache[key] = probe.run_case(name, fn, case)
        out[case.id] = _reference_cache[key]
    return out


def judge_records(name: str, cases: list[Case], records: dict[str, dict],
                  expected: dict[str, dict] | None = None):
    """Judge the learner's plain ``records`` (case id -> record) on ``cases``.

    ``expected`` (case id -> reference record) defaults to :func:`reference_records`; pass it
    when the references were computed earlier (the check command computes them before any
    learner code runs, so nothing a child does to the files on disk can change them).
    Returns ``(passed, feedback)`` where ``feedback`` is the first failure (a
    :class:`~autograder.checks.judge.Feedback`) or ``None``. A missing record counts as failed.
    """
    from autograder.checks.judge import Feedback, judge_case
    if expected is None:
        expected = reference_records(name, cases)
    for case in cases:
        got = records.get(case.id)
        if got is None:
            return False, Feedback(case, "this check did not run",
                                   meaning="The function did not finish the earlier checks.")
        others = {c.id: (c, records[c.id]) for c in cases if c.id in records}
        fb = judge_case(name, case, expected[case.id], got, others)
        if fb is not None:
            return False, fb
    return True, None


def check(name: str, fn, hidden: bool = False) -> None:
    """Check the learner's ``fn`` (their ``name``) on the visible (or hidden) cases.

    Prints one line when all pass; raises :class:`CheckFailed` with the feedback otherwise.
    """
    __tracebackhide__ = True  # noqa: F841 - pytest and IPython hide this frame
    from autograder.checks import _report, probe
    from autograder.checks.judge import Feedback

    if name not in FUNCTIONS:
        raise ValueError(f"no checks for {name!r}; graded functions: {', '.join(FUNCTIONS)}")
    cases = cases_for(name, hidden=hidden)
    if not callable(fn):
        _report.report(CheckFailed(f"{name}: expected a function, got {type(fn).__name__}. "
                                   f"Run the cell that defines {name} first."))
    records = {case.id: probe.run_case(name, fn, case) for case in cases}
    passed, feedback = judge_records(name, cases, records)
    if not passed:
        assert isinstance(feedback, Feedback)
        position = ""
        if not feedback.not_attempted:
            index = [c.id for c in cases].index(feedback.case.id) + 1
            kind = "hidden check" if hidden else "check"
            position = f"{kind} {index} of {len(cases)}"
        failure = CheckFailed(feedback.text(name, position), feedback)
        failure.__suppress_context__ = True
        _report.report(failure)  # a tiny frame, so the traceback stays short
    n = len(cases)
    kind = ("hidden " if hidden else "") + ("check" if n == 1 else "checks")
    print(f"{name}: {'the' if n == 1 else 'all ' + str(n)} {kind} passed.")
