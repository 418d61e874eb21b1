"""Read the instructor masters: their setup cells, solution cells and points.

The masters (``autograder/source/<assignment>/<assignment>.ipynb``) are the single source of
truth for the reference solutions; everything that needs a reference rule (the checks, the
benchmarks, the tests) loads it from here instead of keeping a copy.
"""

from __future__ import annotations

import json
from functools import cache

from autograder import assignments, master_path


@cache
def load_master(assignment: str) -> dict:
    """The master notebook of ``assignment`` as a JSON dict (cached)."""
    return json.loads(master_path(assignment).read_text(encoding="utf-8"))


def nbgrader_meta(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def source(cell: dict) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def setup_source(assignment: str) -> str:
    """The trusted setup code of ``assignment``: its code cells tagged ``setup``, joined."""
    cells = load_master(assignment)["cells"]
    return "\n\n".join(source(c) for c in cells if c["cell_type"] == "code"
                       and "setup" in c.get("metadata", {}).get("tags", []))


def graded_functions(assignment: str) -> list[tuple[str, float]]:
    """``[(function name, points), ...]`` in notebook order, from the master's graded cells."""
    cells = load_master(assignment)["cells"]
    points = {nbgrader_meta(c).get("grade_id"): float(nbgrader_meta(c).get("points", 0))
              for c in cells if nbgrader_meta(c).get("grade")}
    return [(nbgrader_meta(c)["grade_id"], points.get(f"test_{nbgrader_meta(c)['grade_id']}", 0.0))
            for c in cells
            if c["cell_type"] == "code" and nbgrader_meta(c).get("solution")
            and f"test_{nbgrader_meta(c).get('grade_id')}" in points]


def assignment_of(function: str) -> str:
    """The assignment whose master defines the graded ``function``."""
    for assignment in assignments():
        if any(name == function for name, _ in graded_functions(assignment)):
            return assignment
    raise LookupError(f"no master defines a graded function {function!r}")


def solution_source(function: str) -> str:
    """The master's solution cell of ``function`` (with its solution markers)."""
    for cell in load_master(assignment_of(function))["cells"]:
        if nbgrader_meta(cell).get("grade_id") == function:
            return source(cell)
    raise LookupError(function)


def load_functions(*functions: str) -> dict:
    """``{name: function}``: each master solution cell executed in its own namespace.

    By the course's convention a solution cell needs nothing but ``numpy`` imported as ``np``
    (and its own code), so only that import precedes it. Trusted code only: this executes the
    instructor's masters in the calling process.
    """
    loaded = {}
    for function in functions:
        namespace: dict = {"__name__": f"master_{function}"}
        exec("import numpy as np", namespace)
        exec(compile(solution_source(function), f"<master {function}>", "exec"), namespace)
        loaded[function] = namespace[function]
    return loaded
