"""Exports of the course gradebook besides nbgrader's long ``grades.csv``.

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

WIDE_NAME = "grades-wide.csv"


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
