"""Values as tokens, and tokens as salted digests: how a check recognises an answer it does not store.

A check file holds no expected value. For each question it holds salted digests of *tokens*: short
texts that two values share exactly when the question counts them as equal. A number becomes the
cell of a grid as wide as the question's tolerance (:func:`number_token`); a received number is
looked up in the two neighbouring cells (:func:`number_candidates`), so every answer within the
tolerance is accepted and none beyond three times it. Labels, set items and dictionary keys become
exact tokens (:func:`item_token`); values inside a Series, a frame or a list become
:func:`value_token`. :func:`digest` hashes a token with the question's salt, with many rounds of
PBKDF2 where one value stands alone (a number is found only by hashing candidates one by one) and
one round of BLAKE2 for the items of a collection (their candidates are the rows of the data anyway).

:func:`seal` and :func:`unseal` hide a text (an explanation shown after a right answer) under a key
that only the right answer's tokens give.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import math
import numbers
import sys

from lifecycle_lib.exercises.kinds import plain_item

__all__ = [
    "SLOW_ROUNDS",
    "Tolerance",
    "number_token",
    "number_candidates",
    "item_token",
    "value_token",
    "value_candidates",
    "digest",
    "seal",
    "unseal",
]

#: PBKDF2 rounds for the digest of a value that stands alone (about 3 ms each).
SLOW_ROUNDS = 5000

_DEFAULT_RTOL = 1e-6
_DEFAULT_ATOL = 1e-9


class Tolerance:
    """A question's number tolerance (``rtol``, ``atol`` of its compare settings) and its grids.

    Parameters
    ----------
    rtol : float, default 1e-6
        Relative tolerance, below 0.5.
    atol : float, default 1e-9
        Absolute tolerance, 0 or more.

    Examples
    --------
    >>> Tolerance.of({"rtol": 0.01})
    Tolerance(rtol=0.01, atol=1e-09)
    """

    def __init__(self, rtol: float = _DEFAULT_RTOL, atol: float = _DEFAULT_ATOL):
        self.rtol, self.atol = float(rtol), float(atol)
        if not (0 <= self.rtol < 0.5) or not (self.atol >= 0) or math.isinf(self.atol):
            raise ValueError(f"a tolerance needs 0 <= rtol < 0.5 and a finite atol >= 0, not rtol={rtol}, atol={atol}")
        # a grid step of twice the tolerance: within the tolerance always shares a neighbouring cell
        self.log_step = -2 * math.log1p(-self.rtol) if self.rtol > 0 else 0.0
        self.abs_step = 2 * self.atol

    @classmethod
    def of(cls, spec: dict | None) -> Tolerance:
        """The tolerance of a question's compare settings.

        Parameters
        ----------
        spec : dict or None
            The compare settings; ``rtol`` and ``atol`` are read, the rest is ignored.

        Returns
        -------
        Tolerance
            With the defaults for what the settings leave out.
        """
        spec = spec or {}
        return cls(spec.get("rtol", _DEFAULT_RTOL), spec.get("atol", _DEFAULT_ATOL))

    def as_list(self) -> list:
        """``[rtol, atol]``, as a check file stores it.

        Returns
        -------
        list
            The two tolerances.
        """
        return [self.rtol, self.atol]

    def __repr__(self) -> str:
        return f"Tolerance(rtol={self.rtol:g}, atol={self.atol:g})"


def _special(x: float) -> str | None:
    if math.isnan(x):
        return "na"
    if math.isinf(x):
        return "+inf" if x > 0 else "-inf"
    return None


def _as_float(x) -> float | None:
    try:
        return float(x)
    except (OverflowError, ValueError, TypeError):
        return None


def number_token(x, tol: Tolerance) -> str:
    """The one token of an expected number: its grid cell at the tolerance.

    Numbers whose tolerance is mostly absolute (``abs(x) * rtol < atol``) sit on a grid of step
    ``2 * atol``; the others on a grid of step about ``2 * rtol`` in the logarithm, with their sign.

    Parameters
    ----------
    x : number
        The expected number.
    tol : Tolerance
        The question's tolerance.

    Returns
    -------
    str
        The token, such as ``"+r:-1386"``.

    Examples
    --------
    >>> tol = Tolerance(rtol=0.001, atol=0.0)
    >>> number_token(0.25, tol) in number_candidates(0.2502, tol)
    True
    >>> number_token(0.25, tol) in number_candidates(0.26, tol)
    False
    """
    value = _as_float(x)
    if value is None:
        raise ValueError(f"{x!r} is not a number that can be checked")
    special = _special(value)
    if special:
        return special
    if value == 0 and tol.atol == 0:
        return "0"
    if tol.rtol == 0 and tol.atol == 0:
        return "x:" + repr(value)
    if tol.atol > 0 and (tol.rtol == 0 or abs(value) * tol.rtol < tol.atol):
        return f"a:{round(value / tol.abs_step)}"
    sign = "+" if value > 0 else "-"
    return f"{sign}r:{round(math.log(abs(value)) / tol.log_step)}"


def number_candidates(x, tol: Tolerance) -> list[str]:
    """The tokens an expected number must have for a received number ``x`` to match it.

    Parameters
    ----------
    x : number
        The received number.
    tol : Tolerance
        The question's tolerance.

    Returns
    -------
    list of str
        At most five tokens: the neighbouring cells of ``x`` on both grids, and the exact ones.

    Examples
    --------
    >>> number_candidates(float("nan"), Tolerance())
    ['na']
    >>> number_candidates(10**400, Tolerance())
    ['+inf']
    """
    value = _as_float(x)
    if value is None:
        return (
            ["+inf"]
            if isinstance(x, numbers.Integral) and x > 0
            else ["-inf"]
            if isinstance(x, numbers.Integral)
            else []
        )
    special = _special(value)
    if special:
        return [special]
    found = []
    if value == 0:
        found.append("0")
    if tol.rtol == 0 and tol.atol == 0:
        found.append("x:" + repr(value))
    if tol.atol > 0:
        cell = value / tol.abs_step
        if math.isfinite(cell):
            found += [f"a:{math.floor(cell)}", f"a:{math.ceil(cell)}"]
    if tol.rtol > 0 and value != 0:
        cell = math.log(abs(value)) / tol.log_step
        sign = "+" if value > 0 else "-"
        found += [f"{sign}r:{math.floor(cell)}", f"{sign}r:{math.ceil(cell)}"]
    return list(dict.fromkeys(found))


def _is_na(v) -> bool:
    if v is None:
        return True
    pd = sys.modules.get("pandas")
    if pd is not None and (v is pd.NA or v is pd.NaT):
        return True
    return isinstance(v, float) and math.isnan(v)


def _is_number(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _time_token(v) -> str | None:
    """``t:`` and nanoseconds since 1970 for a moment, ``d:`` and nanoseconds for a duration, whatever their type."""
    np = sys.modules.get("numpy")
    moment = isinstance(v, (_dt.date, _dt.datetime)) or (np is not None and isinstance(v, np.datetime64))
    duration = isinstance(v, _dt.timedelta) or (np is not None and isinstance(v, np.timedelta64))
    if not (moment or duration):
        return None
    try:
        import pandas as pd

        value = (pd.Timestamp(v) if moment else pd.Timedelta(v)).value
    except (ImportError, ValueError, OverflowError):
        return ("t:" if moment else "d:") + str(v)
    return ("t:" if moment else "d:") + str(value)


def item_token(v) -> str:
    """The exact token of a label, a set item or a dictionary key.

    Equal items give equal tokens: ``3``, ``3.0`` and ``numpy.int64(3)`` share one, as they share a
    hash in a Python set.

    Parameters
    ----------
    v : object
        The item.

    Returns
    -------
    str
        Its token.

    Examples
    --------
    >>> import numpy as np
    >>> item_token(3) == item_token(3.0) == item_token(np.int64(3)), item_token("C0012")
    (True, 's:C0012')
    """
    np = sys.modules.get("numpy")
    if np is not None and isinstance(v, (np.datetime64, np.timedelta64)):
        return _time_token(v)
    v = plain_item(v)
    if _is_na(v):
        return "na"
    if isinstance(v, bool):
        return f"b:{v}"
    if _is_number(v):
        value = _as_float(v)
        if value is not None and value.is_integer() and abs(value) < 2**53:
            return f"n:{int(value)}"
        return "n:" + (repr(value) if value is not None else str(v))
    if isinstance(v, str):
        return "s:" + v
    if isinstance(v, tuple):
        return "(" + ",".join(item_token(x) for x in v) + ")"
    if isinstance(v, frozenset):
        return "{" + ",".join(sorted(item_token(x) for x in v)) + "}"
    timed = _time_token(v)
    if timed:
        return timed
    return f"o:{type(v).__name__}:{repr(v)[:200]}"


def value_token(v, tol: Tolerance) -> str:
    """The token of an expected value inside a collection: numbers on the grid, the rest exact.

    Parameters
    ----------
    v : object
        One value of a Series, a frame column, a list or a dictionary.
    tol : Tolerance
        The question's tolerance.

    Returns
    -------
    str
        Its token.

    Examples
    --------
    >>> value_token(None, Tolerance()) == value_token(float("nan"), Tolerance())
    True
    """
    v = plain_item(v)
    if _is_na(v):
        return "na"
    if _is_number(v):
        return number_token(v, tol)
    return item_token(v)


def value_candidates(v, tol: Tolerance) -> list[str]:
    """The tokens under which a received value inside a collection may match (see :func:`value_token`).

    Parameters
    ----------
    v : object
        One received value.
    tol : Tolerance
        The question's tolerance.

    Returns
    -------
    list of str
        Its candidate tokens.

    Examples
    --------
    >>> tol = Tolerance(rtol=0.01, atol=0.0)
    >>> value_token(0.5, tol) in value_candidates(0.502, tol), value_candidates("C01", tol)
    (True, ['s:C01'])
    """
    v = plain_item(v)
    if _is_na(v):
        return ["na"]
    if _is_number(v):
        return number_candidates(v, tol)
    return [item_token(v)]


def digest(salt: str, token: str, rounds: int = 1) -> str:
    """The salted digest of a token: 24 hexadecimal characters.

    Parameters
    ----------
    salt : str
        The question's salt (hexadecimal).
    token : str
        The token.
    rounds : int, default 1
        1 for one BLAKE2 hash, more for that many rounds of PBKDF2-SHA256.

    Returns
    -------
    str
        The digest.

    Examples
    --------
    >>> digest("00ff", "n:3") == digest("00ff", "n:3"), digest("00ff", "n:3") == digest("00fe", "n:3")
    (True, False)
    """
    key = bytes.fromhex(salt)
    data = token.encode("utf-8", "surrogatepass")
    if rounds <= 1:
        return hashlib.blake2b(data, key=key[:64], digest_size=12).hexdigest()
    return hashlib.pbkdf2_hmac("sha256", data, key, rounds, dklen=12).hex()


def _stream(salt: str, secret: str, size: int) -> bytes:
    return hashlib.shake_256(
        b"explain\0" + bytes.fromhex(salt) + b"\0" + secret.encode("utf-8", "surrogatepass")
    ).digest(size + 8)


def seal(text: str, salt: str, secret: str) -> str:
    """Hide ``text`` under a key made from ``secret`` (the right answer's tokens).

    Parameters
    ----------
    text : str
        The text to hide.
    salt : str
        The question's salt.
    secret : str
        The right answer's tokens, joined.

    Returns
    -------
    str
        Base64 of the hidden text and a tag that tells a right key from a wrong one.

    Examples
    --------
    >>> hidden = seal("Well done.", "0a", "n:3")
    >>> unseal(hidden, "0a", "n:3"), unseal(hidden, "0a", "n:4")
    ('Well done.', None)
    """
    data = text.encode("utf-8")
    stream = _stream(salt, secret, len(data))
    body = bytes(a ^ b for a, b in zip(data, stream[8:]))
    return base64.b64encode(stream[:8] + body).decode("ascii")


def unseal(hidden: str, salt: str, secret: str) -> str | None:
    """The text :func:`seal` hid, or None when ``secret`` is not the one it was hidden under.

    Parameters
    ----------
    hidden : str
        What :func:`seal` returned.
    salt : str
        The question's salt.
    secret : str
        The received answer's tokens, joined.

    Returns
    -------
    str or None
        The text.

    Examples
    --------
    >>> unseal(seal("Right.", "0c", "s:loyal"), "0c", "s:impulse") is None
    True
    """
    raw = base64.b64decode(hidden)
    stream = _stream(salt, secret, len(raw) - 8)
    if raw[:8] != stream[:8]:
        return None
    return bytes(a ^ b for a, b in zip(raw[8:], stream[8:])).decode("utf-8", "replace")
