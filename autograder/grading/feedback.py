"""The student's feedback page, whichever path makes it: ``make grade`` or nbgrader's own
``generate_feedback`` (CLI, or formgrader's "Generate Feedback" button).

Both run nbgrader's ``GenerateFeedback`` with the preprocessors and the exporter that
``autograder/nbgrader_config.py`` names:

- :class:`StudentView` (before nbgrader's ``GetGrades``) puts the notebook the student is to read
  in place of the autograded one: the notebook ``make grade`` recorded for the submission
  (hidden tests stripped, each test cell's output the trusted verdict, no other output of the
  grading kernel). Without such a record (a notebook autograded by plain nbgrader), it strips
  hidden tests and every output of the test cells, and keeps of an error only its one-line
  message, never a traceback. A submission that could not be read says so, and why.
- ``GetGrades`` then reads scores and comments from the course gradebook, so hand grades and
  comments appear on the page.
- :class:`FeedbackPage` (the exporter) makes the page self-contained: figures inlined as data
  URIs, long lines wrapped, and a plain note when the maths cannot be typeset (MathJax comes from
  a CDN; offline, the formulas stay as readable LaTeX source).
"""

from __future__ import annotations

import base64
import json
import mimetypes
import re
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from autograder import REPO_DIR
from autograder.checks import i18n
from autograder.checks.i18n import N_, _
from autograder.grading.submission import (
    feedback_exporter_class,
    feedback_notebook,
    meta,
    strip_hidden_tests,
    text,
)

FIGURES_DIR = REPO_DIR / "notebooks" / "figures"
#: The unreadable submission's heading (English here; shown in the notebook's language).
UNREADABLE_TITLE = N_("Your notebook could not be read")
UNREADABLE_MESSAGE = N_("{title}: {reason}. Nothing in it could be graded, so every function "
                        "scores 0. Open the file in JupyterLab, save it again (or start from the "
                        "released notebook) and hand it in again.")


def record_for(course_root: Path, student: str, assignment: str) -> Path:
    return Path(course_root) / ".grading" / "records" / student / assignment


def _test_points(nb: dict) -> dict[str, str]:
    solutions = {meta(c).get("grade_id") for c in nb["cells"] if meta(c).get("solution")}
    tests = {}
    for cell in nb["cells"]:
        grade_id = meta(cell).get("grade_id", "")
        if meta(cell).get("grade") and not meta(cell).get("solution") and grade_id:
            function = grade_id[5:] if grade_id.startswith("test_") else grade_id
            tests[grade_id] = function if function in solutions else grade_id
    return tests


def student_notebook(nb: dict, record: dict | None, recorded: dict | None) -> dict:
    """What the student reads, from the autograded ``nb`` and what ``make grade`` recorded."""
    if recorded is not None:
        out = recorded
    elif record is not None:
        out = feedback_notebook(nb, record.get("verdicts") or {}, _test_points(nb))
    else:
        out = json.loads(json.dumps(nb))
        tests = _test_points(out)
        for cell in out["cells"]:
            if cell.get("cell_type") != "code":
                continue
            if meta(cell).get("grade_id") in tests:
                cell["source"] = strip_hidden_tests(text(cell))
                cell["outputs"] = []
                continue
            outputs = []
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output = {"output_type": "stream", "name": "stderr",
                              "text": f"{output.get('ename', 'Error')}: "
                                      f"{str(output.get('evalue', ''))[:500]}\n"}
                outputs.append(output)
            cell["outputs"] = outputs
    unreadable = (record or {}).get("unreadable")
    if unreadable:
        out = json.loads(json.dumps(out))
        # The reason as make grade said it in each language (the record keeps the English)
        course = (out.get("metadata") or {}).get("course")
        said = course.get("unreadable") if isinstance(course, dict) else None

        def reason(lang):
            if isinstance(said, dict) and isinstance(said.get(lang), str) and said[lang]:
                return said[lang]
            return said if isinstance(said, str) and said else unreadable

        # In the language of the notebook the page is made of (the feedback's language).
        page_language = i18n.notebook_language(out) or i18n.notebook_language(nb)
        with i18n.detected(page_language):
            _unreadable_notes(out, reason(i18n.language()))
        if page_language is None:
            # No language could be read from the file (it may have been any edition): the
            # same words in the course's other languages under the first.
            for position, lang in enumerate((x for x in i18n.LANGUAGES if x != "en"), 1):
                words = _unreadable_message(reason(lang), lang)
                out["cells"].insert(position, {"cell_type": "markdown", "metadata": {},
                                               "source": f"**{words}**"})
    return out


def _unreadable_message(reason: str, lang: str | None = None) -> str:
    """The unreadable page's first words, in ``lang`` (the current language when None)."""
    say = i18n.translations(lang).gettext if lang else _
    return say(UNREADABLE_MESSAGE).format(title=say(UNREADABLE_TITLE), reason=reason)


def _unreadable_notes(out: dict, unreadable: str) -> None:
    """Say on the page, first and in every failed test cell, that nothing could be graded."""
    title = _(UNREADABLE_TITLE)
    message = _unreadable_message(unreadable)
    for cell in out["cells"]:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["evalue"] = _("not graded: {reason}").format(reason=unreadable)
                output["traceback"] = [_("Not graded: {title} ({reason})").format(
                    title=title[:1].lower() + title[1:], reason=unreadable)]
    out["cells"].insert(0, {"cell_type": "markdown", "metadata": {},
                            "source": f"**{message}**"})


