"""What the engine works on: checklists, legal references, answers and results.

Frozen dataclasses only; no I/O here.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import ErrorCode, InputError, Location, Problem, listing, suggestion
from .expressions import Expression

Severity = Literal["veto", "major", "minor"]
Status = Literal["pass", "fail", "not_applicable", "unanswered"]
Verdict = Literal["compliant", "non_compliant", "incomplete"]

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """Article numbers as laws write them: 69 → 六十九, 115 → 一百一十五, 1242 → 一千二百四十二."""
    if n < 0 or n > 9999:
        return str(n)
    if n < 10:
        return _DIGITS[n]
    units = [(1000, "千"), (100, "百"), (10, "十")]
    out = ""
    rest = n
    zero_pending = False
    for size, name in units:
        digit, rest = divmod(rest, size)
        if digit:
            if zero_pending:
                out += "零"
                zero_pending = False
            out += _DIGITS[digit] + name
        elif out:
            zero_pending = True
    if rest:
        if zero_pending:
            out += "零"
        out += _DIGITS[rest]
    if 10 <= n < 20:
        out = out[1:]  # 十五, not 一十五
    return out


@dataclass(frozen=True)
class Law:
    key: str
    title: str  #: full title, without 《》
    kind: str  #: law, regulation, standard, policy
    number: str | None  #: standard number, e.g. "JGJ 146-2004"
    version: str | None
    effective_from: dt.date | None
    effective_to: dt.date | None
    status: str
    source: str | None

    def cited_name(self) -> str:
        return f"《{self.title}》" + (f"（{self.number}）" if self.number else "")


def _article_text(article: int | str | None, paragraph: int | None, item: int | tuple[int, ...] | None) -> str:
    text = ""
    if isinstance(article, int):
        text += f"第{chinese_number(article)}条"
    elif article:
        text += f"第 {article} 条"
    if paragraph:
        text += f"第{chinese_number(paragraph)}款"
    items = item if isinstance(item, tuple) else ((item,) if item else ())
    text += "、".join(f"第（{chinese_number(i)}）项" for i in items)
    return text


@dataclass(frozen=True)
class Penalty:
    article: int | str | None
    paragraph: int | None
    item: int | tuple[int, ...] | None  #: one item, or several of the same paragraph
    text: str  #: the enforcing body, the order and the fine, in the law's words
    min_yuan: int | None
    max_yuan: int | None
    enforcer: str | None = None  #: the enforcing body as the law words it
    per_unit: str | None = None  #: "辆（艘）": min_yuan and max_yuan are per unit
    individual_min_yuan: int | None = None  #: fine on each responsible person, when the law sets one
    individual_max_yuan: int | None = None

    def citation(self, law: Law) -> str:
        return f"{law.cited_name()}{_article_text(self.article, self.paragraph, self.item)}"


@dataclass(frozen=True)
class Provision:
    law: Law
    article: int | str | None
    paragraph: int | None
    item: int | None
    summary: str | None
    effective_from: dt.date | None
    effective_to: dt.date | None
    penalty: Penalty | None
    status: str
    source: str | None
    no_penalty: str | None = None  #: why there is no penalty, when the law has none for this duty

    def in_force(self, day: dt.date) -> bool:
        return (self.effective_from is None or self.effective_from <= day) and (
            self.effective_to is None or day <= self.effective_to
        )

    def citation(self) -> str:
        return f"{self.law.cited_name()}{_article_text(self.article, self.paragraph, self.item)}"


@dataclass(frozen=True)
class LegalRef:
    key: str
    title: str
    provisions: tuple[Provision, ...]

    def provision_on(self, day: dt.date) -> Provision | None:
        """The provision in force on ``day``; None when nothing is (never a guess)."""
        for provision in self.provisions:
            if provision.in_force(day):
                return provision
        return None


@dataclass(frozen=True)
class LegalLibrary:
    path: str
    sha256: str
    laws: dict[str, Law]
    refs: dict[str, LegalRef]
    locations: dict[str, Any] = field(default_factory=dict)  #: reference → where it is defined (errors.Location)


@dataclass(frozen=True)
class Option:
    code: str
    label: str


@dataclass(frozen=True)
class TextTemplate:
    """Chinese text with ``{expression}`` placeholders, compiled when the rules load."""

    source: str
    parts: tuple[str | Expression, ...]


@dataclass(frozen=True)
class Field:
    """What an answer or a site fact holds: its kind, unit, options and bounds."""

    kind: str
    unit: str | None = None
    options: tuple[Option, ...] = ()
    minimum: float | None = None
    maximum: float | None = None

    def option_label(self, code: str) -> str:
        for option in self.options:
            if option.code == code:
                return option.label
        return code


@dataclass(frozen=True)
class SiteFact:
    id: str
    question: str
    field: Field
    required: bool


@dataclass(frozen=True)
class Param:
    name: str
    value: Any
    unit: str | None
    source: str | None
    status: str | None


@dataclass(frozen=True)
class Item:
    id: str
    section_id: str
    question: str
    field: Field
    guidance: str | None
    required: bool
    allow_not_applicable: bool
    when: Expression | None
    limit: Expression | None
    criterion: Expression | None  #: `pass:`; None means the item records a fact and cannot fail
    severity: Severity
    points: float
    deduction: float | None
    finding: TextTemplate | None
    rectification: TextTemplate | None
    deadline_days: int
    basis: tuple[str, ...]
    line: int  #: where the item starts in its rule file

    @property
    def kind(self) -> str:
        return self.field.kind


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Checklist:
    id: str
    title: str
    version: str
    effective_from: dt.date | None
    effective_to: dt.date | None
    site_types: tuple[Option, ...]
    basis: tuple[str, ...]
    pass_mark: float | None  #: percent of the applicable points needed to pass
    deadline_days: int
    site_facts: tuple[SiteFact, ...]
    params: dict[str, Param]
    sections: tuple[Section, ...]
    path: str
    sha256: str
    legal: LegalLibrary
    description: str | None = None

    @functools.cached_property
    def items(self) -> tuple[Item, ...]:
        """Every item, section after section (worked out once: scoring walks them per file)."""
        return tuple(item for section in self.sections for item in section.items)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def in_force(self, day: dt.date) -> bool:
        return (self.effective_from is None or self.effective_from <= day) and (
            self.effective_to is None or day <= self.effective_to
        )

    def period(self) -> str:
        start = self.effective_from.isoformat() if self.effective_from else "不限"
        end = self.effective_to.isoformat() if self.effective_to else "至今"
        return f"{start} 至 {end}" if self.effective_to else f"{start} 起"


@dataclass(frozen=True)
class RuleSet:
    directory: str
    legal: LegalLibrary
    checklists: dict[str, Checklist]
    warnings: tuple = ()

    def checklist(self, checklist_id: str, where: Location) -> Checklist:
        """The checklist ``checklist_id``; an unknown one is CHECKLIST_001 at ``where`` (a
        Location), with the closest name and the list of those there are."""
        found = self.checklists.get(checklist_id)
        if found is None:
            names = sorted(self.checklists)
            raise InputError([Problem(ErrorCode.CHECKLIST_001, where, {"id": checklist_id, "suggestion": suggestion(checklist_id, names), "allowed": listing(names)})])
        return found


# -- answers ---------------------------------------------------------------------------

SITE_FIELDS = ("name", "type", "address", "village", "operator", "credit_code", "representative", "contact", "phone")


@dataclass(frozen=True)
class Site:
    name: str
    type: str  #: a site-type code of the checklist
    address: str | None
    village: str | None
    operator: str | None
    contact: str | None
    phone: str | None
    facts: dict[str, Any] = field(default_factory=dict)
    credit_code: str | None = None  #: 统一社会信用代码 of the party (an ID number for a person)
    representative: str | None = None  #: 法定代表人（负责人） of the party


@dataclass(frozen=True)
class Signatures:
    """Signatures drawn on a phone, as images beside the answers file (paths relative to it)."""

    inspectors: tuple[str | None, ...] = ()  #: in the order of the inspectors
    party: str | None = None
    witness: str | None = None


@dataclass(frozen=True)
class Inspection:
    date: dt.date
    inspectors: tuple[str, ...]
    id: str | None = None
    start_time: str | None = None  #: HH:MM, as written on the record
    end_time: str | None = None
    recorder: str | None = None
    credentials: tuple[str, ...] = ()  #: enforcement credential numbers, in the order of inspectors
    follows: str | None = None  #: the inspection this one re-inspects: its notice's number or its id
    witness: str | None = None  #: 见证人, printed on the record for signing
    recusal: bool | None = None  #: whether the party asked for an inspector's recusal; None: not asked on file
    signatures: Signatures | None = None  #: images of the signatures, printed on the record


@dataclass(frozen=True)
class FollowedNotice:
    """What a re-inspection's notice says of the notice it follows up, as the ledger has it."""

    number: str | None  #: the earlier notice's number (None: that inspection had no notice)
    inspected_on: dt.date  #: the day of the earlier inspection
    deadline: dt.date | None  #: the last deadline it set


