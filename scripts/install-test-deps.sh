#!/usr/bin/env bash
# Install everything the test suite needs, on a fresh Debian 12 machine (as root).
# Idempotent: a second run installs nothing and takes about a second.
#   - Debian packages: postgresql (unless a server is found), chromium (unless
#     on PATH), python3-venv (unless venvs can be created);
#   - .venv in the repo root with `pip install -e '.[dev,postgres]'`, redone only
#     when pyproject.toml is newer than the stamp .venv/.kompas-installed.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

venv=.venv
stamp="$venv/.kompas-installed"
extras=dev,postgres

step() { printf '==> %s\n' "$*"; }

# Run a command with its output kept in a log; show the log only if it fails.
quietly() {
    local log rc=0
    log="$(mktemp)"
    "$@" >"$log" 2>&1 || rc=$?
    if ((rc == 0)); then
        rm -f "$log"
        return 0
    fi
    echo "command failed (exit $rc): $*" >&2
    tail -n 40 "$log" >&2
    rm -f "$log"
    return "$rc"
}

as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "need root to run: $* (re-run this script as root)" >&2
        return 1
    fi
}

apt_updated=0
apt_install() {
    if ((apt_updated == 0)); then
        step "apt-get update"
        quietly as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
        apt_updated=1
    fi
    step "apt-get install $*"
    quietly as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "$@"
}

# The same search as tests/peers/postgres.py: pg_config --bindir, the highest
# /usr/lib/postgresql/<N>/bin, initdb on PATH.
find_initdb() {
    local bindir
    if command -v pg_config >/dev/null 2>&1; then
        bindir="$(pg_config --bindir 2>/dev/null || true)"
        if [[ -n $bindir && -x $bindir/initdb && -x $bindir/pg_ctl ]]; then
            echo "$bindir/initdb"
            return 0
        fi
    fi
    local candidate
    candidate="$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' \
        2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -n $candidate && -x $candidate ]]; then
        echo "$candidate"
        return 0
    fi
    command -v initdb 2>/dev/null
}

can_create_venvs() {
    python3 -m venv --help >/dev/null 2>&1 || return 1
    # Debian's python3 has the venv module without python3-venv, but then
    # ensurepip is missing and `python3 -m venv` fails half-way.
    python3 -c 'import ensurepip' >/dev/null 2>&1
}

# --- Debian packages ------------------------------------------------------
packages=()
if initdb="$(find_initdb)"; then
    step "postgresql: found ${initdb%/initdb}"
else
    packages+=(postgresql)
fi
if command -v chromium >/dev/null 2>&1; then
    step "chromium: found $(command -v chromium)"
else
    packages+=(chromium fonts-liberation)
fi
if ! command -v python3 >/dev/null 2>&1; then
    packages+=(python3 python3-venv)
elif [[ -x $venv/bin/python ]] || can_create_venvs; then
    step "python3 venv: ok"
else
    packages+=(python3-venv)
fi
if ((${#packages[@]})); then
    apt_install "${packages[@]}"
else
    step "Debian packages: nothing to install"
fi

# --- virtualenv -----------------------------------------------------------
if [[ -x $venv/bin/python ]] && "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
    step "virtualenv: reusing $venv"
else
    step "virtualenv: creating $venv"
    rm -rf "$venv"
    if ! quietly python3 -m venv "$venv"; then
        # A python3 that passed the checks above can still lack ensurepip's wheels.
        command -v apt-get >/dev/null 2>&1 || exit 1
        rm -rf "$venv"
        apt_install python3-venv
        quietly python3 -m venv "$venv"
    fi
fi

# --- the project ----------------------------------------------------------
# The stamp lists the extras installed with it; reinstall when pyproject.toml
# is newer, an extra is missing or a tool has disappeared from the venv.
stamp_covers() {
    [[ -f $stamp && ! pyproject.toml -nt $stamp ]] || return 1
    local extra
    for extra in ${1//,/ }; do
        grep -qx "$extra" "$stamp" || return 1
    done
}
tools_present() {
    local tool
    for tool in pytest ruff mypy lint-imports; do
        [[ -x $venv/bin/$tool ]] || return 1
    done
}
if stamp_covers "$extras" && tools_present; then
    step "kompas-cc: up to date (pip install skipped)"
else
    step "pip install -e '.[$extras]'"
    quietly "$venv/bin/python" -m pip install -q --disable-pip-version-check -e ".[$extras]"
    tr ',' '\n' <<<"$extras" >"$stamp"
fi
step "test dependencies ready"
