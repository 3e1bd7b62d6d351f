#!/usr/bin/env bash
# benchmarks/cluster/compare.sh [ALMANAC]: the closing figures of docs/cluster.md.
# Runs benchmarks/cluster/sweep-200.yaml (200 trials) once as one process (--jobs = cores) and once as a 4-task Slurm
# job array on this machine's Slurm (scripts/slurm-local start), then prints wall times, the merge time and the
# trials lost (plan trials without exactly one current FINISHED run in the merged store).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
almanac=$(realpath "${1:-$here/../../.build/debug/almanac}")
work=$(mktemp -d /tmp/almanac-cluster-compare.XXXXXX)
cp "$here/sweep-200.yaml" "$work/"
cd "$work"
command -v sbatch >/dev/null || { echo "sbatch not found: run scripts/slurm-local start first" >&2; exit 2; }

mkdir single && cp sweep-200.yaml single/
t0=$(date +%s.%N)
(cd single && "$almanac" run sweep-200.yaml --jobs "$(nproc)" --no-report >/dev/null 2>&1)
t1=$(date +%s.%N)
single=$(echo "$t1 - $t0" | bc)

t0=$(date +%s.%N)
out=$("$almanac" slurm submit sweep-200.yaml --tasks 4 --cpus-per-task 1)
ids=$(echo "$out" | awk '/^submitted/ {print $4}' | paste -sd,)
while [ -n "$(squeue -h -j "$ids" 2>/dev/null)" ]; do sleep 0.2; done
t1=$(date +%s.%N)
array=$(echo "$t1 - $t0" | bc)
merge=$(grep -o 'duplicate(s) in [0-9.]* s' almanac-shards/cluster-sweep-200/logs/merge.out | awk '{print $3}' | tail -1)
finished=$(sqlite3 almanac.db "SELECT count(DISTINCT trial_key) FROM runs WHERE status='FINISHED' AND superseded=0")
twice=$(sqlite3 almanac.db "SELECT count(*) FROM (SELECT trial_key FROM runs WHERE status='FINISHED' AND superseded=0 GROUP BY trial_key HAVING count(*)>1)")
planned=$(sqlite3 almanac.db "SELECT count(*) FROM plan_trials")
single_finished=$(sqlite3 single/almanac.db "SELECT count(*) FROM runs WHERE status='FINISHED'")
printf 'cores: %s\n' "$(nproc)"
printf '1 process (--jobs %s): %s trials FINISHED in %.1f s\n' "$(nproc)" "$single_finished" "$single"
printf '4-task array + merge job: %.1f s from submit to merged store (merge %s s); %s/%s trials FINISHED, %s twice, trials lost = %s\n' \
  "$array" "$merge" "$finished" "$planned" "$twice" "$((planned - finished))"
echo "work folder: $work"
