"""Concept questions on convolutional networks (deck 000: the lecture's Keras CNN)."""

from questions import Misconception, Question, Variant
from reference.conv import conv2d_output_size


def _output_shape(rng):
    size, kernel = rng.randint(8, 64), rng.choice([1, 2, 3, 5, 7])
    stride, padding, filters = rng.choice([1, 2, 3]), rng.choice(["valid", "same"]), rng.choice([8, 16, 32, 64])
    side = conv2d_output_size(size, kernel, stride, padding)
    if padding == "same":
        wrong = (Misconception((size, size, filters), 'a "same" size without the stride (same keeps the size only at stride 1)'),)
    else:
        wrong = (Misconception(((size - kernel) // stride, (size - kernel) // stride, filters),
                               "the valid-padding size without the first window"),
                 Misconception((size - kernel + 1, size - kernel + 1, filters), "a valid size that ignores the stride"))
    return Variant("conv.output_shape", f"A Conv2D layer with {filters} filters of {kernel} x {kernel}, "
                   f"stride {stride} and padding \"{padding}\" is applied to a {size} x {size} x 3 image. "
                   f"What is the shape of its output (height, width, channels)?", "shape",
                   (side, side, filters), '"valid": floor((n - k) / s) + 1; "same": ceil(n / s); one '
                   "channel per filter.", misconceptions=wrong,
                   keras={"input": (size, size, 3), "layers": [("Conv2D", {"filters": filters, "kernel_size": kernel,
                                                                           "strides": stride, "padding": padding})],
                          "check": "shape"})


def _params(rng):
    kernel, c_in, filters = rng.choice([1, 3, 5]), rng.choice([1, 3, 16, 32]), rng.choice([8, 16, 32, 64])
    count = kernel * kernel * c_in * filters + filters
    return Variant("conv.params", f"How many parameters does a Conv2D layer with {filters} filters of "
                   f"{kernel} x {kernel} have, applied to an input with {c_in} channels?", "integer", count,
                   f"Each filter is {kernel} x {kernel} x {c_in} weights plus one bias.",
                   misconceptions=(Misconception(count - filters, "a parameter count without the biases"),
                                   Misconception(kernel * kernel * filters + filters, "filters that ignore the input's channels")),
                   keras={"input": (12, 12, c_in), "layers": [("Conv2D", {"filters": filters, "kernel_size": kernel})],
                          "check": "params"})


def _lecture_flatten(rng):
    size = rng.randint(14, 128)
    side = conv2d_output_size(size, 3, 1, "valid") // 2
    side = conv2d_output_size(side, 3, 1, "valid") // 2
    answer = side * side * 64
    no_pool = conv2d_output_size(conv2d_output_size(size, 3, 1, "valid"), 3, 1, "valid")
    return Variant("conv.lecture_flatten", f"The lecture's CNN (Conv2D 32 3x3 relu, MaxPooling2D 2x2, Conv2D "
                   f"64 3x3 relu, MaxPooling2D 2x2, Flatten) gets a {size} x {size} x 3 image. How many "
                   f"numbers does Flatten give the first Dense layer?", "integer", answer,
                   "Each valid 3x3 convolution takes 2 from the side, each pooling halves it (rounding "
                   "down); 64 channels remain.",
                   misconceptions=(Misconception(no_pool * no_pool * 64, "a count that forgets the pooling layers"),
                                   Misconception(side * side * 32, "the first convolution's 32 channels")),
                   keras={"input": (size, size, 3), "layers": [
                       ("Conv2D", {"filters": 32, "kernel_size": 3, "activation": "relu"}), ("MaxPooling2D", {"pool_size": 2}),
                       ("Conv2D", {"filters": 64, "kernel_size": 3, "activation": "relu"}), ("MaxPooling2D", {"pool_size": 2}),
                       ("Flatten", {})], "check": "size"})


QUESTIONS = [Question("conv.output_shape", "000", _output_shape), Question("conv.params", "000", _params),
             Question("conv.lecture_flatten", "000", _lecture_flatten)]
