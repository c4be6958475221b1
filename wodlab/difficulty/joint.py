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
parameters meet only the items'; _Blocks); then each spread is the slope, within its item, of y on
the athletes' levels that day, shrunk to 1. About 3.5 s for 100k results on this machine. The common ridge is
small (0.01): it only pins the scale's origin, which the data leave free (every ability one unit
up and every difficulty one unit up fit the same); a larger one pulls the items with few results
towards the average and compresses the scale.

Standard errors come from the weighted normal equations at the solution (the spreads taken as
known), for each difficulty and ability relative to the box's average athlete, exact at any size
(_standard_errors: block elimination, linear in the athletes). They assume the
model is true. fit(robust=True) adds the athlete-clustered sandwich (_clustered_item_variance: an
athlete's results are not independent of each other), with the variance of the items' origin over
draws of athletes (_centre_variance); reliability.estimate_with_errors uses it by default (or a
bootstrap by athlete, or a split half's widening) and adds the variance over the model without each
of its parts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from wodlab.difficulty.tobit import expected_within

SLOPE_PENALTY = 1.0  # ridge on a progression slope (per year), in results' worth
# ridge on an athlete's strength on a trait, in results' worth: (noise sd / strengths' sd)^2, ~(0.13 / 0.2)^2. At 2
# the strengths of real specialists were shrunk to a fraction of theirs, and the athletes a workout suits, who
# choose it, were taken for better than the item's other athletes: realistic boxes' intervals held 90% of the truth
TRAIT_PENALTY = 0.5
FORM_PENALTY = 3.0  # ridge on an athlete's form at a knot: (noise sd / a few weeks' wander sd)^2, ~(0.13 / 0.08)^2
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


@dataclass
class _Layout:
    """Where each block of parameters sits in the coefficient vector, and the scale of its columns (a
    column scaled by c under a common ridge is a coefficient penalised by ridge / c^2)."""

    n_athletes: int
    n_traits: int
    n_items: int
    progression: bool
    ridge: float
    n_form: int = 0  # knots of the athletes' form (form_basis); 0: none

    @property
    def blocks(self) -> int:
        return 1 + self.progression + self.n_traits + self.n_form  # per-athlete blocks

    @property
    def traits_at(self) -> slice:
        """The per-athlete blocks of the strengths (the form's come after them)."""
        return slice(1 + self.progression, 1 + self.progression + self.n_traits)

    @property
    def trend(self) -> int:
        """The column of the box's common progression (present with progression)."""
        return self.blocks * self.n_athletes

    @property
    def first_item(self) -> int:
        return self.blocks * self.n_athletes + self.progression

    def scale_of(self, penalty: float) -> float:
        return math.sqrt(self.ridge / penalty)

    def athlete_parts(self, coef: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(abilities, slopes, strengths) in their own units."""
        n = self.n_athletes
        per = coef[: self.blocks * n].reshape(self.blocks, n)
        slope = coef[self.trend] + per[1] * self.scale_of(SLOPE_PENALTY) if self.progression else np.zeros(n)
        strengths = per[self.traits_at].T * self.scale_of(TRAIT_PENALTY)
        return per[0], slope, strengths

    def form(self, coef: np.ndarray) -> np.ndarray:
        """(athletes x knots) each athlete's form at each knot, in pace units."""
        per = coef[: self.blocks * self.n_athletes].reshape(self.blocks, self.n_athletes)
        return per[self.blocks - self.n_form:].T * self.scale_of(FORM_PENALTY)


def fit(obs: Observations, *, ridge: float = 0.01, huber: float = 1.5, iterations: int = 12,
        spread: bool = True, progression: bool = True, traits: bool = True, censored: bool = True,
        robust: bool = False, start: JointFit | None = None) -> JointFit:
    """The model of the module docstring; spread, progression, traits, censored=False drop those parts;
    robust=True adds each item's athlete-clustered sandwich standard error (item_se_robust).

    `start`: a fit of the same observations by a nearby model (the full one, for the model uncertainty's reduced
    models): its Huber weights, spreads and censored paces start this one (each iteration's least squares are
    solved exactly: only these carry over), which then stops after WARM_ITERATIONS + WARM_CENSORED_ITERATIONS."""
    n_form = obs.form.shape[1] if progression and obs.form is not None else 0  # the form is part of the progression
    layout = _Layout(obs.n_athletes, obs.traits.shape[1] if traits else 0, obs.n_items, progression, ridge, n_form)
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
        before, coef = coef, _solve(X, y, weights, layout)
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
    blocks = _Blocks.of(X, weights, layout)
    ability_se, item_se = _standard_errors(blocks, scale, layout, spreads, item_traits)
    # the spreads are estimated too: an item whose athletes sit far from the average inherits theirs
    spread_var = _spread_share_of_variance(obs, coef, weights, layout, scale, centre) if spread else 0.0
    residual = y - X @ coef
    robust_se = None
    if robust:
        # the M-estimator's bread: X' psi'(r) X, psi' = 1 inside Huber's bound and 0 beyond (the IRLS
        # weights would count a down-weighted result as information it does not give)
        bread = _Blocks.of(X, (np.abs(residual) <= huber * scale).astype(float), layout)
        robust_se = np.sqrt(_clustered_item_variance(X, bread, obs.athlete, weights * residual, layout, spreads,
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


def _solve(X: sp.csr_matrix, y: np.ndarray, weights: np.ndarray, layout: _Layout) -> np.ndarray:
    """argmin |W^1/2 (y - X b)|^2 + ridge |b|^2: the normal equations (X'WX + ridge I) b = X'Wy solved
    exactly by block elimination (_Blocks). An iterative solver (lsmr, warm-started) spent most of a fit
    in Python's overhead on hundreds of matrix-vector products per iteration."""
    blocks = _Blocks.of(X, weights, layout)
    rhs = X.T @ (weights * y)
    local = layout.blocks * layout.n_athletes
    own = blocks.d_inv_matrix @ rhs[:local]  # D^-1 r_local
    shared = blocks.s_inv @ (rhs[local:] - blocks.b.T @ own)
    return np.concatenate([own - blocks.f @ shared, shared])


@dataclass
class _Blocks:
    """A = X'WX + ridge I split by the kind of parameter. Local ones (an athlete's ability, slope and
    strengths) meet no other athlete's: A's local block D is block-diagonal, one k x k block per athlete.
    Global ones (the common progression and the items) are few. With B the local-global block and E the
    global one, A's inverse is made of D^-1 (a small inverse per athlete), F = D^-1 B and the inverse of
    the Schur complement S = E - B'D^-1 B (globals x globals): linear in the number of athletes, exact.
    B and F stay sparse (an athlete's rows hold only the items they did): a federation's thousands of
    athletes and items fit in memory."""

    d_inv: np.ndarray  # (athletes x k x k)
    d_inv_matrix: sp.csr_matrix  # the same, as the block-diagonal matrix in the layout's order
    b: sp.csr_matrix  # (local x globals)
    f: sp.csr_matrix  # D^-1 B
    s_inv: np.ndarray  # (globals x globals)

    @classmethod
    def of(cls, X: sp.csr_matrix, weights: np.ndarray, layout: _Layout) -> _Blocks:
        n, k = layout.n_athletes, layout.blocks
        a = (X.T @ sp.diags(weights) @ X + layout.ridge * sp.identity(X.shape[1])).tocsr()
        d = np.empty((n, k, k))
        for b in range(k):  # A[b n + i, c n + i] lies on A's diagonal at offset (c - b) n
            for c in range(b, k):
                d[:, b, c] = d[:, c, b] = a.diagonal((c - b) * n)[b * n:(b + 1) * n]
        d_inv = np.linalg.inv(d)
        row_block, column_block, athlete = np.meshgrid(np.arange(k), np.arange(k), np.arange(n), indexing="ij")
        d_inv_matrix = sp.csr_matrix((d_inv[athlete, row_block, column_block].ravel(),
                                      ((row_block * n + athlete).ravel(), (column_block * n + athlete).ravel())),
                                     shape=(k * n, k * n))
        b_block = a[: k * n, k * n:]
        f = (d_inv_matrix @ b_block).tocsr()
        s_inv = np.linalg.inv(a[k * n:, k * n:].toarray() - (b_block.T @ f).toarray())
        return cls(d_inv, d_inv_matrix, b_block, f, s_inv)


def _item_traits(obs: Observations, layout: _Layout) -> np.ndarray:
    """(items x traits used) each item's traits (the same on each of its results)."""
    out = np.zeros((obs.n_items, layout.n_traits))
    out[obs.item] = obs.traits[:, : layout.n_traits]
    return out


def _design(obs: Observations, spreads: np.ndarray, layout: _Layout) -> sp.csr_matrix:
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


def _spreads(obs: Observations, coef: np.ndarray, y: np.ndarray, weights: np.ndarray, layout: _Layout) -> np.ndarray:
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


def _spread_share_of_variance(obs: Observations, coef: np.ndarray, weights: np.ndarray, layout: _Layout, scale: float,
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


def _levels(obs: Observations, coef: np.ndarray, layout: _Layout) -> np.ndarray:
    """Each result's athlete level that day: a_i + b_i t + f_i(t) + u_i . T_j."""
    ability, slope, strengths = layout.athlete_parts(coef)
    level = ability[obs.athlete] + slope[obs.athlete] * obs.years
    if layout.n_form:
        level = level + np.einsum("rk,rk->r", layout.form(coef)[obs.athlete], obs.form)
    if layout.n_traits:
        level = level + np.einsum("rk,rk->r", strengths[obs.athlete], obs.traits[:, : layout.n_traits])
    return level


def _standard_errors(blocks: _Blocks, scale: float, layout: _Layout, spreads: np.ndarray,
                     item_traits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Standard errors of what is reported, from V = scale^2 A^-1, A = X'WX + ridge I: each ability relative
    to the average athlete (a_i - mean a), each difficulty relative to the average athlete on that item
    (d_j - s_j (mean a + T_j . mean u)). The parameters themselves are identified only up to those
    common shifts (the ridge alone pins them), and their own variances would carry them. A is never
    inverted whole: every variance needed is a combination of _Blocks' D^-1, F and S^-1."""
    n = layout.n_athletes
    d_inv, f, s_inv = blocks.d_inv, blocks.f, blocks.s_inv
    # abilities: var(a_i - mean a) = V_ii - 2 mean_k V_ik + mean_kl V_kl over the ability block (b = 0)
    f0 = f[:n]
    f0_sum = np.asarray(f0.sum(axis=0)).ravel()
    own = d_inv[:, 0, 0] + np.concatenate([  # the rows of F0 S^-1 F0', a few thousand athletes at a time
        np.asarray(f0[i:i + 4096].multiply(f0[i:i + 4096] @ s_inv).sum(axis=1)).ravel() for i in range(0, n, 4096)])
    row = d_inv[:, 0, 0] + f0 @ (s_inv @ f0_sum)
    total = d_inv[:, 0, 0].sum() + f0_sum @ s_inv @ f0_sum
    ability_var = own - 2 * row / n + total / n**2
    w, wf, item_column = _item_contrasts(blocks, layout, spreads, item_traits)
    item_var = (np.einsum("jb,bc,jc->j", w, d_inv.sum(axis=0), w) + np.einsum("jg,gh,jh->j", wf, s_inv, wf)
                + 2 * (wf @ s_inv)[np.arange(layout.n_items), item_column]
                + s_inv[item_column, item_column])
    return tuple(scale * np.sqrt(np.clip(v, 0, None)) for v in (ability_var, item_var))


def _item_contrasts(blocks: _Blocks, layout: _Layout, spreads: np.ndarray, item_traits: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What is reported of item j, difficulty relative to the average athlete, as a contrast c_j of the
    coefficients: e_j on the item's column, and -w_j on every athlete's local block, w_j = s_j / n x (1 for
    the ability, 0 for the slope and the form, the item's scaled traits for the strengths). Returns w (items x blocks),
    w F-summed (F' of the local part: items x globals) and the items' columns among the globals."""
    n, k = layout.n_athletes, layout.blocks
    w = np.zeros((layout.n_items, k))
    w[:, 0] = 1.0
    w[:, layout.traits_at] = item_traits * layout.scale_of(TRAIT_PENALTY)
    w *= (spreads / n)[:, None]
    wf = w @ np.vstack([np.asarray(blocks.f[block * n:(block + 1) * n].sum(axis=0)) for block in range(k)])
    return w, wf, np.arange(layout.n_items) + layout.progression  # the items come after the trend


# Influence values held at once (results x items in a chunk): 4M floats, 32 MB, whatever the box's size
ROBUST_FLOATS_AT_ONCE = 4_000_000


def _clustered_item_variance(X: sp.csr_matrix, blocks: _Blocks, athlete: np.ndarray, score: np.ndarray, layout: _Layout,
                             spreads: np.ndarray, item_traits: np.ndarray) -> np.ndarray:
    """Each reported difficulty's variance by the athlete-clustered sandwich: var(c_j'b) = sum over athletes
    of (c_j' A^-1 g_i)^2, g_i = X_i' W_i e_i the weighted residuals of athlete i's results (at the
    solution, Huber weights and censored paces' expectations as fitted), times G / (G - 1). An athlete's
    results are not independent of each other (a good day, a bad season, a skill the model lacks): the
    clusters carry that, where the model's own variance assumes independent noise of one scale. The
    bootstrap by athlete estimates the same thing with twenty refits; this costs a few products with the
    blocks the fit already has. h_j = A^-1 c_j by block elimination: h_g = S^-1 (c_g - F'c_l),
    h_l = D^-1 c_l - F h_g."""
    n, k = layout.n_athletes, layout.blocks
    w, wf, item_column = _item_contrasts(blocks, layout, spreads, item_traits)
    globals_ = blocks.s_inv.shape[0]
    variance = np.empty(layout.n_items)
    clusters = sp.csr_matrix((np.ones(len(athlete)), (athlete, np.arange(len(athlete)))), shape=(n, len(athlete)))
    at_once = int(np.clip(ROBUST_FLOATS_AT_ONCE // max(len(athlete), 1), 1, 64))
    for start in range(0, layout.n_items, at_once):
        chunk = np.arange(start, min(start + at_once, layout.n_items))
        c_g = np.zeros((globals_, len(chunk)))
        c_g[item_column[chunk], np.arange(len(chunk))] = 1.0
        h_g = blocks.s_inv @ (c_g + wf[chunk].T)  # c_l = -w: F'c_l = -wf
        own = -np.einsum("ibc,jc->bij", blocks.d_inv, w[chunk]).reshape(k * n, len(chunk))  # D^-1 c_l, block-major
        h_l = own - blocks.f @ h_g
        influence = (X @ np.vstack([h_l, h_g])) * score[:, None]  # each result's share of c_j' A^-1 X'We
        per_athlete = clusters @ influence
        variance[chunk] = (per_athlete**2).sum(axis=0)
    return variance * n / max(n - 1, 1)


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
