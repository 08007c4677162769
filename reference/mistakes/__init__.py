"""The catalogue of known-wrong variants, used to name a learner's misconception.

Each entry is a function decorated with `@mistake(target, looks_like=..., why=...)`:

- `target` is "module.function" of CURRICULUM.md, the learner function the mistake imitates.
- `looks_like` and `why` complete the sentence shown to the learner:
  "your {function} looks like {looks_like}: {why}".
- By default (`same_signature=True`) the decorated function takes exactly the target's arguments
  (same names, same defaults) and returns what the wrong learner code would return. Such entries
  use only `np`, `math`, builtins and the helpers of `helpers.py` (no other names of their file
  or of the curriculum), because they run both here, on graders' cases, and grafted onto a
  solution file by `nnlab verify` to make a wrong submission: `Mistake.graft_source()` writes an
  entry out as self-contained learner code, the source of every helper it uses included.
- Entries with `same_signature=False` (for example a wrong backward pass written as a function of
  the forward inputs) are used by graders that call them explicitly; `nnlab verify` does not
  graft them.

The comparator tries every entry registered for a function whose output differs from the
expected one on the case at hand, and names the first that matches the learner's output.

Layout: `registry.py` holds `Mistake` (with the grafting), `@mistake` and `mistakes_for`;
`helpers.py` holds the shared helpers entries may call (stable sigmoid and softmax, Keras's
clipping, ...); each curriculum module's entries are in `<module>.py` beside them.
"""

from reference.mistakes import (activations, backprop, conv, gradient_descent,  # noqa: F401
                                losses, lstm, mlp, perceptron, rnn, xor)
from reference.mistakes.registry import MISTAKES, Mistake, mistake, mistakes_for

__all__ = ["MISTAKES", "Mistake", "mistake", "mistakes_for"]
