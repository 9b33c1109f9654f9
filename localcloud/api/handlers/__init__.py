"""Importing this package registers every route."""

from localcloud.api.handlers import (  # noqa: F401
    access,
    account,
    addons,
    apps,
    builds,
    config_vars,
    control,
    data,
    domains,
    features,
    filters,
    formation,
    log_drains,
    mail,
    pipelines,
    releases,
    webhooks,
)
