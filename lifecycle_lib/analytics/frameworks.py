"""The three customer-lifecycle frameworks of the course, as data, and a crosswalk between them.

- ``classic``: the classic 5-stage customer lifecycle (Reach, Acquire, Nurture, Retain, Advocacy),
  from a Russian e-commerce article;
- ``six_stage``: the 6-stage customer lifecycle (Awareness, Engagement, Evaluation, Purchase,
  Product & Support Experience, Bonding), from a Czech article;
- ``purchase``: the Customer Purchase Lifecycle, whose phases lead a person to the action of buying,
  followed by a separate Long-term Customer phase.

Each stage carries its order, a key, a display name, the term the source uses in its own language, a
definition, typical metrics and tactics. :func:`crosswalk` lines the frameworks up against the nine
relationship stages of :mod:`lifecycle_lib.analytics.segments`, and :func:`place_contacts` uses that alignment to
put every contact in a stage of any framework.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["Stage", "Framework", "FRAMEWORKS", "stages", "crosswalk", "place_contacts"]


@dataclass(frozen=True)
class Stage:
    """One stage of a lifecycle framework.

    Parameters
    ----------
    order : int
        Position in the framework, from 1.
    key : str
        Short identifier (``"reach"``), as the columns of :func:`crosswalk` hold it.
    name : str
        Display name in English.
    source_term : str
        The term the source uses, in its own language.
    source_language : str
        The language of ``source_term``.
    definition : str
        What the stage is.
    metrics : tuple of str
        Typical metrics of the stage.
    tactics : tuple of str
        What the source advises at this stage.

    Examples
    --------
    >>> reach = FRAMEWORKS["classic"].stages[0]
    >>> reach
    Stage(1. Reach [Достичь])
    >>> reach.key, reach.metrics[0]
    ('reach', 'ad impressions')
    """

    order: int
    key: str
    name: str
    source_term: str
    source_language: str
    definition: str
    metrics: tuple[str, ...]
    tactics: tuple[str, ...]

    def __repr__(self) -> str:
        return f"Stage({self.order}. {self.name} [{self.source_term}])"


@dataclass(frozen=True)
class Framework:
    """A lifecycle framework: an ordered tuple of :class:`Stage` and where it comes from.

    Parameters
    ----------
    key : str
        Short identifier (``"classic"``), a key of :data:`FRAMEWORKS`.
    name : str
        Display name.
    source : str
        Where the framework comes from.
    stages : tuple of Stage
        The stages in order.

    Examples
    --------
    >>> classic = FRAMEWORKS["classic"]
    >>> classic
    <Framework 'classic': Classic 5-stage customer lifecycle; Reach -> Acquire -> Nurture (Develop) -> Retain -> Advocacy>
    >>> classic.keys
    ('reach', 'acquire', 'nurture', 'retain', 'advocacy')
    """

    key: str
    name: str
    source: str
    stages: tuple[Stage, ...]

    def stage(self, key: str) -> Stage:
        """The stage with this key.

        >>> FRAMEWORKS["classic"].stage("nurture").source_term
        'Воспитание / Разработка'
        """
        for s in self.stages:
            if s.key == key:
                return s
        raise KeyError(f"{self.name} has no stage {key!r}; stages are {[s.key for s in self.stages]}")

    @property
    def keys(self) -> tuple[str, ...]:
        """Stage keys in order."""
        return tuple(s.key for s in self.stages)

    def __repr__(self) -> str:
        chain = " -> ".join(s.name for s in self.stages)
        return f"<Framework {self.key!r}: {self.name}; {chain}>"


_CLASSIC = Framework(
    key="classic",
    name="Classic 5-stage customer lifecycle",
    source="001 (Russian article on customer lifecycle stages)",
    stages=(
        Stage(
            1,
            "reach",
            "Reach",
            "Достичь",
            "ru",
            "The business writes marketing content and puts it where possible buyers will come across it, "
            "such as social networks; the goal is that people learn the brand exists.",
            ("ad impressions", "share of impressions noticed", "new contacts by channel", "first visits"),
            (
                "place content on the channels your audience actually uses",
                "repeat the message: one glimpse rarely registers",
                "encourage word of mouth from existing customers",
            ),
        ),
        Stage(
            2,
            "acquire",
            "Acquire",
            "Приобрести",
            "ru",
            "Knowing who the audience is and what interests it, sales starts working the prospects and turns "
            "them into buyers; relevant content and personal messages raise the odds of conversion.",
            ("lead rate", "visit-to-purchase conversion", "time from first contact to first purchase"),
            (
                "send content that matches what the prospect has looked at",
                "personalise messages instead of broadcasting one offer",
                "hand qualified leads to sales quickly",
            ),
        ),
        Stage(
            3,
            "nurture",
            "Nurture (Develop)",
            "Воспитание / Разработка",
            "ru",
            "The business builds the relationship with a customer it has just won: it suggests further "
            "purchases from the first one and from the browsing history, and asks how the purchase went.",
            ("second-purchase rate within 60 days", "feedback response rate", "cross-sell share"),
            (
                "welcome series for new customers",
                "recommendations based on the first purchase and pages viewed",
                "ask for feedback on the purchase",
            ),
        ),
        Stage(
            4,
            "retain",
            "Retain",
            "Удержание",
            "ru",
            "Feedback from customers is used to improve products and service, and customers receive content "
            "relevant enough to bring the next purchase.",
            ("repeat-purchase rate", "cohort retention", "churn rate", "days since last order"),
            (
                "act on feedback and tell customers what changed",
                "send content timed to each customer's buying rhythm",
                "watch for early warning signs and step in",
            ),
        ),
        Stage(
            5,
            "advocacy",
            "Advocacy",
            "Адвокация",
            "ru",
            "Loyal, satisfied customers recommend the business to others by word of mouth; the source calls "
            "this the last stage and the most important one for growth.",
            ("referrals per customer", "share of new contacts from referrals", "share of 5-star reviews"),
            (
                "make recommending easy (referral links, shareable content)",
                "thank and reward those who recommend",
                "ask happy customers for reviews",
            ),
        ),
    ),
)

_SIX = Framework(
    key="six_stage",
    name="6-stage customer lifecycle",
    source="003 (Czech article on customer lifecycle phases)",
    stages=(
        Stage(
            1,
            "awareness",
            "Awareness",
            "povědomí",
            "cs",
            "The relationship begins when a person first realises the brand, product or service exists, "
            "often after many unnoticed messages or through a friend's word.",
            ("impressions noticed per person", "noticed touches before the first visit", "word-of-mouth share"),
            (
                "be seen repeatedly on the same channels",
                "invest in word of mouth: friends, family and influencers",
            ),
        ),
        Stage(
            2,
            "engagement",
            "Engagement (optional)",
            "Zapojení",
            "cs",
            "Before a significant purchase some people follow the brand, sign up for its email and watch how "
            "it handles questions and complaints in public; others skip this stage.",
            ("newsletter and lead-magnet sign-ups", "social engagements", "email click rate"),
            (
                "answer questions and complaints in public, quickly",
                "give a reason to follow or subscribe",
            ),
        ),
        Stage(
            3,
            "evaluation",
            "Evaluation",
            "vyhodnocení",
            "cs",
            "Everyone weighs the purchase, from months of research and comparison to a quick gut check; "
            "most start by looking for answers themselves.",
            ("product, sizing-guide, review and FAQ views", "visits before the first purchase", "days to first purchase"),
            (
                "robust self-service content: dimensions, guides, photos, videos",
                "give staff the same knowledge base so every channel answers alike",
            ),
        ),
        Stage(
            4,
            "purchase",
            "Purchase",
            "nákup",
            "cs",
            "The moment of decision; people who cannot get a quick answer here walk away.",
            ("checkout completion rate", "abandonment with and without chat help", "chat response time"),
            (
                "offer live help during checkout",
                "proactively offer chat to visitors who seem stuck",
            ),
        ),
        Stage(
            5,
            "product_support",
            "Product & Support Experience",
            "zkušenosti s produktem a podporou",
            "cs",
            "After buying, the customer forms a lasting opinion of the product and the brand; every support "
            "contact shows whether the business cares about the relationship or only the sale.",
            ("ticket first-response time", "ticket satisfaction", "review ratings", "return rate"),
            (
                "exceptional service and support on every contact",
                "fix the root cause of repeated complaints",
            ),
        ),
        Stage(
            6,
            "bonding",
            "Bonding",
            "lepení",
            "cs",
            "The relationship is cemented: bonded customers come back to buy again, buy more and bring "
            "others in.",
            ("repeat purchases", "referrals", "subscription renewals"),
            (
                "keep service high and stay in touch proactively",
                "build an emotional tie, not only a transaction",
            ),
        ),
    ),
)

_PURCHASE = Framework(
    key="purchase",
    name="Customer Purchase Lifecycle + Long-term Customer phase",
    source="000 (course forum thread on the Customer Purchase Lifecycle) and 004 (article on lifetime value)",
    stages=(
        Stage(
            1,
            "pre_purchase",
            "Before the action",
            "Customer Purchase Lifecycle (phases before the action)",
            "en",
            "Everything that walks a person towards buying: finding the business, getting to know it and "
            "trusting it enough to act.",
            ("contacts who have not bought", "leads", "conversion to first purchase"),
            (
                "understand who the customer is, what they buy and why they buy online",
                "capture contact details early (a newsletter or a bonus)",
            ),
        ),
        Stage(
            2,
            "action",
            "Action (buying)",
            "action phase of buying",
            "en",
            "The person buys for the first time; the purchase lifecycle proper ends here, the relationship "
            "should not.",
            ("first purchases", "first-order value", "share who leave contact details at purchase"),
            (
                "ask the buyer to email for a bonus or for support, so you can stay in touch",
                "connect on social networks",
            ),
        ),
        Stage(
            3,
            "long_term",
            "Long-term customer",
            "Long Term Customer phase",
            "en",
            "The phase after the first purchase, where most profit is made: the customer is treated as special, "
            "kept in touch with, and valued over years rather than one order.",
            ("historical value", "5-year value", "repeat rate", "share of revenue from repeat customers"),
            (
                "early access to sales for existing customers",
                "partner with complementary shops to offer more without diluting the brand",
                "estimate what each customer is worth over about 5 years",
            ),
        ),
    ),
)

#: The three frameworks by key: ``classic``, ``six_stage`` and ``purchase``.
FRAMEWORKS: dict[str, Framework] = {f.key: f for f in (_CLASSIC, _SIX, _PURCHASE)}

# Relationship stage (segments.RELATIONSHIP_STAGES) -> stage key in each framework, with the reasoning.
_CROSSWALK = (
    ("prospect", "reach", "awareness", "pre_purchase", "knows of the brand, has not engaged"),
    ("suspect", "acquire", "engagement", "pre_purchase", "behaves like buyers; worth working on now"),
    ("lead", "acquire", "evaluation", "pre_purchase", "took a sales-related step; weighing a purchase"),
    ("new", "nurture", "purchase", "action", "just bought for the first time; build on it"),
    ("active", "retain", "product_support", "long_term", "buying on a normal rhythm"),
    ("returning", "retain", "product_support", "long_term", "comes back now and then, no subscription"),
    ("at_risk", "retain", "product_support", "long_term", "still a customer, signalling trouble"),
    (
        "lapsed",
        "retain",
        "product_support",
        "long_term",
        "left; win-back is the last job of retention and a won-back customer re-enters at Purchase",
    ),
    ("advocate", "advocacy", "bonding", "long_term", "recommends the business, still a customer"),
)


def _framework(framework: str) -> Framework:
    if isinstance(framework, Framework):
        return framework
    try:
        return FRAMEWORKS[framework]
    except KeyError:
        raise ValueError(f"unknown framework {framework!r}; choose one of {sorted(FRAMEWORKS)}") from None


def stages(framework: str = "classic") -> pd.DataFrame:
    """The stages of one framework as a table, in order.

    Parameters
    ----------
    framework : str or Framework
        ``"classic"``, ``"six_stage"`` or ``"purchase"`` (a key of :data:`FRAMEWORKS`).

    Returns
    -------
    DataFrame
        Indexed by ``order``, with ``key``, ``name``, ``source_term``, ``source_language``,
        ``definition``, ``metrics`` and ``tactics`` (the last two joined with "; ").

    Examples
    --------
    >>> table = stages("classic")
    >>> table["name"].tolist()
    ['Reach', 'Acquire', 'Nurture (Develop)', 'Retain', 'Advocacy']
    >>> table.loc[5, "source_term"]
    'Адвокация'
    >>> len(stages("six_stage")), len(stages("purchase"))
    (6, 3)
    """
    fw = _framework(framework)
    rows = [
        {
            "order": s.order,
            "key": s.key,
            "name": s.name,
            "source_term": s.source_term,
            "source_language": s.source_language,
            "definition": s.definition,
            "metrics": "; ".join(s.metrics),
            "tactics": "; ".join(s.tactics),
        }
        for s in fw.stages
    ]
    return pd.DataFrame(rows).set_index("order")


def crosswalk(names: bool = False) -> pd.DataFrame:
    """Align the three frameworks with the relationship stages of :mod:`lifecycle_lib.analytics.segments`.

    One row per relationship stage (in the order of ``segments.RELATIONSHIP_STAGES``), one column per
    framework holding the stage key (or its display name with ``names=True``), and a ``note`` saying
    why. Read down a column to see how one framework's stage splits into relationship stages: the
    classic *Retain* covers active, returning, at-risk and lapsed customers, while Reach is only the
    prospects.

    Parameters
    ----------
    names : bool
        Show the stages' display names instead of their keys.

    Returns
    -------
    DataFrame
        Indexed by ``relationship_stage``, with the columns ``classic``, ``six_stage``, ``purchase``
        and ``note``.

    Examples
    --------
    >>> cw = crosswalk()
    >>> print(cw.loc[["prospect", "lead", "new", "advocate"], ["classic", "six_stage", "purchase"]]
    ...       .reset_index().to_string(index=False))
    relationship_stage  classic  six_stage     purchase
              prospect    reach  awareness pre_purchase
                  lead  acquire evaluation pre_purchase
                   new  nurture   purchase       action
              advocate advocacy    bonding    long_term
    >>> crosswalk(names=True).loc["at_risk", "six_stage"]
    'Product & Support Experience'
    """
    frame = pd.DataFrame(
        _CROSSWALK, columns=["relationship_stage", "classic", "six_stage", "purchase", "note"]
    ).set_index("relationship_stage")
    if names:
        for key, fw in FRAMEWORKS.items():
            lookup = {s.key: s.name for s in fw.stages}
            frame[key] = frame[key].map(lookup)
    return frame


def place_contacts(data, framework: str = "classic", observation_period_end=None, **thresholds) -> pd.DataFrame:
    """Place every contact in a stage of a framework.

    The relationship stage of :func:`lifecycle_lib.analytics.segments.relationship_stages` is computed first (or
    taken as given), then translated with :func:`crosswalk`: a lead is in *Acquire* of the classic
    framework, in *Evaluation* of the 6-stage one and *Before the action* of the purchase lifecycle.

    Parameters
    ----------
    data : dict of DataFrames, or DataFrame
        The tables by name (as ``datasets.simulate`` returns them; at least ``orders``, plus any of
        contacts, events, subscriptions, tickets, reviews, referrals), or the frame
        ``relationship_stages`` returned (a ``stage`` column indexed by contact).
    framework : str
        ``"classic"``, ``"six_stage"``, ``"purchase"`` or ``"all"`` for one column per framework.
    observation_period_end : date-like, optional
        Passed to ``relationship_stages`` when tables are given.
    **thresholds
        Thresholds passed to ``relationship_stages`` when tables are given (see
        ``segments.STAGE_THRESHOLDS``).

    Returns
    -------
    DataFrame
        Indexed by contact_id: ``relationship_stage`` and the framework stage as an ordered
        categorical (column named after the framework; one per framework with ``"all"``).

    Examples
    --------
    >>> rel = pd.DataFrame({"stage": ["prospect", "new", "lapsed"]},
    ...                    index=pd.Index(["a", "b", "c"], name="contact_id"))
    >>> placed = place_contacts(rel, framework="all")
    >>> placed.reset_index().values.tolist()
    [['a', 'prospect', 'reach', 'awareness', 'pre_purchase'], ['b', 'new', 'nurture', 'purchase', 'action'], ['c', 'lapsed', 'retain', 'product_support', 'long_term']]
    """
    if isinstance(data, pd.DataFrame) and "stage" in data.columns:
        rel = data["stage"]
    elif isinstance(data, dict):
        from lifecycle_lib.analytics import segments

        rel = segments.relationship_stages(data, observation_period_end=observation_period_end, **thresholds)["stage"]
    else:
        raise TypeError(
            "place_contacts takes a dict of tables (as from datasets.simulate) or the frame returned by "
            "segments.relationship_stages"
        )
    keys = list(FRAMEWORKS) if framework == "all" else [_framework(framework).key]
    cw = crosswalk()
    unknown = sorted(set(rel.dropna().astype(str)) - set(cw.index))
    if unknown:
        raise ValueError(f"unknown relationship stage(s) {unknown}; expected one of {list(cw.index)}")
    out = pd.DataFrame({"relationship_stage": rel.astype(str)}, index=rel.index)
    for key in keys:
        mapped = out["relationship_stage"].map(cw[key])
        out[key] = pd.Categorical(mapped, categories=list(FRAMEWORKS[key].keys), ordered=True)
    return out
