"""Fast unit tests of the grading pipeline's pure parts (no kernel, no nbgrader run)."""

from __future__ import annotations

import copy
import csv
import json
import re
import time
from queue import Empty

import nbformat
import pytest

from autograder import NOTEBOOKS_DIR, assignments, master_path
from autograder.grading.run import list_submissions, parse_size, shard_of
from autograder.grading.submission import (
    feedback_notebook,
    find_notebook,
    for_nbgrader,
    meta,
    prepare,
    strip_hidden_tests,
    without_instructor_code,
)

GD = "01_gradient_descent"
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_strip_hidden_tests_keeps_the_visible_check():
    source = ('check("f", f)\n### BEGIN HIDDEN TESTS\ncheck("f", f, hidden=True)\n'
              "### END HIDDEN TESTS\n")
    assert strip_hidden_tests(source) == 'check("f", f)'


def test_find_notebook_names_what_it_did(tmp_path):
    (tmp_path / "other.ipynb").write_text("{}")
    path, notes = find_notebook(tmp_path, GD)
    assert path.name == "other.ipynb" and "instead of" in notes[0]
    (tmp_path / f"{GD}.ipynb").write_text("{}")
    path, notes = find_notebook(tmp_path, GD)
    assert path.name == f"{GD}.ipynb" and "extra notebooks ignored: other.ipynb" in notes[0]


def _master():
    return json.loads(master_path(GD).read_text(encoding="utf-8"))


def _released_like(master):
    """A stand-in for the released notebook: the master with its hidden tests stripped."""
    released = json.loads(json.dumps(master))
    for cell in released["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        cell["source"] = strip_hidden_tests(source)
    return released


@pytest.mark.parametrize("mutation", ["delete", "duplicate", "invalid"])
def test_prepare_rebuilds_every_graded_cell_exactly_once(tmp_path, mutation):
    master = _master()
    released = _released_like(master)
    student = json.loads(json.dumps(released))
    solution = next(c for c in student["cells"] if meta(c).get("solution"))
    if mutation == "delete":
        student["cells"].remove(solution)
    elif mutation == "duplicate":
        index = student["cells"].index(solution)
        student["cells"].insert(index + 1, json.loads(json.dumps(solution)))
    folder = tmp_path / GD
    folder.mkdir()
    text = "{ not json" if mutation == "invalid" else json.dumps(student)
    (folder / f"{GD}.ipynb").write_text(text)
    prepared = prepare(folder, GD, released, master)
    ids = [meta(c).get("grade_id") for c in prepared.notebook["cells"] if meta(c).get("grade_id")]
    assert ids == [meta(c)["grade_id"] for c in released["cells"] if meta(c).get("grade_id")]
    assert prepared.notes, "every repair is named"
    # Locked test cells carry the master's source, so nbgrader sees the checksum it expects.
    tests = {meta(c)["grade_id"]: c["source"] for c in prepared.notebook["cells"]
             if meta(c).get("grade")}
    for cell in master["cells"]:
        if meta(cell).get("grade") and not meta(cell).get("solution"):
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            assert tests[meta(cell)["grade_id"]] == source
    if mutation == "invalid":
        assert prepared.unreadable and "invalid JSON" in prepared.unreadable


MOMENTUM = "03_momentum"


def _releases(assignment):
    """The course's English and zh-CN student notebooks of ``assignment`` (notebooks/)."""
    return {"en": json.loads((NOTEBOOKS_DIR / f"{assignment}.ipynb").read_text("utf-8")),
            "zh-CN": json.loads((NOTEBOOKS_DIR / "zh-CN" / f"{assignment}.ipynb").read_text(
                "utf-8"))}


def _prepare_as(tmp_path, nb, releases, assignment=MOMENTUM):
    folder = tmp_path / assignment
    folder.mkdir()
    (folder / f"{assignment}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    master = json.loads(master_path(assignment).read_text(encoding="utf-8"))
    asked = []

    def release_of(language):
        asked.append(language)
        return releases[language]

    return prepare(folder, assignment, releases["en"], master, releases=release_of), master, asked


def _solutions(nb):
    return {meta(c)["grade_id"]: c["source"] if isinstance(c["source"], str)
            else "".join(c["source"]) for c in nb["cells"] if meta(c).get("solution")}


def test_prepare_rebuilds_a_zh_submission_on_the_zh_release(tmp_path):
    """A zh-CN submission is rebuilt on the zh-CN release: no locked cell counts as modified,
    the page keeps the zh text and language, and nbgrader still gets the master's cells."""
    from nbgrader.utils import compute_checksum

    def checksum(cell):
        cell = json.loads(json.dumps(cell))
        cell["source"] = "".join(cell["source"]) if isinstance(cell["source"], list) else (
            cell["source"])
        return compute_checksum(nbformat.from_dict(cell))

    releases = _releases(MOMENTUM)
    student = json.loads(json.dumps(releases["zh-CN"]))
    for cell in student["cells"]:
        if meta(cell).get("solution"):
            cell["source"] = "# mine\n" + "".join(cell["source"])
    prepared, master, asked = _prepare_as(tmp_path, student, releases)
    assert asked == ["zh-CN"] and prepared.language == "zh-CN"
    assert prepared.released is releases["zh-CN"]
    assert prepared.notes == [], prepared.notes
    assert prepared.notebook["metadata"]["course"]["language"] == "zh-CN"
    assert _solutions(prepared.notebook) == _solutions(student)
    zh_locked = {meta(c)["grade_id"]: "".join(c["source"]) for c in releases["zh-CN"]["cells"]
                 if meta(c).get("locked") and not meta(c).get("grade")}
    shown = {meta(c)["grade_id"]: c["source"] for c in prepared.notebook["cells"]
             if meta(c).get("grade_id") in zh_locked}
    assert shown == zh_locked and any(CJK.search(v) for v in shown.values())
    # what nbgrader autogrades: every locked cell's checksum is the English master's
    graded = for_nbgrader(prepared.notebook, master)
    by_id = {meta(c)["grade_id"]: c for c in master["cells"] if meta(c).get("grade_id")}
    locked = [c for c in graded["cells"] if meta(c).get("locked") and meta(c).get("grade_id")]
    assert len(locked) == len(zh_locked) + sum(1 for c in master["cells"]
                                               if meta(c).get("grade") and meta(c).get("locked"))
    for cell in locked:
        source = by_id[meta(cell)["grade_id"]]
        assert checksum(cell) == checksum(source), meta(cell)["grade_id"]


def test_prepare_of_an_english_submission_is_unchanged(tmp_path):
    """No language (the English release): rebuilt on the English release, no zh release asked
    for, and the page's locked cells are the master's text, as before."""
    releases = _releases(MOMENTUM)
    prepared, master, asked = _prepare_as(tmp_path, releases["en"], releases)
    assert asked == [] and prepared.language == "en" and prepared.notes == []
    assert "course" not in prepared.notebook["metadata"] or (
        "language" not in prepared.notebook["metadata"]["course"])
    assert for_nbgrader(prepared.notebook, master) == prepared.notebook


def test_a_switched_language_loses_no_marks(tmp_path):
    """metadata says zh-CN, cells are the English edition: rebuilt on the zh-CN release, locked
    cells restored (and noted), every solution graded as the student wrote it."""
    releases = _releases(MOMENTUM)
    student = json.loads(json.dumps(releases["en"]))
    student["metadata"].setdefault("course", {})["language"] = "zh-CN"
    prepared, master, _asked = _prepare_as(tmp_path, student, releases)
    assert prepared.language == "zh-CN"
    assert _solutions(prepared.notebook) == _solutions(student)
    assert prepared.notes and all(n.startswith("locked cell ") and n.endswith(": restored")
                                  for n in prepared.notes), prepared.notes
    tests = [c for c in for_nbgrader(prepared.notebook, master)["cells"] if meta(c).get("grade")]
    assert [meta(c)["grade_id"] for c in tests] == [
        meta(c)["grade_id"] for c in master["cells"] if meta(c).get("grade")]


@pytest.mark.parametrize("value", ["fr", ["zh-CN"], 7])
def test_an_unknown_language_is_english_with_a_note(tmp_path, value):
    releases = _releases(MOMENTUM)
    student = json.loads(json.dumps(releases["en"]))
    student["metadata"].setdefault("course", {})["language"] = value
    prepared, _master, asked = _prepare_as(tmp_path, student, releases)
    assert asked == [] and prepared.language == "en"
    assert len(prepared.notes) == 1 and "no language of the course" in prepared.notes[0]
    assert "graded on the English release" in prepared.notes[0]


def test_feedback_notebook_shows_verdicts_and_no_other_output():
    master = _master()
    nb = json.loads(json.dumps(master))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "LEAK"}]
    tests = {meta(c)["grade_id"]: meta(c)["grade_id"][5:] for c in nb["cells"]
             if meta(c).get("grade") and not meta(c).get("solution")}
    verdicts = {name: {"passed": False, "feedback": "wrong sign"} for name in tests.values()}
    out = feedback_notebook(nb, verdicts, tests)
    text = json.dumps(out)
    assert "LEAK" not in text and "HIDDEN TESTS" not in text and "wrong sign" in text


