"""A small interactive explorer for JupyterLab: pick the return model, the window, the event date and the
grouping, and the event study re-runs live (the engine takes milliseconds for a study this size)."""

from __future__ import annotations

import html
import uuid
from typing import TYPE_CHECKING, Any, get_args

import pandas as pd

from .eventstudy.engine import Model
from .plots import figure_of

if TYPE_CHECKING:
    from .study import Study

__all__ = ["GROUPINGS", "MIN_GROUP_N", "Explorer", "explorer", "explorer_groups"]

#: Event columns the explorer can group by (each split by direction: purchases and sales never pooled).
GROUPINGS = ("direction", "top_role", "cluster", "routine_class", "fraction_bucket", "code_class")

#: Fewest events a group needs to be drawn; smaller groups are listed, not plotted (a CAAR over 3 events has a
#: band of +-60% and no meaning).
MIN_GROUP_N = 30


def explorer_groups(events: pd.DataFrame, by: str, *, min_n: int = MIN_GROUP_N) -> tuple[pd.Series, pd.Series]:
    """The explorer's group of each event and the groups refused for their size.

    Every grouping other than ``direction`` is split by direction (``"buy · CEO"``, ``"sell · CEO"``): a
    group pooling purchases and sales averages two opposite signals.

    Parameters
    ----------
    events
        Events with ``direction`` and the column *by*.
    by
        One of :data:`GROUPINGS`.
    min_n
        Fewest events a group needs.

    Returns
    -------
    tuple of pandas.Series
        The group label of each event (missing where its group is refused), and the refused groups' event
        counts (index: group label), largest first.

    Examples
    --------
    >>> ev = pd.DataFrame({"direction": ["buy"] * 40 + ["sell"] * 45, "top_role": ["CEO"] * 38 + ["CFO"] * 47})
    >>> g, refused = explorer_groups(ev, "top_role")
    >>> g.value_counts().to_dict()
    {'sell · CFO': 45, 'buy · CEO': 38}
    >>> refused.to_dict()
    {'buy · CFO': 2}
    """
    direction = events["direction"].astype(str)
    label = direction if by == "direction" else direction + " · " + events[by].astype(str)
    counts = label.value_counts()
    small = counts[counts < min_n]
    return label.where(~label.isin(small.index)), small.rename("events")


