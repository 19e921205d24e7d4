"""``python -m zikra_hooks``: the same as the ``zikra-hooks`` command."""

from zikra_hooks.cli import main

raise SystemExit(main())
