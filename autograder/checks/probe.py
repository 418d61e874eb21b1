"""Call a graded function on the cases and turn what happens into plain data (numpy only).

Everything :func:`run_case` returns is made of dicts, lists, strings, floats, ints, bools and
None, so it can cross a pipe as JSON and be judged by a process that never touches the
learner's objects. Arrays are coerced to plain floats here: an object that claims to equal
everything is recorded by its numbers, not by what its ``==`` says.

The numpy functions used below are bound when this module is imported, before any learner code
runs, so a notebook that patches ``np.asarray`` afterwards does not change what is recorded.
"""

from __future__ import annotations

import copy
import linecache
import sys
import traceback

import numpy as np

from autograder.checks.cases import KINDS, WITH_T, Case
from autograder.checks.cases import build as _build

_ndarray = np.ndarray
_generic = np.generic
_asarray = np.asarray
_shares_memory = np.shares_memory
_array_equal = np.array_equal
_get_state, _set_state = np.random.get_state, np.random.set_state
_float64 = np.float64
_deepcopy = copy.deepcopy
_isinstance = isinstance
_type = type

_ndarray_copy = np.ndarray.copy
_dict, _list, _tuple = dict, list, tuple

# Inputs built before any learner code runs (see :func:`prebuild`); fresh copies are made with
# ndarray.copy, so a notebook that patches numpy cannot change what its function is fed.
_templates: dict[str, dict] = {}


def prebuild(cases) -> None:
    """Build the inputs of ``cases`` now (call before running untrusted code)."""
    for case in cases:
        _templates[case.id] = _build(case)


def _clone(obj):
    if _type(obj) is _ndarray:
        return _ndarray_copy(obj)
    if _type(obj) is _dict:
        return {k: _clone(v) for k, v in obj.items()}
    if _type(obj) is _list:
        return [_clone(v) for v in obj]
    return obj


def build(case: Case) -> dict:
    """Fresh inputs of ``case`` (from the prebuilt template when there is one)."""
    template = _templates.get(case.id)
    return _clone(template) if template is not None else _build(case)


_after_call = None


def set_after_call(hook) -> None:
    """Run ``hook()`` after every call of the learner's function (the child process uses it to
    undo patches of builtins before the result is described)."""
    global _after_call
    _after_call = hook


MAX_ITEMS = 400          # items kept per dict/list level
MAX_ARRAY_SIZE = 20_000  # array entries kept
MAX_DEPTH = 5


def type_name(obj) -> str:
    try:
        return str(_type(obj).__name__)
    except BaseException:  # noqa: BLE001 - a metaclass may make even this fail
        return "object"


def describe(obj, depth: int = 0):
    """Plain description of ``obj``: ``{"type": ..., ...}`` (see the module docstring)."""
    tname = type_name(obj)
    try:
        if obj is None:
            return {"type": "NoneType"}
        if _isinstance(obj, bool):
            return {"type": "bool", "value": bool(obj)}
        if _isinstance(obj, (int, float)) and not _isinstance(obj, _generic):
            return {"type": "int" if _isinstance(obj, int) else "float", "value": float(obj)}
        if _isinstance(obj, (_ndarray, _generic)):
            arr = _asarray(obj)
            out = {"type": tname, "array": _isinstance(obj, _ndarray),
                   "shape": [int(n) for n in arr.shape], "dtype": str(arr.dtype)}
            if arr.dtype.kind in "biuf":
                if arr.size <= MAX_ARRAY_SIZE:
                    out["values"] = arr.astype(_float64).tolist()
                else:
                    out["too_big"] = True
            else:
                out["not_numbers"] = True
            return out
        if depth >= MAX_DEPTH:
            return {"type": tname, "too_deep": True}
        if _isinstance(obj, dict):
            keys = list(obj.keys())[:MAX_ITEMS]
            return {"type": tname, "dict": True, "keys": [k if _isinstance(k, str) else repr(k)
                                                           for k in keys],
                    "items": {(k if _isinstance(k, str) else repr(k)): describe(obj[k], depth + 1)
                              for k in keys}}
        if _isinstance(obj, (list, tuple)):
            return {"type": tname, "sequence": True, "length": len(obj),
                    "items": [describe(x, depth + 1) for x in list(obj)[:MAX_ITEMS]]}
        # Anything else (a fake array, a generator, ...): record what it is and, if numpy can
        # read numbers out of it, the numbers.
        out = {"type": tname, "repr": _short_repr(obj)}
        try:
            arr = _asarray(obj, dtype=_float64)
            out["coerced"] = {"shape": [int(n) for n in arr.shape],
                              "values": arr.tolist() if arr.size <= MAX_ARRAY_SIZE else None}
        except BaseException:  # noqa: BLE001 - the learner's object may raise anything
            pass
        return out
    except BaseException as exc:  # noqa: BLE001
        return {"type": tname, "unreadable": f"{_type(exc).__name__}: {exc}"[:300]}


