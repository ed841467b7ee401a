"""Generators for the dedup benchmark (stdlib + wordfreq; deterministic for a seed).

* :func:`near_dup_set`: the edit types of ``shared/bench/dedup/README.md`` applied
  to root stories we choose (an *unseen* set: other roots, our own edit code,
  chrome strings and synonym table, none taken from synth_v1's generator).
* :func:`news_corpus`: a large synthetic news corpus (random Zipf-distributed
  wording, names, numbers) with a known share of edited copies, for the scale run.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

EDITS = ("exact", "punct_ws", "mojibake", "boiler_light", "boiler_heavy", "drop10", "drop30", "reorder",
         "trunc60", "trunc30", "spin15", "spin40", "typo3", "rehead", "combo")

# our own page chrome (menus, consent, newsletter, comment policy, share bars)
CHROME = [
    "Home | World | Business | Markets | Tech | Opinion | Sports | Weather",
    "Sign in to your account", "Subscribe now for unlimited access",
    "We use cookies to personalise content and ads and to analyse our traffic. Accept all / Manage settings",
    "Get the morning briefing delivered to your inbox every weekday. Enter your email address to sign up.",
    "Comments are moderated and may take up to 24 hours to appear. Please keep the discussion civil.",
    "Share this article: Facebook Twitter LinkedIn Email Print", "Advertisement", "Most read today",
    "Related coverage", "Follow us on social media for the latest updates",
    "This content is not available in your region because of your privacy settings.",
    "Copyright 2024 The Daily Ledger. All rights reserved. Terms of use | Privacy policy | Contact us",
    "Listen to this story (4 min)", "Continue reading below", "Skip to navigation",
]

# a naive, context-free synonym table (our own), like the spinners that make spun copies
SYNONYMS = {
    "said": "stated", "says": "states", "told": "informed", "people": "individuals", "new": "novel",
    "year": "12 months", "years": "many years", "government": "administration", "company": "firm",
    "companies": "firms", "country": "nation", "countries": "nations", "city": "metropolis", "big": "massive",
    "large": "huge", "small": "little", "important": "essential", "help": "assist", "make": "create",
    "made": "produced", "use": "utilize", "used": "utilized", "show": "display", "shows": "displays",
    "think": "believe", "want": "desire", "need": "require", "get": "obtain", "got": "acquired",
    "start": "commence", "started": "commenced", "end": "finish", "ended": "concluded", "buy": "purchase",
    "bought": "purchased", "sell": "market", "work": "labor", "worked": "labored", "problem": "issue",
    "problems": "issues", "market": "marketplace", "price": "cost", "prices": "costs", "money": "cash",
    "report": "document", "reported": "documented", "week": "7 days", "month": "thirty day period",
    "today": "nowadays", "now": "presently", "also": "additionally", "however": "nonetheless", "but": "however",
    "very": "extremely", "many": "numerous", "much": "significantly", "often": "regularly", "quickly": "rapidly",
    "early": "premature", "late": "tardy", "high": "excessive", "low": "reduced", "increase": "improve",
    "decrease": "reduce", "plan": "strategy", "plans": "strategies", "game": "sport", "games": "video games",
    "player": "participant", "players": "gamers", "team": "group", "fans": "followers", "study": "research",
    "research": "analysis", "data": "information", "service": "provider", "services": "providers",
    "change": "alter", "changes": "modifications", "system": "method", "world": "globe", "government's": "state's",
    "officials": "authorities", "official": "formal", "expected": "anticipated", "number": "quantity",
    "including": "together with", "according": "in accordance", "percent": "%", "billion": "billion",
    "life": "existence", "home": "residence", "house": "home", "children": "kids", "family": "household",
    "women": "girls", "men": "males", "school": "faculty", "students": "pupils", "job": "occupation",
    "jobs": "positions", "business": "enterprise", "law": "regulation", "court": "courtroom",
    "police": "law enforcement", "health": "wellness", "public": "community", "power": "energy",
    "water": "h2o", "food": "meals", "car": "vehicle", "cars": "vehicles", "way": "method", "ways": "strategies",
    "group": "team", "part": "section", "place": "location", "case": "circumstance", "point": "level",
    "story": "tale", "news": "information", "question": "query", "answer": "reply", "idea": "concept",
    "feel": "really feel", "look": "appear", "looks": "appears", "believe": "think", "know": "understand",
    "find": "discover", "found": "discovered", "give": "provide", "gave": "supplied", "keep": "maintain",
    "last": "final", "first": "initial", "next": "subsequent", "best": "finest", "good": "great",
    "bad": "poor", "great": "wonderful", "different": "totally different", "able": "capable", "free": "open",
    "set": "established", "run": "operate", "play": "perform", "played": "performed", "open": "accessible",
    "close": "shut", "across": "throughout", "around": "round", "during": "throughout", "before": "earlier than",
    "after": "following", "because": "as a result of", "while": "whereas", "about": "regarding",
}

_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")


def _sentences(par: str) -> list[str]:
    return [s for s in _SENT.split(par) if s.strip()]


def _paras(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n") if p.strip()]


def punct_ws(text: str, rng: random.Random) -> str:
    t = re.sub(r'"([^"\n]*)"', "“\\1”", text).replace("'", "’").replace(" - ", " — ")
    t = re.sub(r"(?<=\w) (?=\w)", lambda m: "\u00a0" if rng.random() < 0.05 else " ", t)
    out = []
    for p in _paras(t):  # re-wrap at ~72 columns
        line, lines = "", []
        for w in p.split(" "):
            if len(line) + len(w) > 72 and line:
                lines.append(line)
                line = w
            else:
                line = f"{line} {w}".strip()
        lines.append(line)
        out.append("\n".join(lines))
    return "\n\n".join(out)


def mojibake(text: str, rng: random.Random) -> str:
    t = text if any(ord(c) > 127 for c in text) else text.replace("'", "’").replace('"', "”")
    return t.encode("utf-8").decode("cp1252", errors="replace")


def boiler(text: str, rng: random.Random, extra: float) -> str:
    paras = _paras(text)
    target = len(text) * extra
    added = 0
    head, tail = [], []
    while added < target:
        c = rng.choice(CHROME)
        (head if rng.random() < 0.5 else tail).append(c)
        added += len(c)
    if rng.random() < 0.5 and len(paras) > 3:
        paras.insert(len(paras) // 2, rng.choice(CHROME))
    return "\n\n".join(head + paras + tail)


def drop(text: str, rng: random.Random, share: float) -> str:
    out = []
    for pi, p in enumerate(_paras(text)):
        ss = _sentences(p)
        keep = [s for si, s in enumerate(ss) if (pi == 0 and si == 0) or rng.random() >= share]
        if keep:
            out.append(" ".join(keep))
    return "\n\n".join(out)


def reorder(text: str, rng: random.Random) -> str:
    ps = _paras(text)
    rest = ps[1:]
    rng.shuffle(rest)
    return "\n\n".join(ps[:1] + rest)


def trunc(text: str, rng: random.Random, share: float) -> str:
    cut = int(len(text) * share)
    m = re.search(r"[.!?][\"”]?\s", text[cut:])
    end = cut + (m.end() if m else 0)
    return text[:end].rstrip()


def spin(text: str, rng: random.Random, share: float) -> str:
    def swap(m: re.Match) -> str:
        w = m.group()
        syn = SYNONYMS.get(w.lower())
        if syn is None or rng.random() >= share:
            return w
        return syn[0].upper() + syn[1:] if w[0].isupper() else syn

    return re.sub(r"[A-Za-z']+", swap, text)


def typo(text: str, rng: random.Random, share: float = 0.03) -> str:
    def one(m: re.Match) -> str:
        w = m.group()
        if len(w) < 4 or rng.random() >= share:
            return w
        k = rng.randrange(1, len(w) - 1)
        kind = rng.randrange(3)
        if kind == 0:
            return w[:k] + w[k + 1] + w[k] + w[k + 2 :]
        if kind == 1:
            return w[:k] + w[k + 1 :]
        return w[:k] + " " + w[k:]  # OCR split

    return re.sub(r"\w+", one, text)


def rehead(text: str, rng: random.Random) -> str:
    caps = re.findall(r"\b[A-Z][a-z]{3,}\b", text) or ["Update"]
    words = rng.sample(caps, min(3, len(caps)))
    head = f"{' '.join(words)}: what we know so far"
    city = rng.choice(["LONDON", "NEW YORK", "SYDNEY", "BERLIN", "NAIROBI", "TORONTO"])
    agency = rng.choice(["Wire", "NewsDesk", "Agency"])
    ps = _paras(text)
    body = [f"{city} ({agency}) — {ps[0]}"] + ps[1:] if ps else []
    credit = f"Reporting by {rng.choice(['Ana Ruiz', 'Tom Okafor', 'Mei Lin'])}; editing by {rng.choice(['J. Smith', 'K. Patel'])}"
    return "\n\n".join([head] + body + [credit])


def apply(edit: str, text: str, rng: random.Random) -> str:
    if edit == "exact":
        return text
    if edit == "punct_ws":
        return punct_ws(text, rng)
    if edit == "mojibake":
        return mojibake(text, rng)
    if edit == "boiler_light":
        return boiler(text, rng, 0.06)
    if edit == "boiler_heavy":
        return boiler(text, rng, 0.25)
    if edit in ("drop10", "drop30"):
        return drop(text, rng, int(edit[4:]) / 100)
    if edit == "reorder":
        return reorder(text, rng)
    if edit in ("trunc60", "trunc30"):
        return trunc(text, rng, int(edit[5:]) / 100)
    if edit in ("spin15", "spin40"):
        return spin(text, rng, int(edit[4:]) / 100)
    if edit == "typo3":
        return typo(text, rng)
    if edit == "rehead":
        return rehead(text, rng)
    if edit == "combo":
        return typo(drop(punct_ws(rehead(text, rng), rng), rng, 0.1), rng, 0.01)
    raise ValueError(edit)


def near_dup_set(roots: dict[str, str], seed: int = 7, chains: int = 4, distractors: dict[str, str] | None = None) -> list[dict]:
    """20 documents per root (original, one per edit type, ``chains`` random 3-edit chains) plus singletons."""
    rng = random.Random(seed)
    docs: list[dict] = []
    for root, text in roots.items():
        variants = [("original", text)] + [(e, apply(e, text, rng)) for e in EDITS]
        for _ in range(chains):
            chain = rng.sample([e for e in EDITS if e != "exact"], 3)
            t = text
            for e in chain:
                t = apply(e, t, rng)
            variants.append(("+".join(chain), t))
        docs += [{"cluster": root, "root": root, "variant": v, "text": t} for v, t in variants]
    for k, text in (distractors or {}).items():
        docs.append({"cluster": f"single-{k}", "root": f"single-{k}", "variant": "original", "text": text})
    rng.shuffle(docs)
    for i, d in enumerate(docs):
        d["id"] = f"u{i:05d}"
    return docs


def english_articles(path: str | Path, min_chars: int = 1500, max_chars: int = 12000) -> dict[str, str]:
    """Mostly-ASCII bodies of the extraction benchmark's ground truth (read at bench time)."""
    gt = json.loads(Path(path).read_text(encoding="utf-8"))
    out = {}
    for k, v in sorted(gt.items()):
        body = v.get("articleBody", "")
        letters = [c for c in body if c.isalpha()]
        if min_chars <= len(body) <= max_chars and letters and sum(c.isascii() for c in letters) / len(letters) > 0.97:
            out[k[:12]] = body
    return out


