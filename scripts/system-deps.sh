#!/usr/bin/env bash
# Debian packages the tests need: chromium (browser tests), bubblewrap (isolated grading),
# postgresql (the gradebook on PostgreSQL). Installed when missing and we are root.
# Arguments name a subset (`system-deps.sh bubblewrap` for grading alone); none: all three.
set -euo pipefail
wanted=("$@")
[ ${#wanted[@]} -eq 0 ] && wanted=(chromium bubblewrap postgresql)
need=()
for package in "${wanted[@]}"; do
  case "$package" in
    chromium) [ -x /usr/bin/chromium ] || need+=(chromium) ;;
    bubblewrap) command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap) ;;
    postgresql) [ -d /usr/lib/postgresql ] || need+=(postgresql) ;;
    *) echo "system-deps.sh: unknown package $package" >&2; exit 2 ;;
  esac
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${need[*]}. Install them with: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
