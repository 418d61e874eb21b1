"""Load the instructor masters' solution functions, for tests that need the reference rules.

The solutions live only in ``autograder/source/*/*.ipynb``; tests execute the master's setup
cells and the solution cell of each requested function (found by its nbgrader ``grade_id``).
"""

from __future__ import annotations

import json

from autograder import SOURCE_DIR


def _cells():
    for path in sorted(SOURCE_DIR.glob("*/*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            yield path, cell


def solution_source(name: str) -> str:
    """Source of the master cell whose nbgrader grade_id is ``name``."""
    for _, cell in _cells():
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == name:
            return "".join(cell["source"])
    raise LookupError(f"no master cell has grade_id {name!r}")


def load_functions(*names: str) -> dict:
    """``{name: function}`` defined by executing each master solution cell after ``numpy``."""
    namespace: dict = {}
    exec("import math\nimport numpy as np", namespace)
    for name in names:
        exec(compile(solution_source(name), f"<master {name}>", "exec"), namespace)
    return {name: namespace[name] for name in names}
