#!/usr/bin/env bash
# Checks the observability files in dashboards/:
#   1. `promtool check rules dashboards/alerts.yml` and `promtool test rules dashboards/alerts.test.yml`;
#   2. every dashboards/*.json parses (python3 -m json.tool), has a uid, unique panel ids and only
#      the `prometheus` datasource, and every PromQL query in it parses (promtool, with Grafana's
#      variables replaced by plain values);
#   3. every metric name the dashboards and the alert rules reference is exported: the list of
#      exported names comes on stdin, one per line, or as a raw /metrics scrape (`# TYPE` lines
#      and samples are both understood; a histogram's `_bucket`/`_sum`/`_count` match its family).
#
# Usage:
#   curl -s localhost:9464/metrics | deploy/local/check-observability.sh
#   deploy/local/check-observability.sh --metrics exported.txt
#   deploy/local/check-observability.sh --no-metrics        # skip step 3
#   deploy/local/check-observability.sh --list              # print the referenced names and exit
# From a terminal without a list on stdin, step 3 is skipped. promtool comes from the Debian
# package `prometheus` (installed here when run as root, else the apt-get line is printed).
set -euo pipefail

metrics_file=""
check_metrics=auto
list_only=false
while (($#)); do
    case "$1" in
        --metrics) metrics_file=$(realpath "${2:?--metrics needs a file}"); check_metrics=yes; shift 2 ;;
        --no-metrics) check_metrics=no; shift ;;
        --list) list_only=true; shift ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "check-observability: unknown argument $1" >&2; exit 2 ;;
    esac
done

