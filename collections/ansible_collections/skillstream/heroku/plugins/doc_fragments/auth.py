# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Options shared by every module of skillstream.heroku (module_utils/common.py).
    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - Base URL of the Heroku Platform API.
      - Point it at localcloud (for example C(http://127.0.0.1:4510)) to rehearse offline.
      - If not set, the value of the E(HEROKU_API_URL) environment variable is used.
    type: str
    default: https://api.heroku.com
  api_key:
    description:
      - Heroku API token, sent as a Bearer token and only to O(api_url) and O(data_api_url).
      - If not set, the value of the E(HEROKU_API_KEY) environment variable is used.
      - Never logged.
    type: str
  data_api_url:
    description:
      - Base URL of the Heroku Postgres data API (C(/client/v11/...)), used for backups.
      - If not set, the value of the E(HEROKU_DATA_API_URL) environment variable is used.
    type: str
    default: https://api.data.heroku.com
  timeout:
    description:
      - Seconds to wait for each HTTP response.
    type: int
    default: 30
  max_retry_wait:
    description:
      - Total seconds a module may spend backing off between retries of failed requests
        (HTTP 429, 5xx, dropped connections, timeouts) before it gives up.
      - Retries use full-jitter exponential backoff and honour C(Retry-After).
    type: float
    default: 120
requirements:
  - requests
notes:
  - Every module returns C(api_calls), the number of HTTP requests it sent
    (retries included), and C(api_retries).
"""

    ATTRIBUTES = r"""
attributes:
  check_mode:
    support: full
    description: Reads the current state, reports what would change and writes nothing.
  diff_mode:
    support: full
    description: Shows the change as before and after, with secret values masked.
"""
