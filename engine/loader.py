"""Load and check rule files: the legal references and the checklists.

Each file goes source → schema → model → semantic checks. Every problem of every file is
gathered before anything is reported; a file with schema problems stops there, because
checks on malformed data only add noise.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import difflib
import hashlib
import keyword
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from pathlib import Path
from typing import Any

from .bundled import default_rules_dir
from .errors import ErrorCode, InputError, Location, Problem, listing, suggestion
from .expressions import FUNCTIONS, Expression, ExpressionError, Scope, Type, compile_expression
from .model import (
    SITE_FIELDS,
    Checklist,
    Field,
    Item,
    Law,
    LegalLibrary,
    LegalRef,
    Option,
    Param,
    Penalty,
    Provision,
    RuleSet,
    Section,
    SiteFact,
    TextTemplate,
)
from .schema import validate
from .source import SourceDocument, char_name, load_source, read_bytes, refused_character
from .values import as_written

LEGAL_FILE = "_legal.yaml"
KIND_TYPES = {
    "yes_no": Type.BOOL,
    "number": Type.NUMBER,
    "percentage": Type.NUMBER,
    "count": Type.NUMBER,
    "date": Type.DATE,
    "choice": Type.STRING,
    "multi_choice": Type.LIST,
    "text": Type.STRING,
}
#: Names an item id may not take, because expressions use them.
RESERVED = {"value", "count", "note", "limit", "site", "inspection", "params", "true", "false", "True", "False"} | set(FUNCTIONS)


def _is_identifier(value: Any) -> bool:
    return isinstance(value, str) and value.isidentifier()


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else None


# -- legal references ------------------------------------------------------------------


def _build_legal(doc: SourceDocument) -> tuple[LegalLibrary, list[Problem]]:
    """The legal library of a schema-valid _legal.yaml, and every problem the schema cannot see."""
    problems: list[Problem] = []
    laws = {key: _law(doc, key, raw, problems) for key, raw in doc.data["laws"].items()}
    refs: dict[str, LegalRef] = {}
    for key, raw in doc.data["refs"].items():
        provisions = [
            provision
            for index, item in enumerate(raw["provisions"])
            if (provision := _provision(doc, ("refs", key, "provisions", index), key, item, laws, problems)) is not None
        ]
        ordered = sorted(provisions, key=lambda p: p.effective_from or dt.date.min)
        problems.extend(_overlaps(doc, key, ordered))
        refs[key] = LegalRef(key, raw["title"], tuple(ordered))
    locations = {key: doc.location(("refs", key), key=True, item=key) for key in refs}
    return LegalLibrary(doc.name, doc.sha256, laws, refs, locations), problems


def _law(doc: SourceDocument, key: str, raw: dict, problems: list[Problem]) -> Law:
    law = Law(
        key=key,
        title=raw["title"],
        kind=raw["kind"],
        number=raw.get("number"),
        version=str(raw["version"]) if raw.get("version") is not None else None,
        effective_from=_date(raw.get("effective_from")),
        effective_to=_date(raw.get("effective_to")),
        status=raw["status"],
        source=raw.get("source"),
    )
    if law.effective_from and law.effective_to and law.effective_to < law.effective_from:
        problems.append(_dates_problem(doc, ("laws", key, "effective_to"), key))
    return law


def _provision(doc: SourceDocument, path: tuple, key: str, item: dict, laws: dict[str, Law], problems: list[Problem]) -> Provision | None:
    """One provision of a reference, in force from its own dates or its law's.

    Refused: ``law: no_such_law`` (LEGAL_001); ``effective_to`` before ``effective_from``
    (RULE_005); and what _provision_problems refuses (LEGAL_005).
    """
    cited = laws.get(item["law"])
    if cited is None:
        problems.append(
            Problem(
                ErrorCode.LEGAL_001,
                doc.location(path + ("law",), item=key),
                {"key": item["law"], "suggestion": suggestion(item["law"], list(laws)), "legal_file": doc.name + " 的 laws"},
            )
        )
        return None
    problems.extend(_provision_problems(doc, path, key, cited, item))
    start = _date(item.get("effective_from")) or cited.effective_from
    end = _date(item["effective_to"]) if "effective_to" in item else cited.effective_to
    if start and end and end < start:
        problems.append(_dates_problem(doc, path + ("effective_to",), key))
    penalty = _penalty(item["penalty"]) if item.get("penalty") else None
    return Provision(
        cited, item["article"], item.get("paragraph"), item.get("item"), item.get("summary"), start, end, penalty,
        item["status"], item.get("source"), item.get("no_penalty"),
    )


def _overlaps(doc: SourceDocument, key: str, ordered: list[Provision]) -> list[Problem]:
    """LEGAL_003 for provisions of one reference in force on the same day: one at a time."""
    return [
        Problem(ErrorCode.LEGAL_003, doc.location(("refs", key, "provisions"), item=key), {"key": key, "reason": f"{earlier.citation()} 与 {later.citation()}"})
        for earlier, later in pairwise(ordered)
        if earlier.effective_to is None or (later.effective_from and earlier.effective_to >= later.effective_from)
    ]


def _penalty(raw: dict) -> Penalty:
    item = raw.get("item")
    return Penalty(
        article=raw["article"],
        paragraph=raw.get("paragraph"),
        item=tuple(item) if isinstance(item, list) else item,
        text=raw["text"],
        min_yuan=raw.get("min_yuan"),
        max_yuan=raw.get("max_yuan"),
        enforcer=raw.get("enforcer"),
        per_unit=raw.get("per_unit"),
        individual_min_yuan=raw.get("individual_min_yuan"),
        individual_max_yuan=raw.get("individual_max_yuan"),
    )


def _provision_problems(doc: SourceDocument, path: tuple, key: str, law: Law, raw: dict) -> list[Problem]:
    """What the schema cannot say: a law is cited by article, a fine range runs upwards."""
    problems = []

    def problem(where: tuple, reason: str, hint: str) -> None:
        problems.append(Problem(ErrorCode.LEGAL_005, doc.location(path + where, item=key), {"key": key, "reason": reason, "hint": hint}))

    penalty = raw.get("penalty")
    if law.kind == "law":
        for where, article in ((("article",), raw["article"]), (("penalty", "article"), penalty.get("article") if penalty else 1)):
            if isinstance(article, int) and not isinstance(article, bool):
                continue
            if article is None:
                problem(where, f"引用法律《{law.title}》必须写条号，不能引用整部法律", "写上核实过的条号，例如 article: 240；条号未核实时不要录入这一条款")
            else:
                problem(where, f"法律的条号应为整数，实际为 {article!r}", "条号写阿拉伯数字，不加引号，例如 article: 240")
    if penalty and raw.get("no_penalty"):
        problem(("no_penalty",), "同时写了 penalty 和 no_penalty", "有罚则时删去 no_penalty；确无罚则时删去 penalty")
    if penalty:
        for low, high in (("min_yuan", "max_yuan"), ("individual_min_yuan", "individual_max_yuan")):
            if penalty.get(low) is not None and penalty.get(high) is not None and penalty[high] < penalty[low]:
                problem(("penalty", high), f"{high} 小于 {low}", "请核对罚款幅度")
        if penalty.get("per_unit") and (penalty.get("min_yuan") is None or penalty.get("max_yuan") is None):
            problem(("penalty", "per_unit"), "按件计罚须写每件的罚款 min_yuan 和 max_yuan", "如“处每辆五千元的罚款”写 min_yuan: 5000 和 max_yuan: 5000")
    return problems


def _dates_problem(doc: SourceDocument, path: tuple, item: str) -> Problem:
    return Problem(
        ErrorCode.RULE_005,
        doc.location(path, item=item),
        {"reason": "失效日期早于生效日期", "hint": "请核对 effective_from 和 effective_to"},
    )


# -- checklists ------------------------------------------------------------------------


def _field(raw: dict) -> Field:
    options = tuple(Option(str(code), label) for code, label in (raw.get("options") or {}).items())
    return Field(raw["kind"], raw.get("unit"), options, raw.get("min"), raw.get("max"))


def _param_type(value: Any) -> Type:
    if isinstance(value, bool):
        return Type.BOOL
    if isinstance(value, (int, float)):
        return Type.NUMBER
    return Type.STRING


def _nameable(raw: Any) -> bool:
    """Whether an item the schema refused can still be read by the others: a mapping with a
    usable id and a kind written as a word, known or not (a list or mapping is not one). An
    item whose only mistake is its kind is still the item the others mean."""
    return isinstance(raw, dict) and _is_identifier(raw.get("id")) and isinstance(raw.get("kind"), str)


def _meant_kind(kind: str) -> str | None:
    """The kind meant by ``kind``: itself when known, else the closest known one (``yesno``
    is ``yes_no``), else None."""
    if kind in KIND_TYPES:
        return kind
    close = difflib.get_close_matches(kind, list(KIND_TYPES), n=1, cutoff=0.6)
    return close[0] if close else None


def _names_read(text: Any) -> set[str]:
    """The names an expression's text reads, even when it does not compile: each word that
    could be a name, the dotted ones also whole (``site.key_area``)."""
    if not isinstance(text, str):
        return set()
    words = re.findall(r"[^\W\d]\w*(?:\.[^\W\d]\w*)*", text)
    return set(words) | {word.split(".")[0] for word in words}


def _option_codes(options: Any) -> frozenset:
    """The option codes a choice item lends the expressions of the others. The options of an
    item the schema refused may be anything; what cannot be a set of codes gives none."""
    try:
        return frozenset(options or {})
    except TypeError:
        return frozenset()


_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


@dataclass(frozen=True)
class _Entry:
    """A site fact or an item as written, and where: what the checks of one entry read."""

    path: tuple
    raw: dict
    section_id: str = ""  #: items only

    @property
    def ident(self) -> str:
        return self.raw["id"]

    @property
    def can_fail(self) -> bool:
        """An item is judged when it has a `pass:`; a yes/no question has one implied."""
        return "pass" in self.raw or self.raw["kind"] == "yes_no"

    @property
    def points(self) -> float:
        return float(self.raw.get("points", 0))


class _ChecklistBuilder:
    """Turns one schema-valid rule document into a Checklist, gathering every problem.

    What is refused is decided by the checks in CHECKLIST_CHECKS, FIELD_CHECKS and
    ITEM_CHECKS; the builder holds what they read (the entries, the names expressions may
    use, the compiled expressions) and makes the model once none of them objects.
    """

    def __init__(self, doc: SourceDocument, legal: LegalLibrary, *, check_basis: bool = True, skip: frozenset = frozenset()) -> None:
        self.doc = doc
        self.skip = skip  #: paths of items the schema already refused
        self.check_basis = check_basis  #: False when the legal file itself failed: no cascade of LEGAL_001
        self.data = doc.data
        self.legal = legal
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []  #: what does not stop the checklist from loading
        # Checks, the search for `when:` loops and the model all read an item's compiled
        # expressions: each is compiled, and its problems made, once.
        self._expressions: dict[tuple, tuple[Expression | None, tuple[Problem, ...]]] = {}
        self._templates: dict[tuple, tuple[TextTemplate | None, tuple[Problem, ...]]] = {}
        #: names whose own definition is already reported (an item of unknown kind with no
        #: kind close to it; an item's `limit:` that does not compile), keyed by the item
        #: reading them or "" for every item: an expression reading one is not reported again,
        #: since its error would only repeat the first one, and often wrongly.
        self._broken: dict[str, set[str]] = {"": {item.ident for item in self.named_items if _meant_kind(item.raw["kind"]) is None}}

    def problem(self, code: ErrorCode, where: tuple, subject: str | None = None, /, *, at_key: bool = False, **context: Any) -> Problem:
        return Problem(code, self.doc.location(where, key=at_key, item=subject), context)

    def build(self) -> Checklist | None:
        """The checklist, or None when a check refused something; the problems are in ``problems``."""
        for check in CHECKLIST_CHECKS:
            self.problems.extend(check(self))
        for fact in self.facts:
            for field_check in FIELD_CHECKS:
                self.problems.extend(field_check(self, fact))
        for item in self.items:
            for item_check in (*FIELD_CHECKS, *ITEM_CHECKS):
                self.problems.extend(item_check(self, item))
        if self.problems:
            return None
        for warning_check in WARNING_CHECKS:
            self.warnings.extend(warning_check(self))
        return self._checklist()

    # -- what the checks read --------------------------------------------------------

    @cached_property
    def facts(self) -> list[_Entry]:
        return [_Entry(("site_facts", index), raw) for index, raw in enumerate(self.data.get("site_facts") or [])]

    @cached_property
    def named_items(self) -> list[_Entry]:
        """Every item that lends its id to the others, in file order: an item the schema
        refused still does, unless its id or kind is too broken to be named."""
        return [
            _Entry(("sections", s_index, "items", i_index), raw, section["id"])
            for s_index, section in enumerate(self.data["sections"])
            for i_index, raw in enumerate(section["items"])
            if ("sections", s_index, "items", i_index) not in self.skip or _nameable(raw)
        ]

    @cached_property
    def items(self) -> list[_Entry]:
        """The items checked and built: those the schema did not refuse."""
        return [item for item in self.named_items if item.path not in self.skip]

    def ids(self) -> Iterator[tuple[tuple, str]]:
        """Where each section and named item gives its id, and the id, in file order."""
        for s_index, section in enumerate(self.data["sections"]):
            yield ("sections", s_index, "id"), section["id"]
            for item in self.named_items:
                if item.path[1] == s_index:
                    yield item.path + ("id",), item.ident

    def basis_of(self, item: _Entry) -> tuple[str, ...]:
        """The item's own legal basis, or else the checklist's."""
        return tuple(item.raw.get("basis") or self.data.get("basis") or ())

    def unknown_refs(self, keys: Iterable[str], path: tuple, item: str | None) -> Iterator[Problem]:
        """LEGAL_001 for each key that is not a reference of the legal file; none when the legal
        file itself failed, since every key would then be unknown."""
        if not self.check_basis:
            return
        for index, key in enumerate(keys):
            if key not in self.legal.refs:
                yield self.problem(ErrorCode.LEGAL_001, path + (index,), item, key=key, suggestion=suggestion(key, list(self.legal.refs)), legal_file=Path(self.legal.path).name)

    # -- the names an expression may read ----------------------------------------------

    @cached_property
    def site_facts(self) -> tuple[SiteFact, ...]:
        return tuple(SiteFact(fact.ident, fact.raw["question"], _field(fact.raw), fact.raw.get("required", True)) for fact in self.facts)

    @cached_property
    def params(self) -> dict[str, Param]:
        return {name: Param(name, self._as_written(("params", name, "value"), raw["value"]), raw.get("unit"), raw.get("source"), raw.get("status")) for name, raw in (self.data.get("params") or {}).items()}

    def _as_written(self, path: tuple, value: Any) -> Any:
        """A number as the rule file writes it (2.0 stays 2.0 in the documents)."""
        position = self.doc.positions.get(path)
        if position is None:
            return value
        line, column = position
        return as_written(value, self.doc.line_text(line)[column - 1 :])

    @cached_property
    def answer_types(self) -> dict[str, Type]:
        # An item of unknown kind is read as the kind it most likely means; with none close,
        # as text, and what reads it is not reported (see _broken).
        return {item.ident: KIND_TYPES[_meant_kind(item.raw["kind"]) or "text"] for item in self.named_items}

    @cached_property
    def attributes(self) -> dict[str, dict[str, Type]]:
        site = {name: Type.STRING for name in SITE_FIELDS}
        site.update({fact.id: KIND_TYPES[fact.field.kind] for fact in self.site_facts})
        return {"site": site, "inspection": {"date": Type.DATE}, "params": {name: _param_type(p.value) for name, p in self.params.items()}}

    @cached_property
    def choices(self) -> dict[str, frozenset[str]]:
        """The option codes of each choice: items by id, site facts and the site type by ``site.`` name."""
        found = {item.ident: _option_codes(item.raw.get("options")) for item in self.named_items if item.raw["kind"] in ("choice", "multi_choice")}
        found["site.type"] = frozenset(code for code, _ in self.data["site_types"].items())
        for fact in self.site_facts:
            if fact.field.kind in ("choice", "multi_choice"):
                found[f"site.{fact.id}"] = frozenset(o.code for o in fact.field.options)
        return found

    @cached_property
    def laws(self) -> dict[str, tuple[dt.date | None, dt.date | None]] | None:
        """What ``in_force("…")`` may name; None when the legal file failed, so any name passes."""
        return {key: (law.effective_from, law.effective_to) for key, law in self.legal.laws.items()} if self.check_basis else None

    @cached_property
    def when_scope(self) -> Scope:
        return Scope(self.answer_types, self.attributes, self.choices, self.laws)

    def scope_for(self, item: _Entry, field: str) -> Scope:
        """What the item's ``limit:``, ``pass:`` or a text may read besides what `when:` may:
        the item's own value; in `pass:` and the texts also count and limit, in the texts note."""
        names = {**self.answer_types, "value": KIND_TYPES[item.raw["kind"]]}
        if field != "limit":
            names["count"] = Type.NUMBER
            limit, limit_problems = self.expression(item, "limit")
            if limit is not None:
                names["limit"] = limit.type
            elif limit_problems:
                names["limit"] = Type.NUMBER
                self._broken.setdefault(item.ident, set()).add("limit")
        if field in ("finding", "rectification"):
            names["note"] = Type.STRING
        choices = dict(self.choices)
        if item.ident in self.choices:
            choices["value"] = self.choices[item.ident]
        return Scope(names, self.attributes, choices, self.laws)

    # -- compiling -------------------------------------------------------------------

    def expression(self, item: _Entry, field: str) -> tuple[Expression | None, tuple[Problem, ...]]:
        """The item's ``when``, ``limit`` or ``pass`` compiled (a yes/no item passes on "是"
        when it has no `pass:`), and the problems compiling it."""
        key = item.path + (field,)
        if key not in self._expressions:
            raw = item.raw
            if field in raw:
                scope = self.when_scope if field == "when" else self.scope_for(item, field)
                compiled, problems = self._compile(raw[field], scope, key, item.ident, expect=None if field == "limit" else Type.BOOL)
                self._expressions[key] = compiled, self._unless_broken(item, raw[field], problems)
            elif field == "pass" and raw["kind"] == "yes_no":
                self._expressions[key] = compile_expression("value == true", self.scope_for(item, field)), ()
            else:
                self._expressions[key] = None, ()
        return self._expressions[key]

    def template(self, item: _Entry, field: str) -> tuple[TextTemplate | None, tuple[Problem, ...]]:
        """The item's ``finding`` or ``rectification`` compiled, and the problems compiling it."""
        key = item.path + (field,)
        if key not in self._templates:
            text = item.raw.get(field)
            if text is None:
                self._templates[key] = None, ()
            else:
                compiled, problems = self._template(text, self.scope_for(item, field), key, item.ident)
                # Each placeholder is an expression of its own: only those reading a broken name go.
                self._templates[key] = compiled, tuple(p for p in problems if self._unless_broken(item, p.context.get("name"), (p,)))
        return self._templates[key]

    def _unless_broken(self, item: _Entry, text: Any, problems: tuple[Problem, ...]) -> tuple[Problem, ...]:
        """``problems``, or none when ``text`` reads a name already reported as broken."""
        broken = self._broken[""] | self._broken.get(item.ident, set())
        if problems and broken and _names_read(text) & broken:
            return ()
        return problems

    def _compile(self, text: str, scope: Scope, path: tuple, item: str, expect: Type | None) -> tuple[Expression | None, tuple[Problem, ...]]:
        try:
            return compile_expression(text, scope, expect=expect), ()
        except ExpressionError as exc:
            context = {"hint": "", **exc.context}
            return None, (Problem(ErrorCode[exc.code], self.doc.inside(path, text, exc.offset, item), context),)

    def _template(self, text: str, scope: Scope, path: tuple, item: str) -> tuple[TextTemplate, tuple[Problem, ...]]:
        parts: list[str | Expression] = []
        problems: list[Problem] = []
        allowed = list(scope.names) + [f"{a}.{f}" for a, fs in scope.attributes.items() for f in fs]
        position = 0
        for match in _PLACEHOLDER.finditer(text):
            parts.append(text[position : match.start()])
            position = match.end()
            token, inner = match.group(0), match.group(1)
            if token in ("{{", "}}"):
                parts.append(token[0])
                continue
            if inner is None:
                context = {"name": token, "reason": "花括号没有配对（要显示花括号请写 {{ 或 }}）", "suggestion": "", "allowed": listing(allowed)}
                problems.append(Problem(ErrorCode.TEXT_001, self.doc.inside(path, text, match.start(), item), context))
                continue
            try:
                parts.append(compile_expression(inner, scope, expect=None))
            except ExpressionError as exc:
                problems.append(Problem(ErrorCode.TEXT_001, self.doc.inside(path, text, match.start(), item), _placeholder_context(exc, inner, allowed)))
        parts.append(text[position:])
        return TextTemplate(text, tuple(p for p in parts if p != "")), tuple(problems)

    # -- the model, once every check passed --------------------------------------------

    def _checklist(self) -> Checklist:
        data = self.data
        items = [self._item(item) for item in self.items]
        sections = tuple(Section(s["id"], s["title"], tuple(i for i in items if i.section_id == s["id"])) for s in data["sections"])
        return Checklist(
            id=data["id"],
            title=data["title"],
            version=data["version"],
            effective_from=_date(data.get("effective_from")),
            effective_to=_date(data.get("effective_to")),
            site_types=tuple(Option(code, label) for code, label in data["site_types"].items()),
            basis=tuple(data.get("basis") or ()),
            pass_mark=data.get("pass_mark"),
            deadline_days=data.get("deadline_days", 15),
            site_facts=self.site_facts,
            params=self.params,
            sections=sections,
            path=self.doc.name,
            sha256=self.doc.sha256,
            legal=self.legal,
            description=data.get("description"),
        )

    def _item(self, item: _Entry) -> Item:
        raw = item.raw
        return Item(
            id=item.ident,
            section_id=item.section_id,
            question=raw["question"],
            field=_field(raw),
            guidance=raw.get("guidance"),
            required=raw.get("required", True),
            allow_not_applicable=raw.get("allow_not_applicable", True),
            when=self.expression(item, "when")[0],
            limit=self.expression(item, "limit")[0],
            criterion=self.expression(item, "pass")[0],
            severity=raw.get("severity", "minor"),
            points=item.points,
            deduction=raw.get("deduction"),
            finding=self.template(item, "finding")[0],
            rectification=self.template(item, "rectification")[0],
            deadline_days=raw.get("deadline_days", self.data.get("deadline_days", 15)),
            basis=self.basis_of(item),
            line=self.doc.location(item.path).line or 0,
        )


