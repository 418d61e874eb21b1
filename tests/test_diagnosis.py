"""The diagnosis engine: every member of every mistake family is named by its own id.

Each family member (a wrong rule written as data in ``autograder.publish.families``) is fed as a
function through the two paths a learner meets: the test cell's ``autograder.checks.check``
(visible cases, judged against the precomputed data), and the local check's ``judge_records``
with references and family records computed from the masters (visible and hidden cases). Also:
the masters' solutions and unusual correct styles pass with no id; the data files equal a fresh
computation; the checks run with the trusted side made unimportable.
"""

from __future__ import annotations

import importlib.util
import json
import linecache
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from autograder.checks import (
    FUNCTIONS,
    CheckFailed,
    check,
    data,
    diagnosis,
    judge_records,
    probe,
    vocabulary,
)
from autograder.checks.data import EXPECTED_DIR
from autograder.publish import families
from autograder.publish.expected import _shared, dumps, expected_document, judging_data
from autograder.publish.hidden_cases import all_cases
from autograder.publish.masters import reference_function

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

REPO = Path(__file__).resolve().parent.parent
MEMBERS = [(name, m) for name in FUNCTIONS for m in families.members(name, with_pairs=True)]



def twins(name, member, cases):
    """Ids of other mistakes whose records equal this member's on every case (for example two
    in-place shape mistakes, ``W -= x``, that stop at the same ValueError with the same shapes):
    the engine must then list them and name none."""
    _, family = judging_data(name, cases)
    own = [family.record(member.key, c.id) for c in cases]
    out = set()
    for key, mid in family.members:
        if mid != member.id and "+" not in mid and "+" not in member.id and all(
                diagnosis.records_equal(name, family.record(key, c.id), r, strict=True)
                for c, r in zip(cases, own, strict=True)):
            out.add(mid)
    return out


def _load(path: Path, attr: str):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, attr)


CORRECT = _load(REPO / "tests" / "fixtures" / "checks" / "correct_answers.py", "CORRECT")


def define(name, source):
    namespace = {"np": np}
    filename = f"<learner {name} {abs(hash(source))}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]


def notebook_path(name, fn):
    """What the test cells report: visible, then hidden (a master's hidden test cell)."""
    try:
        check(name, fn)
        check(name, fn, hidden=True)
    except CheckFailed as failure:
        return failure.feedback
    return None


def local_path(name, fn):
    """What ``python -m autograder check`` judges: every case, data from the masters."""
    cases = all_cases(name)
    reference, family = judging_data(name, cases)
    with np.errstate(all="ignore"):
        records = {c.id: probe.run_case(name, fn, c) for c in cases}
    passed, feedback = judge_records(name, cases, records, reference, family)
    return None if passed else feedback


@pytest.mark.parametrize("name,member", MEMBERS, ids=[m.key for _, m in MEMBERS])
def test_every_family_member_is_named(name, member):
    fn = families.member_function(name, member)
    for path in (notebook_path, local_path):
        feedback = path(name, fn)
        assert feedback is not None, f"{member.key} passed ({path.__name__})"
        cases = [c for c in all_cases(name) if path is local_path or not c.hidden]
        if "~" in member.key and twins(name, member, cases):
            assert feedback.mistake is None, feedback.text(name)
            assert member.id in feedback.text(name) and "none is named" in feedback.text(name)
            continue
        assert feedback.mistake == member.id, f"{path.__name__}: {feedback.text(name)}"
        title = vocabulary.text(member.id)[0]
        assert feedback.text(name).startswith(f"{name}: {title}"), feedback.text(name)


def test_families_use_the_shared_vocabulary_and_combined_ids_are_ordered():
    for name, member in MEMBERS:
        assert vocabulary.known(member.id), member.id
        assert member.id.startswith(vocabulary.PREFIX[name] + "/")
        parts = member.id.split("+")
        assert len(parts) <= 2
        if len(parts) == 2:
            assert vocabulary.order(parts[0]) < vocabulary.order(parts[1]), member.id


def test_the_course_rule_is_not_a_member():
    with pytest.raises(AssertionError):
        families.member_function("update_parameters_with_adam", families.Member("x", "x", {}))


@pytest.mark.parametrize("name", FUNCTIONS)
def test_master_solutions_pass_both_paths(name):
    fn = reference_function(name)
    assert notebook_path(name, fn) is None
    assert local_path(name, fn) is None


