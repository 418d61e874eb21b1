"""The learner's experience in JupyterLab, in headless Chromium.

Each test acts through the page as a learner would (open the notebook, Run > Run All Cells, drag
a slider, click Validate) and reads what the page shows. Screenshots of every step go to the
folder printed in the header and the summary of the run (artifacts/browser/ by default).
"""

from __future__ import annotations

import hashlib
import re
import warnings

import labdriver as lab_driver
import nbformat
import pytest
from labdriver import (
    cells_in_page,
    is_check,
    menu,
    nbgrader_meta,
    open_notebook,
    save,
    screenshot_pages,
    wait_until_done,
)

# A master must run headless in under 60 s (course spec); the browser adds rendering on top.
RUN_TIMEOUT_S = 180
NAMES = [p.stem for p in lab_driver.student_notebooks()]
PASS_LINE = re.compile(r"\bpass(ed|es)?\b", re.IGNORECASE)
# The diagnosis of the classic momentum mistake names the off-by-one: "l + 1", "one layer too
# far", "off by one" (matched loosely, in the CheckFailed message itself).
L_PLUS_1_DIAGNOSIS = re.compile(r"\bl\s*\+\s*1\b|one layer too far|off[- ]by[- ]one",
                                re.IGNORECASE)
PLOTTING = re.compile(r"\bplt\.|\bplot_\w*\(|\.plot\(|subplots\(|\.imshow\(|\.contourf?\(")
MARKDOWN_FIGURE = re.compile(r"!\[[^\]]*\]\((figures/[^)\s]+)"  # ![alt](figures/x.png)
                             r"|<img[^>]*\ssrc=[\"'](figures/[^\"']+)")  # <img src="figures/x.png">
WIDGET_CODE = re.compile(r"\bipywidgets\b|\binteract(ive)?\b|\bwidgets\.")


def describe(cell, index: int) -> str:
    grade_id = nbgrader_meta(cell).get("grade_id")
    first = next((line for line in cell.source.splitlines() if line.strip()), "")[:60]
    return f"cell {index} ({grade_id or first!r})"


def error_outputs(cell) -> list:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def shown_text(shown: dict) -> str:
    return "\n".join(o["text"] for o in shown["outputs"])


def run_all(page, lab, filename: str, shot, label: str):
    """Open, screenshot, Run All Cells, wait, save; return (panel, saved notebook, page cells)."""
    path = lab.root / filename
    pristine = path.read_bytes()
    panel = open_notebook(page, lab, filename)
    page.screenshot(path=str(shot(f"{label}-1-opened")))
    menu(page, "Run", "Run All Cells")
    wait_until_done(page, panel, timeout_s=RUN_TIMEOUT_S)
    shown = cells_in_page(panel)
    save(page, panel, path)
    saved = nbformat.read(path, as_version=4)
    # Put the unrun notebook back, so that a later test opens it as a learner first does (a
    # saved widget view would point at a model of a kernel that is gone).
    path.write_bytes(pristine)
    screenshot_pages(page, panel, shot(f"{label}-2-ran").with_suffix(""))
    assert len(shown) == len(saved.cells), (
        f"the page shows {len(shown)} cells, the notebook has {len(saved.cells)}")
    return panel, saved, shown


