"""Tests load the reference solutions from the instructor masters (see autograder.masters)."""

from autograder.masters import load_functions, solution_source

__all__ = ["load_functions", "solution_source"]