def test_without_instructor_code_keeps_graded_and_student_cells():
    master = _master()
    released = _released_like(master)
    nb = json.loads(json.dumps(released))
    nb["cells"].append({"cell_type": "code", "metadata": {}, "source": "print('mine')",
                        "outputs": [], "execution_count": None})
    slim, dropped = without_instructor_code(nb, released)
    assert any(c["source"] == "print('mine')" for c in slim["cells"])
    graded = [c for c in nb["cells"] if meta(c).get("grade_id")]
    assert [c for c in slim["cells"] if meta(c).get("grade_id")] == graded
    assert dropped == sum(1 for c in released["cells"]
                          if c["cell_type"] == "code" and not meta(c).get("grade_id")
                          and str(c["source"]).strip())


def test_shards_split_whole_students_and_cover_everyone(tmp_path):
    for student in ["a", "b", "c", "d", "e"]:
        for assignment in assignments()[:2]:
            (tmp_path / "submitted" / student / assignment).mkdir(parents=True)
    (tmp_path / "submitted" / ".hidden").mkdir()
    pairs = list_submissions(tmp_path, assignments())
    assert len(pairs) == 10
    shards = [shard_of(pairs, i, 3) for i in (1, 2, 3)]
    assert sorted(p for s in shards for p in s) == sorted(pairs)
    owners = [{s for s, _ in shard} for shard in shards]
    assert not (owners[0] & owners[1] or owners[1] & owners[2] or owners[0] & owners[2])


def test_parse_size():
    assert parse_size("2GiB") == 2 * 1024**3 and parse_size("512m") == 512 * 1024**2


