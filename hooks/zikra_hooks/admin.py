"""The commands a person runs: ``flush``, ``install``, ``uninstall``, ``print-mcp-config``."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from . import config as settings
from . import clients, delivery, install, jsonlog, mcp_config
from .project import for_directory

FLUSH_TIMEOUT_S = 1.5
FLUSH_BUDGET_S = 60.0
# What the person must still do for the hooks to run, as each agent's code has it.
CLIENT_NOTES = {
    "gemini": ["Gemini CLI runs hooks only in a folder it trusts: trust the folder when it asks "
               "(or set GEMINI_CLI_TRUST_WORKSPACE=true for a headless run)"],
    "codex": ["Codex runs a new or changed hook only once you trust it: open /hooks in a Codex session "
              "and trust Zikra's two hooks, or run this again with --trust"],
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zikra-hooks", description="Zikra for Claude Code.")
    commands = parser.add_subparsers(dest="command", required=True)
    flush = commands.add_parser("flush", help="send what the spool holds now, in order")
    flush.add_argument("--budget", type=float, default=FLUSH_BUDGET_S, help="stop after this many seconds")
    for name, text in (("install", "add the hooks and the statusline to Claude Code's settings"),
                       ("uninstall", "remove exactly what install added")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--scope", choices=("user", "project"), default="user",
                         help="user: ~/.claude/settings.json (default); project: <dir>/.claude/settings.json")
        sub.add_argument("--project-dir", type=Path, help="the project folder for --scope project (default: here)")
        sub.add_argument("--settings", type=Path, help="any other settings file")
        sub.add_argument("--client", choices=tuple(clients.CLIENTS), default="claude",
                         help="claude: every hook and the statusline (default); gemini: the recall hooks "
                              "in ~/.gemini/settings.json; codex: the recall hooks in ~/.codex/hooks.json")
        if name == "install":
            sub.add_argument("--trust", action="store_true",
                             help="codex: trust the two hooks in Codex now (else: /hooks in a Codex session)")
            sub.add_argument("--codex", default="codex", help="the codex command for --trust (default: codex on PATH)")
            sub.add_argument("--url", help="Zikra's public base URL, saved for the hooks")
            sub.add_argument("--token", help="a writer token, saved for the hooks (mode 600); "
                                             "default: $ZIKRA_TOKEN")
    mcp = commands.add_parser("print-mcp-config", help="print the MCP configuration to paste")
    mcp.add_argument("--project-dir", type=Path,
                     help="name this folder's project in the X-Zikra-Project header (default: here)")
    return parser


def _settings_file(args: argparse.Namespace) -> Path:
    if args.settings:
        return args.settings
    return install.settings_path(args.scope, args.project_dir, client=clients.named(args.client))


def do_flush(args: argparse.Namespace, config: settings.Config) -> int:
    """Send the spool; exit 1 when items are left."""
    result = delivery.flush(config, time.monotonic() + args.budget, request_timeout=FLUSH_TIMEOUT_S)
    print(f"sent {result.sent}, rejected {result.rejected}, left {result.left}"
          + (f" ({result.stopped_by})" if result.stopped_by else ""))
    return 1 if result.left else 0


def do_install(args: argparse.Namespace, config: settings.Config) -> int:
    """Save url/token for the hooks, merge the settings, print what happened and the MCP config."""
    token = args.token or os.environ.get("ZIKRA_TOKEN") or ""
    if args.url or token:
        settings.write_file(config.home, {"url": (args.url or "").rstrip("/"), "token": token})
    pinned = config.home if "ZIKRA_HOOKS_HOME" in os.environ else None
    client = clients.named(args.client)
    report = install.install(_settings_file(args), home=pinned, client=client)
    print(f"{'updated' if report.changed else 'already installed in'} {report.path}"
          + (f" (backup: {report.backup})" if report.backup else ""))
    for note in report.notes:
        print(note)
    if client.name == "codex" and args.trust:
        from .codex_trust import TrustError, trust

        try:
            print(f"trusted in Codex: {', '.join(trust(report.path, args.codex))}")
        except TrustError as exc:
            sys.stderr.write(f"zikra-hooks install: installed, but not trusted: {exc}\n")
            return 1
    else:
        for note in CLIENT_NOTES.get(client.name, []):
            print(note)
    if not (token or settings.load().token):
        print("no token saved: run again with --token, or export ZIKRA_TOKEN where the agent runs")
    print()
    print(_mcp_config_for(args.project_dir) if client.name == "claude"
          else f"For the MCP tools in {client.name}, see docs/mcp.md.")
    return 0


def _mcp_config_for(project_dir: Path | None) -> str:
    """The MCP configuration for ``project_dir`` (default: this folder), naming in X-Zikra-Project
    the project the hooks use there: MCP saves and hook saves of a session then agree."""
    folder = project_dir or Path.cwd()
    project = for_directory(folder)
    return "\n".join([
        f"# In {folder} the hooks use project {project!r}; so do these MCP settings (run the claude",
        "# command in that folder: its default scope is that folder). For another project, run",
        "# `zikra-hooks print-mcp-config` in its folder (or with --project-dir).",
        mcp_config.text(settings.load(), project),
    ])


def do_uninstall(args: argparse.Namespace) -> int:
    """Take our hooks and statusLine out of the settings file."""
    report = install.uninstall(_settings_file(args))
    print(f"{'removed Zikra from' if report.changed else 'nothing of Zikra in'} {report.path}"
          + (f" (backup: {report.backup})" if report.backup else ""))
    for note in report.notes:
        print(note)
    return 0


def run(argv: list[str]) -> int:
    """Parse and run one command; one line on stderr and exit 1 on an error."""
    args = _parser().parse_args(argv)
    try:
        config = settings.load()
        jsonlog.setup(config.home, args.command)
        if args.command == "flush":
            return do_flush(args, config)
        if args.command == "install":
            return do_install(args, config)
        if args.command == "uninstall":
            return do_uninstall(args)
        print(_mcp_config_for(args.project_dir))
        return 0
    except (ValueError, OSError, install.InstallError) as exc:
        sys.stderr.write(f"zikra-hooks {args.command}: {exc}\n")
        return 1
