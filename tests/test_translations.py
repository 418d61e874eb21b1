"""The translated editions: released from the English notebooks plus cell-keyed catalogues, and
unable to drift from the English unnoticed.

- ``notebooks/zh-CN/`` is exactly what the release writes from ``notebooks/`` (which
  test_notebooks keeps equal to what nbgrader generates from the masters) and the catalogues.
- A catalogue entry whose English has changed is stale and named; a cell without a translation
  is counted; a translation that changes code (not comments or docstrings) is refused. Every
  shipped catalogue covers its notebook completely and is current.
- The glossary's terms are used consistently; figures draw Chinese text with a real CJK font;
  the translated notebook 01 runs headless and prints what the English one prints.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import warnings

import nbformat
import pytest

from autograder import NOTEBOOKS_DIR, REPO_DIR, assignments, master_path
from autograder.grading.channels import notebook_client
from autograder.publish import translations as tr
from autograder.publish.masters import graded_functions
from autograder.publish.notebooks import nbgrader_env

LANGUAGE = "zh-CN"
ZH_DIR = NOTEBOOKS_DIR / LANGUAGE
CATALOGUES = sorted((tr.TRANSLATIONS_DIR / LANGUAGE).glob("*.json"))
TRANSLATED = [p.stem for p in CATALOGUES]
PILOT = "01_gradient_descent"
CJK = re.compile(r"[\u4e00-\u9fff]")


def english(name):
    return nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)


def cell(notebook, cell_id):
    return next(c for c in notebook.cells if c.get("id") == cell_id)


# ----------------------------------------------------------------------------- the release
def test_zh_notebooks_are_exactly_what_the_release_writes(tmp_path, capsys):
    for name in assignments():
        shutil.copyfile(NOTEBOOKS_DIR / f"{name}.ipynb", tmp_path / f"{name}.ipynb")
    reports = tr.release(tmp_path)
    printed = capsys.readouterr().out
    assert sorted(p.name for p in ZH_DIR.glob("*.ipynb")) == [f"{n}.ipynb" for n in assignments()]
    for name in assignments():
        fresh = (tmp_path / LANGUAGE / f"{name}.ipynb").read_text(encoding="utf-8")
        committed = (ZH_DIR / f"{name}.ipynb").read_text(encoding="utf-8")
        assert fresh == committed, f"notebooks/{LANGUAGE}/{name}.ipynb is stale: make release"
    # the release prints one count per notebook
    for report in reports:
        assert (f"{LANGUAGE} {report.assignment}: {len(report.translated)} of "
                f"{len(report.translated) + len(report.fallback)} cells translated, "
                f"{len(report.fallback)} in English") in printed


def test_release_command_writes_the_zh_edition_through_its_hook():
    source = (REPO_DIR / "autograder" / "publish" / "notebooks.py").read_text()
    assert "translations.release(args.output, args.assignments or None)" in source


@pytest.mark.parametrize("name", TRANSLATED)
def test_shipped_catalogues_are_complete_and_current(name):
    report = tr.translate(english(name), tr.load_catalogue(LANGUAGE, name), LANGUAGE, name)[1]
    assert not report.fallback and not report.orphans, report.summary()
    assert report.translated


@pytest.mark.parametrize("name", assignments())
def test_zh_notebooks_keep_every_cell_id_and_nbgrader_metadata(name):
    from nbgrader.utils import compute_checksum

    source, zh = english(name), nbformat.read(ZH_DIR / f"{name}.ipynb", as_version=4)
    ids = [c.id for c in zh.cells]
    first_code = next(i for i, c in enumerate(zh.cells) if c.cell_type == "code")
    assert ids[first_code] == f"language-{LANGUAGE}"
    assert ids[:first_code] + ids[first_code + 1:] == [c.id for c in source.cells]
    assert zh.metadata.course["language"] == LANGUAGE
    assert zh.metadata.kernelspec == source.metadata.kernelspec
    for original in source.cells:
        translated = cell(zh, original.id)
        assert translated.cell_type == original.cell_type
        meta = original.metadata.get("nbgrader")
        translated_meta = translated.metadata.get("nbgrader")
        if meta is None:
            assert translated_meta is None
            continue
        assert {k: v for k, v in translated_meta.items() if k != "checksum"} == {
            k: v for k, v in meta.items() if k != "checksum"}, original.id
        if "checksum" in meta:
            assert translated_meta["checksum"] == compute_checksum(translated), original.id


@pytest.mark.parametrize("name", assignments())
def test_zh_notebook_images_exist(name):
    for c in nbformat.read(ZH_DIR / f"{name}.ipynb", as_version=4).cells:
        if c.cell_type == "markdown":
            for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", c.source):
                assert (ZH_DIR / target).is_file(), f"{name} {c.id}: missing {target}"


def test_untranslated_notebooks_fall_back_visibly():
    name = next((n for n in assignments() if n not in TRANSLATED), None)
    if name is None:
        pytest.skip("every notebook is translated")
    zh = nbformat.read(ZH_DIR / f"{name}.ipynb", as_version=4)
    notice = tr.FALLBACK_NOTICE[LANGUAGE]
    shown = [c for c in zh.cells if c.source.startswith(notice.get(c.cell_type, "\0"))]
    report = tr.translate(english(name), {}, LANGUAGE, name)[1]
    assert len(shown) == len(report.fallback) == len(report.missing) > 0


# ----------------------------------------------------------------------------- drift
@pytest.fixture
def pilot():
    return english(PILOT), tr.load_catalogue(LANGUAGE, PILOT)


def test_a_changed_english_cell_makes_its_translation_stale_by_name(pilot):
    notebook, catalogue = pilot
    cell(notebook, "moons_md").source += "\n\nA sentence the translation has not seen."
    cell(notebook, "bowl").source = cell(notebook, "bowl").source.replace("40", "50")
    translated, report = tr.translate(notebook, catalogue, LANGUAGE, PILOT)
    assert report.stale == ["moons_md", "bowl"]
    assert "stale (English changed): moons_md, bowl" in report.summary()
    shown = cell(translated, "moons_md").source
    assert shown.startswith(tr.FALLBACK_NOTICE[LANGUAGE]["markdown"])
    assert "A sentence the translation has not seen." in shown
    assert "num_steps=50" in cell(translated, "bowl").source  # the new English code, not the old


def test_a_missing_translation_is_counted(pilot):
    notebook, catalogue = pilot
    catalogue = {k: v for k, v in catalogue.items() if k not in ("notice", "imports")}
    translated, report = tr.translate(notebook, catalogue, LANGUAGE, PILOT)
    assert report.missing == ["imports", "notice"]
    assert f"{len(report.translated)} of {len(report.translated) + 2} cells translated, " \
           "2 in English" in report.summary()
    assert cell(translated, "imports").source.startswith(tr.FALLBACK_NOTICE[LANGUAGE]["code"])
    assert cell(translated, "notice").source.startswith("> **尚未翻译**")


def test_an_entry_for_a_removed_cell_is_reported(pilot):
    notebook, catalogue = pilot
    notebook.cells = [c for c in notebook.cells if c.id != "bowl_notice"]
    report = tr.translate(notebook, catalogue, LANGUAGE, PILOT)[1]
    assert report.orphans == ["bowl_notice"]


@pytest.mark.parametrize("change", [
    ("learning_rate=0.1)", "learning_rate=0.2)"),        # a number
    ("print(f\"cost before", "print(f\"代价 before"),     # a printed string is code, not prose
    ("stepped = ", "stepped2 = "),                       # a name
])
def test_translated_code_differing_from_the_english_is_refused(pilot, change):
    notebook, catalogue = pilot
    catalogue = copy.deepcopy(catalogue)
    entry = catalogue["one-step"]
    text = tr.source_text(entry)
    assert change[0] in text
    entry["source"] = text.replace(change[0], change[1])
    translated, report = tr.translate(notebook, catalogue, LANGUAGE, PILOT)
    assert report.code_changed == ["one-step"]
    assert cell(translated, "one-step").source.endswith(cell(notebook, "one-step").source)


def test_comments_and_docstrings_are_prose_the_rest_is_code():
    base = 'def f(x):\n    """Doc."""\n    # a comment\n    return x + 1  # why\n'
    same = ('def f(x):\n    """文档，\n\n    两段。"""\n    # 注释\n    # 第二行\n'
            "    return x + 1  # 为什么\n")
    assert tr.code_tokens(base) == tr.code_tokens(same)
    for different in (base.replace("x + 1", "x - 1"), base.replace('"""Doc."""', '"Doc." + x'),
                      base.replace("return x + 1", 'return "x + 1"')):
        assert tr.code_tokens(base) != tr.code_tokens(different)
    assert tr.has_prose({"cell_type": "code", "source": base})
    assert not tr.has_prose({"cell_type": "code", "source": 'print("a string")\nx = 1\n'})


def test_a_broken_catalogue_gives_a_clear_error(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(tr.CatalogueError, match="x.json: not valid UTF-8 JSON"):
        tr.load_catalogue(LANGUAGE, PILOT, bad)
    bad.write_text(json.dumps({"language": LANGUAGE, "assignment": PILOT,
                               "cells": {"title": {"source": "标题"}}}), encoding="utf-8")
    with pytest.raises(tr.CatalogueError, match="cell 'title' needs \"english_sha256\""):
        tr.load_catalogue(LANGUAGE, PILOT, bad)
    bad.write_text(json.dumps({"language": LANGUAGE, "assignment": "02_minibatches",
                               "cells": {}}), encoding="utf-8")
    with pytest.raises(tr.CatalogueError, match="assignment is '02_minibatches'"):
        tr.load_catalogue(LANGUAGE, PILOT, bad)


@pytest.mark.parametrize("path", CATALOGUES, ids=TRANSLATED)
def test_catalogues_are_in_canonical_form(path, tmp_path):
    name = path.stem
    rewritten = tr.write_catalogue(LANGUAGE, name, tr.load_catalogue(LANGUAGE, name),
                                   tmp_path / path.name)
    assert rewritten.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- what is kept
MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$", re.S)
FENCE = re.compile(r"```(\w*)\n(.*?)```", re.S)
INLINE = re.compile(r"`([^`\n]+(?:\n[^`\n]+)*)`")  # a code span may wrap onto the next line
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")


def translated_markdown(name):
    notebook, catalogue = english(name), tr.load_catalogue(LANGUAGE, name)
    for c in notebook.cells:
        if c.cell_type == "markdown" and c.id in catalogue:
            yield c.id, c.source, tr.source_text(catalogue[c.id])


@pytest.mark.parametrize("name", TRANSLATED)
def test_translations_keep_the_math_code_and_figures_of_the_english(name):
    def maths(text):
        return sorted(re.sub(r"\s+", " ", a or b).strip() for a, b in MATH.findall(
            FENCE.sub("", text)))

    def spans(text):  # a line break inside a code span renders as a space
        return {re.sub(r"\s+", " ", span) for span in INLINE.findall(FENCE.sub("", text))}

    for cell_id, en, zh in translated_markdown(name):
        assert maths(zh) == maths(en), cell_id
        assert sorted(IMAGE.findall(zh)) == sorted(IMAGE.findall(en)), cell_id
        fences_en, fences_zh = FENCE.findall(en), FENCE.findall(zh)
        assert len(fences_en) == len(fences_zh), cell_id
        for (_, code_en), (_, code_zh) in zip(fences_en, fences_zh, strict=True):
            assert tr.code_tokens(code_en) == tr.code_tokens(code_zh), cell_id
        assert spans(zh) == spans(en), cell_id
        assert CJK.search(zh), f"{cell_id} has no Chinese"


# ----------------------------------------------------------------------------- glossary
def glossary():
    with (tr.TRANSLATIONS_DIR / LANGUAGE / "glossary.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def english_pattern(term):
    """``term`` in prose: hyphen, space or a line break between its words, any ending."""
    body = re.escape(term).replace(r"\-", r"[-\s]?").replace(r"\ ", r"[-\s]?")
    return re.compile(r"\b" + body.replace("ization", "i[sz]ation") + r"\w*", re.I)


def senses(row):
    """The row's other senses, ``[(chinese, [english phrase, ...]), ...]``, from its ``senses``
    column (``偏差=bias at the start|start bias``; several senses separated by ``;``): in those
    phrases the English term means something else, and the Chinese says that instead."""
    out = []
    for part in filter(None, (row.get("senses") or "").split(";")):
        chinese, _, phrases = part.partition("=")
        out.append((chinese.strip(), [p.strip() for p in phrases.split("|") if p.strip()]))
    return out


def glossary_misses(en, zh, rows):
    """``[(english, chinese)]``: terms the English prose ``en`` uses whose Chinese the
    translation ``zh`` lacks. Longer terms first, a sense's phrases among them, so "bias
    correction" or "removes the bias" is checked (and used up) before a bare "bias"."""
    terms = [(r["english"], r["chinese"]) for r in rows]
    terms += [(phrase, chinese) for r in rows for chinese, phrases in senses(r)
              for phrase in phrases]
    remaining, zh_prose, misses = prose(en), prose(zh), []
    for english_term, chinese in sorted(terms, key=lambda t: -len(t[0])):
        pattern = english_pattern(english_term)
        if pattern.search(remaining):
            if chinese not in zh_prose:
                misses.append((english_term, chinese))
            remaining = pattern.sub(" ", remaining)
    return misses


