"""The sources ``digest fetch`` asks the outside world, one module each
(``hf``, ``arxiv``, ``feed``), and the HTTP with retries and bounds they
share (``http``). What they fetch is stored in ``reading.stored_format``.

May import ``reading``, ``config`` and ``core``; the site never imports it.
"""