@pytest.mark.parametrize("name,label,source", CORRECT, ids=[f"{n}:{lbl}" for n, lbl, _ in CORRECT])
def test_unusual_correct_styles_pass_with_no_mistake(name, label, source):
    fn = define(name, source)
    assert notebook_path(name, fn) is None
    assert local_path(name, fn) is None


@pytest.mark.parametrize("name", FUNCTIONS)
def test_precomputed_data_equal_a_fresh_computation(name):
    path = EXPECTED_DIR / f"{name}.json"
    assert path.read_text(encoding="utf-8") == dumps(_shared(expected_document(name))), \
        f"{path.name} differs from what `python -m autograder release` writes: run it"


def test_precomputed_data_hold_no_hidden_case_and_stay_small():
    total = 0
    for name in FUNCTIONS:
        path = EXPECTED_DIR / f"{name}.json"
        total += path.stat().st_size
        header = json.loads(path.read_text(encoding="utf-8"))[0]   # one JSON array
        hidden = {c.id for c in all_cases(name, hidden=True)}
        assert not hidden & set(header["cases"])
        assert not hidden & {case for _key, case in header["records"]}
        assert "learner_lines" not in path.read_text(encoding="utf-8")   # no mutant source
    # 2.99 MB with notebook 08 (adamw 0.81 MB, nesterov 0.19 MB; format 2, one line per
    # record, measured 2026-12-03; 2.97 MB in format 1)
    assert total < 3_200_000, total


@pytest.mark.parametrize("name", ["update_parameters_with_adam", "random_mini_batches",
                                  "update_lr", "initialize_adam"])
def test_data_files_read_back_every_record_written(name):
    """What the checks read record by record (``data.Expected``) is what the release wrote:
    the reference's and every member's record on every visible case, shared arrays expanded."""
    document = expected_document(name)
    back = data.Expected(name, dumps(_shared(document)))

    def text(record):   # NaN != NaN: compared as canonical JSON
        return json.dumps(record, sort_keys=True)
    assert back.cases == document["cases"] and back.members == document["members"]
    for case in document["cases"]:
        assert text(back.record(None, case)) == text(document["reference"][case])
        for key, records in document["member_records"].items():
            assert text(back.record(key, case)) == text(records[case]), (key, case)
    assert back.record("no-such-member", document["cases"][0]) is None


def test_data_records_are_parsed_only_when_asked_for():
    """A damaged record line spoils only that record (the check of a passing function never
    reads one), and it is reported as unreadable data, not as a crash."""
    name = "update_lr"
    lines = dumps(_shared(expected_document(name))).split("\n")
    broken = data.Expected(name, "\n".join(lines[:3] + ["{not json},"] + lines[4:]))
    header = json.loads(lines[0][1:-1])
    key, case = header["records"][2]          # line 3 (0-based) is the third record
    assert broken.record(*header["records"][0]) is not None
    with pytest.raises(data.ExpectedDataMissing):
        broken.record(key, case)
    with pytest.raises(data.ExpectedDataMissing):
        data.Expected(name, '{"format": 1}')


# ----------------------------------------------------------------------------- learner code
ADAM_THREE_VALUES_EPS_INSIDE = '''
def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9,
                                beta2=0.999, epsilon=1e-8):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        for p in ("W", "b"):
            k = "d" + p + str(l)
            v[k] = beta1 * v[k] + (1 - beta1) * grads[k]
            s[k] = beta2 * s[k] + (1 - beta2) * grads[k] ** 2
            vc = v[k] / (1 - beta1 ** t)
            sc = s[k] / (1 - beta2 ** t)
            parameters[p + str(l)] -= learning_rate * vc / np.sqrt(sc + epsilon)
    return parameters, v, s
'''

ADAM_THREE_VALUES_RIGHT = ADAM_THREE_VALUES_EPS_INSIDE.replace("np.sqrt(sc + epsilon)",
                                                               "(np.sqrt(sc) + epsilon)")

MOMENTUM_ONE_TOO_FAR = '''
def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        v["dW" + str(l + 1)] = beta * v["dW" + str(l + 1)] + (1 - beta) * grads["dW" + str(l + 1)]
        v["db" + str(l + 1)] = beta * v["db" + str(l + 1)] + (1 - beta) * grads["db" + str(l + 1)]
        parameters["W" + str(l + 1)] -= learning_rate * v["dW" + str(l + 1)]
        parameters["b" + str(l + 1)] -= learning_rate * v["db" + str(l + 1)]
    return parameters, v
'''

