"""A learner who loses points against a recorded Keras value is told so: every failed test whose
oracle is Keras says where its expected values came from (the Keras call, the fixed case and
what the case checks), not just that the numbers differ; or, for a backward pass judged on a
forward that is already wrong, that the forward must be fixed first."""

import numpy as np

from nnlab.grading.runner import grade_submission
from tests.support import ROOT

# Forward passes whose outputs the Keras tests compare: each is made 1.5 times too large.
FORWARDS = {
    "perceptron": ["weighted_sum"],
    "backprop": ["dense_forward", "activation_forward", "mlp_forward"],
    "conv": ["conv2d_forward", "maxpool2d_forward", "flatten_forward", "cnn_forward"],
    "rnn": ["rnn_step_forward", "rnn_forward"],
    "lstm": ["lstm_step_forward", "lstm_forward"],
    "xor": ["xor_forward"],
}

SCALED = '''

def _scaled(fn):
    def wrong(*args, **kwargs):
        value = fn(*args, **kwargs)
        if isinstance(value, tuple):  # (*outputs, cache): the outputs only
            return (*[v * 1.5 for v in value[:-1]], value[-1]) if len(value) > 1 else value
        return value * 1.5
    return wrong
'''


def test_every_failed_keras_test_names_the_keras_recording(tmp_path, course):
    folder = tmp_path / "oskar"
    folder.mkdir()
    for module, functions in FORWARDS.items():
        source = (ROOT / "solutions" / f"{module}.py").read_text() + SCALED
        source += "".join(f"\n{name} = _scaled({name})\n" for name in functions)
        (folder / f"{module}.py").write_text(source)
    result = grade_submission(folder, course, warn_seed=False, modules=list(FORWARDS))
    keras_failed = [t for t in result.tests if t.oracle == "keras" and not t.passed]
    failed_modules = {t.module for t in keras_failed}
    assert failed_modules == set(FORWARDS), failed_modules  # the learner really lost Keras points
    unexplained = [t.name for t in keras_failed if "the expected values are Keras 3's" not in t.output
                   and not ("is judged on the cache of your" in t.output and "first" in t.output)]
    assert not unexplained, "\n".join(unexplained)
    assert any("this case checks:" in t.output and "recorded from" in t.output for t in keras_failed)
    assert np.isfinite(result.score) and result.score < result.max_score
