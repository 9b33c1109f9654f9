"""What the router answers when it cannot reach the app: Heroku's codes and pages."""

from __future__ import annotations

ERROR_PAGE = b"""<!DOCTYPE html>
<html>
  <head>
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta charset="utf-8">
    <title>Application Error</title>
    <style>body{font-family:sans-serif;margin:15% auto;max-width:36em;color:#3f3f44}</style>
  </head>
  <body>
    <h1>Application error</h1>
    <p>An error occurred in the application and your page could not be served. If you are
    the application owner, check your logs for details. You can do this from the Heroku
    CLI with the command <code>heroku logs --tail</code></p>
  </body>
</html>
"""

ERRORS = {
    "H10": "App crashed",
    "H12": "Request timeout",
    "H13": "Connection closed without response",
    "H14": "No web processes running",
    "H20": "App boot timeout",
    "H80": "Maintenance mode",
}
# What a `state(app)` answer means at once, without waiting for a dyno to boot.
STATE_ERRORS = {"none": "H14", "maintenance": "H80"}

MAINTENANCE_PAGE = b"""<!DOCTYPE html>
<html>
  <head>
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta charset="utf-8">
    <title>Offline for Maintenance</title>
    <style>body{font-family:sans-serif;margin:15% auto;max-width:36em;color:#3f3f44}</style>
  </head>
  <body>
    <h1>Offline for maintenance</h1>
    <p>This app is undergoing maintenance right now. Please check back later.</p>
  </body>
</html>
"""
