"""Load an inspection's answers file and check it against its checklist."""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from .applicability import applicability
from .errors import ErrorCode, InputError, Location, Problem, listing, suggestion
from .labels import KIND_LABELS
from .model import SITE_FIELDS, Answer, Answers, Checklist, Inspection, RuleSet, Site
from .schema import validate
from .source import SourceDocument, load_source
from .values import ValueProblem, is_not_applicable, normalize, parse_date, parse_value

MIN_INSPECTORS = 2


def _photo_problem(path: str) -> str | None:
    """Why a photo path is refused, or None. Photos must stay inside the inspection's folder."""
    if "\x00" in path:
        return "含有非法字符"
    if "://" in path or path.lower().startswith(("file:", "data:", "http:", "https:")):
        return "不能是网址"
    posix, windows = PurePosixPath(path), PureWindowsPath(path)
    if posix.is_absolute() or windows.is_absolute() or windows.drive or path.startswith(("/", "\\")):
        return "不能是绝对路径"
    if ".." in posix.parts or ".." in windows.parts:
        return "不能指向答卷文件夹之外（..）"
    return None


class _AnswersBuilder:
    def __init__(self, doc: SourceDocument, checklist: Checklist) -> None:
        self.doc = doc
        self.checklist = checklist
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.locations: dict[str, Location] = {}
        self.not_applicable_refused: list[tuple[Any, tuple]] = []
        #: where photo paths start: the answers file's folder (unknown for stdin)
        self.folder = None if doc.name.startswith("<") else Path(doc.name).parent

    def problem(self, code: ErrorCode, where: tuple, subject: str | None = None, /, *, at_key: bool = False, **context: Any) -> None:
        self.problems.append(Problem(code, self.doc.location(where, key=at_key, item=subject), context))

    def value_problem(self, exc: ValueProblem, path: tuple, item: str | None) -> None:
        self.problems.append(Problem(ErrorCode[exc.code], self.doc.location(path, item=item), exc.context))

    def site(self) -> Site:
        raw = self.doc.data["site"]
        checklist = self.checklist
        type_text = normalize(str(raw["type"]))
        site_type = next((o.code for o in checklist.site_types if type_text in (o.code, normalize(o.label))), None)
        if site_type is None:
            allowed = [f"{o.code}（{o.label}）" for o in checklist.site_types]
            close = suggestion(type_text, [o.code for o in checklist.site_types] + [o.label for o in checklist.site_types])
            self.problem(ErrorCode.ANSWER_005, ("site", "type"), actual=raw["type"], checklist=checklist.id, suggestion=close, allowed="、".join(allowed))
            site_type = type_text
        facts: dict[str, Any] = {}
        declared = {fact.id: fact for fact in checklist.site_facts}
        self.problems.extend(unknown_site_fields(self.doc, checklist))
        for key, value in raw.items():
            fact = declared.get(key)
            if fact is None:
                continue
            if value is None or (isinstance(value, str) and not value.strip()):
                facts[key] = None
                continue
            try:
                facts[key] = parse_value(value, fact.field)
            except ValueProblem as exc:
                self.value_problem(exc, ("site", key), key)
                facts[key] = exc  # present but wrong: reported once, not again as missing
        for fact in checklist.site_facts:
            if not fact.required or facts.get(fact.id) is not None:
                continue
            if fact.id in raw:
                self.problem(
                    ErrorCode.SCHEMA_003,
                    ("site", fact.id),
                    fact.id,
                    field=fact.id,
                    expected=KIND_LABELS[fact.field.kind],
                    actual="空",
                    hint=f"请填写：{fact.question}",
                )
            else:
                self.problem(ErrorCode.SCHEMA_001, ("site",), fact.id, at_key=True, field=fact.id, example=f"{fact.id}: <{fact.question}>")

        facts = {key: value for key, value in facts.items() if not isinstance(value, ValueProblem)}

        def text(key: str) -> str | None:
            value = raw.get(key)
            return None if value is None else str(value)

        return Site(str(raw["name"]), site_type, text("address"), text("village"), text("operator"), text("contact"), text("phone"), facts)

    def inspection(self) -> Inspection | None:
        raw = self.doc.data["inspection"]
        day = None
        try:
            day = parse_date(raw["date"])
        except ValueProblem as exc:
            self.value_problem(exc, ("inspection", "date"), None)
        inspectors = tuple(str(name).strip() for name in raw["inspectors"])
        if len(set(inspectors)) < MIN_INSPECTORS:
            self.warnings.append(
                Problem(ErrorCode.ANSWER_008, self.doc.location(("inspection", "inspectors")), {"count": len(set(inspectors))}, severity="warning")
            )
        if day is not None and not self.checklist.in_force(day):
            self.problem(ErrorCode.CHECKLIST_002, ("inspection", "date"), id=self.checklist.id, date=day.isoformat(), period=self.checklist.period())
        if day is None:
            return None
        ident = raw.get("id")
        credentials = tuple(str(c).strip() for c in raw.get("credentials") or ())
        if credentials and len(credentials) != len(inspectors):
            self.problem(
                ErrorCode.ANSWER_003,
                ("inspection", "credentials"),
                reason=f"执法证号有 {len(credentials)} 个，检查人员有 {len(inspectors)} 名",
                hint="按 inspectors 的顺序为每名检查人员写一个证号",
            )
        return Inspection(
            day,
            inspectors,
            None if ident is None else str(ident),
            raw.get("start_time"),
            raw.get("end_time"),
            raw.get("recorder"),
            credentials,
            None if raw.get("follows") is None else str(raw["follows"]).strip(),
        )

    def answers(self, skip: set | frozenset = frozenset()) -> dict[str, Answer]:
        """Each answer read against its item; ``skip`` holds answers the schema already refused."""
        raw_answers = self.doc.data.get("answers") or {}
        known = {item.id: item for item in self.checklist.items}
        result: dict[str, Answer] = {}
        for item_id, raw in raw_answers.items():
            path: tuple = ("answers", item_id)
            if item_id in skip:
                continue
            item = known.get(item_id)
            if item is None:
                close = suggestion(str(item_id), list(known))
                self.problem(ErrorCode.ANSWER_001, path, str(item_id), at_key=True, checklist=self.checklist.id, item=item_id, suggestion=close)
                continue
            count = note = None
            photos: tuple[str, ...] = ()
            value_path = path
            if isinstance(raw, dict):
                value = raw.get("value")
                count = raw.get("count")
                note = raw.get("note")
                value_path = (*path, "value") if "value" in raw else path
                photos = tuple(raw.get("photos") or ())
                for index, photo in enumerate(photos):
                    why = _photo_problem(photo)
                    if why:
                        self.problem(ErrorCode.ANSWER_007, path + ("photos", index), item_id, photo=photo, reason=why)
                    elif self.folder is not None and not (self.folder / photo).is_file():
                        self.warnings.append(
                            Problem(ErrorCode.ANSWER_009, self.doc.location(path + ("photos", index), item=item_id), {"photo": photo}, severity="warning")
                        )
            else:
                value = raw
            self.locations[f"answers.{item_id}"] = self.doc.location(value_path, item=item_id)
            if isinstance(raw, dict) and "count" in raw:
                self.locations[f"answers.{item_id}.count"] = self.doc.location(path + ("count",), item=item_id)
            if value is None or (isinstance(value, str) and not value.strip()) or value == []:
                result[item_id] = Answer(item_id, "blank", None, count, note, photos)
            elif is_not_applicable(value):
                if not item.allow_not_applicable:
                    # Refused only where the item applies, which is known once all answers are read.
                    self.not_applicable_refused.append((item, value_path))
                result[item_id] = Answer(item_id, "not_applicable", None, count, note, photos)
            else:
                try:
                    typed = parse_value(value, item.field)
                except ValueProblem as exc:
                    self.value_problem(exc, value_path, item_id)
                    continue
                result[item_id] = Answer(item_id, "answered", typed, count, note, photos)
        return result

    def missing(self, answers: Answers) -> None:
        """Required items that apply and are not in the file at all, and 不适用 written
        for an item that applies and may not be skipped."""
        applies = answers.applicability.applies
        for item, value_path in self.not_applicable_refused:
            if applies[item.id] is not False:
                self.problem(ErrorCode.ANSWER_010, value_path, item.id, item=item.id)
        for item in self.checklist.items:
            if not item.required or item.id in (self.doc.data.get("answers") or {}):
                continue
            if applies[item.id] is True:
                self.problem(ErrorCode.ANSWER_004, ("answers",), item.id, at_key=True, item=item.id, question=item.question)


