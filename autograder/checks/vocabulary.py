"""The mistake vocabulary: every stable id a check can name, with what the learner reads.

Plain text only (no code that computes anything): an id of the form ``<prefix>/<slug>`` maps to
``(title, meaning, hint)``. The title is what the feedback's first line says; the meaning
explains the pattern; the hint points towards the fix without giving it. The ids are shared with
the learner catalogue and ``mistakes.csv`` (``docs/mistake_ids.md`` in the briefs); the wrong
rules that reproduce them live on the trusted side (``autograder.publish.families``), never here.

A diagnosis made of two mistakes is written ``first+second`` (return shape first).
"""

from __future__ import annotations

from autograder.checks.i18n import N_, _

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
    "wrong-sign": (N_("you step up the gradient (wrong sign)"),
                   N_("The parameters moved in the direction of the gradient, which makes the cost "
                   "grow: the update adds the step instead of subtracting it."),
                   N_("Gradient descent moves against the gradient: look at the sign of your "
                      "update.")),
    "no-learning-rate": (N_("your step leaves out the learning rate"),
                         N_("The parameters moved by the whole step, not scaled by learning_rate."),
                         N_("Multiply the step by learning_rate.")),
    "loop-stops-early": (N_("your loop stops one layer early"),
                         N_("The last layer came back unchanged: a loop written range(1, L) "
                            "stops at "
                         "L - 1, because Python's range leaves out its end."),
                         N_("Layers are numbered 1 to L; check the end of your range().")),
    "loop-one-layer-too-far": (N_("your layer index is off by one"),
                               N_("Your code asks for a layer after the last one: with l running "
                               "over 1..L, a key built with str(l + 1) (or L counting the "
                               "dictionary's entries, two per layer) reaches layer L + 1."),
                               N_("Use the loop variable itself as the layer number, and "
                               "L = len(parameters) // 2.")),
    "bias-not-updated": (N_("the biases b1, b2, ... are not updated"),
                         N_("Only the weights changed: the loop updates W but forgets b."),
                         N_("Each layer has two parameters, W and b; both take a step.")),
    "w-paired-with-db": (N_("a parameter is paired with the other parameter's quantity"),
                         N_("W was stepped with db's quantity, or b with dW's: numpy broadcast two "
                         "arrays of different shapes (or refused to)."),
                         N_("Pair W with dW and b with db: build both keys from the same name.")),
    "loop-starts-at-zero": (N_("your layers are numbered from 0"),
                            N_("Layers are numbered from 1: a loop over range(L) starts at 0 and "
                            "uses keys such as dW0."), N_("Make the loop run over 1, 2, ..., L.")),
    "returns-none": (N_("your function returns nothing (None)"),
                     N_("A function without a return statement gives back None, even when it "
                     "changed its arguments in place."),
                     N_("End the function with a return statement (see the docstring for what).")),
    "returns-in-wrong-order": (N_("the returned values are in the wrong order"),
                               N_("The values are right but come back in another order than the "
                               "docstring's, so the caller unpacks them into the wrong names."),
                               N_("Return the values in the order the docstring lists them.")),
}

_INIT_SHARED = {
    "param-keys": (N_("your keys are named like the parameters (W1 instead of dW1)"),
                   N_("Optimizer state follows the gradients' names: dW1, db1, ... so that the "
                   "update functions can look up v['dW1'] next to grads['dW1']."),
                   N_("Name each entry 'd' + the parameter's name.")),
    "copies-parameters": (N_("your state starts from the parameters, not from zeros"),
                          N_("The entries hold the values of the parameters (or gradients): the "
                          "running means must start at zero."),
                          N_("Fill each entry with zeros of the parameter's shape.")),
    "ones": (N_("your state starts at ones, not zeros"),
             N_("np.ones where np.zeros belongs: the running means must start at zero."),
             N_("Use zeros of the parameter's shape.")),
    "loop-stops-early": _UPDATE_SHARED["loop-stops-early"],
    "loop-one-layer-too-far": _UPDATE_SHARED["loop-one-layer-too-far"],
    "wrong-shape": (N_("your zeros have the wrong shape"),
                    N_("Each entry must have exactly the shape of its parameter (a weight is "
                    "(n_l, n_(l-1)), a bias (n_l, 1))."),
                    N_("np.zeros_like(parameter) gives the right shape.")),
    "aliases-parameters": (N_("the state shares memory with the parameters"),
                           N_("An entry is a view of a parameter's array: changing the state in "
                           "place would change the parameters."),
                           N_("Make new zero arrays (np.zeros_like) instead of reusing the "
                           "parameters' arrays.")),
    "integer-zeros": (N_("integer arrays instead of floats"),
                      N_("The array holds integers: an update written in place (v[k] *= beta) "
                      "would fail or truncate, because an integer array cannot store 0.9."),
                      N_("Let numpy choose float zeros, without dtype=int.")),
    "returns-none": _UPDATE_SHARED["returns-none"],
    "loop-starts-at-zero": _UPDATE_SHARED["loop-starts-at-zero"],
}