def _short_repr(obj) -> str:
    try:
        text = repr(obj)
    except BaseException:  # noqa: BLE001
        text = f"<{type_name(obj)} object>"
    return text if len(text) <= 200 else text[:200] + "..."


def describe_exception(exc: BaseException, code_filename: str | None) -> dict:
    """Type, message, the missing key of a KeyError, and the learner's lines in the traceback."""
    out = {"type": _type(exc).__name__, "message": _short_text(exc)}
    if _isinstance(exc, KeyError) and exc.args:
        key = exc.args[0]
        out["key"] = key if _isinstance(key, str) else repr(key)
    if _isinstance(exc, NotImplementedError):
        out["not_implemented"] = True
    if _isinstance(exc, SyntaxError):
        out["lineno"] = exc.lineno
        out["line"] = (exc.text or "").rstrip()
    lines = []
    for frame in traceback.extract_tb(exc.__traceback__):
        if code_filename is not None and frame.filename == code_filename:
            text = frame.line or linecache.getline(frame.filename, frame.lineno or 0).strip()
            lines.append({"lineno": frame.lineno, "line": (text or "").strip(),
                          "function": frame.name})
    out["learner_lines"] = lines[-3:]
    return out


def _short_text(exc) -> str:
    try:
        text = str(exc)
    except BaseException:  # noqa: BLE001
        text = ""
    return text if len(text) <= 400 else text[:400] + "..."


def _code_filename(fn):
    code = getattr(fn, "__code__", None)
    return getattr(code, "co_filename", None)


def _call(fn, args, kwargs, filename):
    """Call and catch everything (SystemExit and KeyboardInterrupt included)."""
    try:
        out = fn(*args, **kwargs)
        ok = True
    except BaseException as exc:  # noqa: BLE001
        ok, out = False, exc
    if _after_call is not None:
        _after_call()
    if not ok:
        return False, describe_exception(out, filename)
    return True, out


# ----------------------------------------------------------------------------- scenarios
def _run_update(name, fn, case: Case, filename):
    data = build(case)
    hyper = dict(case.spec["hyper"])
    parameters, v, s = data["parameters"], data["v"], data["s"]
    t = case.spec.get("t_start", 1)
    steps = []
    for i, grads in enumerate(data["grads"]):
        if name == "update_parameters_with_gd":
            args = (parameters, grads)
            kwargs = {"learning_rate": hyper["learning_rate"]}
        elif name in ("update_parameters_with_momentum", "update_parameters_with_nesterov"):
            args, kwargs = (parameters, grads, v), hyper
        elif name == "update_parameters_with_rmsprop":
            args, kwargs = (parameters, grads, s), hyper
        else:
            args, kwargs = (parameters, grads, v, s, t), hyper
        ok, out = _call(fn, args, kwargs, filename)
        step = {"call": i + 1}
        if name in WITH_T:
            step["t"] = t
        if not ok:
            step["exception"] = out
            if name != "update_parameters_with_gd":
                # What the call had already written into the state it was given: two mistakes
                # that stop at the same error may still differ there.
                step["state_after"] = {"v": describe(v), "s": describe(s)}
            steps.append(step)
            break
        step["returned"] = describe(out)
        steps.append(step)
        # Feed back what came back, as the training loop does.
        # (An older or reordered return shape is read by position and type, so the judge can
        # still follow the maths over several calls: (parameters, v, s) for Adam, (v,
        # parameters) for momentum and RMSprop.)
        try:
            if name == "update_parameters_with_gd":
                parameters = out
            elif name in ("update_parameters_with_momentum", "update_parameters_with_rmsprop",
                          "update_parameters_with_nesterov"):
                first, second = out
                if _looks_like_state(first) and _looks_like_parameters(second):
                    first, second = second, first
                if name != "update_parameters_with_rmsprop":
                    parameters, v = first, second
                else:
                    parameters, s = first, second
            elif _type(out) in (_tuple, _list) and len(out) == 3:
                parameters, v, s = out
            else:
                parameters, v, s, _vc, _sc = out
        except BaseException:  # noqa: BLE001 - wrong structure: the judge reports it
            break
        t += 1
    return {"steps": steps}


def _keys_of(obj):
    try:
        if _type(obj) is not _dict or not obj:
            return None
        return [k for k in obj.keys() if _isinstance(k, str)]
    except BaseException:  # noqa: BLE001
        return None


