"""The checks in Chinese: gettext catalogue, language choice, ``check --lang``, zh notebooks."""

from __future__ import annotations

import gettext
import importlib.util
import io
import json
import re
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from autograder import NOTEBOOKS_DIR
from autograder.checks import i18n, vocabulary
from helpers import language as helpers_language
from tests.test_check_command import _wrong_answers, fill, run_json, student, write

CJK = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
PO = i18n.LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
HELPERS_PO = helpers_language.LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / f"{helpers_language.DOMAIN}.po"
CATALOGUES = [PO, HELPERS_PO]


@pytest.fixture
def zh(monkeypatch):
    monkeypatch.delenv(i18n.ENV, raising=False)
    i18n.set_language("zh-CN")
    yield
    i18n.set_language(None)


@pytest.fixture
def clean_language(monkeypatch):
    monkeypatch.delenv(i18n.ENV, raising=False)
    i18n.set_language(None)
    i18n.detect(None)
    yield
    i18n.set_language(None)
    i18n.detect(None)


@pytest.mark.parametrize("mistake_id", vocabulary.all_ids())
def test_every_mistake_has_a_chinese_text(mistake_id, clean_language):
    english = vocabulary.text(mistake_id)
    i18n.set_language("zh-CN")
    chinese = vocabulary.text(mistake_id)
    for en, zh in zip(english, chinese, strict=True):
        assert zh != en and CJK.search(zh), f"{mistake_id}: no Chinese for {en!r}"
        assert sorted(PLACEHOLDER.findall(zh)) == sorted(PLACEHOLDER.findall(en))


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.stem)
def test_catalogue_keeps_placeholders_and_is_complete(po):
    catalogue = read_po(po.open("rb"))
    for message in catalogue:
        if not message.id:
            continue
        assert message.string and CJK.search(message.string), message.id
        assert sorted(PLACEHOLDER.findall(message.string)) == sorted(
            PLACEHOLDER.findall(message.id)), message.id


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.stem)
def test_compiled_catalogue_is_current(po):
    """The committed .mo holds exactly what the .po says (``make translations`` rebuilds it)."""
    buf = io.BytesIO()
    write_mo(buf, read_po(po.open("rb")))
    buf.seek(0)
    fresh = gettext.GNUTranslations(buf)
    with po.with_suffix(".mo").open("rb") as fh:
        committed = gettext.GNUTranslations(fh)
    assert committed._catalog == fresh._catalog  # noqa: SLF001 - the catalogue is the content


def test_language_order(clean_language, monkeypatch):
    assert i18n.language() == "en"
    i18n.detect("zh-CN")
    assert i18n.language() == "zh-CN"
    monkeypatch.setenv(i18n.ENV, "en")
    assert i18n.language() == "en"
    i18n.set_language("zh_CN")
    assert i18n.language() == "zh-CN"


def test_pass_line_in_chinese(zh, capsys):
    from autograder.checks import check
    from autograder.publish.masters import master

    namespace = {"np": __import__("numpy")}
    exec(master("06_learning_rate_decay").solutions["update_lr"], namespace)  # noqa: S102
    check("update_lr", namespace["update_lr"])
    line = capsys.readouterr().out.strip()
    assert line.startswith("update_lr：") and "检查通过" in line, line


def _wrong_adam():
    return [s for n, m, _, s in _wrong_answers() if m == "eps_inside_sqrt" and "adam" in n][0]


def test_check_lang_zh_names_the_same_mistake(tmp_path, capsys, clean_language):
    nb = fill(student("05_adam"), "05_adam", {"update_parameters_with_adam": _wrong_adam()})
    path = write(tmp_path, "05_adam.ipynb", nb)
    _, english, _ = run_json(path, capsys=capsys)
    code, chinese, _ = run_json(path, "--lang", "zh-CN", capsys=capsys)
    assert code == 1
    en, zh = english["functions"][1], chinese["functions"][1]
    assert en["mistake"] == zh["mistake"] == "adam/epsilon-inside-sqrt"
    assert "epsilon is inside the square root" in en["feedback"]
    assert "epsilon 放在了平方根里面" in zh["feedback"] and "提示：" in zh["feedback"]
    init = chinese["functions"][0]["feedback"]
    assert re.fullmatch(r"initialize_adam：全部 \d+ 项检查通过。", init), init


