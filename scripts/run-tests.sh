#!/usr/bin/env bash
# run-tests.sh - the one test command (`make test`, CI): install dependencies (the web UI is
# built there), start the real test servers, lint (ruff, import-linter; ESLint and Prettier for
# web/), type-check (mypy; vue-tsc for web/), the web's unit tests (vitest), then pytest with this
# script's arguments (tests/web drives Chromium against nginx and `aops standalone`).
# The servers testenv started are stopped on exit, also on failure or Ctrl-C
# (TESTENV_KEEP=1 leaves them running for the next run).
#
#   scripts/run-tests.sh                 everything
#   scripts/run-tests.sh -k mysql -x     arguments go to pytest
#   PYTEST_WORKERS=1 scripts/run-tests.sh   pytest in one worker process
PROG=run-tests
# shellcheck source=scripts/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

# run_step NAME CMD... : run one step; stop with its status when it fails.
run_step() {
    local name=$1 rc=0 t0=$SECONDS
    shift
    log "==> $name: $*"
    "$@" || rc=$?
    if ((rc != 0)); then
        if [[ $name == pytest && $rc == 5 ]]; then
            log "FAILED: step '$name': no tests were collected (pytest exit status 5)"
        else
            log "FAILED: step '$name' exited with status $rc"
        fi
        exit "$rc"
    fi
    log "ok: $name ($((SECONDS - t0))s)"
}

cleanup() {
    local rc=$?
    trap - EXIT
    if [[ ${TESTENV_KEEP:-} == 1 ]]; then
        log "TESTENV_KEEP=1: leaving the test servers running (scripts/testenv.sh stop stops them)"
    else
        bash scripts/testenv.sh stop || log "warning: scripts/testenv.sh stop failed"
    fi
    if ((rc == 0)); then log "all steps passed"; else log "exit status $rc"; fi
    exit "$rc"
}

run_step install-deps bash scripts/install-deps.sh

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
run_step testenv-start bash scripts/testenv.sh start
# shellcheck source=/dev/null
source "${TESTENV_DIR:-$ROOT/.testenv}/env"

run_step ruff .venv/bin/ruff check .
run_step import-linter env PYTHONPATH="$ROOT" .venv/bin/lint-imports --no-cache

# mypy reads `files` from [tool.mypy] when pyproject.toml has it; otherwise name the packages.
mypy_args=()
if ! .venv/bin/python - <<'EOF'; then
import sys, tomllib
with open("pyproject.toml", "rb") as f:
    sys.exit(0 if tomllib.load(f).get("tool", {}).get("mypy", {}).get("files") else 1)
EOF
    mypy_args=(aops_utils aops_database aops_manager aops_cli)
fi
run_step mypy .venv/bin/mypy "${mypy_args[@]}"
run_step web-lint npm --prefix web run --silent lint
run_step web-typecheck npm --prefix web run --silent typecheck
run_step web-unit npm --prefix web run --silent test

# Two processes (pytest-xdist), a test module each at a time: the suite waits on servers, SSH
# hosts and Chromium much of the time, so two share the 2-core CI machine well. Arguments given
# to this script come after, so `-n 0` runs it in one process.
run_step pytest .venv/bin/pytest -n "${PYTEST_WORKERS:-2}" --dist loadfile "$@"
