"""What a student's kernel imports: the question format and the self-check.

Nothing here imports :mod:`lifecycle_lib.tools`; an exercise notebook's first cell is::

    from lifecycle_lib.exercises import check

The modules, each importing only those listed before it:

* :mod:`~lifecycle_lib.exercises.errors`: what a check raises;
* :mod:`~lifecycle_lib.exercises.format`: the solution format (questions, mistakes, cell roles, keys' content);
* :mod:`~lifecycle_lib.exercises.kinds`: naming a value's type and shape without showing it;
* :mod:`~lifecycle_lib.exercises.compare`: judging an answer (:class:`Verdict`, ``compare``, ``diagnose``);
* :mod:`~lifecycle_lib.exercises.keys`: encoding keys, finding them, computing the expected answers;
* :mod:`~lifecycle_lib.exercises.checks`: ``check`` itself.
"""

from lifecycle_lib.exercises.checks import check

__all__ = ["check"]
