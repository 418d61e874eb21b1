"""The student distribution: ``python -m autograder student-package``.

``make student-package`` runs it.

The wheel ``dist/optim_course_student-<version>-py3-none-any.whl`` holds exactly what a student's
kernel needs to run the released notebooks and their test cells, and nothing an instructor keeps
for the grader:

- ``helpers/`` (the numpy library the notebooks import), without ``helpers/figures/`` (it reads
  the masters to draw the concept figures), and with the moons data inside the package
  (``helpers/datasets/moons.npz``, copied at build time from ``datasets/moons.npz``, the one
  source);
- ``autograder/__init__.py`` and ``autograder/checks/`` (what the test cells call), including the
  expected data the release precomputes into ``autograder/checks/expected/``;
- a stub ``autograder/__main__.py`` whose ``check`` says what the student package cannot do.

Nothing else: no masters (``autograder/source/``), no ``publish``, ``grading`` or ``localcheck``,
no ``nbgrader_config.py``. The files are staged into a temporary tree with a pyproject of its own
(name ``optim-course-student``, the course's version, runtime dependencies numpy and matplotlib
with the course's own bounds) and built with ``uv build --wheel`` when uv is in the course's
environment, else ``pip wheel --no-deps``.

Before building, the staged tree is audited: solution or hidden-test markers, or checks code that
imports the trusted side (``autograder.publish``, ``.grading``, ``.localcheck``) or reads
``autograder/source``, stop the build with the file and line (``--force`` builds anyway, for
testing the packaging itself; such a wheel is not fit for a class).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

from autograder import COURSE_DIR, REPO_DIR

DIST_NAME = "optim-course-student"
DIST_DIR = REPO_DIR / "dist"
DATASET = REPO_DIR / "datasets" / "moons.npz"
#: Where the data sits inside the installed package (``helpers/data.py`` looks there second).
PACKAGED_DATASET = Path("helpers") / "datasets" / "moons.npz"
#: Notebook 08's digits, copied the same way (``datasets/digits.npz``).
DIGITS = REPO_DIR / "datasets" / "digits.npz"
PACKAGED_DIGITS = Path("helpers") / "datasets" / "digits.npz"
#: The course's runtime dependencies a student's kernel needs for ``helpers`` and the checks
#: (scikit-learn only regenerates the data sets, which the package ships).
RUNTIME_DEPENDENCIES = ("numpy", "matplotlib")

STUB_MAIN = '''"""``python -m autograder`` in the student package: the local check is not here."""

import sys

MESSAGE = (
    "This is the course's student package: it holds the helpers and the checks the notebooks' "
    "test cells call, with their expected values precomputed, and nothing more. The local check "
    "(python -m autograder check NOTEBOOK) cannot run here: it needs the instructor masters and "
    "the hidden cases, which a class deployment deliberately leaves out. To check your work, run "
    "the test cells of your notebook (each prints one line when your function passes and names "
    "the mistake when it does not); your instructor's grader runs the hidden cases. Self-learners "
    "get the full check, hidden cases included, from the open repository: make check."
)


def main(argv=None):
    print(MESSAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
'''

#: Markers that only the masters carry.
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
#: Code under checks/ must not reach the trusted side at run time.
TRUSTED_IMPORT = re.compile(
    r"^\s*(?:from|import)\s+autograder\.(publish|grading|localcheck)\b"
    r"|^\s*from\s+autograder\s+import\s+[^#\n]*\b(publish|grading|localcheck|SOURCE_DIR|"
    r"master_path|assignments)\b"
    r"|\bSOURCE_DIR\b|[\"']source[\"']", re.M)


def course_project() -> dict:
    return tomllib.loads((REPO_DIR / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def runtime_requirements(project: dict) -> list[str]:
    """The course's own requirement strings for :data:`RUNTIME_DEPENDENCIES`."""
    chosen = []
    for name in RUNTIME_DEPENDENCIES:
        matches = [r for r in project["dependencies"]
                   if re.match(rf"{name}\b(?![-_.\w])", r.strip(), re.I)]
        if len(matches) != 1:
            raise RuntimeError(f"pyproject.toml declares {name} {len(matches)} times, "
                               "expected once")
        chosen.append(matches[0])
    return chosen


def pyproject_text(version: str, requirements: list[str]) -> str:
    deps = "".join(f'    "{r}",\n' for r in requirements)
    # setuptools 77 is the first to read a licence expression with license-files (PEP 639).
    return f'''[build-system]
requires = ["setuptools>=77"]
build-backend = "setuptools.build_meta"

[project]
name = "{DIST_NAME}"
version = "{version}"
description = "Optimization Methods for Deep Learning, student package: helpers and checks"
requires-python = ">=3.11"
license = "MIT"
license-files = ["LICENSE", "LICENSE-TEXT"]
dependencies = [
{deps}]

# The staged tree holds only what the package ships, so everything in it is included.
[tool.setuptools.packages.find]
include = ["helpers*", "autograder*"]

[tool.setuptools.package-data]
"*" = ["**/*"]
'''


