"""`lantian serve` through Flask's test client: log-in, roles, CSRF, the form generated from the
checklist, which items apply by the engine's rules, and a submitted form written as an
answers file that checks as the example it copies."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

pytest.importorskip("flask")

from engine import check
from engine.loader import load_rules
from engine.source import load_source
from helpers import DATA, EXAMPLES, RULES, lantian, office_folder
from pdf_text import pdf_text
from webapp import LOGIN_FAILURES, create_app
from webapp.users import add_user, authenticate, set_role, users_path

PASSWORD = "correct horse"
pytestmark = pytest.mark.usefixtures("fast_password_hashes")

#: One finding: for the tests whose subject is not the documents' length (each then a page or two).
ONE_FINDING = DATA / "dust_one_finding.yaml"


@pytest.fixture(scope="module")
def rules():
    return load_rules(RULES)


@pytest.fixture(scope="module")
def users_file(tmp_path_factory) -> Path:
    """The users, hashed once: a scrypt hash is slow on purpose, and every test needs the same three."""
    path = users_path(tmp_path_factory.mktemp("users") / "office.yaml")
    for name, role in (("李明", "inspector"), ("王芳", "office"), ("县局", "viewer")):
        add_user(path, name, role, PASSWORD)
    return path


@pytest.fixture
def office(tmp_path: Path, users_file: Path) -> Path:
    import shutil

    root = office_folder(tmp_path / "office")
    shutil.copy(users_file, users_path(root / "office.yaml"))
    return root


@pytest.fixture
def app(office: Path, rules):
    return create_app(office / "office.yaml", rules, office / "inspections")


def token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def logged_in(app, name: str = "李明", password: str = PASSWORD):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"name": name, "password": password, "csrf_token": token(page)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def new_draft(client, checklist: str) -> tuple[str, str]:
    home = client.get("/").get_data(as_text=True)
    response = client.post("/inspections/new", data={"checklist": checklist, "csrf_token": token(home)})
    assert response.status_code == 302
    location = response.headers["Location"]
    return location.rsplit("/", 1)[1], client.get(location).get_data(as_text=True)


def _text(value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def form_like(example: Path) -> list[tuple[str, str]]:
    """The form fields an inspector fills to enter ``example``."""
    data = load_source(example).data
    fields = [(f"site.{key}", _text(value)) for key, value in data["site"].items()]
    for key, value in data["inspection"].items():
        fields.append((f"inspection.{key}", "、".join(value) if isinstance(value, list) else _text(value)))
    from engine.values import parse_bool

    checklist = load_rules(RULES).checklists[data["checklist"]]
    for item, answer in data["answers"].items():
        entry = answer if isinstance(answer, dict) else {"value": answer}
        values = entry["value"] if isinstance(entry["value"], list) else [entry["value"]]
        if checklist.item(item).kind == "yes_no" and values != ["不适用"]:
            values = [parse_bool(value) for value in values]  # 有 and 无 are a tap on 是 or 否
        codes = {option.label: option.code for option in checklist.item(item).field.options}
        values = [codes.get(value, value) for value in values]  # an option is tapped by its label
        fields.extend((f"answers.{item}.value", _text(v)) for v in values)
        fields.extend((f"answers.{item}.{part}", _text(entry[part])) for part in ("count", "note") if part in entry)
    return fields


def test_not_logged_in__sent_to_log_in_and_autosave_refused(app) -> None:
    client = app.test_client()
    assert client.get("/").headers["Location"].startswith("/login")
    response = client.post("/inspections/" + "0" * 32 + "/autosave", data={})
    assert response.status_code in (400, 401)  # no CSRF token and no session: refused either way


def test_log_in__wrong_password_then_too_many_tries(app) -> None:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    for _ in range(LOGIN_FAILURES):
        response = client.post("/login", data={"name": "李明", "password": "wrong", "csrf_token": token(page)})
        assert response.status_code == 401 and "用户名或密码不对" in response.get_data(as_text=True)
    response = client.post("/login", data={"name": "李明", "password": PASSWORD, "csrf_token": token(page)})
    assert response.status_code == 429 and "登录失败次数过多" in response.get_data(as_text=True)


def test_post_without_csrf_token__refused(app) -> None:
    client = app.test_client()
    client.get("/login")
    assert client.post("/login", data={"name": "李明", "password": PASSWORD}).status_code == 400


def test_passwords_kept_as_scrypt_hashes(office: Path, fast_password_hashes: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    from webapp import users

    monkeypatch.setattr(users, "PASSWORD_HASH", fast_password_hashes)  # the production cost
    add_user(users_path(office / "office.yaml"), "赵强", "inspector", PASSWORD)
    with sqlite3.connect(users_path(office / "office.yaml")) as connection:
        stored = dict(connection.execute("SELECT name, password FROM users"))
    assert all(value.startswith("scrypt:") and PASSWORD not in value for value in stored.values())
    assert stored["赵强"].startswith("scrypt:32768:8:1$")
    assert authenticate(users_path(office / "office.yaml"), "赵强", PASSWORD).role == "inspector"
    assert authenticate(users_path(office / "office.yaml"), "李明", PASSWORD).role == "inspector"
    assert authenticate(users_path(office / "office.yaml"), "李明", "nope") is None


def test_viewer__cannot_start_an_inspection(app) -> None:
    client = logged_in(app, "县局")
    home = client.get("/").get_data(as_text=True)
    assert "新建检查" not in home
    assert client.post("/inspections/new", data={"checklist": "dust_six_100pct", "csrf_token": token(home)}).status_code == 403


def test_draft_id_not_ours__not_found(app) -> None:
    client = logged_in(app)
    for draft_id in ("..%2F..%2Foffice", "x" * 32, "0" * 32):
        assert client.get(f"/inspections/{draft_id}").status_code == 404


def test_form__every_item_of_the_checklist_with_its_input(app, rules) -> None:
    client = logged_in(app)
    _, page = new_draft(client, "dust_six_100pct")
    checklist = rules.checklists["dust_six_100pct"]
    assert [m for m in re.findall(r'data-item="([^"]+)"', page)] == [item.id for item in checklist.items]
    assert 'name="answers.hoarding_height.value"' in page and 'inputmode="decimal"' in page
    assert 'type="radio" name="answers.hoarding_closed.value" value="是"' in page
    assert "围挡高度（米）（米）" not in page and "围挡高度（米）" in page  # the unit once, where the question already says it


def test_autosave__which_items_apply_follows_the_engine(app, rules) -> None:
    """Should tell, after each change, which items apply: a demolition site's wet-demolition
    item applies, a building site's does not, exactly as `when:` in the checklist says."""
    client = logged_in(app)
    draft_id, page = new_draft(client, "dust_six_100pct")
    csrf = token(page)

    def applies(site_type: str) -> dict:
        response = client.post(f"/inspections/{draft_id}/autosave", data={"site.type": site_type, "site.name": "工地"}, headers={"X-CSRFToken": csrf})
        assert response.status_code == 200
        return response.get_json()["applies"]

    demolition, building = applies("demolition"), applies("construction")
    changed = {item for item in demolition if demolition[item] != building[item]}
    assert "wet_demolition" in changed and demolition["wet_demolition"] is True and building["wet_demolition"] is False
    again = client.get(f"/inspections/{draft_id}").get_data(as_text=True)
    assert 'value="construction" selected' in again  # the draft was kept on the server
    assert re.search(r'data-item="wet_demolition" data-conditional hidden', again)


def test_submit__answers_file_checks_as_the_example_it_copies_and_twice_records_once(app, office: Path, rules) -> None:
    client = logged_in(app)
    draft_id, page = new_draft(client, "dust_six_100pct")
    example = EXAMPLES / "dust_six_100pct_noncompliant.yaml"
    fields = [*form_like(example), ("csrf_token", token(page))]
    response = client.post(f"/inspections/{draft_id}/submit", data=fields_to_multidict(fields))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    result_page = client.get(response.headers["Location"]).get_data(as_text=True)
    (written,) = list((office / "inspections").rglob("*.yaml"))
    got, want = check(written, rules), check(example, rules)
    assert (got.verdict, got.score, [f.item_id for f in got.findings]) == (want.verdict, want.score, [f.item_id for f in want.findings])
    assert "不合格" in result_page and f"发现的问题（{len(want.findings)} 项）" in result_page
    assert "请核对" not in result_page  # nothing to warn of
    again = client.post(f"/inspections/{draft_id}/submit", data=fields_to_multidict(fields))
    assert again.status_code == 302 and len(list((office / "inspections").rglob("*.yaml"))) == 1
    assert lantian("check", str(written)).exit_code == 1  # the CLI reads it as it is
    assert written.read_text(encoding="utf-8").startswith("# 由 lantian serve 的网页表单提交（李明 ")  # who submitted it
    # The office's batch takes the folder as it is: the drafts beside the answers are not answers.
    batch = lantian("batch", str(office / "inspections"), "-o", str(office / "out"), "--settings", str(office / "office.yaml"), "-j", "1")
    assert batch.exit_code == 1 and "检查答卷 1 份" in batch.stdout, batch.output


