"""Regenerate the student notebooks from the instructor masters with nbgrader.

``python -m autograder release [--output DIR]`` copies the masters into a scratch nbgrader
course, runs ``nbgrader generate_assignment`` on every assignment there (so the course folder
and its gradebook are untouched), and writes the student versions to ``notebooks/`` (or DIR).
The test suite regenerates into a temporary folder and compares, so ``notebooks/`` never drifts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder import COURSE_DIR, NOTEBOOKS_DIR, SOURCE_DIR, assignments


def nbgrader_env() -> dict[str, str]:
    """The environment nbgrader needs: it calls ``alembic`` from PATH, so put our bin/ first."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    return env


def generate(output: Path, names: list[str] | None = None) -> list[Path]:
    """Generate the student version of each assignment into ``output``; return the paths."""
    names = names or assignments()
    output.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="optim-release-") as scratch:
        course = Path(scratch)
        shutil.copytree(SOURCE_DIR, course / "source",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        shutil.copyfile(COURSE_DIR / "nbgrader_config.py", course / "nbgrader_config.py")
        command = [sys.executable, "-m", "nbgrader", "generate_assignment", "--force",
                   f"--CourseDirectory.root={course}",
                   f"--CourseDirectory.db_url=sqlite:///{course / 'gradebook.db'}",
                   "--log-level=WARN"]
        for name in names:
            result = subprocess.run([*command, name], cwd=course, capture_output=True, text=True,
                                    env=nbgrader_env())
            if result.returncode != 0:
                raise RuntimeError(f"nbgrader generate_assignment {name} failed:\n"
                                   f"{result.stdout}\n{result.stderr}")
            produced = course / "release" / name / f"{name}.ipynb"
            target = output / f"{name}.ipynb"
            shutil.copyfile(produced, target)
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder release", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=NOTEBOOKS_DIR,
                        help="folder for the student notebooks (default: notebooks/)")
    parser.add_argument("assignments", nargs="*", help="only these assignments")
    args = parser.parse_args(argv)
    for path in generate(args.output, args.assignments or None):
        print(f"released {path}")
    return 0
