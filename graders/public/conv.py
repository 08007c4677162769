"""Public checks for conv.py, on fixed, published inputs.

`nnlab build` records the reference's value for each case (and what each catalogued mistake
would return) in exercises/checks/conv.json; `nnlab check conv` compares yours.

Only `conv2d_output_size` has public cases: a public case compares a function's whole return
value with the reference's, and the forward functions return `(out, cache)` whose cache is the
learner's own business, while `cnn_forward` needs weights far too large for a JSON file. The
notebook's gradient check and the hidden graders cover the rest.
"""

from nnlab.authoring.public_case import Case

CASES = [
    Case("conv2d_output_size", '"valid": the lecture\'s 32 x 32 image, 3 x 3 filter', args=(32, 3, 1, "valid")),
    Case("conv2d_output_size", '"valid" at stride 2, the last column unused', args=(8, 3, 2, "valid")),
    Case("conv2d_output_size", '"valid", an even kernel at stride 3', args=(11, 4, 3, "valid")),
    Case("conv2d_output_size", '"valid", a 2 x 2 pooling of a 29 x 29 map', args=(29, 2, 2, "valid")),
    Case("conv2d_output_size", '"same" at stride 1 keeps the size', args=(32, 3, 1, "same")),
    Case("conv2d_output_size", '"same" at stride 2 on an even input', args=(8, 3, 2, "same")),
    Case("conv2d_output_size", '"same" at stride 3, rounding up', args=(10, 2, 3, "same")),
]
