"""Train the seven classic configurations and print accuracy, cost and time.

    python benchmarks/training.py [--repeats 3] [--json] [--no-baseline]

The update rules are the instructor masters' solutions, called exactly as a learner's functions
are (through helpers.training). Each configuration runs ``--repeats`` times; the table shows the
median wall time and the median time per mini-batch step. Unless ``--no-baseline``, the same runs
are repeated with a plain textbook implementation of the network and loop (written below, for
comparison only: separate functions per layer, new arrays everywhere, a cost computed from the
probabilities), so the speed-up of helpers.network/training is measured in one run on one
machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograder.publish.masters import load_functions  # noqa: E402
from helpers import network, training  # noqa: E402
from helpers.data import load_moons  # noqa: E402

S = load_functions(
    "update_parameters_with_gd", "random_mini_batches", "initialize_velocity",
    "update_parameters_with_momentum", "initialize_adam", "update_parameters_with_adam",
    "update_lr", "schedule_lr_decay")

# name, optimizer, decay, learning rate
CONFIGS = [
    ("gd", "gd", None, 0.0007),
    ("momentum", "momentum", None, 0.0007),
    ("adam", "adam", None, 0.0007),
    ("gd + update_lr", "gd", "update_lr", 0.1),
    ("gd + schedule_lr_decay", "gd", "schedule_lr_decay", 0.1),
    ("momentum + schedule_lr_decay", "momentum", "schedule_lr_decay", 0.1),
    ("adam + schedule_lr_decay", "adam", "schedule_lr_decay", 0.01),
]


def make_optimizer(name: str) -> training.Optimizer:
    if name == "gd":
        return training.gd(S["update_parameters_with_gd"])
    if name == "momentum":
        return training.momentum(S["initialize_velocity"], S["update_parameters_with_momentum"],
                                 beta=0.9)
    return training.adam(S["initialize_adam"], S["update_parameters_with_adam"])


# --------------------------------------------------------------------- a textbook baseline
def _baseline_forward(X, p):
    cache = {"A0": X}
    L = len(p) // 2
    A = X
    for l in range(1, L + 1):
        Z = np.dot(p["W" + str(l)], A) + p["b" + str(l)]
        A = 1 / (1 + np.exp(-Z)) if l == L else np.maximum(0, Z)
        cache["Z" + str(l)], cache["A" + str(l)] = Z, A
    return A, cache


def _baseline_train(X, Y, optimizer, mini_batches, learning_rate, schedule, num_epochs=5000):
    """The same training, written the straightforward way (the speed reference)."""
    p = network.initialize_parameters_he()
    L = len(p) // 2
    state = optimizer.init(p)
    lr, seed, m = learning_rate, 10, X.shape[1]
    for epoch in range(num_epochs):
        seed += 1
        total = 0.0
        for Xb, Yb in mini_batches(X, Y, 64, seed):
            AL, cache = _baseline_forward(Xb, p)
            logprobs = np.multiply(-np.log(AL), Yb) + np.multiply(-np.log(1 - AL), 1 - Yb)
            total += np.sum(logprobs)
            grads, mb = {}, Xb.shape[1]
            dZ = 1.0 / mb * (AL - Yb)
            for l in range(L, 0, -1):
                grads["dW" + str(l)] = np.dot(dZ, cache["A" + str(l - 1)].T)
                grads["db" + str(l)] = np.sum(dZ, axis=1, keepdims=True)
                if l > 1:
                    dA = np.dot(p["W" + str(l)].T, dZ)
                    dZ = np.multiply(dA, np.int64(cache["A" + str(l - 1)] > 0))
            p, state = optimizer.step(p, grads, state, lr)
        if schedule:
            lr = schedule(learning_rate, epoch, 1.0)
    return p, total / m


def run(config, baseline: bool):
    name, opt, decay, lr = config
    X, Y, X_test, Y_test = load_moons()
    schedule = S[decay] if decay else None
    start = time.perf_counter()
    if baseline:
        parameters, final_cost = _baseline_train(X, Y, make_optimizer(opt),
                                                 S["random_mini_batches"], lr, schedule)
    else:
        parameters, history = training.train(X, Y, make_optimizer(opt),
                                             mini_batches=S["random_mini_batches"],
                                             learning_rate=lr, schedule=schedule, progress=False)
        final_cost = history.costs[-1]
    seconds = time.perf_counter() - start
    return {"name": name, "optimizer": opt, "decay": decay,
            "train_accuracy": round(100 * network.accuracy(X, Y, parameters), 2),
            "test_accuracy": round(100 * network.accuracy(X_test, Y_test, parameters), 2),
            "final_cost": round(float(final_cost), 6), "seconds": seconds}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per configuration")
    parser.add_argument("--json", action="store_true", help="print a JSON list instead")
    parser.add_argument("--no-baseline", action="store_true", help="skip the textbook baseline")
    args = parser.parse_args(argv)
    steps = 5000 * 5
    results = []
    for config in CONFIGS:
        runs = [run(config, baseline=False) for _ in range(args.repeats)]
        result = dict(runs[0], seconds=round(statistics.median(r["seconds"] for r in runs), 4))
        result["us_per_step"] = round(result["seconds"] / steps * 1e6, 1)
        if not args.no_baseline:
            base = [run(config, baseline=True) for _ in range(args.repeats)]
            assert base[0]["train_accuracy"] == result["train_accuracy"], (base[0], result)
            result["baseline_seconds"] = round(statistics.median(r["seconds"] for r in base), 4)
            result["speedup"] = round(result["baseline_seconds"] / result["seconds"], 2)
        results.append(result)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    header = (f"{'configuration':30s} {'train %':>8s} {'test %':>7s} {'cost':>8s} "
              f"{'seconds':>8s} {'us/step':>8s}")
    if not args.no_baseline:
        header += f" {'baseline s':>10s} {'speed-up':>8s}"
    print(f"median of {args.repeats} runs each, 5000 epochs x 5 mini-batches")
    print(header)
    for r in results:
        line = (f"{r['name']:30s} {r['train_accuracy']:8.2f} {r['test_accuracy']:7.2f} "
                f"{r['final_cost']:8.4f} {r['seconds']:8.3f} {r['us_per_step']:8.1f}")
        if not args.no_baseline:
            line += f" {r['baseline_seconds']:10.3f} {r['speedup']:8.2f}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
