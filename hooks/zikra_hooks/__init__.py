"""Zikra for Claude Code: hooks that save what a session did and decided, and a statusline.

Standard library only, so a hook starts in tens of milliseconds. See docs/claude-code.md.
"""

AGENT = "claude-code"
