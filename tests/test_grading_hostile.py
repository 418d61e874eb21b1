"""Hostile and broken submissions (issue 15), graded for real by ``python -m autograder grade``.

One class of a dozen students, graded once (module fixture): honest students next to links to
the master and to system files, a FIFO, a folder named like the notebook, a linked submission
folder, malformed cells of several kinds, a notebook nested 100 000 deep, file names with
terminal escape sequences and outputs aimed at the instructor's browser. Every test asserts
that the honest functions and the other students keep their marks and that nothing outside the
submission changed or leaked.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import NOTEBOOKS_DIR, REPO_DIR, SOURCE_DIR
from autograder.publish.masters import master

pytestmark = pytest.mark.slow

PY = sys.executable
ASSIGNMENT = "03_momentum"
MASTER = SOURCE_DIR / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
ESCAPE_NAME = "\x1b[2J\x1b[31mowned\x07.ipynb"

MALFORMED_EXTRAS = [
    {"cell_type": "code", "metadata": None, "outputs": [], "execution_count": None,
     "source": "x = 1"},
    {"cell_type": "code", "metadata": ["not", "a", "dict"], "outputs": [],
     "execution_count": None, "source": "x = 2"},
    {"cell_type": "code", "metadata": {"nbgrader": None}, "outputs": [],
     "execution_count": None, "source": "x = 3"},
    {"cell_type": "code", "metadata": {"nbgrader": {"grade_id": ["initialize_velocity"]}},
     "outputs": [], "execution_count": None, "source": "x = 5"},
    {"cell_type": "code", "metadata": {"nbgrader": {"grade_id": {"a": 1}, "solution": True}},
     "outputs": [], "execution_count": None, "source": "x = 6"},
    {"cell_type": "code", "metadata": {"nbgrader": {"grade_id": 7, "grade": True,
                                                     "points": 100}},
     "outputs": [], "execution_count": None, "source": ["x = ", 7, None]},
    {"cell_type": "markdown", "metadata": {"nbgrader": {"grade_id": "no_such_cell"}},
     "source": 12},
    {"cell_type": "code", "metadata": {"nbgrader": {"grade_id": "test_initialize_velocity",
                                                     "grade": True, "points": 4}},
     "outputs": [], "execution_count": None, "source": "assert True"},
    {"cell_type": ["code"], "metadata": {}, "source": "x = 8"},
    "not a cell",
]


def honest() -> dict:
    nb = json.loads((NOTEBOOKS_DIR / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8"))
    solutions = master(ASSIGNMENT).solutions
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution") and cell["cell_type"] == "code":
            cell["source"] = solutions[meta["grade_id"]]
    return nb


def folder_of(course: Path, student: str) -> Path:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    return folder


def write_nb(folder: Path, nb, name: str = f"{ASSIGNMENT}.ipynb") -> None:
    (folder / name).write_text(nb if isinstance(nb, str) else json.dumps(nb), encoding="utf-8")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_class(course: Path) -> None:
    write_nb(folder_of(course, "alice"), honest())
    (course / "submitted" / "alice" / ASSIGNMENT / "timestamp.txt").write_text(
        "2026-01-05 10:00:00.000000 UTC", encoding="utf-8")
    # The notebook is a link to the master (it scored full marks and showed the solutions).
    os.symlink(MASTER, folder_of(course, "link_nb") / f"{ASSIGNMENT}.ipynb")
    # An honest notebook, with timestamp.txt linked to the master and the secret to passwd.
    folder = folder_of(course, "link_ts")
    write_nb(folder, honest())
    os.symlink(MASTER, folder / "timestamp.txt")
    os.symlink("/etc/passwd", folder / "submission_secret.txt")
    folder = folder_of(course, "passwd_ts")
    write_nb(folder, honest())
    os.symlink("/etc/passwd", folder / "timestamp.txt")
    os.mkfifo(folder_of(course, "fifo") / f"{ASSIGNMENT}.ipynb")
    folder = folder_of(course, "dirnb") / f"{ASSIGNMENT}.ipynb"
    folder.mkdir()
    write_nb(folder, honest(), "inner.ipynb")
    # The whole assignment folder is a link to the master's folder.
    (course / "submitted" / "linkdir").mkdir(parents=True)
    os.symlink(SOURCE_DIR / ASSIGNMENT, course / "submitted" / "linkdir" / ASSIGNMENT)
    nb = honest()
    nb["cells"] = MALFORMED_EXTRAS[:4] + nb["cells"] + MALFORMED_EXTRAS[4:]
    write_nb(folder_of(course, "malformed"), nb)
    nb = honest()
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "initialize_velocity":
            cell["metadata"]["nbgrader"]["grade_id"] = ["initialize_velocity"]
    write_nb(folder_of(course, "malformed_sol"), nb)
    depth = 100_000
    write_nb(folder_of(course, "deep"),
             '{"cells": [], "nbformat": 4, "x": ' + "[" * depth + "]" * depth + "}")
    # A notebook's name with terminal escapes (the only notebook: it is graded).
    write_nb(folder_of(course, "escape"), honest(), ESCAPE_NAME)
    # Outputs aimed at the instructor's browser (formgrader renders autograded/ notebooks).
    nb = honest()
    nb["cells"].append(code_cell(ACTIVE))
    nb["cells"].append({"cell_type": "markdown", "metadata": {},
                        "source": "look <img src=x onerror=alert(5)> <script>alert(6)</script>"})
    write_nb(folder_of(course, "active"), nb)
    # Cells that each sleep just under the cell timeout: the kernel's wall-time limit (set by
    # the release, and by --submission-timeout here) ends them.
    nb = honest()
    nb["cells"] += [code_cell("import time\ntime.sleep(4)") for _ in range(30)]
    write_nb(folder_of(course, "sleeper"), nb)
    # Another world-readable copy of the course elsewhere on disk: the check's child (which
    # scores) and the kernel must not see it.
    nb = honest()
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "initialize_velocity":
            cell["source"] = COPYCAT.format(path=str(OTHER_COPY / "03_momentum.ipynb"))
    nb["cells"].append(code_cell(
        f"import os\nprint('other copy', os.path.exists({str(OTHER_COPY)!r}))"))
    write_nb(folder_of(course, "copycat"), nb)
    # Walls of the sandbox: IPC objects, inherited descriptors, a disk fill.
    for student, source in (("ipc", IPC), ("fdspy", FDSPY), ("diskfill", DISKFILL)):
        nb = honest()
        nb["cells"].append(code_cell(source))
        write_nb(folder_of(course, student), nb)


OTHER_COPY = Path(f"/srv/hostile-course-copy-{os.getpid()}")
COPYCAT = """import json
import numpy as np


