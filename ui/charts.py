"""统计分析's bar charts: plotly figures built from plain dicts.

Every property below is written here, in code (trace and layout keys plotly documents), so the figures are
built without plotly's property-by-property validation, which cost about 40 ms of the server's CPU per
figure and rerun, a third of the dashboard's with three charts (py-spy over bench/concurrency_bench.py,
issue 13). tests/unit/test_charts.py builds each figure again with validation on, so that a misspelt key
fails there instead of being dropped silently in the browser.
"""

from __future__ import annotations

import plotly.graph_objects as go

AXIS_TITLE = "企业数"
MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


def _count_axis(largest: int) -> dict:
    """Counts of enterprises: whole-number ticks from zero, even for a county of three."""
    axis = {"title": {"text": AXIS_TITLE}, "tickformat": "d", "rangemode": "tozero"}
    if largest <= 10:
        axis["dtick"] = 1
    return axis


def horizontal_bars(traces: list[dict], *, title: str, height: int, yaxis: dict,
                    barmode: str | None = None) -> go.Figure:
    """Horizontal bars (long Chinese names stay readable): each trace {"x": counts, "y": labels, ...}."""
    data = [{"type": "bar", "orientation": "h", **trace,
             "x": [int(v) for v in trace["x"]], "y": [str(v) for v in trace["y"]]} for trace in traces]
    largest = max((v for trace in data for v in trace["x"]), default=0)
    layout = {"title": {"text": title}, "height": height, "margin": MARGIN, "yaxis": yaxis,
              "xaxis": _count_axis(largest)}
    if barmode:
        layout["barmode"] = barmode
    return go.Figure(data=data, layout=layout, _validate=False)


def stage_chart(counts: list[int], labels: list[str]) -> go.Figure:
    """各阶段企业数: one bar per stage, the first stage on top."""
    return horizontal_bars([{"x": counts, "y": labels, "text": [int(c) for c in counts],
                             "marker": {"color": "#1f5fbf"}}], title="各阶段企业数", height=340,
                           yaxis={"categoryorder": "array", "categoryarray": labels[::-1]})


def grouped_chart(names: list[str], series: dict[str, list[int]], title: str) -> go.Figure:
    """One group of bars per area or industry (a bar per series), in the order given."""
    return horizontal_bars([{"x": values, "y": names, "name": name} for name, values in series.items()],
                           title=title, height=160 + 42 * len(names), yaxis={"autorange": "reversed"},
                           barmode="group")
