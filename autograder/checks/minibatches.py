"""The judge of ``random_mini_batches``: properties, not one fixed shuffle.

Any shuffle is accepted if it is reproducible for a given seed. What is checked, in this order
(the first failure is reported): the result is a list of ``(mini_batch_X, mini_batch_Y)`` pairs
of numpy arrays with examples as columns; the batch sizes are those of the master's solution
(full batches then one smaller last batch); together the batches hold every column of X exactly
once (a true partition); Y went through the same permutation as X; the order is shuffled; the
same seed gives the same batches (also after other code used ``np.random``); X and Y are left
unchanged. Column ``j`` of the test X holds ``j + 0.001 * (row + 1)`` so each column is
recognisable, and ``Y[0, j] = j`` in most cases so a misaligned Y shows.
"""

from __future__ import annotations

import numpy as np

from autograder.checks.cases import Case, build
from autograder.checks.feedback import Feedback, explain_exception, show
from autograder.checks.i18n import _


def _fb(case, what, expected="", got="", meaning="", hint="", mistake=None):
    return Feedback(case, what, expected=expected, got=got, meaning=meaning, hint=hint,
                    mistake=mistake)


def _batches(desc):
    """(list of (X values, Y values) as arrays) or an error text."""
    if not desc.get("sequence"):
        return None, _("{value}, not a list of (mini_batch_X, mini_batch_Y) pairs").format(
            value=show(desc))
    out = []
    for i, item in enumerate(desc["items"]):
        if not item.get("sequence") or item.get("length") != 2:
            return None, _("item {i} is not a pair (mini_batch_X, mini_batch_Y)").format(i=i)
        pair = []
        for j, part in enumerate(item["items"]):
            label = "mini_batch_X" if j == 0 else "mini_batch_Y"
            if not part.get("array") or "values" not in part:
                return None, _("the {label} of batch {i} is a {type}, not a numpy "
                               "array").format(label=label, i=i, type=part.get("type"))
            pair.append(np.asarray(part["values"], dtype=float).reshape(part["shape"]))
        out.append(tuple(pair))
    if desc.get("length", 0) > len(desc["items"]):
        return None, _("{n} batches (far too many)").format(n=desc["length"])
    return out, None


def _columns(X, batches_x):
    """Original column index of every column in the batches (-1 if not a column of X)."""
    index = {}
    for j in range(X.shape[1]):
        index[tuple(np.round(X[:, j], 6))] = j
    cols = []
    for bx in batches_x:
        for k in range(bx.shape[1]):
            cols.append(index.get(tuple(np.round(bx[:, k], 6)), -1))
    return cols