def test_kernel_sockets_fit_a_unix_socket_path_whatever_the_course_root():
    from autograder.grading.kernels import SOCKET_PATH_MAX, socket_dir

    folder = socket_dir()
    try:
        # jupyter_client names sockets <ip>-<port>; the zygote's is "zygote".
        assert len(str(folder / "kernel-65535")) <= SOCKET_PATH_MAX
        assert oct(folder.stat().st_mode & 0o777) == "0o700"
    finally:
        folder.rmdir()


def test_fresh_is_refused_with_a_shard_or_merge(capsys):
    from autograder.grading.run import main

    for extra in (["--shard", "1/2"], ["--merge-only"]):
        with pytest.raises(SystemExit) as stop:
            main(["--fresh", *extra])
        assert stop.value.code == 2
        assert "--fresh forgets every record" in capsys.readouterr().err


def test_feedback_exporter_compiles_templates_once():
    from nbconvert.exporters import HTMLExporter

    from autograder.grading.submission import feedback_exporter_class

    exporter_class = feedback_exporter_class()
    assert issubclass(exporter_class, HTMLExporter) and exporter_class is feedback_exporter_class()
    nb = nbformat.read(master_path(GD), as_version=4)
    first, _ = exporter_class().from_notebook_node(nb)
    assert exporter_class.compiled.store  # compiled code kept for the next page
    second, _ = exporter_class().from_notebook_node(nb)
    plain, _ = HTMLExporter().from_notebook_node(nb)
    assert first == second == plain


def _feedback_exporters():
    """nbgrader's stock feedback exporter and ours, configured as GenerateFeedback does."""
    import os

    import nbgrader
    from nbconvert.exporters import HTMLExporter
    from traitlets.config import Config

    from autograder.grading.submission import feedback_exporter_class

    here = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader")
    config = Config()
    config.HTMLExporter.template_name = "feedback"
    config.HTMLExporter.extra_template_basedirs = [os.path.join(here, "templates")]
    config.HTMLExporter.extra_template_paths = [
        os.path.join(here, "static", "node_modules", "bootstrap", "dist", "css")]
    return HTMLExporter(config=config), feedback_exporter_class()(config=config)


# Cells that must not be set aside, or that stop the setting aside for the rest of the page.
AWKWARD_CELLS = {
    "unclosed div": nbformat.v4.new_markdown_cell('<div class="note">\n\nText *inside*.'),
    "unclosed pre": nbformat.v4.new_markdown_cell("<pre>\n  spaced   out\n"),
    "stray end tag": nbformat.v4.new_markdown_cell("Some text</div></div>\n\nMore."),
    "comment, image, jp- class, entities": nbformat.v4.new_markdown_cell(
        "<!-- a -->A &amp; B &quot;q&quot; ![fig](figures/none.png)\n\n"
        '<div class="jp-Cell-inputWrapper">x</div>'),
    "image without alt": nbformat.v4.new_markdown_cell('<p><img src="figures/none.png"></p>'),
    "jp- classes": nbformat.v4.new_markdown_cell(
        '<div class="jp-Notebook"><div class="jp-Cell-inputWrapper">x</div></div>'),
    "fake placeholder": nbformat.v4.new_markdown_cell('<x-fb-00 i="0"></x-fb-00>'),
    "code with quotes": nbformat.v4.new_code_cell("s = \"a & b\" < 'c'  # jp-Notebook\n\n\n"),
    "html output": nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": "<div><pre>open", "text/plain": "x"})]),
    "raw cell": nbformat.v4.new_raw_cell("<div>raw", metadata={"format": "text/html"}),
}


def _graded_master():
    """The master as GetGrades leaves it: every graded cell carries its score."""
    nb = nbformat.read(master_path(GD), as_version=4)
    for cell in nb.cells:
        if meta(cell).get("grade"):
            cell.metadata.nbgrader["score"] = meta(cell).get("points", 0)
    return nb


def _feedback_resources():
    return {"nbgrader": {"notebook": GD, "score": 1.0, "max_score": 2.0, "late_penalty": 0}}


def test_feedback_page_is_byte_identical_to_nbgraders():
    """The set-aside fragments (highlighted code, rendered Markdown) give the very bytes of
    nbconvert's own pass over the whole page, on a real master and after each awkward cell."""
    from autograder.grading import submission

    stock, ours = _feedback_exporters()
    master = _graded_master()
    submission._NORMALISED.items.clear()
    expected, _ = stock.from_notebook_node(master, _feedback_resources())
    got, _ = ours.from_notebook_node(master, _feedback_resources())
    assert got == expected
    assert len(submission._NORMALISED.items) > 10  # the fast path ran
    again, _ = ours.from_notebook_node(master, _feedback_resources())  # from the caches
    assert again == expected
    for name, cell in AWKWARD_CELLS.items():
        nb = _graded_master()
        middle = len(nb.cells) // 2
        nb.cells.insert(middle, cell)
        twin = copy.deepcopy(cell)
        twin.id = f"{cell.id}-twin"
        nb.cells.insert(3, twin)
        expected, _ = stock.from_notebook_node(nb, _feedback_resources())
        got, _ = ours.from_notebook_node(nb, _feedback_resources())
        assert got == expected, name


