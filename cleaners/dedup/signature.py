"""Fast MinHash signatures that are bit-identical to datasketch 2.0 (``affine32``).

datasketch's ``MinHash.update`` hashes one shingle at a time in Python, then
applies ``num_perm`` affine permutations. Here every shingle hash of a text is
computed at once with numpy over the text's code points, and the permutations
are applied to all of them as one array operation. The result is the exact
``hashvalues`` array datasketch produces for the same shingles and the same
hash function, so the signatures go straight into ``MinHash``/``LeanMinHash``/
``MinHashLSH``.

Two shingle hash functions:

* ``"poly"`` (default): a 64-bit polynomial hash of the shingle's code points,
  folded to 32 bits (:func:`poly_hash32`). Computed for all windows of a text
  with a handful of vectorised multiply-adds, so no Python object is made per
  shingle. Pass ``hashfunc=poly_hash32`` to datasketch to get the same values.
* ``"sha1"``: datasketch's default ``sha1_hash32`` over the UTF-8 bytes (one
  hashlib call per shingle; slower, but equal to a default ``MinHash()``).

The numpy functions here are the reference; for ``"poly"`` the pipeline computes the same
values with the compiled kernel ``dedup_minhash`` (``cleaners/_linekernels.c``, via
:func:`cleaners.dedup.views.view_signatures`), which hashes, counts the distinct hashes and
takes the minimum over the permutations in one pass per text (integer arithmetic only).

>>> import numpy as np
>>> from datasketch import MinHash
>>> sh = ["the cat s", "he cat sa"]
>>> m = MinHash(num_perm=16, seed=1, hashfunc=poly_hash32)
>>> for s in sh: m.update(s)
>>> bool(np.array_equal(m.hashvalues, Permutations(16, 1).minhash(poly_hashes_of(sh))))
True
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from cleaners.settings import read_data_text

if TYPE_CHECKING:  # (datasketch is imported where it is used: importing it imports scipy, ~0.6 s)
    from datasketch import MinHash

SCHEME = "affine32"
_U64 = np.uint64
_MASK64 = (1 << 64) - 1
# polynomial base and the output mixer of poly_hash32 (odd 64-bit constants)
_K = 0x9E3779B97F4A7C15
_MIX = 0xD6E8FEB86659FD93
_EMPTY = np.uint32(0xFFFFFFFF)


def poly_hash32(shingle: str | bytes) -> int:
    """The 32-bit shingle hash of the ``"poly"`` scheme, for one shingle.

    ``h = sum(ord(c) * K**(n-1-i)) mod 2**64``, then ``h ^= h >> 32``,
    ``h *= MIX``, and the high 32 bits. ``bytes`` are read as UTF-8.

    >>> poly_hash32("abc") == poly_hash32(b"abc")
    True
    """
    if isinstance(shingle, (bytes, bytearray, memoryview)):
        shingle = bytes(shingle).decode("utf-8")
    h = 0
    for ch in shingle:
        h = (h * _K + ord(ch)) & _MASK64
    h ^= h >> 32
    h = (h * _MIX) & _MASK64
    return h >> 32


def _fold(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> _U64(32))
    h = h * _U64(_MIX)
    return (h >> _U64(32)).astype(np.uint32)


def codepoints(text: str) -> np.ndarray:
    """The text's code points as a uint64 array."""
    # surrogatepass: a lone surrogate (from a badly decoded input) is hashed, not an error
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)


def char_window_hashes(text: str, size: int) -> np.ndarray:
    """``poly_hash32`` of every ``size``-character window of ``text`` (duplicates kept)."""
    n = len(text)
    if n == 0:
        return np.empty(0, dtype=np.uint32)
    if n <= size:
        return np.array([poly_hash32(text)], dtype=np.uint32)
    c = codepoints(text)
    m = n - size + 1
    h = c[:m].copy()
    for i in range(1, size):  # Horner over the window, all windows at once (wraps mod 2**64)
        h *= _U64(_K)
        h += c[i : i + m]
    return _fold(h)


