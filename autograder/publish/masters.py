"""Read the instructor masters: graded functions, points, setup imports and reference solutions.

The masters (``autograder/source/<assignment>/<assignment>.ipynb``) are the single source of
truth for the reference solutions. Everything that needs a reference rule (the checks' expected
values, the benchmarks, the tests, the release's course map) reads it through here; nothing
keeps a copy. For a function ``name`` the master is the notebook whose solution cell has
nbgrader ``grade_id == name``; that cell is executed after the *imports* of the master's setup
cells (tag ``setup``), and the function it defines is the reference. Results are cached per
process (and re-read when the master file changes).

Trusted code only: :func:`reference_function` executes the instructor's masters in the calling
process.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

# Paths computed from this file rather than imported from ``autograder/__init__.py``: an
# editable install may expose ``autograder`` as a namespace package when Python starts outside
# the repository (e.g. a kernel whose working directory is notebooks/).
SOURCE_DIR = Path(__file__).resolve().parents[1] / "source"


def assignments() -> list[str]:
    """Names of the course's assignments, in course order."""
    return sorted(p.name for p in SOURCE_DIR.iterdir() if (p / f"{p.name}.ipynb").is_file())


def master_path(assignment: str) -> Path:
    return SOURCE_DIR / assignment / f"{assignment}.ipynb"


#: Top-level modules a setup cell may import that a solution cell never needs; skipped so the
#: checks stay fast and the child processes import numpy only.
SKIPPED_IMPORTS = {"autograder", "helpers", "matplotlib", "IPython", "ipywidgets", "sklearn",
                   "pandas", "nbformat", "nbclient", "tqdm"}


def read_notebook(path) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def cell_source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def nbgrader_meta(cell) -> dict:
    meta = cell.get("metadata") or {}
    nb = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nb if isinstance(nb, dict) else {}


def is_setup_cell(cell) -> bool:
    meta = cell.get("metadata") or {}
    tags = meta.get("tags") or [] if isinstance(meta, dict) else []
    return cell.get("cell_type") == "code" and ("setup" in tags
                                                 or nbgrader_meta(cell).get("grade_id") == "setup")


def setup_imports(sources) -> str:
    """The import statements of the setup cells, minus :data:`SKIPPED_IMPORTS` (plain code)."""
    kept = []
    for source in sources:
        cleaned = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                            for line in source.splitlines())
        try:
            tree = ast.parse(cleaned)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                names = [a for a in node.names if a.name.split(".")[0] not in SKIPPED_IMPORTS]
                if names:
                    kept.append(ast.unparse(ast.Import(names=names)))
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module.split(".")[0] not in SKIPPED_IMPORTS:
                    kept.append(ast.unparse(node))
    return "\n".join(kept)


class Master:
    """One master notebook: its setup imports, and its graded functions in notebook order."""

    def __init__(self, assignment: str):
        self.assignment = assignment
        self.path = master_path(assignment)
        nb = read_notebook(self.path)
        cells = nb.get("cells", [])
        self.setup_sources = [cell_source(c) for c in cells if is_setup_cell(c)]
        self.setup = setup_imports(self.setup_sources)
        self.solutions: dict[str, str] = {}
        self.points: dict[str, float] = {}
        for c in cells:
            meta = nbgrader_meta(c)
            gid = meta.get("grade_id")
            if c.get("cell_type") == "code" and meta.get("solution") and gid and gid != "setup":
                self.solutions[gid] = cell_source(c)
            if meta.get("grade") and str(gid).startswith("test_"):
                self.points[gid[len("test_"):]] = float(meta.get("points", 0) or 0)
        self.functions = [name for name in self.solutions if name in self.points] or \
            list(self.solutions)


_masters: dict[str, tuple[float, Master]] = {}


def master(assignment: str) -> Master:
    mtime = master_path(assignment).stat().st_mtime
    cached = _masters.get(assignment)
    if cached is None or cached[0] != mtime:
        _masters[assignment] = (mtime, Master(assignment))
    return _masters[assignment][1]


def master_for_function(name: str) -> Master:
    """The master whose solution cell defines ``name`` (searched across assignments)."""
    for assignment in assignments():
        m = master(assignment)
        if name in m.solutions:
            return m
    raise LookupError(f"no master notebook under autograder/source/ has a solution cell "
                      f"with grade_id {name!r}")


_functions: dict[str, tuple[int, object]] = {}


def reference_function(name: str):
    """The master's own ``name``, defined by executing its solution cell (cached)."""
    m = master_for_function(name)
    key = id(m)
    cached = _functions.get(name)
    if cached is not None and cached[0] == key:
        return cached[1]
    namespace = {"__name__": f"autograder_reference_{m.assignment}"}
    exec(compile(m.setup, f"<setup of {m.assignment}>", "exec"), namespace)  # noqa: S102
    exec(compile(m.solutions[name], f"<master {m.assignment}: {name}>", "exec"), namespace)  # noqa: S102
    fn = namespace.get(name)
    if not callable(fn):
        raise LookupError(f"the master {m.assignment} solution cell {name!r} defines no {name}()")
    _functions[name] = (key, fn)
    return fn


# ----------------------------------------------------------------------------- conveniences
source = cell_source


def load_master(assignment: str) -> dict:
    """The master notebook of ``assignment`` as a JSON dict."""
    return read_notebook(master_path(assignment))


def graded_functions(assignment: str) -> list[tuple[str, float]]:
    """``[(function name, points), ...]`` in notebook order, from the master's graded cells."""
    m = master(assignment)
    return [(name, m.points.get(name, 0.0)) for name in m.functions]


def solution_source(function: str) -> str:
    """The master's solution cell of ``function`` (with its solution markers)."""
    return master_for_function(function).solutions[function]


def load_functions(*functions: str) -> dict:
    """``{name: function}``: each master solution cell executed after its setup imports."""
    return {name: reference_function(name) for name in functions}
