"""What the learner reads: the :class:`Feedback` of one failed case, and its wording.

Shared by every judge (:mod:`.judge` for the update rules, initializers and schedules,
:mod:`.minibatches` for ``random_mini_batches``): the feedback's layout (tried, expected, got,
what it usually means, a hint), the short descriptions of plain values, and the explanation of
an exception the learner's code raised, in terms of the layers and keys the learner wrote.
Plain data in, text out; no numpy object of the learner's is ever seen here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from autograder.checks.cases import KINDS, Case, describe
from autograder.checks.i18n import _
from autograder.checks.vocabulary import PREFIX


@dataclass
class Feedback:
    """Why one case failed, in the learner's terms."""

    case: Case
    what: str                       # one-line statement of the problem
    expected: str = ""
    got: str = ""
    meaning: str = ""
    hint: str = ""
    mistake: str | None = None      # id of the named mistake, if recognised
    not_attempted: bool = False

    def text(self, name: str, position: str = "") -> str:
        if self.not_attempted:
            return _("{name}: not attempted yet. The function still raises "
                     "NotImplementedError: replace the 'raise NotImplementedError()' line with "
                     "your code, run its cell, then run the check again.").format(name=name)
        what = _(self.what)
        head = f"{name}: {what}" if not position else f"{name}: {what} ({position})"
        lines = [head, _("  Tried:    {label}.").format(label=describe(self.case))]
        if self.expected:
            lines.append(_("  Expected: {expected}").format(expected=self.expected))
        if self.got:
            lines.append(_("  Got:      {got}").format(got=self.got))
        if self.meaning:
            lines.append(_("  What this usually means: {meaning}").format(
                meaning=_(self.meaning)))
        if self.hint:
            lines.append(_("  Hint: {hint}").format(hint=_(self.hint)))
        return "\n".join(lines)


# ----------------------------------------------------------------------------- formatting
def fmt_number(x) -> str:
    if x is None:
        return "None"
    if isinstance(x, float):
        if math.isnan(x) or math.isinf(x):
            return str(x)
        return f"{x:.8g}"
    return str(x)


def fmt_index(idx) -> str:
    return "[" + ", ".join(str(i) for i in idx) + "]" if idx else ""


def show(desc) -> str:
    """A short human description of a plain value description."""
    if not isinstance(desc, dict):
        return repr(desc)
    t = desc.get("type")
    if "values" in desc and desc.get("shape") == []:
        return f"{fmt_number(desc['values'])} ({t})"
    if "shape" in desc:
        return _("{type} of shape {shape}").format(type=t, shape=tuple(desc["shape"]))
    if "value" in desc:
        return f"{fmt_number(desc['value'])} ({t})"
    if desc.get("dict"):
        keys = desc.get("keys", [])
        return (_("a {type} with keys {keys}").format(type=t, keys=", ".join(map(str, keys)))
                if keys else _("a {type} with keys (none)").format(type=t))
    if desc.get("sequence"):
        n = desc.get("length")
        return (_("a {type} of 1 item") if n == 1 else _("a {type} of {n} items")).format(
            type=t, n=n)
    if t == "NoneType":   # starts with "None" in every language (judge.py relies on it)
        return _("None (nothing was returned: is there a return statement?)")
    return _("an object of type {type} ({repr})").format(type=t, repr=desc.get("repr", ""))


def shape_text(shape):
    return str(tuple(shape))


KEY_RE = re.compile(r"^(d?)([Wb])(\d+)$")


