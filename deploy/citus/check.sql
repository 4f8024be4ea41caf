-- Where each tenant lives, on the COORDINATOR (any role that can read the registry):
--   psql -d ketnap -f check.sql
-- Expect: every tenant distributed, all its tables on ONE node; no platform table in
-- citus_tables (the registry stays on the coordinator). python -m bench.citus checks the same.

SELECT t.slug,
       s.colocation_id IS NOT NULL AS distributed,
       count(sh.shardid) AS tables,
       string_agg(DISTINCT sh.nodename || ':' || sh.nodeport, ', ') AS nodes,
       s.schema_size AS size
  FROM platform.tenants t
  LEFT JOIN citus_schemas s ON s.schema_name::text = 't_' || t.slug
  LEFT JOIN citus_shards sh ON sh.colocation_id = s.colocation_id
 GROUP BY t.slug, s.colocation_id, s.schema_size
 ORDER BY t.slug;

SELECT count(*) AS platform_tables_in_citus
  FROM citus_tables WHERE table_name::text LIKE 'platform.%';
