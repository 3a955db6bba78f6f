#!/usr/bin/env bash
# Checks (and, as root on Debian, installs) the system packages mammoflow's local tooling needs:
# a C toolchain for the bundled librdkafka, PostgreSQL's server binaries (the tests use a running
# server on 127.0.0.1:5432 when there is one, else start a private cluster with initdb/pg_ctl),
# dicom3tools (dciodvfy) and dcmtk (dcmdump) to validate the DICOM files we write, promtool and
# python3 for the observability checks, and headless chromium (plus a font, so screenshots show
# text) for the browser tests.
set -euo pipefail

need_cmd() { command -v "$1" >/dev/null 2>&1; }
pg_bin() { need_cmd initdb || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }

missing=()
need_cmd cc || missing+=(build-essential)
need_cmd make || missing+=(make)
need_cmd pkg-config || missing+=(pkg-config)
need_cmd psql || missing+=(postgresql-client)
pg_bin || missing+=(postgresql)
need_cmd pgbench || missing+=(postgresql-contrib)
need_cmd dciodvfy || missing+=(dicom3tools)
need_cmd dcmdump || missing+=(dcmtk)
# promtool checks the alert rules and dashboard queries (deploy/local/check-observability.sh).
need_cmd promtool || missing+=(prometheus)
need_cmd python3 || missing+=(python3)
# The browser tests (services/browser) drive chromium; without any font its screenshots have no text.
need_cmd chromium || missing+=(chromium)
{ need_cmd fc-list && [[ -n $(fc-list) ]]; } || missing+=(fontconfig fonts-dejavu-core)

if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]] && need_cmd apt-get; then
        echo "mammoflow: installing ${missing[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        # postgresql's maintainer scripts try to start a cluster; that is harmless where one runs.
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "mammoflow: missing system packages: ${missing[*]}" >&2
        echo "install them with: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi

if ! need_cmd cargo; then
    echo "mammoflow: cargo not found; install Rust (https://rustup.rs) first" >&2
    exit 1
fi
