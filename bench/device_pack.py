"""Pack what `wirewash clean` needs for a lent device machine (issue 16's 16-core measure).

    .venv/bin/python bench/device_pack.py            # writes .device/site.tar.xz (git-ignored)

The device machine has Python 3.12 with numpy, pyarrow, lxml, regex, rich and typer, gcc, no
network and none of wirewash's other packages. This script installs the runtime packages of
pyproject.toml for CPython 3.12 on x86_64 Linux (binary wheels only, the versions of
constraints.txt) into a temporary folder with pip's cross-install options, so it needs no 3.12
interpreter here, except for pocketsphinx, which publishes no 3.12 wheel: that one is built
from its sdist with ``--python`` (a local Python 3.12, default ``python3.12``; cmake and a C
compiler, about a minute); leaves out what the device has and what `wirewash clean` never imports (Prefect,
Dask, scipy), and the data no English run reads (wordfreq's other languages, pocketsphinx's
acoustic model, babel's other locales); and writes one tar.xz (about 20 MB) that travels with
``carry: [".device"]``. ``bench/device_scale.sh`` unpacks it there, builds the line kernels with
gcc and runs ``bench/scale_corpus.py`` for 1 and 16 workers.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# on the device already (its Python 3.12), or never imported by `wirewash clean`
LEAVE_OUT = {"prefect", "prefect-dask", "distributed", "dask", "numpy", "pyarrow"}
FROM_SOURCE = {"pocketsphinx"}  # no wheel for the device's Python on PyPI: built here with a local one
PRUNED_PACKAGES = ("numpy", "pyarrow", "scipy", "pip", "setuptools")  # pulled in as dependencies, not needed there
PRUNE_DIRS = [*PRUNED_PACKAGES, "numpy.libs", "scipy.libs", "bin",
              "pocketsphinx/model/en-us/en-us", "pocketsphinx/model/en-us/cmudict-en-us.dict"]


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower()


def requirements() -> list[str]:
    """pyproject's runtime dependencies, less :data:`LEAVE_OUT`."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return [d for d in deps if _name(d) not in LEAVE_OUT]


def install(target: Path, python_version: str, python: str, wheels: Path) -> None:
    reqs = requirements()
    built = [r for r in reqs if _name(r) in FROM_SOURCE]
    if built:
        exe = shutil.which(python)
        if exe is None:
            raise SystemExit(f"{', '.join(built)} must be built for Python {python_version}: no {python!r} here (--python)")
        subprocess.run([exe, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels),
                        "-c", str(ROOT / "constraints.txt"), *built], check=True)
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(target), "--only-binary=:all:",
           "--find-links", str(wheels), "--python-version", python_version, "--implementation", "cp",
           "--platform", "manylinux_2_28_x86_64", "--platform", "manylinux_2_17_x86_64", "--platform", "manylinux2014_x86_64",
           "--platform", "linux_x86_64", "--platform", "any", "-c", str(ROOT / "constraints.txt"), *reqs]
    subprocess.run(cmd, check=True)


def prune(site: Path) -> None:
    for rel in PRUNE_DIRS:
        p = site / rel
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
    for p in list(site.glob("*.dist-info")):  # the pruned packages' metadata too
        if p.name.split("-")[0] in PRUNED_PACKAGES:
            shutil.rmtree(p)
    data = site / "wordfreq" / "data"
    for f in data.iterdir():
        if not re.match(r"(large|small)_en\.|_chinese", f.name):  # (wordfreq imports the Chinese map at start)
            f.unlink()
    locales = site / "babel" / "locale-data"
    if locales.is_dir():
        for f in locales.iterdir():
            if not re.match(r"(root|en(_[A-Za-z0-9]+)*)\.dat$", f.name):
                f.unlink()
    for d in list(site.rglob("__pycache__")):
        shutil.rmtree(d, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / ".device" / "site.tar.xz")
    ap.add_argument("--python-version", default="3.12", help="the device's Python (default 3.12)")
    ap.add_argument("--python", default="python3.12", help="a local interpreter of that version, to build %s" % ", ".join(sorted(FROM_SOURCE)))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        install(site, args.python_version, args.python, Path(tmp) / "wheels")
        prune(site)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        part = args.out.with_suffix(".part")
        with tarfile.open(part, "w:xz", preset=6) as tar:
            for p in sorted(site.iterdir()):
                tar.add(p, arcname=p.name)
        part.replace(args.out)
    print(f"{args.out} ({args.out.stat().st_size / 2**20:.1f} MiB): {len(requirements())} requirements for CPython {args.python_version}")


if __name__ == "__main__":
    main()
