"""Reading the inputs into one archive: captured Hugging Face pages
(``captured``), feeds that ``digest fetch`` stored (``stored`` and their format
``stored_format``), content pages (``content``), and the merge of every entry
into papers and days (``archive``). The only stage that sees raw feed text.

May import ``config`` and ``core``.
"""
