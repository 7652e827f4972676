"""digest: turns daily research-paper feeds into a static, searchable archive.

One package per stage, data flowing one way (``lint-imports`` holds it):
``commands`` → ``site`` | ``sources`` → ``analysis`` → ``reading`` → ``config`` → ``core``.
"""
