-- Give the role named in the setting zikra.owner the connected database's public schema and
-- every object in it that belongs to no extension: an installation made before roles has
-- them all owned by the superuser. A column's sequence and a table's indexes follow their
-- table and a table's row type is not listed; partitions are handed over each.
-- Run by ops/zikra_ops/postgres.py (natively) and docker/postgres-roles.sh (compose).
DO $$
DECLARE
    new_owner text := current_setting('zikra.owner');
    item record;
BEGIN
    EXECUTE format('ALTER SCHEMA public OWNER TO %I', new_owner);
    FOR item IN
        SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                              WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE'
                              WHEN 'c' THEN 'TYPE' ELSE 'TABLE' END AS kind,
               format('public.%I', c.relname) AS target
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S', 'c')
           AND c.relowner <> new_owner::regrole
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                           AND d.objid = c.oid
                           AND (d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype IN ('a', 'i'))))
        UNION ALL
        SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
               format('public.%I(%s)', p.proname, pg_get_function_identity_arguments(p.oid))
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'public' AND p.proowner <> new_owner::regrole
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                           AND d.objid = p.oid AND d.deptype = 'e')
        UNION ALL
        SELECT 'TYPE', format('public.%I', t.typname)
          FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE n.nspname = 'public' AND t.typowner <> new_owner::regrole AND t.typtype IN ('e', 'd', 'r')
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                           AND d.objid = t.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO %I', item.kind, item.target, new_owner);
    END LOOP;
END
$$;
