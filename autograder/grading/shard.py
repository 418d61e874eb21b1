"""One shard of the class: its own nbgrader course root and gradebook, one student at a time.

For each submission of each student of the shard (see :func:`grade_submission`):

1. :func:`autograder.grading.submission.prepare` rebuilds it on the released notebook of its
   language (the zh-CN release for a notebook whose ``metadata.course.language`` says so);
2. :func:`autograder.grading.verdicts.trusted_verdicts` gets the out-of-process verdict of each
   graded function;
3. real ``nbgrader autograde`` runs it in the sandboxed kernel (``Execute.timeout`` per cell);
4. every test cell's score is set to the trusted verdict: where nbgrader's in-kernel score differs,
   the trusted score goes into the gradebook as nbgrader's ``manual_score`` (so nbgrader's own
   export shows it), and an in-kernel pass over a failed check is flagged;
5. real ``nbgrader generate_feedback`` renders the sanitised feedback notebook;
6. a self-contained record (scores, notes, flags, the autograded notebook, the feedback HTML) is
   written to ``<work>/records/<student>/<assignment>/``, ``record.json`` last.

Records are the shard's output: the merge step reads them into the course gradebook, so the
result does not depend on how students were split into shards, and a rerun skips every
submission whose record matches its inputs (resume, idempotence).
"""

from __future__ import annotations

import faulthandler
import hashlib
import json
import logging
import os
import shutil
import stat
import sys
import threading
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from autograder.grading import channels, sandbox
from autograder.grading.kernels import GRADER_BROKEN, GraderBroken, Sandboxes
from autograder.grading.submission import (
    feedback_notebook,
    for_nbgrader,
    meta,
    neutralise,
    prepare,
    without_instructor_code,
    write_notebook,
)
from autograder.grading.verdicts import NotebookUnreadable, trusted_verdicts
from autograder.localcheck.safefiles import Refused, link_in_chain, printable, read_regular

PIPELINE_VERSION = "1"
COURSE_ID = "optim-course"

__all__ = ["COURSE_ID", "GRADER_BROKEN", "GraderBroken", "Options", "Shard", "run_shard"]


@dataclass
class Options:
    """How a run grades (shared by the orchestrator and its shards)."""

    course: Path  # course root: holds submitted/, gets gradebook.db, feedback/, grades.csv
    work: Path  # scratch of the run: template, shards, records, progress
    cell_timeout: int = 30
    limits: sandbox.Limits = field(default_factory=sandbox.Limits)
    user: str | None = None  # sandbox user (None: the grader's own)
    namespaces: bool = False
    hide: list[str] = field(default_factory=list)
    run_experiments: bool = False  # also run the instructor's unchanged, ungraded code cells
    submission_seconds: float | None = None  # kernel wall time per submission (None: default)


def kernel_budget(options: Options, released: dict) -> float:
    """Wall seconds the grading kernel may run for one submission.

    Set by the *release*, never by the submission: a start-up allowance plus one cell timeout
    per code cell the release runs (its graded and setup cells; all of them with
    ``--run-experiments``), so cells a student adds cannot make the class wait longer.
    ``--submission-timeout`` (``Options.submission_seconds``) overrides it. The kernel is
    killed at the limit; scores are unaffected (they come from the out-of-process check), the
    remaining cells show no output, and the submission's notes say so.
    """
    if options.submission_seconds:
        return float(options.submission_seconds)
    nb = released if options.run_experiments else without_instructor_code(released, released)[0]
    cells = sum(1 for c in nb.get("cells", []) if c.get("cell_type") == "code")
    return 60.0 + options.cell_timeout * cells


# ---------------------------------------------------------------------------------------------
# Template course: masters + released notebooks + a gradebook with the assignments.


