"""Load and check rule files: the legal references and the checklists.

Each file goes source → schema → model → semantic checks. Every problem of every file is
gathered before anything is reported; a file with schema problems stops there, because
checks on malformed data only add noise.
"""

from __future__ import annotations

import datetime as dt
import keyword
import re
from collections.abc import Iterable
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
from .source import SourceDocument, load_source

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


class _ChecklistBuilder:
    """Turns one schema-valid rule document into a Checklist, gathering every problem."""

    def __init__(self, doc: SourceDocument, legal: LegalLibrary, *, check_basis: bool = True, skip: frozenset = frozenset()) -> None:
        self.doc = doc
        self.skip = skip  #: paths of items the schema already refused
        self.check_basis = check_basis  #: False when the legal file itself failed: no cascade of LEGAL_001
        self.data = doc.data
        self.legal = legal
        self.problems: list[Problem] = []
        self.references: dict[str, tuple[frozenset[str], tuple]] = {}  #: item → (names its `when:` reads, path)

    def problem(self, code: ErrorCode, where: tuple, subject: str | None = None, /, *, at_key: bool = False, **context: Any) -> None:
        self.problems.append(Problem(code, self.doc.location(where, key=at_key, item=subject), context))

    def inside(self, path: tuple, text: str, offset: int, item: str | None) -> Location:
        """The position ``offset`` characters into the scalar ``text`` at ``path``, when the
        scalar sits on one line as written (plain or quoted); else the scalar's start."""
        location = self.doc.location(path, item=item)
        if location.line is not None and location.column is not None:
            rest = self.doc.line_text(location.line)[location.column - 1 :]
            shift = 0 if rest.startswith(text) else 1 if rest[:1] in "'\"" and rest[1:].startswith(text) else None
            if shift is not None:
                location = Location(location.file, location.line, location.column + shift + offset, location.path, item)
        return location

    def expression_problem(self, exc: ExpressionError, path: tuple, text: str, item: str | None) -> None:
        context = dict(exc.context)
        context.setdefault("hint", "")
        self.problems.append(Problem(ErrorCode[exc.code], self.inside(path, text, exc.offset, item), context))

    def build(self) -> Checklist | None:
        data = self.data
        stem = Path(self.doc.name).stem
        if data["id"] != stem:
            self.problem(ErrorCode.RULE_001, ("id",), id=data["id"], stem=stem)
        start, end = _date(data.get("effective_from")), _date(data.get("effective_to"))
        if start and end and end < start:
            self.problems.append(_dates_problem(self.doc, ("effective_to",), data["id"]))

        site_types = tuple(Option(code, label) for code, label in data["site_types"].items())
        facts = []
        for index, raw in enumerate(data.get("site_facts") or []):
            if raw["id"] in SITE_FIELDS or raw["id"] in RESERVED:
                self.problem(ErrorCode.RULE_003, ("site_facts", index, "id"), raw["id"], reason=f"“{raw['id']}” 是保留字", hint="请换一个编号")
            self._check_field(raw, ("site_facts", index), raw["id"])
            facts.append(SiteFact(raw["id"], raw["question"], _field(raw), raw.get("required", True)))
        params = {
            name: Param(name, raw["value"], raw.get("unit"), raw.get("source"), raw.get("status"))
            for name, raw in (data.get("params") or {}).items()
        }
        basis = tuple(data.get("basis") or ())
        self._check_basis(basis, ("basis",), None)

        raw_items: list[tuple[tuple, str, dict]] = []
        first_line: dict[str, int] = {}
        for s_index, section in enumerate(data["sections"]):
            self._claim_id(section["id"], ("sections", s_index, "id"), first_line)
            for i_index, raw in enumerate(section["items"]):
                path = ("sections", s_index, "items", i_index)
                if path in self.skip and not (_is_identifier(raw.get("id")) and raw.get("kind") in KIND_TYPES):
                    continue  # refused by the schema, and too broken to be named by others
                self._claim_id(raw["id"], path + ("id",), first_line)
                if raw["id"] in RESERVED or keyword.iskeyword(raw["id"]):
                    self.problem(ErrorCode.RULE_003, path + ("id",), raw["id"], reason=f"“{raw['id']}” 是保留字，不能作检查项编号", hint="请换一个编号")
                raw_items.append((path, section["id"], raw))

        scope_names = {raw["id"]: KIND_TYPES[raw["kind"]] for _, _, raw in raw_items}
        choices: dict[str, frozenset[str]] = {
            raw["id"]: frozenset(raw.get("options") or {}) for _, _, raw in raw_items if raw["kind"] in ("choice", "multi_choice")
        }
        # Items the schema refused still lend their names to the others, but get no checks of their own.
        raw_items = [entry for entry in raw_items if entry[0] not in self.skip]
        site_attributes = {name: Type.STRING for name in SITE_FIELDS}
        site_attributes.update({fact.id: KIND_TYPES[fact.field.kind] for fact in facts})
        choices["site.type"] = frozenset(code for code, _ in data["site_types"].items())
        for fact in facts:
            if fact.field.kind in ("choice", "multi_choice"):
                choices[f"site.{fact.id}"] = frozenset(o.code for o in fact.field.options)
        attributes = {
            "site": site_attributes,
            "inspection": {"date": Type.DATE},
            "params": {name: _param_type(p.value) for name, p in params.items()},
        }
        self.laws = {key: (law.effective_from, law.effective_to) for key, law in self.legal.laws.items()} if self.check_basis else None
        self.when_scope = Scope(scope_names, attributes, choices, self.laws)

        items = []
        for path, section_id, raw in raw_items:
            item = self._item(path, section_id, raw, scope_names, attributes, choices, basis, data)
            if item is not None:
                items.append(item)
        self._check_cycles(items)

        sections = []
        for section in data["sections"]:
            members = tuple(item for item in items if item.section_id == section["id"])
            sections.append(Section(section["id"], section["title"], members))
        if self.problems:
            return None
        return Checklist(
            id=data["id"],
            title=data["title"],
            version=data["version"],
            effective_from=start,
            effective_to=end,
            site_types=site_types,
            basis=basis,
            pass_mark=data.get("pass_mark"),
            deadline_days=data.get("deadline_days", 15),
            site_facts=tuple(facts),
            params=params,
            sections=tuple(sections),
            path=self.doc.name,
            sha256=self.doc.sha256,
            legal=self.legal,
            description=data.get("description"),
        )

    def _claim_id(self, ident: str, path: tuple, first_line: dict[str, int]) -> None:
        location = self.doc.location(path)
        if ident in first_line:
            self.problem(ErrorCode.RULE_002, path, ident, id=ident, first_line=first_line[ident])
        else:
            first_line[ident] = location.line or 0

    def _check_field(self, raw: dict, path: tuple, ident: str) -> None:
        kind = raw["kind"]
        if raw.get("options") and kind not in ("choice", "multi_choice"):
            self.problem(ErrorCode.RULE_003, path + ("options",), ident, reason=f"{kind} 类型的题不用写 options", hint="选择题请把 kind 设为 choice 或 multi_choice")
        if ("min" in raw or "max" in raw) and kind not in ("number", "count"):
            self.problem(ErrorCode.RULE_003, path + ("min" if "min" in raw else "max",), ident, reason=f"{kind} 类型的题不用写 min/max", hint="min/max 只用于 number 和 count")
        if "min" in raw and "max" in raw and raw["min"] > raw["max"]:
            self.problem(ErrorCode.RULE_003, path + ("max",), ident, reason="max 小于 min", hint="请核对取值范围")

    def _check_basis(self, keys: Iterable[str], path: tuple, item: str | None) -> None:
        if not self.check_basis:
            return
        for index, key in enumerate(keys):
            if key not in self.legal.refs:
                self.problem(
                    ErrorCode.LEGAL_001,
                    path + (index,),
                    item,
                    key=key,
                    suggestion=suggestion(key, list(self.legal.refs)),
                    legal_file=Path(self.legal.path).name,
                )

    def _compile(self, text: str, scope: Scope, path: tuple, item: str, expect: Type | None = Type.BOOL) -> Expression | None:
        try:
            return compile_expression(text, scope, expect=expect)
        except ExpressionError as exc:
            self.expression_problem(exc, path, text, item)
            return None

    def _template(self, text: str | None, scope: Scope, path: tuple, item: str) -> TextTemplate | None:
        if text is None:
            return None
        parts: list[Any] = []
        pattern = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
        position = 0
        allowed = list(scope.names) + [f"{a}.{f}" for a, fs in scope.attributes.items() for f in fs]
        for match in pattern.finditer(text):
            parts.append(text[position : match.start()])
            position = match.end()
            token = match.group(0)
            if token in ("{{", "}}"):
                parts.append(token[0])
                continue
            if match.group(1) is None:
                self.problems.append(
                    Problem(
                        ErrorCode.TEXT_001,
                        self.inside(path, text, match.start(), item),
                        {"name": token, "reason": "花括号没有配对（要显示花括号请写 {{ 或 }}）", "suggestion": "", "allowed": listing(allowed)},
                    )
                )
                continue
            inner = match.group(1)
            try:
                parts.append(compile_expression(inner, scope, expect=None))
            except ExpressionError as exc:
                reason = ErrorCode[exc.code].value.message.format(**{"hint": "", **exc.context}) if exc.code != "EXPR_002" else "未定义"
                close = suggestion(inner.strip(), allowed) if exc.code == "EXPR_002" else ""
                self.problems.append(
                    Problem(
                        ErrorCode.TEXT_001,
                        self.inside(path, text, match.start(), item),
                        {"name": "{" + inner + "}", "reason": reason, "suggestion": close, "allowed": listing(allowed)},
                    )
                )
        parts.append(text[position:])
        return TextTemplate(text, tuple(p for p in parts if p != ""))

    def _item(
        self,
        path: tuple,
        section_id: str,
        raw: dict,
        scope_names: dict[str, Type],
        attributes: dict[str, dict[str, Type]],
        choices: dict[str, frozenset[str]],
        default_basis: tuple[str, ...],
        data: dict,
    ) -> Item | None:
        ident = raw["id"]
        field = _field(raw)
        self._check_field(raw, path, ident)
        kind = raw["kind"]
        value_type = KIND_TYPES[kind]
        own_choices = dict(choices)
        if ident in choices:
            own_choices["value"] = choices[ident]
        names = {k: v for k, v in scope_names.items()}
        when = self._compile(raw["when"], self.when_scope, path + ("when",), ident) if "when" in raw else None
        limit = None
        if "limit" in raw:
            limit = self._compile(raw["limit"], Scope({**names, "value": value_type}, attributes, own_choices, self.laws), path + ("limit",), ident, expect=None)
        item_names = {**names, "value": value_type, "count": Type.NUMBER}
        if limit is not None:
            item_names["limit"] = limit.type
        item_scope = Scope(item_names, attributes, own_choices, self.laws)
        criterion = None
        if "pass" in raw:
            criterion = self._compile(raw["pass"], item_scope, path + ("pass",), ident)
        elif kind == "yes_no":
            criterion = compile_expression("value == true", item_scope)
        text_scope = Scope({**item_names, "note": Type.STRING}, attributes, own_choices, self.laws)
        finding = self._template(raw.get("finding"), text_scope, path + ("finding",), ident)
        rectification = self._template(raw.get("rectification"), text_scope, path + ("rectification",), ident)
        can_fail = "pass" in raw or kind == "yes_no"
        severity = raw.get("severity", "minor")
        points = float(raw.get("points", 0))
        deduction = raw.get("deduction")
        self._check_points(path, ident, can_fail=can_fail, severity=severity, points=points, deduction=deduction)
        basis = self._item_basis(raw, default_basis, path, ident, can_fail=can_fail)
        self.references[ident] = (when.references if when else frozenset(), path)
        return Item(
            id=ident,
            section_id=section_id,
            question=raw["question"],
            field=field,
            guidance=raw.get("guidance"),
            required=raw.get("required", True),
            allow_not_applicable=raw.get("allow_not_applicable", True),
            when=when,
            limit=limit,
            criterion=criterion,
            severity=severity,
            points=points,
            deduction=deduction,
            finding=finding,
            rectification=rectification,
            deadline_days=raw.get("deadline_days", data.get("deadline_days", 15)),
            basis=basis,
            line=self.doc.location(path).line or 0,
        )

    def _check_points(self, path: tuple, ident: str, *, can_fail: bool, severity: str, points: float, deduction: float | None) -> None:
        """Points and vetoes only on an item that can fail; a deduction per place within its points.

        Refused: ``points: 10`` on a text item; ``deduction: 5`` with no points;
        ``deduction: 15`` on a 10-point item. Accepted: ``points: 10, deduction: 5``.
        """
        if not can_fail and (points or severity == "veto" or deduction):
            self.problem(ErrorCode.RULE_004, path + ("id",), ident, reason="该项没有合格条件（pass），却设置了分值或一票否决", hint="请加上 pass 条件，或去掉 points/severity/deduction")
        if deduction is not None and not points:
            self.problem(ErrorCode.RULE_004, path + ("deduction",), ident, reason="设置了每处扣分，但该项分值为 0", hint="请设置 points（该项最多扣到 points 为止）")
        if deduction is not None and deduction > points:
            self.problem(ErrorCode.RULE_004, path + ("deduction",), ident, reason=f"每处扣分 {deduction} 大于该项分值 {points:g}", hint="每处扣分应不大于 points")

    def _item_basis(self, raw: dict, default_basis: tuple[str, ...], path: tuple, ident: str, *, can_fail: bool) -> tuple[str, ...]:
        """The item's legal basis, or the checklist's; an item that can fail must have one.

        Refused: ``basis: [no_such_ref]``; a ``pass:`` item with no basis anywhere.
        """
        basis = tuple(raw.get("basis") or default_basis)
        if "basis" in raw:
            self._check_basis(basis, path + ("basis",), ident)
        elif can_fail and not basis:
            self.problem(ErrorCode.SCHEMA_001, path + ("id",), ident, field="basis", example="basis: [air_law_art69]（或在检查表顶层写默认 basis）")
        return basis

    def _check_cycles(self, items: list[Item]) -> None:
        # An item whose `when:` reads an answer that is itself conditional on it can never
        # be decided; refuse such loops when the rules load. Depth-first search with
        # colours: linear in items and references, however they are wired.
        graph = {item.id: sorted(ref for ref in (item.when.references if item.when else ()) if ref in self.references) for item in items}
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
                    continue
                if state.get(nxt) == 1:
                    loop = path[path.index(nxt) :] + [nxt]
                    where = self.references[nxt][1] + ("when",)
                    self.problem(ErrorCode.RULE_003, where, nxt, reason="when 条件循环引用：" + " → ".join(loop), hint="一个检查项的适用条件不能直接或间接依赖它自己")
                elif not state.get(nxt) and nxt in graph:
                    state[nxt] = 1
                    path.append(nxt)
                    stack.append(iter(graph[nxt]))


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
    return (None if problems else checklist), problems


