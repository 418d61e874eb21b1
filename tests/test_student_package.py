"""The student distribution (``make student-package``): a class runs on it, and it holds no answer.

The wheel is built, installed into a fresh virtual environment (no checkout on its path, run from
a scratch folder) and used there the way a student's JupyterLab uses it: every released notebook,
filled with the masters' solutions, runs headless in that environment's own kernel and every test
cell passes; a handful of known mistakes get exactly the diagnosis the full repository gives. The
wheel's files are scanned for solution markers, masters, the masters' solution code and the hidden
cases (inputs and expected outputs, as the trusted side computes them).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder import NOTEBOOKS_DIR, REPO_DIR, assignments
from autograder.publish import student_package
from autograder.publish.masters import master, nbgrader_meta

pytestmark = pytest.mark.slow

UV = Path(sys.executable).with_name("uv")
#: What a JupyterLab single-user server adds to the wheel (ipywidgets: notebook 07's explorer).
KERNEL_SIDE = ["ipykernel>=6.29", "nbclient>=0.10", "nbformat>=5.10", "ipywidgets>=8.1"]
# the headless runs' kernel client (DRIVER loads it by path: the venvs have no course)
CHANNELS = REPO_DIR / "autograder" / "grading" / "channels.py"


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The student wheel, built as ``make student-package`` builds it (refused when unfit)."""
    return student_package.build(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def wheel_files(wheel) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture(scope="module")
def student_env(wheel, tmp_path_factory) -> dict:
    """A fresh venv holding the wheel and a kernel, a scratch cwd, no checkout on the path."""
    root = tmp_path_factory.mktemp("student")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    assert UV.is_file(), "the course's .venv has no uv (make .venv/.installed-dev installs it)"
    subprocess.run([str(UV), "pip", "install", "--quiet", "--python", str(python), str(wheel),
                    *KERNEL_SIDE], check=True)
    cwd = root / "work"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONSTARTUP")}
    env["JUPYTER_DATA_DIR"] = str(root / "jupyter-data")  # no user-level kernelspec wins
    env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", "")])
    return {"venv": venv, "python": python, "cwd": cwd, "env": env}


def run_student(student_env, *args, timeout=120) -> subprocess.CompletedProcess:
    """``python -I ARGS`` in the student venv, from its scratch folder."""
    return subprocess.run([str(student_env["python"]), "-I", *args], cwd=student_env["cwd"],
                          env=student_env["env"], capture_output=True, text=True,
                          timeout=timeout)


# ----------------------------------------------------------------------------- notebooks
DRIVER = textwrap.dedent('''
    """Execute notebooks with nbclient in this venv's own kernel; print one JSON report.
    argv: the jobs (JSON) and the path of the course's autograder/grading/channels.py, loaded
    by its path (the venv has no course): its client cannot miss a kernel's message."""
    import importlib.util, json, sys
    import nbformat

    spec = importlib.util.spec_from_file_location("course_channels", sys.argv[2])
    channels = sys.modules["course_channels"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(channels)
    jobs = json.load(open(sys.argv[1]))
    report = []
    for job in jobs:
        nb = nbformat.read(job["path"], as_version=4)
        client = channels.notebook_client(nb, timeout=300, kernel_name="python3",
                                          allow_errors=True,
                                          resources={"metadata": {"path": job["cwd"]}})
        client.execute()
        cells = []
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            text, errors = [], []
            for out in cell.get("outputs", []):
                if out.get("output_type") == "stream":
                    text.append(out.get("text", ""))
                elif out.get("output_type") == "error":
                    errors.append({"ename": out["ename"], "evalue": out["evalue"]})
            cells.append({"grade_id": cell.metadata.get("nbgrader", {}).get("grade_id"),
                          "text": "".join(text), "errors": errors})
        report.append({"name": job["name"], "cells": cells})
    print(json.dumps(report))
''')

PROBE = ("import sys, autograder, autograder.checks, helpers\n"
         "print('@@where', autograder.__file__, helpers.__file__, sys.executable)")


def filled(assignment: str, overrides: dict[str, str] | None = None,
           experiments: bool = True) -> nbformat.NotebookNode:
    """The released notebook with each solution cell replaced by the master's (by grade_id),
    or by ``overrides``; ``experiments=False`` empties every other ungraded, non-setup cell.
    A first cell prints where ``autograder`` and ``helpers`` were imported from."""
    nb = nbformat.read(NOTEBOOKS_DIR / f"{assignment}.ipynb", as_version=4)
    solutions = master(assignment).solutions
    replaced = set()
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        gid = meta.get("grade_id")
        if cell.cell_type != "code":
            continue
        if meta.get("solution") and gid in solutions:
            cell.source = (overrides or {}).get(gid, solutions[gid])
            replaced.add(gid)
        elif not experiments and not str(gid).startswith("test_") and \
                "setup" not in (cell.metadata.get("tags") or []) and gid != "setup":
            cell.source = ""
    assert replaced == set(solutions), f"{assignment}: solution cells not found by grade_id"
    nb.cells.insert(0, nbformat.v4.new_code_cell(PROBE))
    return nb


def run_notebooks(side: dict, tmp_path, notebooks: dict[str, nbformat.NotebookNode],
                  home: Path) -> dict:
    """Run ``{name: notebook}`` headless in the kernel of ``side`` (its python, environment and
    scratch folder); ``{name: cells}``. Asserts the kernel imported the course from ``home``."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    jobs = []
    for name, nb in notebooks.items():
        path = tmp_path / f"{name}.ipynb"
        nbformat.write(nb, path)
        jobs.append({"name": name, "path": str(path), "cwd": str(side["cwd"])})
    (tmp_path / "jobs.json").write_text(json.dumps(jobs))
    (tmp_path / "driver.py").write_text(DRIVER)
    env = dict(side["env"], NBGRADER_EXECUTION="1")  # the notebooks' quick settings
    result = subprocess.run([str(side["python"]), "-I", str(tmp_path / "driver.py"),
                             str(tmp_path / "jobs.json"), str(CHANNELS)],
                            cwd=side["cwd"], env=env,
                            capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stderr[-3000:]
    report = {job["name"]: job["cells"] for job in json.loads(result.stdout)}
    home = str(home.absolute()) + os.sep
    for name, cells in report.items():
        where = cells[0]["text"].split()
        assert where[:1] == ["@@where"], (name, cells[0])
        assert all(os.path.abspath(p).startswith(home) for p in where[1:3]), \
            f"{name}: the kernel imported the course from outside {home}: {where}"
    return report


def full_repository(tmp_path) -> dict:
    """The course's own .venv (the full, editable install), run from a scratch folder."""
    cwd = tmp_path / "full-work"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSTARTUP")}
    return {"python": Path(sys.executable), "cwd": cwd, "env": env}


# ----------------------------------------------------------------------------- the wheel
def test_wheel_holds_the_student_side_only(wheel, wheel_files):
    assert re.fullmatch(r"optim_course_student-[\w.]+-py3-none-any\.whl", wheel.name)
    names = set(wheel_files)
    stray = sorted(n for n in names if not student_package.allowed_in_wheel(n))
    assert not stray, f"files a student package must not hold: {stray}"
    for required in ("helpers/__init__.py", "helpers/network.py", "helpers/training.py",
                     "helpers/datasets/moons.npz", "autograder/__init__.py",
                     "autograder/__main__.py", "autograder/checks/__init__.py"):
        assert required in names
    for forbidden in ("autograder/source/", "autograder/publish/", "autograder/grading/",
                      "autograder/localcheck/", "autograder/nbgrader_config.py",
                      "helpers/figures/"):
        assert not [n for n in names if n.startswith(forbidden)], forbidden
    # The data is a copy of the repository's one source, byte for byte.
    assert wheel_files["helpers/datasets/moons.npz"] == (
        REPO_DIR / "datasets" / "moons.npz").read_bytes()
    metadata = next(v for n, v in wheel_files.items() if n.endswith(".dist-info/METADATA"))
    requires = re.findall(r"^Requires-Dist: (\S+)", metadata.decode(), re.M)
    assert sorted(re.split(r"[<>=!~ ]", r)[0] for r in requires) == ["matplotlib", "numpy"]


def test_wheel_carries_no_marker_master_or_solution_code(wheel_files):
    texts = {n: b.decode("utf-8", "replace") for n, b in wheel_files.items()}
    for name, text in texts.items():
        assert not name.endswith(".ipynb"), f"a notebook in the wheel: {name}"
        for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "END SOLUTION"):
            assert marker not in text, f"{name} carries {marker!r}"

    def norm(line):
        return re.sub(r"\s+", "", line.split("#")[0])

    shipped = {norm(line) for name, text in texts.items() if name.endswith(".py")
               for line in text.splitlines()}
    checked = 0
    for assignment in assignments():
        for function, source in master(assignment).solutions.items():
            body = re.search(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", source, re.S)
            assert body, f"{assignment} {function}: no solution region"
            for line in body.group(1).splitlines():
                code = norm(line)
                # `return parameters, v` says what the stub's docstring says; not the rule.
                if len(code) < 12 or code.startswith("return"):
                    continue
                checked += 1
                assert code not in shipped, \
                    f"{assignment} {function}: the wheel ships its solution line {line.strip()!r}"
    assert checked >= 30, f"only {checked} solution lines compared: the scan found no solutions"


def trusted_hidden_cases() -> dict[str, list]:
    """The hidden cases, as the trusted side (the local check, the grader) computes them."""
    from autograder.checks.cases import FUNCTIONS
    from autograder.publish.hidden_cases import hidden_cases

    found = {name: hidden_cases(name) for name in FUNCTIONS}
    assert sum(map(len, found.values())) >= 20, "the trusted side computed no hidden cases"
    return found


def distinctive_floats(value, out):
    """Every float inside ``value`` written with more than 6 significant digits (a computed
    result such as 0.000196078431372549, not a round input such as 0.02)."""
    if isinstance(value, dict):
        for item in value.values():
            distinctive_floats(item, out)
    elif isinstance(value, list | tuple):
        for item in value:
            distinctive_floats(item, out)
    elif isinstance(value, float) and len(repr(abs(value)).replace("0.", "").lstrip("0")) > 7:
        out.add(value)
    return out


def numeric(value) -> np.ndarray | None:
    """``value`` as a float array when it is a (nested, rectangular) list of plain numbers."""
    def plain(item):
        if isinstance(item, list | tuple):
            return all(plain(v) for v in item)
        return isinstance(item, int | float) and not isinstance(item, bool)
    if not plain(value):
        return None
    try:
        return np.asarray(value, dtype=float)
    except ValueError:  # ragged
        return None


def flat_arrays(value, out):
    """Every numeric array of at least 3 numbers inside ``value`` (dicts, lists, arrays, and
    lists of lists as JSON writes matrices), flattened; a matrix also gives each of its rows."""
    array = value if isinstance(value, np.ndarray) and value.dtype.kind in "fiu" else \
        numeric(value) if isinstance(value, list | tuple) and value else None
    if array is not None:
        if array.size >= 3:
            out.append(np.asarray(array, dtype=float).ravel())
        if array.ndim >= 2:
            out.extend(np.asarray(row, dtype=float).ravel() for row in array
                       if np.size(row) >= 3)
    elif isinstance(value, dict):
        for item in value.values():
            flat_arrays(item, out)
    elif isinstance(value, np.ndarray) and value.dtype == object:
        for item in value.ravel():
            flat_arrays(item, out)
    elif isinstance(value, list | tuple):
        for item in value:
            flat_arrays(item, out)
    return out


def shipped_arrays(wheel_files) -> list[np.ndarray]:
    import io

    arrays = []
    for name, data in wheel_files.items():
        if name.endswith(".json"):
            document = json.loads(data)
            flat_arrays(document, arrays)
            arrays.extend(np.array([v]) for v in distinctive_floats(document, set()))
        elif name.endswith(".npz") and not name.startswith("helpers/datasets/"):
            with np.load(io.BytesIO(data), allow_pickle=False) as npz:
                for key in npz.files:
                    flat_arrays(npz[key], arrays)
        elif name.endswith(".npy"):
            flat_arrays(np.load(io.BytesIO(data), allow_pickle=False), arrays)
    return arrays


def test_wheel_carries_no_hidden_case(wheel_files, student_env):

    hidden = trusted_hidden_cases()
    # 1. The installed checks know no case with a hidden case's inputs.
    specs = {name: [c.spec for c in cases] for name, cases in hidden.items()}
    code = textwrap.dedent("""
        import json, autograder.checks as c
        def every(name):  # all the cases the installed checks can give, hidden ones included
            try:
                return c.cases_for(name, hidden=None)
            except LookupError:  # the checks hold no hidden case and say so
                return c.cases_for(name)
        print(json.dumps({n: [x.spec for x in every(n)] for n in c.FUNCTIONS}))
    """)
    result = run_student(student_env, "-c", code)
    assert result.returncode == 0, result.stderr
    installed = json.loads(result.stdout)
    for name, hidden_specs in specs.items():
        leaked = [s for s in json.loads(json.dumps(hidden_specs)) if s in installed.get(name, [])]
        assert not leaked, f"the student package defines hidden cases of {name}: {leaked}"
    # 2. No data file holds a hidden case's input arrays or the master's outputs on it.
    leaked = leaks(wheel_files, hidden_only_arrays(hidden))
    assert not leaked, f"data files of the wheel hold hidden cases' arrays: {leaked[:3]}"


def hidden_only_arrays(hidden) -> list[np.ndarray]:
    """What only the hidden cases give: their input arrays and the master's outputs on them
    (floats as 1-arrays), minus constant arrays (zeros) and minus anything the visible cases,
    whose data the package ships on purpose, give as well."""
    from autograder.checks.cases import build, cases_for

    def computed(cases_of):
        arrays, floats = [], set()
        for name in hidden:
            cases = cases_of(name)
            for case in cases:
                flat_arrays(build(case), arrays)
                flat_arrays(case.spec, arrays)
            records = master_records(name, cases)
            flat_arrays(records, arrays)
            distinctive_floats(records, floats)
        return arrays + [np.array([v]) for v in floats]

    public = {key(a) for a in computed(lambda name: cases_for(name, hidden=False))}
    secrets = [a for a in computed(lambda name: hidden[name])
               if (np.ptp(a) > 0 or a.size == 1) and key(a) not in public]
    assert len(secrets) >= 500, f"only {len(secrets)} hidden arrays computed"
    return secrets


def master_records(name: str, cases) -> dict:
    """The master's own records on ``cases``, computed on the trusted side (the checks'
    ``reference_records`` may read the shipped data, which holds no hidden case)."""
    from autograder.checks import probe
    from autograder.publish.masters import reference_function

    reference = reference_function(name)
    return {case.id: probe.run_case(name, reference, case) for case in cases}


def rounded(value, digits=10):
    """``value`` with every float rounded to ``digits`` significant digits (as data files may)."""
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(v, digits) for v in value]
    if isinstance(value, float):
        return float(f"{value:.{digits}g}")
    return value


