"""The checks inside a real Jupyter kernel, started outside the repository like a learner's."""

from __future__ import annotations

import copy
import json
import re

import pytest

from autograder import NOTEBOOKS_DIR
from autograder.grading.channels import notebook_client
from autograder.publish.masters import master, nbgrader_meta

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

pytestmark = pytest.mark.slow

WRONG_MOMENTUM = '''def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        v["dW" + str(l + 1)] = beta * v["dW" + str(l + 1)] + (1 - beta) * grads["dW" + str(l + 1)]
    return parameters, v
'''


def run_notebook(tmp_path, overrides):
    nb = json.loads((NOTEBOOKS_DIR / "03_momentum.ipynb").read_text(encoding="utf-8"))
    m = master("03_momentum")
    for cell in nb["cells"]:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in m.solutions and nbgrader_meta(cell).get("solution"):
            cell["source"] = overrides.get(gid, m.solutions[gid])
        if cell.get("cell_type") == "code" and gid not in m.solutions and \
                "setup" not in (cell.get("metadata", {}).get("tags") or []) and \
                not str(gid).startswith("test_"):
            cell["source"] = ""  # experiments are not what this test is about
    notebook = nbformat.reads(json.dumps(nb), as_version=4)
    client = notebook_client(copy.deepcopy(notebook), timeout=120,
                             kernel_name="python3", allow_errors=True,
                             resources={"metadata": {"path": str(tmp_path)}})
    return client.execute()


def outputs(nb):
    text, errors = [], []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                text.append(out.get("text", ""))
            elif out.get("output_type") == "error":
                errors.append(out)
    return "".join(text), errors


def test_correct_notebook_prints_pass_lines(tmp_path):
    text, errors = outputs(run_notebook(tmp_path, {}))
    assert not [e for e in errors if e["ename"] == "CheckFailed"], errors
    assert "initialize_velocity: the check passed." in text
    assert "update_parameters_with_momentum: all 2 checks passed." in text


def test_failure_shows_the_diagnosis_with_a_short_traceback(tmp_path):
    _, errors = outputs(run_notebook(tmp_path,
                                     {"update_parameters_with_momentum": WRONG_MOMENTUM}))
    failed = [e for e in errors if e["ename"] == "CheckFailed"]
    assert failed, errors
    error = failed[0]
    assert error["evalue"].startswith("update_parameters_with_momentum: your layer index is off "
                                      "by one (KeyError 'dW4' with 3 layers)")
    plain = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error["traceback"]))
    # No frames at all: the learner reads the diagnosis first, and only the diagnosis.
    assert plain.startswith("CheckFailed: update_parameters_with_momentum: your layer index")
    assert "File " not in plain and "autograder/checks" not in plain
