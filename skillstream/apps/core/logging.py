"""One log line per event, so Heroku's router, drains and log search never split an event."""

import logging


class OneLineFormatter(logging.Formatter):
    """key=value lines; a traceback or multi-line message is folded onto the same line."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        return line.replace("\r", "").replace("\n", " \\n ")
