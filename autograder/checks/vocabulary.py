"""The mistake vocabulary: every stable id a check can name, with what the learner reads.

Plain text only (no code that computes anything): an id of the form ``<prefix>/<slug>`` maps to
``(title, meaning, hint)``. The title is what the feedback's first line says; the meaning
explains the pattern; the hint points towards the fix without giving it. The ids are shared with
the learner catalogue and ``mistakes.csv`` (``docs/mistake_ids.md`` in the briefs); the wrong
rules that reproduce them live on the trusted side (``autograder.publish.families``), never here.

A diagnosis made of two mistakes is written ``first+second`` (return shape first).
"""

from __future__ import annotations

PREFIX = {
    "update_parameters_with_gd": "gd",
    "random_mini_batches": "minibatches",
    "initialize_velocity": "init-velocity",
    "update_parameters_with_momentum": "momentum",
    "initialize_rmsprop": "init-rmsprop",
    "update_parameters_with_rmsprop": "rmsprop",
    "initialize_adam": "init-adam",
    "update_parameters_with_adam": "adam",
    "update_lr": "update-lr",
    "schedule_lr_decay": "schedule-lr",
    "update_parameters_with_nesterov": "nesterov",
    "update_parameters_with_adamw": "adamw",
    "warmup_cosine_lr": "warmup-cosine",
}

_UPDATE_SHARED = {
    "wrong-sign": ("you step up the gradient (wrong sign)",
                   "The parameters moved in the direction of the gradient, which makes the cost "
                   "grow: the update adds the step instead of subtracting it.",
                   "Gradient descent moves against the gradient: look at the sign of your update."),
    "no-learning-rate": ("your step leaves out the learning rate",
                         "The parameters moved by the whole step, not scaled by learning_rate.",
                         "Multiply the step by learning_rate."),
    "loop-stops-early": ("your loop stops one layer early",
                         "The last layer came back unchanged: a loop written range(1, L) stops at "
                         "L - 1, because Python's range leaves out its end.",
                         "Layers are numbered 1 to L; check the end of your range()."),
    "loop-one-layer-too-far": ("your layer index is off by one",
                               "Your code asks for a layer after the last one: with l running "
                               "over 1..L, a key built with str(l + 1) (or L counting the "
                               "dictionary's entries, two per layer) reaches layer L + 1.",
                               "Use the loop variable itself as the layer number, and "
                               "L = len(parameters) // 2."),
    "bias-not-updated": ("the biases b1, b2, ... are not updated",
                         "Only the weights changed: the loop updates W but forgets b.",
                         "Each layer has two parameters, W and b; both take a step."),
    "w-paired-with-db": ("a parameter is paired with the other parameter's quantity",
                         "W was stepped with db's quantity, or b with dW's: numpy broadcast two "
                         "arrays of different shapes (or refused to).",
                         "Pair W with dW and b with db: build both keys from the same name."),
    "loop-starts-at-zero": ("your layers are numbered from 0",
                            "Layers are numbered from 1: a loop over range(L) starts at 0 and "
                            "uses keys such as dW0.", "Make the loop run over 1, 2, ..., L."),
    "returns-none": ("your function returns nothing (None)",
                     "A function without a return statement gives back None, even when it "
                     "changed its arguments in place.",
                     "End the function with a return statement (see the docstring for what)."),
    "returns-in-wrong-order": ("the returned values are in the wrong order",
                               "The values are right but come back in another order than the "
                               "docstring's, so the caller unpacks them into the wrong names.",
                               "Return the values in the order the docstring lists them."),
}