def explain_exception(name: str, case: Case, exc: dict, when: str = "") -> Feedback:
    etype, message = exc.get("type", "Exception"), exc.get("message", "")
    lines = exc.get("learner_lines") or []
    where = ""
    if lines:
        last = lines[-1]
        where = (_(" at line {lineno} of your cell: `{line}`") if last.get("line") else
                 _(" at line {lineno} of your cell")).format(lineno=last["lineno"],
                                                             line=last.get("line"))
    got = f"{etype}: {message}{where}".strip()
    if when:
        got = _("on {when}, {error}").format(when=when, error=got)
    L = len(case.spec.get("layer_dims", [])) - 1 if "layer_dims" in case.spec else None
    fb = Feedback(case, _("your function raised {error}").format(error=etype), got=got)
    if exc.get("not_implemented"):
        fb.not_attempted = True
        return fb
    if etype == "KeyError" and isinstance(exc.get("key"), str):
        key = exc["key"]
        m = KEY_RE.match(key)
        if m and L is not None:
            d, p, n = m.group(1), m.group(2), int(m.group(3))
            if n == 0:
                fb.what = _("your code looks up {key}, a layer 0 that does not exist").format(
                    key=repr(key))
                fb.meaning = _("Layers are numbered from 1: a loop over range(L) starts at 0. "
                               "With {L} layers the keys are {first} ... {last}.").format(
                                   L=L, first=f"{d}{p}1", last=f"{d}{p}{L}")
                fb.hint = _("Make the loop variable run over 1, 2, ..., L.")
            elif n == L + 1:
                fb.what = _("your layer index is off by one (KeyError {key} with {L} "
                            "layers)").format(key=repr(key), L=L)
                fb.mistake = f"{PREFIX[name]}/loop-one-layer-too-far"
                fb.meaning = _("There are {L} layers, so the keys stop at {last}. Either l runs "
                               "over 1..L but you index l + 1, or L counts the entries of the "
                               "dictionary (W and b per layer) instead of the layers.").format(
                                   L=L, last=f"{d}{p}{L}")
                fb.hint = _("Use the loop variable itself as the layer number, and L = "
                            "len(parameters) // 2.")
            elif n > L + 1:
                fb.what = _("your code looks up {key}, but there are only {L} layers").format(
                    key=repr(key), L=L)
                fb.meaning = _("L is probably the number of entries of the dictionary (two per "
                               "layer) instead of the number of layers.")
                fb.hint = _("Each layer has a W and a b: L = len(parameters) // 2.")
            elif d == "" and KINDS[name] == "update":
                fb.what = _("your code looks up {key} in a dictionary that uses 'd' "
                            "keys").format(key=repr(key))
                fb.meaning = _("Gradients and optimizer state are keyed '{state}'; only the "
                               "parameters are keyed '{param}'.").format(
                                   state=f"d{p}{n}", param=f"{p}{n}")
                fb.hint = _("Look up parameters[f'W{l}'] but grads/v/s[f'dW{l}'].")
            elif d == "d":
                fb.what = _("your code looks up {key} in the parameters").format(key=repr(key))
                fb.meaning = _("The parameters are keyed '{param}'; the 'd' names belong to the "
                               "gradients and the optimizer state.").format(param=f"{p}{n}")
                fb.hint = _("Check which dictionary each lookup goes to.")
            else:
                fb.what = _("your code looks up {key}, which is missing").format(key=repr(key))
                fb.meaning = _("The dictionary you index does not have that key.")
                fb.hint = _("Print the dictionary's keys to compare.")
        elif m is None and re.match(r"^d?[Wb]$", key):
            fb.what = _("your code looks up {key} without a layer number").format(key=repr(key))
            fb.meaning = _("Keys carry the layer number: W1, b1, dW1, ...")
            fb.hint = _("Build the key from the letter and the loop variable, e.g. f'W{l}'.")
        else:
            fb.what = _("your code looks up the key {key}, which does not exist").format(
                key=repr(key))
            fb.meaning = _("Keys are 'W1', 'b1', ... for parameters and 'dW1', 'db1', ... for "
                           "gradients and state.")
            fb.hint = _("Build each key from the layer number, e.g. f'dW{l}'.")
        return fb
    if etype == "SystemExit":
        fb.what = _("your function called exit()")
        fb.meaning = _("exit(), quit() or sys.exit() stops Python instead of returning a value.")
        fb.hint = _("Use return to hand back the result.")
        return fb
    if etype == "MemoryError":
        fb.what = _("your function ran out of memory")
        fb.meaning = _("It tried to create an array far larger than this input needs (the "
                       "state arrays have exactly the shapes of the parameters).")
        fb.hint = _("Print the shapes of the arrays you create.")
        return fb
    if etype == "KeyboardInterrupt":
        fb.what = _("your function was interrupted")
        fb.meaning = _("The run was stopped before the function returned (interrupt, or a loop "
                       "that never ends).")
        fb.hint = _("Check that every loop ends, then run the check again.")
        return fb
    if etype == "TypeError" and "can only concatenate str" in message:
        fb.what = _("a key was built by adding a number to a string")
        fb.meaning = _("'W' + l fails when l is an int: Python does not turn numbers into text "
                       "on its own.")
        fb.hint = _("Build keys with 'W' + str(l) or an f-string: f'W{l}'.")
        return fb
    if etype == "TypeError" and "cannot be interpreted as an integer" in message:
        fb.what = _("range() was given a float")
        fb.meaning = _("m / mini_batch_size (or math.floor of a numpy value) is a float, and "
                       "range() and slices need integers.")
        fb.hint = _("Use integer division (//) or int(...) for counts and slice bounds.")
        return fb
    if etype == "TypeError" and "unsupported operand" in message and "dict" in message:
        fb.what = _("arithmetic on a whole dictionary")
        fb.meaning = _("{message}: numbers and arrays can be multiplied or added, dictionaries "
                       "cannot. The update is done entry by entry.").format(message=message)
        fb.hint = _("Loop over the layers (or keys) and update v[key], parameters[key], ...")
        return fb
    if etype == "IndexError" and "too many indices" in message:
        fb.what = _("an array was indexed with more dimensions than it has")
        fb.meaning = _("{message}. X and Y are 2-D (features or labels by examples); a 1-D "
                       "array (after a reshape, or a slice like Y[0]) takes a single "
                       "index.").format(message=message)
        fb.hint = _("Print the .shape of the arrays you index.")
        return fb
    if etype == "NameError":
        fb.what = _("your function uses a name it does not define")
        fb.meaning = _("{message}. A graded function can only use its arguments, np, and what "
                       "it defines itself (a variable from another cell is not there when it "
                       "is graded).").format(message=message)
        fb.hint = _("Define every name you use inside the function (from its arguments).")
        return fb
    if etype in ("ValueError", "TypeError") and "broadcast" in message:
        fb.what = _("two arrays of incompatible shapes were combined")
        fb.meaning = _("{message}: an operation combined arrays whose shapes do not fit. "
                       "Every state entry and every step has exactly the shape of its "
                       "parameter.").format(message=message)
        fb.hint = _("Print the shapes of the arrays combined on that line.")
        return fb
    if etype == "TypeError" and ("unexpected keyword" in message or "positional argument" in
                                 message):
        fb.what = _("the function's signature differs from the one given")
        fb.meaning = _("{message}. The checks (and the training loop) call it with the names "
                       "and defaults of the original def line.").format(message=message)
        fb.hint = _("Restore the def line as it was given.")
        return fb
    if etype in ("TypeError", "AttributeError") and ("tuple" in message or "NoneType" in message
                                                     or "unpack" in message):
        fb.what = _("your function raised {error}").format(error=etype)
        fb.meaning = _("Something has a different structure than expected: a function returns "
                       "a tuple, a dictionary, or None (no return statement) where another "
                       "kind of value is used.")
        fb.hint = _("Check what each function returns and how the values are unpacked.")
        return fb
    if etype in ("RecursionError",):
        fb.meaning = _("The function calls itself without end.")
        fb.hint = _("Do not call the function from inside itself.")
        return fb
    if etype == "ZeroDivisionError":
        fb.meaning = _("A denominator is zero on this input.")
        fb.hint = _("Check the formula's denominator; the input is given above.")
        return fb
    fb.meaning = _("Read the error and the line it points to; the input that triggered it is "
                   "above.")
    fb.hint = _("Try your function on this input in a new cell to see what happens.")
    return fb


__all__ = ["Feedback", "KEY_RE", "explain_exception", "fmt_number", "fmt_index", "shape_text",
           "show"]