# ---- large synthetic news corpus ------------------------------------------------------


class NewsGenerator:
    """Random news-like documents: Zipfian words, capitalised names, numbers, paragraphs."""

    def __init__(self, seed: int = 1, vocab: int = 20000):
        from wordfreq import top_n_list, zipf_frequency

        words = [w for w in top_n_list("en", vocab) if w.isalpha()]
        self.words = words
        acc, self.cum = 0.0, []
        for w in words:
            acc += 10 ** zipf_frequency(w, "en")
            self.cum.append(acc)
        self.rng = random.Random(seed)
        self.names = [w.capitalize() for w in self.rng.sample(words[2000:], 3000)]

    def sentence(self) -> str:
        rng = self.rng
        n = rng.randint(8, 30)
        ws = rng.choices(self.words, cum_weights=self.cum, k=n)
        for _ in range(rng.randint(0, 3)):
            ws[rng.randrange(n)] = rng.choice(self.names)
        if rng.random() < 0.3:
            ws[rng.randrange(n)] = str(rng.randint(2, 2000))
        return ws[0].capitalize() + " " + " ".join(ws[1:]) + "."

    def document(self) -> str:
        rng = self.rng
        title = " ".join(w.capitalize() for w in rng.choices(self.words, cum_weights=self.cum, k=rng.randint(5, 10)))
        paras = [" ".join(self.sentence() for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(4, 14))]
        return "\n\n".join([title] + paras)


def news_corpus(n: int, dup_share: float = 0.3, seed: int = 1, start: int = 0, gen: NewsGenerator | None = None,
                pool: list[tuple[str, str]] | None = None) -> list[dict]:
    """``n`` documents; ``dup_share`` of them are edited copies of earlier ones (``pool`` carries them across calls)."""
    gen = gen or NewsGenerator(seed)
    rng = random.Random(seed * 7919 + start)
    pool = pool if pool is not None else []
    out = []
    for i in range(start, start + n):
        if pool and rng.random() < dup_share:
            root, text = rng.choice(pool)
            edit = rng.choice(EDITS)
            out.append({"id": f"n{i:07d}", "cluster": root, "text": apply(edit, text, rng)})
        else:
            text = gen.document()
            root = f"n{i:07d}"
            pool.append((root, text))
            out.append({"id": root, "cluster": root, "text": text})
    return out