def test_zh_notebook_speaks_chinese_without_a_setting(tmp_path, capsys, clean_language):
    nb = json.loads((NOTEBOOKS_DIR / "zh-CN" / "01_gradient_descent.ipynb").read_text("utf-8"))
    assert nb["metadata"]["course"]["language"] == "zh-CN"
    wrong = [s for n, m, _, s in _wrong_answers()
             if n == "update_parameters_with_gd" and m is not None][0]
    nb = fill(nb, "01_gradient_descent", {"update_parameters_with_gd": wrong})
    path = write(tmp_path, "01_gradient_descent.ipynb", nb)
    code, data, _ = run_json(path, capsys=capsys)
    assert code == 1
    gd = data["functions"][0]
    assert gd["mistake"] and gd["mistake"].startswith("gd/")
    assert CJK.search(gd["feedback"]) and "提示：" in gd["feedback"], gd["feedback"]
    # the same notebook, asked for in English
    code, data, _ = run_json(path, "--lang", "en", capsys=capsys)
    assert not CJK.search(data["functions"][0]["feedback"].split("\n")[0].split(":", 1)[1][:40])
    assert data["functions"][0]["mistake"] == gd["mistake"]


def test_human_report_in_chinese(tmp_path, capsys, clean_language):
    from autograder.localcheck.command import main

    nb = fill(student("05_adam"), "05_adam", {"update_parameters_with_adam": _wrong_adam()})
    path = write(tmp_path, "05_adam.ipynb", nb)
    assert main([str(path), "--timeout", "4", "--lang", "zh-CN"]) == 1
    out = capsys.readouterr().out
    assert "得分：" in out and "epsilon 放在了平方根里面" in out, out


def test_training_errors_in_chinese(monkeypatch):
    import numpy as np

    from helpers import training
    from helpers.data import load_moons

    monkeypatch.setenv(i18n.ENV, "zh-CN")
    X, Y, _x, _y = load_moons()

    def exploding_update(parameters, grads, learning_rate):
        return {k: v * 1e60 - learning_rate * grads[f"d{k}"] for k, v in parameters.items()}

    with pytest.raises(training.TrainingDiverged) as info:
        training.train(X, Y, training.gd(exploding_update), num_epochs=50, learning_rate=0.5)
    message = str(info.value)
    assert message.startswith("训练在第 ") and "exploding_update" in message, message

    def forgets_return(parameters, grads, learning_rate):
        np.add(parameters["W1"], 0)

    with pytest.raises(TypeError, match="返回了 NoneType"):
        training.train(X, Y, training.gd(forgets_return), num_epochs=1)


def test_zh_submission_graded_with_chinese_feedback(tmp_path, clean_language):
    """The grading path (make grade's trusted verdicts, then the feedback page's notebook) on
    one zh-CN submission with a known mistake: Chinese, with no setting; English stays English."""
    from autograder.grading.feedback import _test_points
    from autograder.grading.submission import feedback_notebook
    from autograder.grading.verdicts import trusted_verdicts

    nb = json.loads((NOTEBOOKS_DIR / "zh-CN" / "06_learning_rate_decay.ipynb").read_text("utf-8"))
    wrong = [s for n, m, _t, s in _wrong_answers() if n == "update_lr" and m is not None][0]
    nb = fill(nb, "06_learning_rate_decay", {"update_lr": wrong})
    path = write(tmp_path, "06_learning_rate_decay.ipynb", nb)
    verdicts = trusted_verdicts(path, timeout=4)
    lr, schedule = verdicts["update_lr"], verdicts["schedule_lr_decay"]
    assert not lr.passed and lr.mistake and lr.mistake.startswith("update-lr/")
    assert CJK.search(lr.feedback) and "提示：" in lr.feedback, lr.feedback
    assert schedule.passed
    page = feedback_notebook(nb, {k: v.to_json() for k, v in verdicts.items()}, _test_points(nb))
    shown = json.dumps(page, ensure_ascii=False)
    assert "schedule_lr_decay：全部检查通过（可见检查和隐藏检查）。" in shown
    assert lr.feedback.splitlines()[0] in shown
    # the same mistake in the English notebook: English feedback, the same id
    (tmp_path / "en").mkdir()
    english = write(tmp_path / "en", "06_learning_rate_decay.ipynb", fill(
        student("06_learning_rate_decay"), "06_learning_rate_decay", {"update_lr": wrong}))
    en = trusted_verdicts(english, timeout=4)["update_lr"]
    assert en.mistake == lr.mistake and not CJK.search(en.feedback)