def prose(text):
    """Markdown without code, math, links' targets and HTML tags: what a reader reads."""
    text = FENCE.sub(" ", text)
    text = INLINE.sub(" ", text)
    text = MATH.sub(" ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    return re.sub(r"<[^>]+>", " ", text)


def test_glossary_is_well_formed():
    rows = glossary()
    assert len(rows) >= 12
    chinese_of = {}
    for row in rows:
        assert CJK.search(row["chinese"]), row
        assert chinese_of.setdefault(row["english"], row["chinese"]) == row["chinese"], row
        for avoided in filter(None, row["avoid"].split("|")):
            assert row["chinese"] not in avoided, row  # else the right term would be refused
        for chinese, phrases in senses(row):  # an exception names its term and another word
            assert CJK.search(chinese) and chinese != row["chinese"] and phrases, row
            assert all(english_pattern(row["english"]).search(p) for p in phrases), row
    for term in ("梯度下降", "随机梯度下降", "小批量", "动量", "指数加权平均", "偏差修正",
                 "学习率衰减", "学习率", "代价函数", "参数", "梯度", "初始化"):
        assert term in {r["chinese"] for r in rows}, term


@pytest.mark.parametrize("name", assignments())
def test_glossary_alternatives_do_not_appear_in_zh_notebooks(name):
    text = (ZH_DIR / f"{name}.ipynb").read_text(encoding="utf-8")
    if tr.catalogue_path(LANGUAGE, name).is_file():
        text += tr.catalogue_path(LANGUAGE, name).read_text(encoding="utf-8")
    for row in glossary():
        for avoided in filter(None, row["avoid"].split("|")):
            assert avoided not in text, (f"{name}: {avoided!r}: the glossary's term for "
                                         f"{row['english']!r} is {row['chinese']!r}")


@pytest.mark.parametrize("name", TRANSLATED)
def test_glossary_terms_translate_their_english(name):
    rows = glossary()
    for cell_id, en, zh in translated_markdown(name):
        misses = glossary_misses(en, zh, rows)
        assert not misses, "; ".join(f"{name} {cell_id}: the English says {e!r}, the Chinese "
                                     f"lacks {c!r}" for e, c in misses)


def test_glossary_test_catches_an_alternative(tmp_path):
    row = next(r for r in glossary() if r["english"] == "learning rate")
    text = "学习速率太大时发散。"
    assert any(a in text for a in row["avoid"].split("|"))
    assert english_pattern("mini-batch").search("Minibatches of 64")
    assert english_pattern("initialization").search("He initialisation")
    assert english_pattern("bias correction").search("Adam's *bias\ncorrection*")


@pytest.mark.parametrize("en,zh,misses", [
    # the network's bias b stays 偏置: 偏差 there is refused, as before
    ("Each layer adds its bias b to every column.", "每一层把它的偏差 b 加到每一列上。",
     [("bias", "偏置")]),
    ("Each layer adds its bias b to every column.", "每一层把它的偏置 b 加到每一列上。", []),
    # the statistical bias of the average at the start is 偏差, without a word about b
    ("**The bias at the start.** Dividing by it removes the bias.",
     "**起始时的偏差。** 除以它就消除了这个偏差。", []),
    ("Dividing by it removes the bias.", "除以它就消除了这个偏置。",
     [("removes the bias", "偏差")]),
    # both senses in one cell: each needs its own word
    ("The bias of the velocity fades; the bias b1 does not.", "速度的偏差会消失。",
     [("bias", "偏置")]),
    ("Adam's bias\ncorrection divides by it.", "Adam 的偏差修正除以它。", []),
])
def test_glossary_senses_are_exceptions_for_their_phrases_only(en, zh, misses):
    assert glossary_misses(en, zh, glossary()) == misses


# ----------------------------------------------------------------------------- the font
def draw(text):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.set_title(text)
    ax.plot([0, 1], [1, 0], label="学习率 0.1")
    ax.legend()
    fig.canvas.draw()
    plt.close(fig)


def test_matplotlib_finds_the_cjk_font_and_draws_chinese_without_missing_glyphs():
    script = (
        "import warnings\n"
        "import matplotlib\n"
        "matplotlib.use('Agg')\n"
        "from helpers import plots\n"
        "import tests.test_translations as t\n"
        "with warnings.catch_warnings(record=True) as before:\n"
        "    warnings.simplefilter('always')\n"
        "    t.draw('梯度下降')\n"
        "family = plots.use_language('zh-CN')\n"
        "with warnings.catch_warnings():\n"
        "    warnings.simplefilter('error')\n"
        "    t.draw('梯度下降的代价曲线：第 5000 轮')\n"
        "from matplotlib import font_manager\n"
        "path = font_manager.findfont(font_manager.FontProperties(family=[family]),\n"
        "                             fallback_to_default=False)\n"
        "missing = sum('missing from font' in str(w.message) for w in before)\n"
        "print(family, '|', path, '|', missing)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=REPO_DIR, env=nbgrader_env(), timeout=300)
    assert result.returncode == 0, result.stderr
    family, path, missing_before = (s.strip() for s in result.stdout.split("|"))
    assert family == "Noto Sans CJK SC", "install the font: make zh-font"
    assert "NotoSansCJK" in path
    assert int(missing_before) > 0  # the same drawing without the font does lack glyphs


def test_english_figures_are_unchanged_by_language_switching():
    import matplotlib as mpl

    from helpers import plots

    before = list(mpl.rcParams["font.family"])
    try:
        plots.use_language(LANGUAGE)
        assert mpl.rcParams["font.family"][1:] == ["Noto Sans CJK SC"]
        plots.use_language("en")
        assert list(mpl.rcParams["font.family"]) == before
        with pytest.raises(ValueError, match="unknown language 'fr'"):
            plots.use_language("fr")
    finally:
        mpl.rcParams["font.family"] = before


# ----------------------------------------------------------------------------- running it
CLOCK = re.compile(r"\btimeit\b|\.seconds\b")  # a cell that prints wall-clock measurements
# in such a cell, times are printed with at most 3 decimals; costs have 4, accuracies end in %.
# The padding and sign before a time are masked with it (a column's width depends on the digits)
MEASURED = re.compile(r" *[-+]?\b(?<!\.)\d+\.\d{1,3}(?![\d%])")


def outputs(notebook):
    """What each cell prints (streams joined: their chunking depends on timing), with the
    measured times masked: in a cell that reads the clock, every number with 1 to 3 decimals
    that is not a percentage (seconds, ms per step, us per pass); costs (4 decimals),
    percentages and integers are compared as printed."""
    texts = []
    for c in notebook.cells:
        if c.cell_type != "code" or c.id == f"language-{LANGUAGE}":
            continue
        printed = ""
        for output in c.get("outputs", []):
            assert output["output_type"] != "error", (c.id, output)
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            if "Figure size" not in text:
                printed += text
        if printed:
            if CLOCK.search(c.source):
                printed = MEASURED.sub(" <measured>", printed)
            # the training helper's own timing, printed by any cell that trains: "(3.6 s)"
            printed = re.sub(r"\(\d+\.\d s\)", "(seconds)", printed)
            texts.append((c.id, printed))
    return texts


def run(notebook, path):
    env_backup = os.environ.pop("NBGRADER_EXECUTION", None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            notebook_client(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path)}}).execute()
    finally:
        if env_backup is not None:
            os.environ["NBGRADER_EXECUTION"] = env_backup
    return notebook


