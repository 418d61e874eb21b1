"""What the checks judge against, computed from the masters: TRUSTED SIDE.

- :func:`reference_records` runs the master's solution cell on cases (visible or hidden);
- :func:`family_records` runs every member of the function's family
  (:mod:`autograder.publish.families`) on the same cases;
- :func:`write_expected` (called by ``python -m autograder release``) writes both, for the
  VISIBLE cases only, into ``autograder/checks/expected/<function>.json``: plain data the test
  cells judge against without any master or mutant being importable;
- :func:`judging_data` gives the local check and the grader the same data for visible AND
  hidden cases, computed live before any learner code runs.

The JSON is written deterministically (sorted keys, Python's shortest float repr), so a fresh
release reproduces the committed files bit for bit; ``tests/test_diagnosis.py`` checks that.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np

from autograder.checks import probe
from autograder.checks.cases import FUNCTIONS, Case
from autograder.checks.data import EXPECTED_DIR, FORMAT
from autograder.publish import families
from autograder.publish.hidden_cases import all_cases

_reference_cache: dict[str, dict] = {}
_family_cache: dict[tuple[str, str], dict] = {}


def _quiet_run(name, fn, case):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return _without_source(probe.run_case(name, fn, case))


def _compact(record):
    """Floats rounded to 10 significant digits (the judge compares to 1e-6): smaller files."""
    if isinstance(record, float):
        return float(f"{record:.10g}")
    if isinstance(record, dict):
        return {k: _compact(v) for k, v in record.items()}
    if isinstance(record, list):
        return [_compact(v) for v in record]
    return record


def _without_source(record):
    """The record without the source lines of the function that raised (a mutant's code must
    not reach the data files; the judge compares exception types, keys and messages)."""
    if isinstance(record, dict):   # (an array's "values" are numbers only: kept as they are)
        return {k: v if k == "values" else _without_source(v) for k, v in record.items()
                if k != "learner_lines"}
    if isinstance(record, list):
        return [_without_source(v) for v in record]
    return record


def reference_records(name: str, cases: list[Case]) -> dict[str, dict]:
    """Records of the master's ``name`` on ``cases`` (case id -> record; cached)."""
    from autograder.publish.masters import reference_function
    fn = reference_function(name)
    out = {}
    for case in cases:
        key = f"{id(fn)}:{case.id}"
        if key not in _reference_cache:
            _reference_cache[key] = _quiet_run(name, fn, case)
        out[case.id] = _reference_cache[key]
    return out


def family_records(name: str, cases: list[Case]) -> dict:
    """``{"members": [[key, id], ...], "records": {key: {case id: record}}}``."""
    members = families.members(name, with_pairs=True)
    records: dict[str, dict] = {}
    for member in members:
        fn = None
        per_case = {}
        for case in cases:
            ck = (member.key, case.id)
            if ck not in _family_cache:
                fn = fn or families.member_function(name, member)
                _family_cache[ck] = _quiet_run(name, fn, case)
            per_case[case.id] = _family_cache[ck]
        records[member.key] = per_case
    return {"members": [[m.key, m.id] for m in members], "records": records}


class Family:
    """The family of ``name`` on ``cases``, for the judge: the visible cases' records come from
    the precomputed data (which a test keeps equal to a fresh computation), the hidden cases'
    are computed from the families on demand, so only the members that reproduced every
    visible case are ever run again. The data file's text is read here, before any learner
    code runs, but a record is parsed only when it is first asked for (a function that passes
    never needs its family; a diagnosis reads the first case of every member and the others
    only of the members still in the running). Everything it runs is code imported before any
    learner code ran; nothing is read from disk after :func:`judging_data` returns."""

    def __init__(self, name: str, cases: list[Case]):
        from autograder.checks import data
        self.name = name
        everyone = families.members(name, with_pairs=True)
        self.members = [[m.key, m.id] for m in everyone]
        self._members = {m.key: m for m in everyone}
        self._cases = {c.id: c for c in cases}
        self._fns: dict[str, object] = {}
        self._visible_ids = {c.id for c in cases if not c.hidden}
        self._data = None
        self._text: str | None = None
        if self._visible_ids:
            try:
                self._text = data.read(name)
            except data.ExpectedDataMissing:
                pass

    def _visible_record(self, key: str, case_id: str):
        if case_id not in self._visible_ids or (self._data is None and self._text is None):
            return None
        from autograder.checks import data
        try:
            if self._data is None:
                self._data = data.load(self.name, self._text)
                self._text = None
            return self._data.record(key, case_id)
        except data.ExpectedDataMissing:   # computed below instead
            self._data = self._text = None
            return None

    def record(self, key: str, case_id: str):
        rec = self._visible_record(key, case_id)
        if rec is not None:
            return rec
        ck = (key, case_id)
        if ck not in _family_cache:
            if key not in self._fns:
                self._fns[key] = families.member_function(self.name, self._members[key])
            _family_cache[ck] = _quiet_run(self.name, self._fns[key], self._cases[case_id])
        return _family_cache[ck]


