"""The course's grading side: nbgrader course folder, the checks, and ``python -m autograder``.

- ``autograder/source/<assignment>/<assignment>.ipynb``: instructor masters (solutions and
  hidden tests live only there)
- :mod:`autograder.checks`: the checks every test cell calls
- ``python -m autograder check|release|grade``: see ``python -m autograder --help``
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
