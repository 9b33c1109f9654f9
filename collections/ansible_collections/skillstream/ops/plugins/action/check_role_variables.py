# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check the variables of several roles in one task (documented in modules/check_role_variables.py).

What each role checks stays in the role: its ``meta/argument_specs.yml`` entry point and its
``templates/variable_problems.j2`` (the template its ``tasks/validate.yml`` asserts is empty).
This plugin only evaluates both for many roles at once, with each role's defaults beneath the
host's variables as an include_role would, so deploy.yml pays one task instead of three per role.
"""

from __future__ import annotations

import hashlib
import json
import os

import yaml
from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible.template import trust_as_template

_ARGS = {
    "roles": {"type": "list", "elements": "str", "required": True},
    "entry_point": {"type": "str", "default": "validate"},
    "digest_exclude": {"type": "list", "elements": "str", "default": []},
}
_PROBLEMS_TEMPLATE = "variable_problems.j2"
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(_ARGS)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _, args = self.validate_argument_spec(argument_spec=_ARGS)
        checked = []
        values = {}
        for role in args["roles"]:
            problem, values[role] = self._check_role(role, args["entry_point"], task_vars or {})
            if problem:
                result.update(failed=True, msg=problem, role=role, checked=checked)
                return result
            checked.append(role)
        # Facts: a role's own entry point skips checking what was checked here, and
        # deploy.yml's fast path compares what the variables resolve to with the last deploy.
        excluded = set(args["digest_exclude"])
        digest = variables_digest(
            {
                role: {k: v for k, v in got.items() if k not in excluded}
                for role, got in values.items()
            }
        )
        result.update(
            changed=False,
            checked=checked,
            variables_digest=digest,
            ansible_facts={
                "skillstream_checked_roles": checked,
                "skillstream_variables_digest": digest,
            },
        )
        return result

    def _check_role(self, role, entry_point, task_vars):
        """(the problem or None, the checked variables' values)."""
        path = self._role_path(role, task_vars)
        variables = self._role_variables(path, task_vars)
        templar = self._templar.copy_with_new_env(available_variables=variables)

        spec = self._entry_point_options(path, entry_point)
        provided = {}
        if spec:
            provided = templar.template(
                {name: variables[name] for name in spec if name in variables}
            )
            errors = (
                ArgumentSpecValidator(spec)
                .validate(provided, validate_role_argument_spec=True)
                .error_messages
            )
            if errors:
                return (
                    f"Validation of arguments failed (role {role}, entry point {entry_point}):\n"
                    + "\n".join(errors)
                ), provided

        problems_file = os.path.join(path, "templates", _PROBLEMS_TEMPLATE)
        if os.path.isfile(problems_file):
            rendered = templar.template(
                trust_as_template(
                    f"{{{{ lookup('ansible.builtin.template', {problems_file!r}) }}}}"
                )
            )
            problems = [line.strip() for line in (rendered or "").splitlines() if line.strip()]
            if problems:
                return " ".join(problems), provided
        return None, provided

    def _role_path(self, role, task_vars):
        roles_paths = list(C.DEFAULT_ROLES_PATH)
        playbook_dir = task_vars.get("playbook_dir")
        if playbook_dir:
            roles_paths.insert(0, os.path.join(playbook_dir, "roles"))
        for base in roles_paths:
            candidate = os.path.join(base, role)
            if os.path.isdir(candidate):
                return candidate
        raise AnsibleError(f"role {role!r} was not found in {', '.join(roles_paths)}")

    def _role_variables(self, path, task_vars):
        """The role's defaults and vars/main.yml (private names) beneath the host's variables."""
        layers = [self._load(path, "defaults"), self._load(path, "vars"), dict(task_vars)]
        variables = {}
        for layer in layers:
            variables.update(layer)
        variables.update(role_path=path, role_name=os.path.basename(path))
        return variables

    def _load(self, path, folder):
        for name in ("main.yml", "main.yaml"):
            candidate = os.path.join(path, folder, name)
            if os.path.isfile(candidate):
                return self._loader.load_from_file(candidate, trusted_as_template=True) or {}
        return {}

    def _entry_point_options(self, path, entry_point):
        for name in ("argument_specs.yml", "argument_specs.yaml"):
            candidate = os.path.join(path, "meta", name)
            if os.path.isfile(candidate):
                # Plain data, read with PyYAML's C loader: Ansible's loader tags every value
                # with its origin, about ten times slower on the larger specs (backups: 700 lines).
                with open(candidate, encoding="utf-8") as handle:
                    specs = yaml.load(handle, Loader=_YAML_LOADER) or {}  # noqa: S506 (a safe loader)
                return (specs.get("argument_specs") or {}).get(entry_point, {}).get("options") or {}
        return {}


def variables_digest(values):
    """sha256 of every checked variable's value, by role: equal digests, equal inputs.

    Only the digest leaves this plugin, never a value: the variables include vault secrets.
    """
    document = json.dumps(values, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(document.encode()).hexdigest()
