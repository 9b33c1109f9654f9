import logging
import sys

from apps.core.logging import OneLineFormatter


def test_an_exception_is_logged_on_one_line():
    formatter = OneLineFormatter("level=%(levelname)s logger=%(name)s %(message)s")
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "event=failed\nsecond line", (), sys.exc_info()
        )
    line = formatter.format(record)
    assert "\n" not in line
    assert line.startswith("level=ERROR logger=x event=failed \\n second line")
    assert "Traceback" in line and "ValueError: bad \\n thing" in line
