"""The instructor's work survives every regrade (issue 11), with real nbgrader and its gradebook.

One module-scoped class (two students, 01_gradient_descent and the written answer of
07_comparison) is graded once; the instructor then enters, through nbgrader's own Gradebook API
(what formgrader and ``nbgrader db`` call), a hand grade and a comment on the written answer, an
override of an autograded score, extra credit, a student's name and e-mail and two due dates.
The tests regrade in the order an instructor might (plain, after a resubmission, ``--fresh`` on one
assignment) and look for every entry in the gradebook, the feedback and the exports. The tests of
this module share the course; each asks for what it reads (``course``: graded once and the
entries made; ``regraded``: then one plain regrade), so any one of them runs alone; those that
change the course run last and leave the entries as they found them.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from autograder import REPO_DIR

pytestmark = pytest.mark.slow

PY = sys.executable
GD, CMP = "01_gradient_descent", "07_comparison"
WRITTEN, GD_TEST, GD_COMMENT = "written_answer_choice", "test_update_parameters_with_gd", \
    "update_parameters_with_gd"
COURSE_ID = "optim-course"

_spec = importlib.util.spec_from_file_location(
    "fixture_class", Path(__file__).parent / "fixtures" / "class" / "students.py")
students = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(students)


def run_grade(course: Path, *extra: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.dirname(PY), env.get("PATH", "")])
    return subprocess.run([PY, "-m", "autograder", "grade", "--course", str(course),
                           "--cell-timeout", "5", "--quiet", "--jobs", "2", *extra],
                          capture_output=True, text=True, cwd=REPO_DIR, env=env, timeout=900)


def answer(release: Path, text: str) -> dict:
    return students.notebook(release, CMP, {WRITTEN: text})


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def gradebook(course: Path):
    from nbgrader.api import Gradebook
    return Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID)


@pytest.fixture(scope="module")
def course(tmp_path_factory, released_notebooks, grading_template):
    root = tmp_path_factory.mktemp("instructor")
    release = root / "release"
    released_notebooks(release, [GD, CMP])
    course = grading_template(root / "course")
    students.write(course, "ana", GD, students.notebook(release, GD))
    # Ben's function fails its check: his autograded notebook holds the kernel's traceback.
    students.write(course, "ben", GD, students.notebook(
        release, GD, {"update_parameters_with_gd": students.WRONG_SIGN_GD}))
    for student in ("ana", "ben"):
        students.write(course, student, CMP, answer(release, f"I would pick Adam ({student})."))
    # Cid's notebook is not JSON, and came without the exchange (no timestamp.txt).
    students.write(course, "cid", GD, '{"cells": [', name=f"{GD}.ipynb")
    (course / "submitted" / "cid" / GD / "timestamp.txt").unlink()
    # The course's own nbgrader_config.py: the shipped one, late work scored zero.
    config = (REPO_DIR / "autograder" / "nbgrader_config.py").read_text(encoding="utf-8")
    config = config.replace("c.CourseDirectory.root = os.path.dirname(os.path.abspath("
                            "__file__))", f"c.CourseDirectory.root = {str(course)!r}")
    config += "\nc.LateSubmissionPlugin.penalty_method = 'zero'\n"
    (course / "nbgrader_config.py").write_text(config, encoding="utf-8")
    result = run_grade(course)
    assert result.returncode == 0, result.stdout + result.stderr

    # The instructor's entries, through nbgrader's own API.
    with gradebook(course) as gb:
        grade = gb.find_grade(WRITTEN, CMP, CMP, "ana")
        grade.manual_score = 4.0
        grade.needs_manual_grade = False
        gb.find_comment(WRITTEN, CMP, CMP, "ana").manual_comment = "Good evidence; say more."
        override = gb.find_grade(GD_TEST, GD, GD, "ben")
        override.manual_score = 7.0
        gb.find_grade(GD_TEST, GD, GD, "ana").extra_credit = 1.0
        gb.find_comment(GD_COMMENT, GD, GD, "ben").manual_comment = "Minus 3: copied code."
        gb.update_or_create_student("ana", first_name="Ana", last_name="Lima",
                                    email="ana@example.org", lms_user_id="lms-17")
        # 01 due after the submissions (on time); 07 due before them (late).
        gb.update_or_create_assignment(GD, duedate=datetime(2026, 11, 21, 0, 0))
        gb.update_or_create_assignment(CMP, duedate=datetime(2026, 11, 19, 0, 0))
        gb.db.commit()
    return {"root": root, "course": course, "release": release}


def assert_entries_kept(course: Path, review: bool = False) -> None:
    with gradebook(course) as gb:
        written = gb.find_grade(WRITTEN, CMP, CMP, "ana")
        assert written.manual_score == 4.0
        assert written.needs_manual_grade is review
        assert gb.find_comment(WRITTEN, CMP, CMP, "ana").manual_comment == \
            "Good evidence; say more."
        assert gb.find_grade(GD_TEST, GD, GD, "ben").manual_score == 7.0
        assert gb.find_grade(GD_TEST, GD, GD, "ana").extra_credit == 1.0
        assert gb.find_comment(GD_COMMENT, GD, GD, "ben").manual_comment == \
            "Minus 3: copied code."
        ana = gb.find_student("ana")
        assert (ana.first_name, ana.last_name, ana.email, ana.lms_user_id) == (
            "Ana", "Lima", "ana@example.org", "lms-17")
        assert gb.find_assignment(GD).duedate == datetime(2026, 11, 21, 0, 0)
        assert gb.find_assignment(CMP).duedate == datetime(2026, 11, 19, 0, 0)
        # Ben's written answer was never graded by hand: it still waits for one.
        assert gb.find_grade(WRITTEN, CMP, CMP, "ben").needs_manual_grade is True
        assert sorted((s.student.id, s.assignment.name) for a in gb.assignments
                      for s in a.submissions) == [("ana", GD), ("ana", CMP), ("ben", GD),
                                                  ("ben", CMP), ("cid", GD)]


@pytest.fixture(scope="module")
def regraded(course):
    """The course after one plain regrade following the instructor's entries: the feedback,
    the exports and the gradebook's backups then hold them."""
    result = run_grade(course["course"])
    assert result.returncode == 0, result.stdout + result.stderr
    return dict(course, result=result)


