#!/usr/bin/env bash
# A vault password "file" that reads the password from the environment, so CI never
# writes it to disk: ansible-playbook --vault-password-file scripts/vault-password-from-env.sh
set -euo pipefail
if [[ -z ${ANSIBLE_VAULT_PASSWORD:-} ]]; then
  echo "ANSIBLE_VAULT_PASSWORD is not set: the staging and production vaults cannot be opened" >&2
  exit 1
fi
printf '%s\n' "$ANSIBLE_VAULT_PASSWORD"
