"""The joint model (wodlab.difficulty.joint) on data drawn from known parameters: each part recovers what it models."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.stats import spearmanr

from wodlab.difficulty import joint, normal_equations


def synthetic(seed: int = 3, *, spreads: bool = True, progression: bool = True, traits: bool = True,
              censor_share: float = 0.0, wander: float = 0.0):
    """Athletes doing items, y = s_j (a_i + b_i t + w_i(t) + u_i . T_j) - d_j + noise; strong athletes come to the
    hard items (selection on their level that day), as in a box. w_i: with `wander`, each athlete's level walks
    week by week (that sd a week; 0 on average over the athletes each week), and the observations carry the
    form's basis (joint.form_basis). Returns the observations and the truth."""
    rng = np.random.default_rng(seed)
    n_athletes, n_items = 150, 50
    a = rng.normal(0, 0.25, n_athletes)
    b = rng.normal(0.15, 0.1, n_athletes) if progression else np.zeros(n_athletes)
    u = rng.normal(0, 0.2, (n_athletes, 3)) if traits else np.zeros((n_athletes, 3))
    d = rng.normal(0, 0.35, n_items)
    s = rng.uniform(0.6, 1.6, n_items) if spreads else np.ones(n_items)
    T = rng.normal(0, 1, (n_items, 3))
    days = np.sort(rng.uniform(0, 1, (n_items, 3)), axis=1)  # each item is programmed three times in a year
    rows = []
    walk = np.cumsum(rng.normal(0, wander, (n_athletes, 53)), axis=1) if wander else np.zeros((n_athletes, 53))
    walk -= walk.mean(axis=0)
    for j in range(n_items):
        if wander:  # each athlete's day first: who comes depends on their level that day
            when = days[j, rng.integers(3, size=n_athletes)]
            level = a + b * when + walk[np.arange(n_athletes), (when * 52).astype(int)]
            come = rng.random(n_athletes) < 1 / (1 + np.exp(-(0.3 + 12 * level * d[j])))
        else:
            come = rng.random(n_athletes) < 1 / (1 + np.exp(-(0.3 + 4 * a * d[j])))  # the strong come on hard days
        for i in np.flatnonzero(come):
            t = when[i] if wander else days[j, rng.integers(3)]
            y = s[j] * (a[i] + b[i] * t + walk[i, int(t * 52)] + u[i] @ T[j]) - d[j] + rng.normal(0, 0.1)
            rows.append((i, j, t, y))
    athlete, item, years, y = (np.array(c) for c in zip(*rows))
    bound = np.full(len(y), np.nan)
    if censor_share:  # capped: the slowest results of half the items, each known only by a flattering bound
        capped_items = np.arange(n_items) % 2 == 0
        for j in np.flatnonzero(capped_items):
            mine = item == j
            cut = np.quantile(y[mine], censor_share)
            slow = mine & (y < cut)
            bound[slow] = y[slow] + np.abs(rng.normal(0.08, 0.04, slow.sum()))
        y = np.where(np.isnan(bound), y, bound)
    own_day = np.bincount(athlete, years, minlength=n_athletes) / np.maximum(np.bincount(athlete, minlength=n_athletes), 1)
    years_c = years - own_day[athlete]
    T_c = T - T[item].mean(axis=0)  # centred on the results, as observed.estimate centres them
    obs = joint.Observations(athlete, item, y, bound, years_c, T_c[item], n_athletes, n_items,
                             form=joint.form_basis(years * 365.25) if wander else None)
    # what a fit can know: each difficulty for the box's average athlete on that item (joint.fit's centre), whose
    # ability is their level on their own average day
    reference = d - s * ((a + b * own_day).mean() + T_c @ u.mean(axis=0))
    return obs, {"a": a, "d": d, "s": s, "b": b, "reference": reference}


def _error(fit: joint.JointFit, truth: dict) -> float:
    """Mean absolute error of the difficulties, the fitted scale's origin aligned on the truth's."""
    gap = fit.difficulty - truth["reference"]
    return float(np.mean(np.abs(gap - np.median(gap))))


@pytest.mark.parametrize("part", ["spread", "progression", "traits"])
def test_each_part_of_the_model_recovers_what_it_models(part):
    obs, truth = synthetic()
    full, without = joint.fit(obs), joint.fit(obs, **{part: False})
    assert _error(full, truth) < 0.8 * _error(without, truth), (_error(full, truth), _error(without, truth))
    assert spearmanr(full.difficulty, truth["reference"])[0] >= 0.99


