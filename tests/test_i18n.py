"""The checks in Chinese: gettext catalogue, language choice, ``check --lang``, zh notebooks."""

from __future__ import annotations

import gettext
import io
import json
import re

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
