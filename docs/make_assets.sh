#!/usr/bin/env bash
# Regenerate the gallery images with the library's own commands (run from the repository root).
#   bash docs/make_assets.sh
set -euo pipefail
export SDL_VIDEODRIVER=${SDL_VIDEODRIVER:-dummy}
CG=${CHAOSGYM:-chaosgym}
A=docs/assets
mkdir -p "$A/envs"
$CG demo --video $A/lorenz_lqr.gif --rotate 0 --steps 300 --every 3 --scale 0.5 --n-ic 0
$CG record --env chaosgym/KuramotoSivashinskyTarget-v2 --compare zero --policy lqr --steps 200 --every 5 --scale 0.5 --out $A/ks_target_lqr.gif --quiet
for id in LorenzStabilize-v1 RosslerStabilize-v1 HenonStabilize-v1 Lorenz96Stabilize-v1 \
          GinzburgLandauSuppress-v2 KuramotoSivashinskyDissipation-v2 ShearFlowLaminarize-v1; do
  $CG record --env chaosgym/$id --policy zero --steps 160 --every 4 --scale 0.5 --out $A/envs/$id.gif --quiet
done
for id in KolmogorovSuppress-v2 LambdaOmegaSuppress-v2; do
  $CG record --env chaosgym/$id --policy zero --steps 120 --every 4 --scale 0.5 --out $A/envs/$id.gif --quiet
done
python examples/lorenz_rho_sweep.py $A/lorenz_rho_sweep.png
# one snapshot for every other environment page
for id in $(python -c "import chaosgym; print(' '.join(i.split('/')[1] for i in chaosgym.list_envs()))"); do
  [ -f $A/envs/$id.gif ] || $CG record --env chaosgym/$id --policy zero --steps 100 --every 100 --scale 0.5 --out $A/envs/$id.png --quiet
done
