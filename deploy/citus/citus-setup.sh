#!/bin/sh
# Prepares a Citus cluster for Ketnap, idempotently: on each worker the database and the two
# roles (deploy/db-bootstrap.sh, the same as on the coordinator: Citus connects to the workers
# as the role that runs a statement), the citus extension in the Ketnap database on every node,
# then deploy/citus/setup.sql on the coordinator (the workers added, the settings). Run as the
# PostgreSQL superuser, after db-bootstrap.sh ran on the coordinator:
#
#   COORDINATOR  the coordinator's host name, as the workers reach it (default db)
#   WORKERS      the workers' host names, separated by spaces
#   OWNER_PASSWORD_FILE, APP_PASSWORD_FILE, POSTGRES_PASSWORD_FILE   as for db-bootstrap.sh
#   DB_NAME, OWNER_ROLE, APP_ROLE                                    as for db-bootstrap.sh
#
# Used by deploy/citus/compose.yaml (service citus-setup).
set -eu

HERE=$(dirname "$0")
BOOTSTRAP=${BOOTSTRAP:-/bootstrap/db-bootstrap.sh}
COORDINATOR=${COORDINATOR:-db}
WORKERS=${WORKERS:?set WORKERS}
DB=${DB_NAME:-ketnap}
OWNER=${OWNER_ROLE:-ketnap_owner}
if [ -z "${PGPASSWORD:-}" ] && [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
  PGPASSWORD=$(cat "$POSTGRES_PASSWORD_FILE")
  export PGPASSWORD
fi

for node in $WORKERS; do
  PGHOST=$node sh "$BOOTSTRAP"
done
for node in $COORDINATOR $WORKERS; do
  psql -X -q -v ON_ERROR_STOP=1 -h "$node" -d "$DB" -c "CREATE EXTENSION IF NOT EXISTS citus"
done
psql -X -q -v ON_ERROR_STOP=1 -h "$COORDINATOR" -d "$DB" \
  -v coordinator="$COORDINATOR" -v workers="$WORKERS" -v owner="$OWNER" \
  -f "$HERE/setup.sql"
echo "citus-setup: coordinator $COORDINATOR, workers $WORKERS ready for database $DB"
