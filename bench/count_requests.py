"""Count what one request of each page costs: database queries and Redis round trips.

Run by `manage.py shell -c` with the dyno's settings, against the benchmark's database and
Redis; each page is requested through the whole middleware stack (Django's test client), once
to warm it and then REPEAT times, counted. Pages come from BENCH_COUNT_PAGES (JSON: name ->
[path, cookie]). A Redis round trip is one command, pipeline or script sent to the server.
Prints one JSON line: name -> {"queries": per request, "redis_round_trips": per request,
"requests": all made, the warm one included}.
"""

import json
import os

from django.db import connection
from django.test import Client
from redis.connection import AbstractConnection

REPEAT = 5
sent = {"redis": 0, "queries": 0}
_send = AbstractConnection.send_packed_command


def _counted_send(self, *args, **kwargs):
    sent["redis"] += 1
    return _send(self, *args, **kwargs)


def _counted_query(execute, sql, params, many, context):
    sent["queries"] += 1
    return execute(sql, params, many, context)


AbstractConnection.send_packed_command = _counted_send
client = Client(HTTP_HOST="127.0.0.1")
counts = {}
for name, (path, cookie) in json.loads(os.environ["BENCH_COUNT_PAGES"]).items():
    client.get(path, HTTP_COOKIE=cookie)  # warm: connections, the page cache, script loads
    sent.update(redis=0, queries=0)
    with connection.execute_wrapper(_counted_query):
        for _ in range(REPEAT):
            # The cookie as given and nothing else (wrk sends no cookie it was given back).
            response = client.get(path, HTTP_COOKIE=cookie)
            if response.status_code != 200:
                raise SystemExit(f"{name} {path} answered {response.status_code}")
    counts[name] = {
        "queries": sent["queries"] / REPEAT,
        "redis_round_trips": sent["redis"] / REPEAT,
        "requests": REPEAT + 1,
    }
print(json.dumps(counts))
