"""Checks our lexicons against the reference's vader_lexicon.txt and emoji_utf8_lexicon.txt.

Run by hand from the repository root after `pip install vadersentiment==3.3.2`:

    python3 speed-layer/sentiment/reference/check_lexicons.py

Our word lexicon (the npm package's file plus LEXICON_UPDATES) must equal the reference's. The
reference replaces text code point by code point, so only its single-code-point emoji entries can
match; ours (emojibase-data plus EMOJI_NAME_OVERRIDES) must have exactly those code points with
exactly the same descriptions. Exits 1 and lists the differences otherwise.
"""
import json
import os
import subprocess
import sys

import vaderSentiment.vaderSentiment as reference


def reference_lexicons():
    analyzer = reference.SentimentIntensityAnalyzer()
    emoji = {"%X" % ord(k): v for k, v in analyzer.emojis.items() if len(k) == 1}
    return analyzer.lexicon, emoji


def ours():
    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run(["npx", "tsx", os.path.join(here, "dump-lexicons.ts")],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    ref_words, ref = reference_lexicons()
    dumped = ours()
    my_words, mine = dumped["words"], dumped["emoji"]
    problems = []
    for word, valence in sorted(ref_words.items()):
        if my_words.get(word) != valence:
            problems.append("word %r: ours %r, reference %r" % (word, my_words.get(word), valence))
    for word in sorted(set(my_words) - set(ref_words)):
        problems.append("extra word %r" % word)
    print("reference words: %d, ours: %d" % (len(ref_words), len(my_words)))
    for code, name in sorted(ref.items()):
        if code not in mine:
            problems.append("missing %s %r" % (code, name))
        elif mine[code] != name:
            problems.append("%s: ours %r, reference %r" % (code, mine[code], name))
    for code in sorted(set(mine) - set(ref)):
        problems.append("extra %s %r" % (code, mine[code]))
    print("reference single-code-point emoji: %d, ours: %d, differences: %d" % (len(ref), len(mine), len(problems)))
    for p in problems:
        print("  " + p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
