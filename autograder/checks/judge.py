"""Compare plain data against the reference and explain any difference to the learner.

:func:`judge_case` takes the plain data :mod:`autograder.checks.probe` recorded for the learner
and for the reference on one case and returns ``None`` (passed) or a :class:`Feedback`. It never
sees the learner's objects, only numbers, shapes, key names, type names and exception records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from autograder.checks import minibatches, probe
from autograder.checks.cases import KINDS, Case, build
from autograder.checks.feedback import (
    KEY_RE,
    Feedback,
    explain_exception,
    fmt_index,
    fmt_number,
    shape_text,
    show,
)
from autograder.checks.i18n import N_, _
from autograder.checks.vocabulary import PREFIX

RTOL = 1e-6
ATOL = 1e-9

RETURN_NAMES = {
    "update_parameters_with_gd": None,
    "update_parameters_with_momentum": ["parameters", "v"],
    "update_parameters_with_rmsprop": ["parameters", "s"],
    "update_parameters_with_adam": ["parameters", "v", "s", "v_corrected", "s_corrected"],
    "initialize_adam": ["v", "s"],
    "update_parameters_with_nesterov": ["parameters", "v"],
    "update_parameters_with_adamw": ["parameters", "v", "s", "v_corrected", "s_corrected"],
}
#: What the result is called in the feedback (a code name, or a text translated where shown).
ROOT_NAMES = {"update_parameters_with_gd": "parameters", "initialize_velocity": "v",
              "initialize_rmsprop": "s", "update_lr": N_("the learning rate"),
              "schedule_lr_decay": N_("the learning rate"),
              "warmup_cosine_lr": N_("the learning rate")}
#: The argument a scalar case steps through (its records keep it under "epoch").
SCALAR_ARG = {"warmup_cosine_lr": "step"}


@dataclass
class Mismatch:
    where: str            # human path, e.g. 'v["dW1"][0, 1]'
    kind: str             # type | keys | shape | value | length | not_numbers | exception
    expected: str
    got: str
    detail: dict = field(default_factory=dict)


# ----------------------------------------------------------------------------- comparison
def _flat(values):
    return np.asarray(values, dtype=float)


def compare(exp, got, where: str, values: bool = True) -> Mismatch | None:
    """First difference between two plain descriptions (``None`` when they agree); with
    ``values=False`` only types, keys, lengths and shapes are compared."""
    if not isinstance(got, dict):
        return Mismatch(where, "type", show(exp), repr(got))
    if "unreadable" in got:
        return Mismatch(where, "type", show(exp), _("a {type} that cannot be read ({reason})")
                        .format(type=got["type"], reason=got["unreadable"]))
    if exp.get("dict"):
        if not got.get("dict"):
            return Mismatch(where, "type", show(exp), show(got))
        ek, gk = exp["keys"], got["keys"]
        missing = [k for k in ek if k not in gk]
        extra = [k for k in gk if k not in ek]
        if missing or extra:
            return Mismatch(where, "keys", _("keys {keys}").format(keys=", ".join(ek)),
                            _("keys {keys}").format(keys=", ".join(gk)) if gk else _("no keys"),
                            {"missing": missing, "extra": extra})
        for k in ek:
            m = compare(exp["items"][k], got["items"][k], f'{where}["{k}"]', values)
            if m:
                return m
        return None
    if exp.get("sequence"):
        if not got.get("sequence"):
            return Mismatch(where, "type", show(exp), show(got))
        if exp["length"] != got["length"]:
            return Mismatch(where, "length", _("{n} items").format(n=exp["length"]),
                            _("{n} items").format(n=got["length"]),
                            {"expected": exp["length"], "got": got["length"]})
        for i, (e, g) in enumerate(zip(exp["items"], got["items"], strict=False)):
            m = compare(e, g, f"{where}[{i}]", values)
            if m:
                return m
        return None
    if "values" in exp or "value" in exp:
        exp_scalar = "value" in exp or exp.get("shape") == []
        if exp_scalar:
            if "value" in got:
                gv = got["value"]
            elif "values" in got and got.get("shape") == []:
                gv = got["values"]
            elif got.get("not_numbers"):
                return Mismatch(where, "not_numbers", show(exp),
                                _("{value}, not numbers").format(value=show(got)))
            else:
                return Mismatch(where, "type", _("a number"), show(got))
            ev = exp["value"] if "value" in exp else exp["values"]
            if values and not _close(ev, gv):
                return Mismatch(where, "value", fmt_number(ev), fmt_number(gv),
                                {"expected": ev, "got": gv})
            return None
        if not got.get("array"):
            wanted = _("a numpy array of shape {shape}").format(shape=shape_text(exp["shape"]))
            if got.get("type") in ("list", "tuple", "dict") or "value" in got \
                    or got.get("type") == "NoneType":
                return Mismatch(where, "type", wanted,
                                _("{value}, not a numpy array").format(value=show(got)))
            return Mismatch(where, "type", wanted,
                            _("an object of type {type} (not a numpy array)").format(
                                type=got["type"]))
        if exp["shape"] != got["shape"]:
            return Mismatch(where, "shape", _("shape {shape}").format(
                                shape=shape_text(exp["shape"])),
                            _("shape {shape}").format(shape=shape_text(got["shape"])),
                            {"expected": exp["shape"], "got": got["shape"]})
        if got.get("not_numbers") or "values" not in got:
            return Mismatch(where, "not_numbers", show(exp),
                            _("{value} without usable numbers").format(value=show(got)))
        if str(exp.get("dtype", "")).startswith("float") and \
                str(got.get("dtype", "")).startswith(("int", "uint", "bool")):
            return Mismatch(where, "dtype", _("an array of floats ({dtype})").format(
                                dtype=exp["dtype"]),
                            _("an array of {dtype}").format(dtype=got["dtype"]),
                            {"dtype": got["dtype"]})
        if not values:
            return None
        e, g = _flat(exp["values"]), _flat(got["values"])
        bad = ~_close_array(e, g)
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            return Mismatch(f"{where}{fmt_index(idx)}", "value", fmt_number(float(e[idx])),
                            fmt_number(float(g[idx])),
                            {"expected_array": exp["values"], "got_array": got["values"],
                             "n_bad": int(bad.sum()), "size": int(bad.size),
                             "base": where})
        return None
    if exp.get("type") == "NoneType":
        return None if got.get("type") == "NoneType" else Mismatch(where, "type", "None", show(got))
    return None


def _close(a, b) -> bool:
    return bool(_close_array(np.asarray(a, dtype=float), np.asarray(b, dtype=float)).all())


def _close_array(e, g):
    with np.errstate(all="ignore"):
        return np.isclose(g, e, rtol=RTOL, atol=ATOL, equal_nan=True)


def _record_mismatch(exp, got, name) -> Mismatch | None:
    """Compare two probe records of the same case; paths are named for the learner."""
    kind = KINDS.get(name, "")
    if "exception" in exp and "exception" in got:
        return None if exp["exception"].get("type") == got["exception"].get("type") else \
            Mismatch("", "exception", exp["exception"].get("type"), got["exception"].get("type"))
    if "exception" in got:
        return Mismatch("", "exception", "", "", {"exception": got["exception"]})
    if kind == "update":
        es, gs = exp["steps"], got["steps"]
        for i, e in enumerate(es):
            if i >= len(gs):
                return Mismatch(_("call {n}").format(n=i + 1), "stopped", "", "")
            g = gs[i]
            if "exception" in g and "exception" not in e:
                return Mismatch(_("call {n}").format(n=i + 1), "exception", "", "",
                                {"exception": g["exception"], "call": i + 1, "t": g.get("t")})
            if "exception" in e:
                if "exception" not in g:
                    return Mismatch(_("call {n}").format(n=i + 1), "no_exception", "", "")
                continue
            m = _compare_returned(name, e["returned"], g["returned"])
            if m:
                m.detail["call"] = i + 1
                m.detail["t"] = g.get("t")
                return m
        return None
    if kind == "init":
        if "exception" in exp:
            return None
        m = _compare_returned(name, exp["returned"], got["returned"])
        if m:
            return m
        return None
    if kind == "scalar":
        for e, g in zip(exp["calls"], got["calls"], strict=False):
            if "exception" in g:
                return Mismatch(f"{SCALAR_ARG.get(name, 'epoch_num')}={g['epoch']}", "exception",
                                "", "",
                                {"exception": g["exception"], "epoch": g["epoch"]})
            m = compare(e["returned"], g["returned"], _("the learning rate"))
            if m:
                m.detail["epoch"] = e["epoch"]
                return m
        if len(got["calls"]) < len(exp["calls"]):
            return Mismatch("", "stopped", "", "")
        return None
    return None


def _compare_returned(name, exp, got) -> Mismatch | None:
    names = RETURN_NAMES.get(name)
    if names is None:
        where = _(ROOT_NAMES.get(name, N_("the result")))
        return compare(exp, got, where, values=False) or compare(exp, got, where)
    if not got.get("sequence"):
        return Mismatch(_("the returned value"), "structure",
                        _("a tuple ({names})").format(names=", ".join(names)),
                        show(got), {"names": names})
    if got["length"] != len(names):
        n = got["length"]
        return Mismatch(_("the returned value"), "structure",
                        _("a tuple of {n} ({names})").format(n=len(names),
                                                             names=", ".join(names)),
                        (_("a {type} of 1 item") if n == 1 else _("a {type} of {n} items"))
                        .format(type=got["type"], n=n), {"names": names})
    for values in (False, True):   # every structure first, then the numbers
        for i, n in enumerate(names):
            m = compare(exp["items"][i], got["items"][i], n, values)
            if m:
                return m
    return None


# ----------------------------------------------------------------------------- feedback
def _generic_meaning(m: Mismatch) -> tuple[str, str]:
    if m.kind == "keys":
        missing, extra = m.detail.get("missing", []), m.detail.get("extra", [])
        parts = []
        if missing:
            parts.append(_("missing: {keys}").format(keys=", ".join(missing)))
        if extra:
            parts.append(_("unexpected: {keys}").format(keys=", ".join(extra)))
        return (_("{keys}. Every layer needs its entries, named like the gradients (dW1, db1, "
                  "...) for optimizer state and like the parameters for parameters.").format(
                    keys="; ".join(parts)),
                _("Compare your keys with the expected ones, layer by layer."))
    if m.kind == "shape":
        return (_("An array has the wrong shape: each state entry and each parameter keeps the "
                  "shape of the parameter it belongs to."),
                _("Use the parameter's own shape (np.zeros_like is handy)."))
    if m.kind == "type":
        return (_("The result has a different type than expected."),
                _("Return numpy arrays in dictionaries, as the docstring says."))
    if m.kind in ("structure", "length"):
        return (_("The function returns a different number of values than expected."),
                _("Return exactly the values listed in the docstring, in that order."))
    if m.kind == "not_numbers":
        return (_("The array does not hold numbers."), _("Keep the arrays numeric (float)."))
    if m.kind == "dtype":
        return (_("The array holds integers: an update written in place (v[k] *= beta) would "
                  "fail or truncate, because an integer array cannot store 0.9."),
                _("Let numpy choose float zeros (np.zeros(shape) or np.zeros_like of a float "
                  "array), without dtype=int."))
    return (_("The numbers differ from the expected ones on this input."),
            _("Recompute one entry by hand from the formula and compare it with your code."))


def _inputs_before(name, case, got_record, call):
    """Plain descriptions of the dictionaries passed to ``call`` (label -> description)."""
    if KINDS[name] == "init":
        return {}
    names = RETURN_NAMES.get(name) or ["parameters"]
    if call == 1:
        data = build(case)
        pool = {"parameters": data["parameters"], "v": data["v"], "s": data["s"]}
        return {n: probe.describe(pool[n]) for n in names if n in pool}
    prev = got_record["steps"][call - 2]["returned"]
    if name == "update_parameters_with_gd":
        return {"parameters": prev}
    return {n: prev["items"][i] for i, n in enumerate(names) if n in ("parameters", "v", "s")}


def _entry_summary(name, case, exp_record, got_record, m: Mismatch):
    """(right entries, wrong entries, unchanged entries) at the call of the first mismatch."""
    call = m.detail.get("call")
    if call is not None:
        e = exp_record["steps"][call - 1]["returned"]
        g = got_record["steps"][call - 1]["returned"]
    else:
        e, g = exp_record["returned"], got_record["returned"]
    names = RETURN_NAMES.get(name)
    pairs = [(names[i], e["items"][i], g["items"][i]) for i in range(len(names))] if names \
        else [(ROOT_NAMES.get(name, "result"), e, g)]
    before = _inputs_before(name, case, got_record, call) if call is not None else {}
    wrong, right, unchanged = [], [], []
    for label, ed, gd in pairs:
        if not ed.get("dict") or not gd.get("dict"):
            continue
        for k in ed["keys"]:
            if k not in gd["items"]:
                continue
            entry = f"{label}[{k!r}]"
            if compare(ed["items"][k], gd["items"][k], "") is None:
                right.append(entry)
                continue
            wrong.append(entry)
            old = before.get(label, {}).get("items", {}).get(k) if before.get(label) else None
            if old is not None and compare(old, gd["items"][k], "") is None \
                    and compare(old, ed["items"][k], "") is not None:
                unchanged.append(entry)
    return right, wrong, unchanged


def _wrong_keys_summary(name, case, exp_record, got_record, m: Mismatch) -> str:
    """Which entries are right and which are wrong, at the call where the first mismatch is."""
    try:
        right, wrong, unchanged = _entry_summary(name, case, exp_record, got_record, m)
        if wrong and right:
            marked = [w + (_(" (unchanged)") if w in unchanged else "") for w in wrong]
            return _(" Right: {right}. Wrong: {wrong}.").format(right=", ".join(right),
                                                                wrong=", ".join(marked))
    except Exception:  # noqa: BLE001 - a summary is a bonus
        pass
    return ""


def _all_unchanged(name, case, exp_record, got_record, m: Mismatch) -> str | None:
    """The label ('parameters', 'v', 's') whose entries all came back unchanged, if any."""
    if KINDS[name] != "update" or m.kind != "value":
        return None
    try:
        right, wrong, unchanged = _entry_summary(name, case, exp_record, got_record, m)
    except Exception:  # noqa: BLE001
        return None
    for label in ("parameters", "v", "s"):
        mine = [w for w in wrong if w.startswith(label + "[")]
        if mine and all(w in unchanged for w in mine) and \
                not any(r.startswith(label + "[") for r in right):
            return label
    return None


def judge_case(name: str, case: Case, expected: dict, got: dict) -> Feedback | None:
    """``None`` if the learner's record ``got`` agrees with ``expected``, else the feedback of
    this case alone (what differs; ids only for facts this case confirms). Naming a mistake
    from the family is :mod:`.diagnosis`'s job, over every case."""
    if KINDS[name] == "minibatches":
        return minibatches.judge_minibatches(case, expected, got)
    if "exception" in got:
        return explain_exception(name, case, got["exception"])
    m = _record_mismatch(expected, got, name)
    if m is None:
        facts_fb = _judge_facts(name, case, got)
        return facts_fb
    when = ""
    if m.detail.get("call") is not None:
        when = _("call {n}").format(n=m.detail["call"])
        if m.detail.get("t") is not None:
            when += f" (t = {m.detail['t']})"
    if m.detail.get("epoch") is not None:
        when = f"{SCALAR_ARG.get(name, 'epoch_num')} = {m.detail['epoch']}"
    if m.kind == "exception":
        exc = m.detail["exception"]
        return explain_exception(name, case, exc, when=when)
    if m.kind == "stopped":
        return Feedback(case, _("the function stopped before the last call"),
                        meaning=_("A later call could not run on what the previous call "
                                  "returned."),
                        hint=_("Return the values in the order the docstring gives."))
    prefix = _("after {when}: ").format(when=when) if when and KINDS[name] == "update" else \
        (_("at {when}: ").format(when=when) if when else "")
    extent = ""
    if m.kind == "value" and m.detail.get("size", 1) > 1:
        n_bad, size, base = m.detail["n_bad"], m.detail["size"], m.detail["base"]
        extent = (_("  (all {size} entries of {base} differ)") if n_bad == size
                  else _("  ({n_bad} of the {size} entries of {base} differ)")).format(
                      n_bad=n_bad, size=size, base=base)
    fb = Feedback(case, _("wrong result"), expected=f"{prefix}{m.where} = {m.expected}"
                  if m.kind == "value" else f"{prefix}{m.where}: {m.expected}",
                  got=f"{prefix}{m.where} = {m.got}{extent}" if m.kind == "value"
                  else f"{prefix}{m.where}: {m.got}")
    # (show() describes None as a text that starts with "None" in every language.)
    if m.kind == "type" and m.got.startswith("None") and "[" not in m.where:
        fb.what = _("your function returns nothing (None)")
        fb.mistake = f"{PREFIX[name]}/returns-none"
        fb.meaning = _("A function without a return statement gives back None, even when it "
                       "changed its arguments in place.")
        fb.hint = _("End the function with a return statement (see the docstring for what).")
        return fb
    label = _all_unchanged(name, case, expected, got, m)
    if label is not None:   # a fact, not a diagnosis: no id unless the family confirms one
        fb.what = _("{label} came back unchanged").format(label=label)
        fb.meaning = _("Every entry of {label} that is wrong is exactly what was passed in: the "
                       "new values are computed but not stored, or not computed at all.").format(
                           label=label)
        fb.hint = _("Assign each new value back into the dictionary, e.g. {label}[key] = ..., "
                    "and return that dictionary.").format(label=label)
        return fb
    meaning, hint = _generic_meaning(m)
    if m.kind == "value":
        meaning += _wrong_keys_summary(name, case, expected, got, m)
    fb.meaning, fb.hint = meaning, hint
    if m.kind == "keys":
        keyed = _keys_diagnosis(m.detail.get("missing", []), m.detail.get("extra", []),
                                len(case.spec.get("layer_dims", [0])) - 1, m.where)
        if keyed is not None:
            fb.what, fb.meaning, fb.hint, slug = keyed
            if slug == "param-keys" and KINDS[name] != "init":
                slug = None
            fb.mistake = f"{PREFIX[name]}/{slug}" if slug else None
            return fb
    if m.kind in ("type", "structure", "length", "keys", "shape", "not_numbers", "dtype"):
        fb.what = _(WHAT_BY_KIND[m.kind])
        if m.kind == "dtype" and KINDS[name] == "init":
            fb.mistake = f"{PREFIX[name]}/integer-zeros"
    return fb


