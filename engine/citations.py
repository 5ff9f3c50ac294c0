"""Which provision a finding cites: the law of the day of the act, or, under the transitional
rule (生态环境法典第一千零五十七条, 从旧兼从轻), the lighter law of the day of the decision.

Pure: no I/O. How "lighter" is decided is written for rule editors in docs/rules.md; where
the recorded penalties cannot decide it, the act day's provision is cited and the caller is
told why, never a guess.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .errors import ErrorCode, Location, Problem
from .expressions import LAW_DAY
from .model import Checklist, Citation, Item, LegalLibrary, LegalRef, Penalty, Provision
from .values import chinese_date

#: the reference in _legal.yaml that holds the transitional rule itself, cited in notes
TRANSITIONAL_RULE = "transitional_rule"

Comparison = Literal["lighter", "heavier", "equal", "undecided"]


@dataclass(frozen=True)
class Choice:
    """The provision to cite for one reference, and why."""

    provision: Provision | None  #: None: nothing in force on the act day — no citation
    transition: str | None = None  #: set when the decision day's provision is cited instead
    undecided: str | None = None  #: why old and new could not be compared (the act day's is cited)


def _fines(penalty: Penalty | None, units: int | None) -> tuple[int, int, int, int] | None:
    """(max, min, individual max, individual min) in yuan at ``units`` units; None when unknown."""
    if penalty is None:
        return (0, 0, 0, 0)
    if penalty.max_yuan is None or penalty.min_yuan is None:
        return None  # e.g. "依法予以处罚": the amount is left to other rules
    if penalty.per_unit and units is None:
        return None  # a fine per machine, and the machines were not counted
    times = units if penalty.per_unit and units else 1
    return (
        penalty.max_yuan * times,
        penalty.min_yuan * times,
        penalty.individual_max_yuan or 0,
        penalty.individual_min_yuan or 0,
    )


def compare(old: Provision, new: Provision, units: int | None = 1) -> tuple[Comparison, str]:
    """Is ``new`` lighter than ``old``? Compared fine by fine: the highest, the lowest, and those
    on responsible persons, a fine per unit counted at ``units``. Lighter only when no fine is
    heavier and one is lighter; a mix of lighter and heavier cannot be decided from the data.
    Returns the outcome and a reason."""
    if (old.penalty is None) != (new.penalty is None):
        # "No penalty found" is not "no penalty": the other law may punish it elsewhere.
        without = old if old.penalty is None else new
        return "undecided", f"{without.citation()}没有录入罚则"
    old_fines, new_fines = _fines(old.penalty, units), _fines(new.penalty, units)
    if old_fines is None or new_fines is None:
        unknown = old if old_fines is None else new
        assert unknown.penalty is not None
        if unknown.penalty.per_unit and units is None:
            return "undecided", f"{unknown.penalty.citation(unknown.law)}按{unknown.penalty.per_unit}计罚，检查项没有记录数量"
        return "undecided", f"{unknown.penalty.citation(unknown.law)}未写罚款幅度"
    lower = [n < o for n, o in zip(new_fines, old_fines, strict=True)]
    higher = [n > o for n, o in zip(new_fines, old_fines, strict=True)]
    if any(lower) and any(higher):
        return "undecided", "新规定的罚款有的较轻、有的较重"
    if any(lower):
        return "lighter", "新规定的罚款较轻"
    if any(higher):
        return "heavier", "新规定的罚款较重"
    return "equal", "新旧规定的罚款相同"


def joined(citations: Iterable[Citation]) -> str:
    """Citations as a document writes them: the law named once for its articles in a row,
    《…法典》第八十条第一款、第一百六十四条第一款、《…办法》."""
    return joined_texts(citation.text for citation in citations)


def joined_texts(texts: Iterable[str]) -> str:
    """joined, for citations given as their texts (《…》第…条…)."""
    groups: list[tuple[str, list[str]]] = []
    for text in texts:
        name = text[: text.index("》") + 1] if text.startswith("《") and "》" in text else ""
        rest = text[len(name) :]
        if groups and name and groups[-1][0] == name and rest.startswith("第") and groups[-1][1][-1].startswith("第"):
            groups[-1][1].append(rest)
        else:
            groups.append((name, [rest]))
    return "、".join(name + "、".join(parts) for name, parts in groups)


def transitional_citation(legal: LegalLibrary, day: dt.date) -> str:
    ref = legal.refs.get(TRANSITIONAL_RULE)
    provision = ref.provision_on(day) if ref else None
    return provision.citation() if provision else "从旧兼从轻的规定"


def choose(ref: LegalRef, act_day: dt.date, decided: dt.date, legal: LegalLibrary, units: int | None = 1) -> Choice:
    """The provision a decision made on ``decided`` cites for an act on ``act_day``."""
    old = ref.provision_on(act_day)
    if old is None or decided <= act_day:
        return Choice(old)
    new = ref.provision_on(decided)
    if new is None or new is old:
        return Choice(old)
    outcome, reason = compare(old, new, units)
    if outcome == "lighter":
        rule = transitional_citation(legal, decided)
        return Choice(new, transition=f"行为发生在{chinese_date(act_day)}，{reason}，依照{rule}适用新规定")
    if outcome == "undecided":
        return Choice(old, undecided=reason)
    return Choice(old)


def refs_used(checklist: Checklist) -> list[str]:
    """Every reference the checklist's items cite, in the order they first appear."""
    seen: dict[str, None] = {}
    for item in checklist.items:
        for key in item.basis:
            seen.setdefault(key, None)
    return list(seen)