# ----------------------------------------------------------------------------- the last texts
#: English prose words: none is left in a Chinese message (code such as v["dW1"] has none).
ENGLISH_PROSE = re.compile(r"\b(?:the|your|of|is|are|was|and|not|with|from|entries|call)\b")

GD_OFF_BY_A_CONSTANT = '''
def update_parameters_with_gd(parameters, grads, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        step = learning_rate * grads["dW" + str(l)]
        parameters["W" + str(l)] = parameters["W" + str(l)] - step + 0.001
        parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * grads["db" + str(l)]
    return parameters
'''
GD_FROM_LAYER_ZERO = '''
def update_parameters_with_gd(parameters, grads, learning_rate):
    for l in range(len(parameters) // 2):
        parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]
    return parameters
'''
MINIBATCHES_LAST_SLICE = '''
def random_mini_batches(X, Y, mini_batch_size=64, seed=0):
    np.random.seed(seed)
    m = X.shape[1]
    permutation = np.random.permutation(m)
    X, Y = X[:, permutation], Y[:, permutation]
    return [(X[:, :mini_batch_size], Y[:, :mini_batch_size]) for k in range(0, m, mini_batch_size)]
'''


def _feedback_of(name, source, lang):
    """The message a test cell shows for ``source`` (the checks in-process, as in a kernel)."""
    from autograder.checks import CheckFailed, check

    namespace = {"np": __import__("numpy")}
    exec(source, namespace)  # noqa: S102 - a learner's cell
    i18n.set_language(lang)
    try:
        with pytest.raises(CheckFailed) as info:
            check(name, namespace[name])
    finally:
        i18n.set_language(None)
    return str(info.value), info.value.feedback.mistake


@pytest.mark.parametrize("name,source,english,chinese", [
    # judge.py: a value difference, with the diagnosis's summary and the case's label
    ("update_parameters_with_gd", GD_OFF_BY_A_CONSTANT,
     ["wrong result", "Tried:    3 layers (W1 ", "after call 1: parameters[\"W1\"][0, 0] = ",
      "is off by a constant +0.001", "The numbers differ from the expected ones"],
     ["结果错误", "测试输入：3 层（W1 ", "第 1 次调用之后：parameters[\"W1\"][0, 0] = ",
      "差了一个常数 +0.001", "在这个输入上，数值与期望值不同。"]),
    # feedback.py's explanation of an exception (KeyError on a layer 0)
    ("update_parameters_with_gd", GD_FROM_LAYER_ZERO,
     ["your code looks up 'W0', a layer 0 that does not exist", "at line 4 of your cell"],
     ["你的代码查找 'W0'，但并不存在第 0 层", "位于你的单元格第 4 行", "层从 1 开始编号"]),
    # minibatches.py: what was expected and what came back, for a named mistake
    ("random_mini_batches", MINIBATCHES_LAST_SLICE,
     ["the last, smaller mini-batch holds the wrong columns", "X of shape (2, ",
      "Expected: a last batch of ", "; the full batches are right"],
     ["最后一个批含 ", "列）", "完整的批都是对的", "个样本按列排列）",
      "mini_batch_size=64，种子 "]),
])
def test_per_case_feedback_in_chinese(name, source, english, chinese, clean_language):
    """The per-case texts of judge.py, minibatches.py, the case labels and the diagnosis's
    summary: English by default, Chinese under zh-CN, the same mistake id in both."""
    en, en_id = _feedback_of(name, source, None)
    zh, zh_id = _feedback_of(name, source, "zh-CN")
    for text in english:
        assert text in en, en
    for text in chinese:
        assert text in zh, zh
    assert en_id == zh_id
    body = "\n".join(line.split("：", 1)[-1] for line in zh.splitlines()[1:])
    assert not ENGLISH_PROSE.findall(body), zh


