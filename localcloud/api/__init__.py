"""The HTTP side of localcloud: Heroku Platform API, data API, blobs and the control endpoint."""
