"""The JupyterHub cycle on one machine, with nbgrader's exchange in a temporary folder.

Instructor: generate_assignment, release_assignment; student: fetch_assignment, fills in the
notebook, submit; instructor: collect, ``python -m autograder grade``, release_feedback; student:
fetch_feedback. nbgrader's exchange knows students by their login, so here the student is the
user running the test.
"""

from __future__ import annotations

import csv
import getpass
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import REPO_DIR, SOURCE_DIR
from autograder.publish.masters import solution_source

pytestmark = pytest.mark.slow

PY = sys.executable
ASSIGNMENT = "01_gradient_descent"


def nbgrader(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.dirname(PY), env.get("PATH", "")])
    result = subprocess.run([PY, "-m", "nbgrader", *args], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"nbgrader {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def config(folder: Path, exchange: Path, course_root: Path | None = None) -> None:
    lines = ["c = get_config()", f"c.Exchange.root = {str(exchange)!r}",
             "c.CourseDirectory.course_id = 'optim-course'"]
    if course_root:
        lines += [f"c.CourseDirectory.root = {str(course_root)!r}",
                  f"c.CourseDirectory.db_url = 'sqlite:///{course_root / 'gradebook.db'}'"]
    (folder / "nbgrader_config.py").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_release_fetch_submit_collect_grade_release_feedback(tmp_path):
    exchange, course, home = tmp_path / "exchange", tmp_path / "course", tmp_path / "student"
    for folder in (exchange, course, home):
        folder.mkdir()
    os.chmod(exchange, 0o777)
    config(course, exchange, course)
    config(home, exchange)
    shutil.copytree(SOURCE_DIR / ASSIGNMENT, course / "source" / ASSIGNMENT)

    # Instructor releases.
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    nbgrader(course, "release_assignment", ASSIGNMENT, "--force")
    # Student fetches, answers, submits.
    nbgrader(home, "fetch_assignment", ASSIGNMENT)
    notebook = home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution") and cell["cell_type"] == "code":
            cell["source"] = solution_source(meta["grade_id"])
    notebook.write_text(json.dumps(nb), encoding="utf-8")
    nbgrader(home, "submit", ASSIGNMENT)
    # Instructor collects and grades with the course's pipeline.
    nbgrader(course, "collect", ASSIGNMENT)
    student = getpass.getuser()
    assert (course / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
    result = subprocess.run([PY, "-m", "autograder", "grade", "--course", str(course),
                             "--assignments", ASSIGNMENT, "--quiet"], cwd=REPO_DIR,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(handle)}
    assert float(rows[(student, ASSIGNMENT)]["score"]) == 10.0
    # Feedback goes back through the exchange.
    nbgrader(course, "release_feedback", ASSIGNMENT)
    nbgrader(home, "fetch_feedback", ASSIGNMENT)
    pages = list((home / ASSIGNMENT / "feedback").glob(f"*/{ASSIGNMENT}.html"))
    assert len(pages) == 1
    html = pages[0].read_text(encoding="utf-8")
    assert "HIDDEN TESTS" not in html and "all checks passed" in html
