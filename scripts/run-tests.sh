#!/usr/bin/env bash
# The whole test run CI does (`make test`): lint, the app's own suite, then the
# operator-side suite (localcloud, the collections, roles, playbooks, Molecule, e2e).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/.venv/bin
export PATH="$BIN:$PATH"
started=$(date +%s)

scripts/lint.sh

echo "test: the SkillStream app (skillstream/tests)"
(cd skillstream && "$BIN/pytest" -q)

echo "test: localcloud, collections, roles, playbooks (tests/)"
if [[ -n ${SKIP_SLOW:-} ]]; then
  "$BIN/pytest" -q -m "not slow" tests
else
  "$BIN/pytest" -q tests
fi

echo "test: all passed in $(($(date +%s) - started)) s"
