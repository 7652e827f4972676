"""The site written from the analysed archive: what pages show (``views``),
the Jinja environment (``templating``), every page and file (``render``),
search files (``search_files``, ``search_filters``), BibTeX (``bibtex``) and
writing the folder (``writer``). Never sees raw feed text.

May import ``analysis``, ``reading``, ``config`` and ``core``.
"""
