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


def difficulty_ranking(items: pd.DataFrame, top: int | None = 30) -> go.Figure:
    """Observed difficulty of the most-done items with 95% intervals, on the 0-100 share scale."""

    shown = items.sort_values(["n_results", "title"], ascending=[False, True]).head(top) if top else items
    shown = shown.sort_values("difficulty")
    label = shown["title"] + " (" + shown["track"] + ")"
    figure = go.Figure(go.Scatter(
        x=shown["difficulty"], y=label, mode="markers", error_x={"type": "data", "array": 1.96 * shown["se"]},
        customdata=shown[["points", "n_results"]],
        hovertemplate="%{y}<br>difficulty %{x:.2f} (log pace)<br>%{customdata[0]:.0f}% miss the standard"
                      "<br>%{customdata[1]} results<extra></extra>"))
    figure.update_layout(title="Observed difficulty with 95% intervals (the most-done workouts)",
                         xaxis_title="difficulty (log pace: 0 = the average athlete meets the standard)",
                         yaxis_title="workout (level)", height=max(400, 18 * len(shown)))
    return figure


def feature_weights(weights: pd.DataFrame) -> go.Figure:
    """Fitted weight of each term of a calibrated model (the intercept left out)."""
    shown = weights[weights["term"] != "intercept"]
    figure = go.Figure(go.Bar(x=shown["weight"], y=shown["term"], orientation="h", text=shown["meaning"],
                              hovertemplate="%{y}: %{x:.3f}<br>%{text}<extra></extra>"))
    figure.update_layout(title="Calibrated model: weight of each term",
                         xaxis_title="weight (log pace per unit of the term)", yaxis_title="term")
    return figure


def live_replay(events: pd.DataFrame, athletes: int = 8) -> go.Figure:
    """Cumulative work over time for the leading athletes of a session, from its realized events."""
    done = events[events["event_type"] == "COMPLETE"].copy()
    done["total"] = done.groupby("athlete_id")["quantity_completed"].cumsum()
    leaders = done.groupby("athlete")["total"].max().sort_values(ascending=False).head(athletes).index
    figure = go.Figure()
    for name in leaders:
        mine = done[done["athlete"] == name]
        figure.add_trace(go.Scatter(x=[0, *mine["timestamp_offset"] / 60], y=[0, *mine["total"]], mode="lines",
                                    line_shape="hv", name=name))
    figure.update_layout(title="Live replay: work completed over time (leading athletes)",
                         xaxis_title="time since the start (minutes)", yaxis_title="reps completed (cumulative)")
    return figure


def percentile_bands(results: pd.DataFrame, athlete: str | None = None, value: str = "score_value",
                     unit: str = "seconds") -> go.Figure:
    """The box's spread on a workout at each session (10-90 and 25-75 percentile bands, median), with an
    athlete's own results on top. `results` is lab.workout_results(...) of finished results."""
    spread = results.groupby("session_date")[value].quantile([0.1, 0.25, 0.5, 0.75, 0.9]).unstack()
    dates = spread.index
    figure = go.Figure()
    for low, high, name in ((0.1, 0.9, "10-90th percentile"), (0.25, 0.75, "25-75th percentile")):
        figure.add_trace(go.Scatter(x=[*dates, *dates[::-1]], y=[*spread[low], *spread[high][::-1]], fill="toself",
                                    mode="lines", line={"width": 0}, opacity=0.3, name=name))
    figure.add_trace(go.Scatter(x=dates, y=spread[0.5], mode="lines+markers", name="box median"))
    if athlete is not None:
        mine = results[results["athlete"] == athlete]
        figure.add_trace(go.Scatter(x=mine["session_date"], y=mine[value], mode="lines+markers", name=athlete,
                                    line={"width": 3}))
    figure.update_layout(title="The athlete against the box, session by session", xaxis_title="session date",
                         yaxis_title=unit)
    return figure


