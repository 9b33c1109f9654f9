"""Importing this package registers every route."""

from localcloud.api.handlers import (  # noqa: F401
    account,
    apps,
    config_vars,
    control,
    releases,
)
