#!/usr/bin/env bash
# The fundus foundation chapter's `full` profile on one GPU, bounded to a few minutes: what a session
# with a lent GPU machine runs (device tool: `bash bench/gpu_full_check.sh`), and what anybody with a
# GPU can run to see whether the `full` code paths work and keep the GPU busy. It needs no data set:
# the upstream set is the screening twin, rendered there.
#
#   1. bench/bench_foundation_throughput.py --profile full: pictures/s of the streaming loader, of
#      ResNet50 training fed from memory and from files, of LP features, and the AMP / channels_last
#      ratios, at SIZES;
#   2. python -m fundus_utils.fundus_foundation.pretrain --profile full on a twin of N_TWIN eyes at
#      TWIN_PX px, EPOCHS epochs at the ladder's lowest rung (the Fundus trunk: no ImageNet download);
#   3. nvidia-smi sampled every second throughout (GPU utilisation and memory), in gpu_samples.csv.
#
# Everything goes to $OUT (default ./gpu_full_check): the logs, the samples, and a one-line summary
# of mean GPU utilisation per step.
set -u -o pipefail
OUT=${OUT:-gpu_full_check}
SIZES=${SIZES:-"256 512"}
N=${N:-512}
N_TWIN=${N_TWIN:-2000}
TWIN_PX=${TWIN_PX:-512}
EPOCHS=${EPOCHS:-2}
PY=${PY:-python3}
mkdir -p "$OUT"
export FUNDUS_CACHE=${FUNDUS_CACHE:-/tmp/gpu_full_check_cache} FUNDUS_PROGRESS=0 PYTHONUNBUFFERED=1

if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv,noheader,nounits -l 1 \
    > "$OUT/gpu_samples.csv" 2>/dev/null &
  SMI=$!
fi
step() {  # step NAME SECONDS COMMAND...: run, time, log; a failure is recorded, not fatal
  local name=$1 limit=$2; shift 2
  local t0; t0=$(date +%s)
  echo "== $name: $*" | tee -a "$OUT/summary.txt"
  timeout "$limit" "$@" > "$OUT/$name.log" 2>&1
  local rc=$?
  echo "$name rc=$rc seconds=$(( $(date +%s) - t0 )) start=$t0" | tee -a "$OUT/summary.txt"
  tail -n 15 "$OUT/$name.log"
}

$PY -c "import torch, fastai, timm, accelerate; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), torch.cuda.get_device_name() if torch.cuda.is_available() else '')" \
  | tee -a "$OUT/summary.txt"
# shellcheck disable=SC2086
step throughput 240 $PY bench/bench_foundation_throughput.py --profile full --sizes $SIZES --n "$N"
low=${SIZES%% *}
overrides=$(printf '{"upstream.dataset": "synthetic-screening", "upstream.twin": {"n": %d, "size": %d, "seed": 11, "devices": ["canon", "zeiss"], "split_fractions": [0.6, 0.0, 0.4]}, "upstream.epochs": %d, "resolutions": [%d]}' \
  "$N_TWIN" "$TWIN_PX" "$EPOCHS" "$low")
step pretrain 300 $PY -m fundus_utils.fundus_foundation.pretrain --profile full --inits Fundus --overrides "$overrides"

if [ -n "${SMI:-}" ]; then
  kill "$SMI" 2>/dev/null
  $PY - "$OUT" <<'EOF'
import csv, sys, time
out = sys.argv[1]
steps = [l.split() for l in open(f"{out}/summary.txt") if " rc=" in l]
rows = [r for r in csv.reader(open(f"{out}/gpu_samples.csv")) if len(r) == 3]
def t(stamp):  # nvidia-smi: 2026/12/06 21:00:00.123
    return time.mktime(time.strptime(stamp.strip().split(".")[0], "%Y/%m/%d %H:%M:%S"))
for name, rc, secs, start in steps:
    s, d = int(start.split("=")[1]), int(secs.split("=")[1])
    u = [float(r[1]) for r in rows if s <= t(r[0]) <= s + d]
    m = [float(r[2]) for r in rows if s <= t(r[0]) <= s + d]
    line = f"{name}: mean GPU utilisation {sum(u) / max(len(u), 1):.0f} % over {len(u)} s, peak memory {max(m, default=0):.0f} MiB"
    print(line)
    open(f"{out}/summary.txt", "a").write(line + "\n")
EOF
fi
