"""Regenerate ``cleaners/data/stopwords.txt`` from wordfreq (run once, offline).

The boilerplate stripper uses the share of very frequent function words in a
line as evidence of running prose (as jusText does). A language's most
frequent words are a good stand-in for its stop-word list, so we take the top
``N`` words of every wordfreq language that writes words separated by spaces.

    .venv/bin/python scripts/make_stopwords.py > cleaners/data/stopwords.txt
"""

from __future__ import annotations

import re

import wordfreq

N = 120
# zh and ja are written without spaces; wordfreq splits ko into morphemes, which \w+ tokens never match
SKIP = {"zh", "ja", "ko"}
_WORD = re.compile(r"^\w+$")


def main() -> None:
    print(f"# Top {N} wordfreq words per language (function words stand-in); made by scripts/make_stopwords.py")
    print("# Format: <lang>\\t<space-separated lower-case words>")
    for lang in sorted(wordfreq.available_languages()):
        if lang in SKIP:
            continue
        words = [w for w in wordfreq.top_n_list(lang, N * 2) if _WORD.match(w) and not w.isdigit()][:N]
        print(f"{lang}\t{' '.join(words)}")


if __name__ == "__main__":
    main()
