#!/usr/bin/env bash
# Records of the rules-only pipeline (commit a56233c, the last before the trained heads) for the
# corpus notes, as JSON lines: the "rules" column of docs/quality.md.
#   scripts/rules_baseline.sh build/rules-a56233c.jsonl
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/rules-a56233c.jsonl}
rev=a56233c
tree=$(mktemp -d)
trap 'git worktree remove --force "$tree" >/dev/null 2>&1 || rm -rf "$tree"' EXIT
git worktree add -f --detach "$tree" "$rev" >/dev/null 2>&1
mkdir -p "$(dirname "$out")"
here=$(pwd)
case "$out" in /*) ;; *) out="$here/$out" ;; esac
# run from inside the old tree, so its `pipeline` package is the one imported
(cd "$tree" && PYTHONPATH="$tree" "$here/.venv/bin/python" -m pipeline run "$here/corpus/notes" --no-llm --db "$tree/rules.db" >&2 \
  && PYTHONPATH="$tree" "$here/.venv/bin/python" -m pipeline export --db "$tree/rules.db" --format jsonl > "$out")
echo "wrote $out ($(wc -l < "$out") records)" >&2