@dataclass(frozen=True)
class Answer:
    item_id: str
    state: Literal["answered", "not_applicable", "blank"]
    value: Any  #: typed by the item's kind; None unless answered
    count: int | None
    note: str | None
    photos: tuple[str, ...]


@dataclass(frozen=True)
class Applicability:
    """Which items apply to an inspection under the law of one day (applicability.py works it out)."""

    law_day: dt.date  #: the day whose law judges the act
    names: dict[str, Any]  #: what expressions read: answers, site, inspection, params, the law day
    applies: dict[str, Any]  #: item id → True, False, or UNKNOWN when `when:` reads a missing answer


@dataclass(frozen=True)
class Answers:
    name: str  #: the file as messages name it
    sha256: str
    checklist_id: str
    site: Site
    inspection: Inspection
    answers: dict[str, Answer]
    applicability: Applicability  #: which items apply under the law of the inspection day, worked out once
    locations: Mapping[str, Location] = field(default_factory=dict)  #: "inspection.date", "answers", "answers.<item>" → where it stands
    warnings: tuple = ()  #: Problems that do not stop the check


# -- results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Citation:
    key: str
    title: str
    text: str  #: e.g. 《中华人民共和国大气污染防治法》第六十九条第一款
    law: str
    article: int | str | None
    paragraph: int | None
    item: int | None
    penalty: str | None  #: e.g. 《…》第一百一十五条第一款第（一）项：处一万元以上十万元以下罚款
    penalty_min_yuan: int | None
    penalty_max_yuan: int | None
    status: str
    penalty_per_unit: str | None = None  #: "辆（艘）" when the fine is counted per unit
    units: int | None = None  #: how many units the item found, for a fine per unit
    individual_min_yuan: int | None = None
    individual_max_yuan: int | None = None
    no_penalty: str | None = None  #: why no penalty is cited, when the law has none
    effective_from: dt.date | None = None  #: when the cited provision took effect
    transition: str | None = None  #: why a provision other than the act day's is cited (第一千零五十七条)
    #: the penalty article alone, e.g. 《生态环境法典》第一千一百一十五条第一款: what empowers an order
    penalty_article: str | None = None
    enforcer: str | None = None  #: the enforcing body the penalty article names, in its words


