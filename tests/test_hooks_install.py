"""One command adds the hooks and the statusline to Claude Code's settings, merging with the
user's own; one removes exactly what it added. Run as a person would, in a temporary HOME."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest
from hooks_support import closed_port_url, hook_env, payload

USER_SETTINGS = {
    "model": "sonnet",
    "permissions": {"allow": ["Bash(npm run test:*)"], "deny": ["Read(./.env)"]},
    "hooks": {
        "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "~/bin/guard-bash.sh"}]}],
        "Stop": [{"hooks": [{"type": "command", "command": "notify-send 'Claude is done'"}]}],
        "SessionEnd": [{"matcher": "", "hooks": [{"type": "command", "command": "~/bin/archive.sh", "timeout": 30}]}],
    },
}
# The user's file as they wrote it: four-space indents and a key order of their own.
USER_TEXT = json.dumps(USER_SETTINGS, indent=4) + "\n"


@pytest.fixture
def machine(tmp_path):
    return hook_env(tmp_path, closed_port_url())


def settings_file(machine):
    return machine.home / ".claude" / "settings.json"


def backups(machine):
    return sorted(settings_file(machine).parent.glob("settings.json.zikra-backup-*"))


def commands_of(settings, event):
    return [h["command"] for g in settings["hooks"].get(event, []) for h in g["hooks"]]


def test_install_merges_the_five_hooks_and_the_statusline_beside_the_users_own_and_backs_up_first(machine):
    settings_file(machine).parent.mkdir(parents=True)
    settings_file(machine).write_text(USER_TEXT)
    result = machine.run("install")
    assert result.returncode == 0, result.stderr
    merged = json.loads(settings_file(machine).read_text())
    assert merged["model"] == "sonnet" and merged["permissions"] == USER_SETTINGS["permissions"]
    assert merged["hooks"]["PreToolUse"] == USER_SETTINGS["hooks"]["PreToolUse"]
    for event, sub in (("SessionEnd", "session-end"), ("PreCompact", "pre-compact"), ("Stop", "stop"),
                       ("SessionStart", "session-start"), ("UserPromptSubmit", "prompt-recall")):
        ours = [c for c in commands_of(merged, event) if "zikra_hooks" in c]
        assert len(ours) == 1 and ours[0].endswith(f"-m zikra_hooks {sub}")
    assert all(h.get("timeout") == 3 for e in ("SessionStart", "UserPromptSubmit")
               for g in merged["hooks"][e] for h in g["hooks"])
    assert commands_of(merged, "Stop")[0] == "notify-send 'Claude is done'"
    assert commands_of(merged, "SessionEnd")[0] == "~/bin/archive.sh"
    assert all(h.get("timeout") == 5 for g in merged["hooks"]["SessionEnd"][1:] for h in g["hooks"])
    assert merged["statusLine"]["type"] == "command" and merged["statusLine"]["command"].endswith("statusline")
    assert [b.read_text() for b in backups(machine)] == [USER_TEXT]
    assert settings_file(machine).read_text().startswith('{\n    "model"')  # their indentation kept
    assert "claude mcp add --transport http zikra" in result.stdout


def test_installing_twice_is_the_same_as_installing_once(machine):
    settings_file(machine).parent.mkdir(parents=True)
    settings_file(machine).write_text(USER_TEXT)
    assert machine.run("install").returncode == 0
    once = settings_file(machine).read_bytes()
    second = machine.run("install")
    assert second.returncode == 0 and "already installed" in second.stdout
    assert settings_file(machine).read_bytes() == once
    assert len(backups(machine)) == 1


def test_uninstall_restores_the_users_file_byte_for_byte(machine):
    settings_file(machine).parent.mkdir(parents=True)
    settings_file(machine).write_text(USER_TEXT)
    machine.run("install")
    machine.run("install")
    result = machine.run("uninstall")
    assert result.returncode == 0 and "removed Zikra" in result.stdout
    assert settings_file(machine).read_text() == USER_TEXT
    assert machine.run("uninstall").stdout.startswith("nothing of Zikra")


def test_uninstall_keeps_hooks_the_user_added_after_install_and_removes_only_ours(machine):
    settings_file(machine).parent.mkdir(parents=True)
    settings_file(machine).write_text(USER_TEXT)
    machine.run("install")
    edited = json.loads(settings_file(machine).read_text())
    edited["hooks"]["Stop"].append({"hooks": [{"type": "command", "command": "say done"}]})
    edited["hooks"]["PostToolUse"] = [{"matcher": "Edit|Write", "hooks": [{"type": "command", "command": "ruff format"}]}]
    edited["env"] = {"FOO": "1"}
    settings_file(machine).write_text(json.dumps(edited, indent=2))
    assert machine.run("uninstall").returncode == 0
    expected = json.loads(USER_TEXT)
    expected["hooks"]["Stop"].append({"hooks": [{"type": "command", "command": "say done"}]})
    expected["hooks"]["PostToolUse"] = edited["hooks"]["PostToolUse"]
    expected["env"] = {"FOO": "1"}
    assert json.loads(settings_file(machine).read_text()) == expected


def test_a_users_own_statusline_is_kept_and_the_install_says_so(machine):
    theirs = {"type": "command", "command": "~/.claude/statusline.sh", "padding": 0}
    settings_file(machine).parent.mkdir(parents=True)
    settings_file(machine).write_text(json.dumps({"statusLine": theirs}))
    result = machine.run("install")
    assert "kept your statusLine" in result.stdout
    assert json.loads(settings_file(machine).read_text())["statusLine"] == theirs
    machine.run("uninstall")
    assert json.loads(settings_file(machine).read_text()) == {"statusLine": theirs}


def test_a_settings_file_that_did_not_exist_is_created_and_removed_again(machine):
    assert machine.run("install").returncode == 0
    created = json.loads(settings_file(machine).read_text())
    assert set(created) == {"hooks", "statusLine"} and set(created["hooks"]) == {
        "SessionEnd", "PreCompact", "Stop", "SessionStart", "UserPromptSubmit"}
    assert backups(machine) == []
    assert machine.run("uninstall").returncode == 0
    assert not settings_file(machine).exists()


def test_a_project_scope_install_writes_the_projects_settings_file(machine, tmp_path):
    project = tmp_path / "shop"
    project.mkdir()
    result = machine.run("install", "--scope", "project", "--project-dir", str(project))
    assert result.returncode == 0, result.stderr
    assert "zikra_hooks" in (project / ".claude" / "settings.json").read_text()
    assert not settings_file(machine).exists()
    machine.run("uninstall", "--scope", "project", "--project-dir", str(project))
    assert not (project / ".claude" / "settings.json").exists()


def test_a_settings_file_that_is_not_json_is_left_alone_with_a_one_line_error(machine):
    settings_file(machine).parent.mkdir(parents=True)
    settings_file(machine).write_text('{"model": "sonnet",}')
    result = machine.run("install")
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "not valid JSON" in result.stderr and "Traceback" not in result.stderr
    assert settings_file(machine).read_text() == '{"model": "sonnet",}' and backups(machine) == []


def test_the_token_is_saved_for_the_hooks_readable_by_the_owner_only_and_never_in_settings(machine):
    del machine.env["ZIKRA_URL"], machine.env["ZIKRA_TOKEN"]  # a fresh shell: the saved file is all there is
    result = machine.run("install", "--url", "http://zikra.lan:7723/", "--token", "zk_install_secret")
    assert result.returncode == 0
    saved = machine.hooks_home / "config.json"
    assert json.loads(saved.read_text()) == {"url": "http://zikra.lan:7723", "token": "zk_install_secret"}
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert "zk_install_secret" not in settings_file(machine).read_text() + result.stdout
    assert "http://zikra.lan:7723/mcp" in result.stdout


def test_the_installed_commands_run_as_claude_code_runs_them(machine):
    machine.run("install")
    merged = json.loads(settings_file(machine).read_text())
    command = commands_of(merged, "SessionEnd")[0]
    assert f"ZIKRA_HOOKS_HOME={machine.hooks_home}" in command  # a non-default home is pinned
    env = {k: v for k, v in machine.env.items() if k != "ZIKRA_HOOKS_HOME"}
    ran = subprocess.run(["sh", "-c", command], input=json.dumps(payload("session-end")), text=True,
                         capture_output=True, env=env, timeout=20)
    assert ran.returncode == 0 and ran.stdout == ""
    assert len(list((machine.hooks_home / "spool").glob("*.json"))) == 5
    status = subprocess.run(["sh", "-c", merged["statusLine"]["command"]], input=json.dumps(payload("statusline")),
                            text=True, capture_output=True, env=env, timeout=20)
    assert status.returncode == 0 and status.stdout.startswith("zikra ") and status.stdout.count("\n") == 1


def test_print_mcp_config_names_the_mcp_url_and_keeps_the_token_a_reference(machine, tmp_path):
    project = tmp_path / "shop"
    (project / ".git").mkdir(parents=True)
    result = machine.run("print-mcp-config", "--project-dir", str(project))
    assert result.returncode == 0
    url = machine.env["ZIKRA_URL"] + "/mcp"
    assert f"claude mcp add --transport http zikra {url}" in result.stdout
    config = json.loads(result.stdout[result.stdout.index("\n{") + 1:])
    assert config["mcpServers"]["zikra"] == {"type": "http", "url": url, "headers": {
        "Authorization": "Bearer ${ZIKRA_TOKEN}", "X-Zikra-Project": "shop"}}
    assert machine.env["ZIKRA_TOKEN"] not in result.stdout


def test_the_module_help_lists_every_command():
    result = subprocess.run([sys.executable, "-m", "zikra_hooks", "--help"], capture_output=True, text=True,
                            timeout=20, env={**os.environ})
    for command in ("session-end", "pre-compact", "stop", "statusline", "flush", "install", "uninstall",
                    "print-mcp-config"):
        assert command in result.stderr


def test_install_and_print_mcp_config_name_the_project_the_hooks_use_in_this_folder(machine, tmp_path):
    shop = tmp_path / "src" / "shop"
    (shop / ".git").mkdir(parents=True)
    (shop / "web").mkdir()
    session_end = machine.run("session-end", cwd=shop / "web",
                              stdin=payload("session-end", cwd=str(shop / "web")))
    assert session_end.returncode == 0
    hooks_project = {body.get("project") for body in machine.spooled()} - {None}
    assert hooks_project == {"shop"}
    for command in (("install",), ("print-mcp-config",)):
        result = machine.run(*command, cwd=shop / "web")
        assert result.returncode == 0, result.stderr
        assert '--header "X-Zikra-Project: shop"' in result.stdout
        config = json.loads(result.stdout[result.stdout.index("\n{") + 1:])
        assert config["mcpServers"]["zikra"]["headers"]["X-Zikra-Project"] == "shop"
