"""The runtime half of localcloud: builds, release phase, dynos, router, logs, webhooks.

Each module has one job and no knowledge of the API server's state; the core wires them
together (see docs/contracts.md).
"""
