# shellcheck shell=bash
# Shared helpers for install.sh, ssl-setup.sh and provision.sh (sourced, not run).
#
# Every path the scripts touch goes through "$ROOT" (--root DIR; empty for /), so tests run in
# a temporary root and never touch the real system. DRY_RUN=1 prints what would change.
# Each helper prints one line per action: "create", "update", "keep" (already right).

ROOT="${ROOT:-}"
DRY_RUN="${DRY_RUN:-0}"
CHANGES=0
SERVICE_USER="camera-service"
SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SCRIPTS_DIR/.." && pwd)"

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

say() {
  printf '%s\n' "$*"
}

# The path of a target-system path inside the root: rp /etc/x -> $ROOT/etc/x.
rp() {
  printf '%s%s' "$ROOT" "$1"
}

# Sets ROOT from a --root value ("/" or empty = the real system).
set_root() {
  local dir="$1"
  if [ -z "$dir" ] || [ "$dir" = "/" ]; then
    ROOT=""
  else
    [ -d "$dir" ] || die "--root $dir is not a directory"
    ROOT="$(cd "$dir" && pwd)"
  fi
}

# True when installing into the real system (root / and running as root).
real_system() {
  [ -z "$ROOT" ] && [ "$(id -u)" -eq 0 ]
}

# Dies unless running as root or writing into a --root folder; $1 is what needs root.
need_root() {
  if [ -z "$ROOT" ] && [ "$(id -u)" -ne 0 ]; then
    die "$1 needs root (or use --root DIR)"
  fi
}

# Records and prints a change; in a dry run only prints it.
change() {
  CHANGES=$((CHANGES + 1))
  if [ "$DRY_RUN" = 1 ]; then say "would $*"; else say "$*"; fi
}

mode_of() {
  stat -c '%a' "$1"
}

# chown on the real system only (under a temporary root the user does not exist).
own() {
  local owner="$1" path="$2"
  if real_system && id "$SERVICE_USER" >/dev/null 2>&1; then
    if [ "$(stat -c '%U:%G' "$path")" != "$owner" ]; then
      change "chown $owner $path"
      [ "$DRY_RUN" = 1 ] || chown "$owner" "$path"
    fi
  fi
}

# ensure_dir PATH MODE [OWNER:GROUP]: create it or fix its mode.
ensure_dir() {
  local path mode="$2" owner="${3:-}"
  path="$(rp "$1")"
  if [ ! -d "$path" ]; then
    change "create $1/ ($mode)"
    [ "$DRY_RUN" = 1 ] && return 0
    mkdir -p "$path"
    chmod "$mode" "$path"
  elif [ "$(mode_of "$path")" != "${mode#0}" ]; then
    change "chmod $mode $1/"
    [ "$DRY_RUN" = 1 ] || chmod "$mode" "$path"
  else
    say "keep $1/"
  fi
  [ -z "$owner" ] || [ "$DRY_RUN" = 1 ] || own "$owner" "$path"
}

# install_file SRC DEST MODE [OWNER:GROUP]: copy when missing or different (atomic rename).
install_file() {
  local src="$1" dest mode="$3" owner="${4:-}"
  dest="$(rp "$2")"
  [ -f "$src" ] || die "$src not found"
  if [ -f "$dest" ] && cmp -s "$src" "$dest"; then
    if [ "$(mode_of "$dest")" != "${mode#0}" ]; then
      change "chmod $mode $2"
      [ "$DRY_RUN" = 1 ] || chmod "$mode" "$dest"
    else
      say "keep $2"
    fi
  else
    if [ -e "$dest" ]; then change "update $2"; else change "create $2"; fi
    [ "$DRY_RUN" = 1 ] && return 0
    cp "$src" "$dest.tmp.$$"
    chmod "$mode" "$dest.tmp.$$"
    mv -f "$dest.tmp.$$" "$dest"
  fi
  [ -z "$owner" ] || [ "$DRY_RUN" = 1 ] || own "$owner" "$dest"
}

# write_new DEST MODE < content: write the file only when it does not exist yet.
write_new() {
  local dest mode="$2"
  dest="$(rp "$1")"
  if [ -e "$dest" ]; then
    say "keep $1 (exists; not overwritten)"
    cat >/dev/null
    return 0
  fi
  change "create $1"
  if [ "$DRY_RUN" = 1 ]; then
    cat >/dev/null
    return 0
  fi
  (umask 077 && cat >"$dest.tmp.$$")
  chmod "$mode" "$dest.tmp.$$"
  mv -f "$dest.tmp.$$" "$dest"
}

# write_default_config WS_PORT HEALTH_PORT: the production config, only when none exists.
# Data in /var/lib/camera-service (the JWT secret is <data_dir>/jwt-secret, API keys
# <data_dir>/api-keys.json); certificates at the fixed paths ssl-setup.sh writes.
write_default_config() {
  write_new /etc/camera-service/camera-service.yaml 0640 <<YAML
# camera-service production configuration (written by scripts/install.sh; yours to edit).
# Check it with: camera-service config check --config /etc/camera-service/camera-service.yaml
data_dir: /var/lib/camera-service
server:
  host: 0.0.0.0
  port: $1
health:
  port: $2
security:
  ssl:
    enabled: true
    # Put certificates here with scripts/ssl-setup.sh (self-signed, private CA or Let's Encrypt).
    cert_file: /etc/camera-service/tls/server.crt
    key_file: /etc/camera-service/tls/server.key
logging:
  format: json
YAML
  [ "$DRY_RUN" = 1 ] || own "root:$SERVICE_USER" "$(rp /etc/camera-service/camera-service.yaml)"
}

# The service's own CLI: SERVICE_CMD is set by use_binary / use_dev.
SERVICE_CMD=()

use_binary() {
  [ -x "$1" ] || die "$1 is not an executable (build it with 'deno task compile', or pass --binary FILE or --dev)"
  SERVICE_CMD=("$1")
}

use_dev() {
  command -v deno >/dev/null 2>&1 || die "--dev needs deno on PATH (export PATH=$REPO_DIR/node_modules/.bin:\$PATH)"
  [ -f "$REPO_DIR/mod.ts" ] || die "--dev needs $REPO_DIR/mod.ts"
  SERVICE_CMD=(deno run --allow-all --config "$REPO_DIR/deno.json" "$REPO_DIR/mod.ts")
}

service_cli() {
  [ "${#SERVICE_CMD[@]}" -gt 0 ] || die "internal: no service command selected"
  "${SERVICE_CMD[@]}" "$@"
}

# Prints the comment block at the top of a script (after the #! line) as its usage text.
header_usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$1"
}