def test_feedback_page_placeholders_cannot_be_forged():
    """A page's placeholders carry a fresh random name: a cell that writes one is only text."""
    stock, ours = _feedback_exporters()
    nb = _graded_master()
    nb.cells.insert(2, nbformat.v4.new_markdown_cell('<x-fb-0 i="0"></x-fb-0>'))
    got, _ = ours.from_notebook_node(nb, _feedback_resources())
    assert '<x-fb-0 i="0"></x-fb-0>' in got and not re.search(r"<x-fb-[0-9a-f]{16}", got)
    assert got == stock.from_notebook_node(nb, _feedback_resources())[0]


# ----------------------------------------------------------------------------- mistakes.csv
def _record(student, assignment, **verdicts):
    return {"student": student, "assignment": assignment,
            "verdicts": {name: dict(v, name=name) for name, v in verdicts.items()}}


def test_mistake_rows_count_students_and_keep_one_example(tmp_path):
    from autograder.grading import mistakes
    wrong = {"passed": False, "mistake": "gd/wrong-sign",
             "feedback": "update_parameters_with_gd: steps up\n  Tried: a\n  Got: b\n  c\n  d"}
    records = [
        _record("zoe", "01_gd", update_parameters_with_gd=wrong),
        _record("amy", "01_gd", update_parameters_with_gd=dict(wrong, feedback="amy's\nline")),
        _record("bob", "01_gd", update_parameters_with_gd={"passed": True, "mistake": None,
                                                           "feedback": "ok"}),
        _record("cat", "01_gd", update_parameters_with_gd={"passed": False, "mistake": None,
                                                           "feedback": "no name"}),
        _record("dan", "03_m",
                initialize_velocity={"passed": False, "mistake": "init-velocity/ones",
                                     "feedback": "ones"},
                update_parameters_with_momentum={"passed": False,
                                                 "mistake": "momentum/no-one-minus-beta",
                                                 "feedback": "x"}),
        {"student": "eve", "assignment": "01_gd", "verdicts": {}},   # broken submission
        {"student": "old", "assignment": "01_gd"},                    # a record without verdicts
    ]
    rows = mistakes.mistake_rows(records)
    assert [(r["assignment"], r["function"], r["mistake"], r["students"]) for r in rows] == [
        ("01_gd", "update_parameters_with_gd", "gd/wrong-sign", 2),
        ("01_gd", "update_parameters_with_gd", "", 1),
        ("03_m", "initialize_velocity", "init-velocity/ones", 1),
        ("03_m", "update_parameters_with_momentum", "momentum/no-one-minus-beta", 1)]
    assert rows[0]["example_feedback"] == "amy's\nline"     # the first student's, stable
    path, written = mistakes.write_mistakes(tmp_path, records[:1])
    with open(path, newline="", encoding="utf-8") as handle:
        back = list(csv.DictReader(handle))
    assert list(back[0]) == mistakes.COLUMNS and back[0]["students"] == "1"
    assert back[0]["example_feedback"].splitlines() == wrong["feedback"].splitlines()[:4]
    lines = mistakes.summary_lines(rows)
    assert lines[1] == "  01_gd: gd/wrong-sign (2 students); 1 failure without a named mistake"
    assert lines[2].startswith("  03_m: init-velocity/ones (1 student); momentum/")


def test_summary_lists_at_most_three_mistakes_per_assignment():
    from autograder.grading import mistakes
    records = [_record(f"s{i}", "05_adam", update_parameters_with_adam={
        "passed": False, "mistake": f"adam/m{i % 5}", "feedback": "f"}) for i in range(20)]
    lines = mistakes.summary_lines(mistakes.mistake_rows(records))
    assert len(lines) == 2 and lines[1].count("(4 students)") == 3
    assert mistakes.summary_lines([]) == [
        "Most common mistakes: none (every graded function passed)."]


def test_zygote_warms_what_a_kernels_first_traceback_needs():
    # In a fresh interpreter: the warm-up formats a traceback without complaint and leaves the
    # modules IPython's verbose tracebacks import loaded (forked kernels then inherit them).
    import subprocess
    import sys

    code = ("import sys\nfrom autograder.grading import sandbox\nsandbox._warm_tracebacks()\n"
            "print(sorted(m for m in ('stack_data', 'pygments.lexers.python', "
            "'pygments.formatters.terminal256') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert "not warmed" not in result.stderr, result.stderr
    assert result.stdout.strip() == str(["pygments.formatters.terminal256",
                                         "pygments.lexers.python", "stack_data"])


@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # nbgrader's own add_submission
def test_a_hand_run_nbgrader_export_leaves_pending_hand_grades_blank(tmp_path, monkeypatch):
    """`nbgrader export` run by hand in the course folder uses the course's export plugin: an
    answer still waiting for a hand grade leaves the score blank (plain nbgrader writes 0.0)."""
    import shutil
    import subprocess
    import sys

    from nbgrader.api import Gradebook

    from autograder import COURSE_DIR
    from autograder.publish.notebooks import nbgrader_env

    monkeypatch.setenv("PATH", nbgrader_env()["PATH"])  # the gradebook calls alembic from PATH
    shutil.copy(COURSE_DIR / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}", "optim-course") as gb:
        gb.add_assignment("07_comparison")
        gb.add_notebook("07_comparison", "07_comparison")
        gb.add_grade_cell("written_answer", "07_comparison", "07_comparison", max_score=5,
                          cell_type="markdown")
        gb.add_solution_cell("written_answer", "07_comparison", "07_comparison")
        for student in ("waiting", "marked"):
            gb.add_student(student)
            gb.add_submission("07_comparison", student)
            grade = gb.find_grade("written_answer", "07_comparison", "07_comparison", student)
            grade.needs_manual_grade = student == "waiting"
            grade.manual_score = None if student == "waiting" else 4.0
        gb.db.commit()

    def exported() -> dict[str, str]:
        subprocess.run([sys.executable, "-m", "nbgrader", "export", "--to=out.csv"],
                       cwd=tmp_path, env=nbgrader_env(), check=True, capture_output=True)
        with open(tmp_path / "out.csv", newline="", encoding="utf-8") as handle:
            return {row["student_id"]: row["score"] for row in csv.DictReader(handle)}

    assert exported() == {"waiting": "", "marked": "4.0"}
    # What the plugin is there to fix: nbgrader's own plugin writes a 0 for the waiting answer.
    from nbgrader.plugins import CsvExportPlugin

    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}", "optim-course") as gb:
        CsvExportPlugin(to=str(tmp_path / "plain.csv")).export(gb)
    with open(tmp_path / "plain.csv", newline="", encoding="utf-8") as handle:
        plain = {row["student_id"]: row["score"] for row in csv.DictReader(handle)}
    assert plain == {"waiting": "0.0", "marked": "4.0"}


