#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the test suite and print its URL.
# Usage: scripts/start-postgres.sh DATA_DIR PORT
# Installs Debian's postgresql package when missing; exits 3 when it cannot.
set -euo pipefail
data_dir=${1:?data dir}
port=${2:-55432}

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "installing PostgreSQL from Debian's packages..." >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) >&2 || exit 3
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  else
    exit 3
  fi
fi

# initdb refuses to run as root; the cluster belongs to the postgres user.
run_as=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql postgres
  run_as=(runuser -u postgres --)
fi
mkdir -p "$data_dir"
[ "$(id -u)" = 0 ] && chown postgres "$data_dir"
if [ ! -f "$data_dir/PG_VERSION" ]; then
  "${run_as[@]}" "$pg_bin/initdb" -D "$data_dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
if ! "${run_as[@]}" "$pg_bin/pg_ctl" -D "$data_dir" status >/dev/null 2>&1; then
  "${run_as[@]}" "$pg_bin/pg_ctl" -D "$data_dir" -l "$data_dir/server.log" -w \
    -o "-p $port -k $data_dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null
fi
"${run_as[@]}" "$pg_bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname='registry_test'" | grep -q 1 || \
  "${run_as[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres registry_test
echo "postgresql+psycopg://postgres@127.0.0.1:$port/registry_test"
