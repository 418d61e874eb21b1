"""Exports of the course gradebook.

``grades.csv``: nbgrader's long CSV (one row per student and assignment), written by
:class:`CourseCsvExport`, the export plugin ``nbgrader_config.py`` names, so a hand-run
``nbgrader export`` writes the same file as ``make grade``: a submission with an answer still
waiting for a hand grade gets a blank ``raw_score`` and ``score`` (nbgrader alone writes its
partial sum, which reads like a grade).

``grades-wide.csv``: one row per student, one column per assignment and a total, the shape an LMS
gradebook imports (Canvas and Moodle map a column to a grade item by its header). A score is the
assignment's score after nbgrader's late penalty; a cell is left blank while any answer of that
submission waits for a hand grade (blank is "not graded yet" to an LMS, 0 would be a real zero),
and the total is blank when any of the student's assignments is. An assignment the student did
not submit counts 0.
"""

from __future__ import annotations

import csv
from pathlib import Path

from nbgrader.plugins import CsvExportPlugin

WIDE_NAME = "grades-wide.csv"
#: How nbgrader_config.py and ``make grade`` name the plugin (``ExportApp.plugin_class``).
PLUGIN = "autograder.grading.export.CourseCsvExport"


def pending_hand_grades(gb) -> list[tuple[str, str, str]]:
    """``(student, assignment, cell)`` of every grade that waits for a hand grade."""
    from nbgrader.api import (
        Assignment,
        BaseCell,
        Grade,
        Student,
        SubmittedAssignment,
        SubmittedNotebook,
    )

    rows = (gb.db.query(Grade).filter(Grade.needs_manual_grade)
            .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
            .join(SubmittedAssignment).join(Student)
            .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
            .join(BaseCell, Grade.cell_id == BaseCell.id)
            .with_entities(Student.id, Assignment.name, BaseCell.name))
    return sorted(tuple(row) for row in rows)



def blank_pending(path: Path, pending: set[tuple[str, str]]) -> None:
    """Blank ``raw_score`` and ``score`` of the ``(student, assignment)`` rows in ``pending``."""
    if not pending:
        return
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    for row in rows:
        if (row["student_id"], row["assignment"]) in pending:
            row["raw_score"] = row["score"] = ""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


class CourseCsvExport(CsvExportPlugin):
    """nbgrader's CSV export, with pending hand grades blank (see the module docstring)."""

    def export(self, gradebook) -> None:
        super().export(gradebook)
        blank_pending(Path(self.to or "grades.csv"),
                      {(student, assignment)
                       for student, assignment, _ in pending_hand_grades(gradebook)})


def _number(value: float) -> str:
    return f"{value:g}"


def wide_rows(gradebook: Path, course_id: str) -> tuple[list[str], list[list[str]]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{gradebook}", course_id) as gb:
        assignments = sorted(a.name for a in gb.assignments)
        header = ["student_id", "last_name", "first_name", "email", *assignments, "total"]
        rows = []
        for student in sorted(gb.students, key=lambda s: s.id):
            cells, total, pending_any = [], 0.0, False
            for name in assignments:
                try:
                    submission = gb.find_submission(name, student.id)
                except Exception:  # noqa: BLE001 - MissingEntry: not submitted
                    cells.append("0")
                    continue
                pending = any(g.needs_manual_grade for nb in submission.notebooks
                              for g in nb.grades)
                if pending:
                    pending_any = True
                    cells.append("")
                    continue
                score = max(0.0, float(submission.score or 0.0)
                            - float(submission.late_submission_penalty or 0.0))
                total += score
                cells.append(_number(score))
            rows.append([student.id, student.last_name or "", student.first_name or "",
                         student.email or "", *cells, "" if pending_any else _number(total)])
    return header, rows


def export_wide(gradebook: Path, target: Path, course_id: str) -> Path:
    header, rows = wide_rows(gradebook, course_id)
    tmp = target.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    tmp.replace(target)
    return target
