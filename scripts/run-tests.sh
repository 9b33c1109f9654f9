#!/usr/bin/env bash
# The whole test run CI does (`make test`): the linters and three suites side by side
# (the machine has 2 cores and most of the deploy-level tests wait on processes):
#   lint+app  scripts/lint.sh (about a minute), then the SkillStream app's own suite
#             (skillstream/tests, PostgreSQL + Redis + Chromium)
#   platform  localcloud, the collections, the AWS and ops roles (tests/ below)
#   deploy    playbooks, Molecule scenarios, e2e and the reliability suite
# Each suite has its own private localcloud. Fails when any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/.venv/bin
export PATH="$BIN:$PATH"
LOGS=tests/artifacts/logs
mkdir -p "$LOGS"
started=$(date +%s)

slow=()
[[ -n ${SKIP_SLOW:-} ]] && slow=(-m "not slow")

run_suite() {
  local name=$1
  shift
  local begun
  begun=$(date +%s)
  if "$@" >"$LOGS/$name.log" 2>&1; then
    echo "test: $name passed in $(($(date +%s) - begun)) s: $(tail -n 1 "$LOGS/$name.log")"
  else
    echo "test: $name FAILED after $(($(date +%s) - begun)) s; the end of $LOGS/$name.log:"
    tail -n 80 "$LOGS/$name.log"
    return 1
  fi
}

platform_dirs=(tests/foundation tests/localcloud tests/localcloud_runtime tests/collection tests/aws tests/ops tests/cli)
deploy_dirs=(tests/playbooks tests/molecule tests/e2e tests/reliability)

# The linters share a lane with the short app suite rather than hold up the long suites;
# both always run, and the lane fails when either does.
lint_then_app() {
  local failed=0
  run_suite lint scripts/lint.sh || failed=1
  run_suite app bash -c "cd skillstream && '$BIN/pytest' -q -p no:cacheprovider" || failed=1
  return "$failed"
}

pids=()
lint_then_app & pids+=($!)
run_suite platform "$BIN/pytest" -q -p no:cacheprovider "${slow[@]}" "${platform_dirs[@]}" & pids+=($!)
run_suite deploy "$BIN/pytest" -q -p no:cacheprovider "${slow[@]}" "${deploy_dirs[@]}" & pids+=($!)

failed=0
for pid in "${pids[@]}"; do
  wait "$pid" || failed=1
done

# Every test directory must belong to a suite, or it would silently never run.
for dir in tests/*/; do
  dir=${dir%/}
  [[ $dir == tests/artifacts || $dir == tests/__pycache__ ]] && continue
  if [[ " ${platform_dirs[*]} ${deploy_dirs[*]} " != *" $dir "* ]]; then
    echo "test: $dir is in no suite of scripts/run-tests.sh" >&2
    failed=1
  fi
done

if ((failed)); then
  echo "test: FAILED after $(($(date +%s) - started)) s"
  exit 1
fi
echo "test: all passed in $(($(date +%s) - started)) s"
