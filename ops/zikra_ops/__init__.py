"""Zikra operations: running the embedded PostgreSQL, the worker and n8n natively."""
