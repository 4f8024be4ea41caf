-- Ketnap's database on a Citus coordinator: run once (idempotent) by citus-setup.sh, as the
-- PostgreSQL superuser, connected to the Ketnap database on the COORDINATOR, after
-- db-bootstrap.sh has created the database and the two roles on every node and the citus
-- extension exists in it on every node.
--
--   psql -v coordinator=db -v workers='citus-worker-1 citus-worker-2' -v owner=ketnap_owner \
--        -d ketnap -f setup.sql
--
-- What Ketnap needs (deploy/README.md, "Citus"):
-- * every connection goes to the coordinator (it plans, routes, orders the writes of a tenant
--   and carries LISTEN/NOTIFY); the workers are never named in a Ketnap URL;
-- * each tenant schema t_<slug> is a distributed schema: Ketnap (KETNAP_CITUS=on) turns
--   citus.enable_schema_based_sharding on for the transaction that creates it, so the setting
--   stays off here: the platform schema must remain an ordinary table on the coordinator;
-- * the tenant's append-only triggers (service/store/roles.py) are created by the owner on
--   tables that are distributed (single-shard): Citus refuses that unless
--   citus.enable_unsafe_triggers is on. Those triggers only raise (they touch no other row or
--   table), which is the case Citus calls safe; turned on for the owner role only.

\set ON_ERROR_STOP 1

-- The coordinator's own address, as the workers reach it.
SELECT citus_set_coordinator_host(:'coordinator', 5432);

-- The workers (skipped when already there).
SELECT format('SELECT citus_add_node(%L, 5432)', node)
  FROM unnest(string_to_array(:'workers', ' ')) AS node
 WHERE node <> '' AND NOT EXISTS (
       SELECT FROM pg_dist_node WHERE nodename = node AND nodeport = 5432) \gexec

-- Distributed schemas only where Ketnap asks for them (see above).
ALTER DATABASE :"DBNAME" SET citus.enable_schema_based_sharding = off;
SELECT format('ALTER ROLE %I IN DATABASE %I SET citus.enable_unsafe_triggers = on',
              :'owner', current_database()) \gexec

SELECT nodename, nodeport, noderole, isactive FROM pg_dist_node ORDER BY nodeid;
