"""The course's grading side, arranged by who uses each room.

- ``source/<assignment>/<assignment>.ipynb``: the instructor masters, the only place where
  solutions and hidden tests live.
- :mod:`autograder.checks`: what the notebooks' test cells call (``check(name, fn)``): run the
  learner's function on the cases, compare with the expected values, name the mistake.
- :mod:`autograder.publish`: turns the masters into what others use: the student notebooks
  (``python -m autograder release``), the course map, the references the checks judge against.
- :mod:`autograder.localcheck`: the self-learner's ``python -m autograder check NOTEBOOK``, with
  each graded function run in a child process under limits.
- :mod:`autograder.grading`: the instructor's ``python -m autograder grade``: nbgrader autograde
  of a whole class, in shards, in sandboxed kernels, with feedback and exports.

(The package is ``publish``, not ``release``: ``autograder/release/`` is nbgrader's own folder of
released assignments when an instructor runs nbgrader from ``autograder/``.)

Dependencies point one way: grading -> localcheck -> publish -> checks. The checks judge the
visible cases against data precomputed at release (``checks/expected/*.json``: the masters' and
the mistake families' records); the hidden cases and the mistake families (wrong rules) live in
:mod:`autograder.publish`, which the checks never import (a master's hidden test cell,
``check(..., hidden=True)``, is the one place they reach for it, and say so when it is absent).
"""

from pathlib import Path

COURSE_DIR = Path(__file__).resolve().parent
SOURCE_DIR = COURSE_DIR / "source"
REPO_DIR = COURSE_DIR.parent
NOTEBOOKS_DIR = REPO_DIR / "notebooks"


def assignments() -> list[str]:
    """Names of the course's assignments, in course order (``01_gradient_descent``, ...)."""
    return sorted(p.name for p in SOURCE_DIR.iterdir() if (p / f"{p.name}.ipynb").is_file())


def master_path(assignment: str) -> Path:
    """Path of the instructor master of ``assignment``."""
    return SOURCE_DIR / assignment / f"{assignment}.ipynb"
