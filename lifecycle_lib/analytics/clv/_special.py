"""``2F1(1, b; c; z)``, the bounded hypergeometric function the Pareto/NBD likelihood needs.

``2F1(a, b; c; z)`` with ``a`` or ``b`` growing with a customer's frequency overflows
``scipy.special.hyp2f1`` once the frequency reaches the thousands, because the value itself grows
like ``(1 - z) ** -frequency``. Euler's transformation, ``2F1(a, b; c; z) = (1 - z) ** (c - a - b)
* 2F1(c - a, c - b; c; z)``, moves that growth into a factor the models keep as a logarithm, and
for ``2F1(a, b; a + 1; z)`` leaves ``2F1(1, a + 1 - b; a + 1; z)``, between 1 and ``1 / (1 - z)``.
scipy evaluates that one well, except for large ``b`` and ``c`` with ``z`` near 1 (as when a fit
tries nearly equal purchase rates for all customers), where it returns NaN; there Gauss's continued
fraction, which stays accurate, takes over.
"""

from __future__ import annotations

import numpy as np

__all__ = ["hyp2f1_one", "hyp2f1_finite"]

_TOLERANCE = 1e-15  # relative change of the last step at which the fraction has converged
_MAX_STEPS = 1_000_000  # z within 1e-6 of 1 takes about 15,000


def hyp2f1_finite(a, b, c, z):
    """``2F1(a, b; c; z)`` for ``0 <= z < 1`` where the value is moderate (arrays broadcast).

    scipy's value where it is finite, else the defining series summed term by term: scipy returns
    inf near ``z = 1`` when ``c - a - b`` is a whole number, though the value is finite.

    >>> round(float(hyp2f1_finite(-0.5, -0.5, 99.0, 19 / 21)), 6)
    1.002287
    """
    from scipy.special import hyp2f1

    a, b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (a, b, c, z)))
    value = np.array(hyp2f1(a, b, c, z), dtype="float64", ndmin=1).reshape(a.shape)
    bad = ~np.isfinite(value) & (z < 1)
    if bad.any():
        value[bad] = _series(a[bad], b[bad], c[bad], z[bad])
    return value


def _series(a, b, c, z):
    """``sum_k (a)_k (b)_k / ((c)_k k!) z**k`` for 1-D arrays, term by term until the terms are negligible."""
    total = np.ones_like(z)
    term = np.ones_like(z)
    todo = np.arange(z.size)
    k = 0
    while todo.size and k < _MAX_STEPS:
        term[todo] *= (a[todo] + k) * (b[todo] + k) / ((c[todo] + k) * (k + 1)) * z[todo]
        total[todo] += term[todo]
        k += 1
        # past the largest term, the terms shrink at least geometrically: stop when they are negligible
        # a sum that has overflowed stays infinite: stop it (the caller has a form that stays finite)
        going = (np.abs(term[todo]) >= _TOLERANCE * np.abs(total[todo])) | (k < np.abs(a[todo] * b[todo] / c[todo]))
        todo = todo[going & np.isfinite(total[todo])]
    return total


def hyp2f1_one(b, c, z):
    """``2F1(1, b; c; z)`` for ``0 < b < c`` and ``0 <= z < 1`` (arrays broadcast).

    scipy's value where it is finite, else :func:`_continued_fraction`'s (both agree to about 1e-14).

    >>> round(float(hyp2f1_one(1.0, 2.0, 0.5)), 12)  # -log(1 - z) / z
    1.38629436112
    """
    from scipy.special import hyp2f1

    b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (b, c, z)))
    value = np.array(hyp2f1(1.0, b, c, z), dtype="float64", ndmin=1).reshape(b.shape)
    bad = ~np.isfinite(value)
    if bad.any():
        value[bad] = _continued_fraction(b[bad], c[bad], z[bad])
    return value


def _continued_fraction(b, c, z):
    """``2F1(1, b; c; z)`` for 1-D arrays with ``0 < b < c`` and ``0 <= z < 1``.

    Gauss's continued fraction for ``2F1(a, b + 1; c + 1; z) / 2F1(a, b; c; z)`` at ``b = 0`` gives
    ``2F1(1, a; c + 1; z) = 1 / (1 - k_1 z / (1 - k_2 z / (1 - ...)))`` with
    ``k_{2n+1} = (a + n)(c + n) / ((c + 2n)(c + 2n + 1))`` and ``k_{2n} = n (c - a + n) / ((c + 2n - 1)(c + 2n))``;
    it is evaluated front to back (modified Lentz), each value until its last step changes it by
    less than ``1e-15``.
    """
    a, c = b, c - 1  # the fraction's a and c
    tiny = 1e-300
    value = np.ones_like(z)
    numerators = np.ones_like(z)  # Lentz's C
    denominators = np.zeros_like(z)  # Lentz's D
    todo = np.flatnonzero(z > 0)
    step = 0
    while todo.size and step < _MAX_STEPS:
        step += 1
        n = step // 2
        a_, c_ = a[todo], c[todo]
        if step % 2:
            k = (a_ + n) * (c_ + n) / ((c_ + 2 * n) * (c_ + 2 * n + 1))
        else:
            k = n * (c_ - a_ + n) / ((c_ + 2 * n - 1) * (c_ + 2 * n))
        term = -k * z[todo]
        d = 1 + term * denominators[todo]
        d = 1 / np.where(d == 0, tiny, d)
        q = 1 + term / numerators[todo]
        q = np.where(q == 0, tiny, q)
        denominators[todo], numerators[todo] = d, q
        change = q * d
        value[todo] *= change
        todo = todo[np.abs(change - 1) >= _TOLERANCE]
    return 1 / value
