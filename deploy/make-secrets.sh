#!/bin/sh
# Makes deploy/secrets/ for compose.yaml: random passwords for the PostgreSQL superuser and the
# two Ketnap roles, the libpq password file of the Ketnap processes, an empty personal-data key
# file, and, for a trial only, a token-signing key pair (put your identity provider's public key
# in secrets/jwt_public_key.pem instead; keep jwt_private_key.pem out of the deployment).
# Never overwrites a file that exists. Run as root (or with sudo) so that the files the image's
# user (uid 10001) reads can be handed to it.
set -eu
cd "$(dirname "$0")"
mkdir -p secrets
chmod 0700 secrets
umask 077
password() { head -c 24 /dev/urandom | base64 | tr -d '/+=\n'; }
for name in postgres_password ketnap_owner_password ketnap_app_password; do
  [ -f "secrets/$name" ] || password >"secrets/$name"
done
if [ ! -f secrets/pgpass ]; then
  {
    echo "db:5432:ketnap:ketnap_owner:$(cat secrets/ketnap_owner_password)"
    echo "db:5432:ketnap:ketnap_app:$(cat secrets/ketnap_app_password)"
  } >secrets/pgpass
fi
[ -f secrets/personal_data_keys.json ] || echo '{}' >secrets/personal_data_keys.json
if [ ! -f secrets/jwt_public_key.pem ] && command -v openssl >/dev/null; then
  openssl ecparam -name prime256v1 -genkey -noout |
    openssl pkcs8 -topk8 -nocrypt -out secrets/jwt_private_key.pem
  openssl ec -in secrets/jwt_private_key.pem -pubout -out secrets/jwt_public_key.pem 2>/dev/null
fi
chmod 0600 secrets/*
chmod 0644 secrets/jwt_public_key.pem 2>/dev/null || true
if [ "$(id -u)" = 0 ]; then
  chown 10001:10001 secrets/pgpass secrets/personal_data_keys.json secrets/jwt_public_key.pem
  # The postgres image reads its own secrets as uid 999 (postgres).
  chown 999:999 secrets/postgres_password secrets/ketnap_owner_password secrets/ketnap_app_password
else
  echo "not root: chown 10001 secrets/pgpass secrets/personal_data_keys.json by hand" >&2
fi
ls -l secrets
