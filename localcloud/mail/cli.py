"""`python -m localcloud mail APP [N]`: the messages an app's email add-on received."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from typing import Any


def add_parser(sub: Any) -> None:
    mail = sub.add_parser("mail", help="list an app's mail, or print message N")
    mail.add_argument("app")
    mail.add_argument("number", nargs="?", type=int, help="print this message (1 = oldest)")
    mail.add_argument("--json", action="store_true")
    mail.add_argument("--raw", action="store_true", help="with N: the message as received")


def cmd_mail(settings: Any, args: argparse.Namespace) -> int:
    path = f"/__localcloud/apps/{args.app}/mail" + (f"/{args.number}" if args.number else "")
    try:
        with urllib.request.urlopen(settings.api_url + path, timeout=30) as resp:
            data = json.load(resp)
    except urllib.error.HTTPError as exc:
        print(f"error: {json.loads(exc.read() or b'{}').get('message', exc.code)}", file=sys.stderr)
        return 1
    except urllib.error.URLError:
        print("localcloud is not running", file=sys.stderr)
        return 3
    if args.json:
        print(json.dumps(data, indent=2))
    elif args.number:
        if args.raw:
            sys.stdout.write(data["raw"])
        else:
            print(f"From:    {data['from']}\nTo:      {', '.join(data['to'])}")
            print(f"Subject: {data['subject']}\nDate:    {data['date']}\n\n{data['text']}")
    else:
        for m in data:
            to = ", ".join(m["to"])[:40]
            print(f"{m['number']:>3}  {m['received_at']}  {to:<40}  {m['subject']}")
        if not data:
            print(f"no mail for {args.app}")
        print(f"page: {settings.api_url}/__localcloud/mail/{args.app}")
    return 0
