"""Time scikit-learn's multinomial LogisticRegression to an objective within a relative gap of the optimum.

usage: sklearn_peers.py DATA_DIR ROWS LAMBDA J_STAR REL_GAP MAX_SECONDS SOLVERS [--optimum]

DATA_DIR holds Fashion-MNIST's train-images-idx3-ubyte(.gz) and train-labels-idx1-ubyte(.gz); the first ROWS rows
are used, pixels / 255 in float64. The objective is ours, J = mean NLL + LAMBDA/2 ||W||^2 (bias not penalised),
which is sklearn's with C = 1 / (LAMBDA * ROWS). SOLVERS is a comma-separated list (lbfgs,newton-cg).
With --optimum, J* is also computed by a tight newton-cg fit (tol 1e-10) and reported as "optimum".

Method (no callback exists in sklearn's solvers): LinearModelLoss.loss and .loss_gradient, the functions the
lbfgs and newton-cg solvers evaluate at every trial point, are wrapped to record (wall time, objective) at each
call. The fit is stopped, by an exception raised from the wrapper, at the first evaluation with
(J - J_STAR) / J_STAR <= REL_GAP, or once MAX_SECONDS have passed. Times count from the call of fit(), so they
include sklearn's input validation, as a user would see it. The wrapper only reads the value the solver computed
anyway, so it adds no evaluations. sklearn 1.2 minimises the sum form (n J); the scale is read off the first
evaluation, at zero weights, where J = log K.

Prints one JSON object on the last line of stdout.
"""
import gzip
import json
import math
import os
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.linear_model import _linear_loss


def read_idx(folder, base):
    """Reads an IDX file, gzipped or plain, as a numpy array of its declared shape."""
    for name, opener in ((base + ".gz", gzip.open), (base, open)):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            with opener(path, "rb") as f:
                data = f.read()
            dims = data[3]
            shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims))
            return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)
    raise FileNotFoundError(os.path.join(folder, base) + "[.gz]")


class Stop(Exception):
    """Raised from the wrapped loss to end a fit once the target is met or the time is up."""


class Recorder:
    """Wraps the loss functions the solvers call and keeps the trace of (seconds, J)."""

    def __init__(self, target, max_seconds, n_classes):
        self.target = target
        self.max_seconds = max_seconds
        self.n_classes = n_classes
        self.reset()

    def reset(self):
        self.start = None
        self.scale = None
        self.trace = []
        self.reached = None

    def observe(self, value):
        now = time.perf_counter() - self.start
        if self.scale is None:
            # First call is at zero weights, where the mean NLL is log K exactly.
            self.scale = value / math.log(self.n_classes)
        j = value / self.scale
        self.trace.append((now, j))
        if self.target is not None and j <= self.target:
            self.reached = (now, j, len(self.trace))
            raise Stop()
        if now > self.max_seconds:
            raise Stop()

    def install(self):
        cls = _linear_loss.LinearModelLoss
        original_loss, original_loss_gradient = cls.loss, cls.loss_gradient
        recorder = self

        def loss(self, *args, **kwargs):
            value = original_loss(self, *args, **kwargs)
            if recorder.start is not None:
                recorder.observe(float(value))
            return value

        def loss_gradient(self, *args, **kwargs):
            result = original_loss_gradient(self, *args, **kwargs)
            if recorder.start is not None:
                recorder.observe(float(result[0]))
            return result

        cls.loss, cls.loss_gradient = loss, loss_gradient


def model(solver, lam, n, tol, max_iter):
    kwargs = dict(C=1.0 / (lam * n), tol=tol, max_iter=max_iter, solver=solver)
    try:
        return LogisticRegression(multi_class="multinomial", **kwargs)
    except TypeError:  # scikit-learn >= 1.7 dropped multi_class; multinomial is the default
        return LogisticRegression(**kwargs)


def objective(clf, X, y, lam):
    P = clf.predict_proba(X)
    return float(-np.mean(np.log(P[np.arange(X.shape[0]), y])) + 0.5 * lam * np.sum(clf.coef_ ** 2))


def main():
    folder, rows, lam, j_star, rel_gap, max_seconds, solvers = sys.argv[1:8]
    rows, lam, j_star = int(rows), float(lam), float(j_star)
    rel_gap, max_seconds = float(rel_gap), float(max_seconds)
    X = read_idx(folder, "train-images-idx3-ubyte")[:rows].reshape(rows, -1).astype(np.float64) / 255.0
    y = read_idx(folder, "train-labels-idx1-ubyte")[:rows].astype(np.int64)
    n_classes = int(y.max()) + 1
    report = {
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "threads": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")},
        "rows": rows,
        "lambda": lam,
        "j_star": j_star,
        "relative_gap": rel_gap,
        "runs": [],
    }
    target = j_star * (1 + rel_gap)
    recorder = Recorder(target, max_seconds, n_classes)
    recorder.install()
    warnings.simplefilter("ignore")
    for solver in solvers.split(","):
        recorder.reset()
        # tol 1e-12 and a large max_iter: only the target (or the time limit) ends the fit.
        clf = model(solver, lam, rows, 1e-12, 100000)
        recorder.start = time.perf_counter()
        try:
            clf.fit(X, y)
        except Stop:
            pass
        total = time.perf_counter() - recorder.start
        best = min(j for _, j in recorder.trace) if recorder.trace else float("nan")
        report["runs"].append({
            "solver": solver,
            "reached": recorder.reached is not None,
            "seconds_to_target": recorder.reached[0] if recorder.reached else None,
            "objective_at_target": recorder.reached[1] if recorder.reached else None,
            "evaluations_to_target": recorder.reached[2] if recorder.reached else None,
            "evaluations": len(recorder.trace),
            "best_objective": best,
            "best_relative_gap": (best - j_star) / j_star,
            "seconds": total,
            "objective_scale": recorder.scale,
        })
        print(json.dumps(report["runs"][-1]), file=sys.stderr, flush=True)
    if "--optimum" in sys.argv[8:]:
        recorder.reset()  # start None: the wrapper records nothing
        clf = model("newton-cg", lam, rows, 1e-10, 1000)
        t0 = time.perf_counter()
        clf.fit(X, y)
        report["optimum"] = {
            "solver": "newton-cg",
            "tol": 1e-10,
            "objective": objective(clf, X, y, lam),
            "iterations": int(np.max(clf.n_iter_)),
            "seconds": time.perf_counter() - t0,
        }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