# the figure text a zh run drew: helpers.plots records every line it looked up
FIGURE_TEXT_RECORDER = ("import json\nfrom helpers import plots\n"
                        "print('figure texts:', json.dumps(plots.DRAWN_TEXTS))")
# names the figures keep in Chinese, as the notebooks' Chinese prose does: methods and functions
CODE_NAMES = {"gd", "GD", "sgd", "adam", "Adam", "rmsprop", "RMSprop", "AdamW", "Nesterov"}


def figure_texts(recorder_cell):
    printed = "".join(o["text"] for o in recorder_cell.outputs if o.get("name") == "stdout")
    return json.loads(printed.removeprefix("figure texts:"))


def code_names_only(shape):
    """A shape whose every word is a code name: a method, a function (update_lr), a letter."""
    words = re.findall(r"[A-Za-z_][A-Za-z_0-9]*", re.sub(r"\{\d+\}", " ", shape))
    return all(w in CODE_NAMES or "_" in w or len(w) == 1 for w in words)


def test_code_names_only_tells_names_from_english():
    assert code_names_only("gd") and code_names_only("update_lr, d = {0}")
    assert code_names_only("Adam") and not code_names_only("gd, lr {0}")
    assert not code_names_only("momentum") and not code_names_only("cost")


# an accuracy each notebook's English prose quotes from its own full run
QUOTED_ACCURACY = {"01_gradient_descent": "95.00%", "02_minibatches": "71.67%",
                   "03_momentum": "71.67%", "04_rmsprop": "94.33%", "05_adam": "94.33%",
                   "06_learning_rate_decay": "65.33%", "07_comparison": "94.00%",
                   "08_beyond_adam": "98.20%"}


