#!/usr/bin/env bash
# Puts a TLS certificate where the service reads it (/etc/camera-service/tls/server.crt and
# server.key), with the service's own `cert` command (no openssl). Idempotent: existing
# certificates are kept unless --force.
#
#   scripts/ssl-setup.sh --self-signed [--host NAME ...]
#   scripts/ssl-setup.sh --private-ca [--host NAME ...] [--clients NAME,NAME]
#   scripts/ssl-setup.sh --letsencrypt --domain DOMAIN
#   options: [--root DIR] [--binary FILE | --dev] [--force] [--dry-run]
#
# --self-signed  a self-signed server certificate (clients trust server.crt itself).
# --private-ca   a CA in /etc/camera-service/ca (root only), a server certificate issued by it,
#                ca.crt next to it for clients (and for mTLS), client certificates for --clients
#                in /etc/camera-service/clients/NAME.crt|.key.
# --letsencrypt  copies certbot's files for DOMAIN and installs a certbot deploy hook
#                (/etc/letsencrypt/renewal-hooks/deploy/camera-service) that copies renewed
#                files and reloads the service. Run `certbot certonly -d DOMAIN` first.
# --host         DNS name or IP for the certificate (repeatable; default: this host's name,
#                localhost, 127.0.0.1, ::1).
# --binary       the camera-service executable (default /usr/local/bin/camera-service inside
#                --root); --dev runs `deno run -A mod.ts` from this checkout instead.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

MODE=""
HOSTS=()
CLIENTS=""
DOMAIN=""
BINARY=""
DEV=0
FORCE=0

usage() {
  header_usage "${BASH_SOURCE[0]}"
}

set_mode() {
  [ -z "$MODE" ] || [ "$MODE" = "$1" ] || die "choose one of --self-signed, --private-ca, --letsencrypt"
  MODE="$1"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --self-signed) set_mode self-signed; shift ;;
    --private-ca) set_mode private-ca; shift ;;
    --letsencrypt) set_mode letsencrypt; shift ;;
    --host) HOSTS+=("${2:?--host needs a value}"); shift 2 ;;
    --clients) CLIENTS="${2:?--clients needs a value}"; shift 2 ;;
    --domain) DOMAIN="${2:?--domain needs a value}"; shift 2 ;;
    --root) set_root "${2:?--root needs a value}"; shift 2 ;;
    --binary) BINARY="${2:?--binary needs a value}"; shift 2 ;;
    --dev) DEV=1; shift ;;
    --force) FORCE=1; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

[ -n "$MODE" ] || die "choose --self-signed, --private-ca or --letsencrypt (see --help)"
need_root "writing into /etc"

TLS=/etc/camera-service/tls
CA=/etc/camera-service/ca
CLIENT_DIR=/etc/camera-service/clients
OWN="$SERVICE_USER:$SERVICE_USER"

select_cli() {
  if [ "$DEV" = 1 ]; then
    use_dev
  else
    use_binary "${BINARY:-$(rp /usr/local/bin/camera-service)}"
  fi
}

default_hosts() {
  if [ "${#HOSTS[@]}" -eq 0 ]; then
    local h
    h="$(hostname 2>/dev/null || true)"
    [ -z "$h" ] || [ "$h" = localhost ] || HOSTS+=("$h")
    HOSTS+=(localhost 127.0.0.1 ::1)
  fi
}

host_flags() {
  local h
  for h in "${HOSTS[@]}"; do printf -- '--host\n%s\n' "$h"; done
}

# Runs `cert ...` unless this is a dry run.
cert_cmd() {
  if [ "$DRY_RUN" = 1 ]; then return 0; fi
  service_cli cert "$@" >/dev/null
}

# Gives the service user the TLS files (real system only).
own_tls() {
  local f
  for f in "$(rp "$TLS")"/server.crt "$(rp "$TLS")"/server.key "$(rp "$TLS")"/ca.crt; do
    [ ! -e "$f" ] || own "$OWN" "$f"
  done
}

have_server_cert() {
  [ -f "$(rp "$TLS/server.crt")" ] && [ -f "$(rp "$TLS/server.key")" ]
}

setup_self_signed() {
  if have_server_cert && [ "$FORCE" = 0 ]; then
    say "keep $TLS/server.crt (exists; --force replaces it)"
    return 0
  fi
  default_hosts
  local hf=()
  mapfile -t hf < <(host_flags)
  change "create $TLS/server.crt, server.key (self-signed: ${HOSTS[*]})"
  cert_cmd self-signed --out "$(rp "$TLS")" --name server "${hf[@]}" --force
}

