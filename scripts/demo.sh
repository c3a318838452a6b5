#!/usr/bin/env bash
# Run the KOMPAS demo: create or reuse .venv, install the project into it when
# pyproject.toml is newer than the stamp .venv/.kompas-installed, then hand
# over to `kompas demo` (arguments are passed on). Progress goes to stderr.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

venv=.venv
stamp="$venv/.kompas-installed"
extras=postgres

step() { printf '==> %s\n' "$*" >&2; }

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
        echo "need root to run: $* (install it or re-run as root)" >&2
        return 1
    fi
}

install_python3_venv() {
    step "apt-get install python3-venv"
    quietly as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    quietly as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends python3-venv
}

if [[ -x $venv/bin/python ]] && "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
    step "virtualenv: reusing $venv"
else
    step "virtualenv: creating $venv"
    rm -rf "$venv"
    # Debian's python3 has the venv module but no ensurepip without python3-venv.
    if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
        install_python3_venv
    fi
    if ! quietly python3 -m venv "$venv"; then
        command -v apt-get >/dev/null 2>&1 || exit 1
        rm -rf "$venv"
        install_python3_venv
        quietly python3 -m venv "$venv"
    fi
fi

# The stamp lists the extras installed with it (install-test-deps.sh writes
# dev and postgres, which covers the demo's needs).
stamp_covers() {
    [[ -f $stamp && ! pyproject.toml -nt $stamp ]] || return 1
    local extra
    for extra in ${1//,/ }; do
        grep -qx "$extra" "$stamp" || return 1
    done
}
if stamp_covers "$extras" && [[ -x $venv/bin/kompas ]]; then
    step "kompas-cc: up to date (pip install skipped)"
else
    step "pip install -e '.[$extras]'"
    quietly "$venv/bin/python" -m pip install -q --disable-pip-version-check -e ".[$extras]"
    tr ',' '\n' <<<"$extras" >"$stamp"
fi

exec "$venv/bin/kompas" demo "$@"
