"""Drive the student's JupyterLab for the browser tests.

Two halves:

- notebook preparation (no browser): copy the student notebooks the course ships in
  ``notebooks/`` into a scratch folder, filled with the masters' solutions, plus one notebook
  carrying a classic mistake;
- a JupyterLab server on 127.0.0.1 with a token, and the Playwright steps a learner takes in it
  (open a notebook, Run > Run All Cells, wait for the kernel, read what the cells show).

Everything a learner does goes through the page (menus, buttons, the slider); the server's REST
API is only used to set up and tear down (shutting kernels down between tests).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
SOURCE = REPO / "autograder" / "source"
CHROMIUM = "/usr/bin/chromium"

# Flags for Debian's Chromium on this kind of machine (as root, closed network, no GPU).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]

SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)
HIDDEN_TESTS = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?",
                          re.MULTILINE | re.DOTALL)

# The classic momentum mistake: the loop already counts layers from 1, and the body still
# adds one (a habit from `range(L)` loops), so it updates layers 2..L+1 instead of 1..L.
MOMENTUM_L_PLUS_1 = '''\
def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        v["dW" + str(l + 1)] = (beta * v["dW" + str(l + 1)]
                                + (1 - beta) * grads["dW" + str(l + 1)])
        v["db" + str(l + 1)] = (beta * v["db" + str(l + 1)]
                                + (1 - beta) * grads["db" + str(l + 1)])
        parameters["W" + str(l + 1)] = (parameters["W" + str(l + 1)]
                                        - learning_rate * v["dW" + str(l + 1)])
        parameters["b" + str(l + 1)] = (parameters["b" + str(l + 1)]
                                        - learning_rate * v["db" + str(l + 1)])
    return parameters, v
'''
MISTAKE_NOTEBOOK = "03_momentum"
MISTAKE_FUNCTION = "update_parameters_with_momentum"
MISTAKE_FILE = "03_momentum_l_plus_1.ipynb"


# --------------------------------------------------------------------------- notebooks


def student_notebooks() -> list[Path]:
    """The notebooks a learner opens, in course order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_solution(cell) -> bool:
    """A cell the learner writes: code (a graded function) or markdown (a written answer)."""
    return bool(nbgrader_meta(cell).get("solution"))


def is_check(cell) -> bool:
    """A graded test cell (it calls the course's ``check``)."""
    return cell.cell_type == "code" and bool(nbgrader_meta(cell).get("grade")) and \
        "check(" in cell.source


def master_solutions(name: str) -> dict[str, str]:
    """grade_id -> the master's solution cell source, solution markers removed."""
    master = nbformat.read(SOURCE / name / f"{name}.ipynb", as_version=4)
    return {nbgrader_meta(c)["grade_id"]: SOLUTION_MARKERS.sub("", c.source)
            for c in master.cells if is_solution(c)}


def filled(student: Path, overrides: dict[str, str] | None = None):
    """The student notebook with every solution cell replaced by the master's solution.

    Raises LookupError when a solution cell has no counterpart in the master (notebooks/ is
    stale: `make release`).
    """
    name = student.stem
    solutions = master_solutions(name)
    solutions.update(overrides or {})
    nb = nbformat.read(student, as_version=4)
    for cell in nb.cells:
        if is_solution(cell):
            grade_id = nbgrader_meta(cell).get("grade_id")
            if grade_id not in solutions:
                raise LookupError(f"{student.name}: solution cell {grade_id!r} has no solution "
                                  f"cell in the master {name}.ipynb (is notebooks/ stale? "
                                  "run `make release`)")
            cell.source = solutions[grade_id]
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
    return nb


# The Chinese notebook 01 (notebooks/zh-CN/), with one known mistake and filled: its checks must
# speak Chinese with no setting (its language cell), its figures must show Chinese glyphs.
ZH_NOTEBOOK = NOTEBOOKS / "zh-CN" / "01_gradient_descent.ipynb"
ZH_MISTAKE_FUNCTION = "update_parameters_with_gd"
ZH_MISTAKE_FILE = "zh-CN/01_gradient_descent_wrong_sign.ipynb"
ZH_FILLED_FILE = "zh-CN/01_gradient_descent.ipynb"
GD_WRONG_SIGN = '''\
def update_parameters_with_gd(parameters, grads, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        parameters["W" + str(l)] = parameters["W" + str(l)] + learning_rate * grads["dW" + str(l)]
        parameters["b" + str(l)] = parameters["b" + str(l)] + learning_rate * grads["db" + str(l)]
    return parameters
'''

