"""Customer lifetime value: what customers have spent, and what they will spend.

From the back of an envelope to probabilistic models, one module each:

- :mod:`~lifecycle_lib.analytics.clv.value`: :func:`historical_value` (what each customer has spent
  so far), :func:`simple_clv` and :func:`simple_five_year_value` (margin, retention and discount
  rate formulas), and :func:`five_year_value`, which combines the fitted models;
- :mod:`~lifecycle_lib.analytics.clv.betageo`: :class:`BetaGeo` (BG/NBD, Fader, Hardie & Lee 2005)
  and :mod:`~lifecycle_lib.analytics.clv.paretonbd`: :class:`ParetoNBD` (Schmittlein, Morrison &
  Colombo 1987) for how many purchases a customer will make;
- :mod:`~lifecycle_lib.analytics.clv.gammagamma`: :class:`GammaGamma` (Fader, Hardie & Lee 2005;
  Fader & Hardie 2013) for how much each purchase will be worth;
- :mod:`~lifecycle_lib.analytics.clv.sbg`: :class:`ShiftedBetaGeometric` (Fader & Hardie 2007) for
  retention in a contractual setting (subscriptions), fitted from survival counts.

The models share :class:`~lifecycle_lib.analytics.clv.base.LikelihoodModel`, which fits them by
maximum likelihood. The purchase and spend models are fitted on an
:func:`lifecycle_lib.analytics.rfm.rfm_summary` table (``frequency``, ``recency``, ``T``,
``monetary_value``); time is in whatever unit the summary uses. On the CDNOW sample (first 39
weeks) they reproduce the published estimates (see ``tests/test_clv.py``). scipy is imported only
when a model is fitted or used, so importing this package stays light.

>>> from lifecycle_lib import clv
>>> round(clv.simple_clv(100.0, 0.8, 0.1), 2)
266.67
"""

from __future__ import annotations

from lifecycle_lib.analytics.clv.betageo import BetaGeo
from lifecycle_lib.analytics.clv.gammagamma import GammaGamma
from lifecycle_lib.analytics.clv.paretonbd import ParetoNBD
from lifecycle_lib.analytics.clv.sbg import ShiftedBetaGeometric
from lifecycle_lib.analytics.clv.value import (
    DAYS_PER_YEAR,
    five_year_value,
    historical_value,
    simple_clv,
    simple_five_year_value,
)

__all__ = [
    "DAYS_PER_YEAR",
    "historical_value",
    "simple_clv",
    "simple_five_year_value",
    "five_year_value",
    "BetaGeo",
    "GammaGamma",
    "ParetoNBD",
    "ShiftedBetaGeometric",
]
