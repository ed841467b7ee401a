"""Regenerate ``cleaners/data/minhash_permutations.json`` from datasketch (run once, offline).

wirewash's MinHash signatures use datasketch's ``affine32`` permutations, so that they are
datasketch's values bit for bit. Deriving them means constructing a ``datasketch.MinHash``, and
importing datasketch imports scipy (0.5-0.7 s of every process start). The permutations of the
dedup settings' three views (text, spin-proof, opening) are therefore shipped; any other
``num_perm``/``seed`` is still derived from datasketch when first asked for, and
``tests/test_dedup.py`` checks the shipped ones against datasketch.

    .venv/bin/python scripts/make_minhash_permutations.py > cleaners/data/minhash_permutations.json
"""

from __future__ import annotations

import json

import datasketch
from datasketch import MinHash

from cleaners.dedup.core import DedupConfig
from cleaners.dedup.signature import SCHEME


def main() -> None:
    out = {"made_by": "scripts/make_minhash_permutations.py", "source": f"datasketch {datasketch.__version__}", "scheme": SCHEME,
           "permutations": {}}
    for num_perm, seed in DedupConfig.from_settings().signing_keys():
        p = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations
        out["permutations"][f"{num_perm}/{seed}"] = [[int(x) for x in row] for row in p]
    print(json.dumps(out, indent=None))


if __name__ == "__main__":
    main()