def test_submit__incomplete__problems_shown_at_their_items_nothing_written(app, office: Path) -> None:
    client = logged_in(app)
    draft_id, page = new_draft(client, "dust_six_100pct")
    response = client.post(f"/inspections/{draft_id}/submit", data={"csrf_token": token(page), "site.name": "工地", "site.type": "construction", "inspection.date": "2026-11-12", "inspection.inspectors": "李明、王芳", "answers.hoarding_height.value": "高"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert re.search(r'data-item="hoarding_height".*?class="error" role="alert">\[ANSWER_\d+\]', text, re.S)
    assert not (office / "inspections").exists() or not list((office / "inspections").rglob("*.yaml"))


def test_submit__one_inspector__the_result_page_asks_to_check_it_as_lantian_check_warns(app, office: Path) -> None:
    """Should show on the result page what `lantian check` warns of the submitted answers
    (here one inspector), in its words, and still take the inspection."""
    client = logged_in(app)
    draft_id, page = new_draft(client, "dust_six_100pct")
    fields = [(key, "李明" if key == "inspection.inspectors" else value) for key, value in form_like(ONE_FINDING) if key != "inspection.credentials"]
    response = client.post(f"/inspections/{draft_id}/submit", data=fields_to_multidict([*fields, ("csrf_token", token(page))]))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    result_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "请核对" in result_page and "只填写了 1 名检查人员 — 现场检查应由不少于两名执法人员进行" in result_page
    assert not re.search(r"LEGAL_|_legal\.yaml", result_page)  # what is the office's to settle is not shown here
    assert len(list((office / "inspections").rglob("*.yaml"))) == 1


def test_office__issuing_says_once_what_lantian_notice_warns_of(app, office: Path) -> None:
    """Should show the office, on the page it comes back to after issuing, what `lantian
    notice` warns of when it makes the documents (here one inspector), with the site; once."""
    inspector = logged_in(app)
    draft_id, page = new_draft(inspector, "dust_six_100pct")
    fields = [(key, "李明" if key == "inspection.inspectors" else value) for key, value in form_like(ONE_FINDING) if key != "inspection.credentials"]
    assert inspector.post(f"/inspections/{draft_id}/submit", data=fields_to_multidict([*fields, ("csrf_token", token(page))])).status_code == 302
    clerk = logged_in(app, "王芳")
    listing = clerk.get("/office").get_data(as_text=True)
    stem = re.search(r'name="inspection" value="([^"]+)"', listing).group(1)
    site = load_source(next((office / "inspections").rglob("*.yaml"))).data["site"]["name"]
    response = clerk.post("/office/issue", data={"inspection": stem, "csrf_token": token(listing)})
    assert response.status_code == 302
    shown = clerk.get(response.headers["Location"]).get_data(as_text=True)
    assert "已出具，请核对" in shown and f"{site}：[ANSWER_008] 只填写了 1 名检查人员" in shown
    assert "已出具，请核对" not in clerk.get("/office").get_data(as_text=True)


@pytest.mark.parametrize("damage", ["not_a_database", "a_folder"])
def test_users_file_damaged__user_002_from_the_command_and_the_log_in_page(tmp_path: Path, rules, damage: str) -> None:
    """Should say USER_002 at the users file, with why, when it is no database or a folder
    stands in its place: exit 2 from `lantian users add`, a page (not a server error) at log-in."""
    root = office_folder(tmp_path / "o")
    users = users_path(root / "office.yaml")
    if damage == "a_folder":
        users.mkdir()
    else:
        users.write_bytes(b"not a database, " * 100)
    kept = users.read_bytes() if users.is_file() else None
    added = lantian("users", "add", "赵六", "--settings", str(root / "office.yaml"), "--password", PASSWORD)
    assert added.exit_code == 2 and added.stderr.startswith(f"{users}: [USER_002] 网页版的用户文件不能读写："), added.output
    assert ("不是用户文件" if damage == "not_a_database" else "不是普通文件") in added.stderr
    client = create_app(root / "office.yaml", rules, root / "inspections").test_client()
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"name": "赵六", "password": PASSWORD, "csrf_token": token(page)})
    assert response.status_code == 422 and "USER_002" in response.get_data(as_text=True)
    assert (users.read_bytes() if users.is_file() else None) == kept  # left as it was, for whoever restores it


@pytest.mark.parametrize("users_file", ["none", "empty"])
def test_serve__no_users_yet__user_003_and_not_started(tmp_path: Path, users_file: str) -> None:
    """Should refuse to start a web app no one can log in to, saying how to add the first user:
    with no users file, or an empty one (a first `users add` that failed on a full disk)."""
    root = office_folder(tmp_path / "o")
    if users_file == "empty":
        users_path(root / "office.yaml").write_bytes(b"")
    result = lantian("serve", "--settings", str(root / "office.yaml"), "--port", "1")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{users_path(root / 'office.yaml')}: [USER_003] 网页版还没有用户，没有人能登录 — 先运行 lantian users add 用户名 --role office --settings {root / 'office.yaml'}")


def test_users_file_locked_by_another_writer__user_002_says_so_and_to_try_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should say, when another program holds the users file for writing past the wait, that
    it is busy and to try again, not that it is damaged; and change nothing."""
    import sqlite3

    import webapp.users

    monkeypatch.setattr(webapp.users, "BUSY_SECONDS", 0.2)
    root = office_folder(tmp_path / "o")
    users = users_path(root / "office.yaml")
    assert lantian("users", "add", "赵六", "--role", "office", "--settings", str(root / "office.yaml"), "--password", PASSWORD).exit_code == 0
    holder = sqlite3.connect(users, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        added = lantian("users", "add", "钱七", "--settings", str(root / "office.yaml"), "--password", PASSWORD)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert added.exit_code == 2 and "[USER_002] 网页版的用户文件不能读写：另一个程序一直在写它" in added.stderr and "稍等再试一次" in added.stderr
    assert [user.name for user in webapp.users.all_users(users)] == ["赵六"]


def test_refused_requests__said_in_chinese_on_a_page_or_in_json(app) -> None:
    """Should say in words why a request is refused (no right to the page, no such page, a
    page opened the wrong way), with the way back, instead of the framework's English page;
    in JSON to the form's script."""
    inspector = logged_in(app)
    for path, method, status, said in (
        ("/office", "get", 403, "你的账号没有用这个页面的权限"),
        ("/no/such/page", "get", 404, "没有这个页面"),
        ("/office/issue", "get", 405, "这个页面不能这样打开"),
    ):
        response = getattr(inspector, method)(path)
        text = response.get_data(as_text=True)
        assert response.status_code == status and "<h1>打不开这个页面</h1>" in text and said in text and "返回" in text, (path, text[:500])
        assert not any(word in text for word in ("Forbidden", "Not Found", "Method Not Allowed", "requested URL"))
    assert "还没有在网页上提交的检查" in logged_in(app, "王芳").get("/office").get_data(as_text=True)
    scripted = inspector.get("/no/such/page", headers={"Accept": "application/json"})
    assert scripted.status_code == 404 and scripted.get_json()["error"].startswith("没有这个页面")