class Explorer:
    """The explorer's controls and its drawing (made by :func:`explorer`).

    Displayed (the last expression of a cell, or ``display(...)``), it shows the controls, a note, the CAAR
    figure and the test table; each change of a control *replaces* the note, figure and table in place (a
    rendered, static report shows the first setting).

    Attributes
    ----------
    model, end, date, group
        The controls (ipywidgets): return model, last day of the window, event date, grouping.
    min_n
        Fewest events a group needs to be drawn.
    """

    def __init__(self, study: Study, *, min_n: int = MIN_GROUP_N) -> None:
        import ipywidgets as w

        self.study, self.min_n = study, min_n
        self.model = w.Dropdown(options=list(get_args(Model)), value="market_adjusted", description="model")
        self.end = w.IntSlider(value=60, min=5, max=120, step=5, description="window end")
        self.date = w.ToggleButtons(options=["filing", "trade"], value="filing", description="event date")
        cols = [g for g in GROUPINGS if g in study.events.columns]
        self.group = w.Dropdown(options=cols, value="direction", description="group by")
        self.panel = w.VBox([w.HBox([self.model, self.group]), w.HBox([self.end, self.date])])
        self._ids: dict[str, str] | None = None
        for c in (self.model, self.end, self.date, self.group):
            c.observe(self._redraw, names="value")

    def outputs(self) -> tuple[str, Any, Any]:
        """What the current setting shows: a note (HTML), the figure (or None) and the result (or None)."""
        import matplotlib.pyplot as plt

        from .eventstudy import event_study

        by = str(self.group.value)
        ev = self.study.events_by(date=self.date.value)
        label, refused = explorer_groups(ev, by, min_n=self.min_n)
        ev = ev.assign(_g=label)[label.notna().to_numpy()]
        notes = []
        if by != "direction":
            notes.append(f"Grouped by direction and {html.escape(by)}: purchases and sales are never pooled.")
        if len(refused):
            listed = ", ".join(f"{html.escape(str(g))} (N={n:,})" for g, n in refused.items())
            notes.append(f"Not drawn, fewer than {self.min_n} events: {listed}.")
        if not len(ev):
            return self._note([*notes, "No group has enough events to draw."]), None, None
        try:
            res = event_study(ev, self.study.panel, model=self.model.value, group="_g", window=(-5, self.end.value),
                              car_windows=[(0, self.end.value)], min_estimation=60, max_loss=0.95)
        except Exception as exc:  # shown in the panel: a model the data cannot fit, too few events ...
            return self._note([*notes, f"Cannot run this study: {html.escape(str(exc))}"]), None, None
        ax = res.plot(title=f"{self.model.value}, day 0 = {self.date.value} date, by {by}",
                      synthetic=self.study.synthetic)
        fig = figure_of(ax)
        plt.close(fig)  # shown through its display handle only (no second copy when the cell ends)
        return self._note(notes), fig, res

    @staticmethod
    def _note(lines: list[str]) -> str:
        return "".join(f"<p class='small'>{x}</p>" for x in lines) or "<p class='small'></p>"

    def _ipython_display_(self) -> None:
        from IPython.display import display

        note, fig, res = self.outputs()
        self._ids = {k: f"ik-explorer-{k}-{uuid.uuid4().hex[:12]}" for k in ("note", "figure", "table")}
        bundle = dict(self.panel._repr_mimebundle_() or {})
        # shown where the widget cannot be (a static report): what the controls are
        bundle["text/html"] = ("<p class='small'><i>Interactive explorer (model, window, event date, grouping): "
                               "open this notebook in JupyterLab to use its controls.</i></p>")
        display(bundle, raw=True)
        display({"text/html": note}, raw=True, display_id=self._ids["note"])
        display(fig if fig is not None else _EMPTY, display_id=self._ids["figure"])
        display(res if res is not None else _EMPTY, display_id=self._ids["table"])

    def _redraw(self, *_: object) -> None:
        """On a change: replace the note, the figure and the table where they are shown."""
        from IPython.display import update_display

        if self._ids is None:
            return
        note, fig, res = self.outputs()
        update_display({"text/html": note}, raw=True, display_id=self._ids["note"])
        update_display(fig if fig is not None else _EMPTY, display_id=self._ids["figure"])
        update_display(res if res is not None else _EMPTY, display_id=self._ids["table"])


class _Empty:
    """An output with nothing to show (replaces a figure or table a failed setting does not have)."""

    def _repr_html_(self) -> str:
        return ""

    def __repr__(self) -> str:
        return ""


_EMPTY = _Empty()


def explorer(study: Study, *, min_n: int = MIN_GROUP_N) -> Explorer:
    """An ipywidgets panel over *study*: model, last day of the window, event date (filing or trade) and
    grouping; each change re-runs :func:`insider_kit.event_study` and *replaces* the CAAR figure and the test
    table (one answer on screen at a time).

    Groupings other than direction are split by direction (purchases and sales are never pooled); a group
    with fewer than *min_n* events is listed instead of drawn; the panels' y axis follows the curves, so a
    small group's wide band cannot flatten the others (:func:`insider_kit.plots.band_limits`).

    Parameters
    ----------
    study
        A loaded study (:func:`insider_kit.load_study`).
    min_n
        Fewest events a group needs to be drawn.

    Returns
    -------
    Explorer
        Displayed by the notebook (end a cell with it); a rendered report shows the first setting.

    Examples
    --------
    In a JupyterLab cell (it needs a notebook front end to draw the widgets):

    >>> import insider_kit as ik
    >>> from insider_kit.explore import explorer
    >>> explorer(ik.load_study("sample"))  # doctest: +SKIP
    """
    return Explorer(study, min_n=min_n)
