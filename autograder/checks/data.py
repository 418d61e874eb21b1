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


def read(name: str) -> str:
    """The text of ``name``'s data file (read now, parsed by :func:`document` when needed)."""
    path = EXPECTED_DIR / f"{name}.json"
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise ExpectedDataMissing(
            f"the checks' data for {name} cannot be read ({path.name}: {exc}); "
            "run `python -m autograder release` to write it") from exc


def document(name: str, text: str | None = None) -> dict:
    """The data of ``name`` (parsed once; from ``text`` when given, else from its file)."""
    if name not in _cache:
        path = EXPECTED_DIR / f"{name}.json"
        text = read(name) if text is None else text
        refs: list[dict] = []

        def hook(obj):   # every {"$ref": n}, found while parsing (no second walk over arrays)
            if len(obj) == 1 and "$ref" in obj:
                refs.append(obj)
            return obj
        try:
            doc = json.loads(text, object_hook=hook)
        except ValueError as exc:
            raise ExpectedDataMissing(
                f"the checks' data for {name} cannot be read ({path.name}: {exc}); "
                "run `python -m autograder release` to write it") from exc
        if not isinstance(doc, dict) or doc.get("format") != FORMAT or \
                doc.get("function") != name:
            raise ExpectedDataMissing(f"{path.name} is not the checks' data for {name}; run "
                                      "`python -m autograder release`")
        shared = doc.pop("shared", {})
        for obj in refs:
            obj.update(shared[obj.pop("$ref")])
        _cache[name] = doc
    return _cache[name]


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


__all__ = ["EXPECTED_DIR", "FORMAT", "read", "document", "judging_data", "ExpectedDataMissing"]
