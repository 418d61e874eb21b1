"""How long ``python -m autograder check`` takes on each student notebook.

For every notebook of ``notebooks/`` that has graded functions, two copies are made in a
temporary folder: one filled with correct answers (the masters' own solution cells) and one
filled with wrong answers, so the diagnosis runs too: for each function the first named mistake
of ``tests/fixtures/checks/wrong_answers.py``, else (notebook 08's functions) the first variant
of the learners' catalogue (``tests/fixtures/learners/``) labelled with a mistake id. Each copy
is checked ``--repeat`` times as a learner would run it (a new ``python -m autograder check
NOTEBOOK --json`` process, interpreter start-up included): the median, minimum and maximum wall
times are printed, and the median CPU time of the whole process tree (the command, the
children's zygote and every child: user + system). The judging itself (references of the
visible and hidden cases computed from the masters, the family's precomputed data read from
``autograder/checks/expected/``, the learner's code in its child processes, the diagnosis) is
also timed inside one warm process (``grade_notebooks``, what the grader calls), without the
interpreter's start-up and imports. Goal (issue 10): a wrong answer's check under 0.5 s per
notebook, a correct one no slower.

    python benchmarks/check_latency.py            # a table
    python benchmarks/check_latency.py --json     # a JSON list, one object per notebook and variant
    python benchmarks/check_latency.py --only 05_adam 08_beyond_adam --repeat 9

Measured 2026-12-03 on 2 cores shared with other sessions (load average 1.7 to 2.3, so under
load), ``--only 05_adam 08_beyond_adam --repeat 5``, five rounds interleaved with the engine
before the zygote and the record-by-record data (commit ed06122); median of the rounds'
medians, command wall / process tree CPU, in seconds:

    notebook  answers   before        after
    05        wrong     0.671 / 0.91  0.413 / 0.57
    05        correct   0.452 / 0.70  0.373 / 0.52
    08        wrong     0.743 / 0.99  0.421 / 0.59
    08        correct   0.591 / 0.85  0.392 / 0.57

Again after merging main (against main at d1a78e3, four rounds of five, load average 7.4 to
9.0, so heavily loaded): wrong 05 1.932 / 0.81 -> 0.979 / 0.45, correct 05 1.260 / 0.57 ->
1.083 / 0.51, wrong 08 2.122 / 0.96 -> 0.992 / 0.51, correct 08 1.831 / 0.85 -> 1.045 / 0.48.

The same comparison over every notebook (three rounds of three, load 3.0 to 3.8): faster in
wall time everywhere but two rows within the noise (02 wrong 0.526 -> 0.532 s, 05 correct
0.562 -> 0.589 s in that run); the one-function notebooks (01, 02) use up to 0.025 s more CPU
(the zygote and its fork cost a little more than the one child they replace), the others less.

Measured 2026-12-04 (branch latency), before = 4ede5ce as this machine ran it (it sets
PYTHONDONTWRITEBYTECODE, so only the children's modules had bytecode caches: the command
compiled its own ~30 modules on every check), after = with the caches ``make`` now writes, the
check ending without the interpreter's finalization, one BLAS thread in the check's process,
no concurrent.futures (logging) and a sweep after each child that reads only our children's
list. Interleaved rounds of ``--only 05_adam 08_beyond_adam --repeat 5``, median of the
rounds' medians, command wall / process tree CPU, in seconds:

    notebook  answers  load 2.3-2.8 (4 rounds)        load 5.1-6.3 (6 rounds)
                       before        after            before        after
    05        wrong    0.315 / 0.35  0.188 / 0.24     0.542 / 0.35  0.390 / 0.25
    05        correct  0.261 / 0.34  0.150 / 0.23     0.521 / 0.33  0.373 / 0.24
    08        wrong    0.248 / 0.37  0.202 / 0.26     0.653 / 0.37  0.398 / 0.26
    08        correct  0.308 / 0.35  0.157 / 0.24     0.577 / 0.35  0.400 / 0.26

Under load 6.6 to 10 (five rounds, four variants), the two halves alone: the code changes
without bytecode caches 0.509 / 0.30 (wrong 05) and 0.496 / 0.31 (wrong 08), the caches
without the code changes 0.508 / 0.31 and 0.506 / 0.33, both 0.345 / 0.25 and 0.436 / 0.27,
against 0.596 / 0.35 and 0.581 / 0.38 before.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder.publish.masters import assignments, master, nbgrader_meta  # noqa: E402


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module   # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def wrong_sources() -> dict[str, str]:
    """One learner-style wrong answer per graded function: the first named one of the checks'
    fixtures, else the catalogue's first variant labelled with an id."""
    module = _load(REPO / "tests" / "fixtures" / "checks" / "wrong_answers.py", "wrong_answers")
    out: dict[str, str] = {}
    for name, mistake, _text, source in module.WRONG:
        if mistake is not None:
            out.setdefault(name, source)
    catalogue = _load(REPO / "benchmarks" / "diagnosis.py", "diagnosis_benchmark")
    for v in catalogue.load_catalogue():
        if v.label not in ("correct", "caught"):
            out.setdefault(v.function, v.source)
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


