# Starts the local PostgreSQL and Redis when they are not answering, and waits
# until they do. Sourced by .ci/run and the Makefile's "services" target.
ensure_services() {
  if ! pg_isready -q -h localhost -p 5432; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
  fi
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    echo "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
  fi
  for _ in $(seq 1 60); do
    if pg_isready -q -h localhost -p 5432 && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
      return 0
    fi
    sleep 1
  done
  echo "PostgreSQL or Redis did not come up" >&2
  return 1
}

# Installs Debian's chromium for the sandbox's real-browser test
# (cmd/rantevou TestSandboxBrowser) when it is not there yet, with the
# colour emoji font the bot's messages need to look right in its screenshot.
ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    echo "installing chromium"
    apt-get update && apt-get install -y chromium fonts-noto-color-emoji
  fi
}
