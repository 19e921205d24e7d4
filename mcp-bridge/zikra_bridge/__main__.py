"""``python -m zikra_bridge`` serves the public base URL; ``python -m zikra_bridge stdio`` serves MCP
on stdin/stdout."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> None:
    """Pick the transport from the first argument: ``serve`` (default) or ``stdio``."""
    command = argv[0] if argv else "serve"
    if command == "stdio":
        from . import stdio  # without the web server's imports: it must answer initialize fast

        stdio.main()
    elif command == "serve":
        from . import app

        app.main()
    else:
        sys.exit(f"usage: python -m zikra_bridge [serve|stdio] (got {command!r})")


main(sys.argv[1:])
