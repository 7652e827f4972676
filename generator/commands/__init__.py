"""What a user runs: the command line (``cli``), the build pipeline top to
bottom (``build``), ``serve`` with its preview server (``preview``), ``fetch``
and ``init``.

The top layer: may import every stage below it.
"""
