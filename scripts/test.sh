#!/usr/bin/env bash
# Set up and run the whole test suite (unit, AppTest, browser).
#   Installs the test extras, and Debian's chromium, a Chinese font and poppler when missing.
#   DATABASE_URL selects the engine (SQLite in a temporary folder when unset).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need+=(fonts-wqy-zenhei)
command -v pdftoppm >/dev/null || need+=(poppler-utils poppler-data)
if [ ${#need[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "installing Debian packages: ${need[*]}"
    $SUDO apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

EXTRAS=test bash scripts/setup_venv.sh
exec .venv/bin/python -m pytest "$@"
