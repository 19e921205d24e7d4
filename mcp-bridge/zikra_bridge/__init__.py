"""Zikra's MCP bridge: one MCP tool per API command, over streamable HTTP, SSE and stdio, and the
one public base URL that also forwards ``POST /webhook/zikra`` to n8n and reports ``/health``."""
