"""Hostile submissions are contained: each costs only its own tests, never the batch, and the
other module keeps full marks."""

import pytest

from tests.support import solution_with
from nnlab.grading.runner import grade_submission

TARGET = "activations.relu"

HOSTILE = {
    "exit at import": ("import sys\nsys.exit(0)", "module"),
    "os._exit at import": ("import os\nos._exit(0)", "module"),
    "exit inside a call": ("def relu(x):\n    import sys\n    sys.exit(1)", "function"),
    "os._exit inside a call": ("def relu(x):\n    import os\n    os._exit(1)", "function"),
    "endless loop": ("def relu(x):\n    while True:\n        pass", "function"),
    "sleep": ("def relu(x):\n    import time\n    time.sleep(3600)", "function"),
    "memory bomb": ("def relu(x):\n    hoard = []\n    while True:\n        hoard.append(np.ones(10**7))",
                    "function"),
    "print flood": ("def relu(x):\n    for _ in range(300000):\n        print('flood ' * 20)\n"
                    "    return np.maximum(x, 0 * x)", "contained"),
    "__eq__ always true": ("def relu(x):\n    class Yes:\n        def __eq__(self, other):\n"
                           "            return True\n        __hash__ = None\n    return Yes()", "function"),
    "ndarray subclass faking comparisons": (
        "class Fake(np.ndarray):\n"
        "    def __eq__(self, other):\n        return np.ones(np.shape(other), bool)\n"
        "    def __array_ufunc__(self, *args, **kwargs):\n        return np.zeros(1)\n"
        "    def __sub__(self, other):\n        return np.zeros(np.shape(other))\n"
        "def relu(x):\n    return np.zeros(np.shape(x)).view(Fake)", "function"),
    "monkeypatching numpy": (
        "np.allclose = lambda *a, **k: True\n"
        "np.isclose = lambda a, b, **k: np.ones(np.shape(b), bool)\n"
        "np.testing.assert_allclose = lambda *a, **k: None\n"
        "np.array_equal = lambda *a, **k: True\n"
        "def relu(x):\n    return np.zeros_like(x) - 1", "tampered"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_code_costs_only_its_own_tests(fast_course, make_submission, name):
    code, reach = HOSTILE[name]
    folder = make_submission("mallory", {"activations.py": solution_with("activations", code)})
    result = grade_submission(folder, fast_course, warn_seed=False)
    assert not result.error and not result.grader_errors
    by_module = result.module_scores()
    assert by_module["losses"][0] == by_module["losses"][1] > 0, "the other module keeps full marks"
    own = [t for t in result.tests if t.function == TARGET]
    others = [t for t in result.tests if t.module == "activations" and t.function != TARGET]
    assert own and others
    if reach == "tampered":  # np.array_equal is one of the worker's own tools: sealed
        assert not any(t.passed for t in own + others)
        assert all("changed the grading sandbox's own code" in t.output for t in own + others)
    elif reach == "module":
        assert not any(t.passed for t in own + others)
        assert all("could not be imported" in t.output for t in own + others)
    elif reach == "function":
        assert not any(t.passed for t in own)
        assert all(t.passed for t in others), [t.name for t in others if not t.passed]
    else:  # contained: grading went on; nothing else suffered
        assert all(t.passed for t in others)


@pytest.mark.parametrize("content, words", [
    ("def relu(x:\n    return x\n", "SyntaxError"),
    (b"\xff\xfeimport numpy\n", "not UTF-8 text (byte 0xff at offset 0)"),
])
def test_unreadable_module_fails_its_tests_with_a_reason(fast_course, make_submission, content, words):
    folder = make_submission("mallory", {"activations.py": content})
    result = grade_submission(folder, fast_course, warn_seed=False)
    activations = [t for t in result.tests if t.module == "activations"]
    assert activations and not any(t.passed for t in activations)
    assert all(words in t.output for t in activations)
    losses = result.module_scores()["losses"]
    assert losses[0] == losses[1] > 0


def test_conftest_in_a_submission_is_ignored(fast_course, make_submission):
    rigging = ("import pytest\n\n@pytest.hookimpl(tryfirst=True)\ndef pytest_runtest_call(item):\n"
               "    return True\n\ndef pytest_collection_modifyitems(items):\n    items.clear()\n")
    folder = make_submission("mallory", {"conftest.py": rigging, "sitecustomize.py": "import os\nos._exit(0)\n"},
                             base="exercises")
    result = grade_submission(folder, fast_course, warn_seed=False)
    assert result.tests and result.score == 0
    assert {"conftest.py", "sitecustomize.py"} <= set(result.ignored_files)
    assert all(t.outcome == "not_implemented" for t in result.tests)
