"""The precomputed data the test cells judge against (visible cases only; plain JSON).

``autograder/checks/expected/<function>.json`` is written by ``python -m autograder release``
from the masters (``autograder.publish.expected``) and committed. It holds, for each visible
case, the record of the master's solution and the records of every member of the function's
mistake family (wrong rules, as DATA: numbers, shapes, keys, exceptions; no code). The checks
read it here and never import the trusted side.
"""

from __future__ import annotations

import json
from pathlib import Path

EXPECTED_DIR = Path(__file__).resolve().parent / "expected"
FORMAT = 1

_cache: dict[str, dict] = {}


class ExpectedDataMissing(RuntimeError):
    """The precomputed data file of a function is missing or unreadable."""


def document(name: str) -> dict:
    if name not in _cache:
        path = EXPECTED_DIR / f"{name}.json"
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ExpectedDataMissing(
                f"the checks' data for {name} cannot be read ({path.name}: {exc}); "
                "run `python -m autograder release` to write it") from exc
        if doc.get("format") != FORMAT or doc.get("function") != name:
            raise ExpectedDataMissing(f"{path.name} is not the checks' data for {name}; run "
                                      "`python -m autograder release`")
        shared = doc.pop("shared", {})
        doc["reference"] = _expand(doc["reference"], shared)
        doc["member_records"] = _expand(doc["member_records"], shared)
        _cache[name] = doc
    return _cache[name]


def _expand(obj, shared):
    """Arrays stored once in the file's ``shared`` table are referred to as ``{"$ref": n}``."""
    if isinstance(obj, dict):
        if "$ref" in obj and len(obj) == 1:
            return shared[obj["$ref"]]
        return {k: _expand(v, shared) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_expand(v, shared) for v in obj]
    return obj


def judging_data(name: str, case_ids: list[str]) -> tuple[dict, dict]:
    """(reference records, family) restricted to ``case_ids`` (all must be visible cases)."""
    doc = document(name)
    missing = [c for c in case_ids if c not in doc["reference"]]
    if missing:
        raise ExpectedDataMissing(f"no precomputed data for {', '.join(missing)} (hidden cases "
                                  "are judged by the local check and the grader only)")
    reference = {c: doc["reference"][c] for c in case_ids}
    records = {key: {c: recs[c] for c in case_ids}
               for key, recs in doc["member_records"].items()}
    return reference, {"members": doc["members"], "records": records}


__all__ = ["EXPECTED_DIR", "FORMAT", "document", "judging_data", "ExpectedDataMissing"]
