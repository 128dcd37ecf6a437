#!/usr/bin/env bash
# Start the local PostgreSQL cluster if it is installed and not running, so the storage
# tests run on both SQLite and PostgreSQL. Tests decide what to do if it stays down.
set -u
command -v pg_isready >/dev/null 2>&1 || { echo "PostgreSQL client not installed; PostgreSQL tests will be skipped unless CI=true"; exit 0; }
pg_isready -q -h 127.0.0.1 -p 5432 && exit 0
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  for v in $(ls /etc/postgresql); do
    pg_ctlcluster --skip-systemctl-redirect "$v" main start 2>/dev/null || true
  done
fi
for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 0.5; done
echo "PostgreSQL did not start"
exit 1
