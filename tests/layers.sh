#!/usr/bin/env bash
# The layers, checked from the includes: core/ is the engine and depends on
# nothing above it; backends/ (transports, probes, native inspection) on
# nothing but core/; steps/ (the migration knowledge) not on the front ends;
# the wizard (tui/) uses the session (app/session.h) but not the CLI that
# starts it.  Each rule is also run against a planted violation, so a rule
# that can no longer fail fails here.  Prints "layers: N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }

# violations ROOT DIR PATTERN: the #include lines of DIR's files (under ROOT)
# whose quoted path matches PATTERN (an extended regexp on the path).
violations() {
  local root=$1 dir=$2 pat=$3
  (cd "$root" && grep -HnE "^[[:space:]]*#[[:space:]]*include[[:space:]]+\"($pat)" -- "$dir"/*.c "$dir"/*.h 2>/dev/null)
}

rules=(
  "core|steps/|tui/|app/"
  "backends|steps/|tui/|app/"
  "steps|tui/|app/"
  "tui|app/cli\\.h"
)

for r in "${rules[@]}"; do
  dir=${r%%|*} pat=${r#*|}
  out=$(violations "$top" "$dir" "$pat")
  if [ -z "$out" ]; then ok "$dir/ includes nothing of ${pat//|/ or }"; else bad "$dir/ includes ${pat//|/ or }:"; printf '     %s\n' "$out"; fi
done

# each rule catches a planted include
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for r in "${rules[@]}"; do
  dir=${r%%|*} pat=${r#*|}
  first=${pat%%|*}
  first=${first//\\/}
  case $first in */) first=${first}x.h ;; esac
  mkdir -p "$tmp/$dir"
  printf '#include "%s"\n' "$first" > "$tmp/$dir/planted.c"
  if [ -n "$(violations "$tmp" "$dir" "$pat")" ]; then ok "a planted #include \"$first\" in $dir/ is caught"; else bad "a planted #include \"$first\" in $dir/ is not caught"; fi
done

echo "layers: $passed passed, $failed failed"
[ "$failed" = 0 ]