def _joined(nb: dict) -> dict:
    """Sources and output texts as single strings (nbformat on disk may split them)."""
    for cell in nb.get("cells", []):
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
        for output in cell.get("outputs", []):
            if isinstance(output.get("text"), list):
                output["text"] = "".join(output["text"])
            for kind, value in (output.get("data") or {}).items():
                if isinstance(value, list) and not kind.endswith("json"):
                    output["data"][kind] = "".join(value)
    return nb


class StudentView(Preprocessor):
    """Replace the autograded notebook with what the student may read (see the module)."""

    # nbconvert runs a registered preprocessor class only when it is enabled.
    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        import nbformat

        info = resources.get("nbgrader", {})
        student, assignment = info.get("student"), info.get("assignment")
        root = self.config.CourseDirectory.get("root") if "CourseDirectory" in self.config \
            else None
        record, recorded = None, None
        if root and student and assignment:
            folder = record_for(Path(root), student, assignment)
            try:
                record = json.loads((folder / "record.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                record = None
            try:
                recorded = json.loads((folder / "feedback.ipynb").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                recorded = None
        view = _joined(student_notebook(_joined(json.loads(json.dumps(nb))), record,
                                        _joined(recorded) if recorded else None))
        node = nbformat.from_dict(view)
        node.metadata = nb.metadata
        return node, resources


PAGE_CSS = """
<style>
/* Long lines wrap instead of running off the page. */
pre, .jp-OutputArea-output pre, .highlight pre { white-space: pre-wrap !important;
  word-break: break-word; overflow-wrap: anywhere; }
.jp-RenderedMarkdown img, .jp-RenderedHTMLCommon img { max-width: 100%; }
#maths-offline { display: none; background: #fff3cd; border: 1px solid #e0c36a;
  padding: 0.5em 1em; margin: 0.5em 0; font-family: sans-serif; }
</style>
"""

#: Shown on the page when MathJax could not be loaded (in the page's language).
MATHS_OFFLINE = N_("The formulas on this page are shown as LaTeX source: the maths typesetter "
                   "(MathJax) could not be loaded, probably because this computer is offline.")

MATHS_FALLBACK = """
<div id="maths-offline">@@MATHS_OFFLINE@@</div>
<script>
window.addEventListener("load", function () {
  setTimeout(function () {
    if (typeof window.MathJax === "undefined" || !window.MathJax.Hub && !window.MathJax.typeset) {
      var note = document.getElementById("maths-offline");
      if (note) { note.style.display = "block"; }
    }
  }, 3000);
});
</script>
"""

_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")(?!data:|https?:)([^"]+)(")', re.IGNORECASE)


def inline_figures(html: str, folders: list[Path]) -> str:
    """Every ``<img src="relative/path">`` found in ``folders`` becomes a data URI."""
    def replace(match: re.Match) -> str:
        relative = match.group(2)
        for folder in folders:
            name = relative.removeprefix("figures/")
            for candidate in (folder / relative, folder / name):
                uri = _data_uri(candidate)
                if uri:
                    return f"{match.group(1)}{uri}{match.group(3)}"
        return match.group(0)
    return _IMG_SRC.sub(replace, html)


_DATA_URIS: dict[tuple, str] = {}


def _data_uri(path: Path) -> str | None:
    """``path`` as a data URI (None when it is not a file), encoded once per process for as
    long as the file keeps its size and modification time: every page shows the same figures."""
    try:
        info = path.stat()
    except OSError:
        return None
    if not path.is_file():
        return None
    key = (str(path), info.st_size, info.st_mtime_ns)
    if key not in _DATA_URIS:
        kind = mimetypes.guess_type(path.name)[0] or "image/png"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        if len(_DATA_URIS) > 256:
            _DATA_URIS.clear()
        _DATA_URIS[key] = f"data:{kind};base64,{data}"
    return _DATA_URIS[key]


def figure_folders(language: str | None) -> list[Path]:
    """Where a page's ``figures/NAME.png`` are looked for: a translated edition's own figures
    (their text in its language, ``notebooks/<language>/figures/``) first, then the English."""
    if language and language != "en":
        return [REPO_DIR / "notebooks" / language / "figures", FIGURES_DIR]
    return [FIGURES_DIR]


def make_page(html: str, language: str | None = None) -> str:
    import html as html_module

    html = inline_figures(html, figure_folders(language))
    html = html.replace("</head>", PAGE_CSS + "</head>", 1)
    with i18n.detected(language):
        fallback = MATHS_FALLBACK.replace("@@MATHS_OFFLINE@@",
                                          html_module.escape(_(MATHS_OFFLINE), quote=False))
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + fallback, html, count=1)


class FeedbackPage(feedback_exporter_class()):
    """nbgrader's feedback HTML, made self-contained (see :func:`make_page`)."""

    def from_notebook_node(self, nb, resources=None, **kw):
        output, resources = super().from_notebook_node(nb, resources, **kw)
        return make_page(output, i18n.notebook_language(nb)), resources