@pytest.mark.parametrize("name", NAMES)
def test_filled_notebook_runs_clean(lab, page, shot, name):
    """Filled with the masters' solutions, Run All: no error, every check passes, figures show."""
    panel, saved, shown = run_all(page, lab, f"{name}.ipynb", shot, name)
    problems = []
    for index, (cell, seen) in enumerate(zip(saved.cells, shown, strict=True)):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        where = describe(cell, index)
        for error in error_outputs(cell):
            problems.append(f"{where} raised {error.get('ename')}: {error.get('evalue')}")
        if cell.get("execution_count") is None and not problems:
            problems.append(f"{where} did not run")
        if is_check(cell):
            panel.locator(".jp-Notebook .jp-Cell").nth(index).screenshot(
                path=str(shot(f"{name}-3-{nbgrader_meta(cell).get('grade_id', index)}")))
            text = shown_text(seen)
            ran = cell.get("execution_count") is not None
            if ran and not error_outputs(cell) and not PASS_LINE.search(text):
                problems.append(f"{where}: the check shows no pass message; it shows "
                                f"{text.strip()[:200]!r}")
    assert not problems, f"{name}: " + "; ".join(problems)
    # Warnings printed to stderr do not fail the run, but a learner sees them in red: report.
    for index, cell in enumerate(saved.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                warnings.warn(f"{name} {describe(cell, index)} prints to stderr: "
                              f"{out.get('text', '').strip()[:300]}", stacklevel=1)

    # Formulas: MathJax typeset the markdown's formulas without a LaTeX error.
    math_problems = [f"{describe(cell, i)}: {problem}" for i, (cell, seen)
                     in enumerate(zip(saved.cells, shown, strict=True))
                     for problem in seen["mathErrors"] + [f"left as text: {raw}"
                                                          for raw in seen["rawMath"]]]
    assert not math_problems, f"{name}: formulas that do not typeset: {math_problems}"

    # Figures: every image on the page loaded, every image output of the run is on the page,
    # markdown figures (figures/...) are all there, and plotting code produced a figure.
    referenced = [a or b for c in saved.cells if c.cell_type == "markdown"
                  for a, b in MARKDOWN_FIGURE.findall(c.source)]
    missing = [ref for ref in referenced if not (lab.root / ref).is_file()]
    assert not missing, f"{name}: markdown refers to missing figures {missing}"
    images = [img for seen in shown for img in seen["imgs"]]
    broken = [img["src"] for img in images if not img["complete"] or img["width"] == 0]
    assert not broken, f"{name}: images that did not load: {broken}"
    png_outputs = sum("image/png" in o.get("data", {}) for c in saved.cells
                      for o in c.get("outputs", []))
    page_output_images = sum(not img["inMarkdown"] for img in images)
    assert page_output_images >= png_outputs, (
        f"{name}: {png_outputs} figure outputs, but the page shows {page_output_images}")
    page_markdown_images = sum(img["inMarkdown"] for img in images)
    assert page_markdown_images >= len(referenced), (
        f"{name}: markdown refers to {len(referenced)} figures, the page shows "
        f"{page_markdown_images}")
    code = "\n".join(c.source for c in saved.cells if c.cell_type == "code")
    if PLOTTING.search(code):
        assert page_output_images >= 1, f"{name}: plotting code, but no figure on the page"


def run_to_test_cell(page, lab, filename: str, function: str, shot, label: str):
    """Run a notebook with a known mistake and screenshot the test cell of ``function``.

    Returns ``(saved, shown, index, errors)``: the saved notebook, the cells as shown, the test
    cell's index and its error outputs.
    """
    panel, saved, shown = run_all(page, lab, filename, shot, label)
    test_id = f"test_{function}"
    index = next((i for i, c in enumerate(saved.cells)
                  if nbgrader_meta(c).get("grade_id") == test_id), None)
    assert index is not None, f"no test cell {test_id} in the notebook"
    panel.locator(".jp-Notebook .jp-Cell").nth(index).screenshot(
        path=str(shot(f"{label}-3-diagnosis")))
    return saved, shown, index, error_outputs(saved.cells[index])


def test_momentum_l_plus_1_mistake_is_named(lab, page, shot):
    """The classic `str(l + 1)` momentum loop: the learner reads a diagnosis naming it."""
    if "mistake" not in lab.notebooks:
        pytest.fail(f"notebooks/{lab_driver.MISTAKE_NOTEBOOK}.ipynb is missing")
    saved, shown, index, errors = run_to_test_cell(
        page, lab, lab_driver.MISTAKE_FILE, lab_driver.MISTAKE_FUNCTION, shot,
        "mistake-03_momentum-l_plus_1")
    assert errors, ("the l + 1 loop passed the check: "
                    f"{shown_text(shown[index]).strip()[:300]!r}")
    error = errors[0]
    assert error["ename"] == "CheckFailed", (
        f"the learner sees a raw {error['ename']}: {error['evalue']} instead of CheckFailed")
    assert L_PLUS_1_DIAGNOSIS.search(error["evalue"]), (
        f"the CheckFailed message does not name the l + 1 mistake: {error['evalue']!r}")
    text = shown_text(shown[index])
    first_line = error["evalue"].strip().splitlines()[0].strip()
    assert first_line[:60] in text, f"the diagnosis is not on the page: {text[:500]!r}"
    # The cells before it (the other graded function) still pass.
    for i, cell in enumerate(saved.cells[:index]):
        assert not error_outputs(cell), f"{describe(cell, i)} failed before the mistake"


def figure_signature(panel) -> str:
    """A digest of every figure in the outputs (image sources and canvas pixels)."""
    data = panel.evaluate("""panel => {
        const parts = [];
        for (const img of panel.querySelectorAll('.jp-OutputArea-output img'))
            parts.push(img.getAttribute('src') || '');
        for (const canvas of panel.querySelectorAll('.jp-OutputArea-output canvas')) {
            try { parts.push(canvas.toDataURL()); } catch (e) { parts.push('?'); }
        }
        return parts.join('|');
    }""")
    return hashlib.sha256(data.encode()).hexdigest() if data else ""


def test_comparison_explorer_slider_redraws(lab, page, shot):
    """Dragging a slider of the 07_comparison explorer redraws its figure."""
    name = "07_comparison"
    if name not in lab.notebooks:
        pytest.fail(f"notebooks/{name}.ipynb is missing")
    notebook = nbformat.read(lab.notebooks[name], as_version=4)
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    label = f"{name}-explorer"
    panel, saved, shown = run_all(page, lab, f"{name}.ipynb", shot, label)
    sliders = panel.locator(".widget-slider")
    count = sliders.count()
    if not count:
        if WIDGET_CODE.search(code):
            pytest.fail("the notebook has widget code, but after Run All the page shows no "
                        "slider")
        pytest.skip(f"notebooks/{name}.ipynb has no widget code yet and shows no slider (its "
                    "explorer has not landed): nothing to drag")
    labels = [sliders.nth(i).locator(".widget-label").first.inner_text().strip()
              for i in range(count)]
    preferred = [i for i, text in enumerate(labels)
                 if re.search(r"learning|rate|beta|\blr\b", text, re.IGNORECASE)]
    chosen = preferred[0] if preferred else 0
    slider = sliders.nth(chosen)
    slider.scroll_into_view_if_needed()
    cell = slider.locator("xpath=ancestor::div[contains(concat(' ', normalize-space(@class), ' '),"
                          " ' jp-Cell ')][1]")
    # The explorer itself (widgets and figure): the output that holds the slider.
    explorer = slider.locator("xpath=ancestor::div[contains(concat(' ', normalize-space(@class),"
                              " ' '), ' jp-OutputArea-output ')][1]")
    explorer.screenshot(path=str(shot(f"{label}-3-before")))
    before = figure_signature(panel)
    assert before, "the explorer shows no figure before the slider moves"
    readout = slider.locator(".widget-readout").first
    value_before = readout.inner_text() if readout.count() else ""

    # Drag the handle a quarter of the track towards the middle, as a learner does.
    handle = slider.locator(".noUi-handle, .ui-slider-handle").first
    track = slider.locator(".noUi-target, .slider, .ui-slider").first
    hbox, tbox = handle.bounding_box(), track.bounding_box()
    assert hbox and tbox, "the slider has no visible handle"
    x, y = hbox["x"] + hbox["width"] / 2, hbox["y"] + hbox["height"] / 2
    step = tbox["width"] / 4 * (1 if x < tbox["x"] + tbox["width"] / 2 else -1)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + step, y, steps=8)
    page.mouse.up()
    value_after = readout.inner_text() if readout.count() else ""
    assert value_after != value_before, f"the slider did not move (readout {value_before!r})"

    def redrawn(seconds: float) -> str:
        after, waited = before, 0.0
        while after == before and waited < seconds:
            page.wait_for_timeout(500)
            waited += 0.5
            after = figure_signature(panel)
        return after

    after = redrawn(20)
    buttons = cell.locator(".widget-button")
    if after == before and buttons.count():
        # An explorer that redraws on a button ("Run", "Train"): the learner clicks it.
        buttons.first.click()
        after = redrawn(60)
    else:
        after = redrawn(40)
    wait_until_done(page, panel, timeout_s=RUN_TIMEOUT_S)
    after = figure_signature(panel)
    explorer.screenshot(path=str(shot(f"{label}-4-after")))
    assert after and after != before, (
        f"the figure did not redraw within 60 s after moving {labels[chosen]!r} from "
        f"{value_before} to {value_after}")
    # A failing callback shows its traceback in the widget's output.
    errors = [t for t in cell.locator(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
    ).all_inner_texts() if re.search(r"Traceback|Error\b", t)]
    assert not errors, f"the explorer shows an error after the move: {errors[0][:800]}"


