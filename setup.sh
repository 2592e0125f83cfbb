#!/usr/bin/env bash
# Set up a fresh Debian/Ubuntu host for xcatha-ocf and run one job:
#   ./setup.sh test   install everything, then run the whole test suite
#   ./setup.sh demo   install everything, bring up the 2-node lab with the xCAT group, show a failover
#   ./setup.sh deps   only install (Debian packages from setup/apt-packages.txt, Python venv in .venv)
# Run as root: it installs packages, creates network namespaces and starts dockerd when needed.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"

install_debian_packages() {
    local wanted missing=()
    wanted=$(grep -v -e '^#' -e '^[[:space:]]*$' setup/apt-packages.txt)
    for package in $wanted; do
        dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "setup: installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
}

install_python_env() {
    [ -x .venv/bin/python ] || /usr/bin/python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check -e '.[test]'
}

deps() {
    [ "$(id -u)" = 0 ] || { echo "setup: run as root (sudo ./setup.sh $1)" >&2; exit 1; }
    install_debian_packages
    install_python_env
}

# The lab builds real xCAT from its source tarball: the one shipped beside this checkout
# (or beside the repository it was cloned from).
find_xcat_source() {
    local tarball=shared/xcat-core/xcat-core-2.19.0-7733d16f8.tar.gz origin
    origin=$(git config --get remote.origin.url 2>/dev/null || true)
    for candidate in "../$tarball" "${origin:+$origin/../$tarball}"; do
        [ -n "$candidate" ] && [ -f "$candidate" ] && { readlink -f "$candidate"; return; }
    done
    return 0   # none found: the lab says where to get it, the other tests need none
}
if [ -z "${XCATHA_XCAT_SOURCE:-}" ]; then
    XCATHA_XCAT_SOURCE=$(find_xcat_source); export XCATHA_XCAT_SOURCE
fi

case "${1:-}" in
    deps) deps deps ;;
    test) deps test; shift; exec .venv/bin/python -m pytest -ra "$@" ;;
    demo) deps demo; exec .venv/bin/xcatha lab demo ;;
    *) sed -n '2,6p' "$0" >&2; exit 2 ;;
esac