def initialize_velocity(parameters):
    nb = json.load(open({path!r}))
    source = next("".join(c["source"]) for c in nb["cells"]
                  if c["metadata"].get("nbgrader", {{}}).get("grade_id") == "initialize_velocity")
    namespace = {{"np": np}}
    exec(source, namespace)
    return namespace["initialize_velocity"](parameters)
"""
IPC_KEY = 0x0F15
IPC = f"""import ctypes
libc = ctypes.CDLL(None, use_errno=True)
print("msgget", libc.msgget({IPC_KEY}, 0o1666))
print("shmget", libc.shmget({IPC_KEY + 1}, 4096, 0o1666))
open("/dev/shm/hostile-shm", "w").write("x")
"""
FDSPY = """import os
os.write(2, b"HOSTILE-IN-THE-GRADER-LOG\\n")
seen = []
for fd in range(3, 1024):
    try:
        os.fstat(fd)
        seen.append((fd, os.readlink(f"/proc/self/fd/{fd}")))
    except OSError:
        pass
print("inherited", seen)
for fd, target in seen:
    if target.startswith("/") and target != "/dev/null":
        try:
            print("read back", target, open(f"/proc/self/fd/{fd}").read()[:2000])
        except OSError as exc:
            print("unreadable", target, type(exc).__name__)
for path in ("/run/lock", "/var/lock", "/root", "/home"):
    try:
        open(os.path.join(path, "hostile-was-here"), "w").write("x")
        print("wrote", path)
    except OSError as exc:
        print("cannot write", path, type(exc).__name__)
"""
DISKFILL = """import os
total = 0
for i in range(16):
    try:
        with open(f"fill-{i}.bin", "wb") as handle:
            for _ in range(64):
                handle.write(b"\\0" * (1 << 20))
                total += 1
    except OSError as exc:
        print("stopped", type(exc).__name__, exc.errno)
        break
