"""localcloud: a local stand-in for the Heroku Platform API, Heroku Postgres and AWS (moto)."""

__version__ = "1.0.0"