# Not a mistake anyone names: s is scaled by 1.11 (what a typo such as 0.999 * 1.11 gives).
RMSPROP_ODD = '''
def update_parameters_with_rmsprop(parameters, grads, s, beta2=0.999, learning_rate=0.01,
                                   epsilon=1e-8):
    for k in grads:
        s[k] = 1.11 * (beta2 * s[k] + (1 - beta2) * grads[k] ** 2)
        parameters[k[1:]] = parameters[k[1:]] - learning_rate * grads[k] / (np.sqrt(s[k]) + epsilon)
    return parameters, s
'''

SCHEDULE_THRESHOLD = '''
def schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval=1000):
    if epoch_num >= time_interval:
        return learning_rate0 / (1 + decay_rate)
    return learning_rate0
'''

MINIBATCH_SMALL_M = '''
import math
def random_mini_batches(X, Y, mini_batch_size=64, seed=0):
    np.random.seed(seed)
    m = X.shape[1]
    permutation = list(np.random.permutation(m))
    shuffled_X, shuffled_Y = X[:, permutation], Y[:, permutation]
    mini_batches = []
    for k in range(math.floor(m / mini_batch_size)):
        mini_batches.append((shuffled_X[:, k * mini_batch_size:(k + 1) * mini_batch_size],
                             shuffled_Y[:, k * mini_batch_size:(k + 1) * mini_batch_size]))
    if m % mini_batch_size != 0:
        start = (k + 1) * mini_batch_size
        mini_batches.append((shuffled_X[:, start:], shuffled_Y[:, start:]))
    return mini_batches
'''


@pytest.mark.parametrize("path", [notebook_path, local_path])
def test_three_values_and_wrong_maths_are_both_reported(path):
    name = "update_parameters_with_adam"
    feedback = path(name, define(name, ADAM_THREE_VALUES_EPS_INSIDE))
    assert feedback.mistake == "adam/returns-three-values+adam/epsilon-inside-sqrt"
    text = feedback.text(name)
    assert "returns 3 values, not 5" in text.splitlines()[0]
    assert "epsilon is inside the square root" in text.splitlines()[0]


def test_three_values_with_right_maths_is_only_the_return_shape():
    name = "update_parameters_with_adam"
    for path in (notebook_path, local_path):
        assert path(name, define(name, ADAM_THREE_VALUES_RIGHT)).mistake == \
            "adam/returns-three-values"


def test_layer_index_off_by_one_uses_the_reviews_words():
    name = "update_parameters_with_momentum"
    feedback = notebook_path(name, define(name, MOMENTUM_ONE_TOO_FAR))
    assert feedback.mistake == "momentum/loop-one-layer-too-far"
    assert feedback.text(name).startswith(f"{name}: your layer index is off by one")


def test_nothing_named_when_nothing_matches_and_the_difference_is_precise():
    name = "update_parameters_with_rmsprop"
    for path in (notebook_path, local_path):
        feedback = path(name, define(name, RMSPROP_ODD))
        assert feedback.mistake is None
        text = feedback.text(name)
        assert "every entry of s differs by a constant factor 1.11" in text, text
        assert "pair" not in text.lower()   # no blame on a W/b pairing, which is right


def test_schedule_one_decay_threshold_is_named():
    name = "schedule_lr_decay"
    for path in (notebook_path, local_path):
        assert path(name, define(name, SCHEDULE_THRESHOLD)).mistake == \
            "schedule-lr/one-decay-threshold"


def test_minibatches_m_smaller_than_the_batch_is_named():
    name = "random_mini_batches"
    feedback = local_path(name, define(name, MINIBATCH_SMALL_M))   # a hidden case shows it
    assert feedback.mistake == "minibatches/fails-when-m-smaller-than-batch"
    assert "m = 5" in feedback.text(name) and "mini_batch_size = 8" in feedback.text(name)


def test_a_mistake_free_return_never_carries_an_id():
    for name in FUNCTIONS:
        cases = all_cases(name)
        reference, family = judging_data(name, cases)
        passed, feedback = judge_records(name, cases, reference, reference, family)
        assert passed and feedback is None
        found = diagnosis.diagnose(name, cases, reference, reference, family)
        assert found.mistake is None