def masters_digest(source: Path) -> str:
    digest = hashlib.sha256(PIPELINE_VERSION.encode())
    for path in sorted(source.glob("*/*.ipynb")):
        digest.update(path.relative_to(source).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def template_dir(options: Options) -> Path:
    return options.work / "template"


def released_notebook(options: Options, assignment: str, language: str = "en") -> dict:
    """The student notebook of ``assignment`` as released in ``language``: nbgrader's release
    in the template, and for another language its translation by the course's catalogue (what
    ``make release`` writes to ``notebooks/<language>/``)."""
    path = template_dir(options) / "release" / assignment / f"{assignment}.ipynb"
    if language == "en":
        return json.loads(path.read_text(encoding="utf-8"))
    key = (str(path), path.stat().st_mtime_ns, assignment, language)
    if key not in _translated:
        import nbformat

        from autograder.publish import translations

        if language not in translations.LANGUAGES:
            raise ValueError(f"no {language} release")
        english = nbformat.read(path, as_version=4)
        translated, _report = translations.translate(
            english, translations.load_catalogue(language, assignment), language, assignment)
        _translated[key] = json.loads(nbformat.writes(translated, version=4))
    return json.loads(json.dumps(_translated[key]))


_translated: dict[tuple, dict] = {}


def master_notebook(options: Options, assignment: str) -> dict:
    path = template_dir(options) / "source" / assignment / f"{assignment}.ipynb"
    return json.loads(path.read_text(encoding="utf-8"))


def test_cells(master: dict) -> dict[str, str]:
    """``{test grade_id: function}`` of the master's autograded test cells."""
    solutions = {meta(c)["grade_id"] for c in master["cells"]
                 if meta(c).get("solution") and meta(c).get("grade_id")}
    tests = {}
    for cell in master["cells"]:
        grade_id = meta(cell).get("grade_id", "")
        if meta(cell).get("grade") and not meta(cell).get("solution"):
            function = grade_id[5:] if grade_id.startswith("test_") else grade_id
            tests[grade_id] = function if function in solutions else grade_id
    return tests


# ---------------------------------------------------------------------------------------------
# Inputs and records.


def submission_digest(folder: Path, masters: str) -> str:
    """A digest of the submission folder as it is on disk, links included *as links* (their
    target's name, never its content), FIFOs and devices by kind only (never opened)."""
    digest = hashlib.sha256(masters.encode())
    if link_in_chain(folder, 2) is not None:
        digest.update(b"link\0" + os.fsencode(os.readlink(link_in_chain(folder, 2))))
        return digest.hexdigest()
    entries = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(files + [d for d in dirs if os.path.islink(os.path.join(root, d))]):
            entries.append(Path(root) / name)
    for path in sorted(entries):
        digest.update(path.relative_to(folder).as_posix().encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
        digest.update(_file_digest(path))
    return digest.hexdigest()


def _file_digest(path: Path) -> bytes:
    try:
        info = os.lstat(path)
    except OSError:
        return b"unreadable"
    if stat.S_ISLNK(info.st_mode):
        try:
            return b"link\0" + os.fsencode(os.readlink(path))
        except OSError:
            return b"link"
    if not stat.S_ISREG(info.st_mode):
        return b"special\0" + str(stat.S_IFMT(info.st_mode)).encode()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return b"unreadable"
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return b"special"
        hasher = hashlib.sha256()
        while chunk := os.read(fd, 1 << 20):
            hasher.update(chunk)
        return hasher.digest()
    finally:
        os.close(fd)


def record_dir(options: Options, student: str, assignment: str) -> Path:
    return options.work / "records" / student / assignment


def load_record(options: Options, student: str, assignment: str) -> dict | None:
    path = record_dir(options, student, assignment) / "record.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def record_is_current(options: Options, student: str, assignment: str, digest: str) -> bool:
    record = load_record(options, student, assignment)
    return bool(record and record.get("digest") == digest)


def read_timestamp(folder: Path) -> str | None:
    """The submission's ``timestamp.txt`` (one line, printable), never through a link; None
    when it is missing, a link, not a regular file or not a short text."""
    return _small_text(folder / "timestamp.txt", 200)


def read_submission_secret(folder: Path) -> str | None:
    """nbgrader's ``submission_secret.txt`` of the submission when it is what nbgrader writes
    (a regular file holding hex digits), else None; release_feedback needs it next to the
    feedback page, and the grader writes it there itself."""
    value = _small_text(folder / "submission_secret.txt", 1024)
    return value if value and all(c in "0123456789abcdefABCDEF" for c in value) else None


def _small_text(path: Path, limit: int) -> str | None:
    if link_in_chain(path.parent, 2) is not None:
        return None
    try:
        value = read_regular(path, limit).decode("utf-8", errors="replace").strip()
    except Refused:
        return None
    if not value or "\n" in value or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return None
    return value


# ---------------------------------------------------------------------------------------------
# The shard.


class Shard:
    """An nbgrader course root of its own under ``<work>/shards/<label>``, with its sandboxes."""

    def __init__(self, options: Options, label: str):
        self.options = options
        self.label = label
        self.root = options.work / "shards" / label
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True)
        os.chmod(self.root, 0o700)
        template = template_dir(options)
        shutil.copytree(template / "source", self.root / "source")
        shutil.copytree(template / "release", self.root / "release")
        shutil.copyfile(template / "gradebook.db", self.root / "gradebook.db")
        scratch_gradebook(self.root / "gradebook.db")
        self.inputs = self.root / "kernel_inputs"
        self.sandboxes = Sandboxes(
            self.root, scratch=self.root / "kernels", inputs=self.inputs, limits=options.limits,
            user=options.user, namespaces=options.namespaces, hide=options.hide,
            child_hide=child_hide(options))
        self.child_python = self.sandboxes.child_python
        self.api = nbgrader_api(self.root, options, self.sandboxes, autograded="autograded")
        self.feedback_api = nbgrader_api(self.root, options, self.sandboxes,
                                         autograded="feedback_src")
        try:
            self.preflight()
        except BaseException:
            self.close()
            raise

    def preflight(self) -> None:
        """Fail fast, before any submission: a kernel must start, and the check must pass a
        master's own solutions (else the grader is broken, and no student is to blame)."""
        # The launcher reads <student>/<assignment> from the kernel's folder.
        self.sandboxes.preflight(self.root / "preflight" / "_grader" / "_preflight")
        source = self.root / "source"
        for folder in sorted(p for p in source.iterdir() if p.is_dir()):
            master = folder / f"{folder.name}.ipynb"
            if not test_cells(json.loads(master.read_text(encoding="utf-8"))):
                continue
            try:
                verdicts = trusted_verdicts(master, child_python=self.child_python)
            except Exception as exc:  # noqa: BLE001
                raise GraderBroken(f"the check cannot run: {type(exc).__name__}: {exc}"
                                   ) from exc
            failed = [v for v in verdicts.values() if not v.passed]
            if not verdicts or failed:
                reason = failed[0].feedback.splitlines()[0] if failed else "no verdict"
                raise GraderBroken(f"the check fails the master of {folder.name}: {reason}")
            break

    # -----------------------------------------------------------------------------------------

    def grade(self, student: str, assignment: str, digest: str) -> dict:
        started = time.perf_counter()
        options = self.options
        folder = options.course / "submitted" / student / assignment
        master = master_notebook(options, assignment)
        released = released_notebook(options, assignment)
        tests = test_cells(master)
        notebook_file = f"{assignment}.ipynb"

        # On the release of the submission's language; nbgrader gets the master's locked cells.
        prepared = prepare(folder, assignment, released, master, releases=lambda language: (
            released_notebook(options, assignment, language)))
        target = self.root / "submitted" / student / assignment
        if target.exists():
            shutil.rmtree(target)
        graded_nb = for_nbgrader(prepared.notebook, master)
        if not options.run_experiments:
            graded_nb, _ = without_instructor_code(graded_nb, prepared.released or released)
        write_notebook(graded_nb, target / notebook_file)
        timestamp = read_timestamp(folder)
        if timestamp:
            (target / "timestamp.txt").write_text(timestamp, encoding="utf-8")
        notes = list(prepared.notes)
        flags: list[dict] = []

        # Trusted verdicts (the out-of-process check).
        verdicts: dict[str, dict] = {}
        check_started = time.perf_counter()
        if prepared.unreadable is None:
            try:
                verdicts = {name: v.to_json() for name, v in trusted_verdicts(
                    target / notebook_file, child_python=self.child_python).items()}
            except NotebookUnreadable as exc:
                notes.append(f"the check could not read the notebook: {exc}")
            except Exception as exc:  # noqa: BLE001 - one submission never stops the batch
                notes.append(f"the check failed ({type(exc).__name__}: {exc}); scored 0")
        check_seconds = time.perf_counter() - check_started
        kernel_inputs = self.inputs / student / assignment
        kernel_inputs.mkdir(parents=True, exist_ok=True)
        (kernel_inputs / "verdicts.json").write_text(json.dumps(verdicts), encoding="utf-8")

        # Real nbgrader autograde in the sandboxed kernel.
        budget = kernel_budget(options, released)
        stopped = threading.Event()

        def stop_kernel() -> None:
            if self.sandboxes.kill_kernels():
                stopped.set()

        timer = threading.Timer(budget, stop_kernel)
        timer.daemon = True
        kernel_started = time.perf_counter()
        timer.start()
        try:
            result = self.api.autograde(assignment, student, force=True, create=True)
        finally:
            timer.cancel()
        kernel_seconds = time.perf_counter() - kernel_started
        if stopped.is_set():
            notes.append(f"the grading kernel was stopped after {budget:g} s (the wall-time "
                         "limit of one submission); the scores come from the check")
        # nbgrader's own warnings about this submission (e.g. "checksum has changed"): kept in
        # the record, so real tampering is not buried under noise.
        nbgrader_warnings = [line.strip() for line in (result.get("log") or "").splitlines()
                             if line.startswith("[WARNING]")]
        if not result.get("success"):
            error = (result.get("error") or result.get("log") or "").strip().splitlines()
            reason = next((line for line in reversed(error) if "Error" in line), None)
            notes.append("the grading kernel failed" + (f" ({reason.strip()[:200]})"
                                                        if reason else ""))
            kernel_stderr = ""
            for path in sorted(self.sandboxes.scratch.glob("kernel-*/kernel-stderr.log")):
                try:
                    kernel_stderr += read_regular(path, 1 << 20)[-20000:].decode(
                        "utf-8", "replace")
                except Refused:
                    pass
            with (self.root / "autograde-errors.log").open("a", encoding="utf-8") as log:
                log.write(printable(f"{student}/{assignment}\n{result.get('log', '')}\n"
                                    f"{result.get('error', '')}\n"
                                    f"kernel stderr:\n{kernel_stderr}\n", keep_newlines=True))
        self.sandboxes.clean_scratch()

        # Trusted scores into the shard gradebook.
        grades = settle_grades(self.root / "gradebook.db", student, assignment, tests,
                               verdicts, flags)

        # Feedback: hidden tests stripped, verdicts as the test outputs, nothing else from the
        # grading kernel.
        fb_nb = feedback_notebook(prepared.notebook, verdicts, tests, prepared.notes)
        fb_dir = self.root / "feedback_src" / student / assignment
        if fb_dir.exists():
            shutil.rmtree(fb_dir)
        write_notebook(fb_nb, fb_dir / notebook_file)
        if timestamp:
            (fb_dir / "timestamp.txt").write_text(timestamp, encoding="utf-8")
        feedback_started = time.perf_counter()
        feedback = self.feedback_api.generate_feedback(assignment, student, force=True)
        feedback_seconds = time.perf_counter() - feedback_started
        if not feedback.get("success"):
            notes.append("nbgrader generate_feedback failed")

        # The record.
        out = record_dir(options, student, assignment)
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        autograded = self.root / "autograded" / student / assignment / notebook_file
        if autograded.is_file():
            # What formgrader shows the instructor: no script, HTML or SVG from the kernel.
            shown, _ = neutralise(json.loads(autograded.read_text(encoding="utf-8")))
            (out / "autograded.ipynb").write_text(json.dumps(shown, indent=1),
                                                  encoding="utf-8")
        html = self.root / "feedback" / student / assignment / f"{assignment}.html"
        if html.is_file():
            shutil.copyfile(html, out / "feedback.html")
        # What the student may read: nbgrader's generate_feedback on the course renders it again
        # with the hand grades (autograder.grading.feedback.StudentView).
        shutil.copyfile(fb_dir / notebook_file, out / "feedback.ipynb")
        score = sum(g["score"] for g in grades)
        max_score = sum(g["max_score"] for g in grades)
        record = {
            "student": student, "assignment": assignment, "digest": digest,
            "timestamp": timestamp, "graded_file": prepared.source_name,
            "score": score, "max_score": max_score, "grades": grades,
            "verdicts": verdicts, "notes": notes, "flags": flags,
            "unreadable": prepared.unreadable,
            "nbgrader_warnings": nbgrader_warnings,
            "seconds": round(time.perf_counter() - started, 3),
            "kernel_seconds": round(kernel_seconds, 3),
            "check_seconds": round(check_seconds, 3),
            "feedback_seconds": round(feedback_seconds, 3),
        }
        tmp = out / "record.json.tmp"
        tmp.write_text(json.dumps(record, indent=1), encoding="utf-8")
        tmp.replace(out / "record.json")
        return record

    def close(self) -> None:
        self.sandboxes.close()
        errors = self.root / "autograde-errors.log"
        if errors.is_file():  # keep what went wrong for the instructor
            shutil.copyfile(errors, self.options.work / f"autograde-errors-{self.label}.log")
        if not os.environ.get("OPTIM_GRADER_KEEP_SHARDS"):
            shutil.rmtree(self.root, ignore_errors=True)


_scratch_gradebooks: set[str] = set()


def scratch_gradebook(path: Path) -> None:
    """Let SQLite skip the sync to disk at every commit of the gradebook at ``path``.

    A shard's gradebook is scratch: copied from the template when the shard starts, and
    what it holds reaches the course only through the records (written whole, then renamed).
    nbgrader commits some thirty times per submission; each commit waited for the disk. With
    ``synchronous = OFF`` a commit is still atomic and survives the shard being killed (the
    rollback journal stays); only a power cut could tear it, and the shard starts afresh anyway.
    """
    import nbgrader.api
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not _scratch_gradebooks:
        event.listen(Engine, "connect", _unsynced_if_scratch)
        nbgrader.api.create_engine = _shared_scratch_engine
    _scratch_gradebooks.add(os.path.realpath(path))


_scratch_engines: dict[tuple, object] = {}


def _shared_scratch_engine(url, **kwargs):
    """``sqlalchemy.create_engine`` for nbgrader's ``Gradebook``, one engine per scratch
    gradebook.

    nbgrader opens a ``Gradebook`` (a new engine) eleven times per submission, and each new
    engine compiles every SQL statement again: half of nbgrader's gradebook time. Sharing the
    engine keeps SQLAlchemy's statement cache; ``Gradebook.close`` still disposes of its
    connections. Any other database gets a fresh engine, as before.
    """
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or os.path.realpath(database) not in _scratch_gradebooks:
        return create_engine(url, **kwargs)
    key = (os.path.realpath(database), tuple(sorted(kwargs.items())))
    if key not in _scratch_engines:
        _scratch_engines[key] = create_engine(url, **kwargs)
    return _scratch_engines[key]


def _unsynced_if_scratch(connection, _record) -> None:
    import sqlite3

    if not isinstance(connection, sqlite3.Connection):
        return
    files = {os.path.realpath(row[2]) for row in connection.execute("PRAGMA database_list")
             if row[1] == "main" and row[2]}
    if files & _scratch_gradebooks:
        connection.execute("PRAGMA synchronous = OFF")


def nbgrader_api(root: Path, options: Options, sandboxes: Sandboxes, autograded: str):
    """nbgrader's API on the shard's course root ``root``, its kernels in ``sandboxes``;
    ``autograded`` names the folder it writes autograded notebooks to (feedback reads it)."""
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.course_id = COURSE_ID
    config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    config.CourseDirectory.autograded_directory = autograded
    config.Execute.timeout = options.cell_timeout
    config.Execute.interrupt_on_timeout = True
    config.Execute.kernel_name = sandbox.KERNEL_NAME
    config.Execute.startup_timeout = 60
    # The notebook is done with the kernel: kill it rather than poll for a polite exit.
    config.Execute.shutdown_kernel = "immediate"
    config.AsyncKernelManager.client_class = channels.CLIENT_CLASS
    # nbgrader's own preprocessors, two of them in a faster form (see their docstrings).
    config.Autograde.sanitize_preprocessors, config.Autograde.autograde_preprocessors = (
        autograde_preprocessors())
    transport = sandboxes.kernel_transport("kernel")
    if transport:
        config.KernelManager.transport = transport["transport"]
        config.KernelManager.ip = transport["ip"]
    # The page self-contained (figures inlined, lines wrapped); the notebook is already the
    # student's view (feedback_notebook), so nbgrader's own preprocessors suffice here.
    from autograder.grading.feedback import FeedbackPage
    config.GenerateFeedback.exporter_class = FeedbackPage
    config.LimitOutput.max_lines = 200
    config.LimitOutput.max_traceback = 50
    coursedir = CourseDirectory(config=config)
    api = NbGraderAPI(coursedir=coursedir, config=config)
    api.log.setLevel(logging.WARNING)
    return api


_schema_validators: dict[str, object] = {}


def _schema_validator(schema: dict):
    """A jsonschema validator of ``schema``, built (and the schema checked) once per process."""
    key = json.dumps(schema, sort_keys=True)
    if key not in _schema_validators:
        import jsonschema

        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        _schema_validators[key] = cls(schema)
    return _schema_validators[key]


def autograde_preprocessors() -> tuple[list, list]:
    """nbgrader's ``Autograde.sanitize_preprocessors`` and ``autograde_preprocessors``, with
    :class:`CheckCellMetadata` and :class:`Execute` in the forms below (same checks, same
    kernels, less time)."""
    from nbgrader.converters.autograde import Autograde
    from nbgrader.nbgraderformat import MetadataValidator, ValidationError
    from nbgrader.nbgraderformat.common import BaseMetadataValidator
    from nbgrader.preprocessors import CheckCellMetadata as NbgraderCheckCellMetadata
    from nbgrader.preprocessors import Execute as NbgraderExecute

    class SchemaOnce(BaseMetadataValidator):
        def validate_cell(self, cell) -> None:
            meta = cell.metadata.get("nbgrader")
            if meta is None or meta.get("schema_version", 0) != self.schema_version:
                super().validate_cell(cell)  # nbgrader's own errors for an old or new schema
                return
            import jsonschema

            error = jsonschema.exceptions.best_match(
                _schema_validator(self.schema).iter_errors(meta))
            if error is not None:
                raise error

    class Validator(MetadataValidator, SchemaOnce):
        """nbgrader's metadata validator; its JSON schema check is ``jsonschema.validate``
        with the validator built once (``jsonschema.validate`` checks the schema itself
        against the metaschema at every call: ~50 ms per notebook, twice per submission)."""

    class CheckCellMetadata(NbgraderCheckCellMetadata):
        """nbgrader's ``CheckCellMetadata`` (grade ids, points, cell types, the schema) with
        :class:`Validator`: the same errors, in a few milliseconds."""

        validator_class = Validator

        def preprocess(self, nb, resources):
            try:
                self.validator_class().validate_nb(nb)
            except ValidationError:
                self.log.error(traceback.format_exc())
                msg = "Notebook failed to validate; the nbgrader metadata may be corrupted."
                self.log.error(msg)
                raise ValidationError(msg) from None
            return nb, resources

    class Execute(NbgraderExecute):
        """nbgrader's ``Execute`` with :class:`autograder.grading.kernels.SandboxKernelManager`
        (nbgrader passes its kernel manager class as an argument, which config cannot
        override)."""

        def __init__(self, *args, **kwargs):
            from autograder.grading.kernels import SandboxKernelManager

            kwargs.setdefault("kernel_manager_class", SandboxKernelManager)
            super().__init__(*args, **kwargs)

    swap = {NbgraderCheckCellMetadata: CheckCellMetadata, NbgraderExecute: Execute}
    traits = Autograde.class_traits()
    return tuple([swap.get(pp, pp) for pp in traits[name].default()]
                 for name in ("sanitize_preprocessors", "autograde_preprocessors"))


def settle_grades(gradebook: Path, student: str, assignment: str, tests: dict[str, str],
                  verdicts: dict[str, dict], flags: list[dict]) -> list[dict]:
    """Every autograded test cell of the submission in ``gradebook`` gets its trusted score;
    returns the grades as plain data (written answers: nbgrader's own state, untouched)."""
    from nbgrader.api import Gradebook, MissingEntry

    grades = []
    with Gradebook(f"sqlite:///{gradebook}", COURSE_ID) as gb:
        try:
            submission = gb.find_submission_notebook(assignment, assignment, student)
            rows = list(submission.grades)
        except MissingEntry:
            gb.update_or_create_student(student)
            gb.update_or_create_submission(assignment, student)
            submission = gb.find_submission_notebook(assignment, assignment, student)
            rows = list(submission.grades)
        for grade in sorted(rows, key=lambda g: g.name):
            if grade.name not in tests:
                # Manually graded (written answers): nbgrader's own state, untouched.
                grades.append({"grade_id": grade.name, "function": None, "manual": True,
                               "max_score": float(grade.max_score),
                               "auto_score": grade.auto_score,
                               "manual_score": grade.manual_score,
                               "needs_manual_grade": bool(grade.needs_manual_grade),
                               "score": float(grade.score or 0.0)})
                continue
            function = tests[grade.name]
            verdict = verdicts.get(function)
            trusted = float(verdict["score"]) if verdict else 0.0
            trusted = min(trusted, float(grade.max_score))
            in_kernel = grade.auto_score
            if in_kernel is not None and float(in_kernel) > trusted:
                reason = ((verdict or {}).get("feedback") or "function not found").splitlines()
                flags.append({"function": function,
                              "reason": "in-kernel test passed but the out-of-process check "
                                        f"failed: {reason[0] if reason else ''}"})
            if in_kernel is None or float(in_kernel) != trusted:
                grade.manual_score = trusted
            else:
                grade.manual_score = None
            grade.extra_credit = None
            grade.needs_manual_grade = False
            grades.append({"grade_id": grade.name, "function": function,
                           "manual": False, "needs_manual_grade": False,
                           "max_score": float(grade.max_score),
                           "auto_score": None if in_kernel is None else float(in_kernel),
                           "manual_score": grade.manual_score, "score": trusted})
        gb.db.commit()
    return grades


def child_hide(options: Options) -> list[str]:
    """What a check child must not see: the masters, the repository's history, and every
    grading file of the course (when the course root is the package folder, its parts)."""
    from autograder import COURSE_DIR, REPO_DIR, SOURCE_DIR

    course = options.course.resolve()
    paths = [SOURCE_DIR, REPO_DIR / ".git", options.work]
    if course == COURSE_DIR.resolve():
        paths += [course / name for name in ("submitted", "autograded", "feedback", "release",
                                             "source", "gradebook.db", "gradebook.db.bak",
                                             "gradebook-backups", "grades.csv",
                                             "grades-wide.csv", "flags.csv", "rubrics")]
    else:
        paths.append(course)
    out: list[str] = []
    for path in paths:
        text = str(Path(path).resolve())
        if text not in out and Path(text).exists():
            out.append(text)
    return out


def run_shard(options: Options, submissions: list[tuple[str, str]], label: str,
              progress_file: Path | None = None) -> int:
    """Grade ``submissions`` (``(student, assignment)`` pairs) not already recorded.

    Returns the number graded now. Appends one line per submission (graded or skipped) to
    ``progress_file`` so the orchestrator can draw its progress bar.
    """
    # nbgrader's update_or_create_submission trips SQLAlchemy's autoflush warnings: noise only.
    warnings.filterwarnings("ignore", message=".*not in session.*")
    masters = (template_dir(options) / "digest.txt").read_text(encoding="utf-8").strip()
    shard = None
    graded = 0
    progress = open(progress_file, "a", encoding="utf-8") if progress_file else None
    try:
        for student, assignment in submissions:
            folder = options.course / "submitted" / student / assignment
            digest = submission_digest(folder, masters)
            if not record_is_current(options, student, assignment, digest):
                if shard is None:  # before any attempt is counted: a broken grader blames no one
                    shard = Shard(options, label)
                attempts = _bump_attempts(options, student, assignment, digest)
                if attempts > 2:
                    _record_crash(options, student, assignment, digest, shard)
                else:
                    print(f"grading {printable(student)}/{assignment} (attempt {attempts})",
                          file=sys.stderr, flush=True)
                    watchdog(options, released_notebook(options, assignment))
                    try:
                        shard.grade(student, assignment, digest)
                        _forget_attempts(options, student, assignment)
                    except KeyboardInterrupt:
                        # An interrupted run is not the submission's fault.
                        _bump_attempts(options, student, assignment, digest, step=-1)
                        raise
                    except Exception:  # noqa: BLE001 - one submission never stops the batch
                        _record_crash(options, student, assignment, digest, shard,
                                      traceback.format_exc(limit=3))
                    finally:
                        faulthandler.cancel_dump_traceback_later()
                graded += 1
            if progress:
                progress.write(f"{student}/{assignment}\n")
                progress.flush()
    finally:
        if progress:
            progress.close()
        if shard is not None:
            shard.close()
    return graded


def watchdog(options: Options, notebook: dict) -> float:
    """(Re)arm the shard's watchdog for grading ``notebook``; returns its deadline in seconds.

    Every kernel is bounded by :func:`kernel_budget` and every check by its own limits, so only a
    fault of the grader itself (a lost kernel, a stuck socket) can reach the deadline. The
    watchdog then ends the shard (``faulthandler``: the stuck stack goes to the shard's log),
    the run starts it again, and a submission that stalls the grader twice is recorded as such,
    so the rest of the class is graded. ``OPTIM_GRADER_SUBMISSION_DEADLINE`` overrides it.
    """
    override = os.environ.get("OPTIM_GRADER_SUBMISSION_DEADLINE")
    # The release's cells, not the submission's: the kernel's own limit (kernel_budget) ends
    # a slow submission long before this.
    seconds = float(override) if override else (
        kernel_budget(options, notebook) + 120.0 + 15 * (
            sum(1 for c in notebook.get("cells", []) if c.get("cell_type") == "code") + 4))
    faulthandler.dump_traceback_later(seconds, exit=True)
    return seconds


def _forget_attempts(options: Options, student: str, assignment: str) -> None:
    """A submission graded to the end: its failed attempts no longer count (a later regrade
    starts again from zero)."""
    (options.work / "attempts" / student / f"{assignment}.json").unlink(missing_ok=True)


def _bump_attempts(options: Options, student: str, assignment: str, digest: str,
                   step: int = 1) -> int:
    path = options.work / "attempts" / student / f"{assignment}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    count = max(0, data.get("count", 0) + step) if data.get("digest") == digest else max(0, step)
    path.write_text(json.dumps({"digest": digest, "count": count}), encoding="utf-8")
    return count


def _record_crash(options, student, assignment, digest, shard, detail: str = "") -> None:
    """A submission that stopped the grader itself (an exception, or twice its watchdog):
    scored 0, flagged, never retried."""
    master = master_notebook(options, assignment)
    tests = test_cells(master)
    grades = []
    for cell in master["cells"]:
        if meta(cell).get("grade") and not meta(cell).get("solution"):
            grade_id = meta(cell)["grade_id"]
            if grade_id not in tests:
                continue
            grades.append({"grade_id": grade_id, "function": tests.get(grade_id, grade_id),
                           "max_score": float(meta(cell).get("points", 0)), "auto_score": None,
                           "manual_score": 0.0, "score": 0.0})
    reason = ("this submission crashed the grader: " + detail.strip().splitlines()[-1]
              if detail else "this submission stopped the grader twice (see the shard logs)")
    out = record_dir(options, student, assignment)
    out.mkdir(parents=True, exist_ok=True)
    record = {"student": student, "assignment": assignment, "digest": digest,
              "timestamp": read_timestamp(options.course / "submitted" / student / assignment),
              "graded_file": None, "score": 0.0,
              "max_score": sum(g["max_score"] for g in grades), "grades": grades,
              "verdicts": {}, "notes": [reason], "flags": [{"function": "", "reason": reason}],
              "seconds": 0.0, "kernel_seconds": 0.0}
    (out / "record.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
