"""Fixtures shared by several test modules.

``executed_master``: a master notebook executed once per test run, whichever module asks first.
tests/test_notebooks.py checks what the English master prints and tests/test_translations.py
compares the Chinese edition's output with it; each used to run the English master itself. With
``pytest -n 2 --dist loadfile`` the two modules sit in different worker processes, which share no
memory, so the executed notebook is kept as a file under pytest's cache folder, in a folder of
this run only (xdist's ``testrunuid``, the same in every worker; a fresh id without xdist): a
new run always executes the masters again. A file lock makes the second asker wait for the first
instead of running the same master twice. A master that fails to run is not cached: every asker
runs it and sees the error.

``released_notebooks``: the student notebooks ``publish.notebooks.generate`` writes, generated
once per assignment per test run (the same file cache and lock, one lock per assignment) and
copied into the asking test's folder. tests/test_notebooks.py compares all of them with
notebooks/; the grading fixtures build their classes from a few of them; each used to generate
its own.

``grading_template``: the course template every ``python -m autograder grade`` builds first in
``<course>/.grading/template`` (nbgrader's releases and gradebook of all masters: a minute
under load), built once per test run by the grader's own ``ensure_template`` (the same file
cache and lock) and copied into a new course before its first grade. It depends on the
masters only, and the grader checks its digest of them before using it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
import time
import uuid
import warnings
from pathlib import Path

import nbformat
import pytest

from autograder import master_path
from autograder.grading.channels import notebook_client

_RUNS_KEPT_SECONDS = 24 * 3600


# The slowest modules first (seconds of one module's tests, measured under load on 2 cores,
# 2026-12-04: notebooks 1110, translations 743, instructor 346, faults 336, grading 248,
# exchange 240, hostile 193, i18n 97, student_package 92, ...): with ``--dist loadfile`` a long
# module handed out last runs alone at the end of the run while the other worker idles. xdist
# would otherwise order modules by their number of tests (``--loadscope-reorder``, its
# default), which puts a module of few long tests near the end; pytest_configure turns that
# off so this order is kept.
_SLOWEST_FIRST = ["test_notebooks", "test_translations", "test_grading_instructor",
                  "test_grading", "test_grading_exchange", "test_grading_faults",
                  "test_grading_hostile", "test_i18n", "test_student_package", "test_diagnosis",
                  "test_check_command", "test_grading_units", "test_training", "test_catalogue"]


def pytest_configure(config):
    if not hasattr(config, "workerinput"):  # the controller, or a run without xdist
        config.optim_run_id = uuid.uuid4().hex
    else:
        config.optim_run_id = config.workerinput["testrunuid"]
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(config, items):
    def rank(item) -> int:
        module = item.path.stem
        return _SLOWEST_FIRST.index(module) if module in _SLOWEST_FIRST else len(_SLOWEST_FIRST)

    items.sort(key=rank)  # stable: the rest keep pytest's order, as do tests within a module


def execute_master(name: str) -> nbformat.NotebookNode:
    """The master ``name`` executed headless in the course's folder, as a student runs it (the
    grading shrink switch ``NBGRADER_EXECUTION`` unset)."""
    notebook = nbformat.read(master_path(name), as_version=4)
    saved = os.environ.pop("NBGRADER_EXECUTION", None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            notebook_client(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(master_path(name).parent)}}
                            ).execute()
    finally:
        if saved is not None:
            os.environ["NBGRADER_EXECUTION"] = saved
    return notebook


def _run_folder(config) -> Path:
    if getattr(config, "cache", None) is not None:
        parent = Path(config.cache.mkdir("executed-masters"))
    else:  # -p no:cacheprovider
        parent = Path(os.environ.get("TMPDIR", "/tmp")) / "optim-executed-masters"
        parent.mkdir(exist_ok=True)
    for old in parent.iterdir():  # earlier runs' folders
        try:
            if (old.name != config.optim_run_id
                    and time.time() - old.stat().st_mtime > _RUNS_KEPT_SECONDS):
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
    folder = parent / config.optim_run_id
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def executed_master(request):
    """``executed_master(name)``: a fresh copy of the master ``name`` as executed in this run."""
    folder = _run_folder(request.config)

    def get(name: str) -> nbformat.NotebookNode:
        digest = hashlib.sha256(master_path(name).read_bytes()).hexdigest()[:16]
        cached = folder / f"{name}-{digest}.ipynb"
        with open(folder / f"{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if cached.is_file():
                return nbformat.read(cached, as_version=4)
            notebook = execute_master(name)
            partial = cached.with_suffix(".partial")
            nbformat.write(notebook, partial)
            partial.replace(cached)
            return notebook

    return get


@pytest.fixture(scope="session")
def released_notebooks(request):
    """``released_notebooks(output, names)``: the student notebooks of ``names`` (default: every
    assignment), as ``generate`` writes them, copied into ``output``; returns their paths."""
    from autograder import assignments
    from autograder.publish.notebooks import generate

    folder = _run_folder(request.config) / "released"
    folder.mkdir(exist_ok=True)

    def get(output: Path, names: list[str] | None = None) -> list[Path]:
        output.mkdir(parents=True, exist_ok=True)
        written = []
        for name in names or assignments():
            digest = hashlib.sha256(master_path(name).read_bytes()).hexdigest()[:16]
            cached = folder / f"{name}-{digest}.ipynb"
            with open(folder / f"{name}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not cached.is_file():
                    with tempfile.TemporaryDirectory(dir=folder) as scratch:
                        (produced,) = generate(Path(scratch), [name])
                        produced.replace(cached)
            target = output / f"{name}.ipynb"
            shutil.copyfile(cached, target)
            written.append(target)
        return written

    return get


@pytest.fixture(scope="session")
def grading_template(request):
    """``grading_template(course)``: ``course/.grading/template`` as the grader builds it for the
    current masters (built once per run); returns ``course``."""
    from types import SimpleNamespace

    from autograder.grading.run import ensure_template

    work = _run_folder(request.config) / "grading-work"

    def seed(course: Path) -> Path:
        template = ensure_template(SimpleNamespace(work=work))  # under the grader's own lock
        target = course / ".grading" / "template"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(template, target)
        return course

    return seed


@pytest.fixture
def restore_language():
    """Whatever a test switches, English figures (no translating hook) afterwards (the figure
    tests of test_plots.py and test_i18n.py)."""
    import matplotlib

    from helpers import plots

    language, family = plots.LANGUAGE, list(matplotlib.rcParams["font.family"])
    yield
    plots.use_language("en")
    plots.LANGUAGE = language
    matplotlib.rcParams["font.family"] = family