def substring_hashes(text: str, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``poly_hash32`` of ``text[s:e]`` for each (s, e), vectorised via prefix sums.

    With ``Q[i] = sum(c[j] * Kinv**j, j < i)``, the polynomial of ``text[s:e]`` is
    ``K**(e-1) * (Q[e] - Q[s])`` (all mod 2**64; K is odd so it has an inverse).
    """
    if len(starts) == 0:
        return np.empty(0, dtype=np.uint32)
    c = codepoints(text)
    n = len(c)
    kinv = pow(_K, -1, 1 << 64)
    ip = np.empty(n + 1, dtype=np.uint64)
    ip[0] = 1
    ip[1:] = kinv
    ip = np.cumprod(ip, dtype=np.uint64)[:n]  # Kinv**j (wraps)
    q = np.zeros(n + 1, dtype=np.uint64)
    np.cumsum(c * ip, out=q[1:])
    fp = np.empty(n + 1, dtype=np.uint64)
    fp[0] = 1
    fp[1:] = _K
    fp = np.cumprod(fp, dtype=np.uint64)  # K**j
    e = np.asarray(ends, dtype=np.int64)
    s = np.asarray(starts, dtype=np.int64)
    h = fp[e - 1] * (q[e] - q[s])
    return _fold(h)


def poly_hashes_of(shingles: Iterable[str | bytes]) -> np.ndarray:
    """``poly_hash32`` of each given shingle (a Python loop: for tests and small inputs)."""
    return np.fromiter((poly_hash32(s) for s in shingles), dtype=np.uint32)


def sha1_hashes_of(shingles: Iterable[str | bytes]) -> np.ndarray:
    """datasketch's default ``sha1_hash32`` of each shingle (UTF-8 bytes)."""
    raw = b"".join(hashlib.sha1(s.encode("utf-8") if isinstance(s, str) else s).digest()[:4] for s in shingles)
    return np.frombuffer(raw, dtype="<u4").astype(np.uint32)


def _fmix32(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


class Permutations:
    """The ``affine32`` permutations of ``MinHash(num_perm, seed)``, applied in bulk.

    Hashes are laid out as columns of a ``(num_perm, n)`` block so that the
    min-reduction runs along contiguous memory; many documents share one block
    and are reduced per document with ``np.minimum.reduceat``.
    """

    BLOCK = 8192  # shingle hashes per block (a 4 MB block at 128 permutations stays in L2)

    def __init__(self, num_perm: int, seed: int):
        self.num_perm = num_perm
        self.seed = seed
        perms = _shipped_permutations().get((num_perm, seed))
        if perms is None:  # not a view of the default settings: datasketch derives them
            from datasketch import MinHash

            perms = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations
        self.permutations = perms
        self.a = np.ascontiguousarray(perms[0], dtype=np.uint32)[:, None]
        self.b = np.ascontiguousarray(perms[1], dtype=np.uint32)[:, None]

    def _block_min(self, hv: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        blk = self.a * _fmix32(hv)[None, :]
        blk += self.b
        return np.minimum.reduceat(blk, offsets, axis=1).T

    def minhash(self, hashes: np.ndarray) -> np.ndarray:
        """``hashvalues`` for a document whose shingles hash to ``hashes`` (uint32)."""
        return self.minhash_many([hashes])[0]

    def minhash_many(self, hash_arrays: Sequence[np.ndarray]) -> np.ndarray:
        """One signature row per document (an empty document gets datasketch's empty value)."""
        out = np.full((len(hash_arrays), self.num_perm), _EMPTY, dtype=np.uint32)
        todo = [i for i, h in enumerate(hash_arrays) if len(h)]
        k = 0
        while k < len(todo):
            j, total = k, 0
            while j < len(todo) and (total == 0 or total + len(hash_arrays[todo[j]]) <= self.BLOCK):
                total += len(hash_arrays[todo[j]])
                j += 1
            rows = todo[k:j]
            if len(rows) == 1 and total > self.BLOCK:  # one long document: reduce it in blocks
                h = np.asarray(hash_arrays[rows[0]], dtype=np.uint32)
                acc = out[rows[0]]
                for lo in range(0, len(h), self.BLOCK):
                    np.minimum(acc, self._block_min(h[lo : lo + self.BLOCK], np.zeros(1, np.intp))[0], out=acc)
            else:
                parts = [np.asarray(hash_arrays[i], dtype=np.uint32) for i in rows]
                offsets = np.zeros(len(parts), dtype=np.intp)
                np.cumsum([len(p) for p in parts[:-1]], out=offsets[1:])
                out[rows] = self._block_min(np.concatenate(parts), offsets)
            k = j
        return out

    def to_datasketch(self, hashvalues: np.ndarray, hashfunc=None, lean: bool = False) -> MinHash:
        """Wrap ``hashvalues`` as a datasketch ``MinHash`` (or ``LeanMinHash``)."""
        from datasketch import LeanMinHash, MinHash

        kw = {"hashfunc": hashfunc} if hashfunc is not None else {}
        m = MinHash(seed=self.seed, hashvalues=hashvalues, permutations=self.permutations, scheme=SCHEME, **kw)
        return LeanMinHash(m) if lean else m


@functools.cache
def _shipped_permutations() -> dict[tuple[int, int], np.ndarray]:
    """datasketch's ``affine32`` permutations of the default settings' views, as shipped in
    ``cleaners/data/minhash_permutations.json`` (``scripts/make_minhash_permutations.py``), by
    ``(num_perm, seed)``: a process that signs with them never imports datasketch."""
    data = json.loads(read_data_text("minhash_permutations.json"))
    if data.get("scheme") != SCHEME:
        return {}
    out = {}
    for key, rows in data["permutations"].items():
        num_perm, seed = (int(x) for x in key.split("/"))
        out[(num_perm, seed)] = np.array(rows, dtype=np.uint32)
    return out


@functools.lru_cache(maxsize=16)
def permutations(num_perm: int, seed: int) -> Permutations:
    return Permutations(num_perm, seed)


def signatures(hash_arrays: Sequence[np.ndarray], num_perm: int, seed: int) -> np.ndarray:
    """Stack of signatures, one row per document."""
    return permutations(num_perm, seed).minhash_many(hash_arrays)
