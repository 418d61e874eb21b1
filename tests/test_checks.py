"""The checks: correct variants pass, each listed mistake fails with its own message."""

from __future__ import annotations

import importlib.util
import linecache
from pathlib import Path

import numpy as np
import pytest

from autograder.checks import (
    FUNCTIONS,
    CheckFailed,
    HiddenCasesUnavailable,
    cases_for,
    check,
    vocabulary,
)
from autograder.publish.hidden_cases import all_cases
from autograder.publish.masters import master_for_function, reference_function

# Wrong learner code may take square roots of negative numbers; that is its business.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

FIXTURES = Path(__file__).parent / "fixtures" / "checks"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"fixture_{name}", FIXTURES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CORRECT = _load("correct_answers").CORRECT
WRONG = _load("wrong_answers").WRONG


def define(name, source):
    """Define the learner's function as a notebook cell would (its lines known to linecache)."""
    namespace = {"np": np}
    filename = f"<learner {name} {abs(hash(source))}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]


def run_all(name, fn):
    """Visible then hidden, like the test cell; returns the CheckFailed or None."""
    try:
        check(name, fn)
        check(name, fn, hidden=True)
    except CheckFailed as failure:
        return failure
    return None


@pytest.mark.parametrize("name", FUNCTIONS)
def test_master_solution_passes_its_own_checks(name, capsys):
    assert run_all(name, reference_function(name)) is None
    out = capsys.readouterr().out
    assert f"{name}: all" in out or f"{name}: the check passed" in out


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_function_has_visible_and_hidden_cases(name):
    assert cases_for(name) and all_cases(name, hidden=True)
    assert len(all_cases(name)) == len(cases_for(name)) + len(all_cases(name, hidden=True))
    assert not any(c.hidden for c in cases_for(name))
    # the checks themselves hold no hidden case
    with pytest.raises(HiddenCasesUnavailable):
        cases_for(name, hidden=True)


def test_reference_is_the_masters_solution_cell():
    m = master_for_function("update_parameters_with_adam")
    assert m.assignment == "05_adam"
    assert "### BEGIN SOLUTION" in m.solutions["update_parameters_with_adam"]
    assert m.points == {"initialize_adam": 4.0, "update_parameters_with_adam": 6.0}


@pytest.mark.parametrize("name,label,source", CORRECT, ids=[f"{n}:{lbl}" for n, lbl, _ in CORRECT])
def test_correct_variants_pass(name, label, source):
    failure = run_all(name, define(name, source))
    assert failure is None, str(failure)


def test_every_graded_function_has_correct_variants():
    assert {n for n, _, _ in CORRECT} == set(FUNCTIONS)


# The fixtures were written with the first, ad hoc ids; the ids are now the shared vocabulary
# (autograder.checks.vocabulary). ``None``: no mistake is confirmed for that code any more.
_P = {"update_parameters_with_gd": "gd", "update_parameters_with_momentum": "momentum",
      "update_parameters_with_rmsprop": "rmsprop", "update_parameters_with_adam": "adam",
      "update_lr": "update-lr", "schedule_lr_decay": "schedule-lr",
      "random_mini_batches": "minibatches", "initialize_velocity": "init-velocity",
      "initialize_rmsprop": "init-rmsprop", "initialize_adam": "init-adam"}
_SLUGS = {"wrong_sign": "wrong-sign", "returns_none": "returns-none",
          "loop_stops_early": "loop-stops-early", "not_squared": "grad-not-squared",
          "eps_inside_sqrt": "epsilon-inside-sqrt", "eps_in_step": "epsilon-added-to-step",
          "swapped_returns": "returns-in-wrong-order", "step_with_grad": "step-with-grad",
          "no_one_minus_beta": "no-one-minus-beta", "lr_in_velocity": "lr-in-velocity",
          "t_plus_one": "correction-exponent-t-plus-one",
          "step_with_s": "s-not-corrected-in-step", "no_bias_correction": "no-bias-correction",
          "ignores_beta1": "ignores-beta1", "corrected_stored": "corrected-values-stored",
          "precedence": "precedence", "round_instead_of_floor": "round-instead-of-floor",
          "no_floor": "no-floor", "fixed_interval": "fixed-interval",
          "exact_multiples": "decays-only-on-multiples", "compounding": "compounding",
          "seed_ignored": "seed-ignored", "rows_not_columns": "examples-as-rows",
          "not_reproducible": "seed-ignored", "misaligned": "x-y-shuffled-differently",
          "inputs_changed": "shuffles-in-place", "empty_last": "empty-last-batch",
          "drop_last": "last-batch-dropped", "no_shuffle": "not-shuffled",
          "param_keys": "param-keys", "aliases_parameters": "aliases-parameters",
          "dtype": "integer-zeros", "copies": "copies-parameters",
          "v_is_s": "v-and-s-same-dict", "shared_arrays": "v-and-s-share-arrays"}
