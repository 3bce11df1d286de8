#!/usr/bin/env python3
"""Unmasked-vs-unmasked pairs of ../shared/data/masked-pairs: the ceiling of its masked target.

    python3 bench/masked_pairs_unmasked.py ../shared/data/masked-pairs > /tmp/mp-uu.tsv
    ./bin/wajah eval pairs --pairs /tmp/mp-uu.tsv --root ../shared/data/masked-pairs

The issue's masked-pairs file pairs a masked photo with an unmasked one (473 same-person,
473 different-person, 10 folds). This writes the same shape with both photos unmasked:
what the embedding does on these people with no mask at all, so that a masked figure can be
read against it. Unmasked files follow the set's README naming rule (a_b_<identity>_NNNN;
its manifest's masked column is wrong for 36 files, embed/maskmodel/README.md). Seeded
(random.Random(1)): at most two genuine pairs per person, impostors drawn uniformly over
people, folds by the first photo's person so that a person's pairs share a fold.
Standard library only.
"""
import collections
import os
import random
import re
import sys


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/masked-pairs"
    unmasked = collections.defaultdict(list)
    with open(os.path.join(root, "manifest.tsv"), encoding="utf-8") as f:
        for line in list(f)[1:]:
            path, ident, _ = line.rstrip("\n").split("\t")
            name = path.split("/")[-1]
            if "_" + ident + "_" in name and re.search(r"_[0-9]+\.[A-Za-z]+$", name):
                unmasked[ident].append(path)
    rng = random.Random(1)
    people = sorted(unmasked)
    genuine = []
    for p in people:
        imgs = sorted(unmasked[p])
        genuine += [(imgs[i], imgs[j], p) for i in range(len(imgs)) for j in range(i + 1, len(imgs))]
    rng.shuffle(genuine)
    per_person, same = collections.Counter(), []
    for a, b, p in genuine:
        if per_person[p] < 2 and len(same) < 473:
            same.append((a, b, p))
            per_person[p] += 1
    different = []
    while len(different) < 473:
        x, y = rng.sample(people, 2)
        different.append((rng.choice(sorted(unmasked[x])), rng.choice(sorted(unmasked[y])), x))
    fold = {p: i % 10 for i, p in enumerate(people)}
    out = sys.stdout
    out.write("path1\tpath2\tsame\tfold\n")
    for label, rows in ((1, same), (0, different)):
        for a, b, p in rows:
            out.write(f"{a}\t{b}\t{label}\t{fold[p]}\n")


if __name__ == "__main__":
    main()