def class_percentiles(history: pd.DataFrame, name: str) -> go.Figure:
    """Where an athlete placed in each class they attended (100 = first), PRs marked."""
    figure = go.Figure(go.Scatter(x=history["session_date"], y=history["class_percentile"], mode="markers",
                                  text=history["title"] + ": " + history["score"], name="class percentile",
                                  hovertemplate="%{x|%Y-%m-%d} %{text}<br>%{y:.0f}th percentile<extra></extra>"))
    if "is_pr" in history:
        prs = history[history["is_pr"]]
        figure.add_trace(go.Scatter(x=prs["session_date"], y=prs["class_percentile"], mode="markers", name="PR",
                                    marker={"symbol": "star", "size": 14}))
    figure.update_layout(title=f"{name}: placing in each class", xaxis_title="session date",
                         yaxis_title="class percentile (100 = first)", yaxis_range=[0, 105])
    return figure


def head_to_head(merged: pd.DataFrame, first: str, second: str) -> go.Figure:
    """Class percentiles of two athletes on the sessions they shared."""
    label = merged["title"] + " " + merged["session_date"].dt.strftime("%Y-%m-%d")
    figure = go.Figure([go.Bar(x=label, y=merged["class_percentile_first"], name=first),
                        go.Bar(x=label, y=merged["class_percentile_second"], name=second)])
    figure.update_layout(title=f"{first} vs {second} on shared sessions", barmode="group",
                         xaxis_title="session", yaxis_title="class percentile (100 = first)")
    return figure


def load_progression(progression: pd.DataFrame, movement: str) -> go.Figure:
    """The seed's movement progression query as a plot: score over time, one line per workout."""
    figure = go.Figure()
    for title, rows in progression.sort_values("workout_date").groupby("title", sort=True):
        figure.add_trace(go.Scatter(x=rows["workout_date"], y=rows["score_value"], mode="lines+markers", name=title))
    figure.update_layout(title=f"Workouts with {movement}: results over time", xaxis_title="date",
                         yaxis_title="score (seconds for times, kg or lb for loads, reps otherwise)")
    if set(progression.get("score_type", [])) == {"TIME"}:
        figure.update_layout(yaxis_title="time (seconds; lower is faster)")
    return figure


def weekly_shares(weeks: pd.DataFrame, parts: tuple[str, ...], title: str, yaxis: str) -> go.Figure:
    """Stacked weekly shares (columns share_<part> of a programme's `weeks` frame), one bar per week."""
    figure = go.Figure()
    for part in parts:
        figure.add_trace(go.Bar(x=weeks["week"], y=weeks[f"share_{part}"], name=part,
                                hovertemplate="week of %{x|%d %b}<br>%{y:.0%}<extra>" + part + "</extra>"))
    figure.update_layout(barmode="stack", title=title, xaxis_title="week (Monday)", yaxis_title=yaxis,
                         yaxis_tickformat=".0%", yaxis_range=[0, 1])
    return figure


def movement_heatmap(movements: pd.DataFrame, top: int = 25) -> go.Figure:
    """Sessions per week that include each movement (the `top` most programmed), families in the labels."""
    counts = movements.groupby(["movement", "family", "week"]).size().rename("sessions").reset_index()
    order = counts.groupby(["movement", "family"])["sessions"].sum().sort_values(ascending=False, kind="stable").head(top)
    grid = counts.pivot_table(index=["movement", "family"], columns="week", values="sessions", fill_value=0)
    grid = grid.loc[order.index[::-1]]
    labels = [f"{movement} ({family})" for movement, family in grid.index]
    figure = go.Figure(go.Heatmap(z=grid.values, x=list(grid.columns), y=labels, colorscale="Blues",
                                  hovertemplate="%{y}<br>week of %{x|%d %b}: %{z} sessions<extra></extra>"))
    figure.update_layout(title=f"How often each movement was programmed (the {len(labels)} most frequent)",
                         xaxis_title="week (Monday)", yaxis_title="movement (family)", height=max(400, 22 * len(labels)))
    return figure