def test_plain_regrade_keeps_every_entry_and_exports_them(regraded):
    course, result = regraded, regraded["result"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert_entries_kept(course["course"])
    assert "Answers waiting for a hand grade: 1 " in result.stdout, result.stdout
    rows = {(r["student_id"], r["assignment"]): r for r in read_csv(course["course"] /
                                                                    "grades.csv")}
    assert float(rows[("ben", GD)]["raw_score"]) == 7.0
    assert float(rows[("ana", GD)]["raw_score"]) == 11.0  # 10 + 1 extra credit
    assert float(rows[("ana", CMP)]["raw_score"]) == 4.0
    assert rows[("ana", GD)]["email"] == "ana@example.org"
    assert rows[("ben", CMP)]["raw_score"] == rows[("ben", CMP)]["score"] == ""  # not 0
    wide = {r["student_id"]: r for r in read_csv(course["course"] / "grades-wide.csv")}
    assert wide["ben"][CMP] == ""  # waiting for a hand grade: blank, not 0
    assert wide["ben"]["total"] == ""
    assert wide["ben"][GD] == "7"
    assert wide["ana"][GD] == "11"


def page(course: Path, student: str, assignment: str) -> str:
    return (course / "feedback" / student / assignment / f"{assignment}.html").read_text(
        encoding="utf-8")


def assert_clean(html: str) -> None:
    assert "HIDDEN TESTS" not in html and "hidden=True" not in html
    assert "Traceback (most recent call last)" not in html
    assert "BEGIN SOLUTION" not in html or "update_parameters_with_gd" in html


def test_feedback_pages_show_hand_grades_and_comments(regraded):
    course = regraded
    c = course["course"]
    ana = page(c, "ana", CMP)
    assert "Score: 4.0 / 5.0" in ana and "Good evidence; say more." in ana
    ben = page(c, "ben", GD)
    assert "Score: 7.0 / 10.0" in ben and "Minus 3: copied code." in ben
    assert "CheckFailed" in ben  # the trusted verdict, not the kernel's traceback
    for student, assignment in (("ana", GD), ("ana", CMP), ("ben", GD), ("ben", CMP)):
        html = page(c, student, assignment)
        assert_clean(html)
        assert 'src="figures/' not in html  # figures inlined
        assert "white-space: pre-wrap" in html
    assert "data:image/png;base64," in page(c, "ana", GD)


def test_unreadable_submission_is_told_exactly_that(course):
    html = page(course["course"], "cid", GD)
    assert "Your notebook could not be read: invalid JSON" in html
    assert "the function was not found in your notebook" not in html


def test_nbgrader_generate_feedback_cli_leaks_nothing(course):
    c = course["course"]
    raw = (c / "autograded" / "ben" / GD / f"{GD}.ipynb").read_text(encoding="utf-8")
    assert "HIDDEN TESTS" in raw and "Traceback" in raw  # what the page must not show
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.dirname(PY), env.get("PATH", "")])
    for assignment in (GD, CMP):
        result = subprocess.run([PY, "-m", "nbgrader", "generate_feedback", assignment,
                                 "--force"], cwd=c, env=env, capture_output=True, text=True,
                                timeout=600)
        assert result.returncode == 0, result.stdout + result.stderr
    for student, assignment in (("ana", GD), ("ana", CMP), ("ben", GD), ("ben", CMP)):
        assert_clean(page(c, student, assignment))
    assert "Score: 7.0 / 10.0" in page(c, "ben", GD)
    assert "Minus 3: copied code." in page(c, "ben", GD)
    assert "Score: 4.0 / 5.0" in page(c, "ana", CMP)
    assert "Your notebook could not be read" in page(c, "cid", GD)


