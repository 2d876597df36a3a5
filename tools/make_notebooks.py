"""Write the committed notebooks (without outputs) from their cell sources: `python tools/make_notebooks.py`."""

from __future__ import annotations

from pathlib import Path

import nbformat as nbf

NB = Path(__file__).resolve().parents[1] / "notebooks"


def nb(cells: list[tuple[str, str, list[str]]]) -> nbf.NotebookNode:
    book = nbf.v4.new_notebook()
    for kind, src, tags in cells:
        c = nbf.v4.new_markdown_cell(src) if kind == "md" else nbf.v4.new_code_cell(src)
        if tags:
            c.metadata["tags"] = tags
        book.cells.append(c)
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return book


QUICKSTART = [
    ("md", "# 00 · Quickstart: do insider purchases and sales move prices?\n\n"
           "From raw SEC filings to a buy-vs-sell CAAR plot. By default this runs on the **synthetic teaching "
           "market**; point `data_dir` at a real data directory to run it on real filings.", []),
    ("code", 'data_dir: str = "../data/sample"  # data directory (raw/ and tidy/ inside); the teaching market by default\n'
             'market: str = "auto"  # market index ticker (auto: the teaching-market index, else SPY)\n'
             'event_date: str = "filing"  # "filing" (public information) or "trade" (look-ahead, for comparison)\n'
             "window_end: int = 60  # last trading day of the event window\n"
             "min_estimation: int = 120  # minimum estimation-window days per event", ["parameters"]),
    ("code", "%matplotlib inline\nfrom pathlib import Path\n\nimport matplotlib.pyplot as plt\nfrom IPython.display import Markdown, display\n\n"
             "import insider_kit as ik\nfrom insider_kit.config import DataPaths\n\n"
             "p = DataPaths(Path(data_dir))\n"
             "if p.is_synthetic:\n"
             "    display(Markdown('> **SYNTHETIC DATA** — this is the generated teaching market, not real filings. '\n"
             "                     'Effects were planted on purpose (see `truth.json`).'))\n"
             'mkt = ("^SYNMKT" if p.is_synthetic else "SPY") if market == "auto" else market', []),
    ("md", "## 1. Filings → tidy transactions\n`build_tidy` reads every SEC quarterly zip and EDGAR submission under "
           "`raw/` into one table (one row per transaction line).", []),
    ("code", "if not p.transactions.exists():\n    display(ik.build_tidy(p, progress=False).tail(6))\n"
             "tx = ik.load_transactions(p)\n"
             'tx["trans_code"].value_counts().head(8).rename("rows by transaction code")', []),
    ("md", "## 2. Open-market trades → firm-day events", []),
    ("code", "events = ik.build_events(tx, date=event_date)\nevents.groupby(\"direction\").size().rename(\"events\")", []),
    ("md", "## 3. Prices → returns panel", []),
    ("code", "prices = ik.load_prices(p.raw_prices)\npanel = ik.returns_panel(prices, market=mkt)\npanel", []),
    ("md", "## 4. The event study (market model, estimation window −250…−21)", []),
    ("code", "res = ik.event_study(events, panel, group=\"direction\", window=(-5, window_end),\n"
             "                     car_windows=[(0, 5), (0, 20), (0, window_end)], min_estimation=min_estimation)\nres", []),
    ("code", "ax = res.plot(title=f\"Insider purchases vs sales, day 0 = {event_date} date\")\n"
             "ax.figure.text(0.01, 0.01, 'SYNTHETIC teaching market' if p.is_synthetic else '', color='crimson')\ndisplay(ax.figure)\nplt.close(ax.figure)", []),
    ("md", "Purchases should drift up after day 0 if buying is informative; sales should stay near zero if selling "
           "is mostly for liquidity. The table above gives each group's mean CAR, its 95% CI, N and the test statistics.", []),
]


def main() -> None:
    NB.mkdir(exist_ok=True)
    nbf.write(nb(QUICKSTART), NB / "00_quickstart.ipynb")


if __name__ == "__main__":
    main()
