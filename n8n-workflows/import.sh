#!/bin/sh
# Import and publish Zikra's workflows: the one-shot `n8n-import` service of docker-compose.yml.
#
#   sh import.sh [DIR] [N8N_URL]     DIR: the workflow folder (default /workflows);
#                                    N8N_URL: the n8n that serves them (default http://n8n:5678)
#
# The same steps, in the same order, as a native install (ops/zikra_ops/n8n.py
# import_and_publish): unpublish our already-active copies (n8n 2.x cannot deactivate them
# during an import without an owner account), import the folder, publish each id, check that
# every id is active. An import deactivates workflows and a publish takes effect when n8n
# starts, so it runs while n8n is stopped: compose starts n8n after this service succeeds.
#
# Safe to run again: when the files are unchanged since the last import (a digest kept in
# n8n's user folder) and every workflow is active, it does nothing. Changed files while n8n
# is running are an error that says what to do, never a half-published n8n.
# It runs in the n8n image: POSIX sh plus node, no Python.
set -eu

DIR="${1:-/workflows}"
N8N_URL="${2:-http://n8n:5678}"
LOGS="$(mktemp -d)"
STAMP="${N8N_USER_FOLDER:-$HOME}/.n8n/zikra-workflows.sha256"
export N8N_LOG_LEVEL=info  # the CLI reports ids and results at info level

say() { printf '[n8n-import] %s\n' "$*"; }
die() { printf '[n8n-import] error: %s\n' "$*" >&2; exit 1; }

# run NAME ARGS...: one n8n CLI command, its output to a file. Never a pipe: n8n spun at
# 100% CPU when its reader went away (RUNTIME-FACTS).
run() {
    name="$1"; shift
    if ! n8n "$@" >"$LOGS/$name.log" 2>&1 </dev/null; then
        tail -n 20 "$LOGS/$name.log" >&2
        die "n8n $* failed (output above)"
    fi
}

# The id of every *.json workflow in DIR, one a line, in file-name order; and their digest.
ids() {
    node -e '
        const fs = require("fs"), path = require("path");
        const dir = process.argv[1];
        const files = fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
        if (!files.length) { console.error(`no *.json workflow in ${dir}`); process.exit(1); }
        for (const f of files) {
            const id = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")).id;
            if (!id) { console.error(`${f} has no "id": publish could not find it`); process.exit(1); }
            console.log(id);
        }' "$DIR"
}
digest() {
    node -e '
        const fs = require("fs"), path = require("path"), hash = require("crypto").createHash("sha256");
        const dir = process.argv[1];
        for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
            hash.update(f); hash.update(fs.readFileSync(path.join(dir, f)));
        }
        console.log(hash.digest("hex"));' "$DIR"
}
# active NAME: write the ids n8n's database has published to $LOGS/NAME.ids
active() {
    run "$1" list:workflow --active=true --onlyId
    grep -E '^[A-Za-z0-9]+$' "$LOGS/$1.log" > "$LOGS/$1.ids" || true
}
all_active() {  # all_active NAME: every id of DIR is in $LOGS/NAME.ids
    for id in $IDS; do grep -qx "$id" "$LOGS/$1.ids" || return 1; done
}
n8n_running() {
    node -e '
        require("http").get(process.argv[1] + "/healthz", { timeout: 2000 }, (r) => process.exit(r.statusCode === 200 ? 0 : 1))
            .on("error", () => process.exit(1)).on("timeout", () => process.exit(1));' "$N8N_URL"
}

IDS="$(ids)" || die "cannot read the workflows in $DIR"
WANT="$(digest)"
active before
if [ "$(cat "$STAMP" 2>/dev/null || true)" = "$WANT" ] && all_active before; then
    say "workflows unchanged and published: nothing to do ($(echo $IDS))"
    exit 0
fi
if n8n_running; then
    die "the workflows changed while n8n is running at $N8N_URL; an import would deactivate them.
Stop n8n first, then start again:  docker compose stop n8n && docker compose up -d"
fi

for id in $IDS; do
    if grep -qx "$id" "$LOGS/before.ids"; then run "unpublish-$id" unpublish:workflow --id="$id"; fi
done
run import import:workflow --separate --input="$DIR"
for id in $IDS; do run "publish-$id" publish:workflow --id="$id"; done
active after
all_active after || die "not active after publish: $(echo $IDS); see the publish output in $LOGS"
echo "$WANT" > "$STAMP"
say "imported and published: $(echo $IDS)"
