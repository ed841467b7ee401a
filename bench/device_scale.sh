#!/usr/bin/env bash
# Issue 16's 16-core measure on a lent device machine, in one call:
#
#   here:    .venv/bin/python bench/device_pack.py          # .device/site.tar.xz (git-ignored)
#   device:  run(command="bash bench/device_scale.sh", carry=[".device"], timeout_s=600)
#
# Unpacks the packages beside the device's own Python (numpy, pyarrow, lxml, regex, rich and typer
# are there), builds the line kernels with its gcc, then runs bench/scale_corpus.py on the
# generated corpora (the same bytes as here: a seeded generator) with 16 workers and with 1, and
# writes each table to $OUT as it ends, so a run cut short still returns what it finished.
# DEVICE_DOCS / DEVICE_WORKERS / DEVICE_ROUNDS override the sizes (a dry run here: small ones).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/wirewash-device-out}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
SITE=${DEVICE_SITE:-/tmp/wirewash-site}
mkdir -p "$SITE"
tar xJf .device/site.tar.xz -C "$SITE"
export PYTHONPATH="$SITE:$PWD${PYTHONPATH:+:$PYTHONPATH}"
inc=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
ext=$("$PY" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
gcc -O3 -shared -fPIC -I"$inc" cleaners/_linekernels.c -o "cleaners/_linekernels$ext" -lm
{ nproc; "$PY" --version; lscpu | grep -E 'Model name|^CPU\(s\)' || true; } | tee "$OUT/machine.txt"
"$PY" -m flows.cli clean seeds -o /tmp/wirewash-device-seeds -q -w 2 --overwrite >/dev/null  # imports and models work (not in $OUT: it returns 8 files at most)
workers=()
for w in ${DEVICE_WORKERS:-16 1}; do workers+=(--workers "$w"); done
for n in ${DEVICE_DOCS:-20000 200000}; do
  rounds=${DEVICE_ROUNDS:-$([ "$n" -le 20000 ] && echo 2 || echo 1)}
  "$PY" bench/scale_corpus.py --trees this --docs "$n" "${workers[@]}" --rounds "$rounds" --work /tmp/wirewash-scale \
    | tee "$OUT/scale-$n.md"
done
