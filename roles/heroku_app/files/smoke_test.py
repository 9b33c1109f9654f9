#!/usr/bin/env python3
"""Moved to the collection: plugins/module_utils/smoke.py of skillstream.heroku (the module
skillstream.heroku.smoke_test runs it in a deploy).

This shim only keeps the tests that still import or run it from here working
(tests/reliability/test_app_security.py, tests/e2e/media_check.py,
skillstream/tests/test_gunicorn.py); delete it once they use the collection's file.
Same interface: smoke_test.py URL [--read-only] [--publish-wait S] [--password-file F].
"""

import importlib.util
import sys
from pathlib import Path

_SMOKE = (
    Path(__file__).resolve().parents[3]
    / "collections/ansible_collections/skillstream/heroku/plugins/module_utils/smoke.py"
)
_spec = importlib.util.spec_from_file_location("skillstream_smoke", _SMOKE)
_smoke = importlib.util.module_from_spec(_spec)
sys.modules["skillstream_smoke"] = _smoke
_spec.loader.exec_module(_smoke)
globals().update({k: v for k, v in vars(_smoke).items() if not k.startswith("__")})

if __name__ == "__main__":
    sys.exit(_smoke.main(sys.argv[1:]))
