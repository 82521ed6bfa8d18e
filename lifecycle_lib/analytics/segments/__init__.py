"""Who is each contact to the business? Relationship stages and behaviour types, by rules.

Relationship stage (:func:`relationship_stages`, in :mod:`.stages`)
-------------------------------------------------------------------
Every contact gets exactly one of nine stages, computed from what happened *before* ``observation_period_end``:

=========== ====================================================================================
prospect    on the list, no order and no sales-related action yet (the default)
suspect     no order, but engages like the buyers did before their first purchase (a lookalike)
lead        no order, but took a sales-related step (lead-magnet sign-up, cart, checkout)
new         first order within the last ``new_days`` (30-60 days in the source; default 60)
active      buying within the normal rhythm: a running subscription, or repeat gaps no longer than
            ``returning_factor`` x the typical gap, and not overdue
returning   comes back now and then: repeat buyer, no subscription, gaps longer than typical
at_risk     still a customer, but signalling: overdue against their own rhythm, a downgrade, recent
            support tickets or low ratings
lapsed      gone far beyond their usual interval, or cancelled and not bought since
advocate    referred someone or left strong reviews, and has not lapsed
=========== ====================================================================================

When several rules match, the first in :data:`PRIORITY` wins:
lapsed > advocate > new > at_risk > active > returning for customers, then lead > suspect >
prospect for contacts without an order. So an advocate who has gone quiet for a year is lapsed, and
a new customer who filed a ticket is still new (the ``reason`` column mentions the ticket).

The *usual gap* of a repeat customer is the mean time between their purchase days; a one-time buyer
is measured against the *typical gap*, the median usual gap of the business's repeat customers
(estimated from the data as of the date, or fixed with ``typical_gap_days``).

Behaviour types (:func:`behaviour_types`, in :mod:`.behaviour`)
----------------------------------------------------------------
Impulse, wandering, need-based, discount hunter, researcher, dissatisfied and loyal, by rules on
events, orders, tickets and reviews; :func:`score_rules` (in :mod:`.scoring`) compares them with the
simulator's answer key.

Both functions take their thresholds as keywords (defaults in :data:`STAGE_THRESHOLDS` and
:data:`BEHAVIOUR_THRESHOLDS`); a name that is not a threshold is a ``TypeError`` listing them.
"""

from lifecycle_lib.analytics.segments.behaviour import (
    BEHAVIOUR_TACTICS,
    BEHAVIOUR_THRESHOLDS,
    BEHAVIOUR_TYPES,
    behaviour_types,
)
from lifecycle_lib.analytics.segments.scoring import RuleScore, score_rules
from lifecycle_lib.analytics.segments.stages import (
    PRIORITY,
    RELATIONSHIP_STAGES,
    STAGE_TABLES,
    STAGE_TACTICS,
    STAGE_THRESHOLDS,
    relationship_stages,
    stage_counts,
)

__all__ = [
    "RELATIONSHIP_STAGES",
    "PRIORITY",
    "STAGE_TACTICS",
    "STAGE_THRESHOLDS",
    "STAGE_TABLES",
    "BEHAVIOUR_TYPES",
    "BEHAVIOUR_TACTICS",
    "BEHAVIOUR_THRESHOLDS",
    "relationship_stages",
    "stage_counts",
    "behaviour_types",
    "score_rules",
    "RuleScore",
]