@pytest.mark.slow
@pytest.mark.parametrize("name", TRANSLATED)
def test_translated_master_runs_headless_and_prints_the_same_numbers(name, executed_master):
    master = nbformat.read(master_path(name), as_version=4)
    # the master, translated: its solution cells match no entry and stay as they are
    zh, report = tr.translate(master, tr.load_catalogue(LANGUAGE, name), LANGUAGE, name)
    assert report.translated
    zh.cells.append(nbformat.v4.new_code_cell(FIGURE_TEXT_RECORDER))
    zh_run = run(zh, master_path(name).parent)
    drawn = figure_texts(zh_run.cells.pop())  # compared below without the recorder's cell
    # every figure line with words was drawn in Chinese, but for code names (gd, adam, ...)
    assert any(drawn.values()), drawn
    assert not [shape for shape, chinese in drawn.items()
                if not chinese and not code_names_only(shape)], drawn
    en_run = executed_master(name)  # the English run test_notebooks.py checks too
    printed_en, printed_zh = outputs(en_run), outputs(zh_run)
    # The checks follow the notebook's language (issue 14): the pass lines are Chinese, the
    # same ones; every other printed text (numbers) is identical.
    en_pass = re.compile(r"(\w+): (the (?:hidden )?check|all \d+ (?:hidden )?checks) passed\.\n")
    zh_pass = re.compile(r"(\w+)：((?:隐藏)?检查|全部 \d+ 项(?:隐藏)?检查)通过。\n")
    passes_en = [en_pass.findall(t) for _, t in printed_en]
    passes_zh = [zh_pass.findall(t) for _, t in printed_zh]
    assert [[n for n, _k in p] for p in passes_zh] == [[n for n, _k in p] for p in passes_en]
    # a notebook with graded functions prints their pass lines; 07 has none (its one graded
    # answer is written prose, read by a person), and then no check runs at all
    assert any(passes_en) == bool(graded_functions(name))
    printed_en = [(i, en_pass.sub("", t)) for i, t in printed_en]
    printed_zh = [(i, zh_pass.sub("", t)) for i, t in printed_zh]
    assert printed_en and printed_zh == printed_en
    # the runs really trained: an accuracy was printed, the one the notebook's prose quotes
    assert any(re.search(r"\d+\.\d\d%", text) for _, text in printed_en)
    assert any(QUOTED_ACCURACY[name] in text for _, text in printed_zh)
    language_cell = cell(zh_run, f"language-{LANGUAGE}")
    assert not [o for o in language_cell.outputs if o.get("name") == "stderr"], \
        language_cell.outputs  # the font was found: no warning


