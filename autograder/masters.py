"""Read the instructor masters: graded functions, points, and the reference solutions.

The masters (``autograder/source/<assignment>/<assignment>.ipynb``) are the single source of
truth for the reference solutions. Everything that needs a reference rule (the checks, the
benchmarks, the tests, the release's course map) reads it through here or through
:mod:`autograder.checks.reference`, which does the parsing; nothing keeps a copy.
"""

from __future__ import annotations

from autograder.checks.reference import (
    cell_source,
    master,
    master_for_function,
    nbgrader_meta,
    read_notebook,
    reference_function,
)
from autograder.checks.reference import master_path as _master_path

__all__ = ["load_master", "graded_functions", "load_functions", "solution_source",
           "cell_source", "nbgrader_meta"]

source = cell_source


def load_master(assignment: str) -> dict:
    """The master notebook of ``assignment`` as a JSON dict."""
    return read_notebook(_master_path(assignment))


def graded_functions(assignment: str) -> list[tuple[str, float]]:
    """``[(function name, points), ...]`` in notebook order, from the master's graded cells."""
    m = master(assignment)
    return [(name, m.points.get(name, 0.0)) for name in m.functions]


def solution_source(function: str) -> str:
    """The master's solution cell of ``function`` (with its solution markers)."""
    return master_for_function(function).solutions[function]


def load_functions(*functions: str) -> dict:
    """``{name: function}``: each master solution cell executed after its setup imports.

    Trusted code only: this executes the instructor's masters in the calling process.
    """
    return {name: reference_function(name) for name in functions}
