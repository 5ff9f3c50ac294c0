"""Which items of a checklist apply to an inspection, under the law of a given day.

Worked out once per answers file and law day: the answers loader needs it to ask for the
required answers that are missing, and scoring decides every item from the same one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from .expressions import LAW_DAY, UNKNOWN
from .model import SITE_FIELDS, Answer, Applicability, Checklist, Inspection, Site


def expression_names(checklist: Checklist, site: Site, inspection: Inspection, answered: Mapping[str, Answer], law_day: dt.date) -> dict[str, Any]:
    """The names expressions read: every answered item's value, site, inspection, params,
    and the day whose law judges the act."""
    names: dict[str, Any] = {LAW_DAY: law_day}
    for item_id, answer in answered.items():
        if answer.state == "answered":
            names[item_id] = answer.value
    fields = {name: getattr(site, name) for name in SITE_FIELDS}
    names["site"] = {key: (UNKNOWN if value is None else value) for key, value in {**fields, **site.facts}.items()}
    names["inspection"] = {"date": inspection.date}
    names["params"] = {name: param.value for name, param in checklist.params.items()}
    return names


def applicability(checklist: Checklist, site: Site, inspection: Inspection, answered: Mapping[str, Answer], law_day: dt.date | None = None) -> Applicability:
    """Each item's `when:` evaluated once, under the law of ``law_day`` (the inspection day
    unless told otherwise)."""
    day = law_day or inspection.date
    names = expression_names(checklist, site, inspection, answered, day)
    return Applicability(day, names, {item.id: True if item.when is None else item.when.evaluate(names) for item in checklist.items})
