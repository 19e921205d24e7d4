#!/bin/sh
# Runs once, when the `postgres` service of docker-compose.yml initialises an empty volume
# (the image's /docker-entrypoint-initdb.d): n8n gets its own role and database next to
# `zikra`, so n8n's credentials open nothing of the memories (SPEC §1: n8n never touches SQL).
# Changing ZIKRA_N8N_DB_PASSWORD later needs `ALTER ROLE n8n PASSWORD ...` by hand.
set -eu
: "${ZIKRA_N8N_DB_PASSWORD:?set ZIKRA_N8N_DB_PASSWORD in .env}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v n8n_password="$ZIKRA_N8N_DB_PASSWORD" <<'SQL'
CREATE ROLE n8n LOGIN PASSWORD :'n8n_password';
CREATE DATABASE n8n OWNER n8n;
SQL