def test_users_add__cli_hashes_and_refuses_a_duplicate(tmp_path: Path) -> None:
    root = office_folder(tmp_path / "o")
    settings = str(root / "office.yaml")
    assert lantian("users", "add", "赵六", "--role", "office", "--settings", settings, "--password", PASSWORD).exit_code == 0
    again = lantian("users", "add", "赵六", "--settings", settings, "--password", PASSWORD)
    users = users_path(root / "office.yaml")
    assert again.exit_code == 2 and again.stderr.startswith(f"{users}: [USER_001] 网页版用户：用户 赵六 已存在 — 要改这个用户的角色或密码，用 lantian users add --replace")
    short = lantian("users", "add", "钱七", "--settings", settings, "--password", "short")
    assert short.exit_code == 2 and "[USER_001] 网页版用户：密码至少 8 个字符" in short.stderr and "命令写法有误" not in short.stderr
    assert authenticate(users, "赵六", PASSWORD).role == "office" and authenticate(users, "钱七", "short") is None
    # An existing name is refused before the password is asked for (twice, in vain).
    asked = lantian("users", "add", "赵六", "--settings", settings)
    assert asked.exit_code == 2 and "[USER_001] 网页版用户：用户 赵六 已存在" in asked.stderr and "密码:" not in asked.output
    # Two different entries are said in Chinese and asked for again.
    from click.testing import CliRunner

    import cli

    typed = CliRunner().invoke(cli.cli, ["users", "add", "孙八", "--settings", settings], input=f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n")
    assert typed.exit_code == 0 and "两次输入的密码不一样，请重新输入。" in typed.stderr and "do not match" not in typed.output
    assert authenticate(users, "孙八", PASSWORD) is not None


def fields_to_multidict(fields):
    from werkzeug.datastructures import MultiDict

    return MultiDict(fields)


def _jpeg(size: tuple[int, int] = (400, 300), *, orientation: int | None = None) -> bytes:
    import io

    from PIL import Image

    image = Image.new("RGB", size, (120, 160, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make: the device, which must not travel on
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_photo__reencoded_upright_without_the_phone_s_metadata_with_time_and_place(app, office: Path) -> None:
    import io

    from PIL import Image

    from engine.photos import photo_facts

    client = logged_in(app)
    draft_id, page = new_draft(client, "dust_six_100pct")
    response = client.post(
        f"/inspections/{draft_id}/photos",
        data={"item": "hoarding_closed", "latitude": "34.75", "longitude": "113.62", "accuracy": "12.4", "photo": (io.BytesIO(_jpeg(orientation=6)), "../../../etc/passwd.jpg")},
        headers={"X-CSRFToken": token(page)},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    name = response.get_json()["name"]
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", name)  # chosen by the server, not the client
    stored = client.get(response.get_json()["url"]).data
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and image.size == (300, 400)  # turned upright by its tag
        assert 0x010F not in image.getexif() and 0x0112 not in image.getexif()
    saved = next(office.rglob(name))
    facts = photo_facts(saved)
    assert facts.taken is not None and abs(facts.latitude - 34.75) < 1e-3 and abs(facts.longitude - 113.62) < 1e-3
    assert facts.accuracy == 12.4  # the phone's estimate, in metres, kept with the position


def test_photo__not_an_image_or_wrong_item_refused_with_a_message(app) -> None:
    import io

    client = logged_in(app)
    draft_id, page = new_draft(client, "dust_six_100pct")
    csrf = {"X-CSRFToken": token(page)}
    refused = client.post(f"/inspections/{draft_id}/photos", data={"item": "hoarding_closed", "photo": (io.BytesIO(b"%PDF-1.4 not a photo"), "a.jpg")}, headers=csrf)
    assert refused.status_code == 400 and refused.get_json()["code"] == "UPLOAD_001"
    assert refused.get_json()["error"] == "照片不能用：不是照片，或照片过大 — 请用手机相机重新拍一张（JPEG），或选一张原始照片"
    assert client.post(f"/inspections/{draft_id}/photos", data={"item": "no_such_item", "photo": (io.BytesIO(_jpeg()), "a.jpg")}, headers=csrf).status_code == 400
    from werkzeug.test import EnvironBuilder

    # Built by hand to close it: Werkzeug spools a body this large to a temporary file.
    builder = EnvironBuilder(path=f"/inspections/{draft_id}/photos", method="POST", data={"item": "hoarding_closed", "photo": (io.BytesIO(b"0" * (17 * 1024 * 1024)), "a.jpg")}, headers=csrf)
    environ = builder.get_environ()
    try:
        too_big = client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()
    assert too_big.status_code == 413
    assert client.get(f"/inspections/{draft_id}/photos/..%2F..%2Foffice.yaml").status_code == 404


def test_photo__submitted_beside_the_answers_file_and_in_the_record(app, office: Path, rules, tmp_path: Path) -> None:
    import io

    client = logged_in(app)
    draft_id, page = new_draft(client, "dust_six_100pct")
    csrf = token(page)
    located = {"latitude": "34.75847", "longitude": "113.62007", "accuracy": "8"}
    client.post(f"/inspections/{draft_id}/photos", data={"item": "hoarding_closed", **located, "photo": (io.BytesIO(_jpeg()), "p.jpg")}, headers={"X-CSRFToken": csrf})
    fields = [*form_like(ONE_FINDING), ("csrf_token", csrf)]
    assert client.post(f"/inspections/{draft_id}/submit", data=fields_to_multidict(fields)).status_code == 302
    (written,) = list((office / "inspections").rglob("*.yaml"))
    document = load_source(written).data
    (photo,) = document["answers"]["hoarding_closed"]["photos"]
    assert (written.parent / photo).is_file() and photo.startswith("photos/")
    result = lantian("notice", str(written), "-o", str(tmp_path / "out"), "--settings", str(office / "office.yaml"))
    assert result.exit_code == 1, result.output

    record = next((tmp_path / "out").glob("*.检查记录.pdf"))
    assert "照片1" in pdf_text(record) and "北纬34.75847°，东经113.62007°（误差约8米）" in pdf_text(record)  # where, and how sure


def test_new_inspection__starts_now_and_ends_when_submitted(app, office: Path) -> None:
    client = logged_in(app)
    before = dt.datetime.now().replace(second=0, microsecond=0)
    draft_id, page = new_draft(client, "straw_ban")
    start = re.search(r'name="inspection.start_time" value="(\d\d:\d\d)"', page).group(1)
    assert dt.datetime.combine(before.date(), dt.time.fromisoformat(start)) >= before - dt.timedelta(minutes=1)
    fields = [(k, v) for k, v in form_like(EXAMPLES / "straw_ban_noncompliant.yaml") if not k.endswith(("start_time", "end_time"))]
    fields += [("csrf_token", token(page)), ("inspection.start_time", start)]
    assert client.post(f"/inspections/{draft_id}/submit", data=fields_to_multidict(fields)).status_code == 302
    (written,) = list((office / "inspections").rglob("*.yaml"))
    inspection = load_source(written).data["inspection"]
    assert inspection["start_time"] == start and re.fullmatch(r"\d\d:\d\d", str(inspection["end_time"]))


def _png(size: tuple[int, int] = (600, 220)) -> bytes:
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(20, 150), (200, 40), (400, 180), (580, 60)], fill=(0, 0, 0, 255), width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_signatures__drawn_on_the_phone_printed_in_the_record_s_signature_boxes(app, office: Path, tmp_path: Path) -> None:
    import io

    from pypdf import PdfReader

    from pdf_geometry import image_boxes

    client = logged_in(app)
    draft_id, page = new_draft(client, "dust_six_100pct")
    csrf = {"X-CSRFToken": token(page)}
    assert 'data-signer="party"' in page
    for signer in ("inspector-0", "inspector-1", "party"):
        response = client.post(f"/inspections/{draft_id}/signatures", data={"signer": signer, "image": (io.BytesIO(_png()), "s.png")}, headers=csrf)
        assert response.status_code == 200, response.get_data(as_text=True)
    refused = client.post(f"/inspections/{draft_id}/signatures", data={"signer": "party", "image": (io.BytesIO(_jpeg()), "s.png")}, headers=csrf)
    assert refused.status_code == 400 and refused.get_json()["code"] == "UPLOAD_001" and refused.get_json()["error"].startswith("签名不能用：签名须为 PNG 图片 — ")
    assert client.post(f"/inspections/{draft_id}/signatures", data={"signer": "../x", "image": (io.BytesIO(_png()), "s.png")}, headers=csrf).status_code == 400
    fields = [*form_like(ONE_FINDING), ("csrf_token", token(page))]
    assert client.post(f"/inspections/{draft_id}/submit", data=fields_to_multidict(fields)).status_code == 302
    (written,) = list((office / "inspections").rglob("*.yaml"))
    signatures = load_source(written).data["inspection"]["signatures"]
    assert signatures["party"].startswith("signatures/") and all((written.parent / path).is_file() for path in [*signatures["inspectors"], signatures["party"]])
    assert lantian("notice", str(written), "-o", str(tmp_path / "out"), "--settings", str(office / "office.yaml")).exit_code == 1
    record = next((tmp_path / "out").glob("*.检查记录.pdf"))
    reader = PdfReader(str(record))
    last = next(n for n, p in enumerate(reader.pages) if "被检查单位意见" in p.extract_text())
    assert len(image_boxes(record, last)) == 3  # two inspectors and the party


def test_two_photos_at_once__both_kept(app, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should keep both photos sent at the same moment for two items: each change to a draft
    waits for the one before it, instead of writing back a draft without the other photo."""
    import io
    import threading
    import time

    import webapp
    from webapp.photos import reencode

    def slow(*args):
        time.sleep(0.1)
        return reencode(*args)

    monkeypatch.setattr(webapp, "reencode", slow)
    client = logged_in(app)
    draft_id, page = new_draft(client, "dust_six_100pct")
    cookie = client.get_cookie("session").value
    codes = []

    def send(item: str) -> None:
        other = app.test_client()
        other.set_cookie("session", cookie)
        response = other.post(f"/inspections/{draft_id}/photos", data={"item": item, "photo": (io.BytesIO(_jpeg()), "p.jpg")}, headers={"X-CSRFToken": token(page)})
        codes.append(response.status_code)

    threads = [threading.Thread(target=send, args=(item,)) for item in ("hoarding_closed", "wash_in_use")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [200, 200]
    again = client.get(f"/inspections/{draft_id}").get_data(as_text=True)
    assert again.count("<figure data-name=") == 2


def test_form_open_for_hours__autosave_still_taken(app, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should take an autosave three hours after the form was opened (a morning on a site)."""
    import time

    import itsdangerous.timed

    client = logged_in(app)
    draft_id, page = new_draft(client, "straw_ban")
    later = time.time() + 3 * 3600
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    response = client.post(f"/inspections/{draft_id}/autosave", data={"site.name": "村"}, headers={"X-CSRFToken": token(page)})
    assert response.status_code == 200 and response.get_json()["saved"]


def test_answers_yaml__text_that_looks_like_a_number_stays_text() -> None:
    from engine.source import load_source
    from webapp.form import answers_yaml

    site = {"credit_code": "9133010012345E6789", "phone": "1e3", "name": "true", "village": "null", "contact": "0371"}
    assert load_source(answers_yaml({"site": site}), "x.yaml").data["site"] == site


def test_not_applicable__for_a_date_item(app, office: Path, rules) -> None:
    client = logged_in(app)
    draft_id, page = new_draft(client, "dust_six_100pct")
    assert 'name="answers.wash_log_date.na"' in page
    fields = [(k, v) for k, v in form_like(EXAMPLES / "dust_six_100pct_noncompliant.yaml") if not k.startswith("answers.wash_log_date")]
    fields += [("answers.wash_log_date.na", "1"), ("csrf_token", token(page))]
    assert client.post(f"/inspections/{draft_id}/submit", data=fields_to_multidict(fields)).status_code == 302
    (written,) = list((office / "inspections").rglob("*.yaml"))
    (item,) = [i for i in check(written, rules).items if i.item_id == "wash_log_date"]
    assert item.status == "not_applicable"


def test_made_a_viewer_while_logged_in__writes_nothing_more(app, office: Path) -> None:
    client = logged_in(app)
    draft_id, page = new_draft(client, "straw_ban")
    set_role(users_path(office / "office.yaml"), "李明", "viewer")  # the same password: still logged in
    assert client.post(f"/inspections/{draft_id}/autosave", data={"site.name": "村"}, headers={"X-CSRFToken": token(page)}).status_code == 403


def test_log_in_lockout__one_name_guessed_does_not_lock_out_the_others(app) -> None:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    for _ in range(LOGIN_FAILURES + 1):
        client.post("/login", data={"name": "李明", "password": "wrong", "csrf_token": token(page)})
    assert client.post("/login", data={"name": "王芳", "password": PASSWORD, "csrf_token": token(page)}).status_code == 302


def test_result__answers_file_moved_at_the_office__says_so(app, office: Path) -> None:
    client = logged_in(app)
    draft_id, page = new_draft(client, "straw_ban")
    fields = [*form_like(EXAMPLES / "straw_ban_noncompliant.yaml"), ("csrf_token", token(page))]
    location = client.post(f"/inspections/{draft_id}/submit", data=fields_to_multidict(fields)).headers["Location"]
    (written,) = list((office / "inspections").rglob("*.yaml"))
    written.rename(office / "moved.yaml")
    response = client.get(location)
    assert response.status_code == 410 and "读不到" in response.get_data(as_text=True) and "IO_001" in response.get_data(as_text=True)


def test_office_list__answers_file_changed_at_the_office__checked_again(app, office: Path) -> None:
    """Should show each submitted inspection's site and verdict, and check a file again once it
    has changed (the list is kept between visits): a file broken at the office says so."""
    inspector = logged_in(app)
    draft_id, page = new_draft(inspector, "dust_six_100pct")
    fields = [*form_like(EXAMPLES / "dust_six_100pct_noncompliant.yaml"), ("csrf_token", token(page))]
    assert inspector.post(f"/inspections/{draft_id}/submit", data=fields_to_multidict(fields)).status_code == 302
    clerk = logged_in(app, "王芳")
    listing = clerk.get("/office").get_data(as_text=True)
    assert "· 不合格" in listing and "答卷有误" not in listing
    (written,) = list((office / "inspections").rglob("*.yaml"))
    written.write_text(written.read_text(encoding="utf-8").replace("checklist: dust_six_100pct", "checklist: no_such_list"), encoding="utf-8")
    listing = clerk.get("/office").get_data(as_text=True)
    assert "· 答卷有误" in listing and "· 不合格" not in listing
    written.unlink()
    assert "答卷有误" not in clerk.get("/office").get_data(as_text=True)  # no longer a submitted inspection


def test_office__issues_a_submitted_inspection_once_and_downloads_its_documents(app, office: Path) -> None:
    """Should let the office record a submitted inspection in the ledger and write its notice
    and record with one click, a second click recording nothing again; and refuse inspectors."""

    from engine.ledger import findings

    inspector = logged_in(app)
    draft_id, page = new_draft(inspector, "dust_six_100pct")
    fields = [*form_like(ONE_FINDING), ("csrf_token", token(page))]
    assert inspector.post(f"/inspections/{draft_id}/submit", data=fields_to_multidict(fields)).status_code == 302
    assert inspector.get("/office").status_code == 403
    assert "用 lantian batch 处理的检查登记在台账中" in logged_in(app, "王芳").get("/office").get_data(as_text=True)  # where the others are
    clerk = logged_in(app, "王芳")
    listing = clerk.get("/office").get_data(as_text=True)
    stem = re.search(r'name="inspection" value="([^"]+)"', listing).group(1)
    for _ in range(2):
        response = clerk.post("/office/issue", data={"inspection": stem, "csrf_token": token(listing)})
        assert response.status_code == 302, response.get_data(as_text=True)
    rows = findings(office / "office.ledger.sqlite")
    assert len(rows) == 1 and len({row.inspection_id for row in rows}) == 1  # recorded once
    import sqlite3

    with sqlite3.connect(office / "office.ledger.sqlite") as connection:
        assert connection.execute("SELECT recorded_by FROM inspections").fetchall() == [("王芳",)]  # who issued it
    connection.close()
    issued = clerk.get("/office").get_data(as_text=True)
    assert "，王芳）" in issued and "已出具，请核对" not in issued  # nothing to warn of
    (answers,) = list((office / "inspections").rglob("*.yaml"))
    checked = lantian("verify", str(answers), "--ledger", str(office / "office.ledger.sqlite"))
    assert checked.exit_code == 0 and "王芳 登记" in checked.stdout
    listing = clerk.get("/office").get_data(as_text=True)
    names = re.findall(r'/office/documents/[^"]+/(\d+)">([^<]+)</a>', listing)
    # The inspection's own documents; the rectification list is the office's, on /office/lists.
    assert sorted(name for _, name in names) == sorted(["责令整改通知书（PDF）", "现场检查记录（PDF）"])
    assert not list((office / "documents").rglob("整改清单.*"))
    index = next(i for i, name in names if name.startswith("责令整改通知书"))
    pdf = clerk.get(f"/office/documents/{stem}/{index}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")

    assert "XX镇环〔2026〕1号" in pdf_text(pdf.data)
    assert clerk.get(f"/office/documents/{stem}/99").status_code == 404
    assert clerk.post("/office/issue", data={"inspection": "../office", "csrf_token": token(listing)}).status_code == 404


def test_office__lists_and_summary_downloaded_from_the_ledger(app, office: Path) -> None:
    """Should give the office the rectification list and the overdue list (PDF and XLSX) and the
    campaign summary (PDF and XLSX) from the ledger, as the CLI writes them; nothing to inspectors."""
    import io

    from openpyxl import load_workbook

    inspector = logged_in(app)
    draft_id, page = new_draft(inspector, "dust_six_100pct")
    fields = [*form_like(ONE_FINDING), ("csrf_token", token(page))]
    inspector.post(f"/inspections/{draft_id}/submit", data=fields_to_multidict(fields))
    assert inspector.get("/office/lists").status_code == 403
    clerk = logged_in(app, "王芳")
    listing = clerk.get("/office").get_data(as_text=True)
    stem = re.search(r'name="inspection" value="([^"]+)"', listing).group(1)
    clerk.post("/office/issue", data={"inspection": stem, "csrf_token": token(listing)})
    assert "逾期未销号清单" in clerk.get("/office/lists").get_data(as_text=True)
    sheet = load_workbook(io.BytesIO(clerk.get("/office/lists/file?list=unclosed&format=xlsx&as_of=2026-11-20").data)).active
    assert sheet.title == "整改清单" and sheet.max_row == 2  # the header and the finding
    overdue = clerk.get("/office/lists/file?list=overdue&format=pdf&as_of=2026-12-31")
    assert overdue.status_code == 200 and "逾期未销号清单" in pdf_text(overdue.data)
    summary = clerk.get("/office/report?from=2026-11-01&to=2026-11-30")
    from urllib.parse import quote

    assert summary.status_code == 200 and quote("整治情况汇总_2026-11-01_2026-11-30.pdf") in summary.headers["Content-Disposition"]
    assert "XX镇人民政府" in pdf_text(summary.data)
    assert clerk.get("/office/lists/file?list=../x&format=pdf").status_code == 400
    assert clerk.get("/office/report?from=2026-12-01&to=2026-11-01").status_code == 400
    figures = clerk.get("/office/report?from=2026-11-01&to=2026-11-30&format=xlsx")
    assert figures.status_code == 200 and quote("整治情况汇总_2026-11-01_2026-11-30.xlsx") in figures.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(figures.data))
    assert book.sheetnames == ["整治情况汇总", "尚未销号的问题"] and book["尚未销号的问题"].max_row == 2  # the header and the finding
    assert clerk.get("/office/report?format=docx").status_code == 400


def test_office__closes_a_finding_at_the_desk_with_evidence_recorded_as_the_clerk(app, office: Path) -> None:
    import io
    import sqlite3

    from engine.ledger import findings

    inspector = logged_in(app)
    draft_id, page = new_draft(inspector, "dust_six_100pct")
    fields = [*form_like(ONE_FINDING), ("csrf_token", token(page))]
    inspector.post(f"/inspections/{draft_id}/submit", data=fields_to_multidict(fields))
    clerk = logged_in(app, "王芳")
    listing = clerk.get("/office").get_data(as_text=True)
    clerk.post("/office/issue", data={"inspection": re.search(r'name="inspection" value="([^"]+)"', listing).group(1), "csrf_token": token(listing)})
    assert inspector.get("/office/findings").status_code == 403
    page = clerk.get("/office/findings").get_data(as_text=True)
    assert "未销号的问题（1 个）" in page
    first = int(re.search(r"/office/findings/(\d+)/close", page).group(1))
    csrf = token(page)
    bogus = clerk.post(f"/office/findings/{first}/close", data={"on": "2026-11-20", "reason": "已整改", "csrf_token": csrf, "evidence": (io.BytesIO(b"MZ not a photo"), "x.exe")})
    assert bogus.status_code == 400 and "只收照片" in bogus.get_data(as_text=True)
    silent = clerk.post(f"/office/findings/{first}/close", data={"on": "2026-11-20", "reason": " ", "csrf_token": csrf})
    assert silent.status_code == 422 and "LEDGER_008" in silent.get_data(as_text=True)
    early = clerk.post(f"/office/findings/{first}/close", data={"on": "2026-11-01", "reason": "已整改", "csrf_token": csrf, "evidence": (io.BytesIO(_png()), "proof.png")})
    assert early.status_code == 422 and not list((office / "evidence").glob("*"))  # refused: its evidence not kept
    closed = clerk.post(f"/office/findings/{first}/close", data={"on": "2026-11-20", "reason": "围挡已封闭，见照片", "csrf_token": csrf, "evidence": (io.BytesIO(_png()), "proof.png")})
    assert closed.status_code == 302, closed.get_data(as_text=True)
    (row,) = [r for r in findings(office / "office.ledger.sqlite") if r.finding_id == first]
    assert row.status == "closed" and row.closed_on == dt.date(2026, 11, 20)
    with sqlite3.connect(office / "office.ledger.sqlite") as connection:
        actor, sha = connection.execute("SELECT actor, evidence_sha256 FROM events WHERE finding_id = ? AND status = 'closed'", (first,)).fetchone()
    assert actor == "王芳" and len(sha) == 64
    assert "未销号的问题（0 个）" in clerk.get("/office/findings").get_data(as_text=True)


def test_follow_up__prefilled_from_the_inspection_it_follows_and_recorded_as_its_re_inspection(app, office: Path, rules) -> None:
    """Should start a re-inspection with the site, the inspectors and `follows` naming the
    inspection it follows (its own id, given at submission), every item to check again; the
    office's ledger then closes what the re-inspection found put right."""
    from engine.ledger import findings

    client = logged_in(app)
    draft_id, page = new_draft(client, "dust_six_100pct")
    fields = [*form_like(EXAMPLES / "dust_six_100pct_noncompliant.yaml"), ("csrf_token", token(page))]
    result = client.post(f"/inspections/{draft_id}/submit", data=fields_to_multidict(fields)).headers["Location"]
    result_page = client.get(result).get_data(as_text=True)
    (first,) = list((office / "inspections").rglob("*.yaml"))
    first_id = load_source(first).data["inspection"]["id"]
    assert first_id == f"2026-11-12-{draft_id[:8]}"
    location = client.post(f"/inspections/{draft_id}/follow-up", data={"csrf_token": token(result_page)}).headers["Location"]
    again = client.get(location).get_data(as_text=True)
    assert f'name="inspection.follows" value="{first_id}"' in again and 'name="site.name" value="XX村旧厂房拆除工程"' in again
    assert not re.search(r'name="answers\.[^"]+" value="[^"]+" checked', again)  # every item to check again
    follow_id = location.rsplit("/", 1)[1]
    clean = [(k, v) for k, v in form_like(EXAMPLES / "dust_six_100pct_compliant.yaml") if k.startswith("answers.") and not k.startswith("answers.wash_log_date")]
    # This site is a demolition with idle land, and its log is kept to the day before.
    clean += [("answers.wet_demolition.value", "是"), ("answers.idle_land_covered.value", "是"), ("answers.wash_log_date.value", "2026-11-24")]
    site = [(k, v) for k, v in fields if k.startswith("site.")]
    data = [*site, *clean, ("inspection.date", "2026-11-25"), ("inspection.inspectors", "李明、孙强"), ("inspection.follows", first_id), ("csrf_token", token(again))]
    assert client.post(f"/inspections/{follow_id}/submit", data=fields_to_multidict(data)).status_code == 302
    clerk = logged_in(app, "王芳")
    listing = clerk.get("/office").get_data(as_text=True)
    for stem in sorted(re.findall(r'name="inspection" value="([^"]+)"', listing), key=lambda s: s[:10]):
        assert clerk.post("/office/issue", data={"inspection": stem, "csrf_token": token(listing)}).status_code == 302
    rows = findings(office / "office.ledger.sqlite")
    assert rows and all(row.status == "closed" for row in rows)  # every problem put right by the 25th


def _recorded(office: Path, *examples: str) -> None:
    """The examples recorded in the office's ledger, as `lantian batch` records them."""
    import shutil

    from helpers import record

    inbox = office / "inbox"
    inbox.mkdir()
    for name in examples:
        shutil.copy(EXAMPLES / name, inbox / name)
    assert len(record(inbox, office / "office.yaml").recorded) == len(examples)


def test_viewer__reads_the_office_s_pages_and_downloads_changes_nothing(app, office: Path) -> None:
    """Should let a viewer (the county) see the submitted inspections, the open findings and the
    lists, and download them, with no button that writes; and refuse every write."""
    _recorded(office, "dust_six_100pct_noncompliant.yaml")
    viewer = logged_in(app, "县局")
    home = viewer.get("/").get_data(as_text=True)
    assert "只读" in home and 'href="/office/findings"' in home and "新建检查" not in home and "我的检查" not in home
    findings_page = viewer.get("/office/findings").get_data(as_text=True)
    assert "未销号的问题（12 个）" in findings_page and "书面销号" not in findings_page and "/close" not in findings_page
    listing = viewer.get("/office")
    assert listing.status_code == 200 and "登记并出具" not in listing.get_data(as_text=True)
    assert viewer.get("/office/lists").status_code == 200
    sheet = viewer.get("/office/lists/file?list=unclosed&format=xlsx&as_of=2026-12-31")
    assert sheet.status_code == 200 and sheet.data.startswith(b"PK")
    page = viewer.get("/login").get_data(as_text=True)  # a token of this session
    assert viewer.post("/office/issue", data={"inspection": "x_0123abcd", "csrf_token": token(page)}).status_code == 403
    assert viewer.post("/office/findings/1/close", data={"on": "2026-12-01", "reason": "已整改", "csrf_token": token(page)}).status_code == 403
    from engine.ledger import findings

    assert all(row.status == "open" for row in findings(office / "office.ledger.sqlite"))


def test_findings__narrowed_to_a_village_a_site_or_the_overdue(app, office: Path) -> None:
    """Should list only the open findings of the chosen village or site, or only the overdue
    ones, with the villages and sites to choose from taken from what is open."""
    _recorded(office, "dust_six_100pct_noncompliant.yaml", "diesel_nonroad_noncompliant.yaml")
    clerk = logged_in(app, "王芳")
    everything = clerk.get("/office/findings").get_data(as_text=True)
    total = int(re.search(r"未销号的问题（(\d+) 个）", everything).group(1))
    assert '<option value="XX村">' in everything and '<option value="XX社区">' in everything
    in_village = clerk.get("/office/findings?village=XX社区").get_data(as_text=True)
    shown = int(re.search(r"未销号的问题（(\d+) 个）", in_village).group(1))
    assert 0 < shown < total and " XX村 · " not in in_village and '<option value="XX社区" selected>' in in_village
    site = load_source(EXAMPLES / "dust_six_100pct_noncompliant.yaml").data["site"]["name"]
    at_site = clerk.get("/office/findings", query_string={"site": site}).get_data(as_text=True)
    assert int(re.search(r"未销号的问题（(\d+) 个）", at_site).group(1)) == total - shown
    from engine.ledger import findings

    late = sum(1 for row in findings(office / "office.ledger.sqlite") if row.overdue_days(dt.date.today()) > 0)
    assert int(re.search(r"未销号的问题（(\d+) 个）", clerk.get("/office/findings?overdue=1").get_data(as_text=True)).group(1)) == late


def test_users__managed_by_the_office_a_changed_password_ends_the_user_s_sessions(app, office: Path) -> None:
    """Should let the office add a user, change a role and a password and remove a user from the
    browser; a new password or a removal ends that user's sessions at once; the last office user
    can be neither demoted nor removed; and no one else may manage users."""
    inspector = logged_in(app)
    assert inspector.get("/office/users").status_code == 403
    clerk = logged_in(app, "王芳")
    page = clerk.get("/office/users").get_data(as_text=True)
    assert "李明" in page and "县局" in page and "用户（3 个）" in page

    def change(**fields: str):
        return clerk.post("/office/users", data={**fields, "csrf_token": token(page)})

    assert change(action="add", name="赵强", role="inspector", password="short").status_code == 400  # too short: said on the page
    assert "密码至少 8 个字符" in change(action="add", name="赵强", role="inspector", password="short").get_data(as_text=True)
    assert change(action="add", name="赵强", role="inspector", password="another horse").status_code == 302
    assert authenticate(users_path(office / "office.yaml"), "赵强", "another horse").role == "inspector"
    assert change(action="role", name="赵强", role="viewer").status_code == 302
    assert authenticate(users_path(office / "office.yaml"), "赵强", "another horse").role == "viewer"

    assert inspector.get("/").status_code == 200
    assert change(action="password", name="李明", password="a new horse").status_code == 302
    assert inspector.get("/").headers["Location"].startswith("/login")  # logged out on the phone
    assert logged_in(app, "李明", "a new horse").get("/").status_code == 200

    refused = change(action="role", name="王芳", role="viewer")
    assert refused.status_code == 400 and "至少要留一个镇环保办" in refused.get_data(as_text=True)
    assert change(action="remove", name="王芳").status_code == 400
    removed = logged_in(app, "赵强", "another horse")
    assert change(action="role", name="赵强", role="inspector").status_code == 302
    old_draft, _ = new_draft(removed, "straw_ban")
    assert change(action="remove", name="赵强").status_code == 302 and "<strong>赵强</strong>" not in clerk.get("/office/users").get_data(as_text=True)
    assert removed.get("/").headers["Location"].startswith("/login")
    # Someone else added later under the same name does not get the removed user's drafts.
    assert change(action="add", name="赵强", role="inspector", password="a third horse").status_code == 302
    newcomer = logged_in(app, "赵强", "a third horse")
    assert newcomer.get(f"/inspections/{old_draft}").status_code == 404 and old_draft not in newcomer.get("/").get_data(as_text=True)
    assert list((office / "inspections" / ".drafts").glob(f"removed-*/{old_draft}.json"))  # kept aside, not deleted
    # A new password of one's own keeps this session (and ends the others).
    assert change(action="password", name="王芳", password="the clerk's horse").status_code == 302
    assert clerk.get("/office/users").status_code == 200
    assert change(action="remove", name="没有这个人").status_code == 400
    assert change(action="promote", name="李明").status_code == 400
    # Each change is recorded with who made it, newest first; the refused ones are not.
    listed = clerk.get("/office/users").get_data(as_text=True)
    assert "最近的修改" not in listed[: listed.index("<main>")]  # in the page, not in its title
    said = re.findall(r"<li><small>\S+ \S+ (.+?)</small></li>", listed[listed.index('<ul class="list changes">') :])
    assert said[:7] == [
        "王芳 改密码用户 王芳",
        "王芳 添加用户 赵强（检查人员）",
        "王芳 删除用户 赵强",
        "王芳 改角色用户 赵强（检查人员）",
        "王芳 改密码用户 李明",
        "王芳 改角色用户 赵强（只读）",
        "王芳 添加用户 赵强（检查人员）",
    ]
    assert said[-1] == "命令行 添加用户 李明（检查人员）"  # the first users, added with lantian users add



#: Who may use each route, by endpoint: every route of the app is here, or the test below fails.
#: "any" is anyone logged in; a draft's routes then answer only its owner (404 for the others).
ACCESS = {
    "static": "public",
    "login": "public",
    "login_post": "public",
    "logout": "public",
    "home": "any",
    "form": "any",
    "signature": "any",
    "photo": "any",
    "result": "any",
    "new_inspection": "writers",
    "autosave": "writers",
    "add_photo": "writers",
    "add_signature": "writers",
    "delete_photo": "writers",
    "submit": "writers",
    "follow_up": "writers",
    "delete_draft": "writers",
    "office": "readers",
    "download": "readers",
    "lists": "readers",
    "list_file": "readers",
    "report": "readers",
    "findings_page": "readers",
    "issue": "office",
    "close_finding": "office",
    "users_page": "office",
    "user_change": "office",
}
ALLOWED = {"public": {None, "inspector", "office", "viewer"}, "any": {"inspector", "office", "viewer"}, "writers": {"inspector", "office"}, "readers": {"office", "viewer"}, "office": {"office"}}
_ARGUMENTS = {"filename": "app.css", "draft_id": "0" * 32, "signer": "party", "name": "0" * 32 + ".jpg", "stem": "x_0123abcd", "index": 0, "finding_id": 1}


def test_every_route__refused_to_the_anonymous_and_to_the_wrong_role(app) -> None:
    """Should send a visitor who is not logged in to log in (401 for a script), refuse a
    logged-in user whose role may not (403), and let the roles that may through to the route
    (which may then find nothing): for every route the app has, each method, each role."""
    rules = [rule for rule in app.url_map.iter_rules()]
    assert {rule.endpoint for rule in rules} == set(ACCESS)  # a new route must be placed above
    clients = {None: app.test_client(), **{role: logged_in(app, name) for role, name in (("inspector", "李明"), ("office", "王芳"), ("viewer", "县局"))}}
    tokens = {role: token(client.get("/login").get_data(as_text=True)) for role, client in clients.items()}
    for rule in rules:
        path = rule.rule
        for argument in rule.arguments:
            path = re.sub(rf"<(?:\w+:)?{argument}>", str(_ARGUMENTS[argument]), path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for role, client in clients.items():
                if rule.endpoint in ("login_post", "logout"):
                    continue  # their own tests: a wrong log-in is a 401 by design; logging out ends the session
                response = client.open(path, method=method, data={"csrf_token": tokens[role]} if method == "POST" else None)
                response.close()  # a static file is streamed from its open file
                where = f"{method} {path} as {role or 'anonymous'}: {response.status_code}"
                if role in ALLOWED[ACCESS[rule.endpoint]]:
                    assert response.status_code not in (401, 403) and not response.headers.get("Location", "").startswith("/login"), where
                elif role is None:
                    assert response.status_code == 401 or response.headers.get("Location", "").startswith("/login"), where
                else:
                    assert response.status_code == 403, where


def test_behind_an_https_proxy__secure_cookie_and_each_phone_counted_by_its_own_address(office: Path, rules) -> None:
    """Should, with --behind-proxy, send the session cookie over HTTPS only and take the phone's
    address from the proxy's X-Forwarded-For, so that one phone guessing passwords does not
    lock out the others behind the same proxy (the real Waitress server, on loopback)."""
    import urllib.error
    import urllib.request

    from helpers import on_loopback
    from webapp import LOGIN_FAILURES, server_options

    with on_loopback(create_app(office / "office.yaml", rules, office / "inspections", https=True), **server_options(behind_proxy=True)) as served:
        url = f"http://127.0.0.1:{served.effective_port}"

        def log_in(phone: str) -> tuple[int, str]:
            headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": phone}
            with urllib.request.urlopen(urllib.request.Request(url + "/login", headers=headers), timeout=30) as page:
                cookie = page.headers["Set-Cookie"]
                form = page.read().decode("utf-8")
            data = urllib.parse.urlencode({"name": "李明", "password": "wrong horse", "csrf_token": token(form)}).encode("utf-8")
            # Over HTTPS, Flask-WTF also wants the page the form came from, as a browser sends it.
            request = urllib.request.Request(url + "/login", data=data, headers={**headers, "Cookie": cookie.split(";")[0], "Referer": f"https://127.0.0.1:{served.effective_port}/login"})
            try:
                urllib.request.urlopen(request, timeout=30)
            except urllib.error.HTTPError as refused:
                return refused.code, cookie
            return 200, cookie

        code, cookie = log_in("10.0.0.1")
        assert code == 401 and "Secure" in cookie and "HttpOnly" in cookie
        for _ in range(LOGIN_FAILURES - 1):
            log_in("10.0.0.1")
        assert log_in("10.0.0.1")[0] == 429  # that phone waits
        assert log_in("10.0.0.2")[0] == 401  # another phone behind the same proxy does not


def test_submit__disk_full__said_with_its_code_then_submitted_once_there_is_room(app, office: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should say a full disk (IO_004, 507) rather than fail with a server error when the answers
    cannot be written, keep the draft, and record the submission once the disk has room; an
    answers file written by an attempt whose draft could not be marked is that submission."""
    import errno
    import os

    from engine import _fsutil

    real_replace = os.replace

    def full_disk_under(folder: Path):
        def replace(source, target, *args, **kwargs):
            if Path(target).is_relative_to(folder):
                raise OSError(errno.ENOSPC, "No space left on device")
            return real_replace(source, target, *args, **kwargs)

        return replace

    client = logged_in(app)
    draft_id, page = new_draft(client, "dust_six_100pct")
    fields = fields_to_multidict([*form_like(EXAMPLES / "dust_six_100pct_noncompliant.yaml"), ("csrf_token", token(page))])
    monkeypatch.setattr(_fsutil.os, "replace", full_disk_under(office / "inspections"))
    refused = client.post(f"/inspections/{draft_id}/submit", data=fields)
    assert refused.status_code == 507 and "IO_004" in refused.get_data(as_text=True) and "磁盘已满" in refused.get_data(as_text=True)
    assert not list((office / "inspections").rglob(f"*{draft_id[:8]}.yaml"))
    autosave = client.post(f"/inspections/{draft_id}/autosave", data=fields, headers={"X-CSRFToken": token(page)})
    assert autosave.status_code == 507 and "磁盘已满" in autosave.get_json()["error"]  # said in the form's status line
    # The answers are written, but then the draft cannot be marked as submitted.
    def full_once_answered(source, target, *args, **kwargs):
        if Path(target).is_relative_to(office / "inspections" / ".drafts") and list((office / "inspections").rglob(f"*{draft_id[:8]}.yaml")):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(source, target, *args, **kwargs)

    monkeypatch.setattr(_fsutil.os, "replace", full_once_answered)
    assert client.post(f"/inspections/{draft_id}/submit", data=fields).status_code == 507
    (written,) = list((office / "inspections").rglob(f"*{draft_id[:8]}.yaml"))
    kept = written.read_bytes()
    monkeypatch.setattr(_fsutil.os, "replace", real_replace)
    # Tried again with the site's name changed meanwhile: still the one inspection, as written.
    renamed = fields_to_multidict([(key, "另一个名称的工地" if key == "site.name" else value) for key, value in [*form_like(EXAMPLES / "dust_six_100pct_noncompliant.yaml"), ("csrf_token", token(page))]])
    assert client.post(f"/inspections/{draft_id}/autosave", data=renamed, headers={"X-CSRFToken": token(page)}).status_code == 200  # the phone saved the change
    done = client.post(f"/inspections/{draft_id}/submit", data=renamed)
    assert done.status_code == 302 and done.headers["Location"].endswith("/result")
    assert list((office / "inspections").rglob(f"*{draft_id[:8]}.yaml")) == [written] and written.read_bytes() == kept
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "不合格" in shown and "以当时写入的内容为准" in shown


def test_drafts__at_most_so_many_open_a_deleted_one_makes_room_a_submitted_one_stays(app, office: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should refuse a new inspection, saying why, once the user has MAX_DRAFTS drafts not
    submitted; let the owner delete a draft (with its photos) to make room; and keep a
    submitted one."""
    import io

    import webapp

    monkeypatch.setattr(webapp, "MAX_DRAFTS", 2)
    client = logged_in(app)
    first, page = new_draft(client, "straw_ban")
    new_draft(client, "straw_ban")
    home = client.get("/").get_data(as_text=True)
    refused = client.post("/inspections/new", data={"checklist": "straw_ban", "csrf_token": token(home)})
    assert refused.status_code == 409 and "已有 2 份没有提交的草稿" in refused.get_data(as_text=True)
    assert client.post(f"/inspections/{first}/photos", data={"item": "fire_points", "photo": (io.BytesIO(_jpeg()), "p.jpg")}, headers={"X-CSRFToken": token(page)}).status_code == 200
    assert logged_in(app, "王芳").post(f"/inspections/{first}/delete", data={"csrf_token": token(home)}).status_code in (400, 404)  # not theirs
    assert client.post(f"/inspections/{first}/delete", data={"csrf_token": token(home)}).status_code == 302
    assert not [path for path in (office / "inspections" / ".drafts").rglob("*") if first in path.name]  # the draft and its photos
    assert client.get(f"/inspections/{first}").status_code == 404
    draft_id, page = new_draft(client, "dust_six_100pct")  # room again
    fields = fields_to_multidict([*form_like(EXAMPLES / "dust_six_100pct_noncompliant.yaml"), ("csrf_token", token(page))])
    assert client.post(f"/inspections/{draft_id}/submit", data=fields).status_code == 302
    assert client.post(f"/inspections/{draft_id}/delete", data={"csrf_token": token(page)}).status_code == 409
    new_draft(client, "straw_ban")  # a submitted inspection is no open draft


def test_someone_else_s_draft__found_by_no_other_user_whatever_their_role(app) -> None:
    """Should answer 404 to every user but its owner, on every route of a draft that exists
    (with a photo and a signature), as if it did not: the office too, and a viewer."""
    import io

    owner = logged_in(app)
    draft_id, page = new_draft(owner, "dust_six_100pct")
    csrf = {"X-CSRFToken": token(page)}
    photo = owner.post(f"/inspections/{draft_id}/photos", data={"item": "hoarding_closed", "photo": (io.BytesIO(_jpeg()), "p.jpg")}, headers=csrf).get_json()["name"]
    assert owner.post(f"/inspections/{draft_id}/signatures", data={"signer": "party", "image": (io.BytesIO(_png()), "s.png")}, headers=csrf).status_code == 200
    routes = [
        ("GET", f"/inspections/{draft_id}"),
        ("GET", f"/inspections/{draft_id}/result"),
        ("GET", f"/inspections/{draft_id}/photos/{photo}"),
        ("GET", f"/inspections/{draft_id}/signatures/party"),
        ("POST", f"/inspections/{draft_id}/autosave"),
        ("POST", f"/inspections/{draft_id}/photos/{photo}/delete"),
        ("POST", f"/inspections/{draft_id}/submit"),
        ("POST", f"/inspections/{draft_id}/follow-up"),
        ("POST", f"/inspections/{draft_id}/delete"),
    ]
    for path in (path for method, path in routes if method == "GET"):
        assert owner.get(path).status_code in (200, 302), path  # there, for its owner
    for name, writes in (("王芳", 404), ("县局", 403)):
        other = logged_in(app, name)
        other_token = token(other.get("/login").get_data(as_text=True))
        for method, path in routes:
            response = other.open(path, method=method, data={"csrf_token": other_token} if method == "POST" else None)
            assert response.status_code == (writes if method == "POST" else 404), f"{method} {path} as {name}: {response.status_code}"
    assert owner.get(f"/inspections/{draft_id}/photos/{photo}").status_code == 200  # untouched


def test_session_ended__the_form_s_script_told_in_json_not_sent_a_log_in_page(app, office: Path) -> None:
    """Should answer a photo, a signature or a photo's removal sent by the form's script (the
    token in a header) with 401 and a message once the session has ended, as autosave is
    answered: a redirect to the log-in page would reach the script as a success."""
    import io

    from webapp.users import set_password

    client = logged_in(app)
    draft_id, page = new_draft(client, "dust_six_100pct")
    set_password(users_path(office / "office.yaml"), "李明", "a changed horse")  # every session of his ends
    csrf = {"X-CSRFToken": token(page)}
    for response in (
        client.post(f"/inspections/{draft_id}/photos", data={"item": "hoarding_closed", "photo": (io.BytesIO(_jpeg()), "p.jpg")}, headers=csrf),
        client.post(f"/inspections/{draft_id}/signatures", data={"signer": "party", "image": (io.BytesIO(_png()), "s.png")}, headers=csrf),
        client.post(f"/inspections/{draft_id}/photos/{'0' * 32}.jpg/delete", headers=csrf),
    ):
        # The first is refused as not logged in, the next (its session gone) as a stale form.
        assert response.status_code in (400, 401) and response.get_json()["error"] in ("请先登录", "页面已过期或已退出登录：请刷新页面，重新登录后再提交")
    assert client.get("/").headers["Location"].startswith("/login")  # a page is still sent to log in


def test_users__drafts_that_cannot_be_set_aside__io_004_and_the_user_not_removed(app, office: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should say the disk's refusal (IO_004) and remove no one when a removed user's drafts
    cannot be moved aside: a user is never removed with drafts the next one of that name gets."""
    import errno

    inspector = logged_in(app)
    new_draft(inspector, "straw_ban")
    clerk = logged_in(app, "王芳")
    page = clerk.get("/office/users").get_data(as_text=True)
    real_rename = Path.rename

    def refused(self: Path, target):
        if self.parent.name == ".drafts":
            raise OSError(errno.EACCES, "Permission denied")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", refused)
    response = clerk.post("/office/users", data={"action": "remove", "name": "李明", "csrf_token": token(page)})
    assert response.status_code == 507 and "IO_004" in response.get_data(as_text=True)
    assert authenticate(users_path(office / "office.yaml"), "李明", PASSWORD) is not None


def test_users__removal_the_users_file_refuses__user_002_and_the_drafts_kept_where_they_were(app, office: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should put a user's drafts back where they were when the users file cannot be written
    (USER_002): the user is still there, and so must their drafts be."""
    import webapp
    from engine.errors import ErrorCode, LantianError, Location, Problem

    inspector = logged_in(app)
    new_draft(inspector, "straw_ban")
    drafts = sorted(path.name for path in (office / "inspections" / ".drafts").iterdir())
    clerk = logged_in(app, "王芳")
    page = clerk.get("/office/users").get_data(as_text=True)

    def full(*_: object, **__: object) -> None:
        raise LantianError([Problem(ErrorCode.USER_002, Location("office.users.sqlite"), {"reason": "磁盘已满", "hint": "腾出磁盘空间后再试一次"})])

    monkeypatch.setattr(webapp, "remove_user", full)
    response = clerk.post("/office/users", data={"action": "remove", "name": "李明", "csrf_token": token(page)})
    assert response.status_code == 422 and "USER_002" in response.get_data(as_text=True)
    assert sorted(path.name for path in (office / "inspections" / ".drafts").iterdir()) == drafts


def test_office__close_out_evidence_a_scanner_s_jpeg__taken(app, office: Path) -> None:
    """Should take a JPEG whatever segment its camera or scanner wrote first (Adobe's, here)."""
    import io

    _recorded(office, "dust_six_100pct_noncompliant.yaml")
    clerk = logged_in(app, "王芳")
    page = clerk.get("/office/findings").get_data(as_text=True)
    first = int(re.search(r"/office/findings/(\d+)/close", page).group(1))
    scanned = b"\xff\xd8\xff\xee\x00\x0eAdobe\x00" + bytes(64)
    closed = clerk.post(f"/office/findings/{first}/close", data={"on": "2026-11-20", "reason": "围挡已封闭，见扫描件", "csrf_token": token(page), "evidence": (io.BytesIO(scanned), "scan.jpg")})
    assert closed.status_code == 302, closed.get_data(as_text=True)
    assert [path.suffix for path in (office / "evidence").iterdir()] == [".jpg"]


def test_viewer__the_county_s_summary_of_a_county_database(office: Path, rules, postgres_url: str) -> None:
    """Should give the county's viewer the county's summary (PDF and XLSX, as `lantian report
    --county` writes it) where the office's ledger is the county's database, and nothing of
    the kind where it is the office's own file."""
    import io
    from urllib.parse import quote

    from openpyxl import load_workbook

    assert logged_in(create_app(office / "office.yaml", rules, office / "inspections"), "县局").get("/office/report?county=1&from=2026-11-01&to=2026-11-30").status_code == 404
    assert "全县整治情况汇总" not in logged_in(create_app(office / "office.yaml", rules, office / "inspections"), "县局").get("/office/lists").get_data(as_text=True)
    settings = office / "office.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + f"ledger: {postgres_url}\n", encoding="utf-8")
    app = create_app(settings, rules, office / "inspections")
    inspector = logged_in(app)
    draft_id, page = new_draft(inspector, "dust_six_100pct")
    inspector.post(f"/inspections/{draft_id}/submit", data=fields_to_multidict([*form_like(ONE_FINDING), ("csrf_token", token(page))]))
    clerk = logged_in(app, "王芳")
    listing = clerk.get("/office").get_data(as_text=True)
    stem = re.search(r'name="inspection" value="([^"]+)"', listing).group(1)
    assert clerk.post("/office/issue", data={"inspection": stem, "csrf_token": token(listing)}).status_code == 302
    viewer = logged_in(app, "县局")
    assert "全县整治情况汇总" in viewer.get("/office/lists").get_data(as_text=True)
    summary = viewer.get("/office/report?county=1&from=2026-11-01&to=2026-11-30")
    assert summary.status_code == 200 and quote("全县整治情况汇总_2026-11-01_2026-11-30.pdf") in summary.headers["Content-Disposition"]
    assert "全县大气污染防治专项检查情况汇总" in pdf_text(summary.data) and "XX镇人民政府" in pdf_text(summary.data)
    book = load_workbook(io.BytesIO(viewer.get("/office/report?county=1&from=2026-11-01&to=2026-11-30&format=xlsx").data))
    rows = [row for row in book["全县整治情况汇总"].iter_rows(values_only=True) if row and row[0] == "XX镇人民政府"]
    assert rows and rows[0][1] == 1  # the one inspection the office issued, recorded in the county's database


def two_towns_and_the_bureau(office: Path, postgres, tmp_path: Path) -> Path:
    """A county database in which two towns each recorded one inspection with one finding
    (东岗镇 on 5 November, 西岭镇 on the 6th), and ``office`` made the bureau's (XX县生态环境局,
    which inspected nothing), its settings naming that database: those settings."""
    from helpers import dust_answers, record

    url = postgres.new_schema()
    for day, town in (("05", "东岗镇人民政府"), ("06", "西岭镇人民政府")):
        folder = office_folder(tmp_path / town, ledger=url)
        settings = folder / "office.yaml"
        settings.write_text(settings.read_text(encoding="utf-8").replace("office: XX镇人民政府", f"office: {town}"), encoding="utf-8")
        (folder / "inbox").mkdir()
        (folder / "inbox" / "site.yaml").write_bytes(dust_answers({"hoarding_height": "1.6"}, date=f"2024-11-{day}"))
        assert record(folder / "inbox", settings).recorded
    settings = office / "office.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("office: XX镇人民政府", "office: XX县生态环境局") + f"ledger: {url}\n", encoding="utf-8")
    return settings


def test_bureau__every_town_s_lists_from_the_county_database_each_finding_with_its_town(office: Path, rules, postgres, tmp_path: Path) -> None:
    """Should give the bureau (its web app on the county's database) each town's unclosed and
    overdue findings in one list, PDF and XLSX with the town beside each, as `lantian ledger
    list --county` writes them; its own lists stay its own (empty: it inspected nothing);
    and a town's own ledger file has no county lists (404)."""
    import io

    from openpyxl import load_workbook

    assert logged_in(create_app(office / "office.yaml", rules, office / "inspections"), "县局").get("/office/lists/file?list=unclosed&format=xlsx&county=1").status_code == 404
    settings = two_towns_and_the_bureau(office, postgres, tmp_path)
    viewer = logged_in(create_app(settings, rules, office / "inspections"), "县局")
    page = viewer.get("/office/lists").get_data(as_text=True)
    assert "全县逾期未销号清单" in page and page.index("全县整改清单") < page.index("本单位（XX县生态环境局）")

    overdue = viewer.get("/office/lists/file?list=overdue&format=pdf&county=1&as_of=2024-12-31")
    assert overdue.status_code == 200 and "%E5%85%A8%E5%8E%BF%E9%80%BE%E6%9C%9F" in overdue.headers["Content-Disposition"]  # 全县逾期…
    text = pdf_text(overdue.data)
    assert text.startswith("XX县生态环境局逾期未销号清单")  # the bureau's list, signed by the bureau
    assert "乡镇（单位）问题数东岗镇人民政府1西岭镇人民政府1" in text
    book = load_workbook(io.BytesIO(viewer.get("/office/lists/file?list=unclosed&format=xlsx&county=1&as_of=2024-12-31").data))
    sheet = book.worksheets[0]
    header = next(row for row in sheet.iter_rows(values_only=True) if row and row[0] == "序号")
    towns = {row[header.index("所属乡镇")] for row in sheet.iter_rows(values_only=True) if row and isinstance(row[0], int)}
    assert towns == {"东岗镇人民政府", "西岭镇人民政府"}
    own = load_workbook(io.BytesIO(viewer.get("/office/lists/file?list=unclosed&format=xlsx&as_of=2024-12-31").data)).worksheets[0]
    assert "所属乡镇" not in next(row for row in own.iter_rows(values_only=True) if row and row[0] == "序号")
    assert not [row for row in own.iter_rows(values_only=True) if row and isinstance(row[0], int)]


def test_bureau__every_town_s_open_findings_by_town_to_look_at_not_to_close(office: Path, rules, postgres, tmp_path: Path) -> None:
    """Should list for the bureau every town's open findings with their town, narrowed to a
    town as chosen, with no close-out there (the web app cannot tell the bureau from a town
    on the same database: a town's finding is closed by `lantian ledger close --county`), and
    keep the office's own page its own; a ledger file has no county's view (404)."""
    from engine import ledger
    from engine.settings import load_settings

    file_app = logged_in(create_app(office / "office.yaml", rules, office / "inspections"), "王芳")
    assert "看全县各乡镇的" not in file_app.get("/office/findings").get_data(as_text=True)
    assert file_app.get("/office/findings?county=1").status_code == 404

    settings = two_towns_and_the_bureau(office, postgres, tmp_path)
    clerk = logged_in(create_app(settings, rules, office / "inspections"), "王芳")
    own = clerk.get("/office/findings").get_data(as_text=True)
    assert "未销号的问题（0 个）" in own and "看全县各乡镇的" in own
    county = clerk.get("/office/findings?county=1").get_data(as_text=True)
    assert "全县未销号的问题（2 个）" in county and "东岗镇人民政府 · " in county and "西岭镇人民政府 · " in county
    assert "书面销号</summary>" not in county and "lantian ledger close --county" in county
    one_town = clerk.get("/office/findings?county=1&office=东岗镇人民政府").get_data(as_text=True)
    assert "全县未销号的问题（1 个）" in one_town and "西岭镇人民政府 · " not in one_town
    (finding,) = re.findall(r"<strong>#(\d+)</strong>", one_town)
    # Closing it from the bureau's own page is refused as another office's (LEDGER_029), as without --county.
    refused = clerk.post(f"/office/findings/{finding}/close", data={"on": "2024-12-01", "reason": "已整改", "csrf_token": token(one_town)})
    assert refused.status_code == 422 and "LEDGER_029" in refused.get_data(as_text=True)
    row, _ = ledger.history(ledger.for_office(load_settings(settings).ledger, None), int(finding))
    assert row.status == "open" and row.office == "东岗镇人民政府"
