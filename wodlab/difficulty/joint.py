"""The joint model of athletes and items that observed difficulty is fitted with.

Each result is a pace y on a log scale against its workout's standard (paces.pace_scale; y > 0
is faster than the standard). For athlete i on item j (a workout at one level), done t years from
the athlete's own average date:

    y_ij = s_j * (a_i + b_i * t + f_i(t) + u_i . T_j) - d_j + e_ij

- a_i, the athlete's ability over the period of their results, at an average workout;
- b_i, their progression per year (athletes improve; a fixed ability makes items programmed late
  in a cycle look easier);
- f_i(t), their form: how far their level departs from that line week by week (an injury, a block of
  training, a holiday), a piecewise-linear curve on knots every FORM_WEEKS weeks of the box's calendar
  (form_basis), shrunk towards 0 (FORM_PENALTY). Athletes choose by the level they have that day: they
  go scaled or stay home when a workout looks too hard for them. A model that misses the day's level
  misses what the choice selects on, and the items chosen that way drift (the hard ones look easier,
  the scaled ones harder): on boxes whose athletes' progress wanders, intervals held the truth 87% of
  the time without it;
- u_i, their strengths on the workout's traits T_j (its share of gymnastics and of cardio work
  against weightlifting, and the log of its expected duration, each centred on the box's results):
  specialists. Without them, the athletes who stay on Rx on a hard day are the ones it suits, and
  the hard items look easy;
- b_i is shrunk towards the box's common progression, u_i and f_i towards 0 (SLOPE_PENALTY, TRAIT_PENALTY, FORM_PENALTY:
  a prior worth that many results). The common progression is told apart from workouts that are
  simply easier later in a cycle by the workouts done again (benchmarks);
- d_j, the item's difficulty: 0 is met by the box's average athlete at the standard pace;
- s_j, the item's spread: how much it separates athletes (a long workout separates them more than
  a sprint). Its mean over results is 1, and it is shrunk towards 1 by SPREAD_PRIOR results' worth;
- e_ij, noise with a robust scale: residuals past HUBER robust sds count less (gross logging
  errors, sandbagged days), as M-estimation does.

Censored results are in the likelihood, not imputed as exact: a capped athlete's pace lies between
two bounds (paces.capped_paces), a DNF's below one; each iteration replaces a censored y by its
expectation given its bounds (tobit.expected_within: the EM algorithm of a Tobit model). The
capped results' intervals keep an item most athletes do not finish finite.

The fit alternates: with the spreads fixed, the model is linear in (a, b, d), solved as ridge least
squares under the Huber weights (the normal equations, exactly, by block elimination: each athlete's
parameters meet only the items'; Blocks); then each spread is the slope, within its item, of y on
the athletes' levels that day, shrunk to 1. About 3.5 s for 100k results on this machine. The common ridge is
small (0.01): it only pins the scale's origin, which the data leave free (every ability one unit
up and every difficulty one unit up fit the same); a larger one pulls the items with few results
towards the average and compresses the scale.

The normal equations, their solution and the standard errors below are wodlab.difficulty.normal_equations'.
Standard errors come from the weighted normal equations at the solution (the spreads taken as
known), for each difficulty and ability relative to the box's average athlete, exact at any size
(standard_errors: block elimination, linear in the athletes). They assume the
model is true. fit(robust=True) adds the athlete-clustered sandwich (clustered_item_variance: an
athlete's results are not independent of each other), with the variance of the items' origin over
draws of athletes (_centre_variance); reliability.estimate_with_errors uses it by default (or a
bootstrap by athlete, or a split half's widening) and adds the variance over the model without each
of its parts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from wodlab.difficulty.normal_equations import (
    FORM_PENALTY,
    SLOPE_PENALTY,
    TRAIT_PENALTY,
    Blocks,
    Layout,
    clustered_item_variance,
    solve,
    standard_errors,
)
from wodlab.difficulty.tobit import expected_within

FORM_WEEKS = 8  # the form's knots are this many weeks apart at least...
FORM_KNOTS = 8  # ...and at most this many (a long history: knots further apart)
SPREAD_PRIOR = 8.0  # results' worth of pull of each item's spread towards 1
SPREAD_FROM = 2  # iterations before the spreads move (the levels settle first)
SPREAD_RANGE = (0.4, 2.5)  # how far an item's spread may go from the average
WARM_ITERATIONS, WARM_CENSORED_ITERATIONS = 5, 8  # a fit started warm (fit(start=)) stops sooner, as near settled
CENSORED_ITERATIONS = 24  # more, at most, while the censored paces' expectations settle (EM converges slowly)


@dataclass
class Observations:
    """The results the fit sees: each row's athlete and item (indexes), pace, bound, time and traits."""

    athlete: np.ndarray  # index of each result's athlete
    item: np.ndarray  # index of each result's item
    y: np.ndarray  # pace (for a censored result: its bound)
    bound: np.ndarray  # upper bound of a censored result's pace; NaN for an exact one
    years: np.ndarray  # years from the athlete's average date
    traits: np.ndarray  # (results x traits) the item's traits, centred on the results
    n_athletes: int
    n_items: int
    lower: np.ndarray | None = None  # lower bound of a censored result's pace (a capped one's); NaN or None: none
    form: np.ndarray | None = None  # (results x knots) form_basis of each result's date; None: no form

    @property
    def censored(self) -> np.ndarray:
        return ~np.isnan(self.bound)

    @property
    def floor(self) -> np.ndarray:
        """Each result's lower bound, -inf where it has none."""
        return np.full(len(self.y), -np.inf) if self.lower is None else np.where(np.isnan(self.lower), -np.inf, self.lower)