cd "$(dirname "$0")/../.."
command -v python3 >/dev/null || { echo "check-observability: python3 is required" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Read the exported list first, before any other command can touch stdin.
if [[ $check_metrics == auto ]]; then
    if [[ -t 0 ]] || $list_only; then
        check_metrics=no
    else
        check_metrics=yes
        metrics_file=/dev/stdin
    fi
fi
if [[ $check_metrics == yes ]]; then
    cat "$metrics_file" >"$tmp/exported-input"
fi

shopt -s nullglob
dashboards=(dashboards/*.json)
rules=dashboards/alerts.yml
rule_tests=dashboards/alerts.test.yml
((${#dashboards[@]})) || { echo "check-observability: no dashboards/*.json" >&2; exit 1; }

# The metric names referenced by the dashboards and the rules (comments left out).
referenced_names() {
    python3 - "$rules" "${dashboards[@]}" <<'PY'
import re, sys
names = set()
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    if path.endswith((".yml", ".yaml")):
        text = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))
    names.update(re.findall(r"\bmammoflow_[a-z0-9_]*[a-z0-9]\b", text))
print("\n".join(sorted(names)))
PY
}

if $list_only; then
    referenced_names
    exit 0
fi

if ! command -v promtool >/dev/null; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "check-observability: installing promtool (Debian package prometheus)" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends prometheus >/dev/null
    else
        echo "check-observability: promtool not found; install it with: sudo apt-get install prometheus" >&2
        exit 1
    fi
fi

echo "== alert rules: $rules"
promtool check rules "$rules"
if [[ -f $rule_tests ]]; then
    echo "== alert rule unit tests: $rule_tests"
    promtool test rules "$rule_tests"
fi

echo "== dashboards: JSON syntax"
for d in "${dashboards[@]}"; do
    python3 -m json.tool "$d" >/dev/null
    echo "  $d: valid JSON"
done

echo "== dashboards: structure and PromQL"
# Writes every query as a recording rule (JSON is YAML) so promtool parses the PromQL.
python3 - "$tmp/dashboard-queries.yml" "${dashboards[@]}" <<'PY'
import json, re, sys
out, paths = sys.argv[1], sys.argv[2:]
errors, rules, uids = [], [], {}

def substitute(expr):
    # Grafana's interval variables become durations; template variables (always inside =~"...")
    # become a regex that matches everything.
    expr = re.sub(r"\$__(rate_interval|interval|range)\b|\$\{__(rate_interval|interval|range)\}", "5m", expr)
    return re.sub(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?", ".*", expr)

def walk_panels(panels):
    for p in panels:
        yield p
        yield from walk_panels(p.get("panels", []))

for path in paths:
    d = json.load(open(path, encoding="utf-8"))
    uid = d.get("uid")
    if not uid or not d.get("title"):
        errors.append(f"{path}: missing uid or title")
    elif uid in uids:
        errors.append(f"{path}: uid {uid} also used by {uids[uid]}")
    uids[uid] = path
    ids, queries = set(), 0
    name = re.sub(r"[^A-Za-z0-9_]", "_", str(uid or path))  # recording-rule names name the panel
    for p in walk_panels(d.get("panels", [])):
        if p.get("id") in ids:
            errors.append(f"{path}: panel id {p.get('id')} used twice")
        ids.add(p.get("id"))
        if "gridPos" not in p:
            errors.append(f"{path}: panel {p.get('title')!r} has no gridPos")
        sources = [p.get("datasource")] + [t.get("datasource") for t in p.get("targets", [])]
        for ds in sources:
            if ds is not None and ds.get("uid") != "prometheus":
                errors.append(f"{path}: panel {p.get('title')!r} uses datasource {ds}")
        for t in p.get("targets", []):
            if not t.get("expr"):
                errors.append(f"{path}: panel {p.get('title')!r} has a query without expr")
                continue
            queries += 1
            rules.append({"record": f"dashboard:{name}:panel_{p.get('id')}_{t.get('refId', 'A')}",
                          "expr": substitute(t["expr"]),
                          "labels": {"dashboard": uid or path, "panel": str(p.get("title"))}})
    for a in d.get("annotations", {}).get("list", []):
        if a.get("expr"):
            queries += 1
            rules.append({"record": f"dashboard:{name}:annotation_{len(rules)}", "expr": substitute(a["expr"]),
                          "labels": {"dashboard": uid or path, "annotation": a.get("name", "")}})
    for v in d.get("templating", {}).get("list", []):
        q = v.get("query", {})
        q = q.get("query", "") if isinstance(q, dict) else q
        if v.get("datasource", {}).get("uid") not in (None, "prometheus"):
            errors.append(f"{path}: variable {v.get('name')} uses another datasource")
        if not re.fullmatch(r"label_values\((mammoflow_[a-z0-9_]+, *)?[a-z_]+\)", q or ""):
            errors.append(f"{path}: variable {v.get('name')} has an unexpected query {q!r}")
    print(f"  {path}: uid {uid}, {len(ids)} panels, {queries} queries")

json.dump({"groups": [{"name": "dashboard-queries", "rules": rules}]}, open(out, "w"), indent=1)
if errors:
    print("\n".join("  ERROR " + e for e in errors), file=sys.stderr)
    sys.exit(1)
PY
promtool check rules "$tmp/dashboard-queries.yml" | sed -e '/^\s*$/d' -e 's/^/  /'
echo "  every dashboard query is valid PromQL (Grafana variables substituted)"

echo "== referenced metrics vs exported metrics"
referenced_names >"$tmp/referenced"
if [[ $check_metrics == no ]]; then
    echo "  SKIPPED: no list of exported metrics (pipe one in, or --metrics FILE); referenced:"
    sed 's/^/    /' "$tmp/referenced"
    echo "check-observability: rules and dashboards OK (exported-metric check skipped)"
    exit 0
fi
python3 - "$tmp/referenced" "$tmp/exported-input" <<'PY'
import re, sys
referenced = [l.strip() for l in open(sys.argv[1]) if l.strip()]
exported = set()
for line in open(sys.argv[2], encoding="utf-8", errors="replace"):
    line = line.strip()
    if not line:
        continue
    m = re.match(r"#\s*(?:TYPE|HELP)\s+([A-Za-z_:][A-Za-z0-9_:]*)", line)
    if m:
        exported.add(m.group(1))
    elif not line.startswith("#"):
        m = re.match(r"[A-Za-z_:][A-Za-z0-9_:]*", line)
        if m:
            exported.add(m.group(0))
if not exported:
    print("  ERROR: the list of exported metrics is empty", file=sys.stderr)
    sys.exit(1)

def is_exported(name):
    if name in exported:
        return True
    # A histogram: its family name or one of its sample names on either side.
    base = re.sub(r"_(bucket|sum|count)$", "", name)
    if base != name and base in exported:
        return True
    return any(f"{name}_{suffix}" in exported for suffix in ("bucket", "sum", "count"))

missing = [n for n in referenced if not is_exported(n)]
for n in referenced:
    print(f"  {'ok     ' if is_exported(n) else 'MISSING'} {n}")
print(f"  {len(referenced)} referenced, {len(referenced) - len(missing)} exported, {len(missing)} missing "
      f"(checked against {len(exported)} exported names)")
if missing:
    print("  ERROR: referenced but not exported: " + ", ".join(missing), file=sys.stderr)
    sys.exit(1)
PY
echo "check-observability: OK"
