#!/bin/sh
# Creates Ketnap's database and its two roles, idempotently (run it again after changing a
# password: it sets the passwords again). Run as a PostgreSQL superuser, with psql on PATH and
# the usual libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD or PGPASSFILE) naming the server:
#
#   DB_NAME         the database (default ketnap), owned by the owner role
#   OWNER_ROLE      owner role (default ketnap_owner): creates the platform schema and
#                          every tenant schema, their tables, triggers and grants (DDL); used by
#                          KETNAP_DATABASE_OWNER_URL
#   APP_ROLE        application role (default ketnap_app): KETNAP_DATABASE_URL. Gets no
#                          right here beyond CONNECT: the owner grants it, per schema, SELECT and
#                          INSERT on the events (never UPDATE, DELETE or TRUNCATE), see
#                          service/store/roles.py
#   OWNER_PASSWORD_FILE, APP_PASSWORD_FILE   files holding the two passwords
#                          (compose and Kubernetes mount them as secrets)
#   POSTGRES_PASSWORD_FILE the superuser's password, when PGPASSWORD/PGPASSFILE do not give it
#
# Used by deploy/compose.yaml (service db-bootstrap), the Kubernetes Job, and deploy/smoke.sh.
set -eu

DB=${DB_NAME:-ketnap}
OWNER=${OWNER_ROLE:-ketnap_owner}
APP=${APP_ROLE:-ketnap_app}
OWNER_PASSWORD=$(cat "${OWNER_PASSWORD_FILE:?set OWNER_PASSWORD_FILE}")
APP_PASSWORD=$(cat "${APP_PASSWORD_FILE:?set APP_PASSWORD_FILE}")
if [ -z "${PGPASSWORD:-}" ] && [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
  PGPASSWORD=$(cat "$POSTGRES_PASSWORD_FILE")
  export PGPASSWORD
fi

# psql substitutes :'name' with a quoted literal (no shell quoting of passwords); \gexec runs
# the statement each SELECT builds, so every step is skipped when already done.
psql -X -q -v ON_ERROR_STOP=1 -d postgres \
  -v db="$DB" -v owner="$OWNER" -v app="$APP" \
  -v owner_password="$OWNER_PASSWORD" -v app_password="$APP_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'owner')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'app')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L',
              :'owner', :'owner_password') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L',
              :'app', :'app_password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0', :'db', :'owner', 'UTF8')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
-- Nobody else connects; the application role connects and nothing more (no CREATE on the
-- database: it cannot make schemas; tenant schemas come from the owner).
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'db', :'app') \gexec
\connect :db
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
echo "db-bootstrap: database $DB, owner role $OWNER, application role $APP ready"