@dataclass
class JointFit:
    ability: np.ndarray  # per athlete, centred on the box's average athlete
    progression: np.ndarray  # per athlete, per year
    strengths: np.ndarray  # (athletes x traits)
    difficulty: np.ndarray  # per item
    spread: np.ndarray  # per item
    ability_se: np.ndarray  # relative to the average athlete
    item_se: np.ndarray  # relative to the average athlete
    weights: np.ndarray  # Huber weight of each result
    scale: float  # robust sd of the residuals
    residual: np.ndarray  # each result's residual (a censored one: from its expected pace)
    item_se_robust: np.ndarray | None = None  # athlete-clustered sandwich (fit(robust=True)), spread share and origin included
    paces: np.ndarray | None = None  # the paces fitted: each censored one as its expected value (a warm start's)


def fit(obs: Observations, *, ridge: float = 0.01, huber: float = 1.5, iterations: int = 12,
        spread: bool = True, progression: bool = True, traits: bool = True, censored: bool = True,
        robust: bool = False, start: JointFit | None = None) -> JointFit:
    """The model of the module docstring; spread, progression, traits, censored=False drop those parts;
    robust=True adds each item's athlete-clustered sandwich standard error (item_se_robust).

    `start`: a fit of the same observations by a nearby model (the full one, for the model uncertainty's reduced
    models): its Huber weights, spreads and censored paces start this one (each iteration's least squares are
    solved exactly: only these carry over), which then stops after WARM_ITERATIONS + WARM_CENSORED_ITERATIONS."""
    n_form = obs.form.shape[1] if progression and obs.form is not None else 0  # the form is part of the progression
    layout = Layout(obs.n_athletes, obs.traits.shape[1] if traits else 0, obs.n_items, progression, ridge, n_form)
    y = obs.y.astype(float).copy()
    is_censored = obs.censored & censored
    floor = obs.floor
    spreads = np.ones(obs.n_items)
    weights = np.ones(len(y))
    scale = float(np.std(y)) or 1.0
    coef = np.zeros(layout.first_item + obs.n_items)
    settle = CENSORED_ITERATIONS
    if start is not None:
        weights = start.weights.copy()
        y[is_censored] = start.paces[is_censored]
        spreads = start.spread.copy() if spread else spreads
        iterations, settle = min(iterations, WARM_ITERATIONS), WARM_CENSORED_ITERATIONS
    for iteration in range(iterations + (settle if is_censored.any() else 0)):
        X = _design(obs, spreads, layout)
        before, coef = coef, solve(X, y, weights, layout)
        if iteration >= iterations and np.max(np.abs(coef - before)) < 1e-3:
            break  # the censored paces' expectations have settled
        mean = X @ coef
        residual = y - mean
        scale = 1.4826 * float(np.median(np.abs(residual - np.median(residual)))) or 1.0
        weights = np.minimum(1.0, huber * scale / np.maximum(np.abs(residual), 1e-12))
        if is_censored.any():
            y[is_censored] = expected_within(mean[is_censored], scale, floor[is_censored], obs.bound[is_censored])
        if spread and SPREAD_FROM <= iteration < iterations - 1:  # spreads fixed while censoring settles
            spreads = _spreads(obs, coef, y, weights, layout)
    ability, slope, strengths = layout.athlete_parts(coef)
    item_traits = _item_traits(obs, layout)
    # The box's average athlete, on each item: their mean ability and mean strengths on its traits. The
    # data fix neither (every ability, or every strength, one step up and the difficulties with it fit the
    # same); difficulty 0 is the average athlete meeting the standard.
    centre = float(ability.mean()) + item_traits @ strengths.mean(axis=0)
    blocks = Blocks.of(X, weights, layout)
    ability_se, item_se = standard_errors(blocks, scale, layout, spreads, item_traits)
    # the spreads are estimated too: an item whose athletes sit far from the average inherits theirs
    spread_var = _spread_share_of_variance(obs, coef, weights, layout, scale, centre) if spread else 0.0
    residual = y - X @ coef
    robust_se = None
    if robust:
        # the M-estimator's bread: X' psi'(r) X, psi' = 1 inside Huber's bound and 0 beyond (the IRLS
        # weights would count a down-weighted result as information it does not give)
        bread = Blocks.of(X, (np.abs(residual) <= huber * scale).astype(float), layout)
        robust_se = np.sqrt(clustered_item_variance(X, bread, obs.athlete, weights * residual, layout, spreads,
                                                     item_traits) + spread_var
                            + _centre_variance(ability, strengths, item_traits, spreads))
    return JointFit(ability - ability.mean(), slope, strengths - strengths.mean(axis=0),
                    coef[layout.first_item:] - spreads * centre, spreads, ability_se, np.sqrt(item_se**2 + spread_var),
                    weights, scale, residual, robust_se, paces=y)


