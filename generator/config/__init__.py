"""What a site asks for: ``digest.yaml`` read and checked (title, base URL,
year, taxonomy), and the sources it fetches.

May import ``core`` only.
"""