def judge_minibatches(case: Case, expected: dict, got: dict):
    spec = case.spec
    size, m, n_x = spec["mini_batch_size"], spec["m"], spec["n_x"]
    data = build(case)
    X, Y = data["X"], data["Y"]
    if "exception" in got:
        return _small_m(case, explain_exception("random_mini_batches", case, got["exception"]))
    exp_sizes = []
    ref, _err = _batches(expected["calls"][0]["returned"])
    exp_sizes = [bx.shape[1] for bx, _y in ref]
    perms = []
    for call in got["calls"]:
        seed = call["seed"]
        if "exception" in call:
            return _small_m(case, explain_exception("random_mini_batches", case,
                                                    call["exception"], when=f"seed={seed}"))
        batches, err = _batches(call["returned"])
        if err:
            return _fb(case, _("wrong structure"),
                       expected=_("a list of (mini_batch_X, mini_batch_Y) tuples"), got=err,
                       meaning=_("The function should return a list whose items are pairs of "
                                 "numpy arrays."),
                       hint=_("Append one (mini_batch_X, mini_batch_Y) tuple per batch."))
        for i, (bx, by) in enumerate(batches):
            if bx.ndim != 2 or bx.shape[0] != n_x:
                transposed = bx.ndim == 2 and bx.shape[1] == n_x and bx.shape[0] != n_x
                return _fb(case, _("examples are not columns") if transposed
                           else _("wrong shape"),
                           expected=_("mini_batch_X of batch {i} with shape ({n_x}, k)").format(
                               i=i, n_x=n_x),
                           got=_("shape {shape}").format(shape=tuple(bx.shape)),
                           meaning=_("Each example is a column of X, so a batch keeps all "
                                     "{n_x} rows and takes some columns.").format(n_x=n_x),
                           hint=_("Slice columns: X[:, start:end]."),
                           mistake="minibatches/examples-as-rows" if transposed else None)
            if by.ndim != 2 or by.shape[0] != 1 or by.shape[1] != bx.shape[1]:
                return _fb(case, _("mini_batch_Y has the wrong shape"),
                           mistake="minibatches/y-shape-lost" if by.size == bx.shape[1]
                           else None,
                           expected=_("mini_batch_Y of batch {i} with shape (1, {k})").format(
                               i=i, k=bx.shape[1]),
                           got=_("shape {shape}").format(shape=tuple(by.shape)),
                           meaning=_("Y is (1, m): each batch of Y keeps its single row and "
                                     "the same columns as the batch of X."),
                           hint=_("Slice Y exactly like X: Y[:, start:end]."))
        sizes = [bx.shape[1] for bx, _y in batches]
        if sizes != exp_sizes:
            total = sum(sizes)
            full = m // size
            if sizes == exp_sizes[:-1] and m % size:
                in_order = _columns(X, [bx for bx, _y in batches]) == list(range(sum(sizes)))
                return _fb(case, _("the last, smaller mini-batch is missing"),
                           mistake=("minibatches/not-shuffled+minibatches/last-batch-dropped"
                                    if in_order and m > 2 else
                                    "minibatches/last-batch-dropped"),
                           expected=_batch_sizes(exp_sizes),
                           got=_("{n} batches of sizes {sizes} ({left} examples left "
                                 "out)").format(n=len(sizes), sizes=_sizes(sizes),
                                                left=m - total),
                           meaning=_("{m} examples do not split evenly into batches of {size}: "
                                     "after {full} full batches, {rest} examples remain, and "
                                     "they form one last, smaller batch.").format(
                                         m=m, size=size, full=full, rest=m % size),
                           hint=_("After the loop over complete batches, add the remaining "
                                  "columns when m is not a multiple of mini_batch_size."))
            if sizes == exp_sizes + [0]:
                return _fb(case, _("your last mini-batch is empty"),
                           mistake="minibatches/empty-last-batch",
                           expected=_batch_sizes(exp_sizes),
                           got=_("{n} batches, the last one with no examples").format(
                               n=len(sizes)),
                           meaning=_("{m} is a multiple of {size}, so there is no smaller "
                                     "batch at the end; an extra loop step produced an empty "
                                     "one.").format(m=m, size=size),
                           hint=_("Add the last, smaller batch only when m % mini_batch_size "
                                  "is not zero."))
            if len(sizes) == len(exp_sizes) and sizes[:-1] == exp_sizes[:-1] and m % size:
                return _fb(case, _("the last, smaller mini-batch holds the wrong columns"),
                           mistake="minibatches/last-batch-wrong-slice",
                           expected=_("a last batch of {n} examples (columns {first} to {last} "
                                      "of the shuffled data)").format(
                                          n=exp_sizes[-1], first=m - exp_sizes[-1], last=m - 1),
                           got=_("a last batch of {n} examples; the full batches are "
                                 "right").format(n=sizes[-1]),
                           meaning=_("The last batch starts where the last full batch ended "
                                     "(num_complete * mini_batch_size) and runs to m."),
                           hint=_("Check the start of the last slice."))
            if total > m:
                meaning = _("Your batches hold more columns than X has: the last batch "
                            "probably repeats examples, or the slices overlap.")
            elif total < m:
                meaning = _("Some examples are in no batch.")
            else:
                meaning = _("Every batch but the last should hold exactly mini_batch_size "
                            "examples.")
            if spec.get("default_size"):
                meaning += _(" (This call left mini_batch_size at its default: check the "
                             "default in your def line is 64.)")
            full_sizes = sizes[:-1] if m % size else sizes
            off_by_one = bool(full_sizes) and len(set(full_sizes)) == 1 and \
                abs(full_sizes[0] - size) == 1
            if m < size and (not sizes or 0 in sizes):
                return _fb(case, _("your function fails when m < mini_batch_size"),
                           mistake="minibatches/fails-when-m-smaller-than-batch",
                           expected=_("one batch holding all {m} examples").format(m=m),
                           got=_batch_sizes(sizes),
                           meaning=_("Here m = {m} is smaller than mini_batch_size = {size}: "
                                     "there is no full batch, and the one batch holds all m "
                                     "examples.").format(m=m, size=size),
                           hint=_("Make sure the last-batch code does not depend on the loop "
                                  "over full batches having run."))
            return _fb(case, _("wrong batch sizes"), expected=_batch_sizes(exp_sizes),
                       got=_batch_sizes(sizes), meaning=meaning,
                       hint=_("Batch k holds columns k*mini_batch_size up to "
                              "(k+1)*mini_batch_size of the shuffled data; only the last may "
                              "be smaller."),
                       mistake="minibatches/wrong-batch-size" if off_by_one else None)
        cols = _columns(X, [bx for bx, _y in batches])
        if -1 in cols and _rows_permuted(X, [bx for bx, _y in batches]):
            return _fb(case, _("the rows (features) are shuffled instead of the columns"),
                       mistake="minibatches/features-shuffled",
                       expected=_("whole columns of X, in a shuffled order"),
                       got=_("columns whose entries are those of a column of X in another "
                             "order"),
                       meaning=_("Each example is a column of X; shuffling rows mixes the "
                                 "features of every example instead of reordering examples."),
                       hint=_("Index the columns with the permutation: X[:, permutation]."))
        if -1 in cols or sorted(cols) != list(range(m)):
            dup = len(cols) - len(set(cols))
            return _fb(case, _("the batches are not a shuffle of the columns of X"),
                       expected=_("every column of X exactly once across the batches"),
                       got=(_("{n} column(s) repeated").format(n=dup) if dup else
                            _("columns that are not columns of X (values were changed or rows "
                              "were shuffled)")),
                       meaning=_where_columns_go_wrong([bx for bx, _y in batches], cols, m),
                       hint=_("Batch k holds columns k * mini_batch_size up to (k + 1) * "
                              "mini_batch_size of the shuffled X, and the last batch the "
                              "rest."),
                       mistake=None)
        ys = np.concatenate([by for _x, by in batches], axis=1)
        expected_y = Y[:, cols]
        if not np.allclose(ys, expected_y):
            same_set = sorted(ys[0].tolist()) == sorted(Y[0].tolist())
            return _fb(case, _("X and Y were shuffled differently") if same_set
                       else _("the labels do not match"),
                       mistake="minibatches/x-y-shuffled-differently" if same_set
                       else None,
                       expected=_("each column of mini_batch_Y to be the label of the same "
                                  "column of mini_batch_X"),
                       got=_("labels that belong to other examples"),
                       meaning=(_("X and Y went through two different permutations (e.g. two "
                                  "calls to np.random.permutation), so each example lost its "
                                  "label.") if same_set else
                                _("mini_batch_Y holds values that are not the labels of X's "
                                  "columns.")),
                       hint=_("Draw the permutation once and use it for both X and Y."))
        perms.append(cols)
        if call.get("inputs_changed"):
            return _fb(case, _("your function changed X or Y"),
                       mistake="minibatches/shuffles-in-place",
                       got=_("X or Y was modified in place by the call"),
                       meaning=_("np.random.shuffle shuffles an array in place, so the caller's "
                                 "data changes."),
                       hint=_("Index with a permutation (X[:, permutation]), which makes a "
                              "copy."))
    if all(p == list(range(m)) for p in perms) and m > 2:
        return _fb(case, _("the examples are not shuffled"), mistake="minibatches/not-shuffled",
                   expected=_("the columns in a random order"),
                   got=_("the columns in their original order"),
                   meaning=_("Without shuffling, every epoch sees the same batches in the same "
                             "order."), hint=_("Permute the columns before slicing."))
    # (Only with enough examples that two seeds giving the same shuffle is no coincidence.)
    if len(perms) > 1 and perms[0] == perms[1] and m >= 10:
        s0, s1 = spec["seeds"][0], spec["seeds"][1]
        return _fb(case, _("the seed argument is ignored"), mistake="minibatches/seed-ignored",
                   expected=_("different shuffles for seed={s0} and seed={s1}").format(
                       s0=s0, s1=s1),
                   got=_("the same shuffle for both seeds"),
                   meaning=_("The shuffle is fixed (for example np.random.seed(0) written "
                             "inside the function) instead of following the seed argument."),
                   hint=_("Seed the random generator with the seed parameter."))
    repeat = got.get("repeat", {})
    if "exception" in repeat:
        return explain_exception("random_mini_batches", case, repeat["exception"])
    again, err = _batches(repeat.get("returned", {}))
    if err or _columns(X, [bx for bx, _y in again]) != perms[0]:
        return _fb(case, _("the shuffle is not reproducible"),
                   mistake="minibatches/seed-ignored",
                   expected=_("the same batches for the same seed ({seed})").format(
                       seed=repeat.get("seed")),
                   got=_("different batches for the same seed after other code had used "
                         "np.random"),
                   meaning=_("The shuffle does not depend only on the seed argument: the seed "
                             "is not set, or set outside the function."),
                   hint=_("Seed the generator inside the function, from its seed argument."))
    return None


