"""Twenty inspectors submitting at once to the real Waitress server on loopback, then the
office issuing all twenty at once: every inspection written once, recorded once, and every
notice number different. Bounded: 20 users, one submission each."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from test_serve import ONE_FINDING, PASSWORD, form_like

from engine.ledger import findings
from engine.loader import load_rules
from engine.source import load_source
from helpers import RULES, office_folder, on_loopback
from webapp import create_app
from webapp.users import add_user, users_path

USERS = 20
pytestmark = pytest.mark.usefixtures("fast_password_hashes")


class Browser:
    """One user's cookies, as a phone keeps them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.url + path, timeout=60) as response:
            return response.geturl(), response.read().decode("utf-8")

    def post(self, path: str, fields: list[tuple[str, str]]) -> tuple[str, str]:
        data = urllib.parse.urlencode(fields).encode("utf-8")
        with self.opener.open(self.url + path, data=data, timeout=120) as response:
            return response.geturl(), response.read().decode("utf-8")


def token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = office_folder(tmp_path_factory.mktemp("load") / "office")
    for number in range(USERS):
        add_user(users_path(root / "office.yaml"), f"检查员{number}", "inspector", PASSWORD)
    add_user(users_path(root / "office.yaml"), "王芳", "office", PASSWORD)
    with on_loopback(create_app(root / "office.yaml", load_rules(RULES), root / "inspections"), threads=8) as served:
        yield f"http://127.0.0.1:{served.effective_port}", root


def logged_in(url: str, name: str) -> Browser:
    browser = Browser(url)
    _, page = browser.get("/login")
    browser.post("/login", [("name", name), ("password", PASSWORD), ("csrf_token", token(page))])
    return browser


def at_once(work, count: int) -> list:
    results: list = [None] * count
    errors: list = []

    def run(index: int) -> None:
        try:
            results[index] = work(index)
        except Exception as exc:  # reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert errors == []
    return results


def test_twenty_inspectors_at_once__each_recorded_once_with_its_own_number(server) -> None:
    url, root = server
    # One finding each: what is under load is the numbering and the writing, not the layout
    # of long documents (which tests/test_documents.py covers).
    example = form_like(ONE_FINDING)

    def submit(number: int) -> str:
        browser = logged_in(url, f"检查员{number}")
        _, home = browser.get("/")
        form_url, page = browser.post("/inspections/new", [("checklist", "dust_six_100pct"), ("csrf_token", token(home))])
        draft = urllib.parse.urlparse(form_url).path
        fields = [(key, f"{value}（{number}号工地）" if key == "site.name" else value) for key, value in example]
        result_url, result = browser.post(draft + "/submit", [*fields, ("csrf_token", token(page))])
        assert result_url.endswith("/result") and "不合格" in result
        browser.post(draft + "/submit", [*fields, ("csrf_token", token(page))])  # a second tap: recorded once
        return draft

    drafts = at_once(submit, USERS)
    assert len(set(drafts)) == USERS
    written = sorted((root / "inspections").rglob("*.yaml"))
    assert len(written) == USERS
    assert len({load_source(path).data["site"]["name"] for path in written}) == USERS

    clerk = logged_in(url, "王芳")
    _, listing = clerk.get("/office")
    stems = re.findall(r'name="inspection" value="([^"]+)"', listing)
    assert len(stems) == USERS
    at_once(lambda index: clerk.post("/office/issue", [("inspection", stems[index]), ("csrf_token", token(listing))]), USERS)
    rows = findings(root / "office.ledger.sqlite")
    assert len({row.inspection_id for row in rows}) == USERS
    numbers = {row.inspection_id: row.notice_number for row in rows}
    assert len(set(numbers.values())) == USERS and all(numbers.values())
    assert sorted(int(re.search(r"〕(\d+)号", n).group(1)) for n in numbers.values()) == list(range(1, USERS + 1))
    assert len(list(Path(root / "documents").rglob("*.通知书.pdf"))) == USERS
