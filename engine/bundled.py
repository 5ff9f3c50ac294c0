"""What ships with the engine: the rules and templates folders, and the one Jinja environment
that reads the templates.

Installed, rules/ and templates/ live inside the engine package; in a source checkout they
sit beside engine/, where rule editors find them.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from .model import chinese_number
from .values import chinese_date

if TYPE_CHECKING:
    import jinja2
    from markupsafe import Markup


def _folder(name: str) -> Path:
    bundled = Path(str(resources.files("engine"))) / name
    if bundled.is_dir():
        return bundled
    return Path(__file__).resolve().parent.parent / name


def templates_dir() -> Path:
    """Our templates and their stylesheets: the only files documents may read besides photos."""
    return _folder("templates")


def default_rules_dir() -> Path:
    """The rules to use when none are named: $LANTIAN_RULES, else the bundled ones."""
    env = os.environ.get("LANTIAN_RULES")
    return Path(env) if env else _folder("rules")


_SPACE_AROUND_LATIN = re.compile(r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])[ \t]+(?=[0-9A-Za-z])|(?<=[0-9A-Za-z%])[ \t]+(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])")


def tidy(text: str) -> str:
    """Chinese official style: no spaces between Chinese and numbers (缺口 2 处 → 缺口2处)."""
    return _SPACE_AROUND_LATIN.sub("", text) if isinstance(text, str) else text


#: A standard's number with a space in it: GB 18483-2001, GB/T 9704-2012, HJ 1014-2020, DB11/ 501-2017.
_STANDARD_CODE = re.compile(r"(?<![A-Za-z])(?:GB|HJ|DB\d{2})(?:/T|/)?\s+\d+(?:\.\d+)*-\d{4}")


def whole_codes(text: str) -> Markup:
    """``text``, escaped, with each standard's number kept whole on one line: justified
    text widens the spaces of a line, and one space in a line of Chinese took all the slack
    ("GB     18483-2001"). WeasyPrint does not widen spaces inside an inline block."""
    from markupsafe import Markup, escape

    escaped = str(escape(text))
    return Markup(_STANDARD_CODE.sub(lambda match: f'<span class="code">{match.group()}</span>', escaped))


def one_line(text: str) -> str:
    """Rule text inside a YAML comment must not start a new line of YAML."""
    return " ".join(str(text).split())


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """One environment, so that each template is compiled once, not once per document.
    HTML is autoescaped: nothing from an answers file can become markup."""
    import jinja2  # here, not at the top: loading rules (every command) needs the folders only

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=jinja2.select_autoescape(["html", "htm", "xml"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["cn_date"] = lambda day: chinese_date(day) if isinstance(day, dt.date) else day
    env.filters["cn_number"] = chinese_number
    env.filters["tidy"] = tidy
    env.filters["whole_codes"] = whole_codes
    env.filters["oneline"] = one_line
    return env
