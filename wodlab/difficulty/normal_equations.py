"""The joint model's normal equations (wodlab.difficulty.joint): where each parameter sits (Layout), the
solution by block elimination (Blocks, solve) and the standard errors read from the same blocks (the model's
own, and the athlete-clustered sandwich). An athlete's parameters meet only the items', so every step is
linear in the athletes and no matrix of the whole is ever inverted.

The per-athlete parameters are penalised towards 0 by a prior worth a number of results (the penalties
below); a column scaled by c under the common ridge is a coefficient penalised by ridge / c^2 (Layout.scale_of).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

SLOPE_PENALTY = 1.0  # ridge on a progression slope (per year), in results' worth
# ridge on an athlete's strength on a trait, in results' worth: (noise sd / strengths' sd)^2, ~(0.13 / 0.2)^2. At 2
# the strengths of real specialists were shrunk to a fraction of theirs, and the athletes a workout suits, who
# choose it, were taken for better than the item's other athletes: realistic boxes' intervals held 90% of the truth
TRAIT_PENALTY = 0.5
FORM_PENALTY = 3.0  # ridge on an athlete's form at a knot: (noise sd / a few weeks' wander sd)^2, ~(0.13 / 0.08)^2


@dataclass
class Layout:
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


def solve(X: sp.csr_matrix, y: np.ndarray, weights: np.ndarray, layout: Layout) -> np.ndarray:
    """argmin |W^1/2 (y - X b)|^2 + ridge |b|^2: the normal equations (X'WX + ridge I) b = X'Wy solved
    exactly by block elimination (Blocks). An iterative solver (lsmr, warm-started) spent most of a fit
    in Python's overhead on hundreds of matrix-vector products per iteration."""
    blocks = Blocks.of(X, weights, layout)
    rhs = X.T @ (weights * y)
    local = layout.blocks * layout.n_athletes
    own = blocks.d_inv_matrix @ rhs[:local]  # D^-1 r_local
    shared = blocks.s_inv @ (rhs[local:] - blocks.b.T @ own)
    return np.concatenate([own - blocks.f @ shared, shared])


@dataclass
class Blocks:
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
    def of(cls, X: sp.csr_matrix, weights: np.ndarray, layout: Layout) -> Blocks:
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


def standard_errors(blocks: Blocks, scale: float, layout: Layout, spreads: np.ndarray,
                     item_traits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Standard errors of what is reported, from V = scale^2 A^-1, A = X'WX + ridge I: each ability relative
    to the average athlete (a_i - mean a), each difficulty relative to the average athlete on that item
    (d_j - s_j (mean a + T_j . mean u)). The parameters themselves are identified only up to those
    common shifts (the ridge alone pins them), and their own variances would carry them. A is never
    inverted whole: every variance needed is a combination of Blocks' D^-1, F and S^-1."""
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
    w, wf, item_column = item_contrasts(blocks, layout, spreads, item_traits)
    item_var = (np.einsum("jb,bc,jc->j", w, d_inv.sum(axis=0), w) + np.einsum("jg,gh,jh->j", wf, s_inv, wf)
                + 2 * (wf @ s_inv)[np.arange(layout.n_items), item_column]
                + s_inv[item_column, item_column])
    return tuple(scale * np.sqrt(np.clip(v, 0, None)) for v in (ability_var, item_var))


def item_contrasts(blocks: Blocks, layout: Layout, spreads: np.ndarray, item_traits: np.ndarray
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


def clustered_item_variance(X: sp.csr_matrix, blocks: Blocks, athlete: np.ndarray, score: np.ndarray, layout: Layout,
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
    w, wf, item_column = item_contrasts(blocks, layout, spreads, item_traits)
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
