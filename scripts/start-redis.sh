#!/usr/bin/env bash
# Start a throwaway Redis server for the test suite (127.0.0.1 only, no persistence) and print its URL.
# Usage: scripts/start-redis.sh DATA_DIR PORT
# Installs Debian's redis-server package when missing; exits 3 when it cannot.
set -euo pipefail
data_dir=${1:?data dir}
port=${2:-56379}

if ! command -v redis-server >/dev/null; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "installing Redis from Debian's packages..." >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null) >&2 || exit 3
  else
    exit 3
  fi
fi
mkdir -p "$data_dir"
redis-server --bind 127.0.0.1 --port "$port" --dir "$data_dir" --save "" --appendonly no \
  --daemonize yes --pidfile "$data_dir/redis.pid" --logfile "$data_dir/redis.log" >/dev/null
for _ in $(seq 1 50); do
  redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG && break
  sleep 0.1
done
redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG || exit 3
echo "redis://127.0.0.1:$port/0"
