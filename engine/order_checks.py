"""What a department's order (责令改正违法行为决定书) needs beyond a town's notice: the party
named as the law names it, and an issuing office that holds the power the cited article gives.

Pure: no I/O. Each check returns warnings, never errors: a clerk may know what the answers
file does not (an ID written on paper, a power assigned to the office), and the document is
still made so that it can be read and corrected before it is signed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .errors import ErrorCode, Location, Problem
from .model import InspectionResult, chinese_number
from .settings import OfficeSettings

#: GB 32100-2015: the 31 characters of a unified social credit code (no I, O, S, V, Z) and
#: the weights of its first 17 characters; the 18th checks them.
_CREDIT_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
#: GB 11643-1999: a citizen's ID number, for a party that is a person.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECKS = "10X98765432"

#: Words of an enforcing body as the law names it → words of an office's name that show it is
#: that body. A body the law leaves to local government ("县级以上地方人民政府确定的监督管理
#: 部门") or to whichever department has the duty cannot be told from a name: not checked.
_AUTHORITIES = (
    ("住房城乡建设", ("住房", "住建", "城乡建设", "建设局", "建设委员会")),
    ("环境卫生主管部门", ("城市管理", "城管", "环境卫生", "环卫")),
    ("生态环境", ("生态环境", "环境保护", "环保局")),
)
#: Offices that hold other departments' powers by law (行政处罚法第十八条: 综合行政执法): their
#: names prove nothing either way. Only the issuing office counts, not its department: an
#: ecology bureau's own 生态环境保护综合行政执法大队 holds the bureau's powers, no others.
_CONSOLIDATED = re.compile(r"综合(?:行政)?执法局")


def credit_code_valid(code: str) -> bool:
    """Whether ``code`` is a unified social credit code whose check character is right."""
    if len(code) != 18 or any(c not in _CREDIT_CHARACTERS for c in code):
        return False
    total = sum(_CREDIT_CHARACTERS.index(c) * w for c, w in zip(code, _CREDIT_WEIGHTS, strict=False))
    return code[17] == _CREDIT_CHARACTERS[(31 - total % 31) % 31]


def id_number_valid(number: str) -> bool:
    """Whether ``number`` is an 18-character citizen's ID number whose check character is right."""
    if len(number) != 18 or not number[:17].isdigit() or not number[:17].isascii():
        return False
    total = sum(int(c) * w for c, w in zip(number, _ID_WEIGHTS, strict=False))
    return number[17].upper() == _ID_CHECKS[total % 11]


#: Where in the answers file a path is: ("site",) is the site's key, ("site", "credit_code")
#: that field's value, ("answers", item) the item's answer (or the nearest parent's line).
Locate = Callable[[tuple], Location]


def party_problems(result: InspectionResult, locate: Locate) -> list[Problem]:
    """ORDER_001 for each of the party's particulars an order states and the answers lack;
    ORDER_002 for a credit code that is neither a credit code nor an ID number."""
    site = result.site
    problems = [
        Problem(ErrorCode.ORDER_001, locate(("site",)), {"field": field, "label": label}, severity="warning")
        for field, label, value in (("credit_code", "统一社会信用代码", site.credit_code), ("representative", "法定代表人（负责人）", site.representative), ("address", "地址", site.address))
        if not (value or "").strip()
    ]
    code = (site.credit_code or "").strip().upper()
    if code and not (credit_code_valid(code) or id_number_valid(code)):
        problems.append(Problem(ErrorCode.ORDER_002, locate(("site", "credit_code")), {"code": site.credit_code or ""}, severity="warning"))
    return problems


def _named_body(enforcer: str) -> tuple[str, tuple[str, ...]] | None:
    for words, office_words in _AUTHORITIES:
        if words in enforcer:
            return words, office_words
    return None


def authority_problems(result: InspectionResult, settings: OfficeSettings, locate: Locate) -> list[Problem]:
    """ORDER_003 for each enforcing body a cited penalty article names that the issuing
    office's name does not show it to be (an order on construction dust by an ecology and
    environment bureau, where the law names 住房城乡建设 departments)."""
    office = settings.office
    if _CONSOLIDATED.search(office):
        return []
    problems: list[Problem] = []
    seen: set[str] = set()
    for position, finding in enumerate(result.stated_findings, 1):
        for citation in finding.citations:
            enforcer = citation.enforcer
            named = _named_body(enforcer) if enforcer else None
            if enforcer is None or named is None or enforcer in seen:
                continue
            words, office_words = named
            if words == "生态环境" and "、" in enforcer:
                office_words = (*office_words, "海事", "渔业")  # 生态环境、海事管理、渔业渔政等部门
            if any(word in office for word in office_words):
                continue
            seen.add(enforcer)
            problems.append(
                Problem(
                    ErrorCode.ORDER_003,
                    locate(("answers", finding.item_id)),
                    {"office": settings.office, "enforcer": enforcer, "article": citation.penalty_article or citation.text, "position": chinese_number(position)},
                    severity="warning",
                )
            )
    return problems


def order_problems(result: InspectionResult, settings: OfficeSettings, locate: Locate) -> list[Problem]:
    """The warnings an order of ``result`` gets; none for a town's notice, which states no
    penalty and names the party as its addressee only."""
    if settings.document_kind != "department_order" or not result.notice_findings:
        return []
    return party_problems(result, locate) + authority_problems(result, settings, locate)