def _centre_variance(ability: np.ndarray, strengths: np.ndarray, item_traits: np.ndarray,
                     spreads: np.ndarray) -> np.ndarray:
    """Each difficulty's variance from its origin, the box's average athlete on the item: the mean over n
    athletes of their level there (ability + strengths . the item's traits), s_j^2 var(level_j) / n. The
    sandwich holds the athletes fixed; another draw of athletes from the same population moves their average,
    and items of different spreads and traits move by different amounts (what the bootstrap by athlete sees)."""
    n = len(ability)
    if n < 2:
        return np.zeros(len(spreads))
    levels = np.column_stack([ability, strengths])
    cov = np.atleast_2d(np.cov(levels, rowvar=False))
    loading = np.column_stack([np.ones(len(spreads)), item_traits])  # level_ij = loading_j . levels_i
    return spreads**2 * np.einsum("jb,bc,jc->j", loading, cov, loading) / n


def _item_traits(obs: Observations, layout: Layout) -> np.ndarray:
    """(items x traits used) each item's traits (the same on each of its results)."""
    out = np.zeros((obs.n_items, layout.n_traits))
    out[obs.item] = obs.traits[:, : layout.n_traits]
    return out


def _design(obs: Observations, spreads: np.ndarray, layout: Layout) -> sp.csr_matrix:
    """Columns: abilities, slopes (if any), one block per trait, one per knot of the form (if any), the common
    progression (if any), then difficulties."""
    n, n_athletes = len(obs.athlete), obs.n_athletes
    s = spreads[obs.item]
    values = [s]
    if layout.progression:
        values.append(s * obs.years * layout.scale_of(SLOPE_PENALTY))
    values += [s * obs.traits[:, k] * layout.scale_of(TRAIT_PENALTY) for k in range(layout.n_traits)]
    values += [s * obs.form[:, k] * layout.scale_of(FORM_PENALTY) for k in range(layout.n_form)]
    columns = [block * n_athletes + obs.athlete for block in range(len(values))]
    if layout.progression:  # the box's common progression, unpenalised: each athlete's is shrunk towards it
        columns.append(np.full(n, layout.trend))
        values.append(s * obs.years)
    columns.append(layout.first_item + obs.item)
    values.append(-np.ones(n))
    rows = np.tile(np.arange(n), len(columns))
    return sp.csr_matrix((np.concatenate(values), (rows, np.concatenate(columns))),
                         shape=(n, layout.first_item + obs.n_items))


