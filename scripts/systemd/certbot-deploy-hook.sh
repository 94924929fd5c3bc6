#!/bin/sh
# certbot deploy hook for camera-service (installed by scripts/ssl-setup.sh --letsencrypt as
# /etc/letsencrypt/renewal-hooks/deploy/camera-service). certbot runs it after each renewal with
# RENEWED_LINEAGE=/etc/letsencrypt/live/<name>. It copies the renewed files to where the service
# reads them (key first, each replaced atomically) and reloads the service (SIGHUP); the
# service also notices the new files by itself, and keeps open connections either way.
# CAMERA_SERVICE_HOOK_ROOT prefixes every path (tests); then no chown and no systemctl.
set -eu
DOMAIN="@DOMAIN@"
ROOT="${CAMERA_SERVICE_HOOK_ROOT:-}"
LINEAGE="${RENEWED_LINEAGE:-$ROOT/etc/letsencrypt/live/$DOMAIN}"
case "$LINEAGE" in
  */live/"$DOMAIN") ;;
  *) exit 0 ;; # another certificate was renewed
esac
TLS="$ROOT/etc/camera-service/tls"

put() {
  cp "$1" "$2.new"
  chmod 600 "$2.new"
  if [ -z "$ROOT" ]; then chown camera-service:camera-service "$2.new"; fi
  mv -f "$2.new" "$2"
}

put "$LINEAGE/privkey.pem" "$TLS/server.key"
put "$LINEAGE/fullchain.pem" "$TLS/server.crt"
echo "camera-service: installed the renewed certificate for $DOMAIN"
if [ -z "$ROOT" ] && systemctl is-active --quiet camera-service; then
  systemctl reload camera-service
fi