def leaks(files: dict[str, bytes], secrets: list[np.ndarray]) -> list[np.ndarray]:
    """The ``secrets`` that some data file among ``files`` holds."""
    shipped = {key(a) for a in shipped_arrays(files)}
    return [secret for secret in secrets if key(secret) in shipped]


def key(array: np.ndarray) -> str:
    """Equal arrays to 8 significant digits, equal keys: data files may store rounded values
    (10 significant digits on branch diag); -0.0 counts as 0.0."""
    return ",".join(f"{x + 0.0:.8g}" for x in np.asarray(array, dtype=np.float64).ravel())


def test_the_hidden_case_scan_finds_a_leak_and_spares_the_visible_data():
    """The scan above can fail: a data file with one hidden record is caught; the visible cases'
    own records (what the package ships on purpose) are not mistaken for a leak."""
    import io

    from autograder.checks.cases import cases_for

    hidden = trusted_hidden_cases()
    secrets = hidden_only_arrays(hidden)
    visible = {name: master_records(name, cases_for(name, hidden=False)) for name in hidden}
    assert not leaks({"expected/visible.json": json.dumps(visible).encode()}, secrets)
    for name in ("update_parameters_with_adam", "update_lr", "random_mini_batches"):
        one = master_records(name, hidden[name][:1])
        for document in (one, rounded(one)):
            assert leaks({"expected/leak.json": json.dumps(document).encode()}, secrets), name
    buffer = io.BytesIO()
    np.savez(buffer, W1=np.asarray(hidden_case_array(hidden)))
    assert leaks({"expected/leak.npz": buffer.getvalue()}, secrets)