def test_local_check_timeout_of_a_zh_notebook_in_chinese(tmp_path, capsys, clean_language):
    """A real local check (a child per function, killed at the wall-time limit) of a zh-CN
    notebook whose function never returns: the timeout text in Chinese, with no setting."""
    from tests.test_check_command import HOSTILE

    nb = json.loads((NOTEBOOKS_DIR / "zh-CN" / "03_momentum.ipynb").read_text("utf-8"))
    source = (HOSTILE / "infinite_loop.cell").read_text(encoding="utf-8")
    path = write(tmp_path, "03_momentum.ipynb",
                 fill(nb, "03_momentum", {"update_parameters_with_momentum": source}))
    code, data, _err = run_json(path, "--timeout", "2", capsys=capsys)
    assert code == 1
    velocity, momentum = data["functions"]
    assert velocity["passed"] and not momentum["passed"] and momentum["score"] == 0.0
    text = momentum["feedback"]
    assert text.startswith("update_parameters_with_momentum：你的函数没有在 2 秒内结束，"
                           "发生在检查 1/"), text
    assert "这通常意味着：出现了死循环" in text and "提示：" in text, text
    assert "did not finish" not in text


@pytest.mark.parametrize("content,env,reason", [
    ("{not json", {i18n.ENV: "zh-CN"}, "：不是笔记本（"),
    # a zh notebook of no assignment: its own metadata chooses the language
    (json.dumps({"nbformat": 4, "nbformat_minor": 5,
                 "metadata": {"course": {"language": "zh-CN"}},
                 "cells": [{"cell_type": "code", "metadata": {}, "source": "x = 1",
                            "outputs": [], "execution_count": None}]}), {},
     "：不是本课程的笔记本（文件名与任何作业都不对应，也不含任何评分单元格）"),
])
def test_local_check_exit_2_in_chinese(tmp_path, content, env, reason):
    """``python -m autograder check`` itself (a process of its own): exit 2, one line on
    stderr, in Chinese."""
    import os
    import subprocess
    import sys

    from autograder import REPO_DIR

    path = tmp_path / "holiday.ipynb"
    path.write_text(content, encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if k != i18n.ENV} | env
    result = subprocess.run([sys.executable, "-m", "autograder", "check", str(path), "--json"],
                            capture_output=True, text=True, cwd=REPO_DIR, timeout=120,
                            env=environ)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(str(path)) and reason in lines[0], lines


def test_unreadable_zh_submission_page_in_chinese(clean_language):
    """The page of a submission that could not be read (what StudentView shows), for a zh-CN
    notebook: title, message and the test cells' errors in Chinese; English stays English."""
    from autograder.grading.feedback import student_notebook

    reason = "invalid JSON (Expecting value: line 1 column 13 (char 12))"
    zh_nb = json.loads((NOTEBOOKS_DIR / "zh-CN" / "01_gradient_descent.ipynb").read_text("utf-8"))
    en_nb = student("01_gradient_descent")
    for nb in (zh_nb, en_nb):   # an error output in the test cell, as the kernel left it
        for cell in nb["cells"]:
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "").startswith(
                    "test_"):
                cell["outputs"] = [{"output_type": "error", "ename": "NotImplementedError",
                                    "evalue": "", "traceback": []}]
    record = {"unreadable": reason, "verdicts": {}}
    zh = student_notebook(zh_nb, record, None)
    first = zh["cells"][0]["source"]
    assert first.startswith(f"**无法读取你的笔记本：{reason}。其中没有任何内容可以评分"), first
    errors = [o for c in zh["cells"] for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors and all(o["evalue"] == f"未评分：{reason}" for o in errors)
    assert all(o["traceback"] == [f"未评分：无法读取你的笔记本（{reason}）"] for o in errors)
    en = student_notebook(en_nb, record, None)
    assert en["cells"][0]["source"].startswith(f"**Your notebook could not be read: {reason}.")
    assert any(o.get("traceback") == [f"Not graded: your notebook could not be read ({reason})"]
               for c in en["cells"] for o in c.get("outputs", []))


_spec = importlib.util.spec_from_file_location(
    "fixture_class", Path(__file__).parent / "fixtures" / "class" / "students.py")
_students = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_students)
UNDAMPENED_MOMENTUM = _students.UNDAMPENED_MOMENTUM