def _rows_permuted(X, batches_x) -> bool:
    """Every batch column holds the entries of a column of X, in another row order."""
    if X.shape[0] < 2:
        return False
    known = {tuple(np.round(np.sort(X[:, j]), 6)) for j in range(X.shape[1])}
    return all(tuple(np.round(np.sort(bx[:, k]), 6)) in known
               for bx in batches_x for k in range(bx.shape[1]))


def _where_columns_go_wrong(batches_x, cols, m) -> str:
    """Which batches repeat columns of earlier ones, or hold columns that are not X's."""
    seen, notes, start = set(), [], 0
    for i, bx in enumerate(batches_x):
        mine = cols[start:start + bx.shape[1]]
        start += bx.shape[1]
        last = _(" (the last)") if i == len(batches_x) - 1 and len(batches_x) > 1 else ""
        if -1 in mine:
            notes.append(_("batch {i}{last} holds columns that are not columns of X").format(
                i=i, last=last))
        elif any(c in seen for c in mine):
            notes.append(_("batch {i}{last} repeats {n} column(s) of earlier batches").format(
                i=i, last=last, n=sum(c in seen for c in mine)))
        seen.update(mine)
    missing = m - len({c for c in cols if c >= 0})
    if missing:
        notes.append(_("{n} column(s) of X are in no batch").format(n=missing))
    if not notes:
        return _("Together the batches must hold every example exactly once.")
    return _("{notes}. Together the batches must hold every example exactly once.").format(
        notes="; ".join(notes))


def _small_m(case, fb):
    """A crash on an input with fewer examples than one batch is that edge case's mistake."""
    if case.spec["m"] < case.spec["mini_batch_size"]:
        fb.what = _("your function fails when m < mini_batch_size (m = {m}, mini_batch_size = "
                    "{size}): {what}").format(m=case.spec["m"],
                                              size=case.spec["mini_batch_size"],
                                              what=_(fb.what))
        fb.mistake = "minibatches/fails-when-m-smaller-than-batch"
        fb.meaning = _("With fewer examples than one batch there is no full batch: a variable "
                       "set only inside the loop over full batches (such as its loop variable) "
                       "is then undefined. {meaning}").format(meaning=_(fb.meaning))
        fb.hint = _("The answer is then one batch holding all m examples; make the last-batch "
                    "code work without the loop having run.")
    return fb


def _batch_sizes(sizes) -> str:
    return _("{n} batches of sizes {sizes}").format(n=len(sizes), sizes=_sizes(sizes))


def _sizes(sizes) -> str:
    if len(sizes) > 6:
        return ", ".join(map(str, sizes[:3])) + ", ..., " + ", ".join(map(str, sizes[-2:]))
    return ", ".join(map(str, sizes))