setup_private_ca() {
  ensure_dir "$CA" 0700
  if [ -f "$(rp "$CA/ca.crt")" ] && [ -f "$(rp "$CA/ca.key")" ]; then
    say "keep $CA/ca.crt (the CA is never replaced; remove the folder to start over)"
  else
    change "create $CA/ca.crt, ca.key (private CA)"
    cert_cmd ca create --out "$(rp "$CA")" --name ca --cn "camera-service CA $(hostname 2>/dev/null || echo box)"
  fi
  install_ca_copy
  if have_server_cert && [ "$FORCE" = 0 ] && issued_by_ca; then
    say "keep $TLS/server.crt (issued by this CA; --force re-issues it)"
  else
    if have_server_cert && [ "$FORCE" = 0 ]; then
      say "$TLS/server.crt was not issued by $CA/ca.crt: issuing a new one"
    fi
    default_hosts
    local hf=()
    mapfile -t hf < <(host_flags)
    change "create $TLS/server.crt, server.key (issued by the private CA: ${HOSTS[*]})"
    cert_cmd issue --ca "$(rp "$CA/ca.crt")" --ca-key "$(rp "$CA/ca.key")" --server \
      --out "$(rp "$TLS")" --name server "${hf[@]}" --force
  fi
  [ -z "$CLIENTS" ] || issue_clients
  say "clients trust $TLS/ca.crt; for mutual TLS set security.ssl.verify_mode: CERT_REQUIRED and ca_file: $TLS/ca.crt"
}

# The last PEM certificate block of a file (an issued server.crt ends with its CA's certificate).
last_cert() {
  awk '/-----BEGIN CERTIFICATE-----/ { block = "" } { block = block $0 "\n" }
    /-----END CERTIFICATE-----/ { last = block } END { printf "%s", last }' "$1"
}

# True when server.crt's chain ends with this CA's certificate.
issued_by_ca() {
  [ -f "$(rp "$CA/ca.crt")" ] || return 1
  [ "$(last_cert "$(rp "$TLS/server.crt")")" = "$(last_cert "$(rp "$CA/ca.crt")")" ]
}

install_ca_copy() {
  if [ "$DRY_RUN" = 1 ] && [ ! -f "$(rp "$CA/ca.crt")" ]; then
    change "create $TLS/ca.crt"
    return 0
  fi
  install_file "$(rp "$CA/ca.crt")" "$TLS/ca.crt" 0644
}

issue_clients() {
  ensure_dir "$CLIENT_DIR" 0700
  local name names=()
  IFS=',' read -r -a names <<<"$CLIENTS"
  for name in "${names[@]}"; do
    [ -n "$name" ] || continue
    [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "client name '$name': use letters, digits, . _ -"
    if [ -f "$(rp "$CLIENT_DIR/$name.crt")" ] && [ "$FORCE" = 0 ]; then
      say "keep $CLIENT_DIR/$name.crt"
      continue
    fi
    change "create $CLIENT_DIR/$name.crt, $name.key (client certificate)"
    cert_cmd issue --ca "$(rp "$CA/ca.crt")" --ca-key "$(rp "$CA/ca.key")" --client \
      --name "$name" --out "$(rp "$CLIENT_DIR")" --force
  done
}

setup_letsencrypt() {
  [ -n "$DOMAIN" ] || die "--letsencrypt needs --domain DOMAIN"
  [[ "$DOMAIN" =~ ^[A-Za-z0-9.-]+$ ]] || die "--domain '$DOMAIN' is not a host name"
  local live="/etc/letsencrypt/live/$DOMAIN"
  if [ ! -f "$(rp "$live/fullchain.pem")" ] || [ ! -f "$(rp "$live/privkey.pem")" ]; then
    die "$live/fullchain.pem and privkey.pem not found: run 'certbot certonly --standalone -d $DOMAIN' first"
  fi
  # Copies, not symlinks: certbot's archive folder is root-only and the service runs as
  # $SERVICE_USER. Key first, so a watcher that sees the new certificate finds its key.
  install_file "$(rp "$live/privkey.pem")" "$TLS/server.key" 0600
  install_file "$(rp "$live/fullchain.pem")" "$TLS/server.crt" 0600
  ensure_dir /etc/letsencrypt/renewal-hooks/deploy 0755
  local hook
  hook="$(mktemp)"
  sed -e "s/@DOMAIN@/$DOMAIN/g" "$SCRIPTS_DIR/systemd/certbot-deploy-hook.sh" >"$hook"
  install_file "$hook" /etc/letsencrypt/renewal-hooks/deploy/camera-service 0755
  rm -f "$hook"
}

ensure_dir /etc/camera-service 0750
ensure_dir "$TLS" 0700 "$OWN"
case "$MODE" in
  self-signed) select_cli; setup_self_signed ;;
  private-ca) select_cli; setup_private_ca ;;
  letsencrypt)
    # The CLI is optional here (only to show the installed certificate).
    if [ "$DEV" = 1 ] || [ -n "$BINARY" ] || [ -x "$(rp /usr/local/bin/camera-service)" ]; then select_cli; fi
    setup_letsencrypt
    ;;
esac
[ "$DRY_RUN" = 1 ] || own_tls

if [ "$CHANGES" -gt 0 ] && [ "$DRY_RUN" = 0 ] && [ "${#SERVICE_CMD[@]}" -gt 0 ] && have_server_cert; then
  service_cli cert inspect "$(rp "$TLS/server.crt")" || true
fi
if [ "$CHANGES" -gt 0 ] && [ "$DRY_RUN" = 0 ] && real_system && command -v systemctl >/dev/null 2>&1 &&
  systemctl is-active --quiet camera-service 2>/dev/null; then
  systemctl reload camera-service && say "reloaded camera-service"
fi
if [ "$DRY_RUN" = 1 ]; then say "dry run: $CHANGES change(s) would be made"; else say "$CHANGES change(s)"; fi
