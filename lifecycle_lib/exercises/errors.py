"""What a self-check raises: each message is written for the learner, never a traceback.

* :class:`NotAnswered`: the answer variable still holds ``...`` (or ``None``);
* :class:`WrongAnswer`: the answer does not match what the solution computes;
* :class:`KeyProblem`: the check cannot find or run the exercise's key.

All three are :class:`CheckError`, so ``pytest --nbval-lax`` fails exactly the check cells of the
questions still open, and Jupyter shows the message alone.
"""

from __future__ import annotations

__all__ = ["CheckError", "NotAnswered", "WrongAnswer", "KeyProblem"]


class CheckError(Exception):
    """Base class of everything a check raises; the message is written for the learner.

    In Jupyter the error shows as its message alone, without the check's own code in a traceback.
    """

    def _render_traceback_(self):
        return [
            f"\x1b[31m{type(self).__name__}\x1b[0m: {line}" if i == 0 else line
            for i, line in enumerate(str(self).splitlines())
        ]


class NotAnswered(CheckError):
    """The answer variable still holds ``...`` (or ``None``)."""


class WrongAnswer(CheckError):
    """The answer does not match what the solution computes for this variant."""


class KeyProblem(CheckError):
    """The check cannot find or run the exercise's key (the notebook was moved, or the key is stale)."""
