#!/usr/bin/env bash
# Puts CPython 3.9, the oldest Python the SDK supports (requires-python >= 3.9), in .tools/python3.9
# once, and prints the interpreter's path. No registry this project reaches has a 3.9 for Debian 12
# (PyPI and npm only have installers that download from elsewhere), but Debian 11 ships 3.9.2: its
# packages are fetched with a private apt configuration (checked against Debian's archive keyring;
# the system's sources and installed packages are left alone) and unpacked, not installed.
# Run the interpreter with LD_LIBRARY_PATH="$(python39.sh --libs)" (OpenSSL 1.1, libffi 7, mpdec).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEST="$ROOT/.tools/python3.9"
PACKAGES=(python3.9-minimal libpython3.9-minimal libpython3.9-stdlib python3-distutils python3-lib2to3 libssl1.1 libffi7 libmpdec3)

if [ ! -x "$DEST/usr/bin/python3.9" ]; then
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
  mkdir -p "$WORK/lists/partial" "$WORK/cache/archives/partial" "$WORK/debs" "$WORK/root"
  touch "$WORK/status"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bullseye main" > "$WORK/sources.list"
  # An empty package status: apt then picks bullseye's versions, not the ones this system has.
  cat > "$WORK/apt.conf" <<EOF
Dir::Etc::SourceList "$WORK/sources.list";
Dir::Etc::SourceParts "/nonexistent";
Dir::State::Lists "$WORK/lists";
Dir::State::status "$WORK/status";
Dir::Cache "$WORK/cache";
APT::Sandbox::User "root";
Acquire::IndexTargets::deb::DEP-11::DefaultEnabled "false";
Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled "false";
Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled "false";
EOF
  export APT_CONFIG="$WORK/apt.conf"
  if ! apt-get -qq update || ! (cd "$WORK/debs" && apt-get -qq download "${PACKAGES[@]}"); then
    echo "python39.sh: Debian 11 (bullseye) packages could not be fetched from deb.debian.org; the Python 3.9 check needs them" >&2
    exit 1
  fi
  for deb in "$WORK"/debs/*.deb; do dpkg-deb -x "$deb" "$WORK/root"; done
  mkdir -p "$(dirname "$DEST")"
  rm -rf "$DEST"
  mv "$WORK/root" "$DEST"
fi

if [ "${1:-}" = "--libs" ]; then
  LIBS=("$DEST"/usr/lib/*-linux-gnu)
  echo "${LIBS[0]}"
else
  echo "$DEST/usr/bin/python3.9"
fi
