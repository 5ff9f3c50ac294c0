#!/usr/bin/env bash
# Set up a local virtualenv (.venv) and run the demo or the tests.
#
#   ./dev.sh demo    check the bundled rules and examples with the `lantian` command
#   ./dev.sh test    lint (ruff), type-check (mypy) and run the whole test suite (the web
#                    form's tests drive Debian's Chromium, the documents' tests read the
#                    PDFs with Poppler's pdftotext, and the ledger's tests start a
#                    PostgreSQL server of their own: all installed here when missing)
#
# Works on a fresh Debian or Ubuntu machine with Python 3.11 or newer: missing system
# packages (python3-venv, Pango, the Noto CJK fonts) are installed with apt-get, through
# sudo when not root.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=.venv

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

ensure_system_packages() {
    if ! command -v "$PYTHON" >/dev/null 2>&1; then
        echo "需要 Python 3.11 或更新版本（找不到 $PYTHON）。Debian/Ubuntu：sudo apt-get install python3" >&2
        exit 2
    fi
    if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        echo "需要 Python 3.11 或更新版本，当前是 $("$PYTHON" --version 2>&1)" >&2
        exit 2
    fi
    local missing=()
    # Debian splits venv and ensurepip out of the interpreter package.
    "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=("python3-venv")
    # WeasyPrint draws text with Pango; the documents need a Chinese font (Noto CJK).
    ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || missing+=("libpango-1.0-0" "libpangoft2-1.0-0")
    [ -n "$(fc-list :lang=zh 2>/dev/null)" ] || missing+=("fonts-noto-cjk" "fontconfig")
    [ ${#missing[@]} -eq 0 ] && return 0
    apt_install "${missing[@]}"
}

apt_install() {
    # Debian's packages, through sudo when not root; without apt-get, the user is told what to install.
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "请先安装：$*" >&2
        exit 2
    fi
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    say "installing system packages: $*"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

ensure_venv() {
    ensure_system_packages
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating $VENV"
        "$PYTHON" -m venv "$VENV"
    fi
    # Reinstall when the package description changed since the last install.
    local stamp="$VENV/.installed"
    if [ ! -f "$stamp" ] || [ setup.cfg -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        say "installing lantian and its dependencies into $VENV"
        "$VENV/bin/python" -m pip install --quiet --upgrade pip
        # setuptools warns of every editable install that a folder named like a package may
        # shadow it: the folders here (engine, webapp) are the packages themselves.
        PYTHONWARNINGS="ignore:Editable installation" "$VENV/bin/python" -m pip install --quiet --editable '.[test]'
        touch "$stamp"
    fi
}

demo() {
    ensure_venv
    local lantian="$VENV/bin/lantian"
    say "lantian rules check rules/   (every reference has a provision in force, today and over each checklist's range)"
    "$lantian" rules check rules/
    say "lantian rules test rules/"
    "$lantian" rules test rules/
    say "lantian check examples/*.yaml"
    local status=0
    "$lantian" check examples/*.yaml || status=$?
    # 1 means some site is non-compliant, which the examples are meant to show.
    if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
        exit "$status"
    fi
    # The main job: a town's campaign under today's law (examples/campaign_2026, August to
    # November 2026, across the day the Ecological Environment Code took effect), checked,
    # recorded in a fresh ledger in out/, and its documents written. The inspections of early
    # August are decided on 2026-08-20, after the change: their citations follow art. 1057.
    rm -f out/台账.sqlite
    local office=(--settings examples/office/office.yaml --ledger out/台账.sqlite)
    # Every run writes the same files into out/: --force replaces those of the last run (no
    # command overwrites a file without it).
    mkdir -p out
    local batch_status=0
    say "lantian batch examples/campaign_2026/法典施行前 --issued 2026-08-20   (inspected before 2026-08-15, decided after)"
    "$lantian" batch examples/campaign_2026/法典施行前 -o out/campaign_2026/法典施行前 --issued 2026-08-20 --force "${office[@]}" || batch_status=$?
    if [ "$batch_status" -ne 0 ] && [ "$batch_status" -ne 1 ]; then
        exit "$batch_status"
    fi
    say "lantian batch examples/campaign_2026/法典施行后   (ledger, notices, records, rectification list)"
    "$lantian" batch examples/campaign_2026/法典施行后 -o out/campaign_2026/法典施行后 --force "${office[@]}" || batch_status=$?
    if [ "$batch_status" -ne 0 ] && [ "$batch_status" -ne 1 ]; then
        exit "$batch_status"
    fi
    say "lantian ledger list --overdue --as-of 2026-11-30   (what is still open after its deadline)"
    # The table's header, its first rows and its count.
    "$lantian" ledger list --overdue --as-of 2026-11-30 "${office[@]}" | sed -n '1,6p;$p'
    "$lantian" ledger list --overdue --as-of 2026-11-30 --format pdf -o out/逾期未销号清单.pdf --force "${office[@]}"
    "$lantian" ledger list --overdue --as-of 2026-11-30 --format xlsx -o out/逾期未销号清单.xlsx --force "${office[@]}"
    say "lantian report --from 2026-08-01 --to 2026-11-30 -o out   (the campaign summary, with charts)"
    "$lantian" report --from 2026-08-01 --to 2026-11-30 -o out --force "${office[@]}"
    say "lantian template dust_six_100pct | head   (a blank answers file to fill in)"
    "$lantian" template dust_six_100pct | head -n 32
    say "done: examples checked (exit code $status: 0 all compliant, 1 some non-compliant); the campaign's documents, ledger and lists are in out/"
}

ensure_test_tools() {
    # The web form's tests drive a real browser: Debian's Chromium and its matching driver.
    # The documents' tests read the PDFs' text with Poppler's pdftotext (poppler-utils).
    # The ledger's tests run against a real PostgreSQL server too: the tests start their own,
    # in a temporary folder on loopback, from the distribution's server programs.
    local missing=()
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null 2>&1 || missing+=("postgresql")
    command -v chromedriver >/dev/null 2>&1 || missing+=("chromium-driver")
    command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing+=("chromium")
    command -v pdftotext >/dev/null 2>&1 || missing+=("poppler-utils")
    [ ${#missing[@]} -eq 0 ] && return 0
    apt_install "${missing[@]}"
}

run_tests() {
    ensure_venv
    ensure_test_tools
    # Lint and types first: they take seconds and name the line.
    say "ruff check"
    "$VENV/bin/ruff" check --quiet .
    say "mypy"
    "$VENV/bin/mypy"
    # Compiled modules are kept (__pycache__, ignored by git) even where the shell says not
    # to: the tests start many `lantian` processes, and each would compile the engine again.
    unset PYTHONDONTWRITEBYTECODE
    # One worker per core; a module's tests stay on one worker, so a module's fixtures (a
    # campaign recorded in a ledger) are built once. Later options win: -n 0 runs in-process.
    "$VENV/bin/python" -m pytest --numprocesses auto --dist loadscope "$@"
}

case "${1:-}" in
    demo) demo ;;
    test) shift; run_tests "$@" ;;
    *)
        echo "usage: ./dev.sh demo | ./dev.sh test [pytest options]" >&2
        exit 2
        ;;
esac
