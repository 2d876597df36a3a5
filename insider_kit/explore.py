"""A small interactive explorer for JupyterLab: pick the return model, the window, the event date and the
grouping, and the event study re-runs live (the engine takes milliseconds for a study this size)."""

from __future__ import annotations

from typing import TYPE_CHECKING, get_args

from .eventstudy.engine import Model

if TYPE_CHECKING:
    from .study import Study

__all__ = ["GROUPINGS", "explorer"]

#: Event columns the explorer can group by.
GROUPINGS = ("direction", "top_role", "cluster", "routine_class", "fraction_bucket", "code_class")


def explorer(study: Study) -> None:
    """An ipywidgets panel over *study*: model, last day of the window, event date (filing or trade) and
    grouping; each change re-runs :func:`insider_kit.event_study` and redraws the CAAR and the test table.

    The controls are displayed with the first setting's CAAR and test table below them (a rendered report
    shows that first setting); later changes redraw in the panel's output area.

    Parameters
    ----------
    study
        A loaded study (:func:`insider_kit.load_study`).

    Returns
    -------
    None
        The panel is displayed in the notebook.

    Examples
    --------
    In a JupyterLab cell (it needs a notebook front end to draw the widgets):

    >>> import insider_kit as ik
    >>> ik.explorer(ik.load_study("sample"))  # doctest: +SKIP
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import display

    from .eventstudy import event_study

    model = w.Dropdown(options=list(get_args(Model)), value="market_adjusted", description="model")
    end = w.IntSlider(value=60, min=5, max=120, step=5, description="window end")
    date = w.ToggleButtons(options=["filing", "trade"], value="filing", description="event date")
    cols = [g for g in GROUPINGS if g in study.events.columns]
    group = w.Dropdown(options=cols, value="direction", description="group by")
    out = w.Output()

    def draw() -> None:
        ev = study.events_by(date=date.value)
        ev = ev.assign(_g=ev[group.value].astype(str))
        try:
            res = event_study(ev, study.panel, model=model.value, group="_g", window=(-5, end.value),
                              car_windows=[(0, end.value)], min_estimation=60, max_loss=0.95)
        except Exception as exc:  # shown in the panel: a model the data cannot fit, too few events ...
            print(f"cannot run this study: {exc}")
            return
        ax = res.plot(title=f"{model.value}, day 0 = {date.value} date, by {group.value}", synthetic=study.synthetic)
        display(ax.figure)
        plt.close(ax.figure)  # type: ignore[arg-type]
        display(res)

    def redraw(*_: object) -> None:  # on a change, in the panel's output area
        with out:
            out.clear_output(wait=True)
            draw()

    for c in (model, end, date, group):
        c.observe(redraw, names="value")
    panel = w.VBox([w.HBox([model, group]), w.HBox([end, date]), out])
    display(panel)
    draw()  # the first setting as ordinary output: it shows in a rendered report too (no widget state needed)
    return None
