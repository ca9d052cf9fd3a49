"""统计分析's figures are built without plotly's validation (ui/charts.py): here each is built again with
validation on, so a misspelt property fails a test instead of vanishing in the browser; and what they show."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from ui import charts

LABELS = ["已下发告知书", "已接受任务", "评估通过"]


def validated(fig: go.Figure) -> dict:
    return go.Figure(fig.to_dict()).to_dict()  # raises ValueError on any property plotly does not know


def test_the_stage_chart_is_valid_and_shows_each_stage_first_on_top():
    fig = validated(charts.stage_chart([12, 7, 3], LABELS))
    [bars] = fig["data"]
    assert (bars["type"], bars["orientation"], list(bars["x"]), list(bars["y"])) == ("bar", "h", [12, 7, 3], LABELS)
    assert fig["layout"]["yaxis"]["categoryarray"] == LABELS[::-1]
    assert fig["layout"]["xaxis"]["tickformat"] == "d" and "dtick" not in fig["layout"]["xaxis"]


def test_a_grouped_chart_has_a_bar_per_series_and_whole_ticks_for_small_counts():
    fig = validated(charts.grouped_chart(["清苑区", "涿州市"], {"已接受任务": [3, 1], "评估通过": [1, 0]}, "按区县统计"))
    assert [(t["name"], list(t["x"])) for t in fig["data"]] == [("已接受任务", [3, 1]), ("评估通过", [1, 0])]
    assert fig["layout"]["barmode"] == "group" and fig["layout"]["xaxis"]["dtick"] == 1
    assert fig["layout"]["height"] == 160 + 42 * 2 and fig["layout"]["title"]["text"] == "按区县统计"


def test_a_misspelt_property_is_caught_by_the_validation_here():
    broken = charts.horizontal_bars([{"x": [1], "y": ["a"], "colour": "red"}], title="t", height=100, yaxis={})
    with pytest.raises(ValueError, match="colour"):
        validated(broken)
