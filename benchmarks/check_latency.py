"""How long ``python -m autograder check`` takes on each student notebook.

For every notebook of ``notebooks/`` that has graded functions, two copies are made in a
temporary folder: one filled with correct answers (the masters' own solution cells) and one
filled with wrong answers (learner-style mistakes from ``tests/fixtures/checks/wrong_answers.py``,
so the diagnosis runs too). Each is checked ``--repeat`` times as a learner would run it (a new
``python -m autograder check NOTEBOOK --json`` process, interpreter start-up included), and the
median, minimum and maximum wall times are printed. The judging itself (references and mistake
family from the masters, the learner's code in its child processes, the diagnosis) is also timed
inside one warm process (``grade_notebooks``, what the grader calls), without the interpreter's
start-up and imports: goal under 0.5 s per notebook (issue 10).

    python benchmarks/check_latency.py            # a table
    python benchmarks/check_latency.py --json     # a JSON list, one object per notebook and variant
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder.publish.masters import assignments, master, nbgrader_meta  # noqa: E402


def wrong_sources() -> dict[str, str]:
    """One learner-style wrong answer per graded function (the first named one listed)."""
    path = REPO / "tests" / "fixtures" / "checks" / "wrong_answers.py"
    spec = importlib.util.spec_from_file_location("wrong_answers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out: dict[str, str] = {}
    for name, mistake, _text, source in module.WRONG:
        if mistake is not None:
            out.setdefault(name, source)
    return out


def filled(notebook: dict, assignment: str, overrides: dict[str, str]) -> dict:
    nb = copy.deepcopy(notebook)
    m = master(assignment)
    for cell in nb["cells"]:
        meta = nbgrader_meta(cell)
        gid = meta.get("grade_id")
        if cell.get("cell_type") == "code" and meta.get("solution") and gid in m.solutions:
            cell["source"] = overrides.get(gid, m.solutions[gid])
    return nb


def time_check(path: Path, repeat: int) -> tuple[list[float], dict]:
    times, data = [], {}
    for _ in range(repeat):
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "autograder", "check", str(path),
                                 "--json"], capture_output=True, text=True, cwd=REPO)
        times.append(time.perf_counter() - start)
        data = json.loads(result.stdout) if result.stdout.strip() else {}
    return times, data


def time_in_process(path: Path, repeat: int) -> list[float]:
    """Wall times of the judging alone, in this (warm) process."""
    import contextlib
    import io

    from autograder.localcheck.command import grade_notebooks
    from autograder.localcheck.isolation import Limits, default_jobs
    limits = Limits.from_env()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            grade_notebooks([path], limits, default_jobs())
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print a JSON list")
    parser.add_argument("--repeat", type=int, default=5, help="runs per notebook (default 5)")
    parser.add_argument("--notebooks", type=Path, default=REPO / "notebooks")
    args = parser.parse_args(argv)
    wrong = wrong_sources()
    rows = []
    with tempfile.TemporaryDirectory(prefix="check-latency-") as tmp:
        for assignment in assignments():
            student = args.notebooks / f"{assignment}.ipynb"
            m = master(assignment)
            if not student.is_file() or not m.functions:
                continue
            nb = json.loads(student.read_text(encoding="utf-8"))
            for variant, overrides in (("correct", {}), ("wrong", wrong)):
                folder = Path(tmp) / variant
                folder.mkdir(exist_ok=True)
                path = folder / f"{assignment}.ipynb"
                path.write_text(json.dumps(filled(nb, assignment, overrides)), encoding="utf-8")
                times, data = time_check(path, args.repeat)
                judged = time_in_process(path, args.repeat)
                rows.append({"judging_median_seconds": round(statistics.median(judged), 3),
                             "notebook": f"{assignment}.ipynb", "variant": variant,
                             "functions": len(m.functions),
                             "median_seconds": round(statistics.median(times), 3),
                             "min_seconds": round(min(times), 3),
                             "max_seconds": round(max(times), 3), "runs": len(times),
                             "score": data.get("score"), "max_score": data.get("max_score")})
    if args.json:
        print(json.dumps(rows))
        return 0
    print(f"{'notebook':28s} {'answers':8s} {'median s':>9s} {'min s':>7s} {'max s':>7s} "
          f"{'score':>8s} {'judging s':>10s}")
    for r in rows:
        score = f"{r['score']:g}/{r['max_score']:g}" if r["score"] is not None else "?"
        print(f"{r['notebook']:28s} {r['variant']:8s} {r['median_seconds']:9.3f} "
              f"{r['min_seconds']:7.3f} {r['max_seconds']:7.3f} {score:>8s} "
              f"{r['judging_median_seconds']:10.3f}")
    for variant in ("correct", "wrong"):
        medians = [r["median_seconds"] for r in rows if r["variant"] == variant]
        if medians:
            judged = [r["judging_median_seconds"] for r in rows if r["variant"] == variant]
            print(f"median over notebooks, {variant} answers: {statistics.median(medians):.3f} s "
                  f"(slowest {max(medians):.3f} s); judging alone {statistics.median(judged):.3f}"
                  f" s (slowest {max(judged):.3f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