# ----------------------------------------------------------------------------- notes in Chinese
def _notes_cell(nb):
    return nb["cells"][0]["source"]


def test_the_graders_notes_reach_a_zh_student_in_chinese_and_instructors_in_english(tmp_path):
    """A zh submission with a modified locked cell, a deleted solution cell and an extra
    notebook: the notes are English strings (record, summary, CSV) and Chinese on the page."""
    from autograder.checks.i18n import Message

    releases = _releases(MOMENTUM)
    student = copy.deepcopy(releases["zh-CN"])
    locked = next(c for c in student["cells"] if meta(c).get("locked")
                  and not meta(c).get("grade") and meta(c).get("grade_id"))
    locked["source"] = "changed by the student"
    solution = next(c for c in student["cells"] if meta(c).get("solution"))
    student["cells"].remove(solution)
    folder = tmp_path / MOMENTUM
    folder.mkdir()
    (folder / f"{MOMENTUM}.ipynb").write_text(json.dumps(student), encoding="utf-8")
    (folder / "notes.ipynb").write_text("{}", encoding="utf-8")
    master = json.loads(master_path(MOMENTUM).read_text(encoding="utf-8"))
    prepared = prepare(folder, MOMENTUM, releases["en"], master, releases=releases.get)
    assert prepared.language == "zh-CN"
    lid, sid = meta(locked)["grade_id"], meta(solution)["grade_id"]
    assert sorted(prepared.notes) == sorted(["extra notebooks ignored: notes.ipynb",
                                             f"cell {sid} deleted: graded the released stub",
                                             f"locked cell {lid} modified: restored"])
    assert all(isinstance(n, Message) for n in prepared.notes)
    assert json.loads(json.dumps(prepared.notes)) == prepared.notes  # the record keeps English
    page = feedback_notebook(prepared.notebook, {}, {}, prepared.notes)
    notes = _notes_cell(page)
    assert notes.startswith("**评分程序对你所交作业的说明**"), notes
    for chinese in ("忽略了多余的笔记本：notes\\.ipynb",
                    f"单元格 {sid.replace('_', chr(92) + '_')} 被删除了：按发布时的空白代码评分",
                    f"锁定的单元格 {lid.replace('_', chr(92) + '_')} 被修改了：已恢复"):
        assert chinese in notes, (chinese, notes)
    assert not re.search(r"[A-Za-z]{4,} [a-z]{3,}", notes), notes  # no English sentence left
    english = feedback_notebook(releases["en"], {}, {}, prepared.notes)
    assert "locked cell" in _notes_cell(english) and not CJK.search(_notes_cell(english))


def test_every_note_and_refusal_is_in_the_catalogue_with_its_placeholders():
    """The notes (submission.py), the refusals (safefiles.py) and the child's crash reasons
    (isolation.py) are messages of the checks' catalogue: each has Chinese with the same
    placeholders, so any of them reaches a zh student in Chinese."""
    import ast
    from pathlib import Path

    from autograder.checks import i18n

    chinese = i18n.translations("zh-CN")
    root = Path(__file__).resolve().parents[1] / "autograder"
    found = 0
    for path in (root / "grading" / "submission.py", root / "localcheck" / "safefiles.py",
                 root / "localcheck" / "isolation.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "N_"
                    and isinstance(node.args[0], ast.Constant)):
                english = node.args[0].value
                found += 1
                zh = chinese.gettext(english)
                assert zh != english and CJK.search(zh), english
                assert sorted(re.findall(r"\{\w+\}", zh)) == sorted(
                    re.findall(r"\{\w+\}", english)), english
        # no English-only f-string note or refusal is left
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"notes\.append\(f[\"']|Refused\(f[\"']|reason = f[\"']", source), \
            path
    assert found > 60


