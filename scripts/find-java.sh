# Sourced by ./nines and the bench scripts: prints the newest JDK >= 21 found in JAVA_HOME, PATH, then the
# usual install folders (/usr/lib/jvm, /opt, sdkman), or fails naming where it looked.
java_major() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | cut -d. -f1; }

find_java() {
  local c candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  for c in /usr/lib/jvm/*/bin/java /opt/java/*/bin/java /opt/*/bin/java "$HOME"/.sdkman/candidates/java/*/bin/java; do
    [ -x "$c" ] && candidates+=("$c")
  done
  local best="" best_v=0 v
  for c in "${candidates[@]}"; do
    v="$(java_major "$c" 2>/dev/null || echo 0)"
    [[ "$v" =~ ^[0-9]+$ ]] || continue
    if [ "$v" -ge 21 ] && [ "$v" -gt "$best_v" ]; then best="$c"; best_v="$v"; fi
  done
  [ -n "$best" ] || { echo "nines: no JDK >= 21 found (looked at JAVA_HOME, PATH, /usr/lib/jvm). Install one or set JAVA_HOME." >&2; return 1; }
  echo "$best"
}
