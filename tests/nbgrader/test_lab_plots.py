"""The notebook helper's pictures, drawn with the reference's functions (so a module's plot
works the day its solution lands, xor included), and skipped politely for missing ones."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from nnlab.nbgrader import lab  # noqa: E402


@pytest.mark.parametrize("module, draw", [("activations", lab.plot_activations),
                                          ("losses", lab.plot_loss_curve),
                                          ("xor", lab.plot_xor_boundary)])
def test_plots_draw_with_reference_functions(module, draw, monkeypatch, capsys):
    import importlib

    namespace = vars(importlib.import_module(f"reference.{module}"))
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    draw(dict(namespace))
    assert shown and shown[0].axes
    assert "not implemented" not in capsys.readouterr().out
    plt.close("all")


def test_plots_skip_what_is_not_written(monkeypatch, capsys):
    def todo(*args, **kwargs):
        raise NotImplementedError

    monkeypatch.setattr(plt, "show", lambda: None)
    lab.plot_activations({"sigmoid": todo})
    assert "sigmoid" in capsys.readouterr().out
    lab.plot_loss_curve({})
    lab.plot_xor_boundary({})
    out = capsys.readouterr().out
    assert "binary_cross_entropy" in out and "init_xor_mlp" in out
    plt.close("all")