#: The first line of the feedback for a difference of structure (translated where shown).
WHAT_BY_KIND = {"type": N_("wrong type"), "structure": N_("wrong number of returned values"),
                "dtype": N_("integer arrays instead of floats"),
                "length": N_("wrong number of items"), "keys": N_("wrong keys"),
                "shape": N_("wrong shape"), "not_numbers": N_("not numbers")}


def _keys_diagnosis(missing, extra, L, where):
    """(what, meaning, hint, mistake id) for a recognisable pattern of wrong keys."""
    def layer(k):
        m = KEY_RE.match(k)
        return int(m.group(3)) if m else None
    state = where.split("[")[0] in ("v", "s", "v_corrected", "s_corrected") or \
        any(k.startswith("d") for k in missing)
    if state and missing and extra and sorted("d" + e for e in extra) == sorted(missing):
        return (_("your {where} keys are named like the parameters (W1 instead of dW1)").format(
                    where=where),
                _("Optimizer state follows the gradients' names: dW1, db1, ... so that the "
                  "update functions can look up v['dW1'] next to grads['dW1']."),
                _("Name each entry 'd' + the parameter's name."), "param-keys")
    if where == "parameters" and missing and extra and \
            sorted(extra) == sorted("d" + k for k in missing):
        return (_("the returned values are in the wrong order"),
                _("The first value you return has the state's keys (dW1, ...) where the "
                  "parameters (W1, ...) are expected."),
                _("Return the parameters first, then the state, in the order of the docstring."),
                "returns-in-wrong-order")
    if any(layer(k) == 0 for k in extra):
        return (_("your {where} has entries for a layer 0").format(where=where),
                _("Layers are numbered from 1: a loop over range(L) starts at 0 and creates "
                  "keys such as dW0."), _("Make the loop run over 1, 2, ..., L."),
                "loop-starts-at-zero")
    if extra and all(layer(k) is not None and layer(k) > L for k in extra):
        return (_("your loop goes past the last layer ({keys} with {L} layers)").format(
                    keys=", ".join(extra), L=L),
                _("There are {L} layers; L is probably the number of entries of the "
                  "dictionary (two per layer), or the key uses l + 1.").format(L=L),
                _("L = len(parameters) // 2, and use l itself as the layer number."),
                "loop-one-layer-too-far")
    if missing and not extra and all(layer(k) == L for k in missing):
        return (_("the last layer is missing from {where}").format(where=where),
                _("There is no entry for layer {L}: a loop written range(1, L) stops at "
                  "L - 1.").format(L=L),
                _("Layers are numbered 1 to L; check the end of your range()."),
                "loop-stops-early")
    return None


