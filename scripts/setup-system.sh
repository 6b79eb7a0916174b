#!/bin/sh
# Install the system packages the build and the tests need (Debian/Ubuntu).
# As root it runs apt-get; otherwise it prints the exact command and stops.
#   Pango + pangoft2: WeasyPrint's text layout
#   libharfbuzz-subset0: font subsetting (without it WeasyPrint falls back to
#     fontTools, about 5x slower on the CJK fonts)
#   fonts-noto-cjk, fonts-noto-core: Noto Serif CJK SC, Noto Sans CJK SC and Noto Serif
#   fonts-babelstone-han: BabelStone Han, the CJK extensions Noto lacks (rare names)
#   poppler-utils, gettext: pdftotext/pdffonts and msgfmt, used by the tests
#   chromium: the browser the review app's tests drive (Playwright cannot download
#     its own here)
#   ghostscript: its CMYK profile is the PDF/X output intent (book.yaml pdfx: true),
#     and the tests read the PDF/X print file with gs
set -eu

PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-noto-cjk fonts-noto-core poppler-utils gettext chromium ghostscript"
PACKAGES="$PACKAGES fonts-babelstone-han"

if ! command -v dpkg-query >/dev/null 2>&1; then
    missing=""
    command -v pdftotext >/dev/null 2>&1 || missing="$missing poppler-utils"
    command -v msgfmt >/dev/null 2>&1 || missing="$missing gettext"
    fc-list 2>/dev/null | grep -q "Noto Serif CJK SC" || missing="$missing Noto-Serif-CJK-SC-font"
    if [ -n "$missing" ]; then
        echo "error: not a Debian-like system and these are missing:$missing" >&2
        echo "  fix: install Pango, HarfBuzz (with libharfbuzz-subset), Noto Serif CJK SC," >&2
        echo "       Noto Serif, poppler-utils and gettext with your package manager" >&2
        exit 1
    fi
    exit 0
fi

python3 -c "import ensurepip, venv" 2>/dev/null || PACKAGES="$PACKAGES python3-venv"

missing=""
for pkg in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $pkg" ;;
    esac
done
[ -z "$missing" ] && exit 0

command="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -eq 0 ]; then
    echo "Installing system packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    $command
else
    echo "error: missing system packages:$missing" >&2
    echo "  fix: run this, then the same make command again:" >&2
    echo "       sudo apt-get update && sudo $command" >&2
    exit 1
fi
