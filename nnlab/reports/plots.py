"""Draw a grader's `Figure` as a PNG with matplotlib's Agg backend (no display needed).

Runs in the trusted parent on plain numbers the worker returned; nothing here sees learner code.
"""

from __future__ import annotations

from pathlib import Path

from nnlab.grading.figures import Figure


def draw(figure: Figure, path: Path) -> Path:
    """Write `figure` to `path` (PNG) and return the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    try:
        if figure.kind == "loss_curves":
            for label, values in figure.data["curves"].items():
                ax.plot(range(len(values)), values, label=label,
                        linestyle="--" if label == "reference" else "-")
            if figure.data.get("log_y"):
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
