"""The expectation of a normal pace known only to lie in an interval: the E step of the joint fit's censored results.

A capped athlete's pace lies between two bounds (wodlab.difficulty.paces.capped_paces), a DNF's below one; the
joint fit (wodlab.difficulty.joint) replaces each by its expectation under the current fit, given its bounds.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm


def expected_within(mean: np.ndarray, scale: float, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """E[y | lower <= y <= upper] for y ~ N(mean, scale^2): the censored paces' expected values (lower -inf:
    censored from above only). Far outside the interval, the nearer bound."""
    alpha, beta = (lower - mean) / scale, (upper - mean) / scale
    mass = norm.cdf(beta) - norm.cdf(alpha)
    expected = mean + scale * (norm.pdf(alpha) - norm.pdf(beta)) / np.maximum(mass, 1e-300)
    expected = np.where(mass > 1e-12, expected, np.where(beta < 0, upper, lower))
    return np.clip(expected, lower, upper)