def test_nbgrader_extension_validates(lab, page, shot):
    """nbgrader's JupyterLab extension: its menu, and its Validate button on a filled notebook."""
    name = NAMES[0]
    panel = open_notebook(page, lab, f"{name}.ipynb")
    validate = panel.locator(".jp-Toolbar-item").filter(has_text=re.compile(r"^\s*Validate\s*$"))
    assert validate.count() == 1, "no Validate button in the notebook toolbar"

    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Nbgrader$")).click()
    items = page.locator(".lm-Menu:visible .lm-Menu-itemLabel").all_inner_texts()
    page.screenshot(path=str(shot("nbgrader-1-menu")))
    page.keyboard.press("Escape")
    assert "Assignment List" in items, f"the Nbgrader menu holds {items}"

    validate.click()
    dialog = page.locator(".jp-Dialog")
    dialog.get_by_text("Validation Results").wait_for(timeout=RUN_TIMEOUT_S * 1000)
    text = dialog.inner_text()
    page.screenshot(path=str(shot("nbgrader-2-validate")))
    assert "passes all the tests" in text, f"Validate says: {text[:1000]}"
    dialog.locator("button").last.click()


def test_nbgrader_validate_names_the_mistake(lab, page, shot):
    """Validate on the l + 1 notebook: nbgrader's dialog fails it and shows the diagnosis."""
    if "mistake" not in lab.notebooks:
        pytest.fail(f"notebooks/{lab_driver.MISTAKE_NOTEBOOK}.ipynb is missing")
    panel = open_notebook(page, lab, lab_driver.MISTAKE_FILE)
    panel.locator(".jp-Toolbar-item").filter(has_text=re.compile(r"^\s*Validate\s*$")).click()
    dialog = page.locator(".jp-Dialog")
    dialog.get_by_text("Validation Results").wait_for(timeout=RUN_TIMEOUT_S * 1000)
    text = dialog.inner_text()
    page.screenshot(path=str(shot("nbgrader-3-validate-mistake")))
    assert "passes all the tests" not in text, "Validate passed the l + 1 loop"
    assert "CheckFailed" in text and L_PLUS_1_DIAGNOSIS.search(text), (
        f"Validate does not show the diagnosis: {text[:1500]}")
    dialog.locator("button").last.click()


