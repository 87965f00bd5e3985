"""gunicorn settings for `scripts/serve` (command-line flags there add workers and the address)."""

# The app logs one structured event per request itself (no URLs with tokens or phone numbers);
# gunicorn's own access log would print every full URL, so it stays off.
accesslog = None
errorlog = "-"
graceful_timeout = 10
# No control socket in the home folder: two instances on one machine would share one path.
control_socket_disable = True
timeout = 60
# Long request lines reach the app, which answers 414 in its own JSON or page shape.
limit_request_line = 8190


def child_exit(server, worker):
    # A finished worker's live gauges must not be added up any more.
    from prometheus_client import multiprocess  # noqa: PLC0415 - only under gunicorn with metrics

    multiprocess.mark_process_dead(worker.pid)
