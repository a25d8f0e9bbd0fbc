#!/usr/bin/env bash
# Installs Debian's Chromium for the dashboard's browser test (driven by playwright-core, which
# brings no browser of its own), with a colour emoji font (tweets carry emoji; without it they
# render as boxes in the screenshot). Idempotent: does nothing when both are there.
# Needs root (or sudo) and the Debian archive on the network; CHROMIUM_PATH may point elsewhere.
set -euo pipefail
browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
emoji=/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
if [[ -x "$browser" && -f "$emoji" ]]; then
  echo "chromium: $("$browser" --version 2>/dev/null || echo "$browser")"
  exit 0
fi
if [[ "$(id -u)" -eq 0 ]]; then run=(); else run=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${run[@]}" apt-get update -q
"${run[@]}" apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core fonts-noto-color-emoji
"$browser" --version