def test_release_feedback_works_without_timestamps(course):
    c = course["course"]
    exchange = course["root"] / "exchange"
    exchange.mkdir(exist_ok=True)
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.dirname(PY), env.get("PATH", "")])
    result = subprocess.run([PY, "-m", "nbgrader", "release_feedback", GD,
                             f"--Exchange.root={exchange}"], cwd=c, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    released = list((exchange / COURSE_ID / "feedback").glob("*.html"))
    assert len(released) == 3, result.stdout + result.stderr  # ana, ben and cid


def test_late_penalty_applies_to_the_late_assignment_only(regraded):
    course = regraded
    rows = {(r["student_id"], r["assignment"]): r for r in read_csv(course["course"] /
                                                                    "grades.csv")}
    # 07 was due on 19 November, handed in on the 20th: "zero" takes the whole score.
    assert float(rows[("ana", CMP)]["late_submission_penalty"]) == 4.0
    assert float(rows[("ana", CMP)]["score"]) == 0.0
    assert float(rows[("ana", GD)]["late_submission_penalty"]) == 0.0
    assert float(rows[("ana", GD)]["score"]) == 11.0
    wide = {r["student_id"]: r for r in read_csv(course["course"] / "grades-wide.csv")}
    assert wide["ana"][CMP] == "0" and wide["ana"]["total"] == "11"


def test_gradebook_is_backed_up_before_each_write(regraded):
    course = regraded
    backups = sorted((course["course"] / "gradebook-backups").glob("gradebook-*.db"))
    assert 1 <= len(backups) <= 5
    assert (course["course"] / "gradebook.db.bak").is_file()
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{backups[-1]}", COURSE_ID) as gb:
        assert gb.find_grade(WRITTEN, CMP, CMP, "ana").manual_score == 4.0


def test_resubmission_keeps_the_hand_grade_but_marks_it_for_review(course):
    students.write(course["course"], "ana", CMP,
                   answer(course["release"], "On second thought: momentum, because ..."))
    result = run_grade(course["course"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert_entries_kept(course["course"], review=True)
    assert "marked for review (1): ana/07_comparison written_answer_choice" in result.stdout
    assert "Answers waiting for a hand grade: 2 " in result.stdout
    wide = {r["student_id"]: r for r in read_csv(course["course"] / "grades-wide.csv")}
    assert wide["ana"][CMP] == ""
    # A plain regrade after that keeps the mark until a grader clears it.
    result = run_grade(course["course"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert_entries_kept(course["course"], review=True)
    with gradebook(course["course"]) as gb:
        gb.find_grade(WRITTEN, CMP, CMP, "ana").needs_manual_grade = False
        gb.db.commit()


def test_fresh_on_one_assignment_touches_nothing_else(course):
    records = course["course"] / ".grading" / "records"
    before = (records / "ana" / GD / "record.json").read_text(encoding="utf-8")
    result = run_grade(course["course"], "--fresh", "--assignments", CMP)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 graded now" in result.stdout, result.stdout
    assert (records / "ana" / GD / "record.json").read_text(encoding="utf-8") == before
    assert_entries_kept(course["course"])
    rows = read_csv(course["course"] / "grades.csv")
    assert {(r["student_id"], r["assignment"]) for r in rows if r["timestamp"]} == {
        (s, a) for s in ("ana", "ben") for a in (GD, CMP)}


def test_a_run_that_would_drop_a_submission_refuses_and_writes_nothing(course):
    course_dir = course["course"]
    moved = course["root"] / "ben-gd"
    shutil.move(course_dir / "submitted" / "ben" / GD, moved)
    db_before = (course_dir / "gradebook.db").read_bytes()
    csv_before = (course_dir / "grades.csv").read_bytes()
    try:
        result = run_grade(course_dir, "--assignments", CMP)
        assert result.returncode == 3, result.stdout + result.stderr
        assert "REFUSED, nothing written" in result.stderr
        assert "ben/01_gradient_descent" in result.stderr
        assert (course_dir / "gradebook.db").read_bytes() == db_before
        assert (course_dir / "grades.csv").read_bytes() == csv_before
    finally:
        shutil.move(moved, course_dir / "submitted" / "ben" / GD)
    result = run_grade(course_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert_entries_kept(course_dir)


# ---------------------------------------------------------------------------------------------
# The student's `make lab` shows no instructor menus; `make formgrader` does.


def _serve(env_extra: dict, folder: Path):
    import re
    import socket
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, **env_extra)
    proc = subprocess.Popen([os.path.join(os.path.dirname(PY), "jupyter"), "lab",
                             "--no-browser", f"--port={port}", "--ip=127.0.0.1",
                             "--ServerApp.token=t0k", f"--ServerApp.root_dir={folder}",
                             "--allow-root"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)

    def get(path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}?token=t0k",
                                        timeout=30) as r:
                return r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, ""

    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            if get("/api/status")[0] == 200:
                break
        except OSError:
            time.sleep(1)
    status, html = get("/lab")
    match = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                      html, re.DOTALL)
    page = json.loads(match.group(1)) if match else {}
    formgrader = get("/formgrader")[0]
    proc.terminate()
    proc.wait(timeout=30)
    return page, formgrader


INSTRUCTOR_PLUGINS = {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                      "@jupyter/nbgrader:menu"}


def test_make_lab_hides_instructor_extensions(tmp_path):
    makefile = (REPO_DIR / "Makefile").read_text(encoding="utf-8")
    assert "STUDENT_LAB := JUPYTER_CONFIG_PATH=$(CURDIR)/config/student-lab" in makefile
    assert "\t$(STUDENT_LAB) $(JUPYTER) lab" in makefile
    student_page, student_formgrader = _serve(
        {"JUPYTER_CONFIG_PATH": str(REPO_DIR / "config" / "student-lab")}, tmp_path)
    disabled = set(student_page.get("disabledExtensions", []))
    assert INSTRUCTOR_PLUGINS <= disabled, student_page.get("disabledExtensions")
    assert student_formgrader == 404
    # The same server without that config dir (what `make formgrader` runs) has them.
    page, formgrader = _serve({}, tmp_path)
    assert not INSTRUCTOR_PLUGINS & set(page.get("disabledExtensions", []))
    assert formgrader in (200, 302)
