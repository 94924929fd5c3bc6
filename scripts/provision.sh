#!/usr/bin/env bash
# Provisions a new box in one go: installs the service (install.sh), makes its certificates
# (ssl-setup.sh: a private CA by default), a JWT secret (0600) and the first admin API key,
# which is printed ONCE. The config (/etc/camera-service/camera-service.yaml) points at them.
# Idempotent: a second run keeps the existing CA, certificates, secret and key unless --force.
#
#   scripts/provision.sh [--root DIR] [--binary FILE | --dev] [--self-signed]
#                        [--host NAME ...] [--clients NAME,NAME] [--admin-name NAME]
#                        [--with-mediamtx] [--firewall] [--no-install] [--force] [--dry-run]
#
# --binary FILE  the executable to install and use (default: dist/camera-service).
# --dev          use `deno run -A mod.ts` from this checkout for certificates and keys, and
#                skip installing an executable (folders and config are still created).
# --no-install   do not run install.sh (the executable is already in /usr/local/bin).
# --force        replace the server certificate, rotate the JWT secret (every token issued so far
#                stops working) and replace the admin API key (the old one is revoked).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

BINARY=""
DEV=0
INSTALL=1
FORCE=0
ADMIN_NAME="admin"
SSL_MODE=--private-ca
SSL_ARGS=()
INSTALL_ARGS=()
ROOT_ARG=()

usage() {
  header_usage "${BASH_SOURCE[0]}"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --root) set_root "${2:?--root needs a value}"; ROOT_ARG=(--root "$2"); shift 2 ;;
    --binary) BINARY="${2:?--binary needs a value}"; shift 2 ;;
    --dev) DEV=1; INSTALL=0; shift ;;
    --no-install) INSTALL=0; shift ;;
    --self-signed) SSL_MODE=--self-signed; shift ;;
    --host) SSL_ARGS+=(--host "${2:?--host needs a value}"); shift 2 ;;
    --clients) SSL_ARGS+=(--clients "${2:?--clients needs a value}"); shift 2 ;;
    --admin-name) ADMIN_NAME="${2:?--admin-name needs a value}"; shift 2 ;;
    --with-mediamtx | --firewall) INSTALL_ARGS+=("$1"); shift ;;
    --force) FORCE=1; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
[[ "$ADMIN_NAME" =~ ^[A-Za-z0-9._-]+$ ]] || die "--admin-name '$ADMIN_NAME': use letters, digits, . _ -"
need_root "provisioning /"
COMMON=("${ROOT_ARG[@]}")
[ "$DRY_RUN" = 0 ] || COMMON+=(--dry-run)

DATA=/var/lib/camera-service
OWN="$SERVICE_USER:$SERVICE_USER"

# 1. Executable, user, folders, config, units.
if [ "$INSTALL" = 1 ]; then
  say "== install"
  "$SCRIPTS_DIR/install.sh" "${COMMON[@]}" --binary "${BINARY:-$REPO_DIR/dist/camera-service}" \
    "${INSTALL_ARGS[@]}"
fi
say "== folders and config"
ensure_dir /etc/camera-service 0750 "root:$SERVICE_USER"
ensure_dir /etc/camera-service/tls 0700 "$OWN"
ensure_dir "$DATA" 0750 "$OWN"
write_default_config 8002 8003

if [ "$DEV" = 1 ]; then
  use_dev
  CLI_ARGS=(--dev)
else
  use_binary "$(rp /usr/local/bin/camera-service)"
  CLI_ARGS=(--binary "$(rp /usr/local/bin/camera-service)")
fi

# 2. Certificates.
say "== certificates"
FORCE_ARG=()
[ "$FORCE" = 0 ] || FORCE_ARG=(--force)
"$SCRIPTS_DIR/ssl-setup.sh" "$SSL_MODE" "${COMMON[@]}" "${CLI_ARGS[@]}" "${SSL_ARGS[@]}" \
  "${FORCE_ARG[@]}"

# 3. JWT secret: <data_dir>/jwt-secret, where the service looks when the config names none.
say "== JWT secret"
SECRET="$(rp "$DATA/jwt-secret")"
if [ -s "$SECRET" ] && [ "$FORCE" = 0 ]; then
  say "keep $DATA/jwt-secret (--force rotates it)"
else
  change "create $DATA/jwt-secret (0600)"
  if [ "$DRY_RUN" = 0 ]; then
    (umask 077 && head -c 48 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=' >"$SECRET.tmp.$$")
    echo >>"$SECRET.tmp.$$"
    chmod 600 "$SECRET.tmp.$$"
    mv -f "$SECRET.tmp.$$" "$SECRET"
  fi
fi
[ "$DRY_RUN" = 1 ] || [ ! -e "$SECRET" ] || own "$OWN" "$SECRET"

# 4. The first admin API key, printed once (only its hash is stored).
say "== admin API key"
export CAMERA_SERVICE_CONFIG
CAMERA_SERVICE_CONFIG="$(rp /etc/camera-service/camera-service.yaml)"
# Inside --root the config's absolute data_dir would point at the real system: redirect it.
export CAMERA_SERVICE_DATA_DIR
CAMERA_SERVICE_DATA_DIR="$(rp "$DATA")"
existing_admin_key_id() {
  local list
  list="$(service_cli apikey list)" || die "apikey list failed (see above)"
  # Columns: ID NAME ROLE STATUS CREATED EXPIRES (names cannot contain spaces).
  printf '%s\n' "$list" |
    awk -v n="$ADMIN_NAME" 'NR > 1 && $2 == n && $3 == "admin" && $4 == "active" { print $1; exit }'
}
KEY_ID=""
if [ "$DRY_RUN" = 0 ] || [ -e "$(rp "$DATA/api-keys.json")" ]; then
  KEY_ID="$(existing_admin_key_id)"
fi
if [ -n "$KEY_ID" ] && [ "$FORCE" = 0 ]; then
  say "keep admin API key '$ADMIN_NAME' (id $KEY_ID): it was printed when it was made and is not shown again (--force replaces it)"
else
  if [ -n "$KEY_ID" ]; then
    change "revoke admin API key '$ADMIN_NAME' (id $KEY_ID)"
    [ "$DRY_RUN" = 1 ] || service_cli apikey revoke "$KEY_ID" >/dev/null
  fi
  change "create admin API key '$ADMIN_NAME'"
  if [ "$DRY_RUN" = 0 ]; then
    KEY="$(service_cli apikey create --role admin --name "$ADMIN_NAME" 2>/dev/null)"
    [ -n "$KEY" ] || die "apikey create printed no key"
    say ""
    say "==== admin API key '$ADMIN_NAME' (shown ONCE; store it now) ===="
    say "$KEY"
    say "================================================================"
    say ""
  fi
fi
KEYS="$(rp "$DATA/api-keys.json")"
[ "$DRY_RUN" = 1 ] || [ ! -e "$KEYS" ] || own "$OWN" "$KEYS"

# 5. Start (real system with systemd only).
if [ "$CHANGES" -gt 0 ] && [ "$DRY_RUN" = 0 ] && real_system && command -v systemctl >/dev/null 2>&1 &&
  [ -d /run/systemd/system ]; then
  systemctl restart camera-service && say "restarted camera-service"
fi
if [ "$DRY_RUN" = 1 ]; then say "dry run: $CHANGES change(s) would be made here"; else say "$CHANGES change(s) here"; fi
