#!/usr/bin/env bash
# Generate the Grafana dashboard JSON schema committed under obs_as_code/data/.
#
# No registry ships the dashboard schema as JSON, so it is generated from the
# TypeScript types of the npm package @grafana/schema with ts-json-schema-generator.
# Both versions are pinned: bump them together with the grafana-foundation-sdk pin.
# Needs node and npm (only here; validation at run time uses the committed JSON).
set -euo pipefail

GRAFANA_SCHEMA_VERSION="${GRAFANA_SCHEMA_VERSION:-11.6.16}"
GENERATOR_VERSION="${GENERATOR_VERSION:-2.10.0}"
# The generator's compiler: it takes any typescript ">=5.9 <7", whose releases may
# read the types differently; pinned so that the same versions give the same schema.
TYPESCRIPT_VERSION="${TYPESCRIPT_VERSION:-6.0.3}"
TYPES="node_modules/@grafana/schema/dist/esm/raw/dashboard/x/dashboard_types.gen.d.ts"

root="$(cd "$(dirname "$0")/.." && pwd)"
out_dir="${1:-$root/obs_as_code/data}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund --ignore-scripts \
  "@grafana/schema@${GRAFANA_SCHEMA_VERSION}" \
  "ts-json-schema-generator@${GENERATOR_VERSION}" \
  "typescript@${TYPESCRIPT_VERSION}" >/dev/null

cmd=(npx --no-install ts-json-schema-generator --path "$TYPES" --type Dashboard
     --no-type-check --additional-properties --expose export)
"${cmd[@]}" > schema.json

# Sorted keys and a trailing newline, so regenerating an unchanged schema is a no-op.
python3 - "$work/schema.json" "$out_dir/dashboard.schema.json" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
with open(sys.argv[2], "w") as f:
    json.dump(data, f, indent=1, sort_keys=True)
    f.write("\n")
PY

cat > "$out_dir/dashboard.schema.PROVENANCE" <<TXT
dashboard.schema.json is generated; do not edit it by hand.
source: npm @grafana/schema@${GRAFANA_SCHEMA_VERSION} (${TYPES#node_modules/})
generator: npm ts-json-schema-generator@${GENERATOR_VERSION} (with npm typescript@${TYPESCRIPT_VERSION})
command: ${cmd[*]}
script: scripts/gen-dashboard-schema.sh
target: Grafana 11.6 (same as grafana-foundation-sdk==1769699379!11.6.0)
TXT
echo "generated: $(date -u +%Y-%m-%d) (node $(node --version), npm $(npm --version))" >> "$out_dir/dashboard.schema.PROVENANCE"
echo "wrote $out_dir/dashboard.schema.json"
