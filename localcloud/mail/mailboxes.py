"""Mailboxes on disk: `<home>/mail/<addon id>/<n>.eml`, one file per message as received."""

from __future__ import annotations

import email
import email.policy
import json
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class Mailboxes:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()

    def keep(self, addon_id: str, sender: str, recipients: list[str], raw: bytes) -> int:
        """Store one message; its number in the mailbox (1, 2, ...)."""
        box = self.root / addon_id
        with self._lock:
            box.mkdir(parents=True, exist_ok=True)
            number = 1 + max((int(p.stem) for p in box.glob("*.eml")), default=0)
            meta = {"from": sender, "to": recipients, "received_at": _now()}
            (box / f"{number}.json").write_text(json.dumps(meta))
            (box / f"{number}.eml").write_bytes(raw)
        return number

    def messages(self, addon_id: str) -> list[dict[str, Any]]:
        """Every message of the mailbox, oldest first, with its headers and text body."""
        box = self.root / addon_id
        numbers = sorted(int(p.stem) for p in box.glob("*.eml")) if box.is_dir() else []
        return [self.message(addon_id, n) for n in numbers]

    def message(self, addon_id: str, number: int) -> dict[str, Any]:
        box = self.root / addon_id
        raw = (box / f"{number}.eml").read_bytes()
        meta = json.loads((box / f"{number}.json").read_text())
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        body = parsed.get_body(preferencelist=("plain", "html"))
        return {
            "id": number,
            "from": str(parsed.get("From", meta["from"])),
            "to": meta["to"],
            "subject": str(parsed.get("Subject", "")),
            "date": str(parsed.get("Date", "")),
            "received_at": meta["received_at"],
            "text": body.get_content() if body is not None else "",
            "raw": raw.decode("utf-8", "replace"),
        }

    def remove(self, addon_id: str) -> None:
        shutil.rmtree(self.root / addon_id, ignore_errors=True)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
