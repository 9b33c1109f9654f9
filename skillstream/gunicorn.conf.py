"""gunicorn reads this file from the app root by itself; the Procfile's flags still apply."""


def post_worker_init(worker):
    # After a worker has loaded the app and before it accepts a request: warm it up, so
    # the first visitors after a release do not pay for the imports and connections.
    from apps.core.warmup import warm_up

    warm_up()