def _placeholder_context(exc: ExpressionError, inner: str, allowed: list[str]) -> dict[str, str]:
    """TEXT_001's wording for a placeholder that does not compile: the expression's own
    reason, but an unknown name is simply 未定义, with the closest name offered."""
    unknown = exc.code == "EXPR_002"
    reason = "未定义" if unknown else ErrorCode[exc.code].value.message.format(**{"hint": "", **exc.context})
    close = suggestion(inner.strip(), allowed) if unknown else ""
    return {"name": "{" + inner + "}", "reason": reason, "suggestion": close, "allowed": listing(allowed)}


def _when_loops(graph: dict[str, list[str]]) -> Iterator[list[str]]:
    """Each loop met in a depth-first search of ``graph``, as the ids around it, first id
    repeated at the end. Colours keep it linear in ids and references however they are wired."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for root in graph:
        if state.get(root):
            continue
        path: list[str] = [root]
        state[root] = 1
        stack = [iter(graph[root])]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                yield path[path.index(nxt) :] + [nxt]
            elif not state.get(nxt) and nxt in graph:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(graph[nxt]))


# -- the checks of a checklist file ------------------------------------------------------
#
# Each check enforces one rule, says in its docstring what it refuses and with which code,
# and yields its problems; tests/test_rule_checks.py loads a passing and a failing checklist
# for every one of them. The registries at the end are the whole list, in the order run.


def check_id_matches_file_name(b: _ChecklistBuilder) -> Iterator[Problem]:
    """RULE_001: the checklist's ``id`` is its file name without the extension.

    Refused in ``dust.yaml``: ``id: dust_v2``. Accepted: ``id: dust``.
    """
    stem = Path(b.doc.name).stem
    if b.data["id"] != stem:
        yield b.problem(ErrorCode.RULE_001, ("id",), id=b.data["id"], stem=stem)


def check_effective_dates_in_order(b: _ChecklistBuilder) -> Iterator[Problem]:
    """RULE_005: the checklist's ``effective_to`` is not before its ``effective_from``.

    Refused: ``effective_from: 2024-10-01`` with ``effective_to: 2024-01-01``.
    """
    start, end = _date(b.data.get("effective_from")), _date(b.data.get("effective_to"))
    if start and end and end < start:
        yield _dates_problem(b.doc, ("effective_to",), b.data["id"])


def check_numbers_finite(b: _ChecklistBuilder) -> Iterator[Problem]:
    """RULE_003: every number in the file is finite: YAML reads ``.nan`` and ``.inf`` as
    numbers, and a pass mark or points of NaN would fail every inspection without a word.

    Refused: ``pass_mark: .nan``. Accepted: ``pass_mark: 85``.
    """
    waiting: list[tuple[tuple, Any]] = [((), b.data)]
    while waiting:
        path, value = waiting.pop()
        if isinstance(value, dict):
            waiting.extend((path + (key,), inner) for key, inner in value.items())
        elif isinstance(value, list):
            waiting.extend((path + (index,), inner) for index, inner in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            yield b.problem(ErrorCode.RULE_003, path, reason=f"{value} 不是一个有限的数", hint="请写一个具体的数，例如 85")


def check_site_fact_ids_not_reserved(b: _ChecklistBuilder) -> Iterator[Problem]:
    """RULE_003: a site fact is not named like a site field or a word expressions use.

    Refused: ``- id: village`` or ``- id: value`` under ``site_facts``. Accepted: ``- id: key_area``.
    """
    for fact in b.facts:
        if fact.ident in SITE_FIELDS or fact.ident in RESERVED:
            yield b.problem(ErrorCode.RULE_003, fact.path + ("id",), fact.ident, reason=f"“{fact.ident}” 是保留字", hint="请换一个编号")


def check_basis_known(b: _ChecklistBuilder) -> Iterator[Problem]:
    """LEGAL_001: every key of the checklist's ``basis:`` is a reference in _legal.yaml.

    Refused: ``basis: [air_law_art96]``. Accepted: ``basis: [air_law_art69]``.
    """
    yield from b.unknown_refs(b.data.get("basis") or (), ("basis",), None)


def check_ids_unique(b: _ChecklistBuilder) -> Iterator[Problem]:
    """RULE_002: no two sections or items of a checklist share an id; the later one is
    refused and told the line of the first.

    Refused: two items ``- id: height``. Accepted: ``- id: height`` and ``- id: closed``.
    """
    first_line: dict[str, int] = {}
    for path, ident in b.ids():
        if ident in first_line:
            yield b.problem(ErrorCode.RULE_002, path, ident, id=ident, first_line=first_line[ident])
        else:
            first_line[ident] = b.doc.location(path).line or 0


def check_item_ids_not_reserved(b: _ChecklistBuilder) -> Iterator[Problem]:
    """RULE_003: an item is not named like a word expressions use, nor a Python keyword.

    Refused: ``- id: limit``, ``- id: in_force``, ``- id: class``. Accepted: ``- id: height``.
    """
    for item in b.named_items:
        if item.ident in RESERVED or keyword.iskeyword(item.ident):
            yield b.problem(ErrorCode.RULE_003, item.path + ("id",), item.ident, reason=f"“{item.ident}” 是保留字，不能作检查项编号", hint="请换一个编号")


def check_when_not_circular(b: _ChecklistBuilder) -> Iterator[Problem]:
    """RULE_003: no item's ``when:`` depends, directly or through others, on its own answer,
    since such an item could never be decided.

    Refused: ``- id: height`` with ``when: height > 1``. Accepted: ``when: closed == true``
    on ``height`` when ``closed`` has no `when:` naming ``height``.
    """
    by_id = {item.ident: item for item in b.items}
    graph = {}
    for ident, item in by_id.items():
        when, _ = b.expression(item, "when")
        graph[ident] = sorted(ref for ref in (when.references if when else ()) if ref in by_id)
    for loop in _when_loops(graph):
        ident = loop[0]
        yield b.problem(ErrorCode.RULE_003, by_id[ident].path + ("when",), ident, reason="when 条件循环引用：" + " → ".join(loop), hint="一个检查项的适用条件不能直接或间接依赖它自己")


def check_options_only_for_choices(b: _ChecklistBuilder, entry: _Entry) -> Iterator[Problem]:
    """RULE_003: only a ``choice`` or ``multi_choice`` question has ``options:``.

    Refused: ``kind: yes_no`` with ``options: {a: 甲}``. Accepted: ``kind: choice`` with them.
    """
    kind = entry.raw["kind"]
    if entry.raw.get("options") and kind not in ("choice", "multi_choice"):
        yield b.problem(ErrorCode.RULE_003, entry.path + ("options",), entry.ident, reason=f"{kind} 类型的题不用写 options", hint="选择题请把 kind 设为 choice 或 multi_choice")


def check_range_only_for_numbers(b: _ChecklistBuilder, entry: _Entry) -> Iterator[Problem]:
    """RULE_003: only a ``number`` or ``count`` question has ``min:`` or ``max:``.

    Refused: ``kind: text`` with ``min: 0``. Accepted: ``kind: number`` with ``min: 0``.
    """
    kind, raw = entry.raw["kind"], entry.raw
    if ("min" in raw or "max" in raw) and kind not in ("number", "count"):
        yield b.problem(ErrorCode.RULE_003, entry.path + ("min" if "min" in raw else "max",), entry.ident, reason=f"{kind} 类型的题不用写 min/max", hint="min/max 只用于 number 和 count")


def check_range_in_order(b: _ChecklistBuilder, entry: _Entry) -> Iterator[Problem]:
    """RULE_003: ``max`` is not below ``min``.

    Refused: ``min: 5`` with ``max: 1``. Accepted: ``min: 1`` with ``max: 5``.
    """
    raw = entry.raw
    if "min" in raw and "max" in raw and raw["min"] > raw["max"]:
        yield b.problem(ErrorCode.RULE_003, entry.path + ("max",), entry.ident, reason="max 小于 min", hint="请核对取值范围")


def check_when_expression(b: _ChecklistBuilder, item: _Entry) -> Iterator[Problem]:
    """EXPR_001 to EXPR_006: ``when:`` is a yes/no expression over other answers, the site,
    the inspection and params; not over the item's own value.

    Refused: ``when: site.typ == "demolition"`` (EXPR_002). Accepted: ``when: site.type == "demolition"``.
    """
    yield from b.expression(item, "when")[1]


def check_limit_expression(b: _ChecklistBuilder, item: _Entry) -> Iterator[Problem]:
    """EXPR_001 to EXPR_006: ``limit:`` is an expression of any type over what `when:` may
    read and the item's value.

    Refused: ``limit: 2.5 if site.key_area`` (EXPR_001), no ``else``. Accepted: ``limit: 2.5 if site.key_area else 1.8``.
    """
    yield from b.expression(item, "limit")[1]


def check_pass_expression(b: _ChecklistBuilder, item: _Entry) -> Iterator[Problem]:
    """EXPR_001 to EXPR_006: ``pass:`` is a yes/no expression that may also read the item's
    value, count and limit.

    Refused: ``pass: value >= "高"`` on a number (EXPR_004). Accepted: ``pass: value >= 1.8``.
    """
    yield from b.expression(item, "pass")[1]


def check_text_placeholders(b: _ChecklistBuilder, item: _Entry) -> Iterator[Problem]:
    """TEXT_001: every ``{…}`` in ``finding:`` and ``rectification:`` is an expression over what
    `pass:` may read and the note, and every lone brace is doubled.

    Refused: ``finding: 围挡高度 {valu} 米``. Accepted: ``finding: 围挡高度 {value} 米``, ``{{原文}}``.
    """
    yield from b.template(item, "finding")[1]
    yield from b.template(item, "rectification")[1]


def check_points_need_pass(b: _ChecklistBuilder, item: _Entry) -> Iterator[Problem]:
    """RULE_004: points, a deduction or a veto only on an item that can fail: one with a
    `pass:`, or a yes/no question.

    Refused: ``points: 10`` on a ``number`` item without `pass:`. Accepted: with ``pass: value >= 1.8``.
    """
    raw = item.raw
    if not item.can_fail and (item.points or raw.get("severity", "minor") == "veto" or raw.get("deduction")):
        yield b.problem(ErrorCode.RULE_004, item.path + ("id",), item.ident, reason="该项没有合格条件（pass），却设置了分值或一票否决", hint="请加上 pass 条件，或去掉 points/severity/deduction")


def check_deduction_needs_points(b: _ChecklistBuilder, item: _Entry) -> Iterator[Problem]:
    """RULE_004: a deduction per place only on an item with points to deduct from.

    Refused: ``deduction: 5`` with no ``points``. Accepted: ``points: 10, deduction: 5``.
    """
    if item.raw.get("deduction") is not None and not item.points:
        yield b.problem(ErrorCode.RULE_004, item.path + ("deduction",), item.ident, reason="设置了每处扣分，但该项分值为 0", hint="请设置 points（该项最多扣到 points 为止）")


def check_deduction_within_points(b: _ChecklistBuilder, item: _Entry) -> Iterator[Problem]:
    """RULE_004: a deduction per place is not more than the item's points.

    Refused: ``points: 10, deduction: 15``. Accepted: ``points: 10, deduction: 10``.
    """
    deduction = item.raw.get("deduction")
    if deduction is not None and deduction > item.points:
        yield b.problem(ErrorCode.RULE_004, item.path + ("deduction",), item.ident, reason=f"每处扣分 {deduction} 大于该项分值 {item.points:g}", hint="每处扣分应不大于 points")


def check_item_basis_known(b: _ChecklistBuilder, item: _Entry) -> Iterator[Problem]:
    """LEGAL_001: every key of an item's own ``basis:`` is a reference in _legal.yaml.

    Refused: ``basis: [no_such_ref]``. Accepted: ``basis: [air_law_art70_transport]``.
    """
    if "basis" in item.raw:
        yield from b.unknown_refs(b.basis_of(item), item.path + ("basis",), item.ident)


def check_judged_item_has_basis(b: _ChecklistBuilder, item: _Entry) -> Iterator[Problem]:
    """SCHEMA_001 (``basis``): an item that can fail has a legal basis, its own or the checklist's.

    Refused: a yes/no item in a checklist without ``basis:``, the item having none either.
    Accepted: the same with ``basis: [air_law_art69]`` on the item or at the top.
    """
    if "basis" not in item.raw and item.can_fail and not b.basis_of(item):
        yield b.problem(ErrorCode.SCHEMA_001, item.path + ("id",), item.ident, field="basis", example="basis: [air_law_art69]（或在检查表顶层写默认 basis）")


ChecklistCheck = Callable[[_ChecklistBuilder], Iterator[Problem]]
EntryCheck = Callable[[_ChecklistBuilder, _Entry], Iterator[Problem]]

#: The checks of the file as a whole.
#: The texts of a checklist that are printed (on documents, forms and the terminal), and
#: the most characters each may have: a title, a question, a label or a unit is one line,
#: guidance, a description, a finding or a rectification a paragraph.
_ONE_LINE_TEXTS = ("title", "question", "unit", "version")
_PARAGRAPH_TEXTS = ("guidance", "description", "finding", "rectification")
MAX_RULE_LINE_CHARS = 200
MAX_RULE_TEXT_CHARS = 2000


def check_texts_printable(b: _ChecklistBuilder) -> Iterator[Problem]:
    """RULE_006 for a control or bidi character in a printed text, RULE_007 for a printed text
    longer than its limit: titles, questions, guidance, option and site type labels, units,
    descriptions, findings and rectifications.

    Refused: ``title: "秸秆\\e[2J禁烧"``, a question of 300 characters. Accepted: ``title: 秸秆禁烧``.
    """
    for path, value in _texts(b.doc.data):
        label = len(path) >= 2 and path[-2] in ("options", "site_types")
        paragraph = path[-1] in _PARAGRAPH_TEXTS
        one_line = label or path[-1] in _ONE_LINE_TEXTS
        if one_line or paragraph:
            limit = MAX_RULE_TEXT_CHARS if paragraph else MAX_RULE_LINE_CHARS
            if len(value) > limit:
                yield b.problem(ErrorCode.RULE_007, path, field=".".join(str(part) for part in path), length=len(value), limit=limit)
        # Every other string (a version, a parameter's note, an expression) is stored or shown
        # somewhere too: no control characters there either.
        yield from _control_problem(b.doc, path, value, "\t" if one_line else "\t\n")


def _texts(data: Any) -> Iterator[tuple[tuple, str]]:
    """Every string of a rule file's data, with its path."""
    stack: list[tuple[Any, tuple]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            stack.extend((child, (*path, key)) for key, child in value.items())
        elif isinstance(value, list) and len(path) < 8:
            stack.extend((child, (*path, index)) for index, child in enumerate(value))
        elif isinstance(value, str) and path:
            yield path, value


def _control_problem(doc: SourceDocument, path: tuple, value: str, allowed: str) -> Iterator[Problem]:
    """RULE_006 at the first character of ``value`` no printed text may hold."""
    bad = refused_character(value, allowed)
    if bad:
        field = ".".join(str(part) for part in path)
        yield Problem(ErrorCode.RULE_006, doc.inside(path, value, bad.start()), {"field": field, "char": char_name(bad.group()), "position": bad.start() + 1})


def legal_text_problems(doc: SourceDocument) -> list[Problem]:
    """RULE_006 for a control or bidi character anywhere in the legal file: its titles,
    versions, sources and provisions are printed on every notice and stored in the ledger."""
    return [problem for path, value in _texts(doc.data) for problem in _control_problem(doc, path, value, "\t\n")]


CHECKLIST_CHECKS: tuple[ChecklistCheck, ...] = (
    check_id_matches_file_name,
    check_effective_dates_in_order,
    check_numbers_finite,
    check_site_fact_ids_not_reserved,
    check_basis_known,
    check_ids_unique,
    check_item_ids_not_reserved,
    check_when_not_circular,
    check_texts_printable,
)
PERCENT_UNITS = ("%", "％")


def _fractions(text: str, *, compared_with: frozenset[str] | None = None) -> Iterator[tuple[int, float]]:
    """Each number strictly between 0 and 1 in an expression, with its offset in ``text``:
    all of them, or with ``compared_with`` only those compared with one of those names."""
    stripped = text.strip()
    try:
        tree = ast.parse(stripped, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    lead = len(text) - len(text.lstrip())
    candidates: list[ast.Constant] = []
    if compared_with is None:
        candidates = [node for node in ast.walk(tree) if isinstance(node, ast.Constant)]
    else:
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                operands = [node.left, *node.comparators]
                if any(isinstance(o, ast.Name) and o.id in compared_with for o in operands):
                    candidates += [o for o in operands if isinstance(o, ast.Constant)]
    for node in candidates:
        value = node.value
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 1 and node.lineno == 1:
            yield lead + len(stripped.encode("utf-8")[: node.col_offset].decode("utf-8", errors="ignore")), float(value)


def _percent_warning(b: _ChecklistBuilder, location: Location, where: str, number: float) -> Problem:
    return Problem(ErrorCode.RULE_008, location, {"where": where, "number": f"{number:g}", "percent": f"{number * 100:g}"}, severity="warning")


def warn_percentage_as_fraction(b: _ChecklistBuilder) -> Iterator[Problem]:
    """RULE_008 (a warning): a percentage is 0 to 100 in expressions (an answer of 85% is 85),
    so a limit or a pass bound of a percentage written as a fraction (0.75) would pass
    nearly every answer. Also a param whose unit is % with a value below 1.

    Warned: ``limit: "0.75"`` on a ``percentage`` item. Accepted: ``limit: "75"``.
    """
    for item in b.items:
        raw = item.raw
        if raw["kind"] != "percentage" and raw.get("unit") not in PERCENT_UNITS:
            continue
        for field, compared in (("limit", None), ("pass", frozenset({"value", "limit"}))):
            text = raw.get(field)
            if not isinstance(text, str):
                continue
            for offset, number in _fractions(text, compared_with=compared):
                yield _percent_warning(b, b.doc.inside(item.path + (field,), text, offset, item.ident), f"“{field}” ", number)
    for name, param in (b.data.get("params") or {}).items():
        value = param.get("value") if isinstance(param, dict) else None
        if param.get("unit") in PERCENT_UNITS and isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 1:
            yield _percent_warning(b, b.doc.location(("params", name, "value")), f"参数 “{name}” ", float(value))


#: Checks that warn and let the checklist load, run once every check above passed.
WARNING_CHECKS: tuple[Callable[[_ChecklistBuilder], Iterator[Problem]], ...] = (warn_percentage_as_fraction,)

#: The checks of each question's answer settings, site facts and items alike.
FIELD_CHECKS: tuple[EntryCheck, ...] = (
    check_options_only_for_choices,
    check_range_only_for_numbers,
    check_range_in_order,
)
#: The checks of each item the schema accepted, after FIELD_CHECKS.
ITEM_CHECKS: tuple[EntryCheck, ...] = (
    check_when_expression,
    check_limit_expression,
    check_pass_expression,
    check_text_placeholders,
    check_points_need_pass,
    check_deduction_needs_points,
    check_deduction_within_points,
    check_item_basis_known,
    check_judged_item_has_basis,
)


def build_checklist(doc: SourceDocument, legal: LegalLibrary, *, check_basis: bool = True) -> tuple[Checklist | None, list[Problem]]:
    """A checklist from a parsed rule file, with every problem found.

    Schema problems confined to single items do not stop the checks of the rest of the
    file; a problem in the checklist's own fields or sections does, since everything
    else is read through them.
    """
    problems = list(doc.problems) + validate(doc, "checklist")
    in_items = {p.location.path[:4] for p in problems if len(p.location.path) >= 4 and p.location.path[0] == "sections" and p.location.path[2] == "items"}
    elsewhere = [p for p in problems if not (len(p.location.path) >= 4 and p.location.path[0] == "sections" and p.location.path[2] == "items")]
    if elsewhere and any(p.code is not ErrorCode.YAML_002 for p in elsewhere):
        return None, problems
    builder = _ChecklistBuilder(doc, legal, check_basis=check_basis, skip=frozenset(in_items))
    checklist = builder.build()
    problems += builder.problems
    # Warnings come after the errors, and only with a checklist: they never stop one loading.
    return (None if problems else checklist), problems + builder.warnings


def load_checklist(path: str | Path, legal: LegalLibrary) -> Checklist:
    checklist, problems = build_checklist(load_source(path, strict=False), legal)
    if checklist is None:
        raise InputError(problems)
    return checklist


def rule_files(directory: Path) -> list[Path]:
    """The checklist files of a rules folder: every *.yaml or *.yml not starting with _ or ."""
    found = [*directory.glob("*.yaml"), *directory.glob("*.yml")]
    return sorted(p for p in found if not p.name.startswith(("_", ".")))


#: Rule sets loaded in this process, by folder, shown name and the bytes of each file read:
#: a caller that checks file after file (a batch, a library user, a long-running process)
#: reads the rule files again each time but parses and checks them once. A RuleSet is
#: frozen and shared; only a folder that loads without problems is kept.
_LOADED: dict[tuple, RuleSet] = {}
_LOADED_MAX = 8
#: Legal files and checklists built without problems, by their bytes (and, for a checklist,
#: the legal file's): a folder where one file changed (a rule author's edit) rebuilds that
#: file alone. What is kept does not depend on where the file was; its name is set anew.
_BUILT: dict[tuple, Any] = {}
_BUILT_MAX = 64


def _remember(key: tuple, built: Any) -> None:
    if len(_BUILT) >= _BUILT_MAX:
        _BUILT.pop(next(iter(_BUILT)))
    _BUILT[key] = built


def _legal_from(raw: bytes, shown: str) -> tuple[LegalLibrary | None, list[Problem]]:
    """The legal library of the legal file's bytes, named ``shown``, and its problems."""
    key = ("legal", hashlib.sha256(raw).digest())
    kept = _BUILT.get(key)
    if kept is not None:
        return dataclasses.replace(kept, path=shown, locations={ref: dataclasses.replace(where, file=shown) for ref, where in kept.locations.items()}), []
    doc = load_source(raw, shown)
    problems = validate(doc, "legal") or legal_text_problems(doc)
    if problems:
        return None, problems
    legal, more = _build_legal(doc)
    if not more:
        _remember(key, legal)
    return legal, more


def _checklist_from(raw: bytes, shown: str, legal: LegalLibrary, check_basis: bool) -> tuple[Checklist | None, list[Problem]]:
    """The checklist of a rule file's bytes, named ``shown``, and its problems."""
    key = ("checklist", Path(shown).name, hashlib.sha256(raw).digest(), legal.sha256, check_basis)
    kept = _BUILT.get(key)
    if kept is not None:
        built, warnings = kept
        return dataclasses.replace(built, path=shown, legal=legal), [dataclasses.replace(w, location=dataclasses.replace(w.location, file=shown)) for w in warnings]
    checklist, problems = build_checklist(load_source(raw, shown, strict=False), legal, check_basis=check_basis)
    if checklist is not None:
        _remember(key, (checklist, problems))  # a built checklist's problems are warnings
    return checklist, problems


def _read(path: Path, shown: str) -> bytes | InputError:
    try:
        return read_bytes(path, shown)
    except InputError as exc:
        return exc


def _bytes_or_raise(read: bytes | InputError) -> bytes:
    if isinstance(read, InputError):
        raise read
    return read


def load_rules(directory: str | Path | None = None, *, name: str | None = None) -> RuleSet:
    """Load the legal file and every checklist of a folder; raise InputError with all problems."""
    folder = Path(directory) if directory is not None else default_rules_dir()
    shown = Path(name) if name else folder
    legal_path = folder / LEGAL_FILE
    if not folder.is_dir():
        raise InputError([Problem(ErrorCode.IO_001, Location(str(shown)), {"reason": "规则目录不存在"})])
    legal_read = _read(legal_path, str(shown / LEGAL_FILE))
    reads = [(path, _read(path, str(shown / path.name))) for path in rule_files(folder)]
    key: tuple | None = None
    if not isinstance(legal_read, InputError) and not any(isinstance(read, InputError) for _, read in reads):
        files = ((LEGAL_FILE, legal_read), *((path.name, read) for path, read in reads))
        key = (str(folder.resolve()), str(shown), tuple((file, hashlib.sha256(raw).digest()) for file, raw in files if isinstance(raw, bytes)))
        if key in _LOADED:
            return _LOADED[key]
    ruleset = _load_rules(shown, legal_read, reads)
    if key is not None:
        if len(_LOADED) >= _LOADED_MAX:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = ruleset
    return ruleset


def _load_rules(shown: Path, legal_read: bytes | InputError, reads: list[tuple[Path, bytes | InputError]]) -> RuleSet:
    problems: list[Problem] = []
    legal: LegalLibrary | None = None
    try:
        legal, more = _legal_from(_bytes_or_raise(legal_read), str(shown / LEGAL_FILE))
        problems.extend(more)
    except InputError as exc:
        problems.extend(exc.problems)
    legal_loaded = legal is not None
    if legal is None:
        legal = LegalLibrary(str(shown / LEGAL_FILE), "", {}, {})
    checklists: dict[str, Checklist] = {}
    warnings: list[Problem] = []
    for path, read in reads:
        try:
            checklist, more = _checklist_from(_bytes_or_raise(read), str(shown / path.name), legal, legal_loaded)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        problems.extend(p for p in more if p.severity == "error")
        warnings.extend(p for p in more if p.severity != "error")
        if checklist is not None:
            checklists[checklist.id] = checklist
    if problems:
        raise InputError(problems + warnings)
    return RuleSet(str(shown), legal, checklists, tuple(warnings))
