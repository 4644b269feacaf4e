#!/bin/sh
# Writes PgBouncer's configuration from the environment into /tmp (the root file system may be
# read-only) and runs it in the foreground.
set -eu
conf=/tmp/pgbouncer
mkdir -p "$conf"
# the roles the processes log in with: PGBOUNCER_USERS, whitespace-separated role:password pairs
# (one database role per process), and/or a single PGBOUNCER_USER with PGBOUNCER_PASSWORD
umask 077
: > "$conf/userlist.txt"
if [ -n "${PGBOUNCER_USER:-}" ]; then
  printf '"%s" "%s"\n' "$PGBOUNCER_USER" "${PGBOUNCER_PASSWORD:?}" >> "$conf/userlist.txt"
fi
set -f  # split on whitespace only, no globbing
for pair in ${PGBOUNCER_USERS:-}; do
  printf '"%s" "%s"\n' "${pair%%:*}" "${pair#*:}" >> "$conf/userlist.txt"
done
if [ ! -s "$conf/userlist.txt" ]; then
  echo "pgbouncer: set PGBOUNCER_USERS (role:password ...) or PGBOUNCER_USER and PGBOUNCER_PASSWORD" >&2
  exit 1
fi
set +f
chmod 0600 "$conf/userlist.txt"
cat > "$conf/pgbouncer.ini" <<INI
[databases]
* = host=${POSTGRES_HOST:-postgres} port=${POSTGRES_PORT:-5432}

[pgbouncer]
listen_addr = 0.0.0.0
listen_port = 6432
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $conf/userlist.txt
; transaction pooling: a server connection serves one transaction, then the next client
pool_mode = transaction
server_reset_query =
default_pool_size = ${PGBOUNCER_DEFAULT_POOL_SIZE:-5}
max_db_connections = ${PGBOUNCER_MAX_DB_CONNECTIONS:-6}
max_client_conn = ${PGBOUNCER_MAX_CLIENT_CONN:-1000}
; the processes turn asyncpg's statement cache off (JICENG_DATABASE_PGBOUNCER=true)
ignore_startup_parameters = extra_float_digits
logfile =
pidfile =
INI
exec pgbouncer "$conf/pgbouncer.ini"