def _judge_facts(name, case, got) -> Feedback | None:
    facts = got.get("facts") or {}
    if name == "initialize_adam":
        if facts.get("v_is_s"):
            return Feedback(case, _("v and s are the same dictionary"),
                            mistake="init-adam/v-and-s-same-dict",
                            got=_("initialize_adam returned one dictionary twice (v is s)"),
                            meaning=_("Adam's two moments must be separate: with one "
                                      "dictionary, updating s overwrites v."),
                            hint=_("Build two dictionaries, one for v and one for s."))
        if facts.get("shared_arrays"):
            keys = ", ".join(facts["shared_arrays"])
            return Feedback(case, _("v and s share their arrays"),
                            mistake="init-adam/v-and-s-share-arrays",
                            got=_("v and s hold the very same arrays for {keys}").format(
                                keys=keys),
                            meaning=_("An in-place update of s (s[k] *= beta2, s[k] += ...) "
                                      "would change v as well."),
                            hint=_("Create a separate zero array for each entry of v and of "
                                   "s."))
    if KINDS[name] == "init" and facts.get("aliases_parameters"):
        k, p = facts["aliases_parameters"][0]
        return Feedback(case, _("the state shares memory with the parameters"),
                        mistake=f"{PREFIX[name]}/aliases-parameters",
                        got=_("{key} is a view of parameters[{param}]").format(
                            key=k, param=repr(p)),
                        meaning=_("Changing the state in place would change the parameters."),
                        hint=_("Make new zero arrays (np.zeros_like) instead of reusing the "
                               "parameters' arrays."))
    return None


__all__ = ["Feedback", "Mismatch", "judge_case", "compare", "explain_exception"]
