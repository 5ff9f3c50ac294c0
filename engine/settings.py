"""Office settings: who issues the documents, and how they are numbered."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .errors import ErrorCode, InputError, Location, Problem
from .fonts import FONT_ROLES, FontChoice, is_font_path
from .schema import validate
from .source import SourceDocument, char_name, load_source, refused_character

if TYPE_CHECKING:
    from ._postgres import Address
    from .ledger import LedgerAt

#: The placeholders of a document number; each stands exactly once in the pattern.
NUMBER_PLACEHOLDERS = ("{year}", "{seq}")


@dataclass(frozen=True)
class OfficeSettings:
    path: str
    office: str
    department: str | None
    document_kind: Literal["town_notice", "department_order"]
    number_pattern: str
    contact_person: str | None
    contact_phone: str | None
    address: str | None
    seal_text: str
    refer_to: str | None
    review_body: str | None
    court: str | None
    report_days: int
    font: str | None
    #: The font of each role the settings name (fonts:), in the order of FONT_ROLES.
    fonts: tuple[FontChoice, ...] = ()

    #: The settings' ``ledger``, as written: a file (relative to the settings' folder) or a
    #: postgresql:// address; None for the file beside the settings.
    ledger_setting: str | None = None

    @property
    def ledger(self) -> LedgerAt:
        """The rectification ledger: the one the settings name, else the SQLite file kept
        beside them, in the office's workspace."""
        from .ledger import ledger_at

        settings = Path(self.path)
        if self.ledger_setting is None:
            return settings.with_name(settings.stem + ".ledger.sqlite")
        found = ledger_at(self.ledger_setting)
        return settings.parent / found if isinstance(found, Path) else dataclasses.replace(found, office=self.office)

    @property
    def numbers(self) -> Path | Address:
        """Where the document numbers are kept: with a ledger on a server, in its database
        (this office's); else in the numbers file beside the settings."""
        from ._postgres import Address

        ledger = self.ledger
        return ledger if isinstance(ledger, Address) else self.numbers_path

    @property
    def numbers_path(self) -> Path:
        """The SQLite file of document numbers, kept beside the settings."""
        settings = Path(self.path)
        return settings.with_name(settings.stem + ".numbers.sqlite")


def notice_warnings(settings: OfficeSettings) -> list[Problem]:
    """What the settings lack that a town's notice states: the body that takes a review
    (SETTINGS_006), which the notice can otherwise name only in general words. Said once
    where notices are made. A department's order names the government at its own level."""
    if settings.document_kind != "town_notice" or (settings.review_body or "").strip():
        return []
    return [Problem(ErrorCode.SETTINGS_006, Location(settings.path), {}, severity="warning")]


def load_settings(path: str | Path) -> OfficeSettings:
    """Read and validate an office settings file; InputError lists every problem."""
    doc = load_source(path)
    problems = (validate(doc, "settings") + text_problems(doc)) or number_pattern_problems(doc)
    if problems:
        raise InputError(problems)
    data = doc.data
    font = data.get("font")
    if font and not Path(font).is_absolute():
        font = str(Path(path).parent / font)
    named = data.get("fonts") or {}
    fonts = tuple(
        FontChoice(role, named[role], Path(path).parent / named[role] if is_font_path(named[role]) else None, doc.location(("fonts", role)))
        for role in FONT_ROLES
        if named.get(role)
    )
    phone = data.get("contact_phone")
    return OfficeSettings(
        path=str(path),
        office=data["office"],
        department=data.get("department"),
        document_kind=data.get("document_kind", "town_notice"),
        number_pattern=data["number_pattern"],
        contact_person=data.get("contact_person"),
        contact_phone=None if phone is None else str(phone),
        address=data.get("address"),
        seal_text=data.get("seal_text", data["office"]),
        refer_to=data.get("refer_to"),
        # Only spaces would print a blank where the body is named: none written, then.
        review_body=(data.get("review_body") or "").strip() or None,
        court=(data.get("court") or "").strip() or None,
        report_days=data.get("report_days", 3),
        font=font,
        fonts=fonts,
        ledger_setting=_ledger_setting(data.get("ledger")),
    )


def _ledger_setting(written: str | None) -> str | None:
    """The ledger as set: $LANTIAN_LEDGER (a file from the current folder, or an address)
    before the settings' own ``ledger``."""
    import os

    from ._postgres import is_address

    given = os.environ.get("LANTIAN_LEDGER")
    if not given:
        return written
    return given if is_address(given) else str(Path(given).absolute())


#: The most characters each text of the settings may have: a name is printed on one line of
#: every document (the longest office names are some 30 characters), an address or a list of
#: bodies may take two. A megabyte of name once took seven minutes to typeset.
TEXT_LIMITS = {
    "office": 100,
    "department": 100,
    "number_pattern": 100,
    "contact_person": 100,
    "contact_phone": 100,
    "seal_text": 100,
    "review_body": 100,
    "court": 100,
    "address": 200,
    "refer_to": 200,
}
#: A font's name or a path to its file (Windows allows 260 characters in a path).
FONT_LIMIT = 260


