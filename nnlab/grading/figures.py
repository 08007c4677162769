"""Figures a grader asks for: plain numbers now, pictures later.

Graders take the `figures` fixture and record what a learner would rather look than read:

    figures.loss_curves("xor.train_xor: loss over epochs", yours=losses, reference=ref_losses)
    figures.decision_boundary("xor.train_xor: decision boundary", grid_x, grid_y, probabilities,
                              points=XOR_X, labels=XOR_Y)

Only plain numbers (lists of floats) are kept, in the trusted parent; the PNGs are drawn by
`nnlab.reports.plots` when the learner's results are written, beside feedback.md. A learner's
numbers never break a figure: inf and nan are left out, huge values clipped to what an axis can
span, values that are not numbers (ragged, text, empty) give no figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MAX_POINTS = 5000  # a loss curve longer than this is thinned evenly; a picture needs no more


@dataclass
class Figure:
    """One figure: its kind ("loss_curves" or "decision_boundary"), title and plain data."""

    kind: str
    title: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def filename(self) -> str:
        slug = re.sub(r"[^A-Za-z0-9]+", "-", self.title).strip("-").lower()[:80]
        return f"{slug or 'figure'}.png"


# A learner's numbers are drawn within this range: matplotlib cannot lay out an axis whose span
# overflows (1e308 and -1e308 on one curve); nan and inf are left out of the line.
PLOT_LIMIT = 1e150


def plottable(values: Any) -> np.ndarray:
    """`values` as a float64 array that matplotlib can always draw: nan for inf, nan and what
    is not a number, huge values clipped to +-PLOT_LIMIT. Raises TypeError/ValueError for
    values that are not numbers at all (a ragged list, text)."""
    array = np.array(values, dtype=np.float64)
    array[~np.isfinite(array)] = np.nan
    return np.clip(array, -PLOT_LIMIT, PLOT_LIMIT)


def _curve(values: Any) -> list[float]:
    array = plottable(values).ravel()
    if array.size > MAX_POINTS:
        array = array[np.linspace(0, array.size - 1, MAX_POINTS).astype(int)]
    return [float(v) for v in array]


class FigureRecorder:
    """What the `figures` fixture hands a grader test; figures go to the submission's list."""

    def __init__(self, sink: list[Figure]):
        self._sink = sink

    def loss_curves(self, title: str, log_y: bool = False, **curves: Any) -> None:
        """Curves by label (`yours=[...]`, `reference=[...]`), plotted over their index."""
        kept = {}
        for label, values in curves.items():
            try:
                kept[label] = _curve(values)
            except (TypeError, ValueError):
                continue  # a learner value that is not numbers: nothing to draw
        if kept:
            self._sink.append(Figure("loss_curves", title, {"curves": kept, "log_y": log_y}))

    def decision_boundary(self, title: str, grid_x: Any, grid_y: Any, probabilities: Any,
                          points: Any, labels: Any) -> None:
        """`probabilities (G, G)` of class 1 on the grid `grid_x (G,)` x `grid_y (G,)`, with the
        data `points (N, 2)` coloured by `labels (N,)`."""
        try:
            probs = np.clip(plottable(probabilities), 0.0, 1.0)
            gx, gy = plottable(grid_x).ravel(), plottable(grid_y).ravel()
            if probs.shape != (gy.size, gx.size):
                probs = probs.reshape(gy.size, gx.size)
            if probs.size == 0 or not np.isfinite(probs).any():
                return  # nothing a contour can show
            data_points = plottable(points).reshape(-1, 2)
            data_labels = plottable(labels).ravel()
        except (TypeError, ValueError):
            return  # a learner value that is not numbers of the right shape: nothing to draw
        self._sink.append(Figure("decision_boundary", title, {
            "grid_x": gx.tolist(), "grid_y": gy.tolist(), "probabilities": probs.tolist(),
            "points": data_points.tolist(), "labels": data_labels.tolist()}))