def load_checklist(path: str | Path, legal: LegalLibrary) -> Checklist:
    checklist, problems = build_checklist(load_source(path, strict=False), legal)
    if problems or checklist is None:
        raise InputError(problems)
    return checklist


def rule_files(directory: Path) -> list[Path]:
    """The checklist files of a rules folder: every *.yaml or *.yml not starting with _ or ."""
    found = [*directory.glob("*.yaml"), *directory.glob("*.yml")]
    return sorted(p for p in found if not p.name.startswith(("_", ".")))


def load_rules(directory: str | Path | None = None, *, name: str | None = None) -> RuleSet:
    """Load the legal file and every checklist of a folder; raise InputError with all problems."""
    folder = Path(directory) if directory is not None else default_rules_dir()
    shown = Path(name) if name else folder
    legal_path = folder / LEGAL_FILE
    if not folder.is_dir():
        raise InputError([Problem(ErrorCode.IO_001, Location(str(shown)), {"reason": "规则目录不存在"})])
    problems: list[Problem] = []
    legal: LegalLibrary | None = None
    try:
        legal_doc = load_source(legal_path, str(shown / LEGAL_FILE))
        legal_problems = validate(legal_doc, "legal")
        if legal_problems:
            problems.extend(legal_problems)
        else:
            legal, more = _build_legal(legal_doc)
            problems.extend(more)
    except InputError as exc:
        problems.extend(exc.problems)
    legal_loaded = legal is not None
    if legal is None:
        legal = LegalLibrary(str(shown / LEGAL_FILE), "", {}, {})
    checklists: dict[str, Checklist] = {}
    for path in rule_files(folder):
        try:
            doc = load_source(path, str(shown / path.name), strict=False)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        checklist, more = build_checklist(doc, legal, check_basis=legal_loaded)
        problems.extend(more)
        if checklist is not None:
            checklists[checklist.id] = checklist
    if problems:
        raise InputError(problems)
    return RuleSet(str(shown), legal, checklists)