def test_untouched_notebook_opens_clean_and_saves_unchanged(lab, page, shot):
    """Opening a released notebook connects its kernel without marking it unsaved, and saving it
    untouched writes the very bytes the release wrote (no tracked file changes)."""
    filename = lab_driver.UNTOUCHED_FILE
    path = lab.root / filename
    released = path.read_bytes()
    panel = open_notebook(page, lab, filename)
    page.wait_for_timeout(2000)  # kernel_info has arrived; give the metadata update its turn
    page.screenshot(path=str(shot("untouched-opened")))
    dirty = page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty").count()
    assert dirty == 0, "the untouched notebook is marked unsaved as soon as its kernel connects"
    save(page, panel, path)
    assert path.read_bytes() == released, (
        "saving the untouched notebook changed the file: " + _first_difference(released,
                                                                               path.read_bytes()))


def _first_difference(a: bytes, b: bytes) -> str:
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
              min(len(a), len(b)))
    return f"byte {at}: {a[at - 80:at + 80]!r} became {b[at - 80:at + 80]!r}"


CJK = re.compile(r"[\u4e00-\u9fff]")
MISSING_GLYPH = re.compile(r"Glyph \d+ .*missing from|missing from (current )?font",
                           re.IGNORECASE)


def test_zh_notebook_names_the_mistake_in_chinese(lab, page, shot):
    """notebooks/zh-CN/01 with the wrong-sign update: the diagnosis is Chinese, no setting."""
    if "zh-mistake" not in lab.notebooks:
        pytest.fail(f"{lab_driver.ZH_NOTEBOOK} is missing")
    saved, shown, index, errors = run_to_test_cell(
        page, lab, lab_driver.ZH_MISTAKE_FILE, lab_driver.ZH_MISTAKE_FUNCTION, shot,
        "zh-01-wrong_sign")
    assert errors and errors[0]["ename"] == "CheckFailed", errors
    message = errors[0]["evalue"]
    assert "你沿梯度方向往上走了" in message, f"not the Chinese diagnosis: {message!r}"
    assert message.split("\n")[0][:40] in shown_text(shown[index]), "not on the page"


def test_zh_figure_shows_its_glyphs(lab, page, shot):
    """notebooks/zh-CN/01 filled, plus a figure with Chinese labels: no missing glyph."""
    if "zh-filled" not in lab.notebooks:
        pytest.fail(f"{lab_driver.ZH_NOTEBOOK} is missing")
    label = "zh-01-filled"
    panel, saved, shown = run_all(page, lab, lab_driver.ZH_FILLED_FILE, shot, label)
    for i, cell in enumerate(saved.cells):
        assert not error_outputs(cell), f"{describe(cell, i)} failed"
        for output in cell.get("outputs", []):
            assert not MISSING_GLYPH.search(str(output.get("text", ""))), (
                f"{describe(cell, i)}: {output.get('text')}")
    # the appended Chinese figure (the last cell): drawn, and screenshotted to be looked at
    assert saved.cells[-1].source == lab_driver.ZH_FIGURE_CELL
    assert any("image/png" in o.get("data", {}) for o in saved.cells[-1].outputs), (
        "the Chinese figure was not drawn")
    figure = panel.locator(".jp-Notebook .jp-Cell").nth(len(saved.cells) - 1).locator(
        ".jp-OutputArea-output img").first
    assert figure.count(), "the Chinese figure is not on the page"
    figure.scroll_into_view_if_needed()
    figure.screenshot(path=str(shot(f"{label}-4-figure")))
