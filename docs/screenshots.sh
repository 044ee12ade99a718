#!/usr/bin/env bash
# `make screenshots`: remake docs/report.png and docs/workbook.png, the README's pictures of
# report.html and rosters.xlsx, from a run on the example cohort (examples/signups.csv).
# Needs headless Chromium (`chromium`), LibreOffice Calc (`soffice`) and poppler's `pdftoppm`;
# on Debian: apt-get install chromium libreoffice-calc poppler-utils fonts-dejavu-core.
# Everything is made in a temporary folder, deleted at the end; only the two PNGs are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

.venv/bin/empower assign examples/signups.csv --lock examples/locks.csv \
    --out "$work/rosters" >/dev/null

# The page: Chromium's own screenshot of the top of report.html.
sandbox=()
if [ "$(id -u)" = 0 ]; then sandbox=(--no-sandbox); fi # Chromium will not sandbox as root
chromium --headless --disable-gpu --no-first-run --hide-scrollbars "${sandbox[@]}" \
    --disable-background-networking --user-data-dir="$work/chromium" \
    --window-size=1000,1250 --screenshot="$work/report.png" \
    "file://$work/rosters/report.html" >/dev/null 2>&1
cp "$work/report.png" docs/report.png

# The workbook: LibreOffice prints it to PDF; the top of the first page (the Summary sheet).
soffice -env:UserInstallation="file://$work/libreoffice" --headless \
    --convert-to pdf --outdir "$work" "$work/rosters/rosters.xlsx" >/dev/null 2>&1
pdftoppm -png -r 90 -f 1 -l 1 -x 0 -y 0 -W 1052 -H 440 -singlefile \
    "$work/rosters.pdf" docs/workbook
echo "wrote docs/report.png and docs/workbook.png"