_SECOND_MOMENT = {
    "epsilon-inside-sqrt": (N_("epsilon is inside the square root"),
                            N_("You divide by sqrt(s + epsilon). This course (like PyTorch and the "
                            "original papers) adds epsilon outside: sqrt(s) + epsilon. With "
                            "epsilon = 0.01 the two differ clearly."),
                            N_("Take the square root of the second moment first, then add "
                               "epsilon.")),
    "epsilon-added-to-step": (N_("epsilon is added to the step instead of the denominator"),
                              N_("Without parentheses around np.sqrt(...) + epsilon, Python "
                              "divides first and then adds epsilon to the whole step."),
                              N_("Put the denominator in parentheses: (np.sqrt(...) + epsilon).")),
    "no-epsilon": (N_("epsilon is missing"),
                   N_("You divide by sqrt(s) alone (or add a fixed tiny number such as 1e-8 in "
                   "place of the epsilon argument, which these checks cannot tell apart); "
                   "epsilon is there so a tiny s cannot blow the step up."),
                   N_("Add the epsilon argument to the denominator (outside the square root).")),
    "grad-not-squared": (N_("your second moment is not squared"),
                         N_("s averages the gradient itself instead of the squared gradient; a "
                         "plain gradient can even make s negative and the root nan."),
                         N_("s tracks the average of grad ** 2 (element-wise square).")),
    "matrix-product-for-square": (N_("a matrix product where an element-wise square belongs"),
                                  N_("grad @ grad.T (or np.dot(grad, grad.T)) is a matrix product: "
                                  "for a weight it has another shape than the weight, and it "
                                  "mixes entries. The square of each entry is grad * grad."),
                                  N_("Square element by element: grad ** 2 or np.square(grad).")),
    "square-instead-of-sqrt": (N_("you square s where its square root belongs"),
                               N_("np.square(s) (or s ** 2) in the denominator: the step divides "
                               "by the root of the mean square, np.sqrt(s)."),
                               N_("np.sqrt takes the root; np.square squares.")),
    "no-sqrt": (N_("you divide by s instead of its square root"),
                N_("The step is grad / (s + epsilon): the square root is missing."),
                N_("RMSprop divides by the root of the mean square.")),
    "s-from-wrong-gradient": (N_("s of one parameter is built from the other parameter's gradient"),
                              N_("s['db'] is computed from grads['dW'] (or the other way round): "
                              "the keys of s and of grads differ in that line."),
                              N_("Use the same key for s and for grads in each line.")),
}

