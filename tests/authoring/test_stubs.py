"""Stub generation follows nbgrader's solution-region semantics."""

import pytest

from nnlab.authoring.stubs import BuildError, make_stub

SOLUTION = '''\
# %% [markdown]
# # A lesson

# %%
import numpy as np


def relu(x):
    """Rectified linear unit.

    Args:
        x: array of any shape.
    """
    # a comment outside the region stays
    ### BEGIN SOLUTION
    # HINT: np.maximum compares elementwise
    return np.maximum(x, 0)
    ### END SOLUTION


class Thing:
    def method(self):
        ### BEGIN SOLUTION
        return 1
        ### END SOLUTION
'''


def test_regions_become_not_implemented_with_hint_and_rest_is_kept():
    stub = make_stub(SOLUTION, "solutions/x.py")
    assert "np.maximum(x, 0)" not in stub and "return 1" not in stub
    assert '"""Rectified linear unit.' in stub and "# a comment outside the region stays" in stub
    assert "    # YOUR CODE HERE\n    # HINT: np.maximum compares elementwise\n" in stub
    assert "raise NotImplementedError('relu is not implemented yet. Hint: np.maximum compares elementwise')" in stub
    assert "        raise NotImplementedError('method is not implemented yet.')" in stub
    namespace = {}
    exec(compile(stub, "stub", "exec"), namespace)
    with pytest.raises(NotImplementedError, match="relu is not implemented yet"):
        namespace["relu"](1)


@pytest.mark.parametrize("text, message", [
    ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "line 2: ### BEGIN SOLUTION without an ### END SOLUTION"),
    ("def f():\n    return 1\n    ### END SOLUTION\n", "line 3: ### END SOLUTION without a ### BEGIN SOLUTION"),
    ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n", "line 3"),
])
def test_broken_regions_are_named(text, message):
    with pytest.raises(BuildError, match=message):
        make_stub(text, "solutions/x.py")