@pytest.fixture(scope="module")
def zh_class(tmp_path_factory):
    """``python -m autograder grade`` (real nbgrader, real kernels) on a class of two: "zh"
    hands in the zh-CN release of 03_momentum, "en" the English one, each with a right
    initialize_velocity and the same wrong update_parameters_with_momentum (no 1 - beta)."""
    from tests.test_grading import run_grade

    assignment = "03_momentum"
    course = tmp_path_factory.mktemp("zh_class") / "course"
    releases = {"zh": json.loads((NOTEBOOKS_DIR / "zh-CN" / f"{assignment}.ipynb").read_text(
        "utf-8")), "en": student(assignment)}
    for who, nb in releases.items():
        folder = course / "submitted" / who / assignment
        folder.mkdir(parents=True)
        write(folder, f"{assignment}.ipynb",
              fill(nb, assignment, {"update_parameters_with_momentum": UNDAMPENED_MOMENTUM}))
        (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC", "utf-8")
    result = run_grade(course, "--jobs", "2", "--assignments", assignment)
    assert result.returncode == 0, result.stdout + result.stderr
    return course, assignment


def _csv(path):
    import csv

    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.slow
def test_make_grade_scores_a_zh_class_like_its_english_twin(zh_class):
    """Same score for the zh submission as for its English twin, and one mistakes.csv row with
    both students under the one id."""
    course, assignment = zh_class
    grades = {row["student_id"]: row for row in _csv(course / "grades.csv")
              if row["assignment"] == assignment}
    assert grades["zh"]["score"] == grades["en"]["score"] != ""
    assert 0 < float(grades["en"]["score"]) < float(grades["en"]["max_score"])
    rows = [(r["function"], r["mistake"], r["students"]) for r in _csv(course / "mistakes.csv")]
    assert rows == [("update_parameters_with_momentum", "momentum/no-one-minus-beta", "2")]
    en = _page(course, "en", assignment)
    assert "initialize_velocity: all checks passed (visible and hidden)." in en
    assert "update_parameters_with_momentum: your velocity has no (1 - beta) factor" in en


def _page(course, who, assignment):
    import html

    return html.unescape((course / "feedback" / who / assignment / f"{assignment}.html")
                         .read_text("utf-8"))


@pytest.mark.slow
def test_make_grade_feedback_page_of_a_zh_submission_in_chinese(zh_class):
    """The zh student's page is Chinese (rebuilt on the zh-CN release, so no locked cell counts
    as modified); the English twin's page is English, and nbgrader's gradebook records the same
    cells for both, with no checksum warning."""
    course, assignment = zh_class
    zh = _page(course, "zh", assignment)
    assert "initialize_velocity：全部检查通过（可见检查和隐藏检查）。" in zh
    assert "update_parameters_with_momentum: 你的速度缺少 (1 - beta) 因子" in zh
    assert "提示：" in zh and "all checks passed" not in zh
    # the zh text of the locked cells is the release's, not "modified: restored" to English
    assert "modified: restored" not in zh and "locked cell" not in zh
    assert "The grader's notes" not in zh
    # no English verdict text: neither the pass line nor the mistake's explanation
    assert "your velocity has no (1 - beta) factor" not in zh and "not graded (" not in zh
    zh_release = json.loads((NOTEBOOKS_DIR / "zh-CN" / f"{assignment}.ipynb").read_text("utf-8"))
    heading = next(c for c in zh_release["cells"] if c["cell_type"] == "markdown"
                   and c["metadata"].get("nbgrader", {}).get("locked"))
    first = "".join(heading["source"]).splitlines()[0].lstrip("# ").strip()
    assert CJK.search(first) and first in zh, first
    # the English twin: English throughout, as before
    en = _page(course, "en", assignment)
    assert "initialize_velocity: all checks passed (visible and hidden)." in en
    assert "update_parameters_with_momentum: your velocity has no (1 - beta) factor" in en
    assert not CJK.search(en) and "modified: restored" not in en
    assert "The grader's notes" not in en
    # nbgrader's side: the same graded cells, the same scores, no checksum warning
    records = {who: json.loads((course / ".grading" / "records" / who / assignment
                                / "record.json").read_text("utf-8")) for who in ("zh", "en")}
    for record in records.values():
        assert record["notes"] == [] and record["nbgrader_warnings"] == [], record
    cells = {who: [(g["grade_id"], g["max_score"], g["score"]) for g in r["grades"]]
             for who, r in records.items()}
    assert cells["zh"] == cells["en"] and cells["en"], cells


# ----------------------------------------------------------------------------- zh concept figures
ZH_FIGURES = NOTEBOOKS_DIR / "zh-CN" / "figures"
# names a Chinese figure keeps, as the Chinese prose does: methods, functions, single letters
FIGURE_CODE_NAMES = {"gd", "GD", "Adam", "adam", "RMSprop", "rmsprop"}


def _code_names_only(shape):
    words = re.findall(r"[A-Za-z_][A-Za-z_0-9]*", re.sub(r"\{\d+\}", " ", shape))
    return all(w in FIGURE_CODE_NAMES or "_" in w or len(w) == 1 for w in words)


def _declared_figure_texts():
    """Every figure text marked for the helpers' catalogue: the helpers' own and each concept
    figure module's ``TEXTS``."""
    import importlib

    from helpers import figures, plots

    declared = set(plots.FIGURE_TEXTS)
    for module in figures.figure_modules():
        declared |= set(importlib.import_module(module).TEXTS)
    return declared


def test_every_zh_figure_is_committed_and_the_zh_notebooks_link_only_to_them():
    from helpers import figures

    figures.load_all()
    assert sorted(p.name for p in ZH_FIGURES.glob("*.png")) == sorted(figures.FIGURES)
    missing, unreferenced = figures.check_references(NOTEBOOKS_DIR / "zh-CN")
    assert not missing, f"referenced but missing (run `make figures`): {missing}"
    readme = (NOTEBOOKS_DIR.parent / "README.zh-CN.md").read_text(encoding="utf-8")
    assert [n for n in unreferenced if f"notebooks/zh-CN/figures/{n}" not in readme] == []
    assert (NOTEBOOKS_DIR.parent / "notebooks/zh-CN/figures/00_optimizers.png").is_file()
    images = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)")
    found = 0
    for notebook in sorted((NOTEBOOKS_DIR / "zh-CN").glob("*.ipynb")):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "markdown":
                continue
            for alt, target in images.findall("".join(cell["source"])):
                found += 1
                # the edition's own figure, next to it, never the English one a folder up
                assert re.fullmatch(r"figures/\d{2}_[\w-]+\.png", target), (notebook, target)
                assert (notebook.parent / target).is_file(), (notebook.name, target)
                assert CJK.search(alt) and not re.search(r"[A-Za-z]{4,} [a-z]{3,}", alt), \
                    (notebook.name, alt)  # the alt text a screen reader reads is Chinese
    assert found >= 19