_INIT_SHARED = {
    "param-keys": ("your keys are named like the parameters (W1 instead of dW1)",
                   "Optimizer state follows the gradients' names: dW1, db1, ... so that the "
                   "update functions can look up v['dW1'] next to grads['dW1'].",
                   "Name each entry 'd' + the parameter's name."),
    "copies-parameters": ("your state starts from the parameters, not from zeros",
                          "The entries hold the values of the parameters (or gradients): the "
                          "running means must start at zero.",
                          "Fill each entry with zeros of the parameter's shape."),
    "ones": ("your state starts at ones, not zeros",
             "np.ones where np.zeros belongs: the running means must start at zero.",
             "Use zeros of the parameter's shape."),
    "loop-stops-early": _UPDATE_SHARED["loop-stops-early"],
    "loop-one-layer-too-far": _UPDATE_SHARED["loop-one-layer-too-far"],
    "wrong-shape": ("your zeros have the wrong shape",
                    "Each entry must have exactly the shape of its parameter (a weight is "
                    "(n_l, n_(l-1)), a bias (n_l, 1)).",
                    "np.zeros_like(parameter) gives the right shape."),
    "aliases-parameters": ("the state shares memory with the parameters",
                           "An entry is a view of a parameter's array: changing the state in "
                           "place would change the parameters.",
                           "Make new zero arrays (np.zeros_like) instead of reusing the "
                           "parameters' arrays."),
    "integer-zeros": ("integer arrays instead of floats",
                      "The array holds integers: an update written in place (v[k] *= beta) "
                      "would fail or truncate, because an integer array cannot store 0.9.",
                      "Let numpy choose float zeros, without dtype=int."),
    "returns-none": _UPDATE_SHARED["returns-none"],
    "loop-starts-at-zero": _UPDATE_SHARED["loop-starts-at-zero"],
}

_SECOND_MOMENT = {
    "epsilon-inside-sqrt": ("epsilon is inside the square root",
                            "You divide by sqrt(s + epsilon). This course (like PyTorch and the "
                            "original papers) adds epsilon outside: sqrt(s) + epsilon. With "
                            "epsilon = 0.01 the two differ clearly.",
                            "Take the square root of the second moment first, then add epsilon."),
    "epsilon-added-to-step": ("epsilon is added to the step instead of the denominator",
                              "Without parentheses around np.sqrt(...) + epsilon, Python "
                              "divides first and then adds epsilon to the whole step.",
                              "Put the denominator in parentheses: (np.sqrt(...) + epsilon)."),
    "no-epsilon": ("epsilon is missing",
                   "You divide by sqrt(s) alone (or add a fixed tiny number such as 1e-8 in "
                   "place of the epsilon argument, which these checks cannot tell apart); "
                   "epsilon is there so a tiny s cannot blow the step up.",
                   "Add the epsilon argument to the denominator (outside the square root)."),
    "grad-not-squared": ("your second moment is not squared",
                         "s averages the gradient itself instead of the squared gradient; a "
                         "plain gradient can even make s negative and the root nan.",
                         "s tracks the average of grad ** 2 (element-wise square)."),
    "matrix-product-for-square": ("a matrix product where an element-wise square belongs",
                                  "grad @ grad.T (or np.dot(grad, grad.T)) is a matrix product: "
                                  "for a weight it has another shape than the weight, and it "
                                  "mixes entries. The square of each entry is grad * grad.",
                                  "Square element by element: grad ** 2 or np.square(grad)."),
    "square-instead-of-sqrt": ("you square s where its square root belongs",
                               "np.square(s) (or s ** 2) in the denominator: the step divides "
                               "by the root of the mean square, np.sqrt(s).",
                               "np.sqrt takes the root; np.square squares."),
    "no-sqrt": ("you divide by s instead of its square root",
                "The step is grad / (s + epsilon): the square root is missing.",
                "RMSprop divides by the root of the mean square."),
    "s-from-wrong-gradient": ("s of one parameter is built from the other parameter's gradient",
                              "s['db'] is computed from grads['dW'] (or the other way round): "
                              "the keys of s and of grads differ in that line.",
                              "Use the same key for s and for grads in each line."),
}