def _spreads(obs: Observations, coef: np.ndarray, y: np.ndarray, weights: np.ndarray, layout: Layout) -> np.ndarray:
    """Each item's spread: the weighted slope, within the item, of y on its athletes' levels that day,
    shrunk to 1 by SPREAD_PRIOR results' worth, then scaled to a mean of 1 over results (a spread and
    the abilities' unit trade one for the other)."""
    ability = layout.athlete_parts(coef)[0]
    level = _levels(obs, coef, layout)
    total = np.maximum(np.bincount(obs.item, weights, minlength=obs.n_items), 1e-12)
    level_c = level - (np.bincount(obs.item, weights * level, minlength=obs.n_items) / total)[obs.item]
    y_c = y - (np.bincount(obs.item, weights * y, minlength=obs.n_items) / total)[obs.item]
    prior = SPREAD_PRIOR * float(np.var(ability))
    raw = ((np.bincount(obs.item, weights * level_c * y_c, minlength=obs.n_items) + prior)
           / (np.bincount(obs.item, weights * level_c**2, minlength=obs.n_items) + prior))
    raw = np.clip(raw, *SPREAD_RANGE)
    return raw / np.average(raw, weights=np.bincount(obs.item, minlength=obs.n_items) + 1e-12)


def _spread_share_of_variance(obs: Observations, coef: np.ndarray, weights: np.ndarray, layout: Layout, scale: float,
                              centre: np.ndarray) -> np.ndarray:
    """The variance a difficulty gets from its spread's estimate (delta method): d_j reaches the average
    athlete from its own athletes' mean level m_j through s_j, so var(d_j) gains (m_j - centre_j)^2 var(s_j),
    with var(s_j) = scale^2 / (sum of w (level - m_j)^2 + the prior's weight)."""
    level = _levels(obs, coef, layout)
    total = np.maximum(np.bincount(obs.item, weights, minlength=obs.n_items), 1e-12)
    mean_level = np.bincount(obs.item, weights * level, minlength=obs.n_items) / total
    spread_info = np.bincount(obs.item, weights * (level - mean_level[obs.item]) ** 2, minlength=obs.n_items)
    ability, _, _ = layout.athlete_parts(coef)
    spread_variance = scale**2 / (spread_info + SPREAD_PRIOR * float(np.var(ability)) + 1e-12)
    return (mean_level - centre) ** 2 * spread_variance


def _levels(obs: Observations, coef: np.ndarray, layout: Layout) -> np.ndarray:
    """Each result's athlete level that day: a_i + b_i t + f_i(t) + u_i . T_j."""
    ability, slope, strengths = layout.athlete_parts(coef)
    level = ability[obs.athlete] + slope[obs.athlete] * obs.years
    if layout.n_form:
        level = level + np.einsum("rk,rk->r", layout.form(coef)[obs.athlete], obs.form)
    if layout.n_traits:
        level = level + np.einsum("rk,rk->r", strengths[obs.athlete], obs.traits[:, : layout.n_traits])
    return level


def form_basis(days: np.ndarray) -> np.ndarray | None:
    """(results x knots) the form's piecewise-linear basis at each result's day (any day count: days since an
    epoch): hat functions on knots spread evenly over the box's calendar, FORM_WEEKS weeks apart at least and
    FORM_KNOTS at most. None when the calendar spans fewer than three knots: two hats make a straight line,
    which the ability and the progression already are."""
    days = np.asarray(days, dtype=float)
    if not len(days):
        return None
    first, span = float(days.min()), float(days.max() - days.min())
    knots = min(FORM_KNOTS, int(span // (7 * FORM_WEEKS)) + 1)
    if knots < 3:
        return None
    step = span / (knots - 1)
    at = first + step * np.arange(knots)
    return np.clip(1 - np.abs(days[:, None] - at[None, :]) / step, 0.0, None)