print("wrote MiB", total)
"""

ACTIVE = """from IPython.display import HTML, SVG, Javascript, display
display(HTML("<script>alert(1)</script><b onmouseover=alert(2)>hi</b>"))
display(Javascript("alert(3)"))
display(SVG("<svg xmlns='http://www.w3.org/2000/svg'><script>alert(4)</script></svg>"))
display({"application/vnd.jupyter.widget-view+json": {"model_id": "x"},
         "text/html": "<iframe src='https://example.com'></iframe>"}, raw=True)
print("plain text stays")
"""
SUBMISSION_SECONDS = 45


def code_cell(source: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": source}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, grading_template):
    course = grading_template(tmp_path_factory.mktemp("hostile") / "course")
    build_class(course)
    OTHER_COPY.mkdir(parents=True)
    import shutil

    shutil.copyfile(MASTER, OTHER_COPY / MASTER.name)
    os.chmod(OTHER_COPY, 0o755)
    os.chmod(OTHER_COPY / MASTER.name, 0o644)
    protected = [MASTER, Path("/etc/passwd"), *sorted((SOURCE_DIR / ASSIGNMENT).iterdir())]
    before = {p: digest(p) for p in protected if p.is_file()}
    ipc_before = sysv_keys()
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.dirname(PY), env.get("PATH", "")])
    result = subprocess.run([PY, "-m", "autograder", "grade", "--course", str(course),
                             "--assignments", ASSIGNMENT, "--quiet", "--jobs", "2",
                             "--submission-timeout", str(SUBMISSION_SECONDS)],
                            capture_output=True, text=True, cwd=REPO_DIR, env=env, timeout=900)
    after = {p: digest(p) for p in before}
    shutil.rmtree(OTHER_COPY)
    leaked_ipc = sysv_keys() - ipc_before
    for path in ("/run/lock/hostile-was-here", "/var/lock/hostile-was-here",
                 "/dev/shm/hostile-shm"):
        if os.path.lexists(path):
            leaked_ipc.add(path)
            os.unlink(path)
    return course, result, before, after, leaked_ipc


def sysv_keys() -> set:
    """The keys of the host's System V message queues and shared-memory segments."""
    keys = set()
    for name in ("msg", "shm"):
        with open(f"/proc/sysvipc/{name}", encoding="ascii") as handle:
            keys |= {(name, int(line.split()[0])) for line in list(handle)[1:]}
    return keys


def scores(course: Path) -> dict[str, float]:
    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)
                if row["assignment"] == ASSIGNMENT}