def hidden_case_array(hidden):
    """One input array of a hidden update case (a non-zero parameter matrix)."""
    from autograder.checks.cases import build

    case = hidden["update_parameters_with_momentum"][0]
    return build(case)["parameters"]["W1"]


# ----------------------------------------------------------------------------- installed
def test_installed_package_is_the_wheel_and_finds_its_data(student_env):
    code = ("import json, autograder, helpers, helpers.data as d\n"
            "X, Y, Xt, Yt = d.load_moons()\n"
            "print(json.dumps({'autograder': autograder.__file__, 'helpers': helpers.__file__,"
            " 'data': str(d.dataset_path()), 'shapes': [X.shape, Y.shape, Xt.shape, Yt.shape],"
            " 'first': X[:, 0].tolist()}))")
    result = run_student(student_env, "-c", code)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    venv = str(student_env["venv"].absolute()) + os.sep
    for key in ("autograder", "helpers", "data"):
        assert os.path.abspath(found[key]).startswith(venv), (key, found[key])
    assert found["data"].endswith("helpers/datasets/moons.npz")
    assert found["shapes"] == [[2, 300], [1, 300], [2, 300], [1, 300]]
    np.testing.assert_allclose(found["first"], [-0.21687, 1.015449], atol=5e-6)


def test_check_command_says_what_it_cannot_do(student_env):
    notebook = NOTEBOOKS_DIR / "05_adam.ipynb"
    result = run_student(student_env, "-m", "autograder", "check", str(notebook))
    assert result.returncode == 2
    message = result.stderr
    assert "cannot run here" in message and "hidden cases" in message
    assert "test cells" in message and "open repository" in message
    assert result.stdout == ""


