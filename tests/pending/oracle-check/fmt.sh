#!/usr/bin/env bash
# rustfmt tests/pending/*.rs in place: they declare `mod common;`, which rustfmt must resolve,
# so they are formatted in a scratch folder beside a link to tests/common.
set -euo pipefail
cd "$(dirname "$0")/.."
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
ln -s "$PWD/../common" "$D/common"
cp ./*.rs "$D"/
rustfmt --edition 2024 "$D"/*.rs
for f in "$D"/*.rs; do
  cmp -s "$f" "$(basename "$f")" || { echo "formatted $(basename "$f")"; cp "$f" .; }
done
