"""Draw a grader's `Figure` as a PNG with matplotlib's Agg backend (no display needed).

Runs in the trusted parent on plain numbers the worker returned; nothing here sees learner code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nnlab.grading.figures import Figure, plottable


def draw(figure: Figure, path: Path) -> Path:
    """Write `figure` to `path` (PNG) and return the path.

    Never fails on the numbers it is given (a learner's: inf, nan, 1e308, empty): they are made
    plottable first, and a figure matplotlib still cannot lay out is written as a short note
    instead, so a learner's results are always written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        return _draw(plt, figure, path)
    except (ValueError, TypeError, OverflowError, KeyError, IndexError) as error:
        fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
        try:
            ax.axis("off")
            ax.text(0.5, 0.5, f"{figure.title}\n\nThese values cannot be drawn\n"
                              f"({type(error).__name__})", ha="center", va="center", fontsize=10,
                    wrap=True)
            path.parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(path)
        finally:
            plt.close(fig)
        return path


def _draw(plt, figure: Figure, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    try:
        if figure.kind == "loss_curves":
            for label, values in figure.data["curves"].items():
                values = plottable(values)
                ax.plot(range(len(values)), values, label=label,
                        linestyle="--" if label == "reference" else "-")
            everything = np.concatenate([plottable(v) for v in figure.data["curves"].values()]
                                        + [np.empty(0)])
            if figure.data.get("log_y") and np.any(everything > 0):
                ax.set_yscale("log")
            ax.set_xlabel("epoch")
            ax.set_ylabel("loss")
            ax.legend()
        elif figure.kind == "decision_boundary":
            data = figure.data
            mesh = ax.contourf(data["grid_x"], data["grid_y"], data["probabilities"],
                               levels=20, cmap="RdBu_r", vmin=0.0, vmax=1.0)
            ax.contour(data["grid_x"], data["grid_y"], data["probabilities"], levels=[0.5],
                       colors="black", linewidths=1.5)
            fig.colorbar(mesh, ax=ax, label="output")
            points = data["points"]
            for (px, py), label in zip(points, data["labels"]):
                ax.scatter([px], [py], s=120, edgecolors="black",
                           c="white" if not label else "black", zorder=3)
            ax.set_xlabel("x1")
            ax.set_ylabel("x2")
        else:
            raise ValueError(f"unknown figure kind {figure.kind!r}")
        ax.set_title(figure.title, fontsize=10)
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
    finally:
        plt.close(fig)
    return path