def test_the_release_keeps_figure_links_and_moves_other_links_up():
    from autograder.publish.translations import _relocate_links

    assert _relocate_links("![图](figures/03_ewma_memory.png)") == \
        "![图](figures/03_ewma_memory.png)"
    assert _relocate_links('<img src="figures/05_first_step.png">') == \
        '<img src="figures/05_first_step.png">'
    assert _relocate_links("[许可](LICENSE-TEXT) [下一个](02_minibatches.ipynb#top)") == \
        "[许可](../LICENSE-TEXT) [下一个](02_minibatches.ipynb#top)"
    assert _relocate_links("![x](figures/sub/x.png)") == "![x](../figures/sub/x.png)"


@pytest.mark.slow
def test_zh_figures_are_what_make_figures_draws_all_in_chinese(tmp_path, caplog,
                                                               restore_language):
    """The committed Chinese set is current with its drawing code (as the English set is in
    test_notebooks.py), every line of it with words is drawn in Chinese but for code names,
    with no missing glyph (matplotlib logs mathtext's and warns plain text's), and every
    text drawn is marked for the catalogue (so ``make translations`` keeps it)."""
    import logging
    import warnings

    import matplotlib as mpl
    from matplotlib.testing.compare import compare_images

    from helpers import figures, plots

    family = list(mpl.rcParams["font.family"])
    plots.DRAWN_TEXTS.clear()
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        written = figures.generate(tmp_path, language="zh-CN")
    assert not [str(w.message) for w in caught], "a glyph is missing: make zh-font"
    assert not [r.getMessage() for r in caplog.records if "glyph" in r.getMessage()]
    assert len(written) == len(figures.FIGURES) >= 20
    for fresh in written:
        committed = ZH_FIGURES / fresh.name
        assert committed.is_file(), f"{fresh.name}: run `make figures`"
        difference = compare_images(str(committed), str(fresh), tol=2)
        assert difference is None, f"{fresh.name} drifted (run `make figures`): {difference}"
    drawn = dict(plots.DRAWN_TEXTS)
    assert sum(drawn.values()) > 100
    english = [s for s, chinese in drawn.items() if not chinese and not _code_names_only(s)]
    assert not english, english
    undeclared = sorted(s for s, chinese in drawn.items()
                        if chinese and s not in _declared_figure_texts())
    assert not undeclared, f"translated but not marked with N_ (make translations drops them): " \
                           f"{undeclared}"
    # the caller's language and font are as they were
    assert plots.LANGUAGE in (None, "en") and list(mpl.rcParams["font.family"]) == family
    # the English set drawn right after is still the English one
    english_set = figures.generate(tmp_path / "en", only="05_first_step.png")
    assert compare_images(str(NOTEBOOKS_DIR / "figures" / "05_first_step.png"),
                          str(english_set[0]), tol=2) is None