def test_spreads_and_progressions_are_recovered():
    obs, truth = synthetic()
    fit = joint.fit(obs)
    assert spearmanr(fit.spread, truth["s"])[0] >= 0.9
    assert np.average(fit.spread, weights=np.bincount(obs.item)) == pytest.approx(1.0)
    assert np.corrcoef(fit.progression, truth["b"])[0, 1] >= 0.5  # a year of results, noisy: still clearly there


def test_the_form_follows_athletes_whose_level_wanders():
    """Athletes whose level wanders week by week and who come to the hard workouts on the days they are in form:
    a straight progression misses the day's level the choice was made on, and the hard items look easier. The
    form (a piecewise-linear curve per athlete on the calendar's knots) takes that drift away: the error left is
    about 0.8 of the straight line's on every seed tried (the rest is any fit's noise)."""
    obs, truth = synthetic(4, wander=0.06)
    assert obs.form is not None and obs.form.shape[1] == joint.FORM_KNOTS - 1  # a year: a knot every 8 weeks
    with_form, without = joint.fit(obs), joint.fit(dataclasses.replace(obs, form=None))
    assert _error(with_form, truth) < 0.9 * _error(without, truth), (_error(with_form, truth), _error(without, truth))
    assert joint.fit(obs, progression=False).spread.shape == (obs.n_items,)  # no progression: no form either


def test_the_form_basis_is_hats_on_the_calendar():
    days = np.array([0.0, 28.0, 56.0, 112.0, 168.0])
    basis = joint.form_basis(days)
    assert basis.shape == (5, 4)  # 168 days: knots 56 days apart (8 weeks), at 0, 56, 112, 168
    assert basis.sum(axis=1) == pytest.approx(1.0)  # a partition of unity: the form adds no level of its own
    assert basis[1] == pytest.approx([0.5, 0.5, 0.0, 0.0])
    assert joint.form_basis(np.array([0.0, 100.0])) is None  # under three knots: a line, the progression's


def test_censored_results_are_bounds_not_exact_values():
    """Capped results flatter the athlete (a constant-pace time); taken as exact they make capped items look easy."""
    obs, truth = synthetic(censor_share=0.4)
    censored, as_exact = joint.fit(obs), joint.fit(obs, censored=False)
    capped = np.arange(obs.n_items) % 2 == 0

    def bias(fit):
        gap = fit.difficulty - truth["d"]
        gap = gap - np.median(gap[~capped])  # aligned on the items without censoring
        return float(np.mean(gap[capped]))

    assert bias(as_exact) < -0.03  # too easy
    assert abs(bias(censored)) < 0.7 * abs(bias(as_exact))


def test_model_based_intervals_cover_the_truth_when_the_model_holds():
    """95% intervals of the difficulties (relative to the average athlete) cover about 95% of the truths."""
    covered = []
    for seed in (1, 2, 3):
        obs, truth = synthetic(seed)
        fit = joint.fit(obs)
        gap = fit.difficulty - truth["reference"]
        gap = gap - np.average(gap, weights=1 / fit.item_se**2)
        covered.append(np.abs(gap) <= 1.96 * fit.item_se)
    assert 0.88 <= np.mean(covered) <= 0.995, np.mean(covered)
    assert np.median(fit.item_se) < 0.06  # the common shift the ridge pins is not in them


@pytest.mark.parametrize("progression, traits, wander", [(True, True, 0.0), (False, True, 0.0), (True, False, 0.0),
                                                       (True, True, 0.03)])