NEW_IDS = {(n, m): f"{_P[n]}/{_SLUGS[m]}" for n, m, _, _ in WRONG if m in _SLUGS}
NEW_IDS.update({(n, m): None for n, m, _, _ in WRONG
                if m in ("parameters_unchanged", "not_partition")})
# (its last batch is the last mini_batch_size columns: a wrong slice, now named)
NEW_IDS[("random_mini_batches", "batch_sizes")] = "minibatches/last-batch-wrong-slice"


@pytest.mark.parametrize("name,mistake,text,source", WRONG,
                         ids=[f"{n}:{m or t[:30]}" for n, m, t, _ in WRONG])
def test_learner_mistakes_are_named(name, mistake, text, source):
    failure = run_all(name, define(name, source))
    assert failure is not None, f"{name} with mistake {mistake or text!r} passed"
    message = str(failure)
    if mistake is not None:
        assert failure.feedback.mistake == NEW_IDS.get((name, mistake), mistake), message
    named = failure.feedback.mistake
    if named is None:
        assert text in message, message      # the fixture's wording of what differs
    else:                                    # the mistake is named first, in its own words
        assert message.splitlines()[0].startswith(f"{name}: {vocabulary.text(named)[0]}"), \
            message
    # every message says what was tried, and gives a hint (the stub message excepted)
    if "not attempted" not in message:
        assert "Tried:" in message and "Hint:" in message, message


def test_message_structure_for_epsilon_inside_the_root():
    source = [s for n, m, _, s in WRONG if m == "eps_inside_sqrt" and "adam" in n][0]
    message = str(run_all("update_parameters_with_adam",
                          define("update_parameters_with_adam", source)))
    lines = message.splitlines()
    assert lines[0].startswith("update_parameters_with_adam: epsilon is inside the square root")
    assert lines[1].lstrip().startswith("Tried:") and "epsilon=0.01" in lines[1]
    assert lines[2].lstrip().startswith("Expected:") and lines[3].lstrip().startswith("Got:")
    assert "What this usually means" in message and "Hint:" in message
    assert "sqrt(s) + epsilon" in message


def test_keyerror_message_shows_the_learners_line():
    source = WRONG[0][3]
    message = str(run_all("update_parameters_with_momentum",
                          define("update_parameters_with_momentum", source)))
    assert "KeyError: 'dW4'" in message
    assert 'v["dW" + str(l + 1)]' in message
    assert "l runs over 1..L but you index l + 1" in message
    assert message.startswith("update_parameters_with_momentum: your layer index is off by one")


def test_stub_is_not_attempted():
    def update_lr(learning_rate0, epoch_num, decay_rate):
        raise NotImplementedError()
    with pytest.raises(CheckFailed, match="not attempted yet"):
        check("update_lr", update_lr)


def test_check_failed_is_an_assertion_error():
    assert issubclass(CheckFailed, AssertionError)


def test_pass_line_is_short(capsys):
    check("update_lr", reference_function("update_lr"))
    assert capsys.readouterr().out == "update_lr: all 2 checks passed.\n"


def test_unknown_function_and_non_callable():
    with pytest.raises(ValueError):
        check("no_such_function", print)
    with pytest.raises(CheckFailed, match="expected a function"):
        check("update_lr", 3)


def test_fake_array_whose_eq_is_always_true_fails():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return np.ones(np.shape(self), dtype=bool)

    def update_parameters_with_gd(parameters, grads, learning_rate):
        return {k: np.zeros_like(p).view(Liar) for k, p in parameters.items()}

    failure = run_all("update_parameters_with_gd", update_parameters_with_gd)
    assert failure is not None and "Expected:" in str(failure)


def test_checks_do_not_mutate_between_calls():
    """The check must give the same verdict twice (its inputs are rebuilt each time)."""
    def update_parameters_with_gd(parameters, grads, learning_rate):
        for k in parameters:
            parameters[k] -= learning_rate * grads["d" + k]
        return parameters
    assert run_all("update_parameters_with_gd", update_parameters_with_gd) is None
    assert run_all("update_parameters_with_gd", update_parameters_with_gd) is None


def test_exception_in_later_call_names_the_call():
    reference = reference_function("update_parameters_with_adam")

    def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9,
                                    beta2=0.999, epsilon=1e-8):
        if t == 2:
            raise ValueError("boom")
        return reference(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon)
    message = str(run_all("update_parameters_with_adam", update_parameters_with_adam))
    assert "on call 2 (t = 2), ValueError: boom" in message


def test_minibatch_check_leaves_the_global_random_state_alone():
    np.random.seed(2024)
    expected = np.random.rand(3)
    np.random.seed(2024)
    check("random_mini_batches", reference_function("random_mini_batches"))
    assert np.array_equal(np.random.rand(3), expected)