# Appended to the filled zh notebook (its own figures label in Latin letters): a figure whose
# title, axis labels and legend are Chinese, drawn after the notebook's language cell.
ZH_FIGURE_CELL = '''\
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot([0, 1, 2, 3], [1.0, 0.6, 0.4, 0.3], label="训练集上的代价")
ax.set_title("梯度下降：代价随轮数下降")
ax.set_xlabel("轮")
ax.set_ylabel("代价")
ax.legend()
plt.show()
'''

UNTOUCHED_NOTEBOOK = "03_momentum"
UNTOUCHED_FILE = f"untouched_{UNTOUCHED_NOTEBOOK}.ipynb"


def prepare_root(root: Path) -> dict[str, Path]:
    """Fill the scratch root: filled notebooks, the mistake notebook, notebooks/figures (and
    the zh notebooks' notebooks/zh-CN/figures)."""
    written = {}
    for student in student_notebooks():
        nb = filled(student)
        target = root / student.name
        nbformat.write(nb, target)
        written[student.stem] = target
    mistake = NOTEBOOKS / f"{MISTAKE_NOTEBOOK}.ipynb"
    if mistake.exists():
        nb = filled(mistake, {MISTAKE_FUNCTION: MOMENTUM_L_PLUS_1})
        nbformat.write(nb, root / MISTAKE_FILE)
        written["mistake"] = root / MISTAKE_FILE
    # One notebook exactly as released, to open and save untouched.
    untouched = NOTEBOOKS / f"{UNTOUCHED_NOTEBOOK}.ipynb"
    if untouched.exists():
        shutil.copyfile(untouched, root / UNTOUCHED_FILE)
        written["untouched"] = root / UNTOUCHED_FILE
    if ZH_NOTEBOOK.exists():
        (root / "zh-CN").mkdir()
        nbformat.write(filled(ZH_NOTEBOOK, {ZH_MISTAKE_FUNCTION: GD_WRONG_SIGN}),
                       root / ZH_MISTAKE_FILE)
        zh = filled(ZH_NOTEBOOK)
        zh.cells.append(nbformat.v4.new_code_cell(ZH_FIGURE_CELL))
        nbformat.write(zh, root / ZH_FILLED_FILE)
        written["zh-mistake"] = root / ZH_MISTAKE_FILE
        written["zh-filled"] = root / ZH_FILLED_FILE
        zh_figures = NOTEBOOKS / "zh-CN" / "figures"  # the zh notebooks' own (make figures)
        if zh_figures.is_dir():
            shutil.copytree(zh_figures, root / "zh-CN" / "figures")
    figures = NOTEBOOKS / "figures"
    if figures.is_dir():
        shutil.copytree(figures, root / "figures")
    return written


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


LAB_SETTINGS = {
    # No "would you like news?" toast and no update check: the network is closed and the toast
    # would cover the notebook in screenshots.
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    # Keep every cell in the DOM so the test reads all of them (windowing only changes when
    # off-screen cells are rendered, not what a learner sees).
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings":
        {"windowingMode": "none"},
}


@dataclass
class LabServer:
    root: Path
    port: int
    token: str
    process: subprocess.Popen
    log: Path
    scratch: Path
    notebooks: dict[str, Path] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "lab") -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base}/{path}{sep}token={self.token}"

    def api(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.base}/api/{path}", data=data, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def shutdown_kernels(self) -> None:
        for session in self.api("GET", "sessions"):
            try:
                self.api("DELETE", f"sessions/{session['id']}")
            except OSError:
                pass

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self, cleanup: bool = True) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(timeout=5)
        if cleanup:
            shutil.rmtree(self.scratch, ignore_errors=True)