def _looks_like_state(obj) -> bool:
    keys = _keys_of(obj)
    return bool(keys) and all(k[:2] in ("dW", "db") for k in keys)


def _looks_like_parameters(obj) -> bool:
    keys = _keys_of(obj)
    return bool(keys) and all(k[:1] in ("W", "b") for k in keys)


def _run_init(name, fn, case: Case, filename):
    parameters = build(case)["parameters"]
    ok, out = _call(fn, (parameters,), {}, filename)
    if not ok:
        return {"exception": out}
    result = {"returned": describe(out)}
    facts = {}
    try:
        states = list(out) if name == "initialize_adam" and _isinstance(out, (tuple, list)) \
            else [out]
        if name == "initialize_adam" and len(states) == 2:
            v, s = states
            facts["v_is_s"] = v is s
            if _isinstance(v, dict) and _isinstance(s, dict):
                facts["shared_arrays"] = [str(k) for k in v if k in s and v[k] is s[k]
                                          or (k in s and _isinstance(v[k], _ndarray)
                                              and _isinstance(s[k], _ndarray)
                                              and _shares_memory(v[k], s[k]))]
        aliases = []
        for state in states:
            if _isinstance(state, dict):
                for k, arr in state.items():
                    for pk, p in parameters.items():
                        if _isinstance(arr, _ndarray) and _shares_memory(arr, p):
                            aliases.append([str(k), pk])
        facts["aliases_parameters"] = aliases
    except BaseException:  # noqa: BLE001
        pass
    result["facts"] = facts
    return result


def _run_minibatches(fn, case: Case, filename):
    spec = case.spec
    calls = []
    for seed in spec["seeds"]:
        data = build(case)
        if spec.get("default_size"):
            args, kwargs = (data["X"], data["Y"]), {"seed": seed}
        else:
            args, kwargs = (data["X"], data["Y"], spec["mini_batch_size"], seed), {}
        ok, out = _call(fn, args, kwargs, filename)
        if not ok:
            calls.append({"seed": seed, "exception": out})
            return {"calls": calls}
        fresh = build(case)
        calls.append({"seed": seed, "returned": describe(out),
                      "inputs_changed": not (_array_equal(data["X"], fresh["X"])
                                             and _array_equal(data["Y"], fresh["Y"]))})
    # Same seed again, after someone else used the global random generator.
    np.random.seed(12345)
    np.random.rand(7)
    data = build(case)
    seed = spec["seeds"][0]
    if spec.get("default_size"):
        args, kwargs = (data["X"], data["Y"]), {"seed": seed}
    else:
        args, kwargs = (data["X"], data["Y"], spec["mini_batch_size"], seed), {}
    ok, out = _call(fn, args, kwargs, filename)
    repeat = {"seed": seed, "exception": out} if not ok else {"seed": seed,
                                                                "returned": describe(out)}
    return {"calls": calls, "repeat": repeat}


def _run_scalar(name, fn, case: Case, filename):
    spec = case.spec
    calls = []
    for epoch in spec["epochs"]:
        kwargs = {}
        if name == "warmup_cosine_lr":
            args = (spec["learning_rate0"], epoch, spec["warmup_steps"], spec["total_steps"])
            if spec["min_learning_rate"] is not None:
                kwargs = {"min_learning_rate": spec["min_learning_rate"]}
        else:
            args = (spec["learning_rate0"], epoch, spec["decay_rate"])
        if name == "schedule_lr_decay" and spec["time_interval"] is not None:
            kwargs = {"time_interval": spec["time_interval"]}
        ok, out = _call(fn, args, kwargs, filename)
        if not ok:
            calls.append({"epoch": epoch, "exception": out})
            break
        calls.append({"epoch": epoch, "returned": describe(out)})
    return {"calls": calls}


def run_case(name: str, fn, case: Case) -> dict:
    """Run ``fn`` (the learner's ``name``) on ``case``; plain data only, never raises."""
    filename = _code_filename(fn)
    kind = KINDS[name]
    old_limit = sys.getrecursionlimit()
    try:
        if kind == "update":
            return _run_update(name, fn, case, filename)
        if kind == "init":
            return _run_init(name, fn, case, filename)
        if kind == "minibatches":
            # The check reseeds np.random; give the notebook its random state back afterwards.
            state = _get_state()
            try:
                return _run_minibatches(fn, case, filename)
            finally:
                _set_state(state)
        return _run_scalar(name, fn, case, filename)
    except BaseException as exc:  # noqa: BLE001 - never let the learner's code escape
        return {"exception": describe_exception(exc, filename)}
    finally:
        try:
            sys.setrecursionlimit(old_limit)
        except BaseException:  # noqa: BLE001
            pass
