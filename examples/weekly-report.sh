#!/usr/bin/env bash
# The manager's Monday report, for cron: last week's figures as Markdown and HTML files, and
# mailed when --mail-to is given (through the smtp.* settings; the password only from
# SALESCLI_SMTP_PASSWORD).
#
# Usage: examples/weekly-report.sh OUTPUT_DIR [--team MANAGER] [--week PERIOD] [--mail-to ADDR[,ADDR]]
#        (database: SALESCLI_DB or the default; uses whatever `salescli` is on PATH)
# Writes OUTPUT_DIR/weekly-<week>.md and OUTPUT_DIR/weekly-<week>.html (replaced whole) and
# prints their paths. Exits with salescli's code: 75 (busy database, unreachable mail server)
# is worth a retry.
#
# crontab, Mondays at 07:30:
#   30 7 * * 1  SALESCLI_DB=/srv/sales.db /opt/salescli/examples/weekly-report.sh /srv/reports --team "Dana Lee" --mail-to dana@example.com
set -euo pipefail

out="${1:?usage: $0 OUTPUT_DIR [--team MANAGER] [--week PERIOD] [--mail-to ADDR[,ADDR]]}"
shift
week="last-week"
mail_to=""
scope=()
while [ $# -gt 0 ]; do
  case "$1" in
    --team|--rep) scope+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
    --week) week="${2:?--week needs a period}"; shift 2 ;;
    --mail-to) mail_to="${2:?--mail-to needs an address}"; shift 2 ;;
    *) echo "$0: unknown option $1" >&2; exit 2 ;;
  esac
done

mkdir -p "$out"
label=$(salescli report weekly --week "$week" "${scope[@]}" --format json | python3 -c 'import json, sys; print(json.load(sys.stdin)["week"].replace(" ", "-"))')
md="$out/weekly-$label.md"
html="$out/weekly-$label.html"
salescli report weekly --week "$week" "${scope[@]}" --format markdown --output "$md"
salescli report weekly --week "$week" "${scope[@]}" --format html --output "$html"
if [ -n "$mail_to" ]; then
  salescli report weekly --week "$week" "${scope[@]}" --mail-to "$mail_to"
fi
echo "$md"
echo "$html"
