"""How long ``make grade`` takes on a synthetic class, next to plain sequential nbgrader.

    python benchmarks/grading.py [--students 200] [--jobs 2] [--assignments A ...] [--sample 6]
                                 [--json] [--keep DIR]

Synthesises a class from the released notebooks and the masters' solution cells, with a
realistic mix (per submission: 60% correct, 20% one graded function wrong or not attempted,
8% hostile: an extra cell that replaces the checks, 12% broken: invalid JSON, a deleted
solution cell, nbformat 3, a wrong file name), runs ``python -m autograder grade`` on it
(sandboxed kernels, trusted checks, feedback, merge, export) and then plain
``nbgrader autograde --student S`` (the stock kernel, no isolation, no feedback) on a sample of the
same submissions, one after another. Prints total and per-submission seconds of both.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder import SOURCE_DIR, assignments  # noqa: E402
from autograder.publish.masters import solution_source  # noqa: E402

PY = sys.executable
HOSTILE = ("check = lambda *args, **kwargs: None\n"
           "import numpy as np\nnp.testing.assert_allclose = lambda *a, **k: None\n")


def env() -> dict[str, str]:
    out = dict(os.environ)
    out["PATH"] = os.pathsep.join([os.path.dirname(PY), out.get("PATH", "")])
    out["PYTHONPATH"] = str(REPO)
    return out


def meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def student_notebook(released: dict, rng: random.Random) -> tuple[str, str, str]:
    """``(kind, file name suffix, text)`` of one synthetic submission."""
    nb = copy.deepcopy(released)
    solutions = [c for c in nb["cells"] if meta(c).get("solution") and c["cell_type"] == "code"]
    for cell in solutions:
        cell["source"] = solution_source(meta(cell)["grade_id"])
    roll = rng.random()
    kind = "correct"
    if roll < 0.20 and solutions:
        kind = "mistake"
        victim = rng.choice(solutions)
        source = victim["source"]
        victim["source"] = (source.replace("- learning_rate", "+ learning_rate")
                            if "- learning_rate" in source and rng.random() < 0.5
                            else source.split("### BEGIN SOLUTION")[0]
                            + "raise NotImplementedError()\n")
    elif roll < 0.28 and solutions:
        kind = "hostile"
        index = nb["cells"].index(solutions[0])
        nb["cells"].insert(index + 1, {"cell_type": "code", "metadata": {}, "outputs": [],
                                       "execution_count": None, "source": HOSTILE})
    elif roll < 0.31:
        return "broken-json", "", '{"cells": [ not json'
    elif roll < 0.34 and solutions:
        kind = "deleted-cell"
        nb["cells"].remove(solutions[0])
    elif roll < 0.37:
        import nbformat
        old = nbformat.convert(nbformat.reads(json.dumps(nb), 4), 3)
        return "nbformat3", "", nbformat.writes(old, version=3)
    elif roll < 0.40:
        kind = "renamed"
        return kind, " (1)", json.dumps(nb)
    return kind, "", json.dumps(nb)


def synthesise(course: Path, release: Path, names: list[str], n: int, seed: int) -> dict:
    rng = random.Random(seed)
    released = {a: json.loads((release / f"{a}.ipynb").read_text()) for a in names}
    kinds: dict[str, int] = {}
    for i in range(n):
        student = f"s{i:04d}"
        for assignment in names:
            kind, suffix, text = student_notebook(released[assignment], rng)
            kinds[kind] = kinds.get(kind, 0) + 1
            folder = course / "submitted" / student / assignment
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{assignment}{suffix}.ipynb").write_text(text, encoding="utf-8")
    return kinds


def plain_nbgrader(root: Path, course: Path, sample: list[tuple[str, str]]) -> list[float]:
    """Stock ``nbgrader autograde`` (CLI, default kernel) on ``sample``, one at a time."""
    plain = root / "plain"
    shutil.copytree(SOURCE_DIR, plain / "source")
    common = [f"--CourseDirectory.root={plain}", "--CourseDirectory.course_id=optim-course",
              f"--CourseDirectory.db_url=sqlite:///{plain / 'gradebook.db'}",
              "--Execute.timeout=30", "--log-level=ERROR"]
    for assignment in sorted({a for _, a in sample}):
        subprocess.run([PY, "-m", "nbgrader", "generate_assignment", assignment, "--force",
                        *common], check=True, capture_output=True, env=env(), cwd=plain)
    seconds = []
    for student, assignment in sample:
        source = course / "submitted" / student / assignment
        target = plain / "submitted" / student / assignment
        shutil.copytree(source, target)
        started = time.perf_counter()
        subprocess.run([PY, "-m", "nbgrader", "autograde", assignment, "--student", student,
                        "--force", *common], capture_output=True, env=env(), cwd=plain)
        seconds.append(time.perf_counter() - started)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--assignments", nargs="+", default=None)
    parser.add_argument("--sample", type=int, default=6,
                        help="submissions graded by plain nbgrader for comparison")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", type=Path, help="build the class here and keep it")
    args = parser.parse_args(argv)
    names = args.assignments or assignments()

    root = args.keep or Path(tempfile.mkdtemp(prefix="optim-grading-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        release = root / "release"
        subprocess.run([PY, "-m", "autograder", "release", "--output", str(release), *names],
                       check=True, capture_output=True, env=env(), cwd=REPO)
        course = root / "course"
        if course.exists():
            shutil.rmtree(course)
        kinds = synthesise(course, release, names, args.students, args.seed)
        submissions = args.students * len(names)

        load_before = os.getloadavg()
        started = time.perf_counter()
        result = subprocess.run([PY, "-m", "autograder", "grade", "--course", str(course),
                                 "--jobs", str(args.jobs), "--quiet"],
                                capture_output=True, text=True, env=env(), cwd=REPO)
        total = time.perf_counter() - started
        load_after = os.getloadavg()
        if result.returncode != 0:
            print(result.stdout, result.stderr, file=sys.stderr)
            return 1
        records = list((course / ".grading" / "records").glob("*/*/record.json"))
        stages = [json.loads(p.read_text()) for p in records]
        kernel = sum(r.get("kernel_seconds", 0) for r in stages) / max(1, len(stages))
        per_worker = sum(r.get("seconds", 0) for r in stages) / max(1, len(stages))
        medians = {f"median_{key}": round(statistics.median(r.get(key, 0) for r in stages), 3)
                   for key in ("seconds", "check_seconds", "kernel_seconds", "feedback_seconds")
                   } if stages else {}

        rng = random.Random(args.seed + 1)
        pairs = [(f"s{i:04d}", a) for i in range(args.students) for a in names]
        sample = rng.sample(pairs, min(args.sample, len(pairs)))
        plain = plain_nbgrader(root, course, sample)
        plain_mean = sum(plain) / max(1, len(plain))
        report = {
            "students": args.students, "assignments": len(names), "submissions": submissions,
            "jobs": args.jobs, "cores": os.cpu_count(), "mix": kinds,
            # 1-minute load averages around the graded run: timings are only comparable at
            # the same load (the grader's own shards add about --jobs to it)
            "load_before": round(load_before[0], 2), "load_after": round(load_after[0], 2),
            "total_seconds": round(total, 1),
            "per_submission_seconds": round(total / submissions, 3),
            "per_submission_worker_seconds": round(per_worker, 3),
            "per_submission_kernel_seconds": round(kernel, 3),
            **medians,  # of one submission in its shard: whole, check, nbgrader autograde, feedback
            "plain_nbgrader_sample": len(plain),
            "plain_nbgrader_per_submission_seconds": round(plain_mean, 3),
            "plain_nbgrader_median_seconds": round(statistics.median(plain), 3) if plain else 0,
            "plain_nbgrader_projected_total_seconds": round(plain_mean * submissions, 1),
        }
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        width = max(len(k) for k in report)
        for key, value in report.items():
            print(f"{key:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
