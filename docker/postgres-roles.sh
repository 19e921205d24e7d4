#!/bin/sh
# The compose stack's one-shot `db-roles` service, at every start: the worker connects as a
# role of its own (zikra_worker, no superuser) that owns the memory database and every object
# in it; a volume made before that role existed (everything the superuser's) is handed over
# here, as `zikra up` does natively. pgvector is no trusted extension: the superuser makes it.
# PGHOST, PGUSER and PGPASSWORD (the superuser, POSTGRES_USER of the postgres service) come
# from docker-compose.yml.
set -eu
: "${ZIKRA_PG_WORKER_PASSWORD:?set ZIKRA_PG_WORKER_PASSWORD in .env}"
psql -v ON_ERROR_STOP=1 --dbname postgres -v worker_password="$ZIKRA_PG_WORKER_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE zikra_worker LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L',
              :'worker_password')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'zikra_worker') \gexec
ALTER ROLE zikra_worker WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'worker_password';
ALTER DATABASE zikra OWNER TO zikra_worker;
REVOKE CONNECT, TEMPORARY ON DATABASE zikra FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE n8n FROM PUBLIC;
SQL
psql -v ON_ERROR_STOP=1 --dbname zikra \
    -c "CREATE EXTENSION IF NOT EXISTS vector" \
    -c "SELECT set_config('zikra.owner', 'zikra_worker', false)" \
    -f /zikra/hand_over.sql
echo "[db-roles] zikra_worker owns the zikra database"
