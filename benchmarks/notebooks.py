"""Run every instructor master headless, top to bottom, and print its time and peak memory.

    python benchmarks/notebooks.py [--grading] [--json] [NAMES...]

Each master runs in its own process (nbclient with the ``python3`` kernel of this
environment); the peak memory is the kernel's maximum resident set size. ``--grading`` sets
``NBGRADER_EXECUTION=autograde`` as nbgrader does, so the experiments shrink. Goals (issue 3):
under 60 s and 1 GiB per master, under 4 minutes for the whole course, on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograder import assignments, master_path  # noqa: E402

GOAL_SECONDS, GOAL_MIB, GOAL_TOTAL_SECONDS = 60, 1024, 240

RUN_ONE = r"""
import json, resource, sys, time
import nbformat
from autograder.grading.channels import notebook_client
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
start = time.perf_counter()
notebook_client(nb, timeout=600, kernel_name="python3",
                resources={"metadata": {"path": str(__import__("pathlib").Path(path).parent)}}
                ).execute()
seconds = time.perf_counter() - start
errors = sum(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "kernel_peak_mib": peak_kib / 1024, "errors": errors}))
"""


def run(name: str, grading: bool) -> dict:
    env = dict(os.environ)
    env.pop("NBGRADER_EXECUTION", None)
    if grading:
        env["NBGRADER_EXECUTION"] = "autograde"
    env["OPTIM_COURSE_QUIET"] = "1"
    result = subprocess.run([sys.executable, "-c", RUN_ONE, str(master_path(name))],
                            capture_output=True, text=True, env=env)
    if result.returncode != 0:
        return {"name": name, "error": result.stderr.strip().splitlines()[-1:]}
    return {"name": name, **json.loads(result.stdout.strip().splitlines()[-1])}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="only these assignments")
    parser.add_argument("--grading", action="store_true", help="as under nbgrader autograde")
    parser.add_argument("--json", action="store_true", help="print a JSON list")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    results = [run(name, args.grading) for name in (args.names or assignments())]
    load_after = os.getloadavg()
    if args.json:
        print(json.dumps({"load_average_before": load_before, "load_average_after": load_after,
                          "cores": os.cpu_count(), "results": results}, indent=2))
        return 0
    print(table(results, args.grading, load_before, load_after))
    return 0


def table(results: list[dict], grading: bool, load_before, load_after) -> str:
    """The report: one row per master (seconds, kernel peak memory, errors, within the goals),
    the total, and the machine's load, so that a timing taken under load says so."""
    mode = "grading mode (NBGRADER_EXECUTION set)" if grading else "full run"
    lines = [f"masters run headless one at a time, {mode}, {os.cpu_count()} cores",
             f"load average (1 min) {load_before[0]:.1f} before, {load_after[0]:.1f} after"
             + (": the machine was busy, so these times are upper bounds"
                if max(load_before[0], load_after[0]) > (os.cpu_count() or 1) else ""),
             f"{'notebook':26s} {'seconds':>8s} {'kernel MiB':>11s} {'errors':>7s}  goals "
             f"(< {GOAL_SECONDS} s, < {GOAL_MIB} MiB)"]
    for r in results:
        if "error" in r:
            lines.append(f"{r['name']:26s} failed: {r['error']}")
            continue
        ok = r["seconds"] < GOAL_SECONDS and r["kernel_peak_mib"] < GOAL_MIB and not r["errors"]
        lines.append(f"{r['name']:26s} {r['seconds']:8.1f} {r['kernel_peak_mib']:11.0f} "
                     f"{r['errors']:7d}  {'met' if ok else 'NOT met'}")
    total = sum(r.get("seconds", 0) for r in results)
    lines.append(f"{'total':26s} {total:8.1f}{'':21s}  "
                 f"{'met' if total < GOAL_TOTAL_SECONDS else 'NOT met'} (< {GOAL_TOTAL_SECONDS} s)")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
