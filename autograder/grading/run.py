"""``python -m autograder grade``: nbgrader autograde of a whole class, in parallel shards.

Reads ``<course>/submitted/<student>/<assignment>/`` (default course: ``autograder/``), grades every
submission with real nbgrader in a sandboxed kernel (see :mod:`autograder.grading.shard` and
:mod:`autograder.grading.sandbox`), settles every graded function on the out-of-process check,
merges the shards into ``<course>/gradebook.db``, writes the feedback to
``<course>/feedback/<student>/<assignment>/``, exports ``<course>/grades.csv`` with nbgrader's CSV
export, ``<course>/flags.csv`` and ``<course>/mistakes.csv`` (what the class got wrong,
:mod:`autograder.grading.mistakes`), and prints a summary with the most common mistakes.

Modes:
  grade                      everything: shards in parallel (--jobs, default: the cores), merge
  grade --shard I/N          only shard I of N (1-based; students split round-robin), no merge
  grade --merge-only         only merge the shards' records, export and summarise

The instructor guide (docs/INSTRUCTORS.md) describes the cycle, the isolation and the limits.
"""

from __future__ import annotations

import argparse
import csv
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder import COURSE_DIR, REPO_DIR, SOURCE_DIR
from autograder.grading import mistakes, sandbox
from autograder.grading.export import PLUGIN, WIDE_NAME, export_wide, pending_hand_grades
from autograder.grading.shard import (
    COURSE_ID,
    GRADER_BROKEN,
    GraderBroken,
    Options,
    load_record,
    masters_digest,
    read_submission_secret,
    record_dir,
    run_shard,
    template_dir,
)
from autograder.localcheck.safefiles import printable
from autograder.publish.notebooks import nbgrader_env

FLAGS_COLUMNS = ["student_id", "assignment", "function", "reason"]
BROKEN_MARK = "GRADER BROKEN:"


def course_assignments(source: Path = SOURCE_DIR) -> list[str]:
    return sorted(p.name for p in source.iterdir() if (p / f"{p.name}.ipynb").is_file())


def course_cell_timeout() -> int:
    """``Execute.timeout`` from the course's nbgrader_config.py (30 s by default)."""
    try:
        from traitlets.config.loader import PyFileConfigLoader
        config = PyFileConfigLoader("nbgrader_config.py", str(COURSE_DIR)).load_config()
        return int(config.Execute.timeout) if "timeout" in config.Execute else 30
    except Exception:  # noqa: BLE001 - fall back to the documented default
        return 30


# ---------------------------------------------------------------------------------------------
# Template: masters, released notebooks and a gradebook with the assignments, built once.


