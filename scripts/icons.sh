#!/usr/bin/env bash
# Renders the installed app's icons (public/icon-192.png, public/icon-512.png) from
# public/icon.svg with Chromium. The PNGs are committed; run this after changing the SVG.
# The artwork keeps to the middle 80% so a phone's mask (circle, squircle) never cuts it.
set -euo pipefail
cd "$(dirname "$0")/.."
page=$(mktemp --suffix=.html)
trap 'rm -f "$page"' EXIT
{
  echo '<!doctype html><style>html,body{margin:0;overflow:hidden}svg{display:block;width:100vw;height:100vh}</style>'
  cat public/icon.svg
} >"$page"
for size in 192 512; do
  chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --window-size="$size,$size" --screenshot="public/icon-$size.png" "file://$page" 2>/dev/null
done
echo "wrote public/icon-192.png and public/icon-512.png"
