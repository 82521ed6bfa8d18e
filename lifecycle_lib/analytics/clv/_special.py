"""``2F1(1, b; c; z)``, the bounded hypergeometric function the Pareto/NBD likelihood needs.

``2F1(a, b; c; z)`` with ``a`` or ``b`` growing with a customer's frequency overflows
``scipy.special.hyp2f1`` once the frequency reaches the thousands, because the value itself grows
like ``(1 - z) ** -frequency``. Euler's transformation, ``2F1(a, b; c; z) = (1 - z) ** (c - a - b)
* 2F1(c - a, c - b; c; z)``, moves that growth into a factor the models keep as a logarithm, and
for ``2F1(a, b; a + 1; z)`` leaves ``2F1(1, a + 1 - b; a + 1; z)``: a series of positive terms, at
most ``1 / (1 - z)``. scipy evaluates it accurately except very close to ``z = 1``, where it is
summed here.
"""

from __future__ import annotations

import numpy as np

__all__ = ["hyp2f1_one"]

_TOLERANCE = 1e-16  # relative size of the neglected tail
_MAX_TERMS = 2**14  # then the tail is estimated; only z within about 1e-3 of 1 (degenerate parameters) gets there
_BLOCK_CELLS = 2**20  # terms summed at once, over all values still summing


def _series_one(b, c, z):
    """``sum_k prod_{j<k} (b + j) / (c + j) * z**k`` for 1-D arrays, in growing blocks of terms.

    The terms are positive and their ratio stays below ``z``, so the tail after a term ``t`` is at
    most ``t * z / (1 - z)``: summing stops when that bound is negligible, or after ``_MAX_TERMS``
    terms, when the tail is taken as a geometric series with the last ratio (a slight underestimate).
    """
    total = np.where(z < 1, 1.0, np.inf)  # at z = 1 the series may diverge: no finite answer
    term = np.ones_like(z)
    active = np.flatnonzero((z > 0) & (z < 1))
    start, block = 0, 16
    while active.size and start < _MAX_TERMS:
        j = start + np.arange(block)
        ratios = (b[active, None] + j) / (c[active, None] + j) * z[active, None]
        terms = term[active, None] * np.cumprod(ratios, axis=1)
        total[active] += terms.sum(axis=1)
        term[active] = terms[:, -1]
        za = z[active]
        active = active[term[active] * za > _TOLERANCE * (1 - za) * total[active]]
        start += block
        block = int(min(2 * block, max(16, _BLOCK_CELLS // max(active.size, 1))))
    if active.size:  # the ratios still to come lie between the last one and z: take the last one on
        ratio = (b[active] + start) / (c[active] + start) * z[active]
        total[active] += term[active] * ratio / (1 - ratio)
    return total


def hyp2f1_one(b, c, z):
    """``2F1(1, b; c; z)`` for ``0 < b < c`` and ``0 <= z < 1`` (arrays broadcast); between 1 and ``1 / (1 - z)``.

    scipy's value where it is finite, else the series summed directly (scipy gives NaN near
    ``z = 1`` when ``c - b`` is close to 1).
    """
    from scipy.special import hyp2f1

    b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (b, c, z)))
    value = np.array(hyp2f1(1.0, b, c, z), dtype="float64", ndmin=1)
    bad = ~np.isfinite(value)
    if bad.any():
        flat = np.ravel(bad)
        value.ravel()[flat] = _series_one(np.ravel(b)[flat], np.ravel(c)[flat], np.ravel(z)[flat])
    return value.reshape(b.shape)
