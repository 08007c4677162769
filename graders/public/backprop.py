"""Public checks for backprop.py, on fixed, published inputs.

`nnlab build` records the reference's value for each case (and what each catalogued mistake
would return) in exercises/checks/backprop.json; `nnlab check backprop` compares yours.

Only `relative_error` can be checked this way: a public check compares a function's whole return
value with a recorded one, and the other functions return a cache (the learner's own business),
take a cache, a Generator or a function, none of which a recorded JSON file can hold. Check them
in the notebook instead, against `numerical_gradient` (see the lesson's "Try it").
"""

import numpy as np

from nnlab.authoring.public_case import Case

# a gradient and a slightly wrong copy of it
ANALYTIC = np.array([[0.25, -1.5, 3.0], [1e-3, 0.0, -2.0]])
NUMERICAL = np.array([[0.25, -1.5000001, 3.0], [2e-3, 0.0, -2.0]])  # one small entry is off

CASES = [
    Case("relative_error", "identical arrays", args=(ANALYTIC, ANALYTIC.copy())),
    Case("relative_error", "a small entry off beside large right ones", args=(ANALYTIC, NUMERICAL)),
    Case("relative_error", "both zero gives 0", args=(np.zeros(3), np.zeros(3))),
    Case("relative_error", "opposite signs give 1", args=(np.array([1.0, -2.0]), np.array([-1.0, 2.0]))),
    Case("relative_error", "scalars", args=(3.0, 1.0)),
]
