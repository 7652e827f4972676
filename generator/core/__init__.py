"""The ground every stage stands on: errors and diagnostics, clean stops,
worker processes, the site lock, slugs and plain-text rules.

Imports nothing from the rest of ``generator``.
"""
