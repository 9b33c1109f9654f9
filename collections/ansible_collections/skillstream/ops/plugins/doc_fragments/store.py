"""Options shared by the modules that read or write the off-site backup bucket."""

from __future__ import annotations


class ModuleDocFragment:
    """Backup bucket and AWS options."""

    DOCUMENTATION = r"""
options:
  bucket:
    description: Name of the off-site backup bucket.
    type: str
    required: true
  prefix:
    description:
      - Key prefix of this app's backups in the bucket, usually the app's name.
      - Backups are C(<prefix><name>.dump) with C(<name>.manifest.json) and C(<name>.drill.json).
    type: str
    default: ""
  region:
    description: AWS region of the bucket.
    type: str
    default: us-east-1
  endpoint_url:
    description:
      - S3 endpoint, for a local AWS stand-in (moto). Defaults to C(AWS_ENDPOINT_URL) when set.
      - Credentials come from the usual boto3 chain (environment, profile, instance role).
    type: str
requirements:
  - boto3
"""

    DATABASE = r"""
options:
  database_url:
    description:
      - URL of the database, C(postgres://user:password@host:port/db).
      - When not given, it is read from the config var O(database_var) of O(app) through
        the Heroku Platform API, and never returned.
    type: str
  app:
    description: Heroku app whose config vars hold the database URL.
    type: str
  database_var:
    description: The config var that holds the database URL.
    type: str
    default: DATABASE_URL
  heroku_api_url:
    description: Heroku Platform API base URL. Defaults to C(HEROKU_API_URL), then https://api.heroku.com.
    type: str
  heroku_api_key:
    description: Heroku API token. Defaults to C(HEROKU_API_KEY).
    type: str
requirements:
  - PostgreSQL client tools (psql, pg_dump, pg_restore) of at least the server's major version
"""
