#!/bin/sh
# Builds the mask classifier's combined training manifest (absolute paths; columns path,
# mask, source, detail) from ../shared/data and a synthetic masked copy of LFW View 1's
# train pairs. Usage, from the repository root:
#   ./bin/wajah synth-mask --pairs ../shared/data/lfw-view1/pairs_train.tsv \
#       --root ../shared/data/lfw-view1 --out /tmp/lfw-one
#   sh embed/maskmodel/manifest.sh ../shared/data /tmp/lfw-one > /tmp/mask-all.tsv
#
# Labels are the sources' own, with two corrections (README.md "Label corrections"):
# masked-pairs' label comes from its README's naming rule (unmasked files are
# a_b_<identity>_NNNN, all others masked), because its manifest's masked column says 0 for
# 36 files that the rule and the eye both call masked; and relabel.tsv here overrides the
# rows that were looked at and found mislabelled.
set -eu
D=$(cd "$1" && pwd)
S=$(cd "$2" && pwd)
R="$(dirname "$0")/relabel.tsv"
printf 'path\tmask\tsource\tdetail\n'
{
	awk -F'\t' 'NR>1{print "mask-train/"$1"\t"$2"\tmask-train\t"}' "$D/mask-train/manifest.tsv"
	awk -F'\t' 'NR>1{n=split($1,p,"/"); m=(index(p[n], "_" $2 "_") > 0 && p[n] ~ /_[0-9]+\.[A-Za-z]+$/)?0:1; print "masked-pairs/"$1"\t"m"\tmasked-pairs\t"}' "$D/masked-pairs/manifest.tsv"
	awk -F'\t' 'NR>1{m=($2=="none")?0:1; print "mask-worn-dev/"$1"\t"m"\tmask-worn-dev\t"$2}' "$D/mask-worn-dev/manifest.tsv"
} | awk -F'\t' -v d="$D" -v r="$R" 'BEGIN{OFS="\t"; while ((getline l < r) > 0) {split(l, c, "\t"); if (c[1] != "path") {mask[c[1]] = c[2]; detail[c[1]] = c[3]}}}
	{if ($1 in mask) {$2 = mask[$1]; if ($4 != "") $4 = detail[$1]} print d"/"$1, $2, $3, $4}'
# Synthetic: the masked probes (path1) and the unmasked originals (path2) of the train pairs.
awk -F'\t' -v s="$S" 'NR>1 && !seen1[$1]++{print s"/"$1"\t1\tsynthetic\t"} NR>1 && !seen2[$2]++{print s"/"$2"\t0\tsynthetic\t"}' "$S/pairs_train.tsv" | sort -u -k1,1 | awk 'NR%2==1'