def test_refusals_say_themselves_in_the_learners_language(tmp_path):
    from autograder.localcheck.safefiles import (
        NOTEBOOK_MAX_DEPTH,
        Refused,
        loads_bounded,
        read_regular,
    )

    with pytest.raises(Refused) as invalid:
        loads_bounded('{"cells": [1, 2,, 3]}', max_bytes=1000, max_depth=8, what="notebook")
    assert str(invalid.value) == "invalid JSON (Expecting value: line 1 column 17 (char 16))"
    assert invalid.value.translated("zh-CN") == (
        "JSON 无效（第 1 行第 17 列，即第 16 个字符：此处应为一个值）")
    with pytest.raises(Refused) as deep:
        loads_bounded("[" * 100 + "]" * 100, max_bytes=1000, max_depth=NOTEBOOK_MAX_DEPTH,
                      what="notebook")
    assert str(deep.value) == "notebook nested too deeply (more than 64 levels)"
    assert deep.value.translated("zh-CN") == "笔记本嵌套太深（超过 64 层）"
    (tmp_path / "real.ipynb").write_text("{}")
    (tmp_path / "link.ipynb").symlink_to(tmp_path / "real.ipynb")
    with pytest.raises(Refused) as link:
        read_regular(tmp_path / "link.ipynb", 1000)
    assert str(link.value) == "link.ipynb is a symbolic link: not followed, not read"
    assert link.value.translated("zh-CN") == "link.ipynb 是一个符号链接：没有跟随它，也没有读取"
    with pytest.raises(Refused) as large:
        read_regular(tmp_path / "real.ipynb", 1)
    assert large.value.translated("zh-CN") == "real.ipynb 大于 1 字节"


def test_a_childs_crash_reason_is_english_and_chinese():
    """A real child that segfaults and one that runs too long: the reasons are English as text
    and Chinese translated."""
    from autograder.checks.i18n import translated
    from autograder.localcheck.isolation import Limits, run_isolated

    entry = "autograder.localcheck.isolation:exec_entry"
    crashed = run_isolated(entry, {"source": "import ctypes\nctypes.string_at(0)",
                                   "result": None}, Limits(wall_seconds=10))
    assert crashed.status == "crashed"
    assert crashed.reason == "the process died (SIGSEGV, a segmentation fault)"
    assert translated(crashed.reason, "zh-CN") == "进程意外终止（SIGSEGV，段错误）"
    slow = run_isolated(entry, {"source": "while True:\n    pass", "result": None},
                        Limits(wall_seconds=1))
    assert slow.status == "timeout" and slow.reason == "did not finish within 1 s"
    assert translated(slow.reason, "zh-CN") == "没有在 1 秒内完成"


# ----------------------------------------------------------------------------- unreadable
@pytest.mark.parametrize("damage", ["truncated", "comma"])
def test_an_unreadable_zh_submission_is_rebuilt_on_the_zh_release(tmp_path, damage):
    """Invalid JSON has no metadata anyone can read: its language is found in its bytes (the
    zh release's language cell near the start, its metadata at the end), so the student's page
    is Chinese, the reason too; the record keeps the English reason."""
    from autograder.grading.feedback import student_notebook
    from autograder.grading.submission import sniff_language

    releases = _releases(MOMENTUM)
    text = json.dumps(releases["zh-CN"], ensure_ascii=False, indent=1)
    broken = text[: len(text) // 2] if damage == "truncated" else text.replace(
        '"cells": [', '"cells": [,', 1)
    folder = tmp_path / MOMENTUM
    folder.mkdir()
    (folder / f"{MOMENTUM}.ipynb").write_text(broken, encoding="utf-8")
    assert sniff_language(folder / f"{MOMENTUM}.ipynb") == "zh-CN"
    master = json.loads(master_path(MOMENTUM).read_text(encoding="utf-8"))
    asked = []
    prepared = prepare(folder, MOMENTUM, releases["en"], master,
                       releases=lambda lang: asked.append(lang) or releases[lang])
    assert asked == ["zh-CN"] and prepared.language == "zh-CN"
    assert prepared.unreadable.startswith("invalid JSON (")  # English for the instructor
    assert prepared.notebook["metadata"]["course"]["language"] == "zh-CN"
    fb = json.loads(json.dumps(feedback_notebook(prepared.notebook, {}, {}, prepared.notes)))
    record = json.loads(json.dumps({"unreadable": prepared.unreadable, "verdicts": {}}))
    page = student_notebook(fb, record, fb)
    banner = page["cells"][0]["source"]
    assert banner.startswith("**无法读取你的笔记本：JSON 无效（第 "), banner
    assert not re.search(r"[A-Za-z]{4,} [a-z]{3,}", banner), banner
    assert "JSON 无效" in page["cells"][1]["source"]  # the notes, in Chinese too


