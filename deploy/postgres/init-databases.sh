#!/bin/sh
# One database and one role per process: each role owns its own database and may connect to no
# other (CONNECT revoked from PUBLIC); no process uses the superuser. Passwords come from
# <PROCESS>_DB_PASSWORD (development defaults below; set real ones and rotate them as in
# deploy/k8s/README.md).
set -eu
for process in gateway approval enforcement grid dispatch assessment; do
  variable="$(echo "$process" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
  password="$(printenv "$variable" || echo "$process-dev-only")"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v role="jiceng_$process" -v password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"role";
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
SQL
done
