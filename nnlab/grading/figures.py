"""Figures a grader asks for: plain numbers now, pictures later.

Graders take the `figures` fixture and record what a learner would rather look than read:

    figures.loss_curves("xor.train_xor: loss over epochs", yours=losses, reference=ref_losses)
    figures.decision_boundary("xor.train_xor: decision boundary", grid_x, grid_y, probabilities,
                              points=XOR_X, labels=XOR_Y)

Only plain numbers (lists of floats) are kept, in the trusted parent; the PNGs are drawn by
`nnlab.reports.plots` when the learner's results are written, beside feedback.md.
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


def _curve(values: Any) -> list[float]:
    array = np.asarray(values, dtype=np.float64).ravel()
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
            probs = np.asarray(probabilities, dtype=np.float64)
            gx, gy = np.asarray(grid_x, dtype=np.float64), np.asarray(grid_y, dtype=np.float64)
            if probs.shape != (gy.size, gx.size):
                probs = probs.reshape(gy.size, gx.size)
        except (TypeError, ValueError):
            return
        self._sink.append(Figure("decision_boundary", title, {
            "grid_x": gx.tolist(), "grid_y": gy.tolist(), "probabilities": probs.tolist(),
            "points": np.asarray(points, dtype=np.float64).tolist(),
            "labels": np.asarray(labels).ravel().tolist()}))