@dataclass(frozen=True)
class ItemResult:
    item_id: str
    section_id: str
    question: str
    kind: str
    required: bool
    judged: bool  #: has a pass criterion; False for items that only record a fact
    status: Status
    answer: str  #: the answer as a person reads it
    value: Any
    severity: Severity
    points: float  #: counted in the maximum (0 when not applicable)
    lost: float
    count: int | None
    note: str | None
    photos: tuple[str, ...]
    reason: str | None  #: why unanswered or not applicable, when the engine decided it


@dataclass(frozen=True)
class Finding:
    item_id: str
    section_id: str
    question: str
    severity: Severity
    text: str  #: the finding as it goes on a notice
    reason: str  #: observed, required, and the provision, in one sentence
    rectification: str
    deadline_days: int
    deadline: dt.date
    citations: tuple[Citation, ...]
    count: int | None
    note: str | None
    photos: tuple[str, ...]
    missing_basis: tuple[str, ...] = ()  #: references with no provision to cite: no official document until they have one
    excused: str | None = None  #: why the law applied on the issuing day no longer makes this unlawful


@dataclass(frozen=True)
class InspectionResult:
    checklist_id: str
    checklist_title: str
    checklist_version: str
    rules_sha256: str
    legal_sha256: str
    answers_name: str
    answers_sha256: str
    site: Site
    site_type_label: str
    inspection: Inspection
    verdict: Verdict
    score: float
    max_score: float
    percent: float | None
    pass_mark: float | None
    veto_failed: tuple[str, ...]
    items: tuple[ItemResult, ...]
    findings: tuple[Finding, ...]
    warnings: tuple = ()  #: Problems that do not stop the check
    issued: dt.date | None = None  #: the day the decision is made (the notice's date); citations follow it

    @property
    def decided(self) -> dt.date:
        """The day of the decision: the issuing day, or the inspection day when none was given."""
        return self.issued or self.inspection.date

    @property
    def notice_findings(self) -> tuple[Finding, ...]:
        """The findings an official document states: not those the law of the issuing day excuses."""
        return tuple(f for f in self.findings if f.excused is None)

    @property
    def stated_findings(self) -> tuple[Finding, ...]:
        """The notice's findings in the order it states and numbers them: a veto first (it
        alone makes the site fail), then the major ones, then the rest, each in checklist order."""
        weight = {"veto": 0, "major": 1, "minor": 2}
        return tuple(sorted(self.notice_findings, key=lambda f: weight.get(f.severity, len(weight))))

    @property
    def compliant(self) -> bool:
        return self.verdict == "compliant"
