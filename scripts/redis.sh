#!/usr/bin/env bash
# A private redis-server on a free loopback port, for tests, the demo and benchmarks — never the
# system service. Usage:
#   scripts/redis.sh start DIR [redis-server args…]   prints the port; pidfile in DIR/redis.pid
#   scripts/redis.sh stop DIR
# CALLSTATE_SERVER=valkey runs valkey-server (and valkey-cli) instead of redis-server (default redis).
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?dir}; shift 2
case "${CALLSTATE_SERVER:-redis}" in
  redis) server=redis-server; cli=redis-cli ;;
  valkey) server=valkey-server; cli=valkey-cli ;;
  *) echo "CALLSTATE_SERVER must be redis or valkey, not ${CALLSTATE_SERVER}" >&2; exit 2 ;;
esac
case "$cmd" in
  start)
    mkdir -p "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$server" --bind 127.0.0.1 --port "$port" --dir "$dir" --pidfile "$dir/redis.pid" \
      --daemonize yes --save "" --appendonly no --logfile "$dir/redis.log" "$@" >/dev/null
    for _ in $(seq 50); do "$cli" -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    echo "$port" > "$dir/port"
    echo "$port" ;;
  stop)
    [[ -f "$dir/redis.pid" ]] && kill "$(cat "$dir/redis.pid")" 2>/dev/null || true ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
