"""supervisord's configuration as ``zikra up`` writes it, and the launcher that gives each
service exactly its environment (no processes of the installation are started here)."""

from __future__ import annotations

import configparser
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from zikra_ops import service_user, services, supervisor
from zikra_ops.supervisor import Program


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch ZIKRA_HOME for the generated files."""
    monkeypatch.setenv("ZIKRA_HOME", str(tmp_path))
    return tmp_path


def parse(text: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    return parser


def test_the_configuration_has_every_program_off_at_start_restarted_on_crash_and_logged_in_one_folder(home: Path):
    env = {"ZIKRA_DATABASE_URL": "postgresql://postgres@127.0.0.1:54329/zikra", "ZIKRA_WORKER_SECRET": "s"}
    found = services.programs(env)
    assert list(found) == ["postgres", "worker", "n8n", "bridge"]
    conf = parse(supervisor.render(list(found.values())))
    priorities = [int(conf.get(f"program:{name}", "priority")) for name in found]
    assert priorities == sorted(priorities)  # supervisord stops the highest first: bridge, then n8n …
    for name in found:
        section = f"program:{name}"
        assert conf.get(section, "autostart") == "false" and conf.get(section, "autorestart") == "true"
        assert conf.get(section, "stdout_logfile") == str(home / "log" / f"{name}.log")
        assert conf.get(section, "redirect_stderr") == "true"
    assert conf.get("program:postgres", "stopsignal") == "INT"  # fast shutdown, not "smart"
    assert conf.get("unix_http_server", "chmod") == "0700"


def test_an_external_database_leaves_postgres_out(home: Path):
    env = {"ZIKRA_DATABASE_URL": "postgresql://zikra:pw@db.example:5432/zikra"}
    assert list(services.programs(env)) == ["worker", "n8n", "bridge"]


def test_secrets_stay_out_of_the_configuration_and_a_changed_environment_changes_the_command(home: Path):
    secret = "pa%ss\"word' ;x"
    program = Program("svc", ["/bin/true"], priority=1, env={"ZIKRA_WORKER_SECRET": secret})
    text = supervisor.render([program])
    assert secret not in text and "pa%%ss" not in text
    env_file = home / "run" / "svc.env.json"
    assert json.loads(env_file.read_text()) == {"ZIKRA_WORKER_SECRET": secret}
    assert env_file.stat().st_mode & 0o777 == 0o600
    command = parse(text).get("program:svc", "command")
    changed = Program("svc", ["/bin/true"], priority=1, env={"ZIKRA_WORKER_SECRET": "other"})
    assert parse(supervisor.render([changed])).get("program:svc", "command") != command


def test_a_percent_sign_in_a_path_is_escaped_for_supervisord(home: Path):
    program = Program("svc", ["/opt/100%/bin/run"], priority=1)
    assert "command=/opt/100%%/bin/run" in supervisor.render([program]).splitlines()


def test_the_launcher_runs_the_program_with_exactly_the_saved_environment(tmp_path: Path):
    env_file = tmp_path / "env.json"
    env_file.write_text(json.dumps({"ONLY": "this one", "PATH": os.environ["PATH"]}))
    done = subprocess.run([sys.executable, "-m", "zikra_ops.launch", str(env_file), "digest", "--",
                           "/usr/bin/env"], capture_output=True, text=True, timeout=30,
                          env={**os.environ, "NOT_PASSED": "1"})
    assert done.returncode == 0, done.stderr
    assert sorted(done.stdout.splitlines()) == sorted(["ONLY=this one", f"PATH={os.environ['PATH']}"])


def test_services_see_our_settings_and_the_system_basics_not_the_whole_shell(home: Path):
    env = {"ZIKRA_WORKER_PORT": "1", "N8N_LOG_LEVEL": "debug", "PATH": "/bin", "OPENAI_API_KEY": "k",
           "SSH_AUTH_SOCK": "/tmp/agent", "PS1": "$ ", "OLDPWD": "/root",
           "ZIKRA_N8N_OWNER_PASSWORD": "operator-only", "ZIKRA_N8N_OWNER_EMAIL": "o@example.com"}
    kept = services.service_env(env)
    # As root the services run as the service user, with a HOME of their own under ZIKRA_HOME.
    own_home = {"HOME": str(home / "home")} if os.geteuid() == 0 else {}
    assert kept == {"ZIKRA_WORKER_PORT": "1", "N8N_LOG_LEVEL": "debug", "PATH": "/bin",
                    "OPENAI_API_KEY": "k", "ZIKRA_HOME": str(home), **own_home}


def test_as_root_every_program_runs_as_the_service_user_on_an_interpreter_it_can_run(home: Path):
    if os.geteuid() != 0:
        pytest.skip("only root hands the services to the service user")
    env = {"ZIKRA_DATABASE_URL": "postgresql://zikra_worker:pw@127.0.0.1:54329/zikra", "ZIKRA_N8N_WORKERS": "1",
           "ZIKRA_N8N_WEBHOOK_PROCESSORS": "1", "PATH": "/usr/bin:/bin"}
    found = services.programs(env)
    assert {name: p.user for name, p in found.items()} == {name: "zikra" for name in found}
    conf = parse(supervisor.render(list(found.values())))
    for name, program in found.items():
        assert conf.get(f"program:{name}", "user") == "zikra"
        if program.env is not None:  # the launcher reads its environment file as that user
            env_file = home / "run" / f"{name}.env.json"
            assert env_file.stat().st_uid == pwd.getpwnam("zikra").pw_uid
            assert env_file.stat().st_mode & 0o777 == 0o600
    command = conf.get("program:worker", "command").split()
    python = next(arg for arg in command if arg.endswith("/python") or "/python3" in arg)
    done = subprocess.run(["runuser", "-u", "zikra", "--", "/usr/bin/env", *[a for a in command if "=" in a],
                           python, "-c", "import zikra_worker, zikra_bridge, gunicorn"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_queue_mode_adds_redis_and_n8n_workers_with_ports_of_their_own(home: Path):
    env = {"ZIKRA_DATABASE_URL": "postgresql://postgres@127.0.0.1:54329/zikra", "ZIKRA_N8N_WORKERS": "2",
           "ZIKRA_N8N_PORT": "5678", "ZIKRA_REDIS_PORT": "6390", "PATH": "/usr/bin:/bin"}
    found = services.programs(env)
    assert list(found) == ["postgres", "redis", "worker", "n8n", "n8n-worker-1", "n8n-worker-2", "bridge"]
    assert found["redis"].argv[1:5] == ["--bind", "127.0.0.1", "--port", "6390"]
    main = found["n8n"].env
    assert main is not None and main["EXECUTIONS_MODE"] == "queue" and main["QUEUE_BULL_REDIS_PORT"] == "6390"
    workers = [found[f"n8n-worker-{n}"] for n in (1, 2)]
    for program in workers:
        assert program.argv[1] == "worker" and program.env is not None
        assert program.env["EXECUTIONS_MODE"] == "queue"
        assert program.env["N8N_WORKER_SERVER_ADDRESS"] == "127.0.0.1"
    ports = {p.env["QUEUE_HEALTH_CHECK_PORT"] for p in workers} | {p.env["N8N_RUNNERS_BROKER_PORT"] for p in workers}
    assert len(ports) == 4 and "5678" not in ports
    conf = parse(supervisor.render(list(found.values())))
    priorities = [int(conf.get(f"program:{name}", "priority")) for name in found]
    assert priorities == sorted(priorities)


def test_without_workers_n8n_runs_its_executions_itself(home: Path):
    env = {"ZIKRA_DATABASE_URL": "postgresql://postgres@127.0.0.1:54329/zikra", "ZIKRA_N8N_WORKERS": "0"}
    found = services.programs(env)
    assert "redis" not in found and not any(name.startswith("n8n-worker") for name in found)
    assert found["n8n"].env is not None and "EXECUTIONS_MODE" not in found["n8n"].env


def test_as_root_a_project_the_service_user_cannot_read_is_refused_with_what_to_do():
    if os.geteuid() != 0:
        pytest.skip("only root hands the services to the service user")
    private = Path(tempfile.mkdtemp(prefix="zikra-private-"))  # mode 700, as /root is
    try:
        code = private / "code.py"
        code.write_text("")
        with pytest.raises(RuntimeError, match="cannot read .*code.py.*not under a private folder"):
            service_user.check_can_read(code)
        private.chmod(0o755)
        service_user.check_can_read(code)
    finally:
        shutil.rmtree(private)