@pytest.mark.slow
def test_zh_student_notebook_fails_every_test_cell_under_nbgrader():
    result = subprocess.run([sys.executable, "-m", "nbgrader", "validate", "--invert",
                             str(ZH_DIR / f"{PILOT}.ipynb")], capture_output=True, text=True,
                            env=nbgrader_env(), cwd=REPO_DIR / "autograder", timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success! The notebook does not pass any tests." in result.stdout, result.stdout


# ----------------------------------------------------------------------------- packaging
def test_chinese_jupyterlab_is_an_optional_extra_documented_in_environment_yml():
    project = tomllib.loads((REPO_DIR / "pyproject.toml").read_text())["project"]
    (extra,) = project["optional-dependencies"]["zh"]
    assert extra.lower().startswith("jupyterlab-language-pack-zh-cn")
    assert extra not in project["dependencies"]
    assert f"pip install '{extra}'" in (REPO_DIR / "environment.yml").read_text()
    readme = (REPO_DIR / "README.zh-CN.md").read_text(encoding="utf-8")
    assert "pip install -e '.[zh]'" in readme


def test_readme_links_the_chinese_edition_and_names_the_translated_notebooks():
    first_lines = (REPO_DIR / "README.md").read_text(encoding="utf-8").splitlines()[:5]
    assert any("README.zh-CN.md" in line for line in first_lines)
    readme = (REPO_DIR / "README.zh-CN.md").read_text(encoding="utf-8")
    for name in assignments():
        assert f"notebooks/zh-CN/{name}.ipynb" in readme, name
        row = next(line for line in readme.splitlines()
                   if line.startswith(f"| [{name}](notebooks/zh-CN/{name}.ipynb)"))
        assert ("已翻译" in row) == (name in TRANSLATED), row
        for function, points in graded_functions(name):  # the map follows the masters
            assert f"`{function}` ({points:g})" in row, (name, function)


@pytest.mark.slow
def test_local_check_grades_a_solved_zh_notebook(tmp_path):
    """The zh-CN notebook is gradable as the English one is: with the master's solution pasted
    into its (translated) solution cell, ``python -m autograder check`` gives full marks."""
    from autograder.publish.masters import solution_source

    zh = nbformat.read(ZH_DIR / f"{PILOT}.ipynb", as_version=4)
    cell(zh, "update_parameters_with_gd").source = solution_source("update_parameters_with_gd")
    path = tmp_path / f"{PILOT}.ipynb"
    nbformat.write(zh, path)
    result = subprocess.run([sys.executable, "-m", "autograder", "check", str(path), "--json"],
                            capture_output=True, text=True, env=nbgrader_env(), timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["score"] == report["max_score"] == 10.0, report


def test_stamp_marks_only_the_named_revised_cells_current(monkeypatch, tmp_path):
    """The translator's tool after an English change: stamping a revised cell makes it current;
    a cell whose translation changes code, or that has no entry, is refused and nothing is
    written."""
    notebooks, catalogues = tmp_path / "notebooks", tmp_path / "translations"
    notebooks.mkdir()
    notebook = english(PILOT)
    cell(notebook, "notice").source += "\n- One more remark."
    cell(notebook, "one-step").source += "\nprint(cost)"
    nbformat.write(notebook, notebooks / f"{PILOT}.ipynb")
    shutil.copytree(tr.TRANSLATIONS_DIR, catalogues)
    monkeypatch.setattr(tr, "NOTEBOOKS_DIR", notebooks)
    monkeypatch.setattr(tr, "TRANSLATIONS_DIR", catalogues)
    path = tr.catalogue_path(LANGUAGE, PILOT)
    before = path.read_text(encoding="utf-8")
    with pytest.raises(tr.CatalogueError, match="changes its code"):
        tr.stamp(LANGUAGE, PILOT, ["notice", "one-step"])
    with pytest.raises(tr.CatalogueError, match="no cell 'nope'"):
        tr.stamp(LANGUAGE, PILOT, ["nope"])
    assert path.read_text(encoding="utf-8") == before
    entries = tr.load_catalogue(LANGUAGE, PILOT)
    entries["notice"]["source"] = tr.source_text(entries["notice"]) + "\n- 再补充一点。"
    tr.write_catalogue(LANGUAGE, PILOT, entries)
    assert tr.stamp(LANGUAGE, PILOT, ["notice"]) == ["notice"]
    report = tr.translate(notebook, tr.load_catalogue(LANGUAGE, PILOT), LANGUAGE, PILOT)[1]
    assert report.stale == ["one-step"] and "notice" in report.translated


@pytest.mark.parametrize("name", assignments())
def test_no_solution_or_hidden_test_reaches_the_translations(name):
    """Catalogues translate the student cells: no solution line, no hidden test, no marker."""
    texts = {f"notebooks/{LANGUAGE}/{name}.ipynb":
             (ZH_DIR / f"{name}.ipynb").read_text(encoding="utf-8")}
    if tr.catalogue_path(LANGUAGE, name).is_file():
        texts[str(tr.catalogue_path(LANGUAGE, name))] = tr.catalogue_path(
            LANGUAGE, name).read_text(encoding="utf-8")
    solution_lines = set()
    for c in nbformat.read(master_path(name), as_version=4).cells:
        for block in re.findall(r"### BEGIN (?:SOLUTION|HIDDEN TESTS)\n(.*?)### END", c.source,
                                re.S):
            solution_lines |= {line.strip() for line in block.splitlines()
                               if len(line.strip()) >= 20}
    # lines the English student notebook shows anyway (given code written alike) are no secret
    shown = json.dumps(json.loads((NOTEBOOKS_DIR / f"{name}.ipynb").read_text()),
                       ensure_ascii=False)
    solution_lines = {line for line in solution_lines
                      if json.dumps(line, ensure_ascii=False)[1:-1] not in shown}
    for where, text in texts.items():
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "hidden=True"):
            assert marker not in text, f"{marker!r} in {where}"
        decoded = json.loads(text)
        plain = json.dumps(decoded, ensure_ascii=False)
        for line in solution_lines:
            assert json.dumps(line, ensure_ascii=False)[1:-1] not in plain, (where, line)


@pytest.mark.parametrize("name", TRANSLATED)
def test_chinese_paragraphs_are_not_broken_between_two_characters(name):
    """A line break inside a Markdown paragraph renders as a space, which is wrong between two
    Chinese characters: Chinese paragraphs are written on one line."""
    cjk = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
    for cell_id, _, zh in translated_markdown(name):
        broken = re.search(f"[{cjk}]\n[ \t]*[{cjk}]", FENCE.sub("", zh))
        assert not broken, f"{name} {cell_id}: {broken.group(0)!r}"
