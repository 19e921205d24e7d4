"""Trust Zikra's hooks in Codex, the way Codex's own ``/hooks`` screen does it.

Codex runs a non-managed hook only once a person has trusted its exact definition: it keeps
``[hooks.state."<hook key>"] trusted_hash = "<hash>"`` in ``~/.codex/config.toml``, and skips a
hook whose current hash differs. The hash is Codex's to compute, so this module never computes
it: it asks ``codex app-server`` (JSON-RPC, one object a line on stdio) for ``hooks/list``, which
gives each hook's ``key``, ``currentHash`` and ``trustStatus``, and hands the hashes of our hooks
in ``hooks.json`` back through ``config/batchWrite``, then lists again to check they are trusted.
Only with ``install --client codex --trust``: trusting is the person's decision.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from .install import is_ours

# codex app-server starts in ~0.3 s here; the whole exchange is three requests.
TIMEOUT_S = 30.0


class TrustError(Exception):
    """Codex could not be asked, or did not trust the hooks."""


class _AppServer:
    """A ``codex app-server`` child, asked one request at a time within a deadline."""

    def __init__(self, codex: str, deadline: float, env: dict[str, str] | None = None) -> None:
        self.deadline, self.next_id = deadline, 1
        try:
            self.process = subprocess.Popen([codex, "app-server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=subprocess.DEVNULL, text=True, env=env)
        except OSError as exc:
            raise TrustError(f"cannot run {codex} app-server: {exc}") from None
        self.lines: queue.Queue[str] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()

    def ask(self, method: str, params: dict[str, Any]) -> Any:
        """The result of one request.

        Raises:
            TrustError: an error answer, or none before the deadline.
        """
        ident, self.next_id = self.next_id, self.next_id + 1
        self.send({"id": ident, "method": method, "params": params})
        while True:
            try:
                message = json.loads(self.lines.get(timeout=max(self.deadline - time.monotonic(), 0.01)))
            except queue.Empty:
                raise TrustError(f"codex app-server did not answer {method}") from None
            except ValueError:
                continue
            if message.get("id") == ident:
                if "error" in message:
                    raise TrustError(f"codex app-server refused {method}: {message['error']}")
                return message.get("result")

    def close(self) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.reader.join(5)  # at the child's end of output, so the pipe is closed after its last read
        self.process.stdout.close()


def _ours(server: _AppServer, hooks_file: Path) -> list[dict[str, Any]]:
    listed = server.ask("hooks/list", {"cwds": [str(hooks_file.parent)]})
    return [hook for entry in listed.get("data", []) for hook in entry.get("hooks", [])
            if hook.get("sourcePath") == str(hooks_file) and is_ours(hook.get("command"))]


def listed(hooks_file: Path, codex: str = "codex", env: dict[str, str] | None = None) -> dict[str, Any]:
    """What Codex's ``hooks/list`` says for the folder of ``hooks_file``: ``hooks``, ``warnings``,
    ``errors`` (``env``: the environment Codex runs in, HOME included; default this one's).

    Raises:
        TrustError: Codex could not be run or asked.
    """
    server = _AppServer(codex, time.monotonic() + TIMEOUT_S, env)
    try:
        server.ask("initialize", {"clientInfo": {"name": "zikra-hooks", "version": "0.1"}})
        server.send({"method": "initialized"})
        entries = server.ask("hooks/list", {"cwds": [str(hooks_file.parent)]}).get("data", [])
        return {key: [item for entry in entries for item in entry.get(key, [])] for key in ("hooks", "warnings", "errors")}
    finally:
        server.close()


def trust(hooks_file: Path, codex: str = "codex") -> list[str]:
    """Trust our hooks in ``hooks_file`` in Codex; the keys of the hooks now trusted.

    Raises:
        TrustError: Codex could not be run or asked, or our hooks are not trusted afterwards.
    """
    server = _AppServer(codex, time.monotonic() + TIMEOUT_S)
    try:
        server.ask("initialize", {"clientInfo": {"name": "zikra-hooks", "version": "0.1"}})
        server.send({"method": "initialized"})
        hooks = _ours(server, hooks_file)
        if not hooks:
            raise TrustError(f"Codex lists none of Zikra's hooks in {hooks_file}")
        edits = [{"keyPath": f'hooks.state."{hook["key"]}"', "mergeStrategy": "upsert",
                  "value": {"trusted_hash": hook["currentHash"]}}
                 for hook in hooks if hook.get("trustStatus") != "trusted"]
        if edits:
            server.ask("config/batchWrite", {"edits": edits})
        left = [hook["key"] for hook in _ours(server, hooks_file) if hook.get("trustStatus") != "trusted"]
        if left:
            raise TrustError(f"Codex still does not trust {', '.join(left)}")
        return [hook["key"] for hook in hooks]
    finally:
        server.close()
