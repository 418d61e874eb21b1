"""``python -m autograder check``: the contract (exit codes, JSON) and hostile notebooks."""

from __future__ import annotations

import copy
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import NOTEBOOKS_DIR, REPO_DIR
from autograder.localcheck.command import main
from autograder.publish.masters import master, nbgrader_meta

FIXTURES = Path(__file__).parent / "fixtures" / "checks"
HOSTILE = FIXTURES / "hostile"
GRADED = ["01_gradient_descent", "02_minibatches", "03_momentum", "04_rmsprop", "05_adam",
          "06_learning_rate_decay", "08_beyond_adam"]
FAST = ["--timeout", "4"]


def _wrong_answers():
    spec = importlib.util.spec_from_file_location("fixture_wrong", FIXTURES / "wrong_answers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.WRONG


def student(assignment: str) -> dict:
    return json.loads((NOTEBOOKS_DIR / f"{assignment}.ipynb").read_text(encoding="utf-8"))


def fill(nb: dict, assignment: str, overrides: dict | None = None) -> dict:
    """The student notebook with the master's solutions; ``overrides`` maps a function name to
    replacement source, or to None to delete its cell."""
    nb = copy.deepcopy(nb)
    m = master(assignment)
    overrides = overrides or {}
    cells = []
    for cell in nb["cells"]:
        gid = nbgrader_meta(cell).get("grade_id")
        if cell.get("cell_type") == "code" and gid in m.solutions and \
                nbgrader_meta(cell).get("solution"):
            if gid in overrides:
                if overrides[gid] is None:
                    continue
                cell["source"] = overrides[gid]
            else:
                cell["source"] = m.solutions[gid]
        cells.append(cell)
    nb["cells"] = cells
    return nb


def write(tmp_path: Path, name: str, nb) -> Path:
    path = tmp_path / name
    path.write_text(nb if isinstance(nb, str) else json.dumps(nb), encoding="utf-8")
    return path


def run_json(path, *extra, capsys):
    code = main([str(path), "--json", *FAST, *extra])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


# ----------------------------------------------------------------------------- contract
def test_correct_notebook_passes_with_exact_json_shape(tmp_path, capsys):
    path = write(tmp_path, "05_adam.ipynb", fill(student("05_adam"), "05_adam"))
    code, data, err = run_json(path, capsys=capsys)
    assert code == 0, data
    assert list(data) == ["notebook", "score", "max_score", "functions"]
    assert data["notebook"] == str(path)
    assert data["score"] == 10.0 and data["max_score"] == 10.0
    assert [f["name"] for f in data["functions"]] == ["initialize_adam",
                                                      "update_parameters_with_adam"]
    for f, points in zip(data["functions"], [4.0, 6.0], strict=True):
        assert list(f) == ["name", "passed", "score", "max_score", "mistake", "feedback"]
        assert f["mistake"] is None
        assert f["passed"] is True and f["score"] == points == f["max_score"]
        assert isinstance(f["feedback"], str)


@pytest.mark.parametrize("assignment", GRADED)
def test_every_filled_notebook_passes(assignment, tmp_path, capsys):
    path = write(tmp_path, f"{assignment}.ipynb", fill(student(assignment), assignment))
    code, data, _ = run_json(path, capsys=capsys)
    assert code == 0, data
    assert data["score"] == data["max_score"] == 10.0


# Notebook 08: one learner's mistake per graded function, and the id the JSON must carry.
WRONG_08 = {
    "update_parameters_with_nesterov": ("nesterov/no-look-ahead", '''
def update_parameters_with_nesterov(parameters, grads, v, beta, learning_rate):
    for key in grads:
        v[key] = beta * v[key] + (1 - beta) * grads[key]
        parameters[key[1:]] = parameters[key[1:]] - learning_rate * v[key]
    return parameters, v
'''),
    "update_parameters_with_adamw": ("adamw/adam-with-l2", '''
def update_parameters_with_adamw(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9,
                                 beta2=0.999, epsilon=1e-8, weight_decay=0.01):
    vc, sc = {}, {}
    for key in grads:
        g = grads[key] + weight_decay * parameters[key[1:]]
        v[key] = beta1 * v[key] + (1 - beta1) * g
        s[key] = beta2 * s[key] + (1 - beta2) * g ** 2
        vc[key] = v[key] / (1 - beta1 ** t)
        sc[key] = s[key] / (1 - beta2 ** t)
        parameters[key[1:]] = parameters[key[1:]] - learning_rate * vc[key] / (np.sqrt(sc[key]) + epsilon)
    return parameters, v, s, vc, sc
'''),
    "warmup_cosine_lr": ("warmup-cosine/no-clamp", '''
def warmup_cosine_lr(learning_rate0, step, warmup_steps, total_steps, min_learning_rate=0.0):
    if step < warmup_steps:
        return learning_rate0 * step / warmup_steps
    progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
    return min_learning_rate + (learning_rate0 - min_learning_rate) * (1 + np.cos(np.pi * progress)) / 2
'''),
}


def test_notebook_08_mistakes_carry_their_ids_in_the_json(tmp_path, capsys):
    overrides = {name: source for name, (_, source) in WRONG_08.items()}
    nb = fill(student("08_beyond_adam"), "08_beyond_adam", overrides)
    code, data, _ = run_json(write(tmp_path, "08_beyond_adam.ipynb", nb), capsys=capsys)
    assert code == 1
    by_name = {f["name"]: f for f in data["functions"]}
    for name, (mistake, _) in WRONG_08.items():
        assert not by_name[name]["passed"] and by_name[name]["score"] == 0.0, name
        assert by_name[name]["mistake"] == mistake, (name, by_name[name]["feedback"])
        assert "Hint:" in by_name[name]["feedback"]


def test_stubs_are_not_attempted(capsys):
    code, data, _ = run_json(NOTEBOOKS_DIR / "05_adam.ipynb", capsys=capsys)
    assert code == 1
    assert data["score"] == 0.0 and data["max_score"] == 10.0
    for f in data["functions"]:
        assert f["passed"] is False and "not attempted yet" in f["feedback"]


def test_wrong_answer_named_and_other_function_keeps_marks(tmp_path, capsys):
    wrong = [s for n, m, _, s in _wrong_answers() if m == "eps_inside_sqrt" and "adam" in n][0]
    nb = fill(student("05_adam"), "05_adam", {"update_parameters_with_adam": wrong})
    code, data, _ = run_json(write(tmp_path, "05_adam.ipynb", nb), capsys=capsys)
    assert code == 1
    init, adam = data["functions"]
    assert init["passed"] and init["score"] == 4.0
    assert not adam["passed"] and adam["score"] == 0.0
    assert "epsilon is inside the square root" in adam["feedback"]
    assert "Tried:" in adam["feedback"] and "Hint:" in adam["feedback"]


def test_points_come_from_the_master_not_the_file(tmp_path, capsys):
    nb = fill(student("06_learning_rate_decay"), "06_learning_rate_decay")
    for cell in nb["cells"]:
        meta = nbgrader_meta(cell)
        if meta.get("grade"):
            meta["points"] = 1000
    code, data, _ = run_json(write(tmp_path, "06_learning_rate_decay.ipynb", nb),
                             capsys=capsys)
    assert code == 0 and data["max_score"] == 10.0


def test_master_found_by_grade_ids_when_renamed(tmp_path, capsys):
    nb = fill(student("04_rmsprop"), "04_rmsprop")
    code, data, _ = run_json(write(tmp_path, "my copy.ipynb", nb), capsys=capsys)
    assert code == 0
    assert [f["name"] for f in data["functions"]] == ["initialize_rmsprop",
                                                      "update_parameters_with_rmsprop"]


def test_a_copy_named_after_its_assignment_reads_that_master_only(tmp_path, capsys,
                                                                   monkeypatch):
    """Jupyter's "Duplicate" (04_rmsprop-Copy1) and a browser's download ("04_rmsprop (1)")
    keep the assignment's name in front: its master is read, not every master; a copy whose
    cells are another assignment's still finds that one."""
    from autograder.localcheck import command
    read = []
    real = command.master
    monkeypatch.setattr(command, "master", lambda name: read.append(name) or real(name))
    nb = fill(student("04_rmsprop"), "04_rmsprop")
    for name in ("04_rmsprop-Copy1.ipynb", "04_rmsprop (1).ipynb"):
        read.clear()
        code, data, _ = run_json(write(tmp_path, name, nb), capsys=capsys)
        assert code == 0 and data["functions"][0]["name"] == "initialize_rmsprop"
        assert read == ["04_rmsprop"], read
    code, data, _ = run_json(write(tmp_path, "05_adam-Copy1.ipynb", nb), capsys=capsys)
    assert code == 0 and data["functions"][0]["name"] == "initialize_rmsprop"


def test_notebook_saved_under_another_assignments_name(tmp_path, capsys):
    nb = fill(student("04_rmsprop"), "04_rmsprop")
    code, data, _ = run_json(write(tmp_path, "05_adam.ipynb", nb), capsys=capsys)
    assert code == 0 and data["functions"][0]["name"] == "initialize_rmsprop"


def test_pasted_copy_of_a_solution_cell(tmp_path, capsys):
    """Jupyter copies metadata with a cell: the copy above the test cell is what it sees."""
    m = master("06_learning_rate_decay")
    nb = fill(student("06_learning_rate_decay"), "06_learning_rate_decay")
    wrong = "def update_lr(learning_rate0, epoch_num, decay_rate):\n    return learning_rate0\n"
    cells = nb["cells"]
    at = next(i for i, c in enumerate(cells) if nbgrader_meta(c).get("grade_id") == "update_lr")
    copy_cell = copy.deepcopy(cells[at])
    copy_cell["source"] = wrong
    cells.insert(at + 1, copy_cell)            # between the original and its test cell
    code, data, _ = run_json(write(tmp_path, "06_learning_rate_decay.ipynb", nb), capsys=capsys)
    assert code == 1 and "does not change" in data["functions"][0]["feedback"]
    cells.pop(at + 1)
    end_copy = copy.deepcopy(copy_cell)
    cells.append(end_copy)                     # below the test cell: not what it saw
    code, data, _ = run_json(write(tmp_path, "06_learning_rate_decay.ipynb", nb), capsys=capsys)
    assert code == 0, data
    assert m.solutions["update_lr"]


def test_cell_without_metadata_found_by_its_def(tmp_path, capsys):
    nb = fill(student("01_gradient_descent"), "01_gradient_descent")
    for cell in nb["cells"]:
        if nbgrader_meta(cell).get("grade_id") == "update_parameters_with_gd":
            cell["metadata"] = {}
    code, data, _ = run_json(write(tmp_path, "01_gradient_descent.ipynb", nb), capsys=capsys)
    assert code == 0 and data["score"] == 10.0


def test_notebook_without_graded_functions(capsys):
    code, data, _ = run_json(NOTEBOOKS_DIR / "07_comparison.ipynb", capsys=capsys)
    assert code == 0 and data["functions"] == [] and data["max_score"] == 0.0


def test_folder_human_report(tmp_path, capsys):
    for a in ("03_momentum", "06_learning_rate_decay"):
        write(tmp_path, f"{a}.ipynb", fill(student(a), a))
    wrong = [s for n, m, _, s in _wrong_answers() if m == "round_instead_of_floor"][0]
    write(tmp_path, "06_learning_rate_decay.ipynb",
          fill(student("06_learning_rate_decay"), "06_learning_rate_decay",
               {"schedule_lr_decay": wrong}))
    code = main([str(tmp_path), *FAST])
    out, err = capsys.readouterr()
    assert code == 1
    assert "✓ 4/4  initialize_velocity" in out or "+ 4/4  initialize_velocity" in out
    assert "0/6  schedule_lr_decay" in out
    assert "you round epoch_num / time_interval" in out
    assert "Total: 14/20" in out


def test_folder_json(tmp_path, capsys):
    for a in ("01_gradient_descent", "05_adam"):
        write(tmp_path, f"{a}.ipynb", fill(student(a), a))
    code = main([str(tmp_path), "--json", *FAST])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [n["notebook"].rsplit("/", 1)[-1] for n in data["notebooks"]] == [
        "01_gradient_descent.ipynb", "05_adam.ipynb"]
    assert data["score"] == data["max_score"] == 20.0


@pytest.mark.slow
def test_freshly_released_notebook(tmp_path, capsys):
    """A notebook just generated by nbgrader from the master: stubs, then filled answers."""
    from autograder.publish.notebooks import generate
    released = generate(tmp_path / "release", ["05_adam"])[0]
    code, data, _ = run_json(released, capsys=capsys)
    assert code == 1 and [f["score"] for f in data["functions"]] == [0.0, 0.0]
    assert all("not attempted yet" in f["feedback"] for f in data["functions"])
    nb = json.loads(released.read_text(encoding="utf-8"))
    filled_path = write(tmp_path, "05_adam.ipynb", fill(nb, "05_adam"))
    code, data, _ = run_json(filled_path, capsys=capsys)
    assert code == 0 and data["score"] == 10.0


def test_human_report_suggests_next_step(capsys):
    code = main([str(NOTEBOOKS_DIR / "06_learning_rate_decay.ipynb")])
    out = capsys.readouterr().out
    assert code == 1
    assert "(not attempted yet)" in out and "Next: write the functions" in out


# ----------------------------------------------------------------------------- exit 2
@pytest.mark.parametrize("content,reason", [
    (None, "no such file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not a notebook"),
    ("{not json", "not a notebook"),
    ('{"nbformat": 4, "metadata": {}}', "not a notebook"),
    ('{"nbformat": 3, "nbformat_minor": 0, "worksheets": [], "cells": [], "metadata": {}}',
     "nbformat 3"),
    ('[1, 2, 3]', "not a notebook"),
])
def test_unreadable_inputs_exit_2(tmp_path, content, reason):
    path = tmp_path / "05_adam.ipynb"
    if content is not None:
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = subprocess.run([sys.executable, "-m", "autograder", "check", str(path), "--json"],
                            capture_output=True, text=True, cwd=REPO_DIR, timeout=60)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and reason in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_notebook_of_another_course_exit_2(tmp_path, capsys):
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
          "cells": [{"cell_type": "code", "metadata": {}, "source": "x = 1", "outputs": [],
                     "execution_count": None}]}
    code = main([str(write(tmp_path, "holiday.ipynb", nb))])
    assert code == 2 and "not a notebook of this course" in capsys.readouterr().err


