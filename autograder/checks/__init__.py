"""The checks every test cell calls: ``check("update_lr", update_lr)``.

A check runs the graded function on deterministic inputs (:mod:`.cases`), records what comes back
as plain data (:mod:`.probe`), and compares it with the master's solution's records on the same
inputs, precomputed at release time (:mod:`.data`, files under ``expected/``; :mod:`.judge`).
When they differ, :mod:`.diagnosis` matches the learner's records against the records of the
function's mistake family (wrong rules, also precomputed as data) over every case and call, and
the feedback names the mistake it confirms, by its stable id (:mod:`.vocabulary`), or says
precisely what differs (:mod:`.feedback`).

Nothing here imports the trusted side (masters, families, hidden cases, grading): a student's
install holds only these modules and the data. ``python -m autograder check`` and ``make grade``
judge with the same code on the visible AND hidden cases, with references and family records
computed from the masters before any learner code runs (``autograder.publish.expected``).

In a notebook, :func:`check` prints one line when everything passes and raises
:class:`CheckFailed` (an ``AssertionError``, so nbgrader counts the test cell as failed) whose
message is the feedback.
"""

from __future__ import annotations

from autograder.checks.cases import FUNCTIONS, Case, HiddenCasesUnavailable, cases_for
from autograder.checks.i18n import _

__all__ = ["check", "CheckFailed", "FUNCTIONS", "Case", "cases_for", "judge_records",
           "reference_records", "HiddenCasesUnavailable"]


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


def reference_records(name: str, cases: list[Case]) -> dict[str, dict]:
    """The master's records on the visible ``cases`` (precomputed data; case id -> record)."""
    from autograder.checks import data
    return data.judging_data(name, [c.id for c in cases])[0]


def judge_records(name: str, cases: list[Case], records: dict[str, dict],
                  expected: dict[str, dict] | None = None, family: dict | None = None):
    """Judge the learner's plain ``records`` (case id -> record) on ``cases``.

    ``expected`` (case id -> reference record) and ``family`` (the mistake family's records,
    ``{"members": [[key, id], ...], "records": {key: {case id: record}}}``) default to the
    precomputed data of the visible cases; the check command and the grader pass both, computed
    from the masters before any learner code runs, for visible and hidden cases.
    Returns ``(passed, feedback)``: ``feedback`` is the first failing case's
    :class:`~autograder.checks.feedback.Feedback` (its ``mistake`` the confirmed id, or None)
    or ``None``. A missing record counts as failed.
    """
    from autograder.checks import data, diagnosis, vocabulary
    from autograder.checks.judge import Feedback, judge_case
    if expected is None or family is None:
        ref, fam = data.judging_data(name, [c.id for c in cases])
        expected = ref if expected is None else expected
        family = fam if family is None else family
    for case in cases:
        got = records.get(case.id)
        if got is None:
            return False, Feedback(case, "this check did not run",
                                   meaning="The function did not finish the earlier checks.")
        fb = judge_case(name, case, expected[case.id], got)
        if fb is None:
            continue
        if fb.not_attempted:
            return False, fb
        tried = {c.id: records[c.id] for c in cases if c.id in records}
        try:
            found = diagnosis.diagnose(name, cases, tried, expected, family)
        except Exception:  # noqa: BLE001 - a diagnosis is a bonus; the failure stands
            found = diagnosis.Diagnosis(None)
        if found.mistake is not None and found.mistake == fb.mistake:
            pass                         # this case's own feedback already says it, in detail
        elif found.mistake is not None and vocabulary.known(found.mistake):
            fb.what, fb.meaning, fb.hint = vocabulary.text(found.mistake)
            fb.mistake = found.mistake
            if found.description:
                fb.meaning += " " + found.description
        elif fb.mistake is None and found.description:
            fb.meaning = found.description + (" " + fb.meaning if fb.meaning else "")
        if fb.mistake is not None and vocabulary.known(fb.mistake):
            title = vocabulary.text(fb.mistake)[0]   # the named mistake comes first
            if not fb.what.startswith(title):
                fb.what = f"{title} ({fb.what})"
        elif fb.mistake is not None:
            fb.mistake = None                        # never an id outside the vocabulary
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
    if hidden:
        cases, expected, family = _hidden_judging_data(name)
    else:
        cases, expected, family = cases_for(name), None, None
    if not callable(fn):
        _report.report(CheckFailed(
            _("{name}: expected a function, got {type}. Run the cell that defines {name} "
              "first.").format(name=name, type=type(fn).__name__)))
    records = {case.id: probe.run_case(name, fn, case) for case in cases}
    passed, feedback = judge_records(name, cases, records, expected, family)
    if not passed:
        assert isinstance(feedback, Feedback)
        position = ""
        if not feedback.not_attempted:
            index = [c.id for c in cases].index(feedback.case.id) + 1
            position = (_("hidden check {index} of {n}") if hidden
                        else _("check {index} of {n}")).format(index=index, n=len(cases))
        failure = CheckFailed(feedback.text(name, position), feedback)
        failure.__suppress_context__ = True
        _report.report(failure)  # a tiny frame, so the traceback stays short
    n = len(cases)
    if hidden:
        line = _("{name}: the hidden check passed.") if n == 1 else _(
            "{name}: all {n} hidden checks passed.")
    else:
        line = _("{name}: the check passed.") if n == 1 else _("{name}: all {n} checks passed.")
    print(line.format(name=name, n=n))


def _hidden_judging_data(name):
    """Hidden cases and their data: only where the instructor's trusted side is installed.

    The hidden cases live with the masters (``autograder.publish``), which a student's install
    does not hold; this is the one place the checks reach for them, and only when a master's
    hidden test cell asks (``check(..., hidden=True)``).
    """
    import importlib
    try:
        trusted = importlib.import_module("autograder.publish.expected")
        hidden = importlib.import_module("autograder.publish.hidden_cases")
    except ImportError as exc:
        raise HiddenCasesUnavailable(
            _("{name}: the hidden checks are not part of this installation (they run with the "
              "instructor's masters: `python -m autograder check` in the course repository, or "
              "`make grade`).").format(name=name)) from exc
    cases = hidden.all_cases(name, hidden=True)
    expected, family = trusted.judging_data(name, cases)
    return cases, expected, family
