# Sourced by scripts/run and scripts/test: makes sure .venv exists with Ketnap installed
# (extras in KETNAP_EXTRAS, e.g. "[test]"), installing python3-venv with apt-get if needed.
# Expects ROOT (the repository) and leaves .venv/bin first on PATH.

log() { printf '\n==> %s\n' "$*" >&2; }
is_root() { [ "$(id -u)" = 0 ]; }

apt_install() {
  if ! is_root || ! command -v apt-get >/dev/null; then
    echo "missing: $* (install it, or run as root on Debian/Ubuntu)" >&2
    exit 1
  fi
  if [ -z "${APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# --- Python environment --------------------------------------------------------------------
PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  PYTHON=$(command -v python3.11 || command -v python3 || true)
fi
[ -n "$PYTHON" ] || { echo "python3 not found" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  log "creating .venv with $PYTHON"
  if ! "$PYTHON" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    apt_install python3-venv
    "$PYTHON" -m venv .venv
  fi
fi
export PATH="$ROOT/.venv/bin:$PATH"

# Reinstall only when pyproject.toml changed since the last successful install.
stamp=.venv/.ketnap-install-stamp
want="$(sha256sum pyproject.toml | cut -d' ' -f1)${KETNAP_EXTRAS:-}"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  log "pip install -e '.${KETNAP_EXTRAS:-}'"
  python -m pip install --quiet --disable-pip-version-check -e ".${KETNAP_EXTRAS:-}"
  echo "$want" >"$stamp"
fi

# --- The forms' PDF font (docs/reports.md) ------------------------------------------------
# A TrueType font with Vietnamese: DejaVu Sans (Debian: fonts-dejavu-core) unless
# KETNAP_REPORT_FONT names another.
if [ -z "${KETNAP_REPORT_FONT:-}" ] && [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
  if is_root && command -v apt-get >/dev/null; then
    log "installing fonts-dejavu-core (the forms' PDF font)"
    apt_install fonts-dejavu-core
  else
    echo "note: no DejaVu Sans font: PDF forms need KETNAP_REPORT_FONT or fonts-dejavu-core" >&2
  fi
fi