_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")


def stage(root: Path) -> list[Path]:
    """Copy what the student package holds into ``root``; return the staged files (relative)."""
    helpers_src = REPO_DIR / "helpers"
    shutil.copytree(helpers_src, root / "helpers",
                    ignore=lambda d, names: [*_IGNORE(d, names),
                                             *(["figures"] if Path(d) == helpers_src else [])])
    (root / PACKAGED_DATASET).parent.mkdir(parents=True)
    shutil.copyfile(DATASET, root / PACKAGED_DATASET)
    shutil.copyfile(DIGITS, root / PACKAGED_DIGITS)
    (root / "autograder").mkdir()
    shutil.copyfile(COURSE_DIR / "__init__.py", root / "autograder" / "__init__.py")
    (root / "autograder" / "__main__.py").write_text(STUB_MAIN, encoding="utf-8")
    shutil.copytree(COURSE_DIR / "checks", root / "autograder" / "checks", ignore=_IGNORE)
    for name in ("LICENSE", "LICENSE-TEXT"):
        shutil.copyfile(REPO_DIR / name, root / name)
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


def audit(root: Path) -> list[str]:
    """Problems that make the staged tree unfit for students (file:line: what)."""
    problems = []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(root)
        if rel.parts[0] not in ("helpers", "autograder"):
            continue
        if path.suffix == ".ipynb":
            problems.append(f"{rel}: a notebook in the package")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            for marker in MARKERS:
                if marker in line:
                    problems.append(f"{rel}:{number}: carries the marker {marker!r}")
            if rel.parts[:2] == ("autograder", "checks") and path.suffix == ".py" \
                    and TRUSTED_IMPORT.search(line):
                problems.append(f"{rel}:{number}: the checks reach the trusted side at run "
                                f"time ({line.strip()})")
    return problems


def build_wheel(source: Path, out_dir: Path) -> Path:
    """Build ``source`` into a wheel in ``out_dir`` (uv when the course has it, else pip)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    before = set(out_dir.glob("*.whl"))
    uv = Path(sys.executable).with_name("uv")
    if uv.is_file():
        command = [str(uv), "build", "--wheel", "--quiet", "--out-dir", str(out_dir), str(source)]
    else:
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                   "--disable-pip-version-check", "--wheel-dir", str(out_dir), str(source)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=source,
                            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    if result.returncode != 0:
        raise RuntimeError(f"building the student wheel failed ({' '.join(command[:3])}):\n"
                           f"{result.stdout}\n{result.stderr}")
    built = [p for p in out_dir.glob("optim_course_student-*.whl") if p not in before] or \
        sorted(out_dir.glob("optim_course_student-*.whl"))
    if not built:
        raise RuntimeError(f"the build reported success but left no wheel in {out_dir}")
    return max(built, key=lambda p: p.stat().st_mtime)


def allowed_in_wheel(name: str) -> bool:
    """Whether a wheel member belongs in the student package."""
    if re.match(r"optim_course_student-[^/]+\.dist-info/", name):
        return True
    if name.startswith("helpers/"):
        return not name.startswith("helpers/figures/")
    return name in ("autograder/__init__.py", "autograder/__main__.py") or \
        name.startswith("autograder/checks/")


def build(out_dir: Path = DIST_DIR, force: bool = False) -> Path:
    """Stage, audit and build the student wheel into ``out_dir``; return its path."""
    project = course_project()
    with tempfile.TemporaryDirectory(prefix="optim-student-") as scratch:
        root = Path(scratch)
        staged = {p.as_posix() for p in stage(root) if p.parts[0] in ("helpers", "autograder")}
        problems = audit(root)
        if problems and not force:
            raise RuntimeError("the student package would not be fit for a class:\n  "
                               + "\n  ".join(problems))
        for problem in problems:
            print(f"warning (--force): {problem}", file=sys.stderr)
        (root / "pyproject.toml").write_text(
            pyproject_text(project["version"], runtime_requirements(project)), encoding="utf-8")
        target = out_dir / f"optim_course_student-{project['version']}-py3-none-any.whl"
        if target.exists():
            target.unlink()
        wheel = build_wheel(root, out_dir)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    stray = [n for n in names if not allowed_in_wheel(n)]
    missing = sorted(staged - set(names))
    if stray or missing:
        wheel.unlink()
        raise RuntimeError(f"the built wheel held files it must not ({', '.join(stray)}) "
                           f"or lacked staged ones ({', '.join(missing)}); removed it")
    return wheel


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder student-package",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=DIST_DIR,
                        help="folder for the wheel (default: dist/)")
    parser.add_argument("--force", action="store_true",
                        help="build even when the audit finds problems (to test the packaging "
                             "only; such a wheel is not fit for a class)")
    args = parser.parse_args(argv)
    try:
        wheel = build(args.output, force=args.force)
    except RuntimeError as error:
        print(f"student-package: {error}", file=sys.stderr)
        return 1
    print(f"built {wheel}")
    return 0