@dataclass(frozen=True)
class Gap:
    """A stretch of days on which a reference has no provision in force."""

    key: str
    start: dt.date
    end: dt.date | None  #: None: open-ended
    checklists: tuple[str, ...]  #: the checklists that cite it on those days


def gaps(ref: LegalRef, start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The days from ``start`` to ``end`` (inclusive) on which ``ref`` has no provision."""
    found: list[tuple[dt.date, dt.date]] = []
    day = start  #: the first day not yet covered
    for provision in sorted(ref.provisions, key=lambda p: p.effective_from or dt.date.min):
        first = provision.effective_from or dt.date.min
        if day > end or first > end:
            break
        if first > day:
            found.append((day, first - dt.timedelta(days=1)))
        if provision.effective_to is None or provision.effective_to >= end:
            # In force to the end of the span; also keeps an end of 9999-12-31 from overflowing below.
            return found
        day = max(day, provision.effective_to + dt.timedelta(days=1))
    if day <= end:
        found.append((day, end))
    return found


def _may_apply(item: Item, day: dt.date) -> bool:
    """Whether the item may apply on ``day``, as far as the law in force decides it: its
    `when:` read with nothing known but the day's law."""
    if item.when is None or LAW_DAY not in item.when.references:
        return True
    try:
        outcome = item.when.evaluate({LAW_DAY: day})
    except (TypeError, KeyError):
        return True
    return outcome is not False


def coverage_gaps(checklists: Iterable[Checklist], days: Iterable[dt.date] | None, today: dt.date) -> list[Gap]:
    """References with no provision in force: on each of ``days`` for every reference the
    checklists cite; or, with no days given, on today and over each checklist's effective range."""
    by_key: dict[tuple[str, dt.date, dt.date | None], list[str]] = {}
    for checklist in checklists:
        ranges: list[tuple[dt.date, dt.date]]
        if days is not None:
            ranges = [(day, day) for day in days if checklist.in_force(day)]
        else:
            # The checklist's whole effective range, up to today when it is open-ended.
            start = checklist.effective_from or today
            end = checklist.effective_to or max(today, start)
            ranges = [(start, end)]
        for key in refs_used(checklist):
            ref = checklist.legal.refs.get(key)
            if ref is None:
                continue
            citing = [item for item in checklist.items if key in item.basis]
            for start, end in ranges:
                for first, last in gaps(ref, start, end):
                    if not any(_may_apply(item, first) or _may_apply(item, last) for item in citing):
                        continue  # only items that apply under another law cite it
                    shown_end = None if days is None and last == today and checklist.effective_to is None else last
                    by_key.setdefault((key, first, shown_end), [])
                    if checklist.id not in by_key[(key, first, shown_end)]:
                        by_key[(key, first, shown_end)].append(checklist.id)
    return [Gap(key, first, last, tuple(ids)) for (key, first, last), ids in sorted(by_key.items(), key=lambda kv: (kv[0][1], kv[0][0]))]


def gap_problems(gaps_found: Iterable[Gap], legal: LegalLibrary) -> list[Problem]:
    """One warning per gap, at the reference in the legal file, naming the checklists it stops."""
    problems = []
    for gap in gaps_found:
        if gap.end is None:
            when = f"自 {gap.start.isoformat()} 起"
        elif gap.end == gap.start:
            when = f"在 {gap.start.isoformat()} "
        else:
            when = f"在 {gap.start.isoformat()} 至 {gap.end.isoformat()} "
        problems.append(
            Problem(
                ErrorCode.LEGAL_004,
                legal.locations.get(gap.key) or Location(legal.path, item=gap.key),
                {"key": gap.key, "date": when, "used_by": f"（{'、'.join(gap.checklists)} 引用）", "legal_file": Path(legal.path).name},
                severity="warning",
            )
        )
    return problems