_VOCAB: dict[str, dict[str, tuple[str, str, str]]] = {
    "gd": {**_UPDATE_SHARED,
           "learning-rate-divides": ("you divide by the learning rate",
                                     "grad / learning_rate makes a small learning rate take a "
                                     "huge step.",
                                     "The step is learning_rate times the gradient.")},
    "momentum": {
        **_UPDATE_SHARED,
        "no-one-minus-beta": ("your velocity has no (1 - beta) factor",
                              "v = beta * v + grad adds the whole gradient each step, so the "
                              "velocity grows too large (PyTorch's undamped momentum, not this "
                              "course's convention).",
                              "The new velocity is an average: beta of the old velocity plus "
                              "(1 - beta) of the gradient."),
        "beta-and-one-minus-beta-swapped": ("beta and (1 - beta) are swapped",
                                            "Your velocity keeps (1 - beta) of its past and "
                                            "takes beta of the new gradient.",
                                            "beta multiplies the old velocity, (1 - beta) the "
                                            "gradient."),
        "step-with-grad": ("you step with the raw gradient instead of the velocity",
                           "The velocity is computed but the parameters move by learning_rate * "
                           "grad: plain gradient descent.",
                           "Once v is updated, it is v (not the gradient) that moves the "
                           "parameters."),
        "step-with-old-velocity": ("you step with the old velocity",
                                   "The parameters moved with the velocity from before this "
                                   "step (from a zero start they do not move at all).",
                                   "Update v first, then use the new v for the step."),
        "velocity-not-stored": ("the new velocity is not stored in v",
                                "The parameters are right but the v you return still holds the "
                                "old values, so the next call starts from a stale velocity.",
                                "Write the new velocity into v[...]."),
        "lr-in-velocity": ("the learning rate is inside your velocity",
                           "You wrote the other common form of momentum, v = beta * v - "
                           "learning_rate * grad then W + v; this course's v is an average of "
                           "gradients, without the learning rate.",
                           "v = beta * v + (1 - beta) * grad, then the parameters take "
                           "learning_rate * v."),
        "ignores-beta": ("your function ignores the beta argument",
                         "It behaves as if beta were always 0.9: a number is written where the "
                         "argument belongs (the checks pass other values).",
                         "Use the parameter beta wherever your code has 0.9."),
    },
    "rmsprop": {
        **_UPDATE_SHARED, **_SECOND_MOMENT,
        "beta-and-one-minus-beta-swapped": ("beta2 and (1 - beta2) are swapped",
                                            "Your s keeps (1 - beta2) of its past and takes "
                                            "beta2 of the new squared gradient.",
                                            "beta2 multiplies the old s, (1 - beta2) the squared "
                                            "gradient."),
        "step-with-old-s": ("you step with the old s",
                            "The step divides by the s from before this update.",
                            "Update s first, then use the new s in the step."),
        "ignores-beta2": ("your function ignores the beta2 argument",
                          "It behaves as if beta2 were always 0.999.",
                          "Use the parameter beta2 wherever your code has 0.999."),
        "ignores-learning-rate": ("your function ignores the learning_rate argument",
                                  "It behaves as if learning_rate were always 0.01.",
                                  "Use the parameter learning_rate wherever your code has 0.01."),
        "s-not-stored": ("the new s is not stored",
                         "The parameters are right but the s you return still holds the old "
                         "values, so the next call starts from a stale s.",
                         "Write the new value into s[...]."),
    },
    "adam": {
        **_UPDATE_SHARED, **_SECOND_MOMENT,
        "betas-swapped": ("beta1 and beta2 are swapped between the moments",
                          "v averages with beta2 and s with beta1.",
                          "v (the mean of the gradients) uses beta1; s (the mean of the squares) "
                          "uses beta2."),
        "s-averaged-with-beta1": ("both moments use beta1",
                                  "s is averaged with beta1 where beta2 belongs.",
                                  "s (the mean of the squared gradients) uses beta2."),
        "v-beta-and-one-minus-beta-swapped": ("beta1 and (1 - beta1) are swapped in v",
                                              "v keeps (1 - beta1) of its past and takes beta1 "
                                              "of the gradient.",
                                              "beta1 multiplies the old v, (1 - beta1) the "
                                              "gradient."),
        "s-beta-and-one-minus-beta-swapped": ("beta2 and (1 - beta2) are swapped in s",
                                              "s keeps (1 - beta2) of its past and takes beta2 "
                                              "of the squared gradient.",
                                              "beta2 multiplies the old s, (1 - beta2) the "
                                              "squared gradient."),
        "no-bias-correction": ("the bias correction is missing",
                               "v_corrected equals v and s_corrected equals s: the moments start "
                               "at zero, so without dividing by (1 - beta ** t) the first steps "
                               "are off.",
                               "Each corrected moment divides the moment by 1 minus beta to the "
                               "power t."),
        "v-not-corrected-in-step": ("the step uses v, not v_corrected",
                                    "v_corrected is computed but the step divides the raw v.",
                                    "Use v_corrected in the step."),
        "s-not-corrected-in-step": ("the step uses s, not s_corrected",
                                    "s_corrected is computed but the step takes the root of the "
                                    "raw s.", "Use s_corrected in the step."),
        "correction-precedence": ("the bias correction is (1 - beta) ** t, not 1 - beta ** t",
                                  "The power applies to beta alone: (1 - beta) ** t is another "
                                  "number.", "Write 1 - beta ** t: the power binds to beta."),
        "correction-beta-times-t": ("the bias correction multiplies beta by t",
                                    "1 - beta * t where 1 - beta ** t belongs: ** is the power.",
                                    "beta to the power t is beta ** t."),
        "correction-exponent-t-plus-one": ("the bias correction uses t + 1",
                                           "The exponent is one too high: t already counts "
                                           "this step (1 at the first update).",
                                           "Use t itself as the exponent."),
        "correction-exponent-t-minus-one": ("the bias correction uses t - 1",
                                            "The exponent is one too low: t is 1 at the first "
                                            "update, so t - 1 divides by zero there.",
                                            "Use t itself as the exponent."),
        "correction-exponent-two": ("the bias correction squares beta instead of raising it to t",
                                    "beta ** 2 (or beta * beta) where beta ** t belongs: the "
                                    "correction must shrink as the steps go on.",
                                    "The exponent is the step number t."),
        "correction-exponent-layer": ("the bias correction uses the layer number as exponent",
                                      "beta ** l (the loop's layer) where beta ** t belongs.",
                                      "The exponent is the step number t, the same for every "
                                      "layer."),
        "correction-no-exponent": ("the bias correction has no exponent",
                                   "You divide by 1 - beta, the same at every step; the "
                                   "correction is 1 - beta ** t.",
                                   "Raise beta to the power t."),
        "correction-one-plus": ("the bias correction adds instead of subtracting",
                                "1 + beta ** t where 1 - beta ** t belongs.",
                                "The corrected moment is the moment divided by 1 - beta ** t."),
        "correction-betas-swapped": ("each moment is corrected with the other moment's beta",
                                     "v is divided by 1 - beta2 ** t and s by 1 - beta1 ** t.",
                                     "v goes with beta1, s with beta2, in the correction too."),
        "corrected-values-stored": ("the corrected values are stored as the moments",
                                    "The v (or s) you return is the corrected value; the next "
                                    "call then averages a corrected value and corrects it again.",
                                    "Keep v and s uncorrected; put the corrected values in "
                                    "v_corrected and s_corrected."),
        "returns-uncorrected": ("you return v and s where v_corrected and s_corrected belong",
                                "The step is right but the last two returned values are the raw "
                                "moments.", "Return the corrected dictionaries in the last two "
                                            "places."),
        "step-with-grad": ("you step with the raw gradient instead of v_corrected",
                           "The numerator of the step is the gradient itself.",
                           "The step is v_corrected / (sqrt(s_corrected) + epsilon)."),
        "step-without-s": ("the step does not divide by the second moment",
                           "The parameters move by learning_rate * v_corrected: the division by "
                           "sqrt(s_corrected) + epsilon is missing.",
                           "Divide by (np.sqrt(s_corrected) + epsilon)."),
        "returns-three-values": ("your function returns 3 values, not 5",
                                 "The older form of this exercise returned (parameters, v, s); "
                                 "this course's also returns v_corrected and s_corrected.",
                                 "Return parameters, v, s, v_corrected, s_corrected."),
        "ignores-beta1": ("your function ignores the beta1 argument",
                          "It behaves as if beta1 were always 0.9.",
                          "Use the parameter beta1 wherever your code has 0.9."),
        "ignores-beta2": ("your function ignores the beta2 argument",
                          "It behaves as if beta2 were always 0.999.",
                          "Use the parameter beta2 wherever your code has 0.999."),
        "ignores-learning-rate": ("your function ignores the learning_rate argument",
                                  "It behaves as if learning_rate were always 0.01.",
                                  "Use the parameter learning_rate wherever your code has 0.01."),
    },
    "init-velocity": dict(_INIT_SHARED),
    "init-rmsprop": dict(_INIT_SHARED),
    "init-adam": {
        **_INIT_SHARED,
        "v-and-s-same-dict": ("v and s are the same dictionary",
                              "initialize_adam returned one dictionary twice (s = v): updating "
                              "s overwrites v.", "Build two dictionaries, one for v and one "
                                                 "for s."),
        "v-and-s-share-arrays": ("v and s share their arrays",
                                 "v and s hold the very same array objects: an in-place update "
                                 "of s would change v as well.",
                                 "Create a separate zero array for each entry of v and of s."),
        "returns-one-dict": ("your function returns one dictionary, not two",
                             "initialize_adam returns the pair (v, s).",
                             "Return v, s."),
    },
    "minibatches": {
        "x-y-shuffled-differently": ("X and Y were shuffled differently",
                                     "X and Y went through two different permutations (e.g. two "
                                     "calls to np.random.permutation), so each example lost its "
                                     "label.", "Draw the permutation once and use it for both X "
                                               "and Y."),
        "not-shuffled": ("the examples are not shuffled",
                         "The batches take the columns in their original order, so every epoch "
                         "sees the same batches.", "Permute the columns before slicing."),
        "features-shuffled": ("the rows (features) are shuffled instead of the columns",
                              "Each example is a column of X; shuffling rows mixes the features "
                              "of every example.", "Index the columns: X[:, permutation]."),
        "examples-as-rows": ("examples are not columns",
                             "Each example is a column of X, so a batch keeps all rows and "
                             "takes some columns.", "Slice columns: X[:, start:end]."),
        "last-batch-dropped": ("the last, smaller mini-batch is missing",
                               "When m is not a multiple of mini_batch_size, the examples left "
                               "after the full batches form one last, smaller batch.",
                               "After the full batches, add the remaining columns when m % "
                               "mini_batch_size is not zero."),
        "last-batch-wrong-slice": ("the last, smaller mini-batch holds the wrong columns",
                                   "The full batches are right, but the last batch does not "
                                   "start where the last full batch ended (or ends elsewhere "
                                   "than at m).",
                                   "The last batch starts at num_complete * mini_batch_size and "
                                   "runs to m."),
        "slice-starts-at-k": ("your slices start at k instead of k * mini_batch_size",
                              "Batch k takes columns k to k + mini_batch_size, so the batches "
                              "overlap and repeat examples.",
                              "Batch k starts at k * mini_batch_size."),
        "empty-last-batch": ("your last mini-batch is empty",
                             "m is a multiple of mini_batch_size, so there is no smaller batch "
                             "at the end; an extra step produced an empty one.",
                             "Add the last batch only when m % mini_batch_size is not zero."),
        "fails-when-m-smaller-than-batch": ("your function fails when m < mini_batch_size",
                                            "With fewer examples than one batch there is no "
                                            "full batch: a variable set only inside the loop of "
                                            "full batches is then undefined, or the batch is "
                                            "empty.", "With m < mini_batch_size the answer is "
                                                      "one batch holding all m examples."),
        "y-shape-lost": ("mini_batch_Y has the wrong shape",
                         "Y is (1, m): each batch of Y keeps its single row and the same columns "
                         "as the batch of X.", "Slice Y exactly like X: Y[:, start:end]."),
        "seed-ignored": ("the shuffle does not follow the seed argument",
                         "The same seed must give the same batches and different seeds "
                         "different ones: the seed is not set, set to a constant, or set "
                         "outside the function.",
                         "Seed the generator inside the function, from its seed argument."),
        "wrong-batch-size": ("your full mini-batches have the wrong size",
                             "Every batch but the last holds exactly mini_batch_size examples.",
                             "Batch k holds columns k * mini_batch_size up to (k + 1) * "
                             "mini_batch_size."),
        "shuffles-in-place": ("your function changed X or Y",
                              "np.random.shuffle shuffles an array in place, so the caller's "
                              "data changes.",
                              "Index with a permutation (X[:, permutation]), which makes a "
                              "copy."),
    },
    "update-lr": {
        "precedence": ("the parentheses are misplaced",
                       "learning_rate0 / 1 + decay_rate * epoch_num divides by 1 only, then "
                       "adds.", "The whole 1 + decay_rate * epoch_num is the denominator."),
        "multiplies": ("you multiply where you should divide",
                       "The rate grows with the epochs: learning_rate0 * (1 + decay_rate * "
                       "epoch_num).", "Divide learning_rate0 by (1 + decay_rate * epoch_num)."),
        "exponential": ("this is exponential decay, not inverse-time decay",
                        "learning_rate0 * exp(-decay_rate * epoch_num) (or decay_rate ** "
                        "epoch_num) is another schedule.",
                        "learning_rate0 / (1 + decay_rate * epoch_num)."),
        "epoch-plus-one": ("you use epoch_num + 1",
                           "Epochs count from 0: at epoch 0 the rate is learning_rate0.",
                           "Use epoch_num itself."),
        "no-decay": ("the learning rate does not change (no decay)",
                     "Your function returns learning_rate0 at every epoch.",
                     "Divide by 1 + decay_rate * epoch_num."),
        "squared-epoch": ("you square the epoch number",
                          "decay_rate * epoch_num ** 2 decays too fast.",
                          "The decay is linear in epoch_num."),
        "returns-none": _UPDATE_SHARED["returns-none"],
    },
    "schedule-lr": {
        "one-decay-threshold": ("your schedule decays once, not once per interval",
                                "if epoch_num >= time_interval: gives one step down and then "
                                "stays flat; the schedule is a staircase with a step every "
                                "time_interval epochs.",
                                "Count the finished intervals: np.floor(epoch_num / "
                                "time_interval)."),
        "round-instead-of-floor": ("you round epoch_num / time_interval instead of taking "
                                   "the floor",
                                   "round() switches to the next step half-way through an "
                                   "interval.", "Use np.floor (or integer division //)."),
        "ceil-instead-of-floor": ("you take the ceiling instead of the floor",
                                  "ceil decays from the first epoch of each interval on.",
                                  "Use np.floor (or integer division //)."),
        "no-floor": ("the floor is missing",
                     "epoch_num / time_interval without the floor decays smoothly, not in "
                     "steps.", "Use np.floor(epoch_num / time_interval)."),
        "decays-only-on-multiples": ("your rate decays only at exact multiples of the interval",
                                     "Between two multiples the rate goes back to "
                                     "learning_rate0; the staircase stays down.",
                                     "Compute the rate from the number of finished intervals at "
                                     "every epoch."),
        "interval-ignored": ("this is update_lr: time_interval is not used",
                             "The rate decays at every epoch rather than once per interval.",
                             "Divide epoch_num by time_interval and take the floor."),
        "fixed-interval": ("your function ignores the time_interval argument",
                           "It behaves as if time_interval were always 1000.",
                           "Use the time_interval argument."),
        "compounding": ("the decay compounds",
                        "Each interval divides the rate again by 1 + decay_rate; this schedule "
                        "divides once by 1 + decay_rate * intervals.",
                        "The number of finished intervals multiplies decay_rate; it is not an "
                        "exponent."),
        "precedence": ("the parentheses are misplaced",
                       "Python computed the division before the addition or multiplication.",
                       "The whole 1 + decay_rate * floor(...) is the denominator."),
        "returns-none": _UPDATE_SHARED["returns-none"],
    },
}