def start_lab(timeout: float = 90.0) -> LabServer:
    scratch = Path(tempfile.mkdtemp(prefix="optim-browser-"))
    root = scratch / "course"
    root.mkdir()
    notebooks = prepare_root(root)
    settings = scratch / "lab-settings"
    for rel, values in LAB_SETTINGS.items():
        path = settings / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    for sub in ("workspaces", "runtime", "config", "data-home"):
        (scratch / sub).mkdir()
    token = os.urandom(16).hex()
    bindir = str(Path(sys.executable).parent)
    env = dict(os.environ)
    env.update({
        "PATH": os.pathsep.join([bindir, env.get("PATH", "")]),  # nbgrader calls alembic
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(scratch / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"),
        "JUPYTER_CONFIG_DIR": str(scratch / "config"),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    })
    env.pop("NBGRADER_EXECUTION", None)
    failures = []
    # A free port can be taken by another process (a kernel, say) between our probe and the
    # server's bind: the server then exits at once (--port-retries=0) and we try another port.
    for attempt in range(3):
        port = free_port()
        command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
                   f"--port={port}", "--port-retries=0", f"--IdentityProvider.token={token}",
                   f"--ServerApp.root_dir={root}", "--ServerApp.open_browser=False"]
        if os.geteuid() == 0:
            command.append("--allow-root")
        log = scratch / f"jupyterlab-{attempt}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(command, cwd=root, env=env, stdout=out,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
        server = LabServer(root, port, token, process, log, scratch, notebooks)
        deadline = time.monotonic() + timeout
        while process.poll() is None and time.monotonic() < deadline:
            try:
                if "version" in server.api("GET", ""):  # Jupyter's own answer, not a stranger's
                    return server
            except Exception:  # noqa: BLE001 - not up yet, or another service on the port
                pass
            time.sleep(0.3)
        tail = server.log_tail()
        server.stop(cleanup=False)
        failures.append(f"port {port}: " + (f"no answer in {timeout:.0f} s"
                                            if process.returncode is None else
                                            f"exited with {process.returncode}") + f"\n{tail}")
    shutil.rmtree(scratch, ignore_errors=True)
    raise RuntimeError("JupyterLab did not start:\n" + "\n".join(failures))


# --------------------------------------------------------------------------- the page

KERNEL_IDLE = re.compile(r"\|\s*Idle\b")


def open_notebook(page, server: LabServer, filename: str, timeout_ms: int = 90_000):
    """Open ``filename`` as a learner does (its URL), wait for the kernel; return the panel."""
    # ?reset: a fresh workspace, so only this notebook opens (the default workspace would reopen
    # every notebook of the earlier tests, each starting a kernel).
    page.goto(server.url(f"lab/tree/{filename}?reset"))
    panel = page.locator(".jp-NotebookPanel:visible").first
    panel.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=timeout_ms)
    # The kernel starts when the notebook opens; the status bar reads "Python 3 ... | Idle".
    page.locator(".jp-StatusBar-Widget").get_by_text(KERNEL_IDLE).first.wait_for(
        timeout=timeout_ms)
    return panel


def menu(page, top: str, item: str) -> None:
    """Click ``top`` in the menu bar, then ``item`` in its menu."""
    page.locator(".lm-MenuBar-item").filter(
        has=page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(top)}$"))
    ).click()
    page.locator(".lm-Menu:visible .lm-Menu-item").filter(
        has=page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$"))
    ).first.click()


def wait_until_done(page, panel, timeout_s: float, settle_s: float = 1.5) -> float:
    """Wait until no cell is queued or running ("[*]") and the kernel is idle, for settle_s.

    Returns the seconds waited. Raises TimeoutError with the busy cells' prompts.
    """
    start = time.monotonic()
    quiet_since = None
    while True:
        state = panel.evaluate("""panel => {
            const prompts = [...panel.querySelectorAll('.jp-Cell .jp-InputPrompt')]
                .map(p => p.textContent.trim());
            const ind = panel.querySelector('.jp-Notebook-ExecutionIndicator');
            return {busy: prompts.filter(p => p.includes('*')).length,
                    status: ind ? ind.getAttribute('data-status') : null};
        }""")
        statusbar = page.locator(".jp-StatusBar-Widget").first.inner_text()
        idle = state["busy"] == 0 and KERNEL_IDLE.search(statusbar) and \
            state["status"] in (None, "idle")
        now = time.monotonic()
        if idle:
            quiet_since = quiet_since or now
            if now - quiet_since >= settle_s:
                return now - start
        else:
            quiet_since = None
        if now - start > timeout_s:
            raise TimeoutError(f"notebook still busy after {timeout_s:.0f} s: {state}, "
                               f"status bar {statusbar!r}")
        time.sleep(0.25)


