"""Solve the softmax regression objective with scikit-learn, the independent reference.

usage: sklearn_optimum.py DATA.csv LAMBDA
DATA.csv holds features in every column but the last and an integer label in the last, no header.
Prints the optimal objective J* = mean NLL + lambda/2 ||W||^2 on the first line, then the predicted
probabilities at the optimum, one row per sample, comma separated.
"""
import sys
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression

data = np.loadtxt(sys.argv[1], delimiter=",")
lam = float(sys.argv[2])
X, y = data[:, :-1], data[:, -1].astype(int)
n = X.shape[0]
kwargs = dict(C=1.0 / (lam * n), tol=1e-10, max_iter=1000, solver="newton-cg")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    try:
        model = LogisticRegression(multi_class="multinomial", **kwargs).fit(X, y)
    except TypeError:  # scikit-learn >= 1.7 dropped multi_class; multinomial is the default
        model = LogisticRegression(**kwargs).fit(X, y)
P = model.predict_proba(X)
J = -np.mean(np.log(P[np.arange(n), y])) + 0.5 * lam * np.sum(model.coef_ ** 2)
print(repr(float(J)))
for row in P:
    print(",".join(repr(float(v)) for v in row))
