"""``python -m zikra_bridge`` serves the public base URL; ``python -m zikra_bridge stdio`` serves MCP
on stdin/stdout."""

from __future__ import annotations

import sys

from . import app, stdio


def main(argv: list[str]) -> None:
    """Pick the transport from the first argument: ``serve`` (default) or ``stdio``."""
    command = argv[0] if argv else "serve"
    if command == "stdio":
        stdio.main()
    elif command == "serve":
        app.main()
    else:
        sys.exit(f"usage: python -m zikra_bridge [serve|stdio] (got {command!r})")


main(sys.argv[1:])
