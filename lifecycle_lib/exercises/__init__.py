"""What a student's kernel imports: the question format and the self-check.

Nothing here imports :mod:`lifecycle_lib.tools`; an exercise notebook's first cell is::

    from lifecycle_lib.exercises import check
"""

from lifecycle_lib.exercises.checks import check

__all__ = ["check"]
