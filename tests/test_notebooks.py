"""The course notebooks: generated faithfully, gradable, runnable headless, and readable.

- ``notebooks/`` is exactly what ``make release`` generates from the masters, with no solution
  or hidden test in it;
- every master passes ``nbgrader validate``; every student notebook fails every test cell
  (``nbgrader validate --invert``) without crashing the kernel;
- every master runs headless top to bottom and prints the classic results;
- the Markdown renders: balanced math, no constructs MathJax/KaTeX reject, no missing figures;
- ruff passes on the masters' code.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import COURSE_DIR, NOTEBOOKS_DIR, assignments, master_path
from autograder.publish.notebooks import nbgrader_env

ASSIGNMENTS = assignments()
ROOT = COURSE_DIR.parent

# Results each notebook must print when run with its default settings (measured with the
# masters' solutions through helpers.training; see benchmarks/training.py).
CLASSIC_RESULTS = {
    "02_minibatches": ["71.67"],
    "03_momentum": ["71.67"],
    "04_rmsprop": ["71.67", "94.33"],
    "05_adam": ["94.33"],
    "06_learning_rate_decay": ["65.33", "94.33", "95.33", "94.00"],
}


def code_and_outputs(nb) -> str:
    """All text a reader sees in the outputs of an executed notebook."""
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                parts.append(output["text"])
            for key in ("text/plain", "text/markdown", "text/html"):
                value = output.get("data", {}).get(key)
                if value:
                    parts.append(value if isinstance(value, str) else "".join(value))
    return "\n".join(parts)


def test_every_assignment_has_a_student_notebook():
    assert len(ASSIGNMENTS) == 8
    assert sorted(p.stem for p in NOTEBOOKS_DIR.glob("*.ipynb")) == ASSIGNMENTS


@pytest.mark.slow
def test_student_notebooks_are_exactly_what_release_generates(tmp_path, released_notebooks):
    released_notebooks(tmp_path)  # generate(), once per run for every module that asks
    for name in ASSIGNMENTS:
        fresh = (tmp_path / f"{name}.ipynb").read_text()
        committed = (NOTEBOOKS_DIR / f"{name}.ipynb").read_text()
        assert fresh == committed, f"notebooks/{name}.ipynb drifted: run `make release`"


def test_student_notebooks_carry_what_the_course_kernel_reports():
    """JupyterLab copies the kernel's language_info and kernelspec into a notebook it opens; when
    the file already holds exactly that, opening and saving an untouched notebook changes nothing
    (the browser tests save one and compare bytes)."""
    from autograder.publish.notebooks import kernel_metadata

    expected = kernel_metadata()
    for name in ASSIGNMENTS:
        metadata = nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4).metadata
        for key, value in expected.items():
            assert metadata.get(key) == value, f"{name}: metadata.{key} is {metadata.get(key)}"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_no_solution_or_hidden_test_reaches_students(name):
    text = (NOTEBOOKS_DIR / f"{name}.ipynb").read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "hidden=True"):
        assert marker not in text, f"{marker!r} found in notebooks/{name}.ipynb"


_VALIDATING = re.compile(r"^\[ValidateApp \| INFO\] Validating '(.+)'$", re.M)


def nbgrader_validate(paths: list[Path], *extra: str) -> dict[Path, str]:
    """One ``nbgrader validate`` over ``paths`` (nbgrader still runs each notebook in a fresh
    kernel of its own, in the notebook's folder; one process saves its start-up): what it wrote
    for each notebook, from the line announcing it to the next one's. A notebook it never
    reached (a fatal error stops it) has no entry; ``None`` holds the whole output."""
    env = nbgrader_env()
    env["PYTHONUNBUFFERED"] = "1"  # its log (stderr) and its verdicts (stdout) in order
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", "validate", *map(str, paths), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=paths[0].parent,
        env=env, timeout=600 * len(paths))
    out = result.stdout
    starts = list(_VALIDATING.finditer(out))
    ends = [m.start() for m in starts[1:]] + [len(out)] * bool(starts)
    sections = {Path(m.group(1)).resolve(): out[m.start():end]
                for m, end in zip(starts, ends, strict=True)}
    sections[None] = f"exit status {result.returncode}\n{out}"
    return sections


@pytest.fixture(scope="module")
def masters_validated():
    return nbgrader_validate([master_path(name) for name in ASSIGNMENTS])


@pytest.fixture(scope="module")
def students_validated_inverted():
    return nbgrader_validate([NOTEBOOKS_DIR / f"{name}.ipynb" for name in ASSIGNMENTS
                              if name != "07_comparison"], "--invert")


@pytest.mark.slow
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_master_passes_nbgrader_validate(name, masters_validated):
    path = master_path(name).resolve()
    assert path in masters_validated, f"not validated:\n{masters_validated[None]}"
    out = masters_validated[path]
    assert "Success! Your notebook passes all the tests." in out, out


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in ASSIGNMENTS if n != "07_comparison"])
def test_student_notebook_fails_every_test_cell(name, students_validated_inverted):
    path = (NOTEBOOKS_DIR / f"{name}.ipynb").resolve()
    assert path in students_validated_inverted, (
        f"not validated:\n{students_validated_inverted[None]}")
    out = students_validated_inverted[path]
    assert "Success! The notebook does not pass any tests." in out, out


@pytest.mark.slow
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_master_runs_headless_and_prints_the_classic_results(name, executed_master):
    # executed once per run, shared with test_translations.py (tests/conftest.py)
    nb = executed_master(name)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors, errors
    printed = code_and_outputs(nb)
    for number in CLASSIC_RESULTS.get(name, []):
        assert number in printed, f"{name} should print the classic result {number}%"
    prose = prose_of(name)
    for quoted, output in quoted_numbers(name):
        assert " ".join(quoted.split()) in prose, (
            f"{name}: the prose no longer says {quoted!r} (update {QUOTED}/{name}.py)")
        assert output in printed, (
            f"{name}: the prose says {quoted!r}, but the executed master does not print {output!r}")


QUOTED = Path(__file__).parent / "fixtures" / "quoted"


def prose_of(name: str) -> str:
    """The master's Markdown with every run of whitespace made one space (prose is rewrapped
    freely; a quoted literal may span a line break)."""
    return " ".join(" ".join(text for _, text in markdown_cells(name)).split())


def quoted_numbers(name: str) -> list[tuple[str, str]]:
    """The deterministic numbers a notebook's prose quotes, each with the literal text the
    executed master prints it as: ``tests/fixtures/quoted/<name>.py`` holds
    ``QUOTES = [("text in a markdown cell", "text in the printed outputs"), ...]``. The prose
    literal is matched with whitespace collapsed; the output literal exactly."""
    path = QUOTED / f"{name}.py"
    if not path.is_file():
        return []
    import runpy

    quotes = runpy.run_path(str(path)).get("QUOTES")
    assert isinstance(quotes, list) and quotes, f"{path}: QUOTES must be a non-empty list"
    for row in quotes:
        assert (isinstance(row, tuple) and len(row) == 2 and all(isinstance(x, str) and x
                                                                 for x in row)), (
            f"{path}: each QUOTES row is (prose literal, output literal), got {row!r}")
    return quotes


def test_quoted_numbers_appear_in_the_prose():
    """The fast half of the quoted-numbers test (the master run checks the outputs)."""
    for name in ASSIGNMENTS:
        prose = prose_of(name)
        for quoted, _ in quoted_numbers(name):
            assert " ".join(quoted.split()) in prose, f"{name}: the prose no longer says {quoted!r}"


# ----------------------------------------------------------------------------- Markdown
MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$", re.S)
REJECTED = [r"\newcommand", r"\def\\", r"\begin{align}", r"\begin{equation}", r"\label{"]


def markdown_cells(name: str):
    nb = json.loads(master_path(name).read_text())
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown":
            yield index, "".join(cell["source"])


def strip_code(text: str) -> str:
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return re.sub(r"`[^`\n]*`", "", text)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_markdown_math_is_well_formed(name):
    for index, text in markdown_cells(name):
        prose = strip_code(text)
        assert prose.count("$$") % 2 == 0, f"cell {index}: unbalanced $$"
        for match in MATH.finditer(prose):
            formula = match.group(1) or match.group(2)
            where = f"{name} cell {index}: {formula[:60]!r}"
            unescaped = re.sub(r"\\[{}]", "", formula)
            assert unescaped.count("{") == unescaped.count("}"), f"unbalanced braces in {where}"
            lefts = len(re.findall(r"\\left(?![a-zA-Z])", formula))
            rights = len(re.findall(r"\\right(?![a-zA-Z])", formula))
            assert lefts == rights, f"unmatched \\left/\\right in {where}"
            for bad in REJECTED:
                assert bad not in formula, f"{bad} does not render on GitHub/JupyterLab: {where}"
            begins = re.findall(r"\\begin\{(\w+\*?)\}", formula)
            ends = re.findall(r"\\end\{(\w+\*?)\}", formula)
            assert begins == ends, f"unmatched environments in {where}"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_markdown_images_exist(name):
    for index, text in markdown_cells(name):
        for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)", text):
            if target.startswith(("http://", "https://", "attachment:")):
                continue
            assert (NOTEBOOKS_DIR / target).is_file(), f"{name} cell {index}: missing {target}"


def test_every_registered_figure_is_generated_and_referenced():
    from helpers import figures

    missing, unreferenced = figures.check_references(NOTEBOOKS_DIR)
    assert not missing, f"referenced but missing (run `make figures`): {missing}"
    readme = (ROOT / "README.md").read_text()
    unreferenced = [name for name in unreferenced if f"notebooks/figures/{name}" not in readme]
    assert not unreferenced, f"registered but used by no notebook: {unreferenced}"
    assert (NOTEBOOKS_DIR / "figures" / "00_optimizers.png").is_file()


# ----------------------------------------------------------------------------- code quality
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_ruff_passes_on_the_master(name, tmp_path):
    nb = json.loads(master_path(name).read_text())
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    script = tmp_path / f"{name}.py"
    # One module per notebook: names defined in earlier cells are known to later ones.
    script.write_text("\n\n\n".join(cells) + "\n")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "ruff"), "check", "--config",
         str(ROOT / "pyproject.toml"), "--ignore", "E402,I001", str(script)],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_readme_course_map_is_generated_from_the_masters():
    from autograder.publish.notebooks import README, course_map

    assert course_map() in README.read_text(), "README course map is stale: run `make release`"


@pytest.mark.slow
def test_committed_figures_are_what_make_figures_draws(tmp_path):
    """Figures are generated, never drawn by hand: regenerating gives the same pictures.

    Compared as images with a small tolerance (RMS of pixel differences), so a patch release of
    matplotlib or FreeType that moves an anti-aliased edge does not fail the suite.
    """
    from matplotlib.testing.compare import compare_images

    from helpers import figures

    written = figures.generate(tmp_path)
    assert written, "no figure is registered"
    for fresh in written:
        committed = NOTEBOOKS_DIR / "figures" / fresh.name
        assert committed.is_file(), f"{fresh.name} is not committed: run `make figures`"
        difference = compare_images(str(committed), str(fresh), tol=2)
        assert difference is None, f"{fresh.name} drifted (run `make figures`): {difference}"


# ----------------------------------------------------------------------------- given cells
def test_given_cells_are_what_the_release_writes():
    """Notebooks 02.. copy earlier notebooks' functions into locked "given" cells; the release
    generates them from the masters' solution cells, so there is one source."""
    from autograder.publish.notebooks import (
        fill_given_cells,
        given_functions,
        given_source,
        stale_given_cells,
    )

    stale = fill_given_cells(write=False)
    assert not stale, f"given cells differ from the solutions (run `make release`): {stale}"
    for name in ASSIGNMENTS[1:]:
        nb = json.loads(master_path(name).read_text())
        given = [i for i, cell in enumerate(nb["cells"]) if given_functions(cell)]
        assert given, f"{name} has no given cell (metadata.course.given)"
        for index in given:
            cell = nb["cells"][index]
            assert cell["metadata"]["nbgrader"]["locked"], f"{name} cell {index} is not locked"
            for function in given_functions(cell):
                assert f"your `{function}`, as the reference solution" in "".join(cell["source"])
        # A hand edit is caught, and the release would write back the generated source.
        cell = nb["cells"][given[0]]
        expected = "".join(cell["source"])
        cell["source"] = expected.replace("return", "return  # edited by hand", 1)
        assert stale_given_cells(nb, name) == {given[0]: expected}
        assert given_source(name, given_functions(cell)) == expected


def test_a_given_cell_may_only_copy_earlier_notebooks():
    from autograder.publish.notebooks import given_source

    with pytest.raises(ValueError, match="earlier notebooks"):
        given_source("03_momentum", ["update_parameters_with_adam"])
    with pytest.raises(LookupError):
        given_source("07_comparison", ["no_such_function"])


def test_graders_rubric_repeats_the_masters_model_answer():
    """The rubric file repeats 07's model answer for formgrader (which shows only the student's
    answer); the two must not drift apart."""
    nb = nbformat.read(master_path("07_comparison"), as_version=4)
    solution = next(c.source for c in nb.cells
                    if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                    == "written_answer_choice")
    model = solution.split("### BEGIN SOLUTION", 1)[1].split("(Graders:", 1)[0]
    model = model.replace("**Model answer** (one of several good ones).", "", 1)
    rubric = (COURSE_DIR / "rubrics" / "07_comparison.md").read_text(encoding="utf-8")
    answer = rubric.split("## Model answer (one of several good ones)", 1)[1]
    answer = answer.split("## Rubric", 1)[0]
    assert " ".join(model.split()) == " ".join(answer.split())
