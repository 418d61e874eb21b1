"""The precomputed data the test cells judge against (visible cases only; plain JSON).

``autograder/checks/expected/<function>.json`` is written by ``python -m autograder release``
from the masters (``autograder.publish.expected``) and committed. It holds, for each visible
case, the record of the master's solution and the records of every member of the function's
mistake family (wrong rules, as DATA: numbers, shapes, keys, exceptions; no code). The checks
read it here and never import the trusted side.

Format 2: one JSON array, one element per line, so that a record can be read without parsing
the others (a diagnosis reads the first case of every member and the next ones only of the few
members that still reproduce the learner's output; Adam's family is 1.3 MB of data)::

    [{"format": 2, "function": NAME, "cases": [case id, ...], "members": [[key, id], ...],
      "records": [[null or member key, case id], ...], "shared": N},
    <one line per record, in the order of "records": null is the master's solution>,
    <N lines: the array descriptions that occur more than once, referred to as {"$ref": "k"}>]

An element is parsed when it is first asked for; each ``{"$ref": "k"}`` in it becomes a copy
of shared array ``k``, itself parsed once, when a record first refers to it.
"""

from __future__ import annotations

import json
from pathlib import Path

EXPECTED_DIR = Path(__file__).resolve().parent / "expected"
FORMAT = 2

_cache: dict[str, Expected] = {}


class ExpectedDataMissing(RuntimeError):
    """The precomputed data file of a function is missing or unreadable."""


def _unreadable(name: str, detail: str) -> ExpectedDataMissing:
    return ExpectedDataMissing(f"the checks' data for {name} cannot be read ({name}.json: "
                               f"{detail}); run `python -m autograder release` to write it")


def read(name: str) -> str:
    """The text of ``name``'s data file (read now, parsed by :func:`load` when needed)."""
    path = EXPECTED_DIR / f"{name}.json"
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise _unreadable(name, str(exc)) from exc


class Expected:
    """One function's data: ``cases``, ``members`` and :meth:`record`, each record parsed from
    its own line the first time it is asked for (then kept)."""

    def __init__(self, name: str, text: str):
        self.name = name
        self._lines = text.split("\n")
        try:
            first = self._lines[0]
            header = json.loads(first[1:-1]) if first.startswith("[") else None
        except ValueError as exc:
            raise _unreadable(name, str(exc)) from exc
        if not isinstance(header, dict) or header.get("format") != FORMAT or \
                header.get("function") != name:
            raise ExpectedDataMissing(f"{name}.json is not the checks' data for {name} (format "
                                      f"{FORMAT}); run `python -m autograder release`")
        try:
            self.cases: list[str] = list(header["cases"])
            self.members: list[list[str]] = [list(m) for m in header["members"]]
            self._at = {(key, case): line
                        for line, (key, case) in enumerate(header["records"], start=1)}
            self._shared_at = len(header["records"]) + 1
            self._shared = int(header["shared"])
        except (KeyError, TypeError, ValueError) as exc:
            raise _unreadable(name, f"bad header: {exc}") from exc
        if len(self._lines) < self._shared_at + self._shared:
            raise _unreadable(name, "fewer lines than its header says")
        self._parsed: dict[int, dict] = {}
        self._shared_parsed: dict[str, dict] = {}

    def _element(self, line: int) -> str:
        return self._lines[line][:-1]     # without the "," (or the final "]") after it

    def _hook(self, obj: dict) -> dict:
        if len(obj) != 1 or "$ref" not in obj:
            return obj
        k = obj["$ref"]
        shared = self._shared_parsed.get(k)
        if shared is None:
            if not isinstance(k, str) or not k.isdigit() or int(k) >= self._shared:
                raise ValueError(f"no shared array {k!r}")
            shared = self._shared_parsed[k] = json.loads(self._element(self._shared_at + int(k)))
        return dict(shared)

    def record(self, key: str | None, case_id: str) -> dict | None:
        """The record of member ``key`` (``None``: the master's solution) on ``case_id``, or
        ``None`` when the data hold none."""
        line = self._at.get((key, case_id))
        if line is None:
            return None
        if line not in self._parsed:
            try:
                self._parsed[line] = json.loads(self._element(line), object_hook=self._hook)
            except ValueError as exc:
                raise _unreadable(self.name, f"line {line + 1}: {exc}") from exc
        return self._parsed[line]

    def reference(self, case_ids: list[str]) -> dict[str, dict]:
        """The master's records on ``case_ids`` (all must be visible cases)."""
        missing = [c for c in case_ids if (None, c) not in self._at]
        if missing:
            raise ExpectedDataMissing(f"no precomputed data for {', '.join(missing)} (hidden "
                                      "cases are judged by the local check and the grader only)")
        return {c: self.record(None, c) for c in case_ids}


def load(name: str, text: str | None = None) -> Expected:
    """The data of ``name`` (its header parsed once; from ``text`` when given, else from its
    file); records are parsed when asked for."""
    if name not in _cache:
        _cache[name] = Expected(name, read(name) if text is None else text)
    return _cache[name]


def judging_data(name: str, case_ids: list[str]) -> tuple[dict, Expected]:
    """(reference records, family) on ``case_ids`` (all must be visible cases); the family is
    the :class:`Expected` itself (``members`` and ``record(key, case id)``, which is what
    :func:`autograder.checks.diagnosis.family_access` reads)."""
    data = load(name)
    return data.reference(case_ids), data


__all__ = ["EXPECTED_DIR", "FORMAT", "Expected", "read", "load", "judging_data",
           "ExpectedDataMissing"]