def unknown_site_fields(doc: SourceDocument, checklist: Checklist) -> list[Problem]:
    """SCHEMA_002 for each site field that is neither a common one nor a fact of the checklist."""
    site = doc.data.get("site") if isinstance(doc.data, dict) else None
    if not isinstance(site, dict):
        return []
    allowed = list(SITE_FIELDS) + [fact.id for fact in checklist.site_facts]
    return [
        Problem(
            ErrorCode.SCHEMA_002,
            doc.location(("site", key), key=True),
            {"field": key, "suggestion": suggestion(str(key), allowed), "allowed": listing(allowed, 20)},
        )
        for key in site
        if key not in allowed
    ]


def lookup_checklist(doc: SourceDocument, rules: RuleSet) -> Checklist:
    return rules.checklist(str(doc.data["checklist"]), doc.location(("checklist",)))


def answers_from_document(doc: SourceDocument, rules: RuleSet) -> tuple[Answers, Checklist]:
    """Validate a parsed answers document against its checklist; raise InputError with every problem.

    Each part of the file (site, inspection, each answer) is checked as far as its own
    structure allows, so that one round of corrections fixes the whole file.
    """
    problems = list(doc.problems) + validate(doc, "answers")
    data = doc.data
    broken = {p.location.path[:2] if p.location.path[:1] == ("answers",) else p.location.path[:1] for p in problems}
    checklist_id = data.get("checklist") if isinstance(data, dict) else None
    if not isinstance(checklist_id, str) or ("checklist",) in broken:
        raise InputError(problems)
    try:
        checklist = lookup_checklist(doc, rules)
    except InputError as exc:
        raise InputError(problems + list(exc.problems)) from None
    builder = _AnswersBuilder(doc, checklist)
    site_ok = "site" in data and ("site",) not in broken
    inspection_ok = "inspection" in data and ("inspection",) not in broken
    site = builder.site() if site_ok else None
    if not site_ok and isinstance(data.get("site"), dict):
        # A misspelt site field often explains a "missing field" next to it; say both.
        builder.problems.extend(unknown_site_fields(doc, checklist))
    inspection = builder.inspection() if inspection_ok else None
    answered = builder.answers(skip={key[1] for key in broken if len(key) == 2}) if isinstance(data.get("answers"), dict) or data.get("answers") is None else {}
    answers = None
    if site is not None and inspection is not None:
        answers = _answers(doc, checklist, site, inspection, answered, builder)
        builder.missing(answers)
    problems += builder.problems
    if problems or answers is None:
        raise InputError(problems)
    return answers, checklist


def _answers(doc: SourceDocument, checklist: Checklist, site: Site, inspection: Inspection, answered: dict[str, Answer], builder: _AnswersBuilder) -> Answers:
    locations = {
        "inspection.date": doc.location(("inspection", "date")),
        "answers": doc.location(("answers",), key=True),
        **builder.locations,
    }
    return Answers(
        name=doc.name,
        sha256=doc.sha256,
        checklist_id=checklist.id,
        site=site,
        inspection=inspection,
        answers=answered,
        applicability=applicability(checklist, site, inspection, answered),
        locations=locations,
        warnings=tuple(builder.warnings),
    )


def load_answers(src: str | bytes | Any, rules: RuleSet, *, name: str | None = None) -> tuple[Answers, Checklist]:
    """Load an answers file (a path, or bytes with ``name``) and its checklist."""
    return answers_from_document(load_source(src, name, strict=False), rules)