# ----------------------------------------------------------------------------- the data seam
ISOLATED = textwrap.dedent('''
    import builtins, importlib.abc, sys
    BLOCKED = ("autograder.publish", "autograder.grading", "autograder.localcheck")

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.startswith(BLOCKED):
                raise ImportError(f"blocked: {name}")
            return None

    sys.meta_path.insert(0, Block())
    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):
        if "autograder/source" in str(file).replace("\\\\", "/"):
            raise PermissionError(f"the checks read a master: {file}")
        return real_open(file, *args, **kwargs)

    builtins.open = guarded_open
    import numpy as np
    from autograder.checks import CheckFailed, HiddenCasesUnavailable, check

    def update_lr(learning_rate0, epoch_num, decay_rate):
        return learning_rate0 / (1 + decay_rate * epoch_num)
    check("update_lr", update_lr)

    def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01,
                                    beta1=0.9, beta2=0.999, epsilon=1e-8):
        vc, sc = {}, {}
        for k in grads:
            v[k] = beta1 * v[k] + (1 - beta1) * grads[k]
            s[k] = beta2 * s[k] + (1 - beta2) * grads[k] ** 2
            vc[k] = v[k] / (1 - beta1 ** t)
            sc[k] = s[k] / (1 - beta2 ** t)
            parameters[k[1:]] -= learning_rate * vc[k] / np.sqrt(sc[k] + epsilon)
        return parameters, v, s, vc, sc
    try:
        check("update_parameters_with_adam", update_parameters_with_adam)
    except CheckFailed as failure:
        print("MISTAKE", failure.feedback.mistake)
    try:
        check("update_lr", update_lr, hidden=True)
    except HiddenCasesUnavailable as exc:
        print("HIDDEN", exc)
    loaded = sorted(m for m in sys.modules if m.startswith(BLOCKED))
    print("LOADED", loaded)
''')


def test_checks_run_without_the_trusted_side():
    result = subprocess.run([sys.executable, "-c", ISOLATED], capture_output=True, text=True,
                            cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "update_lr: all 2 checks passed." in out
    assert "MISTAKE adam/epsilon-inside-sqrt" in out
    assert "HIDDEN update_lr: the hidden checks are not part of this installation" in out
    assert "LOADED []" in out


def test_no_module_of_the_checks_imports_the_trusted_side():
    for path in (REPO / "autograder" / "checks").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for banned in ("from autograder.publish", "import autograder.publish",
                       "from autograder.grading", "from autograder.localcheck",
                       "autograder/source"):
            assert banned not in text, f"{path.name} mentions {banned}"


def test_float_comparison_is_numpys_isclose():
    """The diagnosis compares a record's floats in Python (numpy per call was most of its
    time); on floats, nested lists, shapes that differ and values that are not floats it must
    decide exactly as ``np.isclose(learner, member, RTOL, ATOL, equal_nan=True).all()``."""
    import math
    import random

    def numpy_rule(a, b):
        try:
            a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        except (TypeError, ValueError):
            return False
        with np.errstate(all="ignore"):
            return a.shape == b.shape and bool(np.isclose(b, a, rtol=diagnosis.RTOL,
                                                          atol=diagnosis.ATOL,
                                                          equal_nan=True).all())
    special = [0.0, -0.0, 1.0, -1.0, 1e-9, 2e-9, 1e-10, 1e300, -1e300, 1.7e308, math.inf,
               -math.inf, math.nan, 5e-324, 1.0000001, 1.000001, 1.0000011, 0.999999]
    rng = random.Random(0)

    def value():
        return rng.choice(special) if rng.random() < 0.5 else \
            rng.uniform(-10, 10) * 10 ** rng.randint(-12, 12)

    def near(x):
        r = rng.random()
        if r < 0.3:
            return x
        if r < 0.7:
            return x * (1 + rng.choice([1e-7, 1e-6, 9.9e-7, 1.01e-6, -1e-6, 2e-6])) + \
                rng.choice([0.0, 1e-9, -1e-9, 5e-10, 2e-9])
        return value()

    def nest(flat, shape):
        if not shape:
            return flat[0]
        k = math.prod(shape[1:])
        return [nest(flat[i * k:(i + 1) * k], shape[1:]) for i in range(shape[0])]
    decided = set()
    for _ in range(20000):
        shape = rng.choice([(), (1,), (3,), (2, 2), (3, 1), (0,), (2, 0)])
        xs = [value() for _ in range(math.prod(shape))]
        a, b = nest(xs, shape), nest([near(x) for x in xs], shape)
        if rng.random() < 0.05:
            b = [b] if len(shape) != 2 else nest(xs, shape[::-1])
        if rng.random() < 0.03:
            b = rng.choice([None, [1, [2]], 1, True, [1.0, 2], "x"])
        verdict = diagnosis._close(a, b)
        assert verdict == numpy_rule(a, b), (a, b)
        decided.add(verdict)
    assert decided == {True, False}
