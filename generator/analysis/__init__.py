"""What the archive means: topics placed by keyword (``topics``), the
taxonomy measured against labels (``evaluate``), related papers and keyphrases
(``related``), and the words that search finds (``terms``, ``postings``).

May import ``reading``, ``config`` and ``core``; never HTML.
"""