def ensure_template(options: Options, source: Path = SOURCE_DIR) -> Path:
    """Build ``<work>/template`` (under a lock, so parallel shard jobs can all call it)."""
    options.work.mkdir(parents=True, exist_ok=True)
    target = template_dir(options)
    digest = masters_digest(source)
    with open(options.work / "template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = target / "digest.txt"
        if marker.is_file() and marker.read_text(encoding="utf-8").strip() == digest:
            return target
        build = Path(tempfile.mkdtemp(prefix="template-", dir=options.work))
        shutil.copytree(source, build / "source",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        shutil.copyfile(COURSE_DIR / "nbgrader_config.py", build / "nbgrader_config.py")
        command = [sys.executable, "-m", "autograder.grading.run", "_template", str(build)]
        result = subprocess.run(command, capture_output=True, text=True, env=nbgrader_env(),
                                cwd=build)
        if result.returncode != 0:
            raise RuntimeError(f"nbgrader generate_assignment failed:\n{result.stdout}\n"
                               f"{result.stderr}")
        (build / "digest.txt").write_text(digest, encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        build.rename(target)
    return target


def _build_template(root: Path) -> int:
    """In a fresh process: nbgrader generate_assignment for every master (NbGraderAPI)."""
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.course_id = COURSE_ID
    config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    config.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    config.ClearSolutions.text_stub = "YOUR ANSWER HERE"
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    for name in course_assignments(root / "source"):
        result = api.generate_assignment(name, force=True, create=True)
        if not result.get("success"):
            print(result.get("log", ""), result.get("error", ""), file=sys.stderr)
            return 1
    return 0


# ---------------------------------------------------------------------------------------------
# Who is graded.


def list_submissions(course: Path, assignments: list[str], students: list[str] | None = None
                     ) -> list[tuple[str, str]]:
    submitted = course / "submitted"
    if not submitted.is_dir():
        return []
    pairs = []
    for student_dir in sorted(p for p in submitted.iterdir()
                              if p.is_dir() and not p.name.startswith(".")):
        if students and student_dir.name not in students:
            continue
        for assignment in assignments:
            if (student_dir / assignment).is_dir():
                pairs.append((student_dir.name, assignment))
    return pairs


def shard_of(pairs: list[tuple[str, str]], index: int, count: int) -> list[tuple[str, str]]:
    """Shard ``index`` (1-based) of ``count``: students split round-robin, whole students."""
    students = sorted({s for s, _ in pairs})
    mine = set(students[index - 1::count])
    return [pair for pair in pairs if pair[0] in mine]


# ---------------------------------------------------------------------------------------------
# Merge, export, summary.


class Refused(RuntimeError):
    """The run would lose what the course already holds: nothing was written."""


BACKUPS_KEPT = 5


def gradebook_backups(course: Path) -> Path:
    return course / "gradebook-backups"


def backup_gradebook(course: Path, keep: int = BACKUPS_KEPT) -> Path | None:
    """A consistent copy of ``<course>/gradebook.db`` (SQLite's backup API, so a formgrader
    writing at the same moment cannot tear it) as ``gradebook-backups/gradebook-<UTC>.db``;
    the ``keep`` newest are kept. Also refreshes ``gradebook.db.bak`` (the latest one)."""
    import sqlite3

    source = course / "gradebook.db"
    if not source.is_file():
        return None
    folder = gradebook_backups(course)
    folder.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    target = folder / f"gradebook-{stamp}.db"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"gradebook-{stamp}-{n}.db"
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, \
            sqlite3.connect(target) as dst:
        src.backup(dst)
    shutil.copyfile(target, course / "gradebook.db.bak")
    backups = sorted(folder.glob("gradebook-*.db"), key=lambda p: p.stat().st_mtime_ns)
    for old in backups[:-keep]:
        old.unlink(missing_ok=True)
    return target


def content_digest(folder: Path) -> str:
    """What the student handed in (the masters left out): a new value means a resubmission."""
    from autograder.grading.shard import submission_digest
    return submission_digest(folder, "")


def read_instructor_state(gradebook: Path) -> dict:
    """Everything an instructor may have entered in ``gradebook`` (formgrader, ``nbgrader db``,
    the Gradebook API): students, assignments (due dates, extra ones), per submission its
    extension, and per cell its manual score, extra credit, review flag and comment."""
    from nbgrader.api import (
        Assignment,
        BaseCell,
        Comment,
        Grade,
        Gradebook,
        Notebook,
        Student,
        SubmittedAssignment,
        SubmittedNotebook,
    )

    state = {"students": [], "assignments": {}, "submissions": {}, "grades": {},
             "comments": {}}
    if not gradebook.is_file():
        return state
    with Gradebook(f"sqlite:///{gradebook}", COURSE_ID) as gb:
        for student in gb.db.query(Student).all():
            state["students"].append({"id": student.id, "first_name": student.first_name,
                                      "last_name": student.last_name, "email": student.email,
                                      "lms_user_id": student.lms_user_id})
        for assignment in gb.db.query(Assignment).all():
            state["assignments"][assignment.name] = {"duedate": assignment.duedate}
        for student_id, name, extension in gb.db.query(SubmittedAssignment).join(Student).join(
                Assignment).with_entities(Student.id, Assignment.name,
                                          SubmittedAssignment.extension):
            state["submissions"][(student_id, name)] = {"extension": extension}
        # One joined query each (not an object walk: thousands of lazy loads in a big class).
        base = (gb.db.query(SubmittedNotebook).join(SubmittedAssignment).join(Student)
                .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
                .join(Notebook, SubmittedNotebook.notebook_id == Notebook.id))
        for row in base.join(Grade, Grade.notebook_id == SubmittedNotebook.id).join(
                BaseCell, Grade.cell_id == BaseCell.id).with_entities(
                Student.id, Assignment.name, Notebook.name, BaseCell.name, Grade.manual_score,
                Grade.extra_credit, Grade.needs_manual_grade):
            state["grades"][tuple(row[:4])] = {"manual_score": row[4], "extra_credit": row[5],
                                               "needs_manual_grade": bool(row[6])}
        for row in base.join(Comment, Comment.notebook_id == SubmittedNotebook.id).join(
                BaseCell, Comment.cell_id == BaseCell.id).with_entities(
                Student.id, Assignment.name, Notebook.name, BaseCell.name,
                Comment.manual_comment).filter(Comment.manual_comment.isnot(None)):
            if row[4]:
                state["comments"][tuple(row[:4])] = row[4]
    return state


def _gradebook_stamp(gradebook: Path) -> tuple:
    try:
        stat = gradebook.stat()
    except OSError:
        return ()
    return (stat.st_mtime_ns, stat.st_size)


def merge(options: Options, pairs: list[tuple[str, str]], allow_missing: bool = False) -> dict:
    """Records -> a new course gradebook that keeps everything the instructor entered.

    The gradebook is rebuilt from the template (so a changed master is picked up) and every
    instructor entry of the old one is carried into it: students, due dates and assignments,
    extensions, manual scores, extra credit and comments of written answers, and overrides of
    autograded scores (a manual score that differs from what the last merge wrote there).
    A resubmitted notebook keeps its hand grades, marked ``needs_manual_grade`` for review.
    If the new gradebook would miss a submission the old one had, nothing is written
    (:class:`Refused`), unless ``allow_missing``. Formgrader writing meanwhile: the merge is
    redone on the newer gradebook.
    """
    gradebook = options.course / "gradebook.db"
    for _ in range(3):
        stamp = _gradebook_stamp(gradebook)
        result = _merge_once(options, pairs, allow_missing)
        if _gradebook_stamp(gradebook) == stamp:
            break
    else:
        raise Refused("the gradebook kept changing while it was being merged (is someone "
                      "grading in formgrader right now?); run again")
    building = result.pop("building")
    result["backup"] = backup_gradebook(options.course)
    building.replace(gradebook)
    merged, last = result["merged"], result.pop("last")
    special = {key for key, entry in merged.items() if "page" in entry}
    _copy_outputs(options, result["records"], skip_feedback=special)
    stale = []
    for key in sorted(special):
        student, assignment = key.split("/", 1)
        page = options.course / "feedback" / student / assignment / f"{assignment}.html"
        if not page.is_file() or (last.get(key) or {}).get("page") != merged[key]["page"]:
            stale.append((student, assignment))
    failed = regenerate_feedback(options, stale)
    for student, assignment in failed:  # tried again next run
        merged[f"{student}/{assignment}"].pop("page", None)
    for record in result["records"]:
        _stand_in_exchange_files(
            options.course / "feedback" / record["student"] / record["assignment"], record)
    result["feedback_regenerated"] = len(stale) - len(failed)
    result["feedback_failed"] = failed
    _write_merged(options, merged)
    return result


def regenerate_feedback(options: Options, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """nbgrader's generate_feedback on the course (its gradebook: hand grades, comments, late
    penalties) with the course's feedback preprocessors; returns the pairs that failed."""
    if not pairs:
        return []
    import logging

    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = course_config(options.course)
    config.CourseDirectory.root = str(options.course)
    config.CourseDirectory.course_id = COURSE_ID
    config.CourseDirectory.db_url = f"sqlite:///{options.course / 'gradebook.db'}"
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    api.log.setLevel(logging.WARNING)
    failed = []
    for student, assignment in pairs:
        result = api.generate_feedback(assignment, student, force=True)
        if not result.get("success"):
            print(f"feedback of {student}/{assignment} failed: {result.get('error', '')}"
                  f"{result.get('log', '')}"[:2000], file=sys.stderr)
            failed.append((student, assignment))
    return failed


def _merged_path(options: Options) -> Path:
    return options.work / "merged.json"


def _read_merged(options: Options) -> dict:
    try:
        return json.loads(_merged_path(options).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_merged(options: Options, merged: dict) -> None:
    tmp = _merged_path(options).with_suffix(".tmp")
    tmp.write_text(json.dumps(merged, indent=1), encoding="utf-8")
    tmp.replace(_merged_path(options))


def _merge_once(options: Options, pairs: list[tuple[str, str]], allow_missing: bool) -> dict:
    import warnings

    from nbgrader.api import Gradebook, MissingEntry

    warnings.filterwarnings("ignore", message=".*not in session.*")
    course = options.course
    template = template_dir(options)
    gradebook = course / "gradebook.db"
    building = options.work / "gradebook.building.db"
    shutil.copyfile(template / "gradebook.db", building)
    try:
        old = read_instructor_state(gradebook)
    except Exception as exc:  # noqa: BLE001
        raise Refused(f"the gradebook {gradebook} cannot be read ({type(exc).__name__}: "
                      f"{exc}); restore a backup (docs/INSTRUCTORS.md) or move it away") from exc
    last = _read_merged(options)
    penalty = late_plugin(course)
    records, review, hand, late = [], [], [], []
    merged: dict[str, dict] = {}
    with Gradebook(f"sqlite:///{building}", COURSE_ID) as new:
        # A scratch file until it replaces the gradebook in one rename: no need to sync every
        # one of nbgrader's thousands of small commits to the disk.
        from sqlalchemy import text
        new.db.execute(text("PRAGMA synchronous = OFF"))
        new.db.execute(text("PRAGMA journal_mode = MEMORY"))
        for student in old["students"]:
            new.update_or_create_student(student.pop("id"), **student)
        for name, values in old["assignments"].items():
            new.update_or_create_assignment(name, **values)
        for student, assignment in pairs:
            record = load_record(options, student, assignment)
            if record is None:
                continue
            records.append(record)
            key = f"{student}/{assignment}"
            content = content_digest(course / "submitted" / student / assignment)
            previous = last.get(key)
            changed = bool(previous and previous.get("content") != content)
            merged[key] = {"content": content, "grades": {}}
            new.update_or_create_student(student)
            kwargs = {"timestamp": record["timestamp"]} if record.get("timestamp") else {}
            extension = old["submissions"].get((student, assignment), {}).get("extension")
            if extension is not None:
                kwargs["extension"] = extension
            try:
                submission = new.update_or_create_submission(assignment, student, **kwargs)
            except Exception:  # noqa: BLE001 - a malformed timestamp.txt
                kwargs.pop("timestamp", None)
                submission = new.update_or_create_submission(assignment, student, **kwargs)
            entered = False
            for grade in record["grades"]:
                gid = grade["grade_id"]
                try:
                    row = new.find_grade(gid, assignment, assignment, student)
                except MissingEntry:
                    continue
                row.auto_score = grade["auto_score"]
                row.manual_score = grade["manual_score"]
                row.extra_credit = None
                row.needs_manual_grade = bool(grade.get("needs_manual_grade", False))
                merged[key]["grades"][gid] = grade["manual_score"]
                before = old["grades"].get((student, assignment, assignment, gid))
                if before is None:
                    continue
                if grade.get("manual"):
                    by_hand = before["manual_score"] is not None
                else:  # an override: not what the last merge wrote there
                    wrote = (previous or {}).get("grades", {}).get(gid, grade["manual_score"])
                    by_hand = before["manual_score"] != wrote
                if by_hand or before["extra_credit"] is not None:
                    entered = True
                    row.manual_score = before["manual_score"] if by_hand else row.manual_score
                    row.extra_credit = before["extra_credit"]
                    row.needs_manual_grade = before["needs_manual_grade"] or changed
                    if changed:
                        review.append((student, assignment, gid))
            for comment in new.find_submission_notebook(assignment, assignment,
                                                        student).comments:
                kept = old["comments"].get((student, assignment, assignment, comment.name))
                if kept:
                    comment.manual_comment = kept
                    entered = True
            if entered:
                hand.append((student, assignment))
            new.db.commit()
            notebook = new.find_submission_notebook(assignment, assignment, student)
            notebook.late_submission_penalty = None
            if submission.total_seconds_late > 0 and penalty is not None:
                value = penalty.late_submission_penalty(student, notebook.score,
                                                        submission.total_seconds_late)
                if value is not None:
                    notebook.late_submission_penalty = max(0.0, min(value, notebook.score))
                    late.append((student, assignment))
            new.db.commit()
            if entered or notebook.late_submission_penalty or record.get("unreadable"):
                # The page the shard rendered lacks these: make_grade renders it again from
                # the course gradebook whenever what it shows changes.
                merged[key]["page"] = json.dumps([
                    record.get("digest"), notebook.late_submission_penalty,
                    sorted((g.name, g.manual_score, g.extra_credit) for g in notebook.grades),
                    sorted((c.name, c.manual_comment or "") for c in notebook.comments)])
        pending = pending_hand_grades(new)
        lost = sorted(set(old["submissions"]) - {(r["student"], r["assignment"])
                                                 for r in records})
        if lost and not allow_missing:
            names = ", ".join(f"{s}/{a}" for s, a in lost[:10])
            more = f" and {len(lost) - 10} more" if len(lost) > 10 else ""
            raise Refused(
                f"the gradebook holds {len(lost)} submission(s) this run has no grades for "
                f"({names}{more}): their folder under submitted/ is gone or they could not be "
                "graded. Nothing was written. Put the folders back and run again, or pass "
                "--allow-missing to drop them from the gradebook (a backup is kept).")
    return {"records": records, "building": building, "merged": merged, "review": review,
            "hand": hand, "late": late, "lost": lost, "pending": pending, "last": last}


def course_config(course: Path):
    """The course's nbgrader_config.py (``<course>/`` if it has one, else autograder/'s)."""
    from traitlets.config.loader import PyFileConfigLoader
    folder = course if (course / "nbgrader_config.py").is_file() else COURSE_DIR
    return PyFileConfigLoader("nbgrader_config.py", str(folder)).load_config()


def late_plugin(course: Path = COURSE_DIR):
    """nbgrader's late-submission plugin as the course's nbgrader_config.py configures it
    (``AssignLatePenalties.plugin_class``, ``LateSubmissionPlugin.penalty_method``)."""
    from nbgrader.preprocessors import AssignLatePenalties

    try:
        config = course_config(course)
    except Exception:  # noqa: BLE001 - no course config: nbgrader's defaults
        from traitlets.config import Config
        config = Config()
    return AssignLatePenalties(config=config).plugin_class(config=config)


def _copy_outputs(options: Options, records: list[dict], skip_feedback=frozenset()) -> None:
    course = options.course
    for record in records:
        student, assignment = record["student"], record["assignment"]
        src = record_dir(options, student, assignment)
        submitted = course / "submitted" / student / assignment
        for kind, name, suffix in (("autograded", "autograded.ipynb", ".ipynb"),
                                   ("feedback", "feedback.html", ".html")):
            dest = course / kind / student / assignment
            dest.mkdir(parents=True, exist_ok=True)
            if (src / name).is_file() and not (
                    kind == "feedback" and f"{student}/{assignment}" in skip_feedback):
                # (skipped: rendered from the course gradebook by regenerate_feedback)
                shutil.copyfile(src / name, dest / f"{assignment}{suffix}")
            # nbgrader's release_feedback reads these next to the feedback page: written by the
            # grader from checked values, never copied (a link would be followed).
            for extra, value in (("timestamp.txt", record.get("timestamp")),
                                 ("submission_secret.txt", read_submission_secret(submitted))):
                (dest / extra).unlink(missing_ok=True)
                if value:
                    (dest / extra).write_text(value, encoding="utf-8")
            if kind == "autograded":  # nbgrader's generate_feedback copies them to feedback/
                _stand_in_exchange_files(dest, record)


def _stand_in_exchange_files(dest: Path, record: dict) -> None:
    """A submission that did not come through nbgrader's exchange (an LMS download, copied
    folders) has no timestamp.txt or submission_secret.txt, and ``nbgrader release_feedback``
    stops on the first such page. Stand-ins let it release the rest: the timestamp of the record
    (else "unknown"), and a random secret kept from run to run. The exchange then holds the page
    under a name no student can fetch; such students get their page from feedback/ directly."""
    import uuid

    autograded = dest.parent.parent.parent / "autograded" / dest.parent.name / dest.name
    for name in ("timestamp.txt", "submission_secret.txt"):
        if dest != autograded and not (dest / name).is_file() and (autograded / name).is_file():
            shutil.copyfile(autograded / name, dest / name)
    if not (dest / "timestamp.txt").is_file():
        (dest / "timestamp.txt").write_text(record.get("timestamp") or "unknown",
                                            encoding="utf-8")
    if not (dest / "submission_secret.txt").is_file():
        (dest / "submission_secret.txt").write_text(uuid.uuid4().hex, encoding="utf-8")


def forget_records(options: Options, students: list[str] | None,
                   assignments: list[str] | None) -> None:
    """``--fresh``: forget the records (and attempts) of exactly what the run names."""
    for kind in ("records", "attempts"):
        root = options.work / kind
        if not root.is_dir():
            continue
        for student_dir in root.iterdir():
            if students and student_dir.name not in students:
                continue
            if kind == "records":
                targets = [p for p in student_dir.iterdir()
                           if not assignments or p.name in assignments]
            else:
                targets = [p for p in student_dir.glob("*.json")
                           if not assignments or p.stem in assignments]
            for target in targets:
                if target.is_dir():
                    shutil.rmtree(target, ignore_errors=True)
                else:
                    target.unlink(missing_ok=True)


def _csv_keys(path: Path) -> set[tuple[str, str]]:
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            return {(row["student_id"], row["assignment"]) for row in csv.DictReader(handle)
                    if row.get("timestamp") or row.get("raw_score") not in (None, "", "0.0")}
    except (OSError, KeyError, csv.Error):
        return set()


def export(options: Options, allow_missing: bool = False) -> Path:
    """nbgrader's CSV export of the course gradebook, through the course's plugin
    (:class:`autograder.grading.export.CourseCsvExport`: a submission with an answer waiting for a
    hand grade gets a blank score), to ``<course>/grades.csv``; refused (the old file kept) if it
    would drop a submission the old file had."""
    course = options.course
    final = course / "grades.csv"
    target = options.work / "grades.csv.new"
    command = [sys.executable, "-m", "nbgrader", "export", f"--CourseDirectory.root={course}",
               f"--CourseDirectory.course_id={COURSE_ID}",
               f"--CourseDirectory.db_url=sqlite:///{course / 'gradebook.db'}",
               f"--ExportApp.plugin_class={PLUGIN}", f"--to={target}", "--log-level=WARN"]
    result = subprocess.run(command, capture_output=True, text=True, env=nbgrader_env(),
                            cwd=options.work)
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader export failed:\n{result.stdout}\n{result.stderr}")
    lost = sorted(_csv_keys(final) - _csv_keys(target))
    if lost and not allow_missing:
        target.unlink(missing_ok=True)
        names = ", ".join(f"{s}/{a}" for s, a in lost[:10])
        raise Refused(f"grades.csv would lose {len(lost)} submission(s) it had ({names}); "
                      "grades.csv kept as it was (--allow-missing to drop them)")
    target.replace(final)
    return final


def write_flags(options: Options, records: list[dict]) -> Path:
    target = options.course / "flags.csv"
    with open(target, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(FLAGS_COLUMNS)
        for record in sorted(records, key=lambda r: (r["student"], r["assignment"])):
            for flag in record.get("flags", []):
                writer.writerow([printable(record["student"]), record["assignment"],
                                 printable(flag["function"]),
                                 printable(flag["reason"], keep_newlines=True)])
    return target


def summary(records: list[dict], graded_now: int, seconds: float, paths: list[Path],
            merged: dict | None = None) -> str:
    students = sorted({r["student"] for r in records})
    flagged = [r for r in records if r.get("flags")]
    lines = [f"Graded {len(records)} submissions of {len(students)} students "
             f"({graded_now} graded now, {len(records) - graded_now} unchanged since the last "
             f"run) in {seconds:.1f} s."]
    noted = [r for r in records if r.get("notes") or r.get("flags")]
    if noted:
        lines.append("Submissions with problems (each scored on what still works):")
        for r in sorted(noted, key=lambda r: (r["student"], r["assignment"])):
            parts = list(r.get("notes", [])) + [f"FLAG {f['function']}: {f['reason']}"
                                                 for f in r.get("flags", [])]
            text = "; ".join(printable(p.replace("\n", " ")) for p in parts)
            lines.append(f"  {printable(r['student'])}/{r['assignment']}: {text[:400]}")
    lines.append(f"Flagged submissions: {len(flagged)} (see flags.csv).")
    merged = merged or {}
    if merged.get("hand"):
        lines.append(f"Hand grades and comments kept: {len(merged['hand'])} submissions.")
    if merged.get("review"):
        lines.append(f"Resubmitted since they were graded by hand, marked for review "
                     f"({len(merged['review'])}): " + ", ".join(
                         f"{s}/{a} {g}" for s, a, g in merged["review"][:10]))
    pending = merged.get("pending", [])
    lines.append(f"Answers waiting for a hand grade: {len(pending)}"
                 + (" (make formgrader; their score is left blank in grades.csv and "
                    "grades-wide.csv)." if pending else "."))
    if merged.get("feedback_regenerated"):
        lines.append(f"Feedback pages rendered again with hand grades, comments or late "
                     f"penalties: {merged['feedback_regenerated']}.")
    if merged.get("feedback_failed"):
        lines.append("Feedback pages that could not be rendered (see above): " + ", ".join(
            f"{s}/{a}" for s, a in merged["feedback_failed"]))
    if merged.get("lost"):
        lines.append(f"Dropped from the gradebook (--allow-missing): {len(merged['lost'])}.")
    if merged.get("backup"):
        lines.append(f"Backup of the previous gradebook: {merged['backup']}")
    lines += [f"Wrote {path}" for path in paths]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Progress bar.


class Progress:
    def __init__(self, total: int, stream=sys.stderr, enabled: bool = True):
        self.total, self.stream, self.enabled = total, stream, enabled
        self.start = time.perf_counter()
        self.last_text = ""
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.last_percent = -10

    def update(self, done: int) -> None:
        if not self.enabled or self.total == 0:
            return
        width = 30
        filled = int(width * done / self.total)
        elapsed = time.perf_counter() - self.start
        text = (f"grading [{'#' * filled}{'-' * (width - filled)}] {done}/{self.total} "
                f"submissions, {elapsed:.0f} s")
        if self.tty:
            if text != self.last_text:
                self.stream.write("\r" + text)
                self.stream.flush()
        else:
            percent = 100 * done // self.total
            if percent >= self.last_percent + 10 or done == self.total:
                self.stream.write(text + "\n")
                self.stream.flush()
                self.last_percent = percent
        self.last_text = text

    def finish(self) -> None:
        if self.enabled and self.tty and self.last_text:
            self.stream.write("\n")
            self.stream.flush()


def _count_lines(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                total += sum(1 for _ in handle)
        except OSError:
            pass
    return total


# ---------------------------------------------------------------------------------------------
# Command line.


def parse_size(text: str) -> int:
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    text = text.strip().lower().removesuffix("ib").removesuffix("b")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder grade", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--course", type=Path, default=COURSE_DIR,
                        help="nbgrader course root holding submitted/ (default: autograder/)")
    parser.add_argument("--jobs", "-j", type=int, default=(os.cpu_count() or 1) + 1,
                        help="shards graded in parallel (default: the number of cores + 1, "
                             "as kernels leave a core idle while they start and stop)")
    parser.add_argument("--shard", metavar="I/N", help="grade only shard I of N, no merge")
    parser.add_argument("--merge-only", action="store_true",
                        help="only merge the records of earlier shard runs, export, summarise")
    parser.add_argument("--students", nargs="+", help="only these students")
    parser.add_argument("--assignments", nargs="+", help="only these assignments")
    parser.add_argument("--fresh", action="store_true",
                        help="forget earlier records of what this run grades (all, or only "
                             "--students/--assignments): regrade it; hand grades are kept")
    parser.add_argument("--allow-missing", action="store_true",
                        help="let the gradebook and grades.csv drop submissions that are no "
                             "longer under submitted/ (refused otherwise; a backup is kept)")
    parser.add_argument("--cell-timeout", type=int, default=None,
                        help="seconds per cell (default: Execute.timeout of nbgrader_config.py)")
    parser.add_argument("--submission-timeout", type=float, default=None, metavar="SECONDS",
                        help="wall seconds the grading kernel may run per submission (default: "
                             "60 + the cell timeout per code cell of the release)")
    parser.add_argument("--memory", default="2GiB", help="memory of one grading kernel")
    parser.add_argument("--cpu-seconds", type=int, default=300,
                        help="CPU seconds of one grading kernel (one notebook)")
    parser.add_argument("--sandbox-user", default=sandbox.DEFAULT_USER,
                        help="unprivileged user the kernels run as when grading as root")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run kernels as yourself, without namespaces (limits still apply)")
    parser.add_argument("--run-experiments", action="store_true",
                        help="also run the instructor's unchanged ungraded code cells (plots, "
                             "training runs) in the grading kernel; they never change a grade")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def make_options(args) -> Options:
    course = args.course.resolve()
    work = course / ".grading"
    limits = sandbox.Limits(memory_bytes=parse_size(args.memory), cpu_seconds=args.cpu_seconds)
    user, namespaces = None, False
    if sandbox.is_root() and not args.no_sandbox:
        user = sandbox.ensure_user(args.sandbox_user)
        namespaces = sandbox.namespaces_available()
    hide = []
    for path in (course, COURSE_DIR, SOURCE_DIR, REPO_DIR / ".git", work):
        text = str(Path(path).resolve())
        if text not in hide and Path(text).exists():
            hide.append(text)
    return Options(course=course, work=work,
                   cell_timeout=args.cell_timeout or course_cell_timeout(), limits=limits,
                   user=user, namespaces=namespaces, hide=hide,
                   run_experiments=args.run_experiments,
                   submission_seconds=args.submission_timeout)


def _options_args(args) -> list[str]:
    out = ["--course", str(args.course.resolve()), "--memory", args.memory,
           "--cpu-seconds", str(args.cpu_seconds), "--sandbox-user", args.sandbox_user]
    if args.cell_timeout:
        out += ["--cell-timeout", str(args.cell_timeout)]
    if args.submission_timeout:
        out += ["--submission-timeout", str(args.submission_timeout)]
    if args.no_sandbox:
        out.append("--no-sandbox")
    if args.run_experiments:
        out.append("--run-experiments")
    if args.students:
        out += ["--students", *args.students]
    if args.assignments:
        out += ["--assignments", *args.assignments]
    return out


def isolation_text(options: Options) -> str:
    if options.user and options.namespaces:
        return (f"kernels run as {options.user!r} in private mount/PID/network namespaces "
                "(course, masters and gradebooks hidden)")
    if options.user:
        return f"kernels run as {options.user!r} (no namespaces: the course is not hidden)"
    return "kernels run as you (not root): limits and a scratch folder only, nothing hidden"


_lock_handle = None


def _one_grading_run_at_a_time(options: Options, quiet: bool) -> None:
    """Wait, with a message, until no other run is grading this course.

    Two runs of one course would write the same records and gradebook. Runs of different
    courses are independent (each kernel has its own scratch and socket folders); cluster shard
    jobs (``--shard``) do not take the lock, as each grades students no other shard has.
    """
    global _lock_handle
    options.work.mkdir(parents=True, exist_ok=True)
    _lock_handle = open(options.work / "run.lock", "a")  # noqa: SIM115 - held until exit
    try:
        fcntl.flock(_lock_handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        if not quiet:
            print("Another run is grading this course; waiting for it to end.",
                  file=sys.stderr)
        fcntl.flock(_lock_handle, fcntl.LOCK_EX)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.fresh and (args.shard or args.merge_only):
        parser.error("--fresh forgets every record of the course: use it on a whole run, not "
                     "with --shard or --merge-only")
    options = make_options(args)
    assignments = args.assignments or course_assignments()
    started = time.perf_counter()
    ensure_template(options)
    pairs = list_submissions(options.course, assignments, args.students)
    if args.fresh:
        forget_records(options, args.students, args.assignments)

    if args.shard:
        index, count = (int(x) for x in args.shard.split("/"))
        mine = shard_of(pairs, index, count)
        progress = options.work / "progress" / f"shard-{index}-of-{count}.log"
        progress.parent.mkdir(parents=True, exist_ok=True)
        try:
            graded = run_shard(options, mine, f"{index}-of-{count}", progress)
        except GraderBroken as exc:
            print(f"{BROKEN_MARK} {exc}", file=sys.stderr, flush=True)
            os._exit(GRADER_BROKEN)  # nothing left to tidy: skip zmq's exit handlers
        print(f"shard {index}/{count}: {len(mine)} submissions, {graded} graded now")
        return 0

    graded_now = 0
    if not args.merge_only:
        _one_grading_run_at_a_time(options, args.quiet)
        if not options.course.joinpath("submitted").is_dir():
            print(f"nothing to grade: no {options.course / 'submitted'} folder", file=sys.stderr)
        if not args.quiet:
            print(f"Grading {len(pairs)} submissions; {isolation_text(options)}.",
                  file=sys.stderr)
        try:
            graded_now = run_parallel(args, options, pairs)
        except GraderBroken as exc:
            print(f"Grading stopped, nothing was scored: {exc}", file=sys.stderr)
            return 2
    # The course gradebook always holds the whole class, whatever this run graded.
    try:
        result = merge(options, list_submissions(options.course, course_assignments()),
                       allow_missing=args.allow_missing)
        records = result["records"]
        paths = [options.course / "gradebook.db"]
        paths.append(export(options, allow_missing=args.allow_missing))
        paths.append(export_wide(options.course / "gradebook.db",
                                 options.course / WIDE_NAME, COURSE_ID))
    except Refused as exc:
        print(f"REFUSED, nothing written: {exc}", file=sys.stderr)
        return 3
    paths.append(write_flags(options, records))
    mistakes_csv, mistake_rows = mistakes.write_mistakes(options.course, records)
    paths += [mistakes_csv, options.course / "feedback"]
    print(summary(records, graded_now, time.perf_counter() - started, paths, result))
    print("\n".join(mistakes.summary_lines(mistake_rows)))
    ungraded = [pair for pair in pairs if load_record(options, *pair) is None]
    if ungraded:
        names = ", ".join(f"{printable(s)}/{a}" for s, a in ungraded[:10])
        more = f" and {len(ungraded) - 10} more" if len(ungraded) > 10 else ""
        print(f"NOT GRADED ({len(ungraded)}): {names}{more}. The shards' logs are in "
              f"{options.work / 'progress'}; run the same command again to grade them.",
              file=sys.stderr)
        return 1
    return 0


def run_parallel(args, options: Options, pairs: list[tuple[str, str]]) -> int:
    students = sorted({s for s, _ in pairs})
    count = max(1, min(args.jobs, len(students)))
    progress_dir = options.work / "progress"
    if progress_dir.exists():
        shutil.rmtree(progress_dir)
    progress_dir.mkdir(parents=True)
    bar = Progress(len(pairs), enabled=not args.quiet)
    started = time.time()
    logs = [progress_dir / f"shard-{i}-of-{count}.log" for i in range(1, count + 1)]
    errors = [progress_dir / f"shard-{i}-of-{count}.err" for i in range(1, count + 1)]
    missing = list(pairs)
    while missing:
        before = (len(missing), _attempts_made(options))
        procs = []
        for i in range(1, count + 1):
            command = [sys.executable, "-m", "autograder", "grade", "--shard", f"{i}/{count}",
                       *_options_args(args)]
            stderr = open(errors[i - 1], "a", encoding="utf-8")  # noqa: SIM115
            procs.append((subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr,
                                           env=nbgrader_env()), stderr))
        try:
            while any(p.poll() is None for p, _ in procs):
                bar.update(min(len(pairs), _count_lines(logs)))
                if any(p.returncode == GRADER_BROKEN for p, _ in procs):
                    break
                time.sleep(0.3)
        finally:
            for proc, handle in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                handle.close()
        if any(p.returncode == GRADER_BROKEN for p, _ in procs):
            bar.finish()
            raise GraderBroken(f"{_broken_reason(errors)} (the shards' logs: {progress_dir})")
        bar.update(min(len(pairs), _count_lines(logs)))
        missing = [pair for pair in pairs if load_record(options, *pair) is None]
        # A shard died (the grader ran out of memory, its watchdog found a submission stuck):
        # run it again. Finished submissions are skipped, and every attempt is counted, so a
        # submission that keeps stopping the grader is recorded as such after two; the loop
        # ends when a round changes nothing.
        if (len(missing), _attempts_made(options)) == before:
            break
    bar.finish()
    return graded_since(options, pairs, started)


def _attempts_made(options: Options) -> int:
    total = 0
    for path in (options.work / "attempts").glob("*/*.json"):
        try:
            total += int(json.loads(path.read_text(encoding="utf-8")).get("count", 0))
        except (OSError, ValueError):
            pass
    return total


def _broken_reason(errors: list[Path]) -> str:
    for path in errors:
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in reversed(lines):
            if line.startswith(BROKEN_MARK):
                return line.removeprefix(BROKEN_MARK).strip()
    return "a shard found the grader broken (see " + str(errors[0].parent) + ")"


def graded_since(options: Options, pairs, started: float) -> int:
    """Submissions whose record was written after ``started`` (a time.time())."""
    total = 0
    for pair in pairs:
        record_path = record_dir(options, *pair) / "record.json"
        if record_path.is_file() and record_path.stat().st_mtime >= started:
            total += 1
    return total


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "_template":
        sys.exit(_build_template(Path(sys.argv[2])))
    sys.exit(main())
