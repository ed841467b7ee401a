"""Security: nothing is unpickled, input ids never become paths raw, Prefect docs bind to localhost."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.io import read_inputs, safe_id

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIRS = [ROOT / "cleaners", ROOT / "flows"]
# calls that execute code from serialized data
UNSAFE_LOADS = {
    ("pickle", "load"), ("pickle", "loads"), ("pickle", "Unpickler"), ("cPickle", "load"), ("cPickle", "loads"),
    ("marshal", "load"), ("marshal", "loads"), ("shelve", "open"), ("dill", "load"), ("dill", "loads"),
    ("cloudpickle", "load"), ("cloudpickle", "loads"), ("joblib", "load"), ("pd", "read_pickle"), ("pandas", "read_pickle"),
}


def unsafe_calls(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
            if (node.func.value.id, node.func.attr) in UNSAFE_LOADS:
                found.append(f"{node.func.value.id}.{node.func.attr} (line {node.lineno})")
            if node.func.attr == "load" and any(k.arg == "allow_pickle" and getattr(k.value, "value", False) for k in node.keywords):
                found.append(f"load(allow_pickle=True) (line {node.lineno})")
        if isinstance(node, ast.ImportFrom) and node.module in {"pickle", "shelve", "marshal", "dill", "cloudpickle"}:
            found.append(f"from {node.module} import … (line {node.lineno})")
    return found


def test_scanner_catches_unpickling():
    assert unsafe_calls("import pickle\nx = pickle.load(open('out/state.pkl', 'rb'))\n")
    assert unsafe_calls("import numpy as np\nnp.load('x.npy', allow_pickle=True)\n")
    assert not unsafe_calls("import json\njson.load(open('x'))\n")


def test_no_module_unpickles_anything():
    bad = {}
    for d in PACKAGE_DIRS:
        for path in d.rglob("*.py"):
            hits = unsafe_calls(path.read_text(encoding="utf-8"))
            if hits:
                bad[str(path.relative_to(ROOT))] = hits
    assert not bad, f"state and caches must never be unpickled (outputs are data, not code): {bad}"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_safe_id_is_never_a_path(raw):
    sid = safe_id(raw)
    assert sid and len(sid) <= 200
    assert re.fullmatch(r"[A-Za-z0-9._~-]+", sid) and sid not in {".", ".."} and not sid.startswith(".")


def test_hostile_ids_from_input_are_sanitised(tmp_path):
    ids = ["../../etc/passwd", "/abs/path", "C:\\win\\x", "a\x00b", "..", "~root", "x" * 5000]
    (tmp_path / "ids.jsonl").write_text("".join(json.dumps({"id": i, "text": f"text {n}"}) + "\n" for n, i in enumerate(ids)), encoding="utf-8")
    docs, rejected = read_inputs(tmp_path)
    assert not rejected and len(docs) == len(ids)
    for d in docs:
        assert "/" not in d.id and "\\" not in d.id and "\x00" not in d.id and not d.id.startswith(".") and len(d.id) <= 200
        assert Path(d.id).name == d.id


def test_docs_start_prefect_server_on_localhost():
    texts = {p.name: p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *ROOT.glob("docs/**/*.md"), ROOT / "Makefile"] if p.exists()}
    starts = [(name, m.group(0)) for name, t in texts.items() for m in re.finditer(r"prefect server start[^\n`]*", t)]
    assert starts, "the README says how to start the Prefect server"
    for name, cmd in starts:
        assert "--host 127.0.0.1" in cmd, f"{name}: {cmd!r} must bind to 127.0.0.1"