def bytecode_cached() -> bool:
    """Whether every module of the check (``autograder/``) has a current bytecode cache, as a
    learner's Python keeps it after the first check (and ``make`` writes at install). Where
    ``PYTHONDONTWRITEBYTECODE`` is set, Python never writes one: without the caches each check
    compiles the command's modules again (some 35 ms of CPU), so the figures say which case
    they measured."""
    import struct

    import autograder.localcheck.child  # noqa: F401 - what the check and its children import
    import autograder.localcheck.command  # noqa: F401
    for module in list(sys.modules.values()):
        source = Path(getattr(module, "__file__", None) or "/")
        if source.suffix != ".py" or (REPO / "autograder") not in source.parents:
            continue
        try:
            header = Path(importlib.util.cache_from_source(str(source))).read_bytes()[:16]
            stat = source.stat()
        except OSError:
            return False
        flags, mtime, size = struct.unpack("<III", header[4:16])
        if flags != 0 or mtime != int(stat.st_mtime) & 0xFFFFFFFF or \
                size != stat.st_size & 0xFFFFFFFF:
            return False
    return True


def _tree_cpu() -> float:
    """CPU seconds (user + system) of every waited-for descendant so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_check(path: Path, repeat: int) -> tuple[list[float], list[float], dict]:
    """Wall and CPU times of ``repeat`` checks of ``path`` (new processes), and the last JSON."""
    times, cpu, data = [], [], {}
    for _ in range(repeat):
        before = _tree_cpu()
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "autograder", "check", str(path),
                                 "--json"], capture_output=True, text=True, cwd=REPO)
        times.append(time.perf_counter() - start)
        cpu.append(_tree_cpu() - before)
        data = json.loads(result.stdout) if result.stdout.strip() else {}
    return times, cpu, data


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
    parser.add_argument("--only", nargs="+", metavar="ASSIGNMENT", default=None,
                        help="only these assignments (e.g. 05_adam 08_beyond_adam)")
    args = parser.parse_args(argv)
    cached = bytecode_cached()
    wrong = wrong_sources()
    rows = []
    with tempfile.TemporaryDirectory(prefix="check-latency-") as tmp:
        for assignment in assignments():
            student = args.notebooks / f"{assignment}.ipynb"
            m = master(assignment)
            if not student.is_file() or not m.functions or \
                    (args.only and assignment not in args.only):
                continue
            nb = json.loads(student.read_text(encoding="utf-8"))
            for variant, overrides in (("correct", {}), ("wrong", wrong)):
                folder = Path(tmp) / variant
                folder.mkdir(exist_ok=True)
                path = folder / f"{assignment}.ipynb"
                path.write_text(json.dumps(filled(nb, assignment, overrides)), encoding="utf-8")
                times, cpu, data = time_check(path, args.repeat)
                judged = time_in_process(path, args.repeat)
                rows.append({"judging_median_seconds": round(statistics.median(judged), 3),
                             "notebook": f"{assignment}.ipynb", "variant": variant,
                             "functions": len(m.functions),
                             "median_seconds": round(statistics.median(times), 3),
                             "min_seconds": round(min(times), 3),
                             "max_seconds": round(max(times), 3), "runs": len(times),
                             "cpu_median_seconds": round(statistics.median(cpu), 3),
                             "bytecode_cached": cached,
                             "score": data.get("score"), "max_score": data.get("max_score")})
    if args.json:
        print(json.dumps(rows))
        return 0
    print("the check's modules " + ("have current bytecode caches" if cached else
                                    "have no current bytecode caches: each check compiles "
                                    "them (`make .venv/.installed` writes them)"))
    print(f"{'notebook':28s} {'answers':8s} {'median s':>9s} {'min s':>7s} {'max s':>7s} "
          f"{'cpu s':>7s} {'score':>8s} {'judging s':>10s}")
    for r in rows:
        score = f"{r['score']:g}/{r['max_score']:g}" if r["score"] is not None else "?"
        print(f"{r['notebook']:28s} {r['variant']:8s} {r['median_seconds']:9.3f} "
              f"{r['min_seconds']:7.3f} {r['max_seconds']:7.3f} {r['cpu_median_seconds']:7.3f} "
              f"{score:>8s} {r['judging_median_seconds']:10.3f}")
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