CELLS_JS = r"""panel => [...panel.querySelectorAll(
        '.jp-Notebook > .jp-Cell, .jp-WindowedPanel-viewport > .jp-Cell')].map(cell => {
    const outputs = [...cell.querySelectorAll('.jp-OutputArea-output')].map(o => ({
        mime: o.getAttribute('data-mime-type') || '',
        text: o.innerText || '',
    }));
    const imgs = [...cell.querySelectorAll('.jp-OutputArea-output img, .jp-RenderedMarkdown img')]
        .map(i => ({src: (i.getAttribute('src') || '').slice(0, 120), srcLength:
                    (i.getAttribute('src') || '').length, complete: i.complete,
                    width: i.naturalWidth, inMarkdown: !!i.closest('.jp-RenderedMarkdown')}));
    const prompt = cell.querySelector('.jp-InputPrompt');
    return {
        kind: cell.classList.contains('jp-CodeCell') ? 'code' :
              cell.classList.contains('jp-MarkdownCell') ? 'markdown' : 'raw',
        prompt: prompt ? prompt.textContent.trim() : '',
        outputs, imgs,
        widgets: cell.querySelectorAll('.jupyter-widgets').length,
        math: cell.querySelectorAll('mjx-container').length,
        // LaTeX errors (merror) and undefined macros (MathJax shows them in red).
        mathErrors: [...cell.querySelectorAll('mjx-merror')].map(
                e => e.getAttribute('data-mjx-error') || e.textContent)
            .concat([...cell.querySelectorAll('mtext[mathcolor="red"]')].map(
                e => 'undefined macro ' + e.textContent)),
        // $...$ left as text: a formula MathJax could not parse (code is not prose: skipped).
        rawMath: (() => {
            const md = cell.querySelector('.jp-RenderedMarkdown');
            if (!md) return [];
            const copy = md.cloneNode(true);
            copy.querySelectorAll('code, pre, mjx-container').forEach(e => e.remove());
            return (copy.textContent.match(/\$[^$]*[\\^_{}][^$]*\$/g) || [])
                .map(t => t.slice(0, 80));
        })(),
    };
})"""


def cells_in_page(panel) -> list[dict]:
    """What each cell shows: prompt, outputs (mime type and text), images and widgets."""
    return panel.evaluate(CELLS_JS)


def save(page, panel, path: Path, timeout_s: float = 30) -> None:
    """Save with the toolbar button and wait until the file on disk holds the new outputs."""
    before = path.stat().st_mtime_ns
    panel.locator('.jp-Toolbar-item[data-jp-item-name="save"] jp-button, '
                  '.jp-Toolbar-item[data-jp-item-name="save"] button').first.click()
    deadline = time.monotonic() + timeout_s
    while path.stat().st_mtime_ns == before:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path.name} was not saved in {timeout_s:.0f} s")
        time.sleep(0.2)
    time.sleep(0.3)


def screenshot_pages(page, panel, stem: Path, max_pages: int = 20) -> list[Path]:
    """Screenshots of the whole notebook, one per screenful, top to bottom: stem-p01.png, ..."""
    scroller = panel.locator(".jp-WindowedPanel-outer").first  # the notebook's scroller
    if not scroller.count():
        scroller = panel.locator(".jp-Notebook").first
    total, view = scroller.evaluate("el => [el.scrollHeight, el.clientHeight]")
    step = max(200, view - 80)
    paths = []
    top = 0
    while len(paths) < max_pages:
        scroller.evaluate("(el, top) => el.scrollTo(0, top)", top)
        page.wait_for_timeout(250)
        path = stem.with_name(f"{stem.name}-p{len(paths) + 1:02d}.png")
        page.screenshot(path=str(path))
        paths.append(path)
        if top + view >= total:
            break
        top += step
    return paths
