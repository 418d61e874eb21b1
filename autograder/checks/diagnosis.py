"""Name the mistake: match the learner's records against the function's mistake family.

Plain data only. The family's records (what each wrong rule returns on each case) come from the
precomputed data (:mod:`.data`, visible cases) or from the trusted side (local check and grader,
visible and hidden cases). A member is named only when it reproduces the learner's records on
EVERY case tried, every call included; two members are named together only when one is a return
shape (three values, another order) and the values, matched by position to what they must be,
reproduce the other. When nothing reproduces the learner's output, nothing is named and
:func:`describe_difference` says precisely what differs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from autograder.checks.cases import KINDS, WITH_T, Case, build
from autograder.checks.feedback import KEY_RE
from autograder.checks.i18n import _
from autograder.checks.vocabulary import PREFIX

RTOL = 1e-6
ATOL = 1e-9

RETURN_NAMES = {
    "update_parameters_with_gd": ["parameters"],
    "update_parameters_with_momentum": ["parameters", "v"],
    "update_parameters_with_rmsprop": ["parameters", "s"],
    "update_parameters_with_adam": ["parameters", "v", "s", "v_corrected", "s_corrected"],
    "update_parameters_with_nesterov": ["parameters", "v"],
    "update_parameters_with_adamw": ["parameters", "v", "s", "v_corrected", "s_corrected"],
}
_SHAPE_SLUGS = ("returns-three-values", "returns-in-wrong-order")


@dataclass
class Diagnosis:
    mistake: str | None          # id, combined id, or None
    description: str = ""        # what differs, when nothing is named


# ----------------------------------------------------------------------------- equality
_float, _list, _abs, _inf = float, list, abs, float("inf")


def _flatten(values, out: list) -> tuple | None:
    """The shape of ``values`` if it is a float or a rectangular nesting of lists of floats
    (what a record's ``values`` are), its floats appended to ``out``; else ``None``."""
    t = type(values)
    if t is _float:
        out.append(values)
        return ()
    if t is not _list:
        return None
    if not values:
        return (0,)
    inner = _flatten(values[0], out)
    if inner is None:
        return None
    for v in values[1:]:
        if _flatten(v, out) != inner:
            return None
    return (len(values),) + inner


def _close(a, b) -> bool:
    # Floats (a record's values, almost always): numpy's isclose(b, a) rule, elementwise in
    # Python (|b - a| <= ATOL + RTOL * |a| with a finite, or b == a, or both nan). A diagnosis
    # makes hundreds of these comparisons of a few numbers each; numpy's cost per call was
    # most of its time. Anything else (ints, None, ragged lists) is numpy's to decide.
    fa, fb = [], []
    sa, sb = _flatten(a, fa), _flatten(b, fb)
    if sa is not None and sb is not None:
        if sa != sb:
            return False
        for x, y in zip(fa, fb, strict=True):   # same shapes: same lengths
            if not ((_abs(y - x) <= ATOL + RTOL * _abs(x) and -_inf < x < _inf) or y == x
                    or (x != x and y != y)):
                return False
        return True
    try:
        a = np.asarray(a, dtype=float)
        b = np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    if a.shape != b.shape:
        return False
    with np.errstate(all="ignore"):
        return bool(np.isclose(b, a, rtol=RTOL, atol=ATOL, equal_nan=True).all())


def same(a, b) -> bool:
    """Two plain descriptions (from :mod:`.probe`) describe the same value."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        if _scalar(a) and _scalar(b):     # 0.5, np.float64(0.5) and a 0-d array are one value
            return _close(_scalar_value(a), _scalar_value(b))
        if a.keys() != b.keys():
            return False
        for k in a:
            if k in ("values", "value"):
                if not _close(a[k], b[k]):
                    return False
            elif k == "learner_lines":
                continue
            elif not same(a[k], b[k]):
                return False
        return True
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _scalar(d) -> bool:
    return isinstance(d, dict) and ("value" in d or ("values" in d and d.get("shape") == []))


def _scalar_value(d):
    return d["value"] if "value" in d else d["values"]


_SHAPE_RE = re.compile(r"\((\d+(?:,\s*\d+)*),?\)")


def _exception_same(a: dict, b: dict) -> bool:
    """The same error: type, missing key and message; a broadcasting error by the shapes it
    names (``a -= b`` and ``a = a - b`` word it differently)."""
    if (a.get("type"), a.get("key")) != (b.get("type"), b.get("key")):
        return False
    ma, mb = str(a.get("message", "")), str(b.get("message", ""))
    if a.get("type") == "ValueError" and "broadcast" in ma and "broadcast" in mb:
        return sorted(set(_SHAPE_RE.findall(ma))) == sorted(set(_SHAPE_RE.findall(mb)))
    return ma == mb


def _returned_view(view, member_ret):
    """What the learner returned if it made the member's maths mistake with return shape
    ``view``; ``None`` when the member's return cannot be viewed that way."""
    if view is None:
        return member_ret
    items = member_ret.get("items") if isinstance(member_ret, dict) else None
    if not member_ret.get("sequence") or items is None:
        return None
    if view == "three":
        if len(items) != 5:
            return None
        return {**member_ret, "length": 3, "items": items[:3]}
    if view == "swap2":
        if len(items) != 2:
            return None
        return {**member_ret, "items": [items[1], items[0]]}
    return None


def records_equal(name: str, member: dict, learner: dict, view=None,
                  strict: bool = False) -> bool:
    """The member's record reproduces the learner's (under return shape ``view``); ``strict``
    also compares what a call that raised had written into its state."""
    if "exception" in member or "exception" in learner:
        return "exception" in member and "exception" in learner and \
            _exception_same(member["exception"], learner["exception"])
    kind = KINDS[name]
    if kind == "update":
        ms, ls = member.get("steps", []), learner.get("steps", [])
        if len(ms) != len(ls):
            return False
        for m, g in zip(ms, ls, strict=True):
            if ("exception" in m) != ("exception" in g):
                return False
            if "exception" in m:
                if not _exception_same(m["exception"], g["exception"]):
                    return False
                if strict and not same(m.get("state_after"), g.get("state_after")):
                    return False
                continue
            expected = _returned_view(view, m["returned"])
            if expected is None or not same(expected, g["returned"]):
                return False
        return True
    if kind == "init":
        if not same(member.get("returned"), learner.get("returned")):
            return False
        mf, lf = member.get("facts") or {}, learner.get("facts") or {}
        return all(bool(mf.get(k)) == bool(lf.get(k))
                   for k in ("v_is_s", "shared_arrays", "aliases_parameters"))
    if kind == "scalar":
        mc, lc = member.get("calls", []), learner.get("calls", [])
        if len(mc) != len(lc):
            return False
        for m, g in zip(mc, lc, strict=True):
            if ("exception" in m) != ("exception" in g):
                return False
            if "exception" in m:
                if not _exception_same(m["exception"], g["exception"]):
                    return False
            elif not same(m["returned"], g["returned"]):
                return False
        return True
    # mini-batches: every call, the repeat, and whether the inputs changed
    mc, lc = member.get("calls", []), learner.get("calls", [])
    if len(mc) != len(lc):
        return False
    for m, g in zip(mc, lc, strict=True):
        if ("exception" in m) != ("exception" in g):
            return False
        if "exception" in m:
            if not _exception_same(m["exception"], g["exception"]):
                return False
            continue
        if not same(m["returned"], g["returned"]) or \
                bool(m.get("inputs_changed")) != bool(g.get("inputs_changed")):
            return False
    mr, lr = member.get("repeat"), learner.get("repeat")
    if (mr is None) != (lr is None):
        return False
    if mr is not None and name == "random_mini_batches" and \
            member.get("calls") and member["calls"][0].get("returned") is not None:
        if "exception" in mr or "exception" in lr:
            return "exception" in mr and "exception" in lr
        return same(mr.get("returned"), lr.get("returned"))
    return True


# ----------------------------------------------------------------------------- return shapes
def _is_param_dict(desc) -> bool:
    return bool(isinstance(desc, dict) and desc.get("dict") and desc.get("keys")
                and all(KEY_RE.match(k) and not k.startswith("d") for k in desc["keys"]))


def _is_state_dict(desc) -> bool:
    return bool(isinstance(desc, dict) and desc.get("dict") and desc.get("keys")
                and all(KEY_RE.match(k) and k.startswith("d") for k in desc["keys"]))


def return_shape(name: str, records: dict) -> str | None:
    """``"three"`` or ``"swap2"`` when the learner's update rule returns its values in an
    older shape or another order that can still be read by position and type."""
    if KINDS[name] != "update" or name == "update_parameters_with_gd":
        return None
    for rec in records.values():
        for step in rec.get("steps", []):
            ret = step.get("returned")
            if not isinstance(ret, dict):
                continue
            if not ret.get("sequence"):
                return None
            items = ret.get("items", [])
            if name in WITH_T and ret.get("length") == 3 and \
                    _is_param_dict(items[0]) and all(_is_state_dict(x) for x in items[1:]):
                return "three"
            if name not in WITH_T and ret.get("length") == 2 and \
                    _is_state_dict(items[0]) and _is_param_dict(items[1]):
                return "swap2"
            return None
    return None


# ----------------------------------------------------------------------------- diagnosis
def _layers(case: Case):
    dims = case.spec.get("layer_dims")
    return len(dims) - 1 if dims else None


def _first_exception(records):
    for cid, rec in records.items():
        if "exception" in rec:
            return cid, rec["exception"]
        for part in rec.get("steps", []) + rec.get("calls", []):
            if "exception" in part:
                return cid, part["exception"]
    return None, None


def diagnose(name: str, cases: list[Case], records: dict, reference: dict,
             family: dict) -> Diagnosis:
    """The confirmed mistake (or None and a description) of the learner's ``records``."""
    prefix = PREFIX[name]
    tried = [c for c in cases if c.id in records and c.id in reference]
    view = return_shape(name, {c.id: records[c.id] for c in tried})
    members, record = family_access(family)

    def reproduces(key, v, strict=False):   # case by case: dropped at its first difference
        for c in tried:
            rec = record(key, c.id)
            if rec is None or not records_equal(name, rec, records[c.id], v, strict):
                return False
        return True

    def tie_break(found):
        """Among ids that all reproduce the output, the one whose state also agrees at the
        error (if exactly one does)."""
        if len(found) < 2:
            return found
        strict = _unique(mid for key, mid in singles + doubles
                         if mid in found and reproduces(key, None, strict=True))
        return strict if len(strict) == 1 else found

    # 1. a layer index off by one shows as a KeyError on layer L + 1 (wherever it is looked up)
    cid, exc = _first_exception({c.id: records[c.id] for c in tried})
    if exc is not None and exc.get("type") == "KeyError" and isinstance(exc.get("key"), str):
        case = next(c for c in tried if c.id == cid)
        m = KEY_RE.match(exc["key"])
        if m and _layers(case) is not None and int(m.group(3)) == _layers(case) + 1:
            return Diagnosis(f"{prefix}/loop-one-layer-too-far")
    # 2. one member reproduces everything (its own return shape included)
    singles = [(k, i) for k, i in members if "+" not in i]
    doubles = [(k, i) for k, i in members if "+" in i]
    if view is None:
        ids = tie_break(_unique(mid for key, mid in singles if reproduces(key, None)))
        if not ids:   # two mistakes at once, among the plausible pairs
            ids = tie_break(_unique(mid for key, mid in doubles if reproduces(key, None)))
        if len(ids) == 1:
            return Diagnosis(ids[0])
        if len(ids) > 1:
            return Diagnosis(None, _("Several different mistakes would give exactly this "
                                     "output on these inputs ({ids}); none is named.").format(
                                         ids=", ".join(ids)))
    else:
        shape_id = f"{prefix}/" + ("returns-three-values" if view == "three"
                                   else "returns-in-wrong-order")
        right = all(records_equal(name, reference[c.id], records[c.id], view) for c in tried)
        if right:
            return Diagnosis(shape_id)
        ids = _unique(mid for key, mid in singles
                      if mid.split("/")[1] not in _SHAPE_SLUGS and reproduces(key, view))
        if len(ids) == 1:
            return Diagnosis(f"{shape_id}+{ids[0]}")
        if ids:
            return Diagnosis(shape_id, _("Besides the return shape, several different "
                                         "mistakes would give these values ({ids}); none is "
                                         "named.").format(ids=", ".join(ids)))
        return Diagnosis(shape_id, describe_difference(name, tried, records, reference, view))
    return Diagnosis(None, describe_difference(name, tried, records, reference, None))


def family_access(family):
    """(members, record(key, case id)) of a family given as plain data
    (``{"members": [[key, id], ...], "records": {key: {case id: record}}}``) or as an object
    with ``members`` and ``record`` (the trusted side computes hidden records on demand)."""
    if hasattr(family, "record"):
        return family.members, family.record
    recs = family.get("records", {})
    return family.get("members", []), lambda key, cid: recs.get(key, {}).get(cid)


def _unique(ids):
    out = []
    for i in ids:
        if i not in out:
            out.append(i)
    return out


# ----------------------------------------------------------------------------- description
def _pattern(e, g, before=None) -> str:
    """How the array ``g`` differs from the expected ``e`` (both plain descriptions)."""
    if e.get("shape") != g.get("shape"):
        return _("has shape {got}, expected {expected}").format(
            got=tuple(g.get("shape") or ()), expected=tuple(e.get("shape") or ()))
    try:
        ev = np.asarray(e["values"], dtype=float)
        gv = np.asarray(g["values"], dtype=float)
    except (KeyError, TypeError, ValueError):
        return _("differs")
    if before is not None and "values" in before and _close(before["values"], g["values"]):
        return _("came back unchanged (the value passed in)")
    if not np.all(np.isfinite(gv)):
        return _("holds nan or inf")
    with np.errstate(all="ignore"):
        nz = np.abs(ev) > 1e-12
        if nz.any():
            ratio = gv[nz] / ev[nz]
            r0 = float(ratio.flat[0])
            if np.allclose(ratio, r0, rtol=1e-6, atol=0) and np.allclose(gv[~nz], 0, atol=1e-12):
                if np.isclose(r0, -1.0):
                    return _("has the opposite sign")
                return _("differs by a constant factor {factor}").format(factor=f"{r0:.4g}")
        diff = gv - ev
        d0 = float(diff.flat[0])
        if np.allclose(diff, d0, rtol=1e-6, atol=1e-12):
            return _("is off by a constant {offset}").format(offset=f"{d0:+.4g}")
    n_bad = int((~np.isclose(gv, ev, rtol=RTOL, atol=ATOL)).sum())
    return _("differs in {n_bad} of its {size} entries").format(n_bad=n_bad, size=gv.size)


def _input_before(name, case, learner, call, label):
    if call == 1:
        data = build(case)
        pool = {"parameters": data.get("parameters"), "v": data.get("v"), "s": data.get("s")}
        from autograder.checks.probe import describe
        return describe(pool[label]) if pool.get(label) is not None else None
    prev = learner["steps"][call - 2].get("returned") or {}
    names = RETURN_NAMES[name]
    if name == "update_parameters_with_gd":
        return prev
    items = prev.get("items") or []
    i = names.index(label)
    return items[i] if i < len(items) else None


def describe_difference(name, cases, records, reference, view=None) -> str:
    """What differs, item by item and key by key, on the first case that differs."""
    if KINDS[name] != "update":
        return ""
    names = list(RETURN_NAMES[name])
    if view == "three":
        names = names[:3]
    for case in cases:
        learner, ref = records[case.id], reference[case.id]
        if records_equal(name, ref, learner, view):
            continue
        first: dict[str, tuple[int, str]] = {}
        order: list[str] = []
        steps = [s for s in learner.get("steps", []) if "returned" in s]
        for i, step in enumerate(steps):
            if i >= len(ref["steps"]) or "returned" not in ref["steps"][i]:
                break
            exp = _returned_view(view, ref["steps"][i]["returned"]) or ref["steps"][i]["returned"]
            got = step["returned"]
            pairs = [(names[0], exp, got)] if name == "update_parameters_with_gd" else \
                [(n, (exp.get("items") or [None] * 5)[j], (got.get("items") or [None] * 5)[j])
                 for j, n in enumerate(names) if j < len(got.get("items") or [])]
            for label, e, g in pairs:
                if not (isinstance(e, dict) and isinstance(g, dict) and e.get("dict")
                        and g.get("dict")):
                    continue
                for k in e["keys"]:
                    entry = f"{label}[{k!r}]"
                    if entry not in order:
                        order.append(entry)
                    if entry in first:
                        continue
                    ge = g["items"].get(k)
                    if ge is None:
                        first[entry] = (i + 1, _("is missing"))
                    elif not same(e["items"][k], ge):
                        before = _input_before(name, case, learner, i + 1, label) \
                            if label in ("parameters", "v", "s") else None
                        b = (before or {}).get("items", {}).get(k) if before else None
                        first[entry] = (i + 1, _pattern(e["items"][k], ge, b))
        if not first:
            return ""
        return _summary(names, order, first, len(steps) > 1)
    return ""


def _summary(names, order, first, several_calls) -> str:
    """'v is right; every entry of s differs by a constant factor 1.11 from call 1 on; the
    parameters differ from call 1 on' (state first: the parameters follow from it)."""
    state = [n for n in names if n != "parameters"] or names
    rights, wrongs = [], []
    for label in state + (["parameters"] if "parameters" in names and state != names else []):
        entries = [e for e in order if e.startswith(label + "[")]
        bad = [e for e in entries if e in first]
        if not entries:
            continue
        if not bad:
            rights.append(label)
            continue

        def when(call):
            return _(" from call {call} on").format(call=call) if several_calls else ""
        if label == "parameters" and wrongs:
            call = min(first[e][0] for e in bad)
            wrongs.append(_("the parameters differ{when}").format(when=when(call)))
            continue
        patterns = {first[e] for e in bad}
        if len(bad) == len(entries) and len(patterns) == 1:
            call, what = next(iter(patterns))
            wrongs.append(_("every entry of {label} {what}{when}").format(
                label=label, what=what, when=when(call)))
            continue
        shown = [f"{e} {first[e][1]}{when(first[e][0])}" for e in bad[:3]]
        more = _(" (and {n} more entries of {label})").format(n=len(bad) - 3, label=label) \
            if len(bad) > 3 else ""
        right_here = [e for e in entries if e not in first]
        note = _(" ({entries} right)").format(
            entries=", ".join(right_here[:3]) + (" ..." if len(right_here) > 3 else "")) \
            if right_here else ""
        wrongs.append("; ".join(shown) + more + note)
    text = ""
    if rights:
        text += _("Right: {labels}. ").format(labels=", ".join(rights))
    return text + _("Differs: {differences}.").format(differences="; ".join(wrongs))


def _group(entries, names) -> str:
    out = []
    for label in names:
        mine = [e for e in entries if e.startswith(label + "[")]
        if mine:
            out.append(", ".join(mine) if len(mine) <= 3 else f"{label} ({len(mine)} entries)")
    return "; ".join(out)


__all__ = ["Diagnosis", "diagnose", "describe_difference", "records_equal", "return_shape",
           "same"]
