"""What the class got wrong: ``<course>/mistakes.csv`` and the summary's most common mistakes.

Built from the grading records (one per submission; each holds the trusted verdict of every
graded function, :mod:`autograder.grading.verdicts`, whose ``mistake`` is the stable id the check
confirmed, as in ``python -m autograder check --json``). One row per assignment, function and
mistake: how many students made it and the first lines of one student's feedback (the first
student in alphabetical order, so the file is the same on every run). Functions that failed
without a named mistake get one row per function with an empty ``mistake`` ("failed, no known
mistake explains it"), so the instructor sees those too. Rows are sorted by assignment, then by
number of students (most first), then function and mistake.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

COLUMNS = ["assignment", "function", "mistake", "students", "example_feedback"]
EXAMPLE_LINES = 4      # lines of feedback kept in the example
TOP = 3                # mistakes per assignment in the summary


def mistake_rows(records: list[dict]) -> list[dict]:
    """The rows of mistakes.csv (dicts with :data:`COLUMNS` as keys) from grading records."""
    students: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    example: dict[tuple[str, str, str], tuple[str, str]] = {}
    for record in records:
        student, assignment = record.get("student"), record.get("assignment")
        verdicts = record.get("verdicts")
        if not isinstance(student, str) or not isinstance(assignment, str) or \
                not isinstance(verdicts, dict):
            continue
        for function, verdict in verdicts.items():
            if not isinstance(verdict, dict) or verdict.get("passed"):
                continue
            mistake = verdict.get("mistake")
            mistake = mistake if isinstance(mistake, str) else ""
            key = (assignment, str(function), mistake)
            students[key].add(student)
            feedback = str(verdict.get("feedback") or "")
            if key not in example or student < example[key][0]:
                example[key] = (student, feedback)
    rows = []
    for key, who in students.items():
        assignment, function, mistake = key
        lines = example[key][1].splitlines()[:EXAMPLE_LINES]
        rows.append({"assignment": assignment, "function": function, "mistake": mistake,
                     "students": len(who), "example_feedback": "\n".join(lines)})
    rows.sort(key=lambda r: (r["assignment"], -r["students"], r["function"], r["mistake"]))
    return rows


def write_mistakes(course: Path, records: list[dict]) -> tuple[Path, list[dict]]:
    """Write ``<course>/mistakes.csv``; returns its path and its rows."""
    rows = mistake_rows(records)
    target = Path(course) / "mistakes.csv"
    with open(target, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return target, rows


def summary_lines(rows: list[dict], top: int = TOP) -> list[str]:
    """The summary's part: the ``top`` most common named mistakes of each assignment."""
    by_assignment: dict[str, list[dict]] = defaultdict(list)
    unnamed: dict[str, int] = defaultdict(int)
    for row in rows:
        if row["mistake"]:
            by_assignment[row["assignment"]].append(row)
        else:
            unnamed[row["assignment"]] += row["students"]
    if not by_assignment and not unnamed:
        return ["Most common mistakes: none (every graded function passed)."]
    lines = [f"Most common mistakes (top {top} per assignment; all in mistakes.csv):"]
    for assignment in sorted(set(by_assignment) | set(unnamed)):
        named = by_assignment.get(assignment, [])[:top]
        parts = [f"{r['mistake']} ({r['students']} "
                 f"{'student' if r['students'] == 1 else 'students'})" for r in named]
        if unnamed.get(assignment):
            n = unnamed[assignment]
            parts.append(f"{n} {'failure' if n == 1 else 'failures'} without a named mistake")
        lines.append(f"  {assignment}: {'; '.join(parts)}")
    return lines