def test_an_unreadable_english_or_unknown_submission_stays_english(tmp_path):
    from autograder.grading.submission import sniff_language

    releases = _releases(MOMENTUM)
    english = json.dumps(releases["en"], indent=1)
    cases = {"en.ipynb": english[: len(english) // 2], "junk.ipynb": "\x00\xff garbage",
             # the words in a student's code are escaped in JSON: never taken for the metadata
             "code.ipynb": '{"cells": [{"source": "m = {\\"course\\": {\\"language\\": '
                           '\\"zh-CN\\"}}"}], oops'}
    for name, content in cases.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
        assert sniff_language(tmp_path / name) == "en", name
    (tmp_path / "link.ipynb").symlink_to(tmp_path / "en.ipynb")
    assert sniff_language(tmp_path / "link.ipynb") == "en"
    folder = tmp_path / MOMENTUM
    folder.mkdir()
    (folder / f"{MOMENTUM}.ipynb").write_text(cases["en.ipynb"], encoding="utf-8")
    master = json.loads(master_path(MOMENTUM).read_text(encoding="utf-8"))
    asked = []
    prepared = prepare(folder, MOMENTUM, releases["en"], master,
                       releases=lambda lang: asked.append(lang) or releases[lang])
    assert asked == [] and prepared.language == "en"
    # nothing says which edition it was: the page says it in English, then in Chinese
    from autograder.grading.feedback import student_notebook

    fb = json.loads(json.dumps(feedback_notebook(prepared.notebook, {}, {}, prepared.notes)))
    record = json.loads(json.dumps({"unreadable": prepared.unreadable, "verdicts": {}}))
    page = student_notebook(fb, record, fb)
    english, chinese = page["cells"][0]["source"], page["cells"][1]["source"]
    assert english.startswith("**Your notebook could not be read: invalid JSON ("), english
    assert chinese.startswith("**无法读取你的笔记本：JSON 无效（第 "), chinese
    assert not re.search(r"[A-Za-z]{4,} [a-z]{3,}", chinese), chinese


# --- kernel channels: a missed wake-up costs one poll slice, not the whole timeout ------------

async def _wait_after_missed_wakeup(channel_class, timeout):
    """Seconds ``channel_class.get_msg(timeout)`` takes to return a message that arrived while it
    waited, when the socket's edge-triggered FD lost its wake-up (another reader of
    ``zmq.EVENTS`` consumed the edge: how headless runs of notebook 07 stalled ~600 s)."""
    import asyncio

    import zmq
    import zmq.asyncio
    from jupyter_client.session import Session

    context = zmq.asyncio.Context()
    try:
        receiver, sender = context.socket(zmq.PAIR), context.socket(zmq.PAIR)
        receiver.bind("inproc://missed-wakeup")
        sender.connect("inproc://missed-wakeup")
        session = Session()
        channel = channel_class(receiver, session)
        start = time.monotonic()
        waiting = asyncio.ensure_future(channel.get_msg(timeout=timeout))
        await asyncio.sleep(0.2)                       # the wait now sleeps on the FD
        session.send(zmq.Socket.shadow(sender.underlying), "kernel_info_reply", {})
        receiver.getsockopt(zmq.EVENTS)                # the FD's edge is consumed here
        reply = await waiting
        return reply["msg_type"], time.monotonic() - start
    finally:
        context.destroy(linger=0)


def test_a_missed_wakeup_costs_a_poll_slice_not_the_timeout():
    import asyncio

    from jupyter_client.channels import AsyncZMQSocketChannel

    from autograder.grading.channels import ReadyKernelClient, SlicedPollChannel

    # jupyter_client's own channel: the waiting reply is seen only when the timeout ends
    kind, stock = asyncio.run(_wait_after_missed_wakeup(AsyncZMQSocketChannel, 4))
    assert kind == "kernel_info_reply" and stock >= 3.9, stock
    kind, sliced = asyncio.run(_wait_after_missed_wakeup(SlicedPollChannel, 4))
    assert kind == "kernel_info_reply" and sliced < 1.9, sliced
    # the grader's kernels (and the tests' headless runs) talk through such channels
    for name in ("shell", "iopub", "stdin", "control"):
        assert getattr(ReadyKernelClient, f"{name}_channel_class").default_value \
            is SlicedPollChannel


def test_a_sliced_wait_keeps_its_timeout():
    import asyncio

    import zmq
    import zmq.asyncio
    from jupyter_client.session import Session

    from autograder.grading.channels import SlicedPollChannel

    async def wait(timeout):
        context = zmq.asyncio.Context()
        try:
            socket = context.socket(zmq.PAIR)
            socket.bind("inproc://nothing-comes")
            channel = SlicedPollChannel(socket, Session())
            start = time.monotonic()
            with pytest.raises(Empty):
                await channel.get_msg(timeout=timeout)
            return time.monotonic() - start
        finally:
            context.destroy(linger=0)

    assert asyncio.run(wait(0)) < 0.5
    assert 2.4 <= asyncio.run(wait(2.5)) < 3.5      # three slices, one of them short


# ---------------------------------------------------------------------------------------------
# The shard's faster forms of nbgrader's parts: the same behaviour.


def _metadata_cases():
    """A master notebook (valid), and copies each broken the way nbgrader's metadata check is
    there to catch."""
    master = nbformat.read(master_path(GD), as_version=4)
    graded = [c for c in master.cells if c.metadata.get("nbgrader", {}).get("grade")]
    solution = next(c for c in master.cells if c.metadata.get("nbgrader", {}).get("solution"))
    markdown = next(c for c in master.cells if c.cell_type == "markdown")

    def case(change):
        nb = copy.deepcopy(master)
        change(nb)
        return nb

    def index(cell):
        return master.cells.index(cell)

    return {
        "valid": master,
        "points-not-a-number": case(lambda nb: nb.cells[index(graded[0])].metadata["nbgrader"]
                                    .update(points="ten")),
        "unknown-type": case(lambda nb: nb.cells[index(graded[0])].metadata["nbgrader"]
                             .update(locked="yes")),
        "no-grade-id": case(lambda nb: nb.cells[index(graded[0])].metadata["nbgrader"]
                            .pop("grade_id")),
        "empty-grade-id": case(lambda nb: nb.cells[index(solution)].metadata["nbgrader"]
                               .update(grade_id="")),
        "old-schema": case(lambda nb: nb.cells[index(graded[0])].metadata["nbgrader"]
                           .update(schema_version=2)),
        "new-schema": case(lambda nb: nb.cells[index(graded[0])].metadata["nbgrader"]
                           .update(schema_version=4)),
        "duplicate-id": case(lambda nb: nb.cells[index(solution)].metadata["nbgrader"]
                             .update(grade_id=graded[0].metadata["nbgrader"]["grade_id"])),
        "markdown-grade-only": case(lambda nb: nb.cells[index(markdown)].metadata.update(
            nbgrader={"schema_version": 3, "grade": True, "solution": False, "locked": False,
                      "grade_id": "md", "points": 1})),
    }


def _outcome(check, nb):
    try:
        check(nb)
    except Exception as exc:  # noqa: BLE001 - the outcome is what is compared
        return type(exc).__name__, str(exc)
    return None


@pytest.mark.parametrize("name", list(_metadata_cases()))
def test_metadata_check_fails_exactly_where_nbgrader_does(name):
    from nbgrader.nbgraderformat import MetadataValidator
    from nbgrader.preprocessors import CheckCellMetadata

    from autograder.grading.shard import autograde_preprocessors

    nb = _metadata_cases()[name]
    ours = next(pp for pp in autograde_preprocessors()[0] if issubclass(pp, CheckCellMetadata))
    assert ours is not CheckCellMetadata
    # The validator: the same error (type and message) as nbgrader's, or none.
    expected = _outcome(MetadataValidator().validate_nb, copy.deepcopy(nb))
    assert _outcome(ours.validator_class().validate_nb, copy.deepcopy(nb)) == expected
    assert (expected is None) == (name == "valid")
    # The preprocessor: passes, or raises what nbgrader's raises.
    assert (_outcome(lambda n: ours().preprocess(n, {}), copy.deepcopy(nb))
            == _outcome(lambda n: CheckCellMetadata().preprocess(n, {}), copy.deepcopy(nb)))


def test_autograde_runs_nbgraders_preprocessors_in_order():
    from nbgrader.converters.autograde import Autograde

    from autograder.grading.shard import autograde_preprocessors

    for ours, name in zip(autograde_preprocessors(),
                          ("sanitize_preprocessors", "autograde_preprocessors"), strict=True):
        theirs = Autograde.class_traits()[name].default()
        assert len(ours) == len(theirs)
        for mine, original in zip(ours, theirs, strict=True):
            assert issubclass(mine, original)
        assert sum(mine is not original for mine, original in zip(ours, theirs, strict=True)) == (
            1 if name == "sanitize_preprocessors" else 2)


def test_scratch_gradebook_skips_the_disk_sync_only_for_itself(tmp_path, monkeypatch):
    from nbgrader.api import Gradebook
    from sqlalchemy import text

    from autograder.grading.shard import scratch_gradebook
    from autograder.publish.notebooks import nbgrader_env

    monkeypatch.setenv("PATH", nbgrader_env()["PATH"])  # a new gradebook runs alembic

    for name in ("scratch.db", "course.db"):
        with Gradebook(f"sqlite:///{tmp_path / name}", "optim-course"):
            pass
    scratch_gradebook(tmp_path / "scratch.db")
    synchronous = {}
    for name in ("scratch.db", "course.db"):
        with Gradebook(f"sqlite:///{tmp_path / name}", "optim-course") as gb:
            gb.add_student(f"s-{name}")
            gb.db.commit()
            synchronous[name] = gb.db.execute(text("PRAGMA synchronous")).scalar()
    assert synchronous == {"scratch.db": 0, "course.db": 2}  # OFF there, FULL elsewhere
    with Gradebook(f"sqlite:///{tmp_path / 'scratch.db'}", "optim-course") as gb:
        assert [s.id for s in gb.students] == ["s-scratch.db"]
        engine = gb.engine
    # One engine for the scratch gradebook (its statement cache kept), fresh ones elsewhere.
    with Gradebook(f"sqlite:///{tmp_path / 'scratch.db'}", "optim-course") as gb:
        assert gb.engine is engine and [s.id for s in gb.students] == ["s-scratch.db"]
        gb.add_student("second")
        gb.db.commit()
    with Gradebook(f"sqlite:///{tmp_path / 'course.db'}", "optim-course") as gb, \
            Gradebook(f"sqlite:///{tmp_path / 'course.db'}", "optim-course") as other:
        assert gb.engine is not other.engine and gb.engine is not engine
    with Gradebook(f"sqlite:///{tmp_path / 'scratch.db'}", "optim-course") as gb:
        assert sorted(s.id for s in gb.students) == ["s-scratch.db", "second"]


def test_kernel_stop_is_noticed_within_milliseconds():
    import asyncio
    import time

    from autograder.grading.kernels import SandboxKernelManager

    class Dies(SandboxKernelManager):
        """A kernel that is gone 30 ms after the kill (a real one: a few ms)."""

        async def _async_is_alive(self):
            return time.monotonic() < self.gone_at

    manager = Dies()
    manager.gone_at = time.monotonic() + 0.03
    started = time.monotonic()
    asyncio.run(manager._async_wait())
    waited = time.monotonic() - started
    assert 0.03 <= waited < 0.095, waited  # jupyter_client's own poll: 0.1 s
    manager.gone_at = time.monotonic() + 0.5  # one that takes long: polled at 0.1 s as before
    polls = 0

    async def count():
        nonlocal polls
        original = manager._async_is_alive

        async def alive():
            nonlocal polls
            polls += 1
            return await original()
        manager._async_is_alive = alive
        await manager._async_wait()
    asyncio.run(count())
    assert polls < 15
