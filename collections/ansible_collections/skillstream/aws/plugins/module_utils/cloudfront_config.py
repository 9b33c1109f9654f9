# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare a desired CloudFront configuration with the one the service returns.

CloudFront never hands back what it was sent: it adds defaults (ConnectionAttempts,
OriginShield, Logging ...), turns ``{"Quantity": 0}`` into ``{"Quantity": 0, "Items": []}``,
reorders set-like lists, and emulators (moto) drop keys they do not model
(``S3OriginConfig``, ``OriginAccessControlId``). A naive ``desired == current`` is
therefore never true and the module would update on every run.

The rules here:

* only keys present in the desired configuration are compared (the module owns those);
* a key the service did not return at all is not compared: the real service returns
  every key it stores (``""`` when unset), so absence only happens on an emulator
  and says nothing about drift;
* ``{"Quantity", "Items"}`` wrappers compare their items; string items as a set,
  dict items matched by their identifying key (``Id``, ``PathPattern`` ...).
"""

from __future__ import annotations

from typing import Any

# Keys that identify an element of a CloudFront list, in the order they are tried.
_IDENTITY_KEYS = ("Id", "PathPattern", "ErrorCode", "EventType", "FunctionARN", "LambdaFunctionARN")


def _is_wrapper(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and "Quantity" in value
        and set(value)
        <= {
            "Quantity",
            "Items",
            "Enabled",
            "CachedMethods",
            "RestrictionType",
        }
    )


def _identity(item: Any) -> Any:
    if isinstance(item, dict):
        for key in _IDENTITY_KEYS:
            if key in item:
                return (key, str(item[key]))
    return None


def _compare_items(desired: list, current: list, path: str, out: list[str]) -> None:
    if all(not isinstance(i, (dict, list)) for i in desired):
        if sorted(map(str, desired)) != sorted(map(str, current)):
            out.append(path)
        return
    if len(desired) != len(current):
        out.append(path)
        return
    ids = [_identity(i) for i in desired]
    if all(ids):
        by_id = {_identity(i): i for i in current}
        for ident, item in zip(ids, desired, strict=True):
            if ident not in by_id:
                out.append(f"{path}[{ident[1]}]")
                continue
            _compare(item, by_id[ident], f"{path}[{ident[1]}]", out)
        return
    for index, (want, have) in enumerate(zip(desired, current, strict=True)):
        _compare(want, have, f"{path}[{index}]", out)


def _compare(desired: Any, current: Any, path: str, out: list[str]) -> None:
    if desired is None:
        return
    if _is_wrapper(desired):
        current = current if isinstance(current, dict) else {}
        want_items = desired.get("Items") or []
        have_items = current.get("Items") or []
        _compare_items(want_items, have_items, f"{path}.Items", out)
        for key in desired:
            if key not in ("Quantity", "Items") and key in current:
                _compare(desired[key], current[key], f"{path}.{key}", out)
        return
    if isinstance(desired, dict):
        if not isinstance(current, dict):
            out.append(path)
            return
        for key, want in desired.items():
            if key not in current:
                continue  # not returned by the service: see the module docstring
            _compare(want, current[key], f"{path}.{key}" if path else key, out)
        return
    if isinstance(desired, list):
        _compare_items(desired, current if isinstance(current, list) else [], path, out)
        return
    if desired != current:
        out.append(path)


def config_differences(desired: dict, current: dict, ignore: tuple[str, ...] = ()) -> list[str]:
    """Return the dotted paths where ``current`` does not match ``desired``."""
    out: list[str] = []
    for key, want in desired.items():
        if key in ignore or key not in current:
            continue
        _compare(want, current[key], key, out)
    return out


def project(desired: Any, current: Any) -> Any:
    """Return the part of ``current`` that ``desired`` talks about (for a readable diff)."""
    if isinstance(desired, dict) and isinstance(current, dict):
        return {k: project(v, current[k]) for k, v in desired.items() if k in current}
    return current