def test_released_notebooks_with_right_answers_pass(student_env, tmp_path):
    report = run_notebooks(student_env, tmp_path, {a: filled(a) for a in assignments()},
                           student_env["venv"])
    for name, cells in report.items():
        errors = [(c["grade_id"], e) for c in cells for e in c["errors"]]
        assert not errors, f"{name}: {errors}"
        tests = [c for c in cells if str(c["grade_id"]).startswith("test_")]
        assert tests or name == "07_comparison", f"{name}: no test cell ran"
        for cell in tests:
            function = cell["grade_id"][len("test_"):]
            assert re.search(rf"^{function}: (the check|all \d+ checks) passed\.$",
                             cell["text"], re.M), (name, cell)


WRONG = {
    # (assignment, function): the learner's cell, and a word the diagnosis must name
    ("01_gradient_descent", "update_parameters_with_gd"): ('''
def update_parameters_with_gd(parameters, grads, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        parameters[f"W{l}"] = parameters[f"W{l}"] + learning_rate * grads[f"dW{l}"]
        parameters[f"b{l}"] = parameters[f"b{l}"] + learning_rate * grads[f"db{l}"]
    return parameters
''', "sign"),
    ("03_momentum", "update_parameters_with_momentum"): ('''
def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        for p in ("W", "b"):
            key = "d" + p + str(l + 1)
            v[key] = beta * v[key] + (1 - beta) * grads[key]
            parameters[p + str(l + 1)] = parameters[p + str(l + 1)] - learning_rate * v[key]
    return parameters, v
''', "layer"),
    ("04_rmsprop", "update_parameters_with_rmsprop"): ('''
def update_parameters_with_rmsprop(parameters, grads, s, beta2=0.999, learning_rate=0.01,
                                   epsilon=1e-8):
    for name in parameters:
        key = "d" + name
        s[key] = beta2 * s[key] + (1 - beta2) * grads[key] ** 2
        parameters[name] = parameters[name] - learning_rate * grads[key] / np.sqrt(s[key] + epsilon)
    return parameters, s
''', "epsilon"),
    ("05_adam", "update_parameters_with_adam"): ('''
def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9,
                                beta2=0.999, epsilon=1e-8):
    v_corrected, s_corrected = {}, {}
    for name in parameters:
        key = "d" + name
        v[key] = beta1 * v[key] + (1 - beta1) * grads[key]
        s[key] = beta2 * s[key] + (1 - beta2) * grads[key] ** 2
        v_corrected[key] = v[key] / (1 - beta1 ** t)
        s_corrected[key] = s[key] / (1 - beta2 ** t)
        parameters[name] = parameters[name] - learning_rate * v_corrected[key] / np.sqrt(
            s_corrected[key] + epsilon)
    return parameters, v, s, v_corrected, s_corrected
''', "epsilon"),
    ("08_beyond_adam", "update_parameters_with_adamw"): ('''
def update_parameters_with_adamw(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9,
                                 beta2=0.999, epsilon=1e-8, weight_decay=0.01):
    v_corrected, s_corrected = {}, {}
    for name in parameters:
        key = "d" + name
        g = grads[key] + weight_decay * parameters[name]
        v[key] = beta1 * v[key] + (1 - beta1) * g
        s[key] = beta2 * s[key] + (1 - beta2) * g ** 2
        v_corrected[key] = v[key] / (1 - beta1 ** t)
        s_corrected[key] = s[key] / (1 - beta2 ** t)
        parameters[name] = parameters[name] - learning_rate * v_corrected[key] / (
            np.sqrt(s_corrected[key]) + epsilon)
    return parameters, v, s, v_corrected, s_corrected
''', "l2"),
}


