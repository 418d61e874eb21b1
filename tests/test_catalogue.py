"""The learners' catalogue (``tests/fixtures/learners/``) against the checks, and the JSON's
``mistake``.

Every wrong variant must fail its check, every correct one must pass, and no variant may be
misnamed (a reported mistake id must be exactly the variant's label; a ``caught`` variant must
get no id). How many are *named* is measured by ``benchmarks/diagnosis.py``, not asserted here.
The variants are judged in this process, as the notebook's ``check()`` does (the same cases and
judge as ``python -m autograder check``; ``benchmarks/diagnosis.py`` runs the child path too).
"""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import sys
from functools import cache
from pathlib import Path

import pytest

from autograder import NOTEBOOKS_DIR, REPO_DIR
from autograder.localcheck.command import main
from autograder.publish.masters import master, nbgrader_meta

ID_FORM = re.compile(r"^[a-z-]+/[a-z0-9-]+(\+[a-z-]+/[a-z0-9-]+)?$")


def _diagnosis():
    spec = importlib.util.spec_from_file_location("diagnosis",
                                                  REPO_DIR / "benchmarks" / "diagnosis.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["diagnosis"] = module   # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


diagnosis = _diagnosis()
VARIANTS = diagnosis.load_catalogue()
FUNCTIONS = sorted({v.function for v in VARIANTS})


@cache
def outcomes_of(function: str) -> tuple:
    return tuple(diagnosis.judge_in_process([v for v in VARIANTS if v.function == function]))


# ----------------------------------------------------------------------------- the catalogue
def test_catalogue_size_and_coverage():
    wrong = [v for v in VARIANTS if v.wrong]
    correct = [v for v in VARIANTS if not v.wrong]
    assert len(wrong) >= 200, len(wrong)
    assert len(correct) >= 60, len(correct)
    assert set(FUNCTIONS) == set(diagnosis.PREFIXES.values())
    for function in FUNCTIONS:
        mine = [v for v in VARIANTS if v.function == function]
        assert any(v.wrong for v in mine) and any(not v.wrong for v in mine), function
    # learners err most in the update rules with state: they carry most of the catalogue
    heavy = {"update_parameters_with_adam", "update_parameters_with_rmsprop",
             "update_parameters_with_momentum", "random_mini_batches"}
    assert sum(v.function in heavy for v in wrong) > len(wrong) / 2


def test_catalogue_rejects_malformed_files(tmp_path):
    (tmp_path / "gd.py").write_text("# === a\ndef update_parameters_with_gd(p, g, lr):\n"
                                    "    return p\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expect: <label>"):
        diagnosis.load_catalogue(tmp_path)
    (tmp_path / "gd.py").write_text("# === a\n# expect: adam/wrong-sign\n"
                                    "def update_parameters_with_gd(p, g, lr):\n    return p\n",
                                    encoding="utf-8")
    with pytest.raises(ValueError, match="bad label"):
        diagnosis.load_catalogue(tmp_path)
    (tmp_path / "gd.py").write_text("# === a\n# expect: correct\ndef other():\n    pass\n",
                                    encoding="utf-8")
    with pytest.raises(ValueError, match="does not define"):
        diagnosis.load_catalogue(tmp_path)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_wrong_variant_is_caught(function):
    missed = [o.variant.name for o in outcomes_of(function) if o.variant.wrong and o.passed]
    assert not missed, f"wrong variants that pass the check: {missed}"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_correct_variant_is_accepted(function):
    rejected = [(o.variant.name, o.feedback.splitlines()[0])
                for o in outcomes_of(function) if not o.variant.wrong and not o.passed]
    assert not rejected, f"correct variants the check rejects: {rejected}"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_no_variant_is_misnamed(function):
    outcomes = outcomes_of(function)
    misnamed = [(o.variant.name, o.variant.label, o.mistake) for o in outcomes
                if o.misnamed and ID_FORM.match(o.mistake)]
    assert not misnamed, f"variants named as another mistake: {misnamed}"
    other_form = sorted({o.mistake for o in outcomes
                         if o.mistake and not ID_FORM.match(o.mistake)})
    assert not other_form, f"ids outside the shared vocabulary's form: {other_form[:5]}"


def test_outcome_counts_named_and_misnamed():
    v = diagnosis.Variant("update_lr", "x:y", "update-lr/precedence", "", 1)
    caught = diagnosis.Variant("update_lr", "x:z", "caught", "", 1)
    assert diagnosis.Outcome(v, False, "update-lr/precedence", "", 0).named
    assert diagnosis.Outcome(v, False, "update-lr/multiplies", "", 0).misnamed
    assert not diagnosis.Outcome(v, False, None, "", 0).misnamed
    assert diagnosis.Outcome(caught, False, "update-lr/precedence", "", 0).misnamed
    assert not diagnosis.Outcome(caught, False, None, "", 0).named


# ----------------------------------------------------------------------------- JSON mistake
def _filled(assignment: str, overrides: dict) -> dict:
    nb = json.loads((NOTEBOOKS_DIR / f"{assignment}.ipynb").read_text(encoding="utf-8"))
    m = master(assignment)
    for cell in nb["cells"]:
        gid = nbgrader_meta(cell).get("grade_id")
        if cell.get("cell_type") == "code" and gid in m.solutions and \
                nbgrader_meta(cell).get("solution"):
            cell["source"] = overrides.get(gid, m.solutions[gid])
    return copy.deepcopy(nb)


def _variant(name: str):
    return next(v for v in VARIANTS if v.name == name)


@pytest.mark.parametrize("variant", ["adam:w-eps-inside-loop", "adam:w-lr-doubled"])
def test_json_mistake_is_the_judges_id(variant, tmp_path, capsys):
    v = _variant(variant)
    [expected] = diagnosis.judge_in_process([v])
    path = tmp_path / "05_adam.ipynb"
    path.write_text(json.dumps(_filled("05_adam", {v.function: v.source})), encoding="utf-8")
    code = main([str(path), "--json", "--timeout", "4"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    init, adam = data["functions"]
    assert list(adam) == ["name", "passed", "score", "max_score", "mistake", "feedback"]
    assert init["passed"] and init["mistake"] is None
    assert not adam["passed"]
    assert adam["mistake"] == expected.mistake
    if variant == "adam:w-eps-inside-loop":
        assert isinstance(adam["mistake"], str) and adam["mistake"]   # a confirmed mistake
    else:
        assert adam["mistake"] is None   # doubled learning rate: no known mistake explains it


def test_json_mistake_null_when_the_cell_does_not_compile(tmp_path, capsys):
    path = tmp_path / "06_learning_rate_decay.ipynb"
    nb = _filled("06_learning_rate_decay", {"update_lr": "def update_lr(a, b, c)\n    return a\n"})
    path.write_text(json.dumps(nb), encoding="utf-8")
    assert main([str(path), "--json", "--timeout", "4"]) == 1
    data = json.loads(capsys.readouterr().out)
    by_name = {f["name"]: f for f in data["functions"]}
    assert not by_name["update_lr"]["passed"] and by_name["update_lr"]["mistake"] is None
    assert "SyntaxError" in by_name["update_lr"]["feedback"]
    assert by_name["schedule_lr_decay"]["passed"]
    assert by_name["schedule_lr_decay"]["mistake"] is None


def test_readme_documents_the_mistake_field():
    text = (REPO_DIR / "README.md").read_text(encoding="utf-8")
    section = text.split("## For self-learners", 1)[1].split("\n## ", 1)[0]
    assert '"mistake"' in section and "null" in section


def test_benchmark_json_output(capsys):
    assert diagnosis.main(["--json", "--in-process", "--only", "update-lr:"]) == 0
    data = json.loads(capsys.readouterr().out)
    [row] = data["functions"]
    assert row["function"] == "update_lr" and data["path"] == "in-process"
    assert row["variants"] == len([v for v in VARIANTS if v.name.startswith("update-lr:")])
    assert row["caught"] == row["wrong"] and row["accepted"] == row["correct"]
    assert data["overall"]["variants"] == row["variants"]


def test_fixture_folder_is_where_the_benchmark_reads():
    assert diagnosis.LEARNERS == Path(__file__).parent / "fixtures" / "learners"


def test_the_command_names_what_its_judge_names():
    """The child path (``check``'s own grade_notebooks) and the judge in this process must agree
    on the variants with two mistakes (old return shapes with wrong maths): a child that records
    fewer steps than the judge needs would name only half of the diagnosis."""
    combined = [v for v in VARIANTS if "+" in v.label]
    assert len(combined) >= 20
    through_command = diagnosis.judge_variants(combined, timeout=10)
    here = {o.variant.name: o for f in {v.function for v in combined} for o in outcomes_of(f)}
    differ = [(o.variant.name, o.mistake, here[o.variant.name].mistake)
              for o in through_command
              if (o.passed, o.mistake) != (here[o.variant.name].passed,
                                           here[o.variant.name].mistake)]
    assert not differ, f"(variant, named by the command, named by the judge): {differ}"


def test_json_mistake_null_when_the_child_forges_its_data(tmp_path, capsys):
    forged = (REPO_DIR / "tests" / "fixtures" / "checks" / "hostile" / "forged_data.cell")
    nb = _filled("03_momentum", {"update_parameters_with_momentum":
                                 forged.read_text(encoding="utf-8")})
    path = tmp_path / "03_momentum.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    assert main([str(path), "--json", "--timeout", "4"]) == 1
    by_name = {f["name"]: f for f in json.loads(capsys.readouterr().out)["functions"]}
    momentum = by_name["update_parameters_with_momentum"]
    assert not momentum["passed"] and momentum["mistake"] is None
    assert isinstance(momentum["feedback"], str) and "could not be read" in momentum["feedback"]
