#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run calls `make check`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --test
export PATH="$PWD/.venv/bin:$PATH"
mkdir -p artifacts

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "ruff"
ruff check src tests bench
ruff format --check src tests bench

step "mypy"
mypy

step "import-linter (the analytics core imports no Django)"
lint-imports

step "migrations are complete"
kizuna manage makemigrations --check --dry-run

step "translations compile and are complete"
kizuna manage compilemessages --ignore=.venv --verbosity 0

step "OpenAPI document matches the code"
kizuna openapi --check

step "pytest on SQLite"
pytest -q -m "not browser" -n 2 --durations=15

step "pytest on PostgreSQL"
scripts/ensure-postgres.sh
DATABASE_URL="${KIZUNA_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}" \
  pytest -q -m "not browser and not pure" -n 2 --durations=15

step "browser tests in headless Chromium (screenshots in artifacts/)"
pytest -q -m browser
