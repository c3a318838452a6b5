#!/usr/bin/env bash
# Install the test dependencies, then run every check: ruff (lint and format),
# mypy, import-linter and pytest. All checks run even when one fails; the
# script exits non-zero if any failed. Arguments are passed to pytest.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

bash scripts/install-test-deps.sh

failures=()
check() {
    local name=$1
    shift
    printf '==> %s\n' "$name"
    local rc=0
    "$@" || rc=$?
    if ((rc != 0)); then
        printf '!!! %s failed (exit %d)\n' "$name" "$rc" >&2
        failures+=("$name")
    fi
}

check "ruff check" .venv/bin/ruff check .
check "ruff format --check" .venv/bin/ruff format --check .
check "mypy" .venv/bin/mypy
check "lint-imports" .venv/bin/lint-imports
check "pytest" .venv/bin/pytest "$@"

if ((${#failures[@]})); then
    joined="$(printf '%s, ' "${failures[@]}")"
    printf 'FAILED: %s\n' "${joined%, }" >&2
    exit 1
fi
echo "all checks passed"
