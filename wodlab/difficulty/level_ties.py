"""A workout's levels tied to its Rx item: each other level's difficulty shrunk towards what the box's
workouts say about that level in general (empirical Bayes).

Every level of a workout is on its Rx version's scale (paces.level_gap), so a scaled item's difficulty
is its Rx item's plus an offset: how much easier the scaled version is beyond the ratio of the two
standards. Across a box's workouts those offsets gather around a common value (scaled classes are
easier by about the same amount) with a spread tau. A scaled item of a handful of results measures
its offset poorly; taken alone it ranks anywhere. Tied, its difficulty is the precision-weighted blend of
its own measurement and what its Rx item says plus the level's common offset:

    d_j = keep_j own_j + (1 - keep_j) (rx_j + delta),   keep_j = (tau^2 + se(Rx)^2) / (tau^2 + se(Rx)^2 + se(own)^2)

the posterior mean of the item under a normal prior on its offset, N(delta, tau^2), taken beside its
Rx item's estimate: each source weighed by its precision. delta is the offsets' precision-weighted
mean and tau^2 their variance beyond the sampling one (se(own)^2 + se(Rx)^2; method of moments), per
level. An item measured better than its Rx item keeps its own estimate (a Diane Scaled of 260
results beside a Diane of 53); one of few results moves towards rx + delta. Its standard error is
the posterior one, keep_j se(own)^2, plus delta's own uncertainty. (Until 2026-12-06 the weight was
tau^2 / (tau^2 + se(own)^2 + se(Rx)^2): a noisy Rx item pulled a well-measured scaled item towards
it, Diane Scaled 0.15-0.22 too hard on the realistic boxes.)
On the simulator's realistic boxes of 150 athletes x 20 weeks (seeds 303 and 304), the items' rank
against the truth went from 0.961 / 0.992 untied to 0.985 / 0.994 and the scaled items' among
themselves from 0.881 / 0.970 to 0.922 / 0.964; on boxes of 500 x 40 nothing moves much (the items
are measured well). A level with fewer than MIN_PAIRS workouts beside their Rx item is left as fitted: there is
no common offset to learn.
"""

from __future__ import annotations

import numpy as np

from wodlab.difficulty.observed import ObservedDifficulty

MIN_PAIRS = 5  # workouts done at a level and at Rx (alone) before that level's offsets are tied


def tie_levels(observed: ObservedDifficulty, se=None) -> ObservedDifficulty:
    """observed with each non-Rx item (done alone) shrunk towards its Rx item plus its level's common offset
    (module docstring); the Rx items, team items and levels of too few workouts are left as they are.
    `se`: the items' standard errors to tie with (in the order of .items; observed's own when None): the
    honest errors just computed, so that the points are worked out once, for the tied items."""
    items = observed.items if se is None else observed.items.assign(se=np.asarray(se, dtype=float))
    difficulty, se = items["difficulty"].to_numpy(float).copy(), items["se"].to_numpy(float).copy()
    alone = items["team_size"] == 1
    rx = items[alone & (items["track"] == "RX")].set_index("wod_id")
    # beside an Rx item of the same component (two components share no origin: no offset to read)
    same_component = items["component"].to_numpy() == rx["component"].reindex(items["wod_id"]).to_numpy()
    for level in sorted(set(items.loc[alone & (items["track"] != "RX"), "track"])):
        rows = np.flatnonzero((alone & (items["track"] == level)).to_numpy() & same_component)
        if len(rows) < MIN_PAIRS:
            continue
        wods = items["wod_id"].iloc[rows]
        difficulty[rows], se[rows] = _tied(difficulty[rows], se[rows], rx["difficulty"].reindex(wods).to_numpy(float),
                                           rx["se"].reindex(wods).to_numpy(float))
    return observed.with_item_estimates(difficulty, se)


def _tied(own: np.ndarray, own_se: np.ndarray, rx: np.ndarray, rx_se: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(difficulty, se) of one level's items tied to their Rx items; as they are when fewer than MIN_PAIRS
    offsets can be read."""
    offset, variance = own - rx, own_se**2 + rx_se**2
    usable = np.isfinite(offset) & np.isfinite(variance) & (variance > 0)
    difficulty, se = own.copy(), own_se.copy()
    if usable.sum() < MIN_PAIRS:
        return difficulty, se
    offset, variance, rx, rx_se, own_se = (v[usable] for v in (offset, variance, rx, rx_se, own_se))
    weight = 1 / variance
    delta = float(np.average(offset, weights=weight))
    tau2 = max(float(np.average((offset - delta) ** 2, weights=weight) - np.average(variance, weights=weight)), 1e-6)
    # the item's own measurement against what its Rx item says plus the common offset, each by its precision
    keep = (tau2 + rx_se**2) / (tau2 + rx_se**2 + own_se**2)
    difficulty[usable] = keep * (rx + offset) + (1 - keep) * (rx + delta)
    se[usable] = np.sqrt(keep * own_se**2 + (1 - keep) ** 2 / weight.sum())
    return difficulty, se
