"""`lantian serve`: the checklists as web forms for inspectors on their phones.

Flask (server-rendered Jinja pages, the same autoescaping as the documents) behind Waitress, a
production WSGI server that runs the same on the office's Windows PC as on Linux; Flask-WTF's
CSRF protection; passwords as scrypt hashes (users.py). The reasons are in docs/serve.md.

A submitted form is written as an ordinary answers file into the inspections folder, after
``engine.check`` has read those very bytes: `lantian check`, `notice` and `batch` take it as
it is.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import os
import re
import secrets
import shutil
import threading
import time
import uuid
import zlib
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, flash, g, jsonify, redirect, render_template, request, send_file, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

import engine
from engine._fsutil import UnwritableError, atomic_write, unwritable
from engine.errors import ANSWER_WARNINGS, ISSUING_WARNINGS, InputError, LantianError
from engine.labels import DOCUMENT_LABELS, NOTICE_FILE_WORDS, NOTICE_TITLES, RECORD_FILE_WORD, SEVERITY_LABELS, USER_ROLE_LABELS, VERDICT_LABELS, document_label
from engine.model import RuleSet

from .form import INSPECTION_FIELDS, SITE_FIELDS, answers_document, answers_yaml, applying, draft_from_form, empty_draft, field_of, form_sections
from .photos import PhotoError, reencode, signature_png
from .users import MIN_PASSWORD, User, UserError, add_user, all_users, authenticate, find_user, remove_user, set_password, set_role, users_path
from .users import changes as user_changes

#: Failed log-ins allowed from one address in LOGIN_WINDOW seconds before it must wait.
LOGIN_FAILURES = 5
LOGIN_WINDOW = 15 * 60
#: The largest request: a photo the phone has already shrunk, with room for one it could not.
MAX_REQUEST = 16 * 1024 * 1024
#: Photos one item may have: a record shows them two a row.
MAX_PHOTOS = 10
#: Drafts one user may have open (not submitted): a week of inspections many times over, and a
#: bound on what one account can make the server keep.
MAX_DRAFTS = 100
_PHOTO_NAME = re.compile(r"[0-9a-f]{32}\.jpg")
#: Who signs on the record: the first two inspectors, the party's person on site, the witness.
SIGNERS = ("inspector-0", "inspector-1", "party", "witness")
SIGNER_LABELS = {"inspector-0": "检查人员1", "inspector-1": "检查人员2", "party": "被检查单位", "witness": "见证人"}
_DRAFT_ID = re.compile(r"[0-9a-f]{32}")
#: What a refused request is, as the person who made it reads it (http_refusal).
_HTTP_SAID = {
    400: "请求不完整或写法不对：请回到上一页重新操作",
    403: "你的账号没有用这个页面的权限（检查人员、镇环保办、只读查看的用户能用的页面各不相同）：请回到首页",
    404: "没有这个页面，或者要找的检查、问题、文书已经不在了",
    405: "这个页面不能这样打开：请从页面上的按钮或链接进入",
    409: "已经提交的检查不能删除：它的答卷已交给镇环保办",
    413: "上传的文件太大",
}
_UNSAFE = re.compile(r"[^\w\u4e00-\u9fff-]+")
#: A submitted inspection's folder, as submit names it: date_site_draft.
_FOLDER = re.compile(r"[\w\u4e00-\u9fff-]*_[0-9a-f]{8}")


#: Evidence a desk close-out takes, by its first bytes: a photo or a scanned report.
#: What evidence of a close-out may be, by how its file begins: a JPEG (whichever segment a
#: camera or scanner writes first), a PNG, a PDF.
_EVIDENCE_KINDS = {b"\xff\xd8\xff": ".jpg", b"\x89PNG": ".png", b"%PDF": ".pdf"}


def _evidence_suffix(data: bytes) -> str | None:
    return next((suffix for start, suffix in _EVIDENCE_KINDS.items() if data.startswith(start)), None)


def _form_day(text: str) -> dt.date:
    """A date posted by a form (YYYY-MM-DD); 400 for anything else."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        abort(400)


def _without_comments(data: bytes) -> list[bytes]:
    """An answers file's lines but its comments: what two submissions of one form share when
    their answers are the same (the header says when each was written)."""
    return [line for line in data.splitlines() if not line.lstrip().startswith(b"#")]


def _attachment(data: bytes, name: str) -> Response:
    """``data`` as a download saved under ``name`` (a Chinese name: Flask writes it as RFC 6266 allows)."""
    return send_file(io.BytesIO(data), download_name=name, as_attachment=True)


def _said(problems: Any) -> list[str]:
    """Each problem as a line of a page: its code, message and hint."""
    return [f"[{problem.code.name}] {problem.said}" for problem in problems]


def _document_label(name: str) -> str:
    """What a written document is, for its download link: the file name says it last."""
    for kind, word in NOTICE_FILE_WORDS.items():
        if name.endswith(f".{word}.pdf"):
            return f"{NOTICE_TITLES[kind]}（PDF）"
    if name.endswith(f".{RECORD_FILE_WORD}.pdf"):
        return f"{DOCUMENT_LABELS['record']}（PDF）"
    return name


