#!/usr/bin/env bash
# Runs a command from the repository root the way a person does: with the repository's
# ansible.cfg, not the one Molecule generates, and none of Molecule's ANSIBLE_* settings.
set -euo pipefail
cd "$MOLECULE_PROJECT_DIRECTORY"
while IFS='=' read -r name _; do
  case $name in ANSIBLE_*|MOLECULE_*) unset "$name" ;; esac
done < <(env)
export PATH="$PWD/.venv/bin:$PATH"
exec "$@"
