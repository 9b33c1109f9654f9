"""Heroku's CLI and Ansible's Heroku module against localcloud (a package, so its conftest
is not the `conftest` module other directories import helpers from)."""
