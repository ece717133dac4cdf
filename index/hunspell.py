"""Convert Debian's Indonesian hunspell dictionary (``hunspell-id``, LGPL-3) into the plain
word list Telusur ships (``index/data/id_words.txt``): the dictionary's base words, lower-cased,
one a line, with the attribution in the header.

    python -m index.hunspell [--dic /usr/share/hunspell/id_ID.dic] [--out index/data/id_words.txt]

Spelling repair (``search.normalize``) never "corrects" a word found here: a valid Indonesian
word that the indexed articles happen not to use is left as the user wrote it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DIC = Path("/usr/share/hunspell/id_ID.dic")
OUT = Path(__file__).with_name("data") / "id_words.txt"
HEADER = """# Indonesian base words from the hunspell dictionary id_ID (LibreOffice dictionaries,
# Debian package hunspell-id). Copyright (C) 2017 Ali Ahmadi <idnux09@gmail.com>; affix
# file by Benitius Brevoort. Licence: LGPL-3 (https://www.gnu.org/licenses/lgpl-3.0.html).
# Converted by `python -m index.hunspell`: affix flags removed, words lower-cased, sorted.
"""


def base_words(dic: Path) -> list[str]:
    lines = dic.read_text(encoding="utf-8", errors="replace").splitlines()[1:]  # 1st: count
    words = {line.split("/", 1)[0].strip().lower() for line in lines}
    return sorted(w for w in words if w and w[0].isalpha() and w.replace("-", "").isalpha())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dic", type=Path, default=DIC)
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    if not args.dic.is_file():
        print(f"hunspell: {args.dic} not found (apt-get install hunspell-id)", file=sys.stderr)
        return 2
    words = base_words(args.dic)
    args.out.write_text(HEADER + "\n".join(words) + "\n", encoding="utf-8")
    print(f"wrote {len(words)} words to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
