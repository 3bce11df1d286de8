#!/bin/sh
# Builds the mask classifier's combined training manifest (absolute paths; columns path,
# mask, source, detail) from ../shared/data and a synthetic masked copy of LFW View 1's
# train pairs. Usage, from the repository root:
#   ./bin/wajah synth-mask --pairs ../shared/data/lfw-view1/pairs_train.tsv \
#       --root ../shared/data/lfw-view1 --out /tmp/lfw-one
#   sh embed/maskmodel/manifest.sh ../shared/data /tmp/lfw-one > /tmp/mask-all.tsv
set -eu
D=$(cd "$1" && pwd)
S=$(cd "$2" && pwd)
printf 'path\tmask\tsource\tdetail\n'
awk -F'\t' -v d="$D/mask-train" 'NR>1{print d"/"$1"\t"$2"\tmask-train\t"}' "$D/mask-train/manifest.tsv"
awk -F'\t' -v d="$D/masked-pairs" 'NR>1{print d"/"$1"\t"$3"\tmasked-pairs\t"}' "$D/masked-pairs/manifest.tsv"
awk -F'\t' -v d="$D/mask-worn-dev" 'NR>1{m=($2=="none")?0:1; print d"/"$1"\t"m"\tmask-worn-dev\t"$2}' "$D/mask-worn-dev/manifest.tsv"
# Synthetic: the masked probes (path1) and the unmasked originals (path2) of the train pairs.
awk -F'\t' -v s="$S" 'NR>1 && !seen1[$1]++{print s"/"$1"\t1\tsynthetic\t"} NR>1 && !seen2[$2]++{print s"/"$2"\t0\tsynthetic\t"}' "$S/pairs_train.tsv" | sort -u -k1,1 | awk 'NR%2==1'