def test_known_mistakes_get_the_same_diagnosis_as_the_full_repository(student_env, tmp_path):
    notebooks = {assignment: filled(assignment, {function: source.lstrip("\n")},
                                    experiments=False)
                 for (assignment, function), (source, _) in WRONG.items()}
    student = run_notebooks(student_env, tmp_path / "student", notebooks, student_env["venv"])
    full = run_notebooks(full_repository(tmp_path), tmp_path / "full", notebooks, REPO_DIR)

    def diagnosis(report, assignment, function):
        cell = next(c for c in report[assignment] if c["grade_id"] == f"test_{function}")
        failures = [e for e in cell["errors"] if e["ename"] == "CheckFailed"]
        assert failures, f"{assignment}: the test cell of {function} did not fail: {cell}"
        return failures[0]["evalue"]

    for (assignment, function), (_, word) in WRONG.items():
        expected = diagnosis(full, assignment, function)
        assert diagnosis(student, assignment, function) == expected, assignment
        headline = expected.splitlines()[0]
        assert headline.startswith(f"{function}: ") and word in headline.lower(), headline


# ----------------------------------------------------------------------------- the image
def test_dockerfile_builds_from_the_wheel_and_the_released_notebooks_only():
    """No Docker engine runs here, so the image is not built in the suite; this pins what the
    Dockerfile may take from the repository (docs/INSTRUCTORS.md says what was tried)."""
    folder = REPO_DIR / "docker" / "student"
    dockerfile = (folder / "Dockerfile").read_text()
    base = re.findall(r"^FROM\s+(\S+)", dockerfile, re.M)
    assert base and re.fullmatch(r"quay\.io/jupyter/minimal-notebook:\d{4}-\d{2}-\d{2}", base[0])
    sources = [line.split()[-2] for line in dockerfile.splitlines() if line.startswith("COPY")]
    assert sources == ["dist/optim_course_student-*-py3-none-any.whl", "notebooks/",
                       "docker/student/copy-course.sh"]
    ignore = [line for line in (folder / "Dockerfile.dockerignore").read_text().splitlines()
              if line and not line.startswith("#")]
    assert ignore[0] == "*", "the build context must start from nothing"
    assert {line.lstrip("!") for line in ignore if line.startswith("!")} == set(sources)