def _secret_key(settings_path: Path) -> bytes:
    """The key that signs sessions, kept beside the settings so that a restart logs no one out."""
    path = settings_path.with_name(settings_path.stem + ".secret")
    if not path.exists():
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable by others, not even briefly
        except FileExistsError:
            pass  # another server started at the same moment wrote it
        else:
            with os.fdopen(descriptor, "wb") as secret:
                secret.write(secrets.token_hex(32).encode("ascii"))
    return path.read_bytes().strip()


def server_options(*, behind_proxy: bool) -> dict[str, Any]:
    """Waitress's settings. Behind an HTTPS reverse proxy on this machine, the scheme and the
    phone's address are taken from the proxy's X-Forwarded-Proto and X-Forwarded-For (so that
    links say https and the log-in limit counts each phone), and the same headers from anyone
    else are dropped."""
    if not behind_proxy:
        return {}
    return {"trusted_proxy": "127.0.0.1", "trusted_proxy_headers": {"x-forwarded-proto", "x-forwarded-for"}, "clear_untrusted_proxy_headers": True}


def create_app(settings_path: Path, rules: RuleSet, inspections: Path, *, https: bool = False) -> Flask:
    """The web application of the office whose settings are at ``settings_path``; with
    ``https`` (served through an HTTPS proxy), the session cookie is sent over HTTPS only."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=_secret_key(settings_path),
        MAX_CONTENT_LENGTH=MAX_REQUEST,
        SESSION_COOKIE_SECURE=https,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=12),
        # A form may stay open all morning on a site: the token lives as long as the session,
        # not Flask-WTF's default hour, after which every autosave and the submit would fail.
        WTF_CSRF_TIME_LIMIT=None,
    )
    CSRFProtect(app)
    users = users_path(settings_path)
    drafts_root = inspections / ".drafts"
    failures: dict[str, list[float]] = defaultdict(list)
    #: A fixed set of locks, a draft's chosen by its id: bounded however many drafts there are.
    draft_locks = [threading.Lock() for _ in range(64)]
    #: Issuing is one at a time: the ledger and the document numbers are the office's one series.
    issue_lock = threading.Lock()
    documents = settings_path.parent / "documents"

    def locked_issue(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def one_at_a_time(**kwargs: Any) -> Any:
            with issue_lock:
                return view(**kwargs)

        return one_at_a_time

    def session_user() -> User | None:
        """Whose session this is: none once the user is removed or their password changed."""
        if "user" not in session:
            return None
        found = find_user(users, session["user"])
        if found is None or session.get("stamp") != found.stamp:
            session.clear()
            return None
        return found

    def user() -> User:
        found = g.get("user")  # read once a request, by who()
        if found is None:
            abort(401)
        return found

    def writer() -> User:
        """The user, who may change what they fill: not a viewer (checked on every write, so a
        user made a viewer while logged in writes nothing more)."""
        found = user()
        if found.role == "viewer":
            abort(403)
        return found

    def locked(view: Callable[..., Any]) -> Callable[..., Any]:
        """One change to a draft at a time: every write reads the draft, changes it and saves
        it, and two at once (a photo still uploading as the form is submitted) would lose one."""

        @functools.wraps(view)
        def one_at_a_time(draft_id: str, **kwargs: Any) -> Any:
            with draft_locks[zlib.crc32(draft_id.encode("utf-8")) % len(draft_locks)]:
                return view(draft_id, **kwargs)

        return one_at_a_time

    def checklist_of(checklist_id: str) -> Any:
        found = rules.checklists.get(checklist_id)
        if found is None:
            abort(404)
        return found

    def drafts_of(name: str) -> Path:
        """A user's drafts, in a folder named by the name's bytes (any name, never a path)."""
        return drafts_root / name.encode("utf-8").hex()

    def draft_path(owner: User, draft_id: str) -> Path:
        if not _DRAFT_ID.fullmatch(draft_id):
            abort(404)  # never a path from the client: only an id of our own making
        return drafts_of(owner.name) / f"{draft_id}.json"

    def load_draft(owner: User, draft_id: str) -> dict[str, Any]:
        path = draft_path(owner, draft_id)
        if not path.is_file():
            abort(404)
        return json.loads(path.read_text(encoding="utf-8"))

    def photo_folder(owner: User, draft_id: str) -> Path:
        return draft_path(owner, draft_id).with_name(f"{draft_id}-photos")

    def with_server_state(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
        """``new`` (from the posted form) with what the server holds of the draft and no form
        posts: the photos and signatures uploaded, and the answers file a submission the disk
        stopped was writing (so that no later save makes a retry a second inspection)."""
        if old.get("submitting"):
            new["submitting"] = old["submitting"]
        if old.get("signatures"):
            new["signatures"] = old["signatures"]
        for item_id, entry in old.get("answers", {}).items():
            if entry.get("photos"):
                new["answers"].setdefault(item_id, {})["photos"] = entry["photos"]
        return new

    def save_draft(owner: User, draft_id: str, draft: dict[str, Any]) -> None:
        path = draft_path(owner, draft_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, json.dumps(draft, ensure_ascii=False).encode("utf-8"))

    def form_page(owner: User, draft_id: str, draft: dict[str, Any], checklist: Any, problems: dict[str, list[str]]) -> str:
        """The form of a draft, with the problems of a refused submission at their fields."""
        return render_template(
            "form.html",
            user=owner,
            draft_id=draft_id,
            draft=draft,
            checklist=checklist,
            sections=form_sections(checklist),
            site_fields=SITE_FIELDS,
            inspection_fields=INSPECTION_FIELDS,
            signers=SIGNER_LABELS,
            applies=applying(draft, checklist, dt.date.today()),
            problems=problems,
        )

    def refusal(what: str, problems: Any, status: int, *, said: list[str] | None = None, heading: str = "没有完成") -> tuple[str, int]:
        """The one page saying why ``what`` was not done: each problem with its code, message
        and hint (or ``said`` in words), and the way back to the page the user came from."""
        back = request.referrer if request.referrer and request.referrer.startswith(request.host_url) else url_for("home")
        return render_template("refused.html", user=g.get("user"), heading=heading, stem=what, problems=said or _said(problems), back=back), status

    def wants_json() -> bool:
        """Whether the request is form.js's (autosave, photos, signatures: it sends the token in
        a header) or otherwise asks for JSON: answered in JSON, never with a page or a redirect,
        which the script would take for success."""
        return request.accept_mimetypes.best == "application/json" or bool(request.headers.get("X-CSRFToken"))

    @app.errorhandler(LantianError)
    def not_done(exc: LantianError) -> Any:
        """A write the disk refused (full, read-only) or a file that cannot be read, anywhere:
        its code, message and hint, never a bare server error. 507 when it was the disk."""
        status = 507 if isinstance(exc, UnwritableError) else 422
        if wants_json():
            return jsonify(error="；".join(_said(exc.problems))), status
        kept = "已填写的内容仍在。" if request.path.startswith("/inspections/") else ""
        return refusal(f"服务器没能完成这次操作。{kept}", exc.problems, status)

    @app.errorhandler(CSRFError)
    def stale_form(exc: CSRFError) -> Any:
        """A form or script whose token no longer matches a session (logged out, the session
        ended): told so in words, in JSON to the script."""
        said = "页面已过期或已退出登录：请刷新页面，重新登录后再提交"
        if wants_json():
            return jsonify(error=said), 400
        return refusal("这次提交", [], 400, said=[said])

    @app.errorhandler(401)
    def unauthorized(_: Exception) -> Any:
        if wants_json():
            return jsonify(error="请先登录"), 401
        return redirect(url_for("login", next=request.path))

    @app.errorhandler(HTTPException)
    def http_refusal(exc: HTTPException) -> Any:
        """Any other refusal of a request (no right to the page, no such page, a form sent the
        wrong way, an upload too large) said in words, in JSON to the script, instead of the
        framework's English page."""
        said = _HTTP_SAID.get(exc.code or 500, "服务器没能完成这次请求")
        if wants_json():
            return jsonify(error=said), exc.code
        return refusal(request.path, [], exc.code or 500, said=[said], heading="打不开这个页面" if exc.code in (403, 404, 405) else "没有完成")

    @app.before_request
    def who() -> None:
        g.user = session_user()

    @app.get("/login")
    def login() -> Any:
        return render_template("login.html", error=None)

    @app.post("/login")
    def login_post() -> Any:
        # Counted per name and address: behind a proxy every address is the proxy's, and one
        # person guessing must not lock every other user out.
        address = f"{request.form.get('name', '').strip()[:64]}@{request.remote_addr or '?'}"
        now = time.monotonic()
        if len(failures) > 10_000:  # names guessed at random: forget those with no recent failure
            for stale in [key for key, times in failures.items() if not times or now - times[-1] >= LOGIN_WINDOW]:
                del failures[stale]
        failures[address] = [t for t in failures[address] if now - t < LOGIN_WINDOW]
        if len(failures[address]) >= LOGIN_FAILURES:
            return render_template("login.html", error="登录失败次数过多，请 15 分钟后再试"), 429
        found = authenticate(users, request.form.get("name", "").strip(), request.form.get("password", ""))
        if found is None:
            failures[address].append(now)
            return render_template("login.html", error="用户名或密码不对"), 401
        session.clear()
        session["user"] = found.name
        session["stamp"] = found.stamp
        session.permanent = True
        return redirect(url_for("home"))

    @app.post("/logout")
    def logout() -> Any:
        session.clear()
        return redirect(url_for("login"))

    @app.get("/")
    def home() -> Any:
        owner = user()
        mine = []
        folder = drafts_of(owner.name)
        for path in sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True) if folder.is_dir() else []:
            draft = json.loads(path.read_text(encoding="utf-8"))
            checklist = rules.checklists.get(draft.get("checklist", ""))
            if checklist is not None:
                mine.append({"id": path.stem, "title": checklist.title, "site": draft.get("site", {}).get("name", "（未填单位）"), "submitted": draft.get("submitted")})
        return render_template("home.html", user=owner, checklists=sorted(rules.checklists.values(), key=lambda c: c.id), drafts=mine)

    def remove_with_drafts(name: str, by: str) -> None:
        """Remove a user, and set their drafts aside, out of reach of anyone added later under
        the same name; kept (their photos are evidence), named by the day of the removal. The
        drafts go first, and come back when the removal is refused (the last office user): a
        user is never removed with drafts the next one of that name would get."""
        folder = drafts_of(name)
        aside = drafts_root / f"removed-{dt.datetime.now():%Y%m%d%H%M%S}-{folder.name}"
        if folder.is_dir():
            try:
                folder.rename(aside)
            except OSError as exc:
                raise unwritable(folder, exc) from None
        try:
            remove_user(users, name, by=by)
        except LantianError:  # refused (USER_001), or the users file could not be written (USER_002)
            if aside.is_dir():
                aside.rename(folder)
            raise

    def open_drafts(owner: User) -> list[Path]:
        folder = drafts_of(owner.name)
        return [path for path in folder.glob("*.json") if not json.loads(path.read_text(encoding="utf-8")).get("submitted")] if folder.is_dir() else []

    def room_for_a_draft(owner: User) -> None:
        if len(open_drafts(owner)) >= MAX_DRAFTS:
            problem = f"已有 {MAX_DRAFTS} 份没有提交的草稿：先提交或删除一些（首页“我的检查”），再新建检查"
            abort(Response(*refusal("新建检查", [], 409, said=[problem])))

    @app.post("/inspections/new")
    def new_inspection() -> Any:
        owner = writer()
        checklist = checklist_of(request.form.get("checklist", ""))
        room_for_a_draft(owner)
        draft_id = uuid.uuid4().hex
        save_draft(owner, draft_id, empty_draft(checklist, dt.datetime.now()))
        return redirect(url_for("form", draft_id=draft_id))

    @app.get("/inspections/<draft_id>")
    def form(draft_id: str) -> Any:
        owner = user()
        draft = load_draft(owner, draft_id)
        checklist = checklist_of(draft["checklist"])
        if draft.get("submitted"):
            return redirect(url_for("result", draft_id=draft_id))
        return form_page(owner, draft_id, draft, checklist, {})

    @app.post("/inspections/<draft_id>/autosave")
    @locked
    def autosave(draft_id: str) -> Any:
        owner = writer()
        draft = load_draft(owner, draft_id)
        if draft.get("submitted"):
            return jsonify(saved=False, submitted=True)
        checklist = checklist_of(draft["checklist"])
        draft = with_server_state(draft, draft_from_form(request.form, checklist, request.form.to_dict(flat=False)))
        save_draft(owner, draft_id, draft)
        return jsonify(saved=True, applies=applying(draft, checklist, dt.date.today()))

    @app.post("/inspections/<draft_id>/photos")
    @locked
    def add_photo(draft_id: str) -> Any:
        owner = writer()
        draft = load_draft(owner, draft_id)
        checklist = checklist_of(draft["checklist"])
        item_id = request.form.get("item", "")
        if draft.get("submitted") or item_id not in {item.id for item in checklist.items}:
            abort(400)
        entry = draft["answers"].setdefault(item_id, {})
        if len(entry.get("photos", [])) >= MAX_PHOTOS:
            return jsonify(error=f"每个检查项最多 {MAX_PHOTOS} 张照片"), 400
        upload = request.files.get("photo")
        if upload is None:
            return jsonify(error="没有收到照片"), 400
        position = accuracy = None
        try:
            latitude, longitude = float(request.form["latitude"]), float(request.form["longitude"])
            if -90 <= latitude <= 90 and -180 <= longitude <= 180:
                position = (latitude, longitude)
                accuracy = float(request.form.get("accuracy", "nan"))
        except (KeyError, ValueError):
            pass
        if accuracy is not None and not 0 <= accuracy < 100_000:
            accuracy = None  # NaN, or nothing a phone would say
        try:
            data = reencode(upload.read(), dt.datetime.now(), position, accuracy)
        except PhotoError as exc:  # UPLOAD_001, said beside the item by the form's script
            return jsonify(error=exc.problems[0].said, code=exc.problems[0].code.name), 400
        name = f"{uuid.uuid4().hex}.jpg"  # chosen here: nothing of the client's file name is used
        folder = photo_folder(owner, draft_id)
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / name, data, overwrite=False)
        entry.setdefault("photos", []).append(name)
        save_draft(owner, draft_id, draft)
        return jsonify(name=name, url=url_for("photo", draft_id=draft_id, name=name))

    @app.post("/inspections/<draft_id>/signatures")
    @locked
    def add_signature(draft_id: str) -> Any:
        owner = writer()
        draft = load_draft(owner, draft_id)
        signer = request.form.get("signer", "")
        if draft.get("submitted") or signer not in SIGNERS or "image" not in request.files:
            abort(400)
        try:
            data = signature_png(request.files["image"].read())
        except PhotoError as exc:
            return jsonify(error=exc.problems[0].said, code=exc.problems[0].code.name), 400
        folder = photo_folder(owner, draft_id)
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / f"{signer}.png", data)
        draft.setdefault("signatures", {})[signer] = f"{signer}.png"
        save_draft(owner, draft_id, draft)
        return jsonify(signer=signer, url=url_for("signature", draft_id=draft_id, signer=signer))

    @app.get("/inspections/<draft_id>/signatures/<signer>")
    def signature(draft_id: str, signer: str) -> Any:
        owner = user()
        path = photo_folder(owner, draft_id) / f"{signer}.png"
        if signer not in SIGNERS or not path.is_file():
            abort(404)
        return Response(path.read_bytes(), mimetype="image/png", headers={"Cache-Control": "no-store"})

    @app.get("/inspections/<draft_id>/photos/<name>")
    def photo(draft_id: str, name: str) -> Any:
        owner = user()
        if not _PHOTO_NAME.fullmatch(name):
            abort(404)
        path = photo_folder(owner, draft_id) / name
        if not path.is_file():
            abort(404)
        # Read whole (a shrunk photo is small): no file stays open after the response.
        return Response(path.read_bytes(), mimetype="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})

    @app.post("/inspections/<draft_id>/photos/<name>/delete")
    @locked
    def delete_photo(draft_id: str, name: str) -> Any:
        owner = writer()
        draft = load_draft(owner, draft_id)
        if draft.get("submitted") or not _PHOTO_NAME.fullmatch(name):
            abort(400)
        for entry in draft["answers"].values():
            if name in entry.get("photos", []):
                entry["photos"].remove(name)
        save_draft(owner, draft_id, draft)
        (photo_folder(owner, draft_id) / name).unlink(missing_ok=True)
        return jsonify(deleted=name)

    @app.post("/inspections/<draft_id>/submit")
    @locked
    def submit(draft_id: str) -> Any:
        owner = writer()
        draft = load_draft(owner, draft_id)
        checklist = checklist_of(draft["checklist"])
        if draft.get("submitted"):
            return redirect(url_for("result", draft_id=draft_id))  # submitted twice: recorded once
        draft = with_server_state(draft, draft_from_form(request.form, checklist, request.form.to_dict(flat=False)))
        draft["inspection"].setdefault("end_time", dt.datetime.now().strftime("%H:%M"))  # the inspection ends when it is submitted
        # An id of its own, so that a re-inspection can name it even when no notice is issued.
        draft["inspection"].setdefault("id", f"{draft['inspection'].get('date', '')}-{draft_id[:8]}")
        save_draft(owner, draft_id, draft)
        # Each inspection in a folder of its own, its photos and signatures beside its answers
        # (photos/, signatures/, the paths the answers give): the office issues its documents
        # from that folder. Copied only once the answers are taken.
        photos = {name: f"photos/{draft_id[:8]}-{name}" for entry in draft["answers"].values() for name in entry.get("photos", [])}
        signed = {signer: f"signatures/{draft_id[:8]}-{signer}.png" for signer in draft.get("signatures", {})}
        document = answers_document(draft, checklist, photos)
        if signed:
            document["inspection"]["signatures"] = {
                "inspectors": [signed.get("inspector-0"), signed.get("inspector-1")],
                "party": signed.get("party"),
                "witness": signed.get("witness"),
            }
        data = answers_yaml(document, owner.name.replace("\n", " "), dt.datetime.now())
        date = draft["inspection"].get("date", "")
        stem = f"{_UNSAFE.sub('', date)}_{_UNSAFE.sub('', draft['site'].get('name', ''))[:40]}_{draft_id[:8]}"
        # Named once: a retry after a changed site name is no second inspection.
        name = draft.get("submitting") or f"{stem}/{stem}.yaml"
        folder = (inspections / name).parent
        try:
            result = engine.check(data, rules, name=str(inspections / name))
        except InputError as exc:
            problems: dict[str, list[str]] = defaultdict(list)
            for problem in exc.problems:
                problems[field_of(problem)].extend(_said([problem]))
            return form_page(owner, draft_id, draft, checklist, problems), 422
        # A disk that refuses any of these writes is said on a page (the errorhandler below);
        # submitting again once there is room writes what is missing. The file's name is kept
        # in the draft before it is written: an answers file an earlier attempt wrote, whose
        # draft could not be marked afterwards, is that submission (the office may have
        # issued it already), kept as it is; the page says so when this attempt differed.
        draft["submitting"] = name
        save_draft(owner, draft_id, draft)
        copies = [(stored, photos[stored]) for stored in photos] + [(draft["signatures"][signer], relative) for signer, relative in signed.items()]
        for stored, relative in copies:
            atomic_write(folder / relative, (photo_folder(owner, draft_id) / stored).read_bytes())
        kept_earlier = False
        if (inspections / name).is_file():
            kept_earlier = _without_comments((inspections / name).read_bytes()) != _without_comments(data)
            result = engine.check(inspections / name, rules)
        else:
            atomic_write(inspections / name, data, overwrite=False)
        draft["submitted"] = {"file": name, "by": owner.name, "at": dt.datetime.now().isoformat(timespec="seconds"), "verdict": result.verdict, "kept_earlier": kept_earlier}
        save_draft(owner, draft_id, draft)
        return redirect(url_for("result", draft_id=draft_id))

    def refused(what: str, problems: Any) -> tuple[str, int]:
        return refusal(what, problems, 422)

    def office_user() -> User:
        """The user, who may change the office's records: issue documents, close findings."""
        found = user()
        if found.role != "office":
            abort(403)
        return found

    def reader() -> User:
        """The user, who may read the office's records: the office, or a viewer (the county)."""
        found = user()
        if found.role not in ("office", "viewer"):
            abort(403)
        return found

    def submitted_folders() -> list[Path]:
        """The submitted inspections: one folder each, named by the server (see submit)."""
        if not inspections.is_dir():
            return []
        return sorted((path for path in inspections.iterdir() if path.is_dir() and _FOLDER.fullmatch(path.name) and (path / f"{path.name}.yaml").is_file()), reverse=True)

    def documents_of(stem: str) -> list[Path]:
        folder = documents / stem
        return sorted(folder.glob("*.pdf")) if folder.is_dir() else []

    #: What the office's list shows of each submitted inspection, by folder, with the answers
    #: file's modification time and size it was checked at: the list is shown after every
    #: issue, and an office's inspections run to hundreds.
    listed: dict[str, tuple[tuple[int, int], dict[str, str]]] = {}

    def listing_row(folder: Path) -> dict[str, str]:
        answers = folder / f"{folder.name}.yaml"
        try:
            status = answers.stat()
        except OSError:
            return {"site": folder.name, "date": "", "verdict": "答卷已移走"}
        seen = (status.st_mtime_ns, status.st_size)
        kept = listed.get(folder.name)
        if kept is not None and kept[0] == seen:
            return kept[1]
        try:
            checked = engine.check(answers, rules)
        except LantianError as exc:
            row = {"site": folder.name, "date": "", "verdict": f"答卷有误：{exc.problems[0].message}"}
        else:
            row = {"site": checked.site.name, "date": checked.inspection.date.isoformat(), "verdict": VERDICT_LABELS[checked.verdict], "sha256": checked.answers_sha256}
        listed[folder.name] = (seen, row)
        return row

    @app.get("/office")
    def office() -> Any:
        owner = reader()
        from engine import ledger

        rows: list[dict[str, Any]] = [{"stem": folder.name, **listing_row(folder), "documents": [_document_label(path.name) for path in documents_of(folder.name)]} for folder in submitted_folders()]
        # Who recorded each (issued it), from the ledger as it is now: it changes when a clerk issues.
        try:
            recorded = ledger.recorders(office_settings().ledger, [row["sha256"] for row in rows if "sha256" in row])
        except LantianError:
            recorded = {}  # a damaged ledger is said where it is used: issuing, the findings
        for row in rows:
            by, at = recorded.get(row.get("sha256", ""), (None, ""))
            row["recorded"] = f"已登记（{at[:16].replace('T', ' ')}{'，' + by if by else ''}）" if at else ""
        return render_template("office.html", user=owner, rows=rows, notice=document_label("notice", office_settings().document_kind))

    @app.post("/office/issue")
    @locked_issue
    def issue() -> Any:
        owner = office_user()
        stem = request.form.get("inspection", "")
        folder = inspections / stem
        if not _FOLDER.fullmatch(stem) or not (folder / f"{stem}.yaml").is_file():
            abort(404)
        from engine.batch import run_batch

        settings = office_settings()
        # Recorded in the ledger once (a second click records nothing new), numbered once, and
        # written again as the same documents: the batch of this one inspection's folder. Its
        # rectification list would be of one inspection; the office's lists are on /office/lists.
        outcome = run_batch(folder, documents / stem, rules, settings, ledger_path=settings.ledger, rectification_list=False, force=True, recorded_by=owner.name)
        errors = [problem for problem in (*outcome.problems, *outcome.not_written) if problem.severity == "error"]
        if errors:
            return refused(stem, errors)
        # What lantian notice and batch say when the documents are made, for the office to check
        # before it sends them: shown once, on the page it comes back to.
        site = listing_row(folder)["site"]
        for line in _said(problem for problem in outcome.problems if problem.code in ISSUING_WARNINGS):
            flash(f"{site}：{line}")
        return redirect(url_for("office"))

    @app.get("/office/documents/<stem>/<int:index>")
    def download(stem: str, index: int) -> Any:
        reader()
        if not _FOLDER.fullmatch(stem):
            abort(404)
        found = documents_of(stem)  # the client names a document by its place in our own listing
        if not 0 <= index < len(found):
            abort(404)
        return _attachment(found[index].read_bytes(), found[index].name)

    def office_settings() -> Any:
        from engine.settings import load_settings

        return load_settings(settings_path)

    def day_arg(name: str, default: dt.date) -> dt.date:
        text = request.args.get(name, "")
        return _form_day(text) if text else default

    @app.get("/office/lists")
    def lists() -> Any:
        owner = reader()
        from engine import ledger

        today = dt.date.today()
        settings = office_settings()
        county = ledger.on_server(settings.ledger)  # the county's database: every town's lists and summary too
        return render_template("lists.html", user=owner, today=today.isoformat(), start=today.replace(day=1).isoformat(), county=county, office=settings.office)

    @app.get("/office/lists/file")
    def list_file() -> Any:
        reader()
        from engine import ledger
        from engine.rectification import LIST_TITLE, OVERDUE_TITLE, ledger_list_file

        kind, fmt = request.args.get("list", ""), request.args.get("format", "")
        if kind not in ("unclosed", "overdue") or fmt not in ("pdf", "xlsx"):
            abort(400)
        day = day_arg("as_of", dt.date.today())
        settings = office_settings()
        source = county_source(settings)
        county = ledger.county_view(source)
        name = f"{'全县' if county else ''}{OVERDUE_TITLE if kind == 'overdue' else LIST_TITLE}_{day.isoformat()}.{fmt}"
        # What the ledger or the disk refuses is said by not_done, with 507 for the disk.
        where = ledger.Filter(overdue_on=day, status_on=day) if kind == "overdue" else ledger.Filter(status="unclosed", status_on=day)
        found = ledger.findings(source, where)
        return _attachment(ledger_list_file(found, day, fmt, settings, Path(name), overdue=kind == "overdue", offices=county), name)

    def county_source(settings: Any) -> Any:
        """The ledger a page, list or summary is read from: the office's own, or with ?county=1
        the county's view of the county's database (every town's, as with --county), which a
        ledger file has not (404)."""
        from engine import ledger

        if request.args.get("county") != "1":
            return settings.ledger
        if not ledger.on_server(settings.ledger):
            abort(404)
        return ledger.for_office(settings.ledger, None)

    @app.get("/office/report")
    def report() -> Any:
        reader()
        from engine import campaign_report, county_report, ledger
        from engine.fonts import document_fonts
        from engine.render import write_pdfs

        end = day_arg("to", dt.date.today())
        start = day_arg("from", end.replace(day=1))
        fmt = request.args.get("format", "pdf")
        if end < start or fmt not in ("pdf", "xlsx"):
            abort(400)
        settings = office_settings()
        # The county's summary (lantian report --county) reads every town's: only of a county's database.
        source = county_source(settings)
        kind = county_report.REPORT if ledger.county_view(source) else campaign_report.REPORT
        name = kind.file_name(start, end, fmt)
        summary = kind.summarize(source, start, end)
        if fmt == "xlsx":
            data = kind.spreadsheet(summary, settings, Path(name))
        else:
            (data,) = write_pdfs([kind.document(summary, settings, Path(name))], fonts=document_fonts(settings.font, settings.fonts)[0])
        return _attachment(data, name)

    @app.get("/office/findings")
    def findings_page() -> Any:
        owner = reader()
        from engine import ledger
        from engine.labels import office_label

        settings = office_settings()
        today = dt.date.today()
        source = county_source(settings)  # ?county=1: every town's, each with its town
        county = ledger.county_view(source)
        found = ledger.findings(source, ledger.Filter(status="unclosed")) if ledger.exists(source) else []
        # Narrowed to an office (a town, in the county's view), a village, a site or the overdue,
        # as the clerk chooses from what is open.
        chosen = {"office": request.args.get("office", ""), "village": request.args.get("village", ""), "site": request.args.get("site", ""), "overdue": request.args.get("overdue", "")}
        offices = sorted({office_label(row.office) for row in found}) if county else []
        found = [row for row in found if not chosen["office"] or office_label(row.office) == chosen["office"]]
        villages = sorted({row.village for row in found})
        sites = sorted({row.site for row in found if not chosen["village"] or row.village == chosen["village"]})
        found = [
            row
            for row in found
            if (not chosen["village"] or row.village == chosen["village"]) and (not chosen["site"] or row.site == chosen["site"]) and (not chosen["overdue"] or row.overdue_days(today) > 0)
        ]
        # Overdue first, the longest overdue at the top; then by deadline.
        rows = sorted(found, key=lambda row: (-row.overdue_days(today), row.deadline, row.village, row.site))
        shown = [{"row": row, "late": row.overdue_days(today), "severity": SEVERITY_LABELS.get(row.severity, row.severity), "office": office_label(row.office) if county else ""} for row in rows]
        return render_template(
            "findings.html", user=owner, rows=shown, today=today.isoformat(), offices=offices, villages=villages, sites=sites, chosen=chosen, county=county, on_server=ledger.on_server(settings.ledger), office=settings.office
        )

    @app.post("/office/findings/<int:finding_id>/close")
    @locked_issue
    def close_finding(finding_id: int) -> Any:
        owner = office_user()
        from engine import ledger

        day = _form_day(request.form.get("on", ""))
        evidence = None
        upload = request.files.get("evidence")
        if upload is not None and upload.filename:
            data = upload.read()
            suffix = _evidence_suffix(data)
            if suffix is None:
                return refusal(f"问题 #{finding_id}", [], 400, said=["销号依据只收照片（JPEG、PNG）或 PDF 文件"])
            evidence = settings_path.parent / "evidence" / f"{uuid.uuid4().hex}{suffix}"  # named here, never by the client
            atomic_write(evidence, data, overwrite=False)
        try:
            # The office's own findings only: nothing in the county's database says which office is
            # the bureau, and every town's web app may show the county's view. The bureau closes a
            # town's finding with lantian ledger close --county.
            ledger.close(office_settings().ledger, finding_id, note=request.form.get("reason", ""), actor=owner.name, day=day, evidence=evidence)
        except LantianError as exc:
            if evidence is not None:
                evidence.unlink(missing_ok=True)  # the evidence of no close-out
            return refused(f"问题 #{finding_id}", exc.problems)
        return redirect(url_for("findings_page"))

    @app.get("/office/users")
    def users_page(error: str | None = None, status: int = 200) -> Any:
        owner = office_user()
        return render_template("users.html", user=owner, users=all_users(users), roles=USER_ROLE_LABELS, error=error, minimum=MIN_PASSWORD, changes=user_changes(users)), status

    @app.post("/office/users")
    def user_change() -> Any:
        """Add a user, or change one's role or password, or remove one: the office's users,
        managed by the office. Names come in the form, never in the path."""
        owner = office_user()
        action, name = request.form.get("action", ""), request.form.get("name", "").strip()
        try:
            if action == "add":
                add_user(users, name, request.form.get("role", ""), request.form.get("password", ""), by=owner.name)
            elif action == "role":
                set_role(users, name, request.form.get("role", ""), by=owner.name)
            elif action == "password":
                set_password(users, name, request.form.get("password", ""), by=owner.name)
                changed = find_user(users, name)
                if changed is not None and name == owner.name:  # this session stays; the user's others end
                    session["stamp"] = changed.stamp
            elif action == "remove":
                remove_with_drafts(name, owner.name)
            else:
                abort(400)
        except UserError as exc:
            return users_page(error=exc.detail, status=400)
        return redirect(url_for("users_page"))

    @app.post("/inspections/<draft_id>/delete")
    @locked
    def delete_draft(draft_id: str) -> Any:
        """A draft its owner no longer wants, with its photos; a submitted one stays (its
        answers are the office's now, and its result page is the inspector's record)."""
        owner = writer()
        if load_draft(owner, draft_id).get("submitted"):
            abort(409)
        shutil.rmtree(photo_folder(owner, draft_id), ignore_errors=True)
        draft_path(owner, draft_id).unlink(missing_ok=True)
        return redirect(url_for("home"))

    @app.post("/inspections/<draft_id>/follow-up")
    def follow_up(draft_id: str) -> Any:
        """A re-inspection of a submitted inspection: the same checklist and site, today, and
        ``follows`` naming it; every item to be checked again."""
        owner = writer()
        original = load_draft(owner, draft_id)
        if not original.get("submitted"):
            abort(400)
        checklist = checklist_of(original["checklist"])
        room_for_a_draft(owner)
        again = empty_draft(checklist, dt.datetime.now())
        again["site"] = dict(original.get("site", {}))
        again["inspection"]["follows"] = original["inspection"].get("id", "")  # given at submission
        again["inspection"]["inspectors"] = original["inspection"].get("inspectors", "")
        new_id = uuid.uuid4().hex
        save_draft(owner, new_id, again)
        return redirect(url_for("form", draft_id=new_id))

    @app.get("/inspections/<draft_id>/result")
    def result(draft_id: str) -> Any:
        owner = user()
        draft = load_draft(owner, draft_id)
        submitted = draft.get("submitted")
        if not submitted:
            return redirect(url_for("form", draft_id=draft_id))
        try:
            checked = engine.check(inspections / submitted["file"], rules)
        except LantianError as exc:
            # Moved, renamed or changed at the office since: say so, with the engine's words.
            reasons = [f"[{problem.code.name}] {problem.message}" for problem in exc.problems]
            return render_template("gone.html", user=owner, file=submitted["file"], reasons=reasons), 410
        findings = [{"severity": SEVERITY_LABELS[f.severity], "text": f.text, "rectification": f.rectification, "deadline": f.deadline} for f in checked.findings]
        # What `lantian check` warns of the answers themselves (one inspector, a day to come…),
        # in its words, without the file's lines and columns, which the one who filled the form
        # never saw; not what is the office's to settle (a citation, a font).
        warnings = [problem.said for problem in checked.warnings if problem.code in ANSWER_WARNINGS]
        return render_template(
            "result.html", user=owner, draft_id=draft_id, result=checked, verdict=VERDICT_LABELS[checked.verdict], findings=findings, warnings=warnings, file=submitted["file"], kept_earlier=submitted.get("kept_earlier")
        )

    return app
