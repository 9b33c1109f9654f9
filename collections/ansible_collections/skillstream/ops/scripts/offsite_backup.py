#!/usr/bin/env python3
"""Run one off-site backup (and optionally its drill) outside Ansible; print JSON.

Used by bench/ and by hand:

    DATABASE_URL=postgres://... AWS_ENDPOINT_URL=http://127.0.0.1:4566 \\
        python offsite_backup.py --bucket skillstream-backups --prefix myapp/ [--drill ADMIN_URL]

The JSON carries the manifest (without the table list) and `peak_rss_mib`, the peak
resident memory of this process: the backup process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[4]))

from ansible_collections.skillstream.ops.plugins.module_utils import offsite, s3stream


def peak_rss_mib() -> float:
    """Peak resident memory of this process in MiB.

    VmHWM belongs to this program's own address space; ru_maxrss would also carry the
    peak of the parent that forked it (Linux keeps it across exec).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, back up, print the result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--prefix", default="")
    parser.add_argument("--app", default="")
    parser.add_argument("--label", default="")
    parser.add_argument("--part-size-mib", type=int, default=8)
    parser.add_argument("--max-inflight", type=int, default=2)
    parser.add_argument("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL"))
    parser.add_argument("--region", default=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
    parser.add_argument("--drill", metavar="ADMIN_URL", help="run a restore drill afterwards")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url or DATABASE_URL is required")
    client = s3stream.s3_client(args.region, args.endpoint_url)
    manifest = offsite.run_backup(
        client,
        args.database_url,
        args.bucket,
        args.prefix,
        app=args.app,
        label=args.label,
        part_size=args.part_size_mib * s3stream.MIB,
        max_inflight=args.max_inflight,
    )
    out = {k: v for k, v in manifest.items() if k != "tables"}
    out["peak_rss_mib"] = peak_rss_mib()
    if args.drill:
        drill = offsite.run_drill(client, args.bucket, args.prefix, manifest["name"], args.drill)
        out["drill"] = drill
    print(json.dumps(out, indent=2))
    return 0 if not args.drill or out["drill"]["status"] == "passed" else 1


if __name__ == "__main__":
    sys.exit(main())
