"""When the grader itself fails: a kernel that cannot start, a submission that stalls a shard.

Both run ``python -m autograder grade`` for real on a small course in a temporary folder.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import NOTEBOOKS_DIR, REPO_DIR
from autograder.publish.masters import solution_source

pytestmark = pytest.mark.slow

PY = sys.executable
ASSIGNMENT = "01_gradient_descent"


def submit(course: Path, student: str, extra_cells: list[str] = ()) -> None:
    """The released notebook with the master's solutions, plus ``extra_cells`` at the end."""
    nb = json.loads((NOTEBOOKS_DIR / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution") and cell["cell_type"] == "code":
            cell["source"] = solution_source(meta["grade_id"])
    nb["cells"] += [{"cell_type": "code", "metadata": {}, "outputs": [],
                     "execution_count": None, "source": source} for source in extra_cells]
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(nb), encoding="utf-8")


def grade(course: Path, *extra: str, env_extra: dict[str, str] | None = None
          ) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.dirname(PY), env.get("PATH", "")])
    env.update(env_extra or {})
    return subprocess.run([PY, "-m", "autograder", "grade", "--course", str(course),
                           "--assignments", ASSIGNMENT, "--quiet", "--jobs", "1", *extra],
                          capture_output=True, text=True, cwd=REPO_DIR, env=env, timeout=600)


def scores(course: Path) -> dict[str, float]:
    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)
                if row["assignment"] == ASSIGNMENT}


def test_a_kernel_that_cannot_start_stops_the_run_and_blames_no_student(tmp_path,
                                                                      grading_template):
    course = grading_template(tmp_path / "course")
    submit(course, "alice")
    # 20 MiB of address space: no Python kernel can start under it (it dies before answering).
    # The preflight waits up to 60 s for a kernel by default; 5 s
    # (OPTIM_GRADER_KERNEL_START_TIMEOUT) bound this run even if the kernel hung instead.
    result = grade(course, "--memory", "20MiB",
                   env_extra={"OPTIM_GRADER_KERNEL_START_TIMEOUT": "5"})
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Grading stopped, nothing was scored: the grading kernel cannot start" in result.stderr
    assert not (course / "grades.csv").exists()
    assert not list((course / ".grading").glob("records/*/*/record.json"))
    assert not list((course / ".grading").glob("attempts/*/*.json"))
    # The same for the check: started from scratch, its children cannot start Python in 5 MiB,
    # so it fails the master's own solutions, and that stops the run too.
    result = grade(course, env_extra={"AUTOGRADER_MEMORY_MB": "5", "OPTIM_GRADER_NO_ZYGOTE": "1"})
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Grading stopped, nothing was scored: the check fails the master" in result.stderr
    assert not (course / "grades.csv").exists()
    # Fixed, the same command grades the class as if nothing had happened.
    again = grade(course)
    assert again.returncode == 0, again.stdout + again.stderr
    assert scores(course) == {"alice": 10.0}
    # A graded submission leaves no attempt behind: regrading it from scratch, again and again,
    # never counts as the grader failing on it.
    assert not list((course / ".grading").glob("attempts/*/*.json"))
    for _ in range(3):
        fresh = grade(course, "--fresh")
        assert fresh.returncode == 0, fresh.stdout + fresh.stderr
        assert "(1 graded now" in fresh.stdout
    assert scores(course) == {"alice": 10.0}


def test_a_submission_that_stalls_the_grader_costs_no_one_else(tmp_path, grading_template):
    course = grading_template(tmp_path / "course")
    submit(course, "alice")
    # Thirty-odd seconds of legitimate cells; a 12-second watchdog stands in for a grader fault.
    submit(course, "bob", ["import time\ntime.sleep(4)"] * 8)
    submit(course, "carol")
    result = grade(course, "--cell-timeout", "5",
                   env_extra={"OPTIM_GRADER_SUBMISSION_DEADLINE": "12"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert scores(course) == {"alice": 10.0, "bob": 0.0, "carol": 10.0}
    assert "bob/01_gradient_descent: this submission stopped the grader twice" in result.stdout
    logs = "".join(p.read_text() for p in (course / ".grading" / "progress").glob("*.err"))
    assert logs.count("Timeout (0:00:12)!") == 2, logs
    # The killed shards' socket folders were swept by the next shard.
    for folder in Path("/tmp").glob("og-*-*"):
        pid = int(folder.name.split("-")[1])
        assert Path(f"/proc/{pid}").exists(), f"{folder} outlived its shard"