_VOCAB: dict[str, dict[str, tuple[str, str, str]]] = {
    "gd": {**_UPDATE_SHARED,
           "learning-rate-divides": (N_("you divide by the learning rate"),
                                     N_("grad / learning_rate makes a small learning rate take a "
                                     "huge step."),
                                     N_("The step is learning_rate times the gradient."))},
    "momentum": {
        **_UPDATE_SHARED,
        "no-one-minus-beta": (N_("your velocity has no (1 - beta) factor"),
                              N_("v = beta * v + grad adds the whole gradient each step, so the "
                              "velocity grows too large (PyTorch's undamped momentum, not this "
                              "course's convention)."),
                              N_("The new velocity is an average: beta of the old velocity plus "
                              "(1 - beta) of the gradient.")),
        "beta-and-one-minus-beta-swapped": (N_("beta and (1 - beta) are swapped"),
                                            N_("Your velocity keeps (1 - beta) of its past and "
                                            "takes beta of the new gradient."),
                                            N_("beta multiplies the old velocity, (1 - beta) the "
                                            "gradient.")),
        "step-with-grad": (N_("you step with the raw gradient instead of the velocity"),
                           N_("The velocity is computed but the parameters move by learning_rate * "
                           "grad: plain gradient descent."),
                           N_("Once v is updated, it is v (not the gradient) that moves the "
                           "parameters.")),
        "step-with-old-velocity": (N_("you step with the old velocity"),
                                   N_("The parameters moved with the velocity from before this "
                                   "step (from a zero start they do not move at all)."),
                                   N_("Update v first, then use the new v for the step.")),
        "velocity-not-stored": (N_("the new velocity is not stored in v"),
                                N_("The parameters are right but the v you return still holds the "
                                "old values, so the next call starts from a stale velocity."),
                                N_("Write the new velocity into v[...].")),
        "lr-in-velocity": (N_("the learning rate is inside your velocity"),
                           N_("You wrote the other common form of momentum, v = beta * v - "
                           "learning_rate * grad then W + v; this course's v is an average of "
                           "gradients, without the learning rate."),
                           N_("v = beta * v + (1 - beta) * grad, then the parameters take "
                           "learning_rate * v.")),
        "ignores-beta": (N_("your function ignores the beta argument"),
                         N_("It behaves as if beta were always 0.9: a number is written where the "
                         "argument belongs (the checks pass other values)."),
                         N_("Use the parameter beta wherever your code has 0.9.")),
    },
    "rmsprop": {
        **_UPDATE_SHARED, **_SECOND_MOMENT,
        "beta-and-one-minus-beta-swapped": (N_("beta2 and (1 - beta2) are swapped"),
                                            N_("Your s keeps (1 - beta2) of its past and takes "
                                            "beta2 of the new squared gradient."),
                                            N_("beta2 multiplies the old s, (1 - beta2) the "
                                               "squared "
                                            "gradient.")),
        "step-with-old-s": (N_("you step with the old s"),
                            N_("The step divides by the s from before this update."),
                            N_("Update s first, then use the new s in the step.")),
        "ignores-beta2": (N_("your function ignores the beta2 argument"),
                          N_("It behaves as if beta2 were always 0.999."),
                          N_("Use the parameter beta2 wherever your code has 0.999.")),
        "ignores-learning-rate": (N_("your function ignores the learning_rate argument"),
                                  N_("It behaves as if learning_rate were always 0.01."),
                                  N_("Use the parameter learning_rate wherever your code has "
                                     "0.01.")),
        "s-not-stored": (N_("the new s is not stored"),
                         N_("The parameters are right but the s you return still holds the old "
                         "values, so the next call starts from a stale s."),
                         N_("Write the new value into s[...].")),
    },
    "adam": {
        **_UPDATE_SHARED, **_SECOND_MOMENT,
        "betas-swapped": (N_("beta1 and beta2 are swapped between the moments"),
                          N_("v averages with beta2 and s with beta1."),
                          N_("v (the mean of the gradients) uses beta1; s (the mean of the "
                             "squares) "
                          "uses beta2.")),
        "s-averaged-with-beta1": (N_("both moments use beta1"),
                                  N_("s is averaged with beta1 where beta2 belongs."),
                                  N_("s (the mean of the squared gradients) uses beta2.")),
        "v-beta-and-one-minus-beta-swapped": (N_("beta1 and (1 - beta1) are swapped in v"),
                                              N_("v keeps (1 - beta1) of its past and takes beta1 "
                                              "of the gradient."),
                                              N_("beta1 multiplies the old v, (1 - beta1) the "
                                              "gradient.")),
        "s-beta-and-one-minus-beta-swapped": (N_("beta2 and (1 - beta2) are swapped in s"),
                                              N_("s keeps (1 - beta2) of its past and takes beta2 "
                                              "of the squared gradient."),
                                              N_("beta2 multiplies the old s, (1 - beta2) the "
                                              "squared gradient.")),
        "no-bias-correction": (N_("the bias correction is missing"),
                               N_("v_corrected equals v and s_corrected equals s: the moments "
                                  "start "
                               "at zero, so without dividing by (1 - beta ** t) the first steps "
                               "are off."),
                               N_("Each corrected moment divides the moment by 1 minus beta to the "
                               "power t.")),
        "v-not-corrected-in-step": (N_("the step uses v, not v_corrected"),
                                    N_("v_corrected is computed but the step divides the raw v."),
                                    N_("Use v_corrected in the step.")),
        "s-not-corrected-in-step": (N_("the step uses s, not s_corrected"),
                                    N_("s_corrected is computed but the step takes the root of the "
                                    "raw s."), N_("Use s_corrected in the step.")),
        "correction-precedence": (N_("the bias correction is (1 - beta) ** t, not 1 - beta ** t"),
                                  N_("The power applies to beta alone: (1 - beta) ** t is another "
                                  "number."), N_("Write 1 - beta ** t: the power binds to beta.")),
        "correction-beta-times-t": (N_("the bias correction multiplies beta by t"),
                                    N_("1 - beta * t where 1 - beta ** t belongs: ** is the "
                                       "power."),
                                    N_("beta to the power t is beta ** t.")),
        "correction-exponent-t-plus-one": (N_("the bias correction uses t + 1"),
                                           N_("The exponent is one too high: t already counts "
                                           "this step (1 at the first update)."),
                                           N_("Use t itself as the exponent.")),
        "correction-exponent-t-minus-one": (N_("the bias correction uses t - 1"),
                                            N_("The exponent is one too low: t is 1 at the first "
                                            "update, so t - 1 divides by zero there."),
                                            N_("Use t itself as the exponent.")),
        "correction-exponent-two": (N_("the bias correction squares beta instead of raising it "
        "to t"),
                                    N_("beta ** 2 (or beta * beta) where beta ** t belongs: the "
                                    "correction must shrink as the steps go on."),
                                    N_("The exponent is the step number t.")),
        "correction-exponent-layer": (N_("the bias correction uses the layer number as exponent"),
                                      N_("beta ** l (the loop's layer) where beta ** t belongs."),
                                      N_("The exponent is the step number t, the same for every "
                                      "layer.")),
        "correction-no-exponent": (N_("the bias correction has no exponent"),
                                   N_("You divide by 1 - beta, the same at every step; the "
                                   "correction is 1 - beta ** t."),
                                   N_("Raise beta to the power t.")),
        "correction-one-plus": (N_("the bias correction adds instead of subtracting"),
                                N_("1 + beta ** t where 1 - beta ** t belongs."),
                                N_("The corrected moment is the moment divided by 1 - beta ** t.")),
        "correction-betas-swapped": (N_("each moment is corrected with the other moment's beta"),
                                     N_("v is divided by 1 - beta2 ** t and s by 1 - beta1 ** t."),
                                     N_("v goes with beta1, s with beta2, in the correction too.")),
        "corrected-values-stored": (N_("the corrected values are stored as the moments"),
                                    N_("The v (or s) you return is the corrected value; the next "
                                    "call then averages a corrected value and corrects it again."),
                                    N_("Keep v and s uncorrected; put the corrected values in "
                                    "v_corrected and s_corrected.")),
        "returns-uncorrected": (N_("you return v and s where v_corrected and s_corrected belong"),
                                N_("The step is right but the last two returned values are the raw "
                                "moments."), N_("Return the corrected dictionaries in the last two "
                                            "places.")),
        "step-with-grad": (N_("you step with the raw gradient instead of v_corrected"),
                           N_("The numerator of the step is the gradient itself."),
                           N_("The step is v_corrected / (sqrt(s_corrected) + epsilon).")),
        "step-without-s": (N_("the step does not divide by the second moment"),
                           N_("The parameters move by learning_rate * v_corrected: the division by "
                           "sqrt(s_corrected) + epsilon is missing."),
                           N_("Divide by (np.sqrt(s_corrected) + epsilon).")),
        "returns-three-values": (N_("your function returns 3 values, not 5"),
                                 N_("The older form of this exercise returned (parameters, v, s); "
                                 "this course's also returns v_corrected and s_corrected."),
                                 N_("Return parameters, v, s, v_corrected, s_corrected.")),
        "ignores-beta1": (N_("your function ignores the beta1 argument"),
                          N_("It behaves as if beta1 were always 0.9."),
                          N_("Use the parameter beta1 wherever your code has 0.9.")),
        "ignores-beta2": (N_("your function ignores the beta2 argument"),
                          N_("It behaves as if beta2 were always 0.999."),
                          N_("Use the parameter beta2 wherever your code has 0.999.")),
        "ignores-learning-rate": (N_("your function ignores the learning_rate argument"),
                                  N_("It behaves as if learning_rate were always 0.01."),
                                  N_("Use the parameter learning_rate wherever your code has "
                                     "0.01.")),
    },
    "init-velocity": dict(_INIT_SHARED),
    "init-rmsprop": dict(_INIT_SHARED),
    "init-adam": {
        **_INIT_SHARED,
        "v-and-s-same-dict": (N_("v and s are the same dictionary"),
                              N_("initialize_adam returned one dictionary twice (s = v): updating "
                              "s overwrites v."), N_("Build two dictionaries, one for v and one "
                                                 "for s.")),
        "v-and-s-share-arrays": (N_("v and s share their arrays"),
                                 N_("v and s hold the very same array objects: an in-place update "
                                 "of s would change v as well."),
                                 N_("Create a separate zero array for each entry of v and of s.")),
        "returns-one-dict": (N_("your function returns one dictionary, not two"),
                             N_("initialize_adam returns the pair (v, s)."),
                             N_("Return v, s.")),
    },
    "minibatches": {
        "x-y-shuffled-differently": (N_("X and Y were shuffled differently"),
                                     N_("X and Y went through two different permutations (e.g. two "
                                     "calls to np.random.permutation), so each example lost its "
                                     "label."), N_("Draw the permutation once and use it for "
                                     "both X "
                                               "and Y.")),
        "not-shuffled": (N_("the examples are not shuffled"),
                         N_("The batches take the columns in their original order, so every epoch "
                         "sees the same batches."), N_("Permute the columns before slicing.")),
        "features-shuffled": (N_("the rows (features) are shuffled instead of the columns"),
                              N_("Each example is a column of X; shuffling rows mixes the features "
                              "of every example."), N_("Index the columns: X[:, permutation].")),
        "examples-as-rows": (N_("examples are not columns"),
                             N_("Each example is a column of X, so a batch keeps all rows and "
                             "takes some columns."), N_("Slice columns: X[:, start:end].")),
        "last-batch-dropped": (N_("the last, smaller mini-batch is missing"),
                               N_("When m is not a multiple of mini_batch_size, the examples left "
                               "after the full batches form one last, smaller batch."),
                               N_("After the full batches, add the remaining columns when m % "
                               "mini_batch_size is not zero.")),
        "last-batch-wrong-slice": (N_("the last, smaller mini-batch holds the wrong columns"),
                                   N_("The full batches are right, but the last batch does not "
                                   "start where the last full batch ended (or ends elsewhere "
                                   "than at m)."),
                                   N_("The last batch starts at num_complete * mini_batch_size and "
                                   "runs to m.")),
        "slice-starts-at-k": (N_("your slices start at k instead of k * mini_batch_size"),
                              N_("Batch k takes columns k to k + mini_batch_size, so the batches "
                              "overlap and repeat examples."),
                              N_("Batch k starts at k * mini_batch_size.")),
        "empty-last-batch": (N_("your last mini-batch is empty"),
                             N_("m is a multiple of mini_batch_size, so there is no smaller batch "
                             "at the end; an extra step produced an empty one."),
                             N_("Add the last batch only when m % mini_batch_size is not zero.")),
        "fails-when-m-smaller-than-batch": (N_("your function fails when m < mini_batch_size"),
                                            N_("With fewer examples than one batch there is no "
                                            "full batch: a variable set only inside the loop of "
                                            "full batches is then undefined, or the batch is "
                                            "empty."), N_("With m < mini_batch_size the answer is "
                                                      "one batch holding all m examples.")),
        "y-shape-lost": (N_("mini_batch_Y has the wrong shape"),
                         N_("Y is (1, m): each batch of Y keeps its single row and the same "
                            "columns "
                         "as the batch of X."), N_("Slice Y exactly like X: Y[:, start:end].")),
        "seed-ignored": (N_("the shuffle does not follow the seed argument"),
                         N_("The same seed must give the same batches and different seeds "
                         "different ones: the seed is not set, set to a constant, or set "
                         "outside the function."),
                         N_("Seed the generator inside the function, from its seed argument.")),
        "wrong-batch-size": (N_("your full mini-batches have the wrong size"),
                             N_("Every batch but the last holds exactly mini_batch_size examples."),
                             N_("Batch k holds columns k * mini_batch_size up to (k + 1) * "
                             "mini_batch_size.")),
        "shuffles-in-place": (N_("your function changed X or Y"),
                              N_("np.random.shuffle shuffles an array in place, so the caller's "
                              "data changes."),
                              N_("Index with a permutation (X[:, permutation]), which makes a "
                              "copy.")),
    },
    "update-lr": {
        "precedence": (N_("the parentheses are misplaced"),
                       N_("learning_rate0 / 1 + decay_rate * epoch_num divides by 1 only, then "
                       "adds."), N_("The whole 1 + decay_rate * epoch_num is the denominator.")),
        "multiplies": (N_("you multiply where you should divide"),
                       N_("The rate grows with the epochs: learning_rate0 * (1 + decay_rate * "
                       "epoch_num)."), N_("Divide learning_rate0 by (1 + decay_rate * "
                       "epoch_num).")),
        "exponential": (N_("this is exponential decay, not inverse-time decay"),
                        N_("learning_rate0 * exp(-decay_rate * epoch_num) (or decay_rate ** "
                        "epoch_num) is another schedule."),
                        N_("learning_rate0 / (1 + decay_rate * epoch_num).")),
        "epoch-plus-one": (N_("you use epoch_num + 1"),
                           N_("Epochs count from 0: at epoch 0 the rate is learning_rate0."),
                           N_("Use epoch_num itself.")),
        "no-decay": (N_("the learning rate does not change (no decay)"),
                     N_("Your function returns learning_rate0 at every epoch."),
                     N_("Divide by 1 + decay_rate * epoch_num.")),
        "squared-epoch": (N_("you square the epoch number"),
                          N_("decay_rate * epoch_num ** 2 decays too fast."),
                          N_("The decay is linear in epoch_num.")),
        "returns-none": _UPDATE_SHARED["returns-none"],
    },
    "schedule-lr": {
        "one-decay-threshold": (N_("your schedule decays once, not once per interval"),
                                N_("if epoch_num >= time_interval: gives one step down and then "
                                "stays flat; the schedule is a staircase with a step every "
                                "time_interval epochs."),
                                N_("Count the finished intervals: np.floor(epoch_num / "
                                "time_interval).")),
        "round-instead-of-floor": (N_("you round epoch_num / time_interval instead of taking "
                                   "the floor"),
                                   N_("round() switches to the next step half-way through an "
                                   "interval."), N_("Use np.floor (or integer division //).")),
        "ceil-instead-of-floor": (N_("you take the ceiling instead of the floor"),
                                  N_("ceil decays from the first epoch of each interval on."),
                                  N_("Use np.floor (or integer division //).")),
        "no-floor": (N_("the floor is missing"),
                     N_("epoch_num / time_interval without the floor decays smoothly, not in "
                     "steps."), N_("Use np.floor(epoch_num / time_interval).")),
        "decays-only-on-multiples": (N_("your rate decays only at exact multiples of the interval"),
                                     N_("Between two multiples the rate goes back to "
                                     "learning_rate0; the staircase stays down."),
                                     N_("Compute the rate from the number of finished intervals at "
                                     "every epoch.")),
        "interval-ignored": (N_("this is update_lr: time_interval is not used"),
                             N_("The rate decays at every epoch rather than once per interval."),
                             N_("Divide epoch_num by time_interval and take the floor.")),
        "fixed-interval": (N_("your function ignores the time_interval argument"),
                           N_("It behaves as if time_interval were always 1000."),
                           N_("Use the time_interval argument.")),
        "compounding": (N_("the decay compounds"),
                        N_("Each interval divides the rate again by 1 + decay_rate; this schedule "
                        "divides once by 1 + decay_rate * intervals."),
                        N_("The number of finished intervals multiplies decay_rate; it is not an "
                        "exponent.")),
        "precedence": (N_("the parentheses are misplaced"),
                       N_("Python computed the division before the addition or multiplication."),
                       N_("The whole 1 + decay_rate * floor(...) is the denominator.")),
        "returns-none": _UPDATE_SHARED["returns-none"],
    },
}


