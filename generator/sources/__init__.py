"""The sources ``digest fetch`` reads, one module each (``hf``, ``arxiv``, ``feed``),
and what they share: HTTP with retries and bounds (``http``), the one stored
format and its atomic writing (``store``), and which sources a site has (``spec``).
"""