def test_all_graded_cells_deleted_exit_2(tmp_path, capsys):
    nb = fill(student("03_momentum"), "03_momentum",
              {"initialize_velocity": None, "update_parameters_with_momentum": None})
    code = main([str(write(tmp_path, "03_momentum.ipynb", nb)), "--json"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "none of the graded cells" in err


# ----------------------------------------------------------------------------- hostile
HOSTILE_CASES = [
    ("infinite_loop", "did not finish within 4 s", False),
    ("os_exit", "ended its own process", False),
    ("output_flood", "", True),
    ("endless_flood", "did not finish within 4 s", False),
    ("numpy_patched", "no (1 - beta) factor", False),
    ("fake_array", "not a numpy array", False),
    ("syntax_error", "SyntaxError at line 2", False),
    ("memory_hog", "ran out of memory", False),
    ("segfault", "SIGSEGV", False),
    ("renamed_def", "does not define a function named update_parameters_with_momentum", False),
    ("cell_level_loop", "running your cell did not finish", False),
    ("forged_data", "could not be read", False),
]


@pytest.mark.parametrize("fixture,expected,passes", HOSTILE_CASES,
                         ids=[c[0] for c in HOSTILE_CASES])
def test_hostile_notebooks(fixture, expected, passes, tmp_path, capsys):
    source = (HOSTILE / f"{fixture}.cell").read_text(encoding="utf-8")
    nb = fill(student("03_momentum"), "03_momentum", {"update_parameters_with_momentum": source})
    code, data, _ = run_json(write(tmp_path, "03_momentum.ipynb", nb), capsys=capsys)
    velocity, momentum = data["functions"]
    assert velocity["name"] == "initialize_velocity"
    assert velocity["passed"] and velocity["score"] == 4.0, velocity
    assert momentum["passed"] is passes, momentum
    assert momentum["score"] == (6.0 if passes else 0.0)
    assert expected in momentum["feedback"], momentum["feedback"]
    assert code == (0 if passes else 1)


def test_limits_from_environment_and_flags(tmp_path, capsys, monkeypatch):
    source = (HOSTILE / "infinite_loop.cell").read_text(encoding="utf-8")
    nb = fill(student("03_momentum"), "03_momentum", {"update_parameters_with_momentum": source})
    path = write(tmp_path, "03_momentum.ipynb", nb)
    monkeypatch.setenv("AUTOGRADER_TIMEOUT", "1.5")
    assert main([str(path), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert "did not finish within 1.5 s" in data["functions"][1]["feedback"]
    assert main([str(path), "--json", "--timeout", "2", "--jobs", "1"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert "did not finish within 2 s" in data["functions"][1]["feedback"]
    assert data["functions"][0]["passed"]


def test_missing_cell_costs_only_that_function(tmp_path, capsys):
    nb = fill(student("03_momentum"), "03_momentum", {"initialize_velocity": None})
    code, data, _ = run_json(write(tmp_path, "03_momentum.ipynb", nb), capsys=capsys)
    assert code == 1
    velocity, momentum = data["functions"]
    assert velocity["name"] == "initialize_velocity" and velocity["score"] == 0.0
    assert "missing" in velocity["feedback"]
    assert momentum["passed"] and momentum["score"] == 6.0


def test_stray_top_level_error_after_the_def_still_grades_the_function(tmp_path, capsys):
    m = master("06_learning_rate_decay")
    source = m.solutions["update_lr"] + "\nprint(update_lr(learning_rate, 3, 1))\n"
    nb = fill(student("06_learning_rate_decay"), "06_learning_rate_decay", {"update_lr": source})
    code, data, _ = run_json(write(tmp_path, "06_learning_rate_decay.ipynb", nb), capsys=capsys)
    assert code == 0
    assert "NameError" in data["functions"][0]["feedback"]
    assert "only the function was graded" in data["functions"][0]["feedback"]


def test_patching_the_checks_in_the_notebook_does_not_help(tmp_path, capsys):
    """A correct-looking notebook that patches numpy/checks but is wrong still fails, and a
    correct one that patches numpy still passes."""
    source = (HOSTILE / "numpy_patched.cell").read_text(encoding="utf-8").replace(
        "beta * v[k] + grads[k]", "beta * v[k] + (1 - beta) * grads[k]")
    nb = fill(student("03_momentum"), "03_momentum", {"update_parameters_with_momentum": source})
    code, data, _ = run_json(write(tmp_path, "03_momentum.ipynb", nb), capsys=capsys)
    assert code == 0, data


def test_rewriting_the_master_from_the_notebook_does_not_help(tmp_path, capsys, monkeypatch):
    """References are computed before any learner code runs."""
    import shutil

    from autograder.publish import expected
    from autograder.publish import masters as reference
    source_copy = tmp_path / "source"
    shutil.copytree(reference.SOURCE_DIR, source_copy)
    monkeypatch.setattr(reference, "SOURCE_DIR", source_copy)
    monkeypatch.setattr(reference, "_masters", {})
    monkeypatch.setattr(reference, "_functions", {})
    monkeypatch.setattr(expected, "_reference_cache", {})
    target = source_copy / "03_momentum" / "03_momentum.ipynb"
    before = target.read_text(encoding="utf-8")
    hostile = (HOSTILE / "rewrites_master.cell").read_text(encoding="utf-8").replace(
        "MASTER_PATH", str(target))
    nb = fill(student("03_momentum"), "03_momentum", {"update_parameters_with_momentum": hostile})
    code, data, _ = run_json(write(tmp_path, "03_momentum.ipynb", nb), capsys=capsys)
    assert target.read_text(encoding="utf-8") != before  # the child did rewrite it
    assert code == 1
    momentum = data["functions"][1]
    assert not momentum["passed"] and "no (1 - beta) factor" in momentum["feedback"]


# ----------------------------------------------------------------------------- malformed cells,
# deep JSON (issue 15): exit codes and one JSON object, never a traceback; honest functions
# keep their marks.
MALFORMED_EXTRAS = [
    {"cell_type": "code", "metadata": None, "outputs": [], "execution_count": None,
     "source": "x = 1"},
    {"cell_type": "code", "metadata": ["not", "a", "dict"], "outputs": [],
     "execution_count": None, "source": "x = 2"},
    {"cell_type": "code", "metadata": {"nbgrader": None}, "outputs": [],
     "execution_count": None, "source": "x = 3"},
    {"cell_type": "code", "metadata": {"nbgrader": ["grade_id"]}, "outputs": [],
     "execution_count": None, "source": "x = 4"},
    {"cell_type": "code", "metadata": {"nbgrader": {"grade_id": ["initialize_velocity"]}},
     "outputs": [], "execution_count": None, "source": "x = 5"},
    {"cell_type": "code", "metadata": {"nbgrader": {"grade_id": {"a": 1}, "solution": True}},
     "outputs": [], "execution_count": None, "source": "x = 6"},
    {"cell_type": "code", "metadata": {"nbgrader": {"grade_id": 7, "grade": True}},
     "outputs": [], "execution_count": None, "source": ["x = ", 7, None]},
    {"cell_type": "markdown", "metadata": {"nbgrader": {"grade_id": "no_such_cell"}},
     "source": 12},
    {"cell_type": ["code"], "metadata": {}, "source": "x = 8"},
]


def test_malformed_cells_cost_no_honest_marks(tmp_path, capsys):
    nb = fill(student("03_momentum"), "03_momentum")
    nb["cells"] = MALFORMED_EXTRAS[:4] + nb["cells"] + MALFORMED_EXTRAS[4:]
    code, data, err = run_json(write(tmp_path, "03_momentum.ipynb", nb), capsys=capsys)
    assert code == 0, (data, err)
    assert data["score"] == data["max_score"] == 10.0
    assert "Traceback" not in err


def test_malformed_grade_id_on_a_solution_cell_is_found_by_its_def(tmp_path, capsys):
    nb = fill(student("03_momentum"), "03_momentum")
    for cell in nb["cells"]:
        if nbgrader_meta(cell).get("grade_id") == "initialize_velocity":
            cell["metadata"]["nbgrader"]["grade_id"] = ["initialize_velocity"]
    code, data, err = run_json(write(tmp_path, "03_momentum.ipynb", nb), capsys=capsys)
    assert code == 0, (data, err)
    assert data["score"] == 10.0


@pytest.mark.parametrize("where", ["notebook", "cell metadata"])
def test_deeply_nested_notebook_is_refused_in_one_line(tmp_path, capsys, where):
    depth = 100_000
    if where == "notebook":
        text = '{"cells": [], "nbformat": 4, "x": ' + "[" * depth + "]" * depth + "}"
    else:
        nb = fill(student("03_momentum"), "03_momentum")
        text = json.dumps(nb).replace('"metadata": {', '"metadata": {"deep": '
                                      + "[" * depth + "]" * depth + ", ", 1)
    path = write(tmp_path, "03_momentum.ipynb", text)
    code = main([str(path), "--json", *FAST])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "nested too deeply" in err, err
    assert "Traceback" not in err


DEEP_ON_CHANNEL = '''import numpy as np


def initialize_velocity(parameters):
    import os, sys
    os.write(int(sys.argv[1]), b"[" * 200000 + b"]" * 200000 + b"\\n")
    os.write(int(sys.argv[1]), b'{"a": ' * 100000 + b"1" + b"}" * 100000 + b"\\n")
    return {}
'''


def test_deep_json_on_the_data_channel_costs_only_that_function(tmp_path, capsys):
    nb = fill(student("03_momentum"), "03_momentum", {"initialize_velocity": DEEP_ON_CHANNEL})
    code, data, err = run_json(write(tmp_path, "03_momentum.ipynb", nb), capsys=capsys)
    assert code == 1, (data, err)
    init, update = data["functions"]
    assert not init["passed"] and init["score"] == 0.0
    assert update["passed"] and update["score"] == 6.0
    assert "Traceback" not in err


def test_a_fifo_is_not_waited_for(tmp_path, capsys):
    import os

    fifo = tmp_path / "03_momentum.ipynb"
    os.mkfifo(fifo)
    code = main([str(fifo), "--json", *FAST])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert "named pipe" in err and err.count("\n") == 1


DAEMON = '''import numpy as np


def initialize_velocity(parameters):
    import os, time
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            while True:
                with open({marker!r}, "a") as handle:
                    handle.write("alive\\\\n")
                time.sleep(0.1)
        os._exit(0)
    time.sleep(0.3)
    return {{k.replace("W", "dW").replace("b", "db"): np.zeros_like(v)
            for k, v in parameters.items()}}
'''


def test_a_double_forked_daemon_ends_with_the_check(tmp_path):
    marker = tmp_path / "daemon-alive.txt"
    nb = fill(student("03_momentum"), "03_momentum",
              {"initialize_velocity": DAEMON.format(marker=str(marker))})
    path = write(tmp_path, "03_momentum.ipynb", nb)
    result = subprocess.run([sys.executable, "-m", "autograder", "check", str(path), "--json",
                             *FAST], capture_output=True, text=True, cwd=REPO_DIR, timeout=120)
    data = json.loads(result.stdout)  # exactly one JSON object
    assert result.stdout.count("\n") == 1
    assert data["functions"][0]["passed"] and data["functions"][1]["passed"], data
    assert marker.exists()  # the daemon did start
    import time

    size = marker.stat().st_size
    time.sleep(1.0)
    assert marker.stat().st_size == size, "the daemon outlived the check"
