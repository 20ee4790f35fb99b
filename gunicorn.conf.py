"""Gunicorn settings for the Partner Portal's web process (docs/deploy.md).

Run as: gunicorn -c gunicorn.conf.py 'portal:create_app()'. Every value the operator may want to change
comes from the environment (the systemd unit reads /etc/partner-portal/env), so this file stays as shipped.
"""

from __future__ import annotations

import gc
import os
import re
from typing import Any

from gunicorn.glogging import Logger


def _int_from_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Loopback only: nginx on the same host terminates TLS and proxies here. GUNICORN_BIND wins (host:port);
# else 127.0.0.1:PORT; else 127.0.0.1:8000. Never 0.0.0.0: the app believes X-Forwarded-For/-Proto from
# PROXY_HOPS proxies, so nothing but the proxy may reach it.
bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{_int_from_env('PORT', 8000)}"

# Processes: the usual 2 × cores + 1, capped at 8 because each one holds its own database pool and
# in-memory school search index; WEB_CONCURRENCY overrides.
workers = _int_from_env("WEB_CONCURRENCY", min(2 * (os.cpu_count() or 1) + 1, 8))

# Threads inside each process: requests mostly wait on PostgreSQL, so a few threads per process serve
# more for little memory. Each busy thread holds one database connection.
worker_class = "gthread"
threads = _int_from_env("GUNICORN_THREADS", 4)

# A worker process that has not checked in with the master for this long is killed and replaced. (With
# gthread a single slow request does not trip it: the process's main loop checks in; nginx's
# proxy_read_timeout bounds how long a client waits. The slowest page, the quarterly PDF, takes < 1 s.)
timeout = 30

# On stop or reload, requests in flight get this long to finish before their worker is killed.
graceful_timeout = 30

# Seconds an idle keep-alive connection from nginx stays open, for nginx to reuse. nginx's upstream
# keepalive_timeout must be shorter (4 s there), or it may send a request on a connection closing here.
keepalive = 5

# Restart each worker after about this many requests (the jitter spreads the restarts), so that slow
# growth in memory stays bounded without anyone having to notice it.
max_requests = 2000
max_requests_jitter = 200

# Logs to stdout/stderr: systemd's journal keeps them (journalctl -u partner-portal-web).
accesslog = "-"
errorlog = "-"

# The access log line carries the request id (nginx's $request_id, or the one the portal made when none
# came), which the portal echoes on the response and puts on its own log lines: one request's lines can
# be found across nginx, gunicorn and the portal. %(h)s is nginx's address; nginx's log has the client's.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s" request_id=%({x-request-id}o)s'

# Gunicorn believes X-Forwarded-Proto (for wsgi.url_scheme) only from these addresses: nginx on this host.
# The portal's ProxyFix (PROXY_HOPS) decides the client address and scheme for the app itself.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Each worker imports and builds the app itself: a graceful reload (systemctl reload, SIGHUP) then loads
# new code, and no database connection made before the fork is shared between processes.
preload_app = False

# No gunicornc control socket (gunicorn 25.1+ opens one in $HOME by default): systemd manages the process
# (reload = SIGHUP, stop = SIGTERM), and the service user has no home directory to put it in.
control_socket_disable = True


def post_worker_init(worker: Any) -> None:
    """Once the worker has built the app: move everything it holds (modules, the app, templates, the search
    index: about 180,000 objects) out of the garbage collector's sight. A full collection otherwise walks them
    all, about 90 ms on the request that happens to trigger it (the financial-year dashboard's p95 on
    PostgreSQL, 256 ms against a median of 107). Objects made by requests are collected as before."""
    gc.collect()
    gc.freeze()


# Password-reset and invitation links carry a single-use token in the path, and the next page's
# requests carry it in the Referer: keep it out of the access log, which more people can read than the
# database. (nginx's log is redacted the same way: deploy/nginx/partner-portal.conf.)
_TOKEN_IN_PATH = re.compile(r"(/(?:password-reset|invitations)/)[A-Za-z0-9_-]{16,}")


class RedactingLogger(Logger):
    """Gunicorn's logger with the tokens in the request line, path and referrer replaced."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f", "{referer}i"):
            if isinstance(atoms.get(key), str):
                atoms[key] = _TOKEN_IN_PATH.sub(r"\1[redacted]", atoms[key])
        return atoms


logger_class = RedactingLogger
