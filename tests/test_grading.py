"""``make grade`` end to end on a fixture class (tests/fixtures/class/students.py).

One module-scoped run grades the whole class with real nbgrader in 2 parallel shards into a
temporary course root (``python -m autograder grade --course TMP``); the tests then read what it
wrote: the exact grades.csv, flags.csv, the summary, the feedback, the gradebook.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import REPO_DIR, assignments

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent / "fixtures" / "class" / "students.py"
_spec = importlib.util.spec_from_file_location("fixture_class", FIXTURES)
students = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(students)

PY = sys.executable
CSV_HEADER = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name",
              "email", "raw_score", "late_submission_penalty", "score", "max_score"]


def run_grade(course: Path, *extra: str, env_extra: dict[str, str] | None = None
              ) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.dirname(PY), env.get("PATH", "")])
    env.update(env_extra or {})
    return subprocess.run([PY, "-m", "autograder", "grade", "--course", str(course),
                           "--cell-timeout", "5", "--quiet", *extra],
                          capture_output=True, text=True, cwd=REPO_DIR, env=env, timeout=900)


@pytest.fixture(scope="module")
def graded(tmp_path_factory, released_notebooks, grading_template):
    root = tmp_path_factory.mktemp("grading")
    release = root / "release"
    released_notebooks(release, students.ASSIGNMENTS)
    course = grading_template(root / "course")
    students.build_class(course, release, REPO_DIR)
    gradebook_before = None
    result = run_grade(course, "--jobs", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    return {"course": course, "result": result, "release": release,
            "gradebook_before": gradebook_before}


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def max_scores() -> dict[str, float]:
    """Points of every grade cell of each master (autograded tests and written answers)."""
    from autograder.publish.masters import load_master, nbgrader_meta
    return {a: float(sum(nbgrader_meta(c).get("points", 0) for c in load_master(a)["cells"]
                         if nbgrader_meta(c).get("grade"))) for a in assignments()}


def test_grades_csv_is_exactly_the_expected_class(graded):
    course = graded["course"]
    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header == CSV_HEADER
    rows = read_csv(course / "grades.csv")
    class_students = sorted({s for s, _ in students.EXPECTED})
    maxima = max_scores()
    expected = {}
    for student in class_students:
        for assignment in assignments():
            score, top = students.EXPECTED.get((student, assignment), (0.0, maxima[assignment]))
            expected[(student, assignment)] = (score, top)
    got = {(r["student_id"], r["assignment"]): (float(r["score"]), float(r["max_score"]))
           for r in rows}
    assert got == expected
    timestamps = {(r["student_id"], r["assignment"]): r["timestamp"] for r in rows}
    assert timestamps[("perfect", students.GD)].startswith("2026-11-20 10:00:00")


def test_flags_name_the_tampering_only(graded):
    rows = read_csv(graded["course"] / "flags.csv")
    assert {(r["student_id"], r["assignment"]) for r in rows} == students.FLAGGED
    assert all("in-kernel test passed but the out-of-process check failed" in r["reason"]
               for r in rows)


def test_summary_has_a_line_for_every_broken_submission(graded):
    out = graded["result"].stdout
    assert f"Graded {len(students.EXPECTED)} submissions of 16 students" in out
    for student, needle in [("broken_json", "invalid JSON"), ("deleted_cell", "deleted"),
                            ("old_nbformat", "nbformat 3"), ("renamed", "instead of"),
                            ("perfect", "extra notebooks ignored"),
                            ("dead_kernel", "grading kernel failed"),
                            ("hostile_patch", "FLAG")]:
        lines = [line for line in out.splitlines() if line.strip().startswith(student + "/")]
        assert any(needle in line for line in lines), (student, needle, out)
    assert "Flagged submissions: 1" in out


def test_feedback_never_shows_hidden_tests_or_grader_output(graded):
    course = graded["course"]
    pages = sorted((course / "feedback").glob("*/*/*.html"))
    assert len(pages) == len(students.EXPECTED)
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "HIDDEN TESTS" not in html and "hidden=True" not in html, page
    # What the snooping cell printed (a master's path, its verdicts) stays with the instructor.
    snoop = (course / "feedback" / "hostile_snoop" / students.GD / f"{students.GD}.html")
    master = f"{REPO_DIR}/autograder/source/{students.GD}/{students.GD}.ipynb"
    assert master not in snoop.read_text(encoding="utf-8")
    lazy = (course / "feedback" / "not_attempted" / students.GD / f"{students.GD}.html")
    assert "BEGIN SOLUTION" not in lazy.read_text(encoding="utf-8")
    wrong = (course / "feedback" / "sign_error" / students.GD / f"{students.GD}.html")
    assert "CheckFailed" in wrong.read_text(encoding="utf-8")


def test_student_code_could_not_read_masters_or_write_the_gradebook(graded):
    course = graded["course"]
    autograded = course / "autograded" / "hostile_snoop" / students.GD / f"{students.GD}.ipynb"
    nb = json.loads(autograded.read_text(encoding="utf-8"))
    text = "".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                   for o in c.get("outputs", []))
    assert "SNOOP" in text
    if os.geteuid() == 0:  # isolation needs root (a sandbox user and namespaces)
        assert "READ " not in text and "WROTE " not in text, text
        assert "OTHERS []" in text
        assert "NETWORK closed" in text
        # Forked from the zygote or not, the kernel holds only the stand-in checks and sees no
        # process of the grader's.
        assert "MODULES ['autograder', 'autograder.checks']" in text, text
        assert "GRADER PROCESSES []" in text, text
    # The gradebook is intact either way: it is rebuilt from the shards' records.
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "optim-course") as gb:
        assert len(gb.students) == len({s for s, _ in students.EXPECTED})


def test_no_checksum_warnings_and_no_manual_grading_left(graded):
    course = graded["course"]
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "optim-course") as gb:
        for assignment in students.ASSIGNMENTS:
            for submission in gb.assignment_submissions(assignment):
                assert not submission.needs_manual_grade, submission
    records = {p.parent.parent.name + "/" + p.parent.name: json.loads(p.read_text())
               for p in (course / ".grading" / "records").glob("*/*/record.json")}
    assert records
    for key, record in records.items():
        assert not any("checksum" in w for w in record["nbgrader_warnings"]), (key, record)


def test_regrading_is_idempotent_and_resumes(graded):
    course = graded["course"]
    before = (course / "grades.csv").read_text(encoding="utf-8")
    again = run_grade(course, "--jobs", "2")
    assert again.returncode == 0, again.stderr
    assert "(0 graded now" in again.stdout
    assert (course / "grades.csv").read_text(encoding="utf-8") == before
    # An interrupted run: one record missing; only that submission is graded again.
    shutil.rmtree(course / ".grading" / "records" / "sign_error")
    resumed = run_grade(course, "--jobs", "1")
    assert resumed.returncode == 0, resumed.stderr
    assert "(1 graded now" in resumed.stdout
    assert (course / "grades.csv").read_text(encoding="utf-8") == before


# A few students of the class, graded again in one sequential run (one shard) and without the
# zygotes: right, wrong, crashing and tampering code, a kernel that dies, two assignments.
SUBSET = ("perfect", "sign_error", "crashing", "dead_kernel", "hostile_patch", "undampened")


@pytest.fixture(scope="module")
def sequential(graded, tmp_path_factory, grading_template):
    """``SUBSET``'s submissions graded in one shard (``--jobs 1``), every kernel and check child
    started from scratch (``OPTIM_GRADER_NO_ZYGOTE=1``), in a course of their own."""
    course = grading_template(tmp_path_factory.mktemp("sequential") / "course")
    for student in SUBSET:
        shutil.copytree(graded["course"] / "submitted" / student,
                        course / "submitted" / student)
    result = run_grade(course, "--jobs", "1", env_extra={"OPTIM_GRADER_NO_ZYGOTE": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    return {"course": course, "result": result}


def test_shards_merge_to_the_same_result_as_one_sequential_run(graded, sequential, tmp_path,
                                                               grading_template):
    """The class was graded by two shards (``--jobs 2`` runs ``grade --shard 1/2`` and
    ``--shard 2/2``); ``--merge-only`` over the records they wrote for ``SUBSET`` gives the
    grades.csv that one sequential run of the same submissions gives."""
    from autograder.grading.run import list_submissions, shard_of

    pairs = [p for p in list_submissions(graded["course"], students.ASSIGNMENTS)
             if p[0] in SUBSET]
    assert all(shard_of(pairs, i, 2) for i in (1, 2))  # both shards' records are merged
    course = grading_template(tmp_path / "course")
    shutil.copytree(sequential["course"] / "submitted", course / "submitted")
    for student in SUBSET:
        shutil.copytree(graded["course"] / ".grading" / "records" / student,
                        course / ".grading" / "records" / student)
    merged = run_grade(course, "--merge-only")
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert "(0 graded now" in merged.stdout, merged.stdout
    assert (course / "grades.csv").read_text(encoding="utf-8") == \
        (sequential["course"] / "grades.csv").read_text(encoding="utf-8")


def test_zygotes_and_fresh_processes_grade_alike(graded, sequential):
    """The zygotes (kernels, check children) only make starts faster: the class was graded with
    them; without them, the same scores and the same feedback for right, wrong and crashing
    code and for a kernel that dies."""
    zygote, scratch = graded["course"], sequential["course"]

    def rows(course: Path) -> dict:
        return {(r["student_id"], r["assignment"]): (r["score"], r["max_score"])
                for r in read_csv(course / "grades.csv") if r["student_id"] in SUBSET}

    assert rows(scratch) == rows(zygote)
    assert len(rows(scratch)) == len(SUBSET) * len(assignments())
    pages = {}
    for mode, course in (("zygote", zygote), ("scratch", scratch)):
        pages[mode] = {(student, assignment): (course / "feedback" / student / assignment /
                                               f"{assignment}.html").read_text(encoding="utf-8")
                       .replace(str(course), "")
                       for student, assignment in students.EXPECTED if student in SUBSET}
    assert "CheckFailed" in pages["zygote"][("sign_error", students.GD)]
    assert "exit" in pages["zygote"][("crashing", students.GD)]
    for key, page in pages["zygote"].items():
        assert page == pages["scratch"][key], key


def test_mistakes_csv_says_what_the_class_got_wrong(graded, capsys):
    """mistakes.csv next to grades.csv: one row per (assignment, function, mistake), with the
    id the check itself reports for that student's notebook (``check --json``'s ``mistake``)."""
    from autograder.grading.mistakes import COLUMNS
    from autograder.localcheck.command import main as check
    course = graded["course"]
    with open(course / "mistakes.csv", newline="", encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == COLUMNS
    rows = read_csv(course / "mistakes.csv")
    expected = {}
    for student, assignment in [("sign_error", students.GD), ("undampened", students.MOMENTUM)]:
        [path] = (course / "submitted" / student / assignment).glob("*.ipynb")
        check([str(path), "--json", "--timeout", "5"])
        for f in json.loads(capsys.readouterr().out)["functions"]:
            if not f["passed"]:
                expected[(assignment, f["name"])] = f["mistake"]
    assert expected[(students.GD, "update_parameters_with_gd")]   # a named mistake
    for (assignment, function), mistake in expected.items():
        matching = [r for r in rows if (r["assignment"], r["function"], r["mistake"]) ==
                    (assignment, function, mistake or "")]
        assert len(matching) == 1, (assignment, function, mistake, rows)
        assert int(matching[0]["students"]) >= 1
        assert matching[0]["example_feedback"].startswith(function + ":")
    assert all(int(r["students"]) >= 1 for r in rows)
    out = graded["result"].stdout
    assert "Most common mistakes (top 3 per assignment; all in mistakes.csv):" in out
    gd_line = next(line for line in out.splitlines()
                   if line.startswith(f"  {students.GD}: "))
    assert expected[(students.GD, "update_parameters_with_gd")] in gd_line
    assert f"Wrote {course / 'mistakes.csv'}" in out
