"""Replace this process with a service, with exactly the environment saved in a JSON file.

supervisord runs each service through it: ``python -m zikra_ops.launch ENV.json DIGEST -- PROGRAM ARGS…``.
Values travel in a mode-600 file, not in supervisord.conf, whose ``environment=`` line cannot
carry every value (no quoting rule covers both quote characters, and `` ;`` starts a comment).
DIGEST is unused here: it sits in the command so that supervisord sees a changed program
(and restarts it on ``zikra up``) when its environment changed. ``exec`` keeps the pid, so
supervisord supervises the service itself.
"""

from __future__ import annotations

import json
import os
import sys


def main(argv: list[str]) -> None:
    """Exec ``argv[3:]`` (after ``--``) with the environment in the file ``argv[0]``."""
    if len(argv) < 4 or argv[2] != "--":
        raise SystemExit("usage: python -m zikra_ops.launch ENV.json DIGEST -- PROGRAM [ARGS…]")
    with open(argv[0]) as f:
        env = json.load(f)
    os.execve(argv[3], argv[3:], env)


if __name__ == "__main__":
    main(sys.argv[1:])
