#!/usr/bin/env bash
# Real test media from Debian packages, extracted without installing the packages (they are large):
# `apt-get download` + `dpkg-deb`, into the gitignored .cache/test-media. Idempotent: files already
# present are not fetched again, so a re-run costs nothing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DEST=.cache/test-media
# <Debian package> <path inside the package> <file name in $DEST>
MEDIA=(
  "python3-skimage ./usr/lib/python3/dist-packages/skimage/data/astronaut.png astronaut.png"
  "python3-skimage ./usr/lib/python3/dist-packages/skimage/data/coffee.png coffee.png"
  "kphotoalbum ./usr/share/kphotoalbum/demo/movie.avi movie.avi"
  "kphotoalbum ./usr/share/kphotoalbum/demo/sunset.jpg sunset.jpg"
  # photos with faces boxed by hand (People areas in the album's index.xml): detector recall
  "kphotoalbum ./usr/share/kphotoalbum/demo/qt-logo.jpg qt-logo.jpg"
  "kphotoalbum ./usr/share/kphotoalbum/demo/wayne.jpg wayne.jpg"
  "kphotoalbum ./usr/share/kphotoalbum/demo/index.xml kphotoalbum-index.xml"
)

log() { printf '[test-media] %s\n' "$*"; }

mkdir -p "$DEST"
declare -A wanted=()
for entry in "${MEDIA[@]}"; do
  read -r pkg _ name <<<"$entry"
  [ -s "$DEST/$name" ] || wanted[$pkg]=1
done
[ ${#wanted[@]} -eq 0 ] && exit 0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# As root, apt's download sandbox user (_apt) cannot write into our temp folder; download as root.
sandbox=()
[ "$(id -u)" -eq 0 ] && sandbox=(-o APT::Sandbox::User=root)
for pkg in "${!wanted[@]}"; do
  log "downloading $pkg"
  if ! (cd "$work" && apt-get download -q "${sandbox[@]}" "$pkg" >/dev/null 2>&1); then
    log "apt lists missing or stale; apt-get update"
    as_root=(); [ "$(id -u)" -eq 0 ] || as_root=(sudo)
    "${as_root[@]}" apt-get -o DPkg::Lock::Timeout=1200 update -q >/dev/null
    (cd "$work" && apt-get download -q "${sandbox[@]}" "$pkg" >/dev/null)
  fi
done
for entry in "${MEDIA[@]}"; do
  read -r pkg path name <<<"$entry"
  [ -s "$DEST/$name" ] && continue
  deb=$(ls "$work"/"${pkg}"_*.deb)
  # Extract to a temp name and rename, so an interrupted run never leaves a half-written file.
  dpkg-deb --fsys-tarfile "$deb" | tar -xO "$path" > "$DEST/$name.part"
  mv "$DEST/$name.part" "$DEST/$name"
  log "$name ($(stat -c %s "$DEST/$name") bytes, from $pkg)"
done
