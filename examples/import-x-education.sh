#!/usr/bin/env bash
# Import the X Education lead-scoring data set (9,240 leads) and show the leads per source.
#
# The file has no name column (the lead number serves), uses "Select" for "not chosen", and
# ends every line with a comma. Tags holds one tag per row, imported as that tag.
#
# Usage: examples/import-x-education.sh [PATH/TO/Leads.csv]   (database: --db / SALESCLI_DB)
set -euo pipefail

file="${1:-../shared/datasets/x-education-leads/Leads.csv}"

salescli lead import "$file" \
  --map "Prospect ID=external_id" \
  --map "Lead Number=name" \
  --map "Lead Source=source" \
  --map "Tags=tags" \
  --map "Country=territory" \
  --null-value Select

salescli lead sources