def solution_lines() -> list[str]:
    """Lines of the master's solutions that the released notebook does not contain."""
    released = (NOTEBOOKS_DIR / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8")
    lines = []
    for source in master(ASSIGNMENT).solutions.values():
        for line in source.splitlines():
            line = line.strip()
            if len(line) > 25 and json.dumps(line)[1:-1] not in released and "#" not in line:
                lines.append(line)
    assert lines
    return lines


def test_honest_students_keep_their_marks(graded):
    course, result, before, after, _ = graded
    assert result.returncode == 0, result.stdout + result.stderr
    assert scores(course) == {
        "alice": 10.0, "link_nb": 0.0, "link_ts": 10.0, "passwd_ts": 10.0, "fifo": 0.0,
        "dirnb": 0.0, "linkdir": 0.0, "malformed": 10.0, "malformed_sol": 10.0, "deep": 0.0,
        "escape": 10.0, "active": 10.0, "sleeper": 10.0, "ipc": 10.0, "fdspy": 10.0,
        "diskfill": 10.0, "copycat": 6.0}
    assert before == after  # the master and /etc/passwd untouched


def visible_text(page: str) -> str:
    """An HTML page's text, tags removed (syntax highlighting splits code into spans)."""
    return html.unescape(re.sub(r"<[^>]*>", "", page))


HOSTILE = ("link_nb", "link_ts", "passwd_ts", "fifo", "dirnb", "linkdir", "deep")


def test_links_are_never_followed_and_say_so(graded):
    course, result, _, _, _ = graded
    secrets = solution_lines()
    passwd = Path("/etc/passwd").read_text(encoding="utf-8").splitlines()[0]
    for student_dir in (course / "feedback").iterdir():
        folder = student_dir / ASSIGNMENT
        names = {p.name for p in folder.iterdir()}
        # Only files the grader made; none is a link.
        assert names <= {f"{ASSIGNMENT}.html", "timestamp.txt", "submission_secret.txt"}, names
        for path in folder.iterdir():
            assert not path.is_symlink()
            content = visible_text(path.read_text(encoding="utf-8", errors="replace"))
            assert passwd not in content, (student_dir.name, path.name)
            if student_dir.name in HOSTILE and student_dir.name not in ("link_ts",
                                                                       "passwd_ts"):
                for line in secrets:
                    assert line not in content, (student_dir.name, path.name, line)
    for path in (course / "autograded").rglob("*"):
        if path.is_file():
            content = path.read_text(encoding="utf-8", errors="replace")
            assert passwd not in content
            if path.relative_to(course / "autograded").parts[0] in ("link_nb", "linkdir"):
                assert not any(line in content for line in secrets), path
    # The check is not vacuous: an honest page shows the student's (= the master's) code.
    alice = visible_text((course / "feedback" / "alice" / ASSIGNMENT /
                          f"{ASSIGNMENT}.html").read_text(encoding="utf-8"))
    assert any(line in alice for line in secrets)
    assert (course / "feedback" / "alice" / ASSIGNMENT / "timestamp.txt").read_text() == \
        "2026-01-05 10:00:00.000000 UTC"
    for student in ("link_ts", "passwd_ts"):
        # The linked timestamp was dropped; what release_feedback needs is a stand-in the grader
        # wrote (issue 11: submissions from outside the exchange), never the link's target.
        folder = course / "feedback" / student / ASSIGNMENT
        assert (folder / "timestamp.txt").read_text(encoding="utf-8") == "unknown"
        assert re.fullmatch(r"[0-9a-f]{32}",
                            (folder / "submission_secret.txt").read_text(encoding="utf-8"))
    out = result.stdout
    assert f"link_nb/{ASSIGNMENT}: {ASSIGNMENT}.ipynb is a symbolic link: not followed" in out
    assert f"passwd_ts/{ASSIGNMENT}: timestamp.txt is a symbolic link: not followed" in out
    assert f"fifo/{ASSIGNMENT}: {ASSIGNMENT}.ipynb is a named pipe (FIFO)" in out
    assert f"dirnb/{ASSIGNMENT}: {ASSIGNMENT}.ipynb is a folder" in out
    assert f"linkdir/{ASSIGNMENT}: the submission folder {ASSIGNMENT} is a symbolic link" in out
    page = (course / "feedback" / "link_nb" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "is a symbolic link: not followed" in page.replace("\\", "")


def test_malformed_cells_are_ignored_or_repaired_and_noted(graded):
    course, result, _, _, _ = graded
    out = result.stdout
    assert f"  malformed/{ASSIGNMENT}: " in out
    notes = json.loads((course / ".grading" / "records" / "malformed" / ASSIGNMENT /
                        "record.json").read_text(encoding="utf-8"))["notes"]
    for expected in ("cell 1: its metadata is null, not an object: ignored",
                     "cell 2: its metadata is a list, not an object: ignored",
                     "cell 4: its grade_id is a list, not a name: ignored",
                     "its grade_id is an object, not a name: ignored",
                     "its grade_id is a number, not a name: ignored",
                     "grade_id 'no_such_cell' is no cell of this assignment",
                     "cell test_initialize_velocity duplicated: the first copy is graded",
                     "is not a notebook cell"):
        assert any(expected in note for note in notes), (expected, notes)
    fixed = next(x for x in out.splitlines() if x.startswith(f"  malformed_sol/{ASSIGNMENT}:"))
    assert "repaired: graded as the cell initialize_velocity" in fixed
    page = (course / "feedback" / "malformed" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "metadata is null" in page
    assert f"deep/{ASSIGNMENT}: notebook nested too deeply" in out
    # A forged test cell with 100 points changed nothing: the master's points count.
    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["student_id"] == "malformed"]
    assert float(rows[0]["max_score"]) == 10.0


def test_escape_sequences_are_never_printed_raw(graded):
    course, result, _, _, _ = graded
    for text in (result.stdout, result.stderr,
                 (course / "flags.csv").read_text(encoding="utf-8")):
        assert "\x1b" not in text and "\x07" not in text
    assert "\\x1b[2J\\x1b[31mowned\\x07.ipynb" in result.stdout


def test_active_outputs_are_neutralised_in_autograded_copies(graded):
    course, result, _, _, _ = graded
    path = course / "autograded" / "active" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    kinds = {k for o in outputs for k in o.get("data", {})}
    assert kinds <= {"text/plain", "image/png", "image/jpeg", "image/gif"}, kinds
    texts = json.dumps(outputs)
    assert "plain text stays" in texts and "output removed by the grader" in texts
    for needle in ("<script", "<iframe", "onmouseover", "alert(3)"):
        assert needle not in texts
    markdown = [c["source"] for c in nb["cells"] if c["cell_type"] == "markdown"
                and "onerror" in c["source"]]
    assert markdown and all("<img" not in m and "<script" not in m for m in markdown)
    page = (course / "feedback" / "active" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert not re.search(r"<img[^>]*onerror", page) and "<script>alert" not in page


def test_wall_time_per_submission_is_set_by_the_release(graded):
    course, result, _, _, _ = graded
    record = json.loads((course / ".grading" / "records" / "sleeper" / ASSIGNMENT /
                         "record.json").read_text(encoding="utf-8"))
    # 30 cells of 4 s would take 120 s; the kernel was stopped at the limit.
    assert SUBMISSION_SECONDS <= record["kernel_seconds"] < SUBMISSION_SECONDS + 20, record
    assert any("stopped after 45 s" in n for n in record["notes"]), record["notes"]
    alice = json.loads((course / ".grading" / "records" / "alice" / ASSIGNMENT /
                        "record.json").read_text(encoding="utf-8"))
    assert not any("stopped" in n for n in alice["notes"])


def outputs_of(course: Path, student: str) -> str:
    path = course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    return "".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                   for o in c["outputs"] if o.get("output_type") == "stream")


def test_kernels_keep_ipc_descriptors_and_disk_to_themselves(graded):
    course, result, _, _, leaked = graded
    assert not leaked, leaked  # no System V object, /dev/shm or /run/lock file on the host
    ipc = outputs_of(course, "ipc")
    assert "msgget" in ipc and "shmget" in ipc  # the cell ran (inside its own IPC namespace)
    spy = outputs_of(course, "fdspy")
    # The kernel's descriptors: its own sockets, pipes and its own stderr file; none of the
    # grader's files (the shard's log, the gradebook, records) is open in it.
    seen = ast.literal_eval(spy.split("inherited ")[1].splitlines()[0])
    paths = [target for _, target in seen if target.startswith("/")]
    assert all(t == "/dev/null" or t.endswith("/kernel-stderr.log") for t in paths), paths
    assert "read back" not in spy, spy
    assert "unreadable" in spy and "kernel-stderr.log PermissionError" in spy, spy
    assert "wrote /run/lock" not in spy and "wrote /var/lock" not in spy, spy
    assert "grading alice" not in spy and "grading " not in spy
    logs = "".join(p.read_text(encoding="utf-8", errors="replace")
                   for p in (course / ".grading").rglob("*") if p.is_file()
                   and p.suffix in (".err", ".log", ".out"))
    assert "HOSTILE-IN-THE-GRADER-LOG" not in logs
    fill = outputs_of(course, "diskfill")
    written = int(fill.split("wrote MiB")[1].split()[0])
    assert "stopped" in fill and written <= 256, fill  # the private tmpfs's size


def test_another_copy_of_the_course_is_invisible(graded):
    """A world-readable copy of the master elsewhere on disk let the check's child run the
    master's solution (full marks); in the allow-list root it does not exist."""
    course, result, _, _, _ = graded
    assert scores(course)["copycat"] == 6.0  # initialize_velocity: 0 of 4; the other: 6
    record = json.loads((course / ".grading" / "records" / "copycat" / ASSIGNMENT /
                         "record.json").read_text(encoding="utf-8"))
    assert "FileNotFoundError" in record["verdicts"]["initialize_velocity"]["feedback"]
    assert "other copy False" in outputs_of(course, "copycat")