# Notebook 08 (beyond Adam): Nesterov's look-ahead, AdamW's decoupled decay, warm-up + cosine.
_MOMENTUM = _VOCAB["momentum"]
_VOCAB["nesterov"] = {
    **_UPDATE_SHARED,
    "no-look-ahead": ("your step is plain momentum, without the look-ahead",
                      "The parameters moved by learning_rate * v: that is the momentum update "
                      "of notebook 03 (so is beta * v_old + (1 - beta) * grad, which is the new "
                      "v). Nesterov steps with beta * v_new + (1 - beta) * grad, the velocity "
                      "one step further on.",
                      "After updating v, build the look-ahead from the new v and the gradient."),
    "look-ahead-without-gradient": ("your look-ahead leaves out the gradient term",
                                    "The step is beta * v only: the (1 - beta) * grad part of "
                                    "the look-ahead is missing.",
                                    "The step is beta * v plus (1 - beta) times the gradient."),
    "look-ahead-undamped-gradient": ("the gradient in your look-ahead is not scaled by "
                                     "(1 - beta)",
                                     "The step adds the whole gradient to beta * v, which "
                                     "mixes this course's averaged velocity with PyTorch's "
                                     "undamped form.",
                                     "In the step, the gradient is multiplied by (1 - beta), "
                                     "as in the velocity."),
    "look-ahead-sign": ("the gradient term of your look-ahead has the wrong sign",
                        "The step is beta * v - (1 - beta) * grad: the two terms must add.",
                        "Both parts of the look-ahead point the same way: add them."),
    "torch-style-buffer": ("you wrote PyTorch's undamped Nesterov, not this course's",
                           "v = beta * v + grad and a step of beta * v + grad are PyTorch's "
                           "SGD(nesterov=True) form; this course averages with (1 - beta) "
                           "(the docstring gives the bridge between the two).",
                           "Multiply the gradient by (1 - beta), in the velocity and in the "
                           "step."),
    "no-one-minus-beta": _MOMENTUM["no-one-minus-beta"],
    "beta-and-one-minus-beta-swapped": ("beta and (1 - beta) are swapped",
                                        "In the velocity or in the look-ahead, beta multiplies "
                                        "the gradient and (1 - beta) the velocity.",
                                        "beta goes with v, (1 - beta) with the gradient, in "
                                        "both formulas."),
    "step-with-grad": _MOMENTUM["step-with-grad"],
    "velocity-not-stored": _MOMENTUM["velocity-not-stored"],
    "ignores-beta": _MOMENTUM["ignores-beta"],
}
_VOCAB["adamw"] = {
    **_VOCAB["adam"],
    "adam-with-l2": ("you added the decay to the gradient (Adam with L2), not decoupled",
                     "grad + weight_decay * W goes through both moments, so Adam rescales the "
                     "decay like any gradient: that is Adam with L2 regularisation. AdamW keeps "
                     "the decay out of the moments.",
                     "Compute v and s from the gradient alone; subtract learning_rate * "
                     "weight_decay * W in the step."),
    "no-weight-decay": ("there is no weight decay",
                        "The parameters moved by the Adam step only: weight_decay is not used.",
                        "Add weight_decay * W to the step, inside learning_rate * (...)."),
    "decay-without-learning-rate": ("your weight decay is not multiplied by the learning rate",
                                    "The parameters shrank by weight_decay * W at each call, "
                                    "not by learning_rate * weight_decay * W.",
                                    "The decay sits inside learning_rate * (...), next to the "
                                    "Adam step."),
    "decay-after-step": ("your decay uses W after the Adam step",
                         "The decay was computed from the parameter already moved by the "
                         "Adam step; it uses the value the call was given.",
                         "Compute the decay from W before you change W (or in the same "
                         "expression)."),
    "decay-divided-by-sqrt": ("your decay is divided by sqrt(s_corrected) + epsilon",
                              "weight_decay * W was put in the numerator with v_corrected, so "
                              "Adam's scaling shrinks or inflates it; decoupled decay is added "
                              "after the division.",
                              "Divide v_corrected only; add weight_decay * W outside the "
                              "fraction."),
    "decay-sign": ("your weight decay has the wrong sign",
                   "The parameters grew by learning_rate * weight_decay * W: decay pulls them "
                   "towards zero.", "Subtract the decay, like the step."),
    "decay-skips-biases": ("your decay leaves the biases out",
                           "Only the weights decayed. Many libraries exempt biases, but this "
                           "function decays every parameter, b included.",
                           "Apply the same decay to b as to W."),
    "ignores-weight-decay": ("your function ignores the weight_decay argument",
                             "It behaves as if weight_decay were always 0.01.",
                             "Use the parameter weight_decay wherever your code has 0.01."),
}
_VOCAB["warmup-cosine"] = {
    "off-by-one": ("your warm-up is one step ahead",
                   "(step + 1) / warmup_steps starts above zero and reaches learning_rate0 a "
                   "step early; at step 0 the rate is 0.",
                   "During the warm-up the rate is learning_rate0 * step / warmup_steps."),
    "integer-division": ("your warm-up uses integer division",
                         "step // warmup_steps is 0 during the whole warm-up, so the rate stays "
                         "at 0 and then jumps.", "Use true division: step / warmup_steps."),
    "warmup-from-min": ("your warm-up starts from min_learning_rate",
                        "The warm-up climbs from 0, not from min_learning_rate; "
                        "min_learning_rate is where the cosine ends.",
                        "During the warm-up, learning_rate0 * step / warmup_steps."),
    "no-warmup": ("there is no warm-up",
                  "Before warmup_steps the rate should climb linearly from 0; your function "
                  "uses the cosine there too.",
                  "Treat step < warmup_steps separately."),
    "progress-over-total": ("your cosine progress divides by total_steps",
                            "The cosine runs over the steps after the warm-up, so progress "
                            "is divided by total_steps - warmup_steps; over total_steps it never "
                            "reaches the end.",
                            "progress = (step - warmup_steps) / (total_steps - warmup_steps), "
                            "guarded with max(1, ...)."),
    "progress-not-shifted": ("your cosine progress does not start at the end of the warm-up",
                             "progress is counted from step 0 rather than from warmup_steps, "
                             "so right after the warm-up the rate has already dropped.",
                             "Subtract warmup_steps from step before dividing."),
    "no-max-one": ("your function divides by zero when total_steps equals warmup_steps",
                   "With no steps left after the warm-up, total_steps - warmup_steps is 0.",
                   "Divide by max(1, total_steps - warmup_steps)."),
    "no-clamp": ("your rate rises again after total_steps",
                 "Past total_steps the progress goes beyond 1 and the cosine climbs back up; "
                 "the rate must stay at min_learning_rate.",
                 "Clamp the progress with min(1.0, ...)."),
    "degrees": ("your cosine takes degrees",
                "np.cos and math.cos take radians: cos(180 * progress) is not half a turn.",
                "Use pi * progress."),
    "no-half": ("the cosine factor is not halved",
                "(1 + cos) runs from 2 to 0, so the rate starts at twice learning_rate0.",
                "Divide (1 + cos(pi * progress)) by 2."),
    "no-one-plus": ("the 1 + is missing before the cosine",
                    "cos(pi * progress) / 2 runs from 1/2 to -1/2: the rate starts at half and "
                    "goes below the minimum.",
                    "Use (1 + cos(pi * progress)) / 2, which runs from 1 to 0."),
    "one-minus-cos": ("your cosine runs the wrong way",
                      "(1 - cos) / 2 goes from 0 to 1: the rate grows after the warm-up.",
                      "Use (1 + cos(pi * progress)) / 2."),
    "no-min": ("your function ignores min_learning_rate",
               "The cosine goes down to 0 whatever min_learning_rate is.",
               "Decay to min_learning_rate: min_learning_rate + (learning_rate0 - "
               "min_learning_rate) * ..."),
    "amplitude-not-reduced": ("the cosine's amplitude is learning_rate0, not learning_rate0 - "
                              "min_learning_rate",
                              "Adding min_learning_rate on top of the full cosine makes the "
                              "rate start above learning_rate0.",
                              "Scale the cosine by (learning_rate0 - min_learning_rate)."),
    "returns-none": _UPDATE_SHARED["returns-none"],
}


def prefix(name: str) -> str:
    return PREFIX[name]


def text(mistake_id: str) -> tuple[str, str, str]:
    """(title, meaning, hint) of an id or of a combined ``a+b`` id."""
    parts = mistake_id.split("+")
    texts = [_one(p) for p in parts]
    if len(texts) == 1:
        return texts[0]
    title = " and ".join(t[0] for t in texts)
    meaning = " Also: ".join(t[1] for t in texts)
    hint = " ".join(t[2] for t in texts)
    return title, meaning, hint


def _one(mistake_id: str) -> tuple[str, str, str]:
    pre, _, slug = mistake_id.partition("/")
    return _VOCAB[pre][slug]


def order(mistake_id: str) -> int:
    """Position of an id in the vocabulary (combined ids list their parts in this order)."""
    pre, _, slug = mistake_id.partition("/")
    return list(_VOCAB[pre]).index(slug)


def known(mistake_id: str) -> bool:
    try:
        for p in mistake_id.split("+"):
            _one(p)
    except KeyError:
        return False
    return True


def all_ids() -> list[str]:
    return [f"{p}/{s}" for p, slugs in _VOCAB.items() for s in slugs]


__all__ = ["PREFIX", "prefix", "text", "known", "order", "all_ids"]
