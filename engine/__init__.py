"""Lantian (蓝天): score inspection answers against declarative checklists.

The library is usable without the command line::

    from engine import load_rules, check
    rules = load_rules()
    result = check("examples/dust_six_100pct_compliant.yaml", rules)
    print(result.verdict, result.score, [f.reason for f in result.findings])
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .answers import load_answers as load_answers
from .bundled import default_rules_dir as default_rules_dir
from .errors import ErrorCode as ErrorCode
from .errors import InputError as InputError
from .errors import LantianError as LantianError
from .errors import Problem as Problem
from .loader import load_checklist as load_checklist
from .loader import load_rules as load_rules
from .model import InspectionResult as InspectionResult
from .model import RuleSet as RuleSet
from .scoring import score as score

__version__ = "0.1.0"


def check(src: str | Path | bytes, rules: RuleSet, *, name: str | None = None, issued: dt.date | None = None) -> InspectionResult:
    """Load one answers file (a path, or bytes with ``name``) and score it.

    ``issued`` is the day the decision is made (default: the inspection day); the citations
    follow the transitional rule for it. Raises InputError with every problem of the file
    when it cannot be scored.
    """
    answers, checklist = load_answers(src, rules, name=name)
    return score(checklist, answers, issued=issued)


__all__ = [
    "ErrorCode",
    "InputError",
    "InspectionResult",
    "LantianError",
    "Problem",
    "RuleSet",
    "check",
    "default_rules_dir",
    "load_answers",
    "load_checklist",
    "load_rules",
    "score",
]
