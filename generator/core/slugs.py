"""URL-safe names for papers and topics."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
MAX_WORDS_CHARS = 60


def slug_words(text: str, limit: int = MAX_WORDS_CHARS) -> str:
    """Lower-case ASCII words of ``text`` joined by hyphens, cut at a word
    boundary to at most ``limit`` characters; may be empty (``"???"``)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    if len(words) <= limit:
        return words
    cut = words[: limit + 1]
    return (cut[: cut.rfind("-")] if "-" in cut else words[:limit]).strip("-")


def stable_suffix(key: str, length: int = 6) -> str:
    """A short hash of ``key``: the part of a slug that makes it unique without
    depending on which other papers exist."""
    return hashlib.sha256(key.encode()).hexdigest()[:length]