def test_standard_errors_are_those_of_the_whole_inverse(progression, traits, wander):
    """The block formulas (normal_equations.standard_errors never inverts the whole matrix) give what the whole inverse
    gives: var(c'b) = scale^2 c'(X'WX + ridge I)^-1 c for each reported contrast (with the form's blocks too)."""
    obs, _ = synthetic(5, wander=wander)
    rng = np.random.default_rng(5)
    n_form = obs.form.shape[1] if obs.form is not None else 0
    layout = normal_equations.Layout(obs.n_athletes, 3 if traits else 0, obs.n_items, progression, 0.01, n_form)
    spreads, weights = rng.uniform(0.6, 1.6, obs.n_items), rng.uniform(0.3, 1.0, len(obs.y))
    X = joint._design(obs, spreads, layout)
    item_traits = joint._item_traits(obs, layout)
    blocks = normal_equations.Blocks.of(X, weights, layout)
    ability_se, item_se = normal_equations.standard_errors(blocks, 0.7, layout, spreads, item_traits)

    p, n = X.shape[1], obs.n_athletes
    V = 0.49 * np.linalg.inv((X.T @ np.diag(weights) @ X.toarray()) + 0.01 * np.eye(p))
    abilities = np.hstack([np.eye(n) - 1 / n, np.zeros((n, p - n))])  # a_i - mean a
    items = np.zeros((obs.n_items, p))  # d_j - s_j (mean a + T_j . mean u), strengths' columns scaled
    items[:, layout.first_item:] = np.eye(obs.n_items)
    items[:, :n] = -spreads[:, None] / n
    first_trait = (1 + progression) * n
    for k in range(layout.n_traits):
        items[:, first_trait + k * n: first_trait + (k + 1) * n] = (
            -(spreads * item_traits[:, k] * layout.scale_of(normal_equations.TRAIT_PENALTY))[:, None] / n)
    assert ability_se == pytest.approx(np.sqrt(np.einsum("ij,jk,ik->i", abilities, V, abilities)), rel=1e-8)
    assert item_se == pytest.approx(np.sqrt(np.einsum("ij,jk,ik->i", items, V, items)), rel=1e-8)
    # the athlete-clustered sandwich, the same way: H = A^-1 C', each athlete's summed influence on c_j'b
    score = rng.normal(0, 0.5, len(obs.y)) * weights
    clustered = normal_equations.clustered_item_variance(X, blocks, obs.athlete, score, layout, spreads, item_traits)
    influence = (X.toarray() @ (V / 0.49) @ items.T) * score[:, None]
    per_athlete = np.vstack([influence[obs.athlete == i].sum(axis=0) for i in range(n)])
    assert clustered == pytest.approx((per_athlete**2).sum(axis=0) * n / (n - 1), rel=1e-8)


def test_the_origin_moves_with_the_athletes_drawn():
    """_centre_variance: each difficulty's origin is the athletes' mean level on the item, ability + strengths
    . traits, so its variance over draws of athletes is s_j^2 var(level_j) / n, item by item."""
    rng = np.random.default_rng(8)
    ability, strengths = rng.normal(0, 0.3, 40), rng.normal(0, 0.2, (40, 3))
    item_traits, spreads = rng.normal(0, 1, (6, 3)), rng.uniform(0.5, 1.5, 6)
    expected = [s**2 * np.var(ability + strengths @ t, ddof=1) / 40 for s, t in zip(spreads, item_traits)]
    assert joint._centre_variance(ability, strengths, item_traits, spreads) == pytest.approx(expected, rel=1e-10)


def _athletes_drawn_again(obs: joint.Observations, rng: np.random.Generator) -> joint.Observations:
    """A bootstrap sample: as many athletes drawn with replacement, each draw a new athlete with all their results."""
    drawn = rng.integers(obs.n_athletes, size=obs.n_athletes)
    rows_of = [np.flatnonzero(obs.athlete == i) for i in range(obs.n_athletes)]
    rows = np.concatenate([rows_of[i] for i in drawn])
    new_ids = np.repeat(np.arange(obs.n_athletes), [len(rows_of[i]) for i in drawn])
    return joint.Observations(new_ids, obs.item[rows], obs.y[rows], obs.bound[rows], obs.years[rows],
                              obs.traits[rows], obs.n_athletes, obs.n_items)


@pytest.mark.slow
def test_sandwich_errors_are_those_of_a_bootstrap_by_athlete():
    """The default errors (fit(robust=True)) stand for a bootstrap by athlete at the cost of one fit: on data
    with gross errors the model's own errors do not see (a tenth of results off by a heavy-tailed amount),
    the sandwich's errors follow the bootstrap's item by item, and the model's own are smaller."""
    obs, _ = synthetic(11)
    rng = np.random.default_rng(11)
    heavy = rng.random(len(obs.y)) < 0.1
    obs.y = obs.y + np.where(heavy, rng.standard_t(2, len(obs.y)) * 0.3, 0.0)
    full = joint.fit(obs, robust=True)
    replicates = np.array([joint.fit(_athletes_drawn_again(obs, rng)).difficulty for _ in range(60)])
    bootstrap_se = replicates.std(axis=0, ddof=1)
    ratio = full.item_se_robust / bootstrap_se
    assert 0.8 <= np.median(ratio) <= 1.25, np.median(ratio)
    assert np.corrcoef(full.item_se_robust, bootstrap_se)[0, 1] >= 0.6
    assert np.median(full.item_se / bootstrap_se) < 0.7  # the model alone: a third of the spread, here
