#!/usr/bin/env bash
# The benchmark sweep on the JAX backend, cheapest environments first, resumable.
#
#   bash scripts/sweep.sh [ALGOS...]          # default: ppo-jax sac-jax
#
# Every id × ALGOS × 5 seeds at the packaged budgets (chaosgym/baselines/config/jax_*.yml),
# one `chaosgym benchmark` call per id (run folders in agents/runs/, results in
# agents/results/). A killed sweep started again skips finished runs and resumes the others
# from their last checkpoint. `SWEEP_IDS="id1 id2" bash scripts/sweep.sh` limits the ids;
# at the end the table of every id with runs is rebuilt (`--no-train`).
set -euo pipefail
cd "$(dirname "$0")/.."
CG="${CHAOSGYM:-.venv/bin/chaosgym}"
if [ "$#" -gt 0 ]; then ALGOS=("$@"); else ALGOS=(ppo-jax sac-jax); fi
SEEDS="${SWEEP_SEEDS:-5}"
# ordered by measured step cost (ODEs and maps, the delay system, 1-D PDEs, 2-D PDEs)
DEFAULT_IDS="LogisticStabilize-v1 ChialvoStabilize-v1 HenonStabilize-v1 ChenStabilize-v1
ChenSynchronize-v1 ChuaStabilize-v1 DuffingTrack-v1 HindmarshRoseStabilize-v1 LorenzLobeLock-v1
LorenzStabilize-v1 LorenzSynchronize-v1 LorenzTrack-v1 RosslerStabilize-v1
RosslerStabilizeOrbit-v1 RosslerSynchronize-v1 ThomasStabilize-v1 DoublePendulumStabilize-v1
ShearFlowLaminarize-v1 Lorenz96Stabilize-v1 SabraSuppress-v1 ChialvoRingStarStabilize-v1
ChialvoRingStarSuppress-v1 MackeyGlassStabilize-v1 KuramotoSivashinskyDissipation-v2
KuramotoSivashinskyTarget-v2 BurgersTrack-v2 KuramotoSivashinskyControlgym-v1
KuramotoSivashinskyDissipationControlgym-v2 NonlinearSchrodingerSuppress-v2
GinzburgLandauSuppress-v2 KolmogorovSuppress-v2 LambdaOmegaSuppress-v2"
IDS="${SWEEP_IDS:-$DEFAULT_IDS}"
mkdir -p agents/runs/logs
for name in $IDS; do
  id="chaosgym/${name#chaosgym/}"
  echo "== $(date -u +%FT%TZ) $id ${ALGOS[*]}"
  "$CG" benchmark --envs "$id" --algos "${ALGOS[@]}" --seeds "$SEEDS" --no-video \
    --no-progress > "agents/runs/logs/${name#chaosgym/}.log" 2>&1 \
    || echo "   failed: see agents/runs/logs/${name#chaosgym/}.log"
done
done_ids=()
for name in $IDS; do
  if [ -d "agents/runs/${name#chaosgym/}" ]; then done_ids+=("chaosgym/${name#chaosgym/}"); fi
done
"$CG" benchmark --no-train --envs "${done_ids[@]}" --algos "${ALGOS[@]}" --seeds "$SEEDS" \
  --no-progress