# Notebook 08 (beyond Adam): Nesterov's look-ahead, AdamW's decoupled decay, warm-up + cosine.
_MOMENTUM = _VOCAB["momentum"]
_VOCAB["nesterov"] = {
    **_UPDATE_SHARED,
    "no-look-ahead": (N_("your step is plain momentum, without the look-ahead"),
                      N_("The parameters moved by learning_rate * v: that is the momentum update "
                      "of notebook 03 (so is beta * v_old + (1 - beta) * grad, which is the new "
                      "v). Nesterov steps with beta * v_new + (1 - beta) * grad, the velocity "
                      "one step further on."),
                      N_("After updating v, build the look-ahead from the new v and the "
                         "gradient.")),
    "look-ahead-without-gradient": (N_("your look-ahead leaves out the gradient term"),
                                    N_("The step is beta * v only: the (1 - beta) * grad part of "
                                    "the look-ahead is missing."),
                                    N_("The step is beta * v plus (1 - beta) times the gradient.")),
    "look-ahead-undamped-gradient": (N_("the gradient in your look-ahead is not scaled by "
                                     "(1 - beta)"),
                                     N_("The step adds the whole gradient to beta * v, which "
                                     "mixes this course's averaged velocity with PyTorch's "
                                     "undamped form."),
                                     N_("In the step, the gradient is multiplied by (1 - beta), "
                                     "as in the velocity.")),
    "look-ahead-sign": (N_("the gradient term of your look-ahead has the wrong sign"),
                        N_("The step is beta * v - (1 - beta) * grad: the two terms must add."),
                        N_("Both parts of the look-ahead point the same way: add them.")),
    "torch-style-buffer": (N_("you wrote PyTorch's undamped Nesterov, not this course's"),
                           N_("v = beta * v + grad and a step of beta * v + grad are PyTorch's "
                           "SGD(nesterov=True) form; this course averages with (1 - beta) "
                           "(the docstring gives the bridge between the two)."),
                           N_("Multiply the gradient by (1 - beta), in the velocity and in the "
                           "step.")),
    "no-one-minus-beta": _MOMENTUM["no-one-minus-beta"],
    "beta-and-one-minus-beta-swapped": (N_("beta and (1 - beta) are swapped"),
                                        N_("In the velocity or in the look-ahead, beta multiplies "
                                        "the gradient and (1 - beta) the velocity."),
                                        N_("beta goes with v, (1 - beta) with the gradient, in "
                                        "both formulas.")),
    "step-with-grad": _MOMENTUM["step-with-grad"],
    "velocity-not-stored": _MOMENTUM["velocity-not-stored"],
    "ignores-beta": _MOMENTUM["ignores-beta"],
}
_VOCAB["adamw"] = {
    **_VOCAB["adam"],
    "adam-with-l2": (N_("you added the decay to the gradient (Adam with L2), not decoupled"),
                     N_("grad + weight_decay * W goes through both moments, so Adam rescales the "
                     "decay like any gradient: that is Adam with L2 regularisation. AdamW keeps "
                     "the decay out of the moments."),
                     N_("Compute v and s from the gradient alone; subtract learning_rate * "
                     "weight_decay * W in the step.")),
    "no-weight-decay": (N_("there is no weight decay"),
                        N_("The parameters moved by the Adam step only: weight_decay is not used."),
                        N_("Add weight_decay * W to the step, inside learning_rate * (...).")),
    "decay-without-learning-rate": (N_("your weight decay is not multiplied by the learning rate"),
                                    N_("The parameters shrank by weight_decay * W at each call, "
                                    "not by learning_rate * weight_decay * W."),
                                    N_("The decay sits inside learning_rate * (...), next to the "
                                    "Adam step.")),
    "decay-after-step": (N_("your decay uses W after the Adam step"),
                         N_("The decay was computed from the parameter already moved by the "
                         "Adam step; it uses the value the call was given."),
                         N_("Compute the decay from W before you change W (or in the same "
                         "expression).")),
    "decay-divided-by-sqrt": (N_("your decay is divided by sqrt(s_corrected) + epsilon"),
                              N_("weight_decay * W was put in the numerator with v_corrected, so "
                              "Adam's scaling shrinks or inflates it; decoupled decay is added "
                              "after the division."),
                              N_("Divide v_corrected only; add weight_decay * W outside the "
                              "fraction.")),
    "decay-sign": (N_("your weight decay has the wrong sign"),
                   N_("The parameters grew by learning_rate * weight_decay * W: decay pulls them "
                   "towards zero."), N_("Subtract the decay, like the step.")),
    "decay-skips-biases": (N_("your decay leaves the biases out"),
                           N_("Only the weights decayed. Many libraries exempt biases, but this "
                           "function decays every parameter, b included."),
                           N_("Apply the same decay to b as to W.")),
    "ignores-weight-decay": (N_("your function ignores the weight_decay argument"),
                             N_("It behaves as if weight_decay were always 0.01."),
                             N_("Use the parameter weight_decay wherever your code has 0.01.")),
}
_VOCAB["warmup-cosine"] = {
    "off-by-one": (N_("your warm-up is one step ahead"),
                   N_("(step + 1) / warmup_steps starts above zero and reaches learning_rate0 a "
                   "step early; at step 0 the rate is 0."),
                   N_("During the warm-up the rate is learning_rate0 * step / warmup_steps.")),
    "integer-division": (N_("your warm-up uses integer division"),
                         N_("step // warmup_steps is 0 during the whole warm-up, so the rate stays "
                         "at 0 and then jumps."), N_("Use true division: step / warmup_steps.")),
    "warmup-from-min": (N_("your warm-up starts from min_learning_rate"),
                        N_("The warm-up climbs from 0, not from min_learning_rate; "
                        "min_learning_rate is where the cosine ends."),
                        N_("During the warm-up, learning_rate0 * step / warmup_steps.")),
    "no-warmup": (N_("there is no warm-up"),
                  N_("Before warmup_steps the rate should climb linearly from 0; your function "
                  "uses the cosine there too."),
                  N_("Treat step < warmup_steps separately.")),
    "progress-over-total": (N_("your cosine progress divides by total_steps"),
                            N_("The cosine runs over the steps after the warm-up, so progress "
                            "is divided by total_steps - warmup_steps; over total_steps it never "
                            "reaches the end."),
                            N_("progress = (step - warmup_steps) / (total_steps - warmup_steps), "
                            "guarded with max(1, ...).")),
    "progress-not-shifted": (N_("your cosine progress does not start at the end of the warm-up"),
                             N_("progress is counted from step 0 rather than from warmup_steps, "
                             "so right after the warm-up the rate has already dropped."),
                             N_("Subtract warmup_steps from step before dividing.")),
    "no-max-one": (N_("your function divides by zero when total_steps equals warmup_steps"),
                   N_("With no steps left after the warm-up, total_steps - warmup_steps is 0."),
                   N_("Divide by max(1, total_steps - warmup_steps).")),
    "no-clamp": (N_("your rate rises again after total_steps"),
                 N_("Past total_steps the progress goes beyond 1 and the cosine climbs back up; "
                 "the rate must stay at min_learning_rate."),
                 N_("Clamp the progress with min(1.0, ...).")),
    "degrees": (N_("your cosine takes degrees"),
                N_("np.cos and math.cos take radians: cos(180 * progress) is not half a turn."),
                N_("Use pi * progress.")),
    "no-half": (N_("the cosine factor is not halved"),
                N_("(1 + cos) runs from 2 to 0, so the rate starts at twice learning_rate0."),
                N_("Divide (1 + cos(pi * progress)) by 2.")),
    "no-one-plus": (N_("the 1 + is missing before the cosine"),
                    N_("cos(pi * progress) / 2 runs from 1/2 to -1/2: the rate starts at half and "
                    "goes below the minimum."),
                    N_("Use (1 + cos(pi * progress)) / 2, which runs from 1 to 0.")),
    "one-minus-cos": (N_("your cosine runs the wrong way"),
                      N_("(1 - cos) / 2 goes from 0 to 1: the rate grows after the warm-up."),
                      N_("Use (1 + cos(pi * progress)) / 2.")),
    "no-min": (N_("your function ignores min_learning_rate"),
               N_("The cosine goes down to 0 whatever min_learning_rate is."),
               N_("Decay to min_learning_rate: min_learning_rate + (learning_rate0 - "
               "min_learning_rate) * ...")),
    "amplitude-not-reduced": (N_("the cosine's amplitude is learning_rate0, not learning_rate0 - "
                              "min_learning_rate"),
                              N_("Adding min_learning_rate on top of the full cosine makes the "
                              "rate start above learning_rate0."),
                              N_("Scale the cosine by (learning_rate0 - min_learning_rate).")),
    "returns-none": _UPDATE_SHARED["returns-none"],
}


def prefix(name: str) -> str:
    return PREFIX[name]


def text(mistake_id: str) -> tuple[str, str, str]:
    """(title, meaning, hint) of an id or of a combined ``a+b`` id."""
    parts = mistake_id.split("+")
    texts = [tuple(_(t) for t in _one(p)) for p in parts]
    if len(texts) == 1:
        return texts[0]
    title = _(" and ").join(t[0] for t in texts)
    meaning = _(" Also: ").join(t[1] for t in texts)
    hint = " ".join(t[2] for t in texts)
    return title, meaning, hint


def _one(mistake_id: str) -> tuple[str, str, str]:
    pre, _sep, slug = mistake_id.partition("/")
    return _VOCAB[pre][slug]


def order(mistake_id: str) -> int:
    """Position of an id in the vocabulary (combined ids list their parts in this order)."""
    pre, _sep, slug = mistake_id.partition("/")
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