def test_the_build_audit_names_markers_and_trusted_imports(tmp_path):
    """What stops `make student-package` (the wheel above only shows the audit passing)."""
    (tmp_path / "autograder" / "checks").mkdir(parents=True)
    (tmp_path / "helpers").mkdir()
    (tmp_path / "autograder" / "checks" / "judge.py").write_text(
        "import numpy as np\n\ndef f():\n    from autograder.publish.masters import x\n")
    (tmp_path / "autograder" / "checks" / "other.py").write_text(
        "from autograder.checks import cases  # fine\n")
    (tmp_path / "helpers" / "network.py").write_text("    ### BEGIN SOLUTION\n")
    (tmp_path / "autograder" / "checks" / "master.ipynb").write_text("{}")
    problems = student_package.audit(tmp_path)
    assert problems == [
        "autograder/checks/judge.py:4: the checks reach the trusted side at run time "
        "(from autograder.publish.masters import x)",
        "autograder/checks/master.ipynb: a notebook in the package",
        "helpers/network.py:1: carries the marker 'BEGIN SOLUTION'",
    ]


def test_installed_package_speaks_chinese(student_env):
    """The wheel carries the compiled catalogues: the checks' and the helpers' texts in zh-CN."""
    code = ("import os; os.environ['OPTIM_COURSE_LANG'] = 'zh-CN'\n"
            "from autograder.checks import vocabulary, i18n\n"
            "from helpers import language\n"
            "print(vocabulary.text('gd/wrong-sign')[0]); print(i18n.LOCALE_DIR)\n"
            "print(language._('the {name} update function you passed to training.{name}()'))")
    result = run_student(student_env, "-c", code)
    assert result.returncode == 0, result.stderr
    title, locale_dir, helper = result.stdout.splitlines()
    assert title == "你沿梯度方向往上走了（符号错误）"
    assert locale_dir.startswith(str(student_env["venv"].absolute()))
    assert helper.startswith("你传给 training.{name}()")
