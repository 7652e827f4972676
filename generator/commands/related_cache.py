"""The related papers' state (``analysis.related_state``) kept between
builds, beside the site: one file per site and version of digest's code,
arrays in numpy's own format and the texts as JSON, never a pickle (a cache
restored by a workflow must not be able to run code), written and checked
as every cache is (``caches``). A damaged file is a warning and relating
every paper again; a stale one is never read, since the state says which
papers and texts it describes and is used only where it fits
(``related_state.reusable``).
"""

from __future__ import annotations

import glob
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from generator.analysis.related_state import RelatedState
from generator.analysis.similar_papers import RELATED_PER_PAPER
from generator.commands.caches import (
    Damaged,
    code_digest,
    keep_only,
    read_checked,
    write_checked,
)
from generator.core.errors import Diagnostic, Source

VERSION = 1


def cache_path(folder: Path, site: str) -> Path:
    """The file of the site named ``site`` in the cache ``folder``."""
    return folder / f"{site}.related-{code_digest().hex()[:24]}.npz"


def read_state(folder: Path, site: str) -> tuple[RelatedState | None, Diagnostic | None]:
    """The state the previous build of ``site`` kept, if any; a damaged
    one is a warning."""
    path = cache_path(folder, site)
    try:
        with np.load(io.BytesIO(read_checked(path)), allow_pickle=False) as stored:
            return _state({name: stored[name] for name in stored.files}), None
    except FileNotFoundError:
        return None, None
    except (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as error:
        why = f"the related papers' cache is damaged ({error}); relating every paper again"
        return None, Diagnostic(Source(str(path)), "warning", why)


def write_state(folder: Path, site: str, state: RelatedState) -> None:
    """Keep ``state`` for the next build of ``site``, in place of any other. A cache
    that cannot be written (a full or read-only disk) is no reason to stop
    a build: the next one relates every paper again (``write_checked``)."""
    meta = {
        "version": VERSION,
        "weights_key": state.weights_key,
        "slugs": state.slugs,
        "keywords": state.keywords,
    }
    buffer = io.BytesIO()
    np.savez(
        buffer,
        meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), np.uint8),
        texts=state.texts,
        sizes=state.sizes,
        terms=state.terms,
        weights=state.weights,
        similar=state.similar,
        lowest=state.lowest,
    )
    path = cache_path(folder, site)
    write_checked(path, buffer.getvalue())
    keep_only(path, f"{glob.escape(site)}.related-*.npz")


def _state(arrays: dict[str, np.ndarray]) -> RelatedState:
    """The state in a file's arrays, each checked: a damaged file must not
    become a wrong site."""
    meta: Any = json.loads(arrays["meta"].tobytes().decode())
    if not isinstance(meta, dict) or meta.get("version") != VERSION:
        raise Damaged("not a cache of this version")
    slugs, keywords, key = meta.get("slugs"), meta.get("keywords"), meta.get("weights_key")
    if not (isinstance(slugs, list) and all(isinstance(s, str) for s in slugs)):
        raise Damaged("no list of papers")
    if not (isinstance(keywords, list) and isinstance(key, str)):
        raise Damaged("no keyphrases")
    if not all(isinstance(k, list) and all(isinstance(w, str) for w in k) for k in keywords):
        raise Damaged("no keyphrases")
    count = len(slugs)
    texts, sizes, terms, weights = (arrays[n] for n in ("texts", "sizes", "terms", "weights"))
    similar, lowest = arrays["similar"], arrays["lowest"]
    kinds = [(texts, np.uint64), (sizes, np.int64), (terms, np.int64), (weights, np.float64)]
    kinds += [(similar, np.int64), (lowest, np.float64)]
    if any(array.dtype != kind for array, kind in kinds):
        raise Damaged("an array of the wrong type")
    if not (len(texts) == len(sizes) == len(similar) == len(lowest) == len(keywords) == count):
        raise Damaged("arrays of different lengths")
    if similar.shape != (count, RELATED_PER_PAPER) or (sizes < 0).any():
        raise Damaged("arrays of the wrong shape")
    if int(sizes.sum()) != len(terms) or len(terms) != len(weights):
        raise Damaged("vectors of the wrong length")
    if count and (similar.min() < -1 or similar.max() >= count):
        raise Damaged("a related paper that is not there")
    return RelatedState(
        key,
        tuple(slugs),
        texts,
        tuple(tuple(words) for words in keywords),
        sizes,
        terms,
        weights,
        similar,
        lowest,
    )
