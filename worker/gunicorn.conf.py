"""gunicorn settings for the worker: loopback by default, a few threaded processes, JSON logs."""

import os

bind = f"{os.environ.get('ZIKRA_WORKER_HOST', '127.0.0.1')}:{os.environ.get('ZIKRA_WORKER_PORT', '7724')}"
# Two processes for two cores; threads overlap database waits. Each process loads its own
# copy of the embedding model (~100 MB) after the fork.
workers = int(os.environ.get("ZIKRA_WORKER_PROCESSES", "2"))
worker_class = "gthread"
threads = int(os.environ.get("ZIKRA_WORKER_THREADS", "4"))
# gunicorn 27's control socket sits at one path per user: two instances (a test run beside
# an installed Zikra) would fight over it, and nothing of ours uses it.
control_socket_disable = True
timeout = 60
graceful_timeout = 10
keepalive = 30
# The app logs each request itself, as JSON; gunicorn's own lines go to the error log.
accesslog = None
errorlog = "-"
loglevel = "info"
logconfig_dict = {
    "version": 1,
    "formatters": {"json": {"()": "zikra_worker.jsonlog.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json",
                            "stream": "ext://sys.stderr"}},
    "root": {"handlers": ["stderr"], "level": "INFO"},
    "loggers": {"gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
}


def post_fork(server, worker):
    """A worker dies with its master (Linux): when the master is killed outright (SIGKILL, OOM),
    orphaned workers would hold the port for seconds and the restarted master could not bind."""
    import ctypes
    import signal
    import sys

    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG
