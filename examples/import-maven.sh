#!/usr/bin/env bash
# Import the Maven Analytics "CRM + Sales Opportunities" data set end to end:
# 35 agents under 6 managers, 7 products, 85 accounts and 8,800 opportunities.
#
# Quirks handled by documented flags only:
# - stages Prospecting / Engaging / Won / Lost are translated with --map-value;
# - `GTXPro` in the pipeline finds the product `GTX Pro` (product names match ignoring spaces);
# - the sector typo `technolgy` and the country typo `Philipines` are fixed with --map-value;
# - year_established and revenue have no account field and are ignored explicitly;
# - open deals have no close_value: their amount stays unknown; lost deals are 0 per the file;
# - deals with a blank account stay without an account;
# - Prospecting deals have no engage_date: they are created at the time of the import.
# Won and lost deals get their stage history: created on engage_date in the first stage,
# then won/lost on close_date.
#
# Usage: examples/import-maven.sh DATASET_DIR [--setup-only|--deals-only]
#        (database: SALESCLI_DB or the default; the two options split the run for benchmarks:
#        reps, products and accounts first, the 8,800 deals second)
# Uses whatever `salescli` is on PATH. Run it once per database: a second run is refused
# (the same files were already imported).
set -euo pipefail

dir="${1:?usage: $0 DATASET_DIR [--setup-only|--deals-only] (the folder with sales_teams.csv, products.csv, accounts.csv, sales_pipeline.csv)}"
step="${2:-all}"

if [ "$step" != "--deals-only" ]; then

salescli rep import "$dir/sales_teams.csv" \
  --map sales_agent=name \
  --map regional_office=team

salescli product import "$dir/products.csv" \
  --map product=name \
  --map sales_price=price

salescli account import "$dir/accounts.csv" \
  --map account=name \
  --map sector=industry \
  --map office_location=country \
  --map subsidiary_of=parent \
  --map year_established= \
  --map revenue= \
  --map-value industry:technolgy=technology \
  --map-value country:Philipines=Philippines
fi
[ "$step" = "--setup-only" ] && exit 0

salescli deal import "$dir/sales_pipeline.csv" \
  --map opportunity_id=external_id \
  --map sales_agent=owner \
  --map deal_stage=stage \
  --map engage_date=created_at \
  --map close_value=amount \
  --map-value stage:Prospecting=prospecting \
  --map-value stage:Engaging=qualification \
  --map-value stage:Won=won \
  --map-value stage:Lost=lost

salescli deal stages