def text_problems(doc: SourceDocument) -> list[Problem]:
    """SETTINGS_004 for a text longer than its limit, SETTINGS_005 for a control character in it."""
    data = doc.data if isinstance(doc.data, dict) else {}
    fonts = data.get("fonts")
    if not isinstance(fonts, dict):
        fonts = {}
    texts: list[tuple[tuple[str, ...], str, object, int]] = [((key,), key, data.get(key), limit) for key, limit in TEXT_LIMITS.items()]
    texts += [(("fonts", role), f"fonts.{role}", fonts.get(role), FONT_LIMIT) for role in FONT_ROLES]
    problems = []
    for path, field, text, limit in texts:
        if not isinstance(text, str):
            continue
        if len(text) > limit:
            problems.append(Problem(ErrorCode.SETTINGS_004, doc.location(path), {"field": field, "length": len(text), "limit": limit}))
        bad = refused_character(text)  # every text of the settings is one line, without tabs
        if bad:
            char = bad.group()
            problems.append(Problem(ErrorCode.SETTINGS_005, doc.inside(path, text, bad.start()), {"field": field, "char": char_name(char), "position": bad.start() + 1}))
    return problems


def number_pattern_problems(doc: SourceDocument) -> list[Problem]:
    """SETTINGS_002 for a brace that is not {year} or {seq}, SETTINGS_003 for one of them twice.

    A number is made by replacing the two placeholders: a second {seq} would print the serial
    twice, and {yaer} or a stray brace would be printed as it is on every notice.
    """
    pattern = doc.data.get("number_pattern") if isinstance(doc.data, dict) else None
    if not isinstance(pattern, str):
        return []
    problems = []
    for match in re.finditer(r"\{[^{}]*\}|[{}]", pattern):
        if match.group() not in NUMBER_PLACEHOLDERS:
            problems.append(Problem(ErrorCode.SETTINGS_002, doc.inside(("number_pattern",), pattern, match.start()), {"placeholder": match.group()}))
    for placeholder in NUMBER_PLACEHOLDERS:
        count = pattern.count(placeholder)
        if count > 1:
            second = pattern.index(placeholder, pattern.index(placeholder) + 1)
            problems.append(Problem(ErrorCode.SETTINGS_003, doc.inside(("number_pattern",), pattern, second), {"placeholder": placeholder, "count": count}))
    return problems


SETTINGS_NAME = "office.yaml"


def named_settings(explicit: str | Path | None) -> Path | None:
    """The office settings file the user named: on the command line, else $LANTIAN_SETTINGS."""
    import os

    if explicit:
        return Path(explicit)
    return Path(os.environ["LANTIAN_SETTINGS"]) if os.environ.get("LANTIAN_SETTINGS") else None


def find_settings(explicit: str | Path | None, near: Path | None = None) -> Path | None:
    """The office settings file: the one named (named_settings), ./office.yaml, or one in (or
    in an ``office`` folder of) the folder being processed."""
    named = named_settings(explicit)
    if named is not None:
        return named
    candidates = [Path(SETTINGS_NAME)]
    if near is not None:
        candidates += [near / SETTINGS_NAME, near / "office" / SETTINGS_NAME]
    return next((path for path in candidates if path.is_file()), None)


#: Keys the settings template leaves out: still read in old files, no longer printed.
_RETIRED_KEYS = ("seal_text",)


def settings_template() -> str:
    """A commented office settings file to fill in (`lantian init`): every key the settings
    schema allows, each with its meaning and an example; the required ones empty, to be
    filled, the others commented out. An unfilled required key is refused where it stands."""
    import json

    from .schema import load_schema

    schema = load_schema("settings")
    required = list(schema["required"])
    lines = [
        "# 办公室设置：出具文书的机关、文号格式和联系方式（由 lantian init 生成）。",
        "# 必填的 " + "、".join(required) + " 填好后才能出具文书；其余各项需要时去掉行首的“# ”再改成本机关的信息。",
        "# 字段的含义见 docs/documents.md“办公室设置 office.yaml”一节。",
        "# 整改台账默认保存在本文件旁的 <本文件名>.ledger.sqlite 中（ledger 可另外指定），文号记录在 <本文件名>.numbers.sqlite 中。",
    ]
    optional = [key for key in schema["properties"] if key not in required and key not in _RETIRED_KEYS]
    for key in [*required, *optional]:
        spec = schema["properties"][key]
        examples = spec.get("examples") or []
        # JSON strings are YAML strings: an example with braces or a colon stays one value.
        example = json.dumps(examples[0], ensure_ascii=False) if examples else ""
        lines.append("")
        if key in required:
            lines.append(f"# {spec['description']}（必填）" + (f"，例如 {examples[0]}" if examples else ""))
            lines.append(f"{key}:")
        else:
            lines.append(f"# {spec['description']}")
            lines.append(f"# {key}: {example}".rstrip())
    return "\n".join(lines) + "\n"
