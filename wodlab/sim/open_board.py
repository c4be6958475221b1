"""A competition board drawn as Open leaderboards export them, for tests and benchmarks (not wodlab's simulator).

One row per athlete and workout, long format, scores as printed: "N reps", "m:ss", "CAP+N" with N reps
left, " - s" for scaled, "0"/"WD"/empty for no score. The athletes are unlike the joint difficulty model's:
a gymnastics skill that decides who scales and helps on gymnastic workouts, heavy-tailed day-to-day noise
(Student t), capped athletes who slow down. Every athlete stays at one level for the whole competition.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# label: (kind, an average Rx athlete's time in seconds or reps, cap in seconds, reps in the workout,
# share of gymnastics); the workouts are wodcraft's library's.
WORKOUTS = {"23.1": ("reps", 190, None, None, 0.5), "24.1": ("time", 720, 900, 180, 0.4),
            "20.1": ("time", 780, 900, 180, 0.5), "18.4": ("time", 480, 540, 165, 0.8),
            "19.1": ("reps", 260, None, None, 0.0)}


def open_board(athletes: int, seed: int) -> pd.DataFrame:
    """An Open's board, long format, as exported (module docstring)."""
    draw = np.random.default_rng(seed)
    ability, skill = draw.normal(0, 0.3, athletes), draw.normal(0, 1, athletes)
    scaled = ability + 0.15 * skill + draw.normal(0, 0.1, athletes) < np.quantile(ability, 0.3)
    gender = draw.choice(["M", "F"], athletes)
    rows = []
    for label, (kind, typical, cap, reps, gymnastics) in WORKOUTS.items():
        pace = ability + 0.2 * skill * gymnastics + 0.1 * draw.standard_t(4, athletes) + np.where(scaled, 0.35, 0.0)
        for i in range(athletes):
            if draw.random() < 0.03:
                score = str(draw.choice(["0", "WD", ""]))
            elif kind == "reps":
                score = f"{int(typical * np.exp(pace[i]))} reps"
            elif (seconds := typical * np.exp(-pace[i])) > cap:  # slower than the cap: fewer reps, and fading
                score = f"CAP+{reps - min(int(reps * (cap / seconds) ** 1.2), reps - 1)}"
            else:
                score = f"{int(seconds // 60)}:{int(seconds % 60):02d}"
            rows.append((f"c{i}", f"Athlete {i}", gender[i], 30, label, score + (" - s" if scaled[i] and score else "")))
    return pd.DataFrame(rows, columns=["competitorId", "competitorName", "gender", "age", "workout", "scoreDisplay"])