def judging_data(name: str, cases: list[Case] | None = None) -> tuple[dict, Family]:
    """(reference records, family) on ``cases`` (default: visible and hidden)."""
    cases = all_cases(name) if cases is None else cases
    return reference_records(name, cases), Family(name, cases)


def expected_document(name: str) -> dict:
    """The data file of ``name``: the visible cases, the reference's and every member's records."""
    cases = all_cases(name, hidden=False)
    reference, family = reference_records(name, cases), family_records(name, cases)
    return {"format": FORMAT, "function": name,
            "cases": [c.id for c in cases],
            "reference": _compact(reference),
            "members": family["members"],
            "member_records": _compact(family["records"])}


def _shared(document: dict) -> dict:
    """Every array description that occurs more than once is stored once, in ``"shared"``,
    and referred to as ``{"$ref": "<n>"}`` (most mutants share most of their arrays with the
    reference or with each other); :mod:`autograder.checks.data` expands them."""
    counts: dict[str, int] = {}

    def key(d):
        return json.dumps(d, sort_keys=True, separators=(",", ":"), allow_nan=True)

    def count(obj):
        if isinstance(obj, dict):
            if "values" in obj and "shape" in obj:
                k = key(obj)
                counts[k] = counts.get(k, 0) + 1
                return
            for v in obj.values():
                count(v)
        elif isinstance(obj, list):
            for v in obj:
                count(v)

    parts = {"reference": document["reference"], "member_records": document["member_records"]}
    count(parts)
    table: dict[str, str] = {}
    shared: dict[str, dict] = {}

    def replace(obj):
        if isinstance(obj, dict):
            if "values" in obj and "shape" in obj:
                k = key(obj)
                if counts[k] < 2:
                    return obj
                if k not in table:
                    table[k] = str(len(table))
                    shared[table[k]] = obj
                return {"$ref": table[k]}
            return {k: replace(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [replace(v) for v in obj]
        return obj

    out = dict(document)
    out["reference"] = replace(document["reference"])
    out["member_records"] = replace(document["member_records"])
    out["shared"] = shared
    return out


def dumps(document: dict) -> str:
    """The data file's text (format 2 of :mod:`autograder.checks.data`) of a document with its
    shared arrays (:func:`_shared`): one JSON array, one element per line, the header first,
    then the reference's records, every member's, and the shared arrays."""
    def text(obj):
        return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=True)

    cases = document["cases"]
    order = [(None, c) for c in cases] + [(key, c) for key, _id in document["members"]
                                          for c in cases]
    header = {"format": document["format"], "function": document["function"], "cases": cases,
              "members": document["members"], "records": [list(k) for k in order],
              "shared": len(document["shared"])}
    elements = [header]
    elements += [document["reference"][c] if key is None else document["member_records"][key][c]
                 for key, c in order]
    elements += [document["shared"][str(k)] for k in range(len(document["shared"]))]
    return "[" + ",\n".join(text(e) for e in elements) + "]\n"


def write_expected(directory: Path = EXPECTED_DIR) -> list[Path]:
    """Write every function's data file; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in FUNCTIONS:
        path = directory / f"{name}.json"
        text = dumps(_shared(expected_document(name)))
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


__all__ = ["reference_records", "family_records", "judging_data", "expected_document",
           "write_expected", "dumps"]