def test_every_concept_figure_text_has_chinese_with_the_same_holes():
    hole = re.compile(r"\{\d+\}")
    chinese = helpers_language.catalogue("zh-CN")
    declared = _declared_figure_texts()
    assert len(declared) > 200
    for shape in declared:
        translated = chinese.gettext(shape)
        assert translated != shape, shape
        assert CJK.search(translated) or _code_names_only(shape), shape  # "RMSprop，{0} = {1}"
        assert sorted(hole.findall(translated)) == sorted(hole.findall(shape)), shape
        assert translated.count("\n") == shape.count("\n"), shape


def test_a_chinese_line_with_maths_is_drawn_with_the_chinese_font_first(
        restore_language, caplog):
    """Mathtext takes the words between the maths from the first font of the family only: the
    translated line is drawn with the Chinese font first, and no glyph is missing."""
    import logging

    import matplotlib.pyplot as plt

    from helpers import plots

    plots.use_language("zh-CN")
    fig, ax = plt.subplots()
    title = ax.set_title(r"first moment, $\beta_1 = 0.9$: raw $v_t$ is 0.1 at step 1")
    label = ax.set_xlabel("cost")
    with caplog.at_level(logging.WARNING):
        fig.canvas.draw()
    plt.close(fig)
    assert not [r.getMessage() for r in caplog.records if "glyph" in r.getMessage()]
    assert title.get_fontproperties().get_family()[0] == "Noto Sans CJK SC"
    assert title.get_text().startswith("first moment")  # the artist keeps the English
    assert helpers_language.figure_text(title.get_text(), "zh-CN") == \
        r"一阶矩，$\beta_1 = 0.9$：未修正的 $v_t$ 在第 1 步时为 0.1"
    # a line without maths keeps the Latin font first (plain text falls back glyph by glyph)
    assert label.get_fontproperties().get_family()[0] != "Noto Sans CJK SC"


def test_a_multi_line_text_is_looked_up_whole_first():
    assert helpers_language.figure_lookups("only the first\nmoment corrected", "zh-CN") == (
        "只修正\n一阶矩", {"only the first\nmoment corrected": True})
    drawn, looked_up = helpers_language.figure_lookups("distance to the minimum\ncost", "zh-CN")
    assert drawn == "到最小值的距离\n代价"
    assert looked_up == {"distance to the minimum": True, "cost": True}


def test_a_zh_feedback_page_shows_the_chinese_figures():
    import base64

    from autograder.grading.feedback import make_page

    html = '<html><head></head><body><img src="figures/05_first_step.png"></body></html>'
    chinese = base64.b64encode((ZH_FIGURES / "05_first_step.png").read_bytes()).decode()
    english = base64.b64encode(
        (NOTEBOOKS_DIR / "figures" / "05_first_step.png").read_bytes()).decode()
    assert chinese in make_page(html, "zh-CN") and english not in make_page(html, "zh-CN")
    assert english in make_page(html, "en") and english in make_page(html)


def test_local_check_refusals_are_chinese_to_the_last_word(tmp_path, zh):
    """The local check's one-line reasons quote the refusal (invalid JSON, too deep) in Chinese
    too, where the English reason stays English."""
    from autograder.localcheck.command import NotGradable, load_notebook

    cases = {"broken.ipynb": ("{not json", "：不是笔记本（JSON 无效（第 1 行第 2 列，"
                                           "即第 1 个字符：此处应为用双引号括起的属性名））"),
             "deep.ipynb": ("[" * 200 + "]" * 200, "：不是笔记本（笔记本嵌套太深（超过 64 层））")}
    for name, (content, chinese) in cases.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
        with pytest.raises(NotGradable) as refused:
            load_notebook(tmp_path / name)
        assert str(refused.value) == f"{tmp_path / name}{chinese}"
    i18n.set_language("en")
    with pytest.raises(NotGradable) as english:
        load_notebook(tmp_path / "broken.ipynb")
    assert str(english.value).endswith("not a notebook (invalid JSON (Expecting property name "
                                       "enclosed in double quotes: line 1 column 2 (char 1)))")
