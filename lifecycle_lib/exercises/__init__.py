"""What a student's kernel imports: the question format and the self-check.

Nothing here imports :mod:`lifecycle_lib.tools`; an exercise notebook's first cell is::

    from lifecycle_lib.exercises import check

The modules, each importing only those listed before it:

* :mod:`~lifecycle_lib.exercises.errors`: what a check raises;
* :mod:`~lifecycle_lib.exercises.format`: the solution format (questions, mistakes, cell roles, keys' content);
* :mod:`~lifecycle_lib.exercises.kinds`: naming a value's type and shape without showing it;
* :mod:`~lifecycle_lib.exercises.tokens`: values as tokens at a question's tolerance, and their salted digests;
* :mod:`~lifecycle_lib.exercises.compare`: fingerprints of expected values and judging an answer against
  one (:class:`Verdict`, ``fingerprint``, ``judge``, ``record``, ``compare``, ``diagnose``);
* :mod:`~lifecycle_lib.exercises.keys`: computing the expected answers, writing and finding check files
  (which hold fingerprints, never code or values);
* :mod:`~lifecycle_lib.exercises.checks`: ``check`` itself.
"""

from lifecycle_lib.exercises.checks import check

__all__ = ["check"]
