#!/usr/bin/env bash
# Installs camera-service on a box: service user, folders with tight permissions, the
# executable, the configuration (never overwritten) and the systemd units. Idempotent.
#
#   scripts/install.sh [--root DIR] [--binary FILE] [--config FILE] [--with-mediamtx]
#                      [--firewall] [--dry-run]
#
# --root DIR   install into DIR instead of / (for tests and images); no user is created, no
#              ownership changed and systemctl is not called there.
# --binary     the executable to install (default: dist/camera-service, from 'deno task compile').
# --config     the configuration to install when none exists yet (default: a production config
#              written by this script: data in /var/lib/camera-service, certificates in
#              /etc/camera-service/tls/server.crt and server.key; see ssl-setup.sh).
# --with-mediamtx  also install mediamtx.service (the mediamtx binary goes to /usr/local/bin).
# --firewall   allow the two ports (8002 WSS, 8003 health) with ufw, when ufw is installed.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

BINARY="$REPO_DIR/dist/camera-service"
CONFIG_SRC=""
WITH_MEDIAMTX=0
FIREWALL=0
WS_PORT=8002
HEALTH_PORT=8003

usage() {
  header_usage "${BASH_SOURCE[0]}"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --root) set_root "${2:?--root needs a value}"; shift 2 ;;
    --binary) BINARY="${2:?--binary needs a value}"; shift 2 ;;
    --config) CONFIG_SRC="${2:?--config needs a value}"; shift 2 ;;
    --with-mediamtx) WITH_MEDIAMTX=1; shift ;;
    --firewall) FIREWALL=1; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

[ -f "$BINARY" ] || die "$BINARY not found: build it with 'deno task compile' or pass --binary FILE"
need_root "installing into /"
[ -z "$CONFIG_SRC" ] || [ -f "$CONFIG_SRC" ] || die "--config $CONFIG_SRC not found"

# 1. The service user (a system user in the video group, no login, home = its data folder).
if real_system; then
  if id "$SERVICE_USER" >/dev/null 2>&1; then
    say "keep user $SERVICE_USER"
  else
    change "create system user $SERVICE_USER"
    if [ "$DRY_RUN" = 0 ]; then
      useradd --system --user-group --home-dir /var/lib/camera-service --no-create-home \
        --shell /usr/sbin/nologin "$SERVICE_USER"
    fi
  fi
  if getent group video >/dev/null && ! id -nG "$SERVICE_USER" 2>/dev/null | grep -qw video; then
    change "add $SERVICE_USER to group video"
    [ "$DRY_RUN" = 1 ] || usermod -a -G video "$SERVICE_USER"
  fi
else
  say "skip user: create system user $SERVICE_USER (group video) when installing into / as root"
fi

# 2. Folders. Config readable by the service group only; TLS and state private to the service.
OWN="$SERVICE_USER:$SERVICE_USER"
for d in /usr/local/bin /etc/systemd/system; do
  [ -d "$(rp "$d")" ] || ensure_dir "$d" 0755
done
ensure_dir /etc/camera-service 0750 "root:$SERVICE_USER"
ensure_dir /etc/camera-service/tls 0700 "$OWN"
ensure_dir /var/lib/camera-service 0750 "$OWN"
ensure_dir /var/lib/camera-service/recordings 0750 "$OWN"
ensure_dir /var/lib/camera-service/snapshots 0750 "$OWN"

# 3. The executable.
install_file "$BINARY" /usr/local/bin/camera-service 0755

# 4. The configuration, only when there is none (an operator's edits are never replaced).
if [ -n "$CONFIG_SRC" ]; then
  write_new /etc/camera-service/camera-service.yaml 0640 <"$CONFIG_SRC"
else
  write_default_config "$WS_PORT" "$HEALTH_PORT"
fi
[ "$DRY_RUN" = 1 ] || own "root:$SERVICE_USER" "$(rp /etc/camera-service/camera-service.yaml)"

# 5. systemd units.
install_file "$SCRIPTS_DIR/systemd/camera-service.service" \
  /etc/systemd/system/camera-service.service 0644
UNITS=(camera-service.service)
if [ "$WITH_MEDIAMTX" = 1 ]; then
  install_file "$SCRIPTS_DIR/systemd/mediamtx.service" /etc/systemd/system/mediamtx.service 0644
  ensure_dir /etc/mediamtx 0755
  UNITS+=(mediamtx.service)
  [ -x "$(rp /usr/local/bin/mediamtx)" ] ||
    say "note: put the mediamtx binary at /usr/local/bin/mediamtx and its config at /etc/mediamtx/mediamtx.yml"
fi

# 6. Firewall (ufw), when asked.
if [ "$FIREWALL" = 1 ]; then
  if ! command -v ufw >/dev/null 2>&1; then
    say "skip firewall: ufw is not installed; open tcp/$WS_PORT and tcp/$HEALTH_PORT in your firewall"
  elif ! real_system; then
    say "skip firewall: not the real system; would run: ufw allow $WS_PORT/tcp; ufw allow $HEALTH_PORT/tcp"
  else
    for p in "$WS_PORT" "$HEALTH_PORT"; do
      if ufw status 2>/dev/null | grep -Eq "^$p/tcp +ALLOW"; then
        say "keep ufw rule $p/tcp"
      else
        change "ufw allow $p/tcp"
        [ "$DRY_RUN" = 1 ] || ufw allow "$p/tcp" comment camera-service >/dev/null
      fi
    done
  fi
fi

# 7. systemd: reload and enable (not started: certificates come first, see ssl-setup.sh).
if real_system && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  if [ "$DRY_RUN" = 1 ]; then
    say "would run: systemctl daemon-reload; systemctl enable ${UNITS[*]}"
  else
    systemctl daemon-reload
    systemctl enable "${UNITS[@]}" >/dev/null 2>&1
    say "enabled ${UNITS[*]}"
  fi
else
  say "skip systemctl: not the real system or systemd is not running"
fi

if [ "$DRY_RUN" = 1 ]; then say "dry run: $CHANGES change(s) would be made"; else say "$CHANGES change(s)"; fi
if [ ! -f "$(rp /etc/camera-service/tls/server.crt)" ]; then
  say "next: scripts/ssl-setup.sh --self-signed | --private-ca | --letsencrypt --domain D (or scripts/provision.sh)"
fi
