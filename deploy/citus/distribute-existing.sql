-- Tenants created before KETNAP_CITUS=on: make each tenant schema a distributed schema, once
-- (new tenants are distributed at creation). Run on the COORDINATOR, in the Ketnap database,
-- as the PostgreSQL superuser: citus_schema_distribute requires the owner of every table in the
-- schema, and the read models belong to the application role, the event store to the owner.
--
--   psql -d ketnap -f distribute-existing.sql
--
-- Each schema's tables are copied to one worker node: the tenant's writes wait meanwhile. Stop
-- the Ketnap processes first, or run it tenant by tenant in a quiet hour. Idempotent.

\set ON_ERROR_STOP 1

SELECT format('SELECT citus_schema_distribute(%L::regnamespace)', 't_' || t.slug)
  FROM platform.tenants t
  JOIN pg_namespace n ON n.nspname = 't_' || t.slug
 WHERE NOT EXISTS (SELECT FROM citus_schemas s WHERE s.schema_name = n.oid::regnamespace)
 ORDER BY t.slug \gexec

\i check.sql
