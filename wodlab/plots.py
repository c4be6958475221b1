"""plotly figures for the notebooks. Every function returns a Figure and never shows it."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go


def calibration_plot(predictions: pd.DataFrame) -> go.Figure:
    """Held-out predicted vs observed difficulty points, baseline and calibrated, with the diagonal."""
    figure = go.Figure()
    for column, name in (("baseline_points", "baseline"), ("calibrated_points", "calibrated")):
        figure.add_trace(go.Scatter(
            x=predictions["observed_points"], y=predictions[column], mode="markers", name=name,
            text=predictions["title"] + " (" + predictions["track"] + ")",
            hovertemplate="%{text}<br>observed %{x:.0f}<br>predicted %{y:.0f}<extra>" + name + "</extra>"))
    figure.add_trace(go.Scatter(x=[0, 100], y=[0, 100], mode="lines", name="perfect", line={"dash": "dot", "color": "grey"}))
    figure.update_layout(title="Difficulty: predicted vs observed on held-out workouts",
                         xaxis_title="observed difficulty (share of athletes missing the standard, %)",
                         yaxis_title="predicted difficulty (points, 0-100)",
                         xaxis_range=[0, 100], yaxis_range=[0, 100])
    return figure
