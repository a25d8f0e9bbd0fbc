"""Scores the synthetic corpus with the reference VADER and writes the fixture our tests compare to.

Run by hand from the repository root after `pip install vadersentiment==3.3.2`:

    python3 speed-layer/sentiment/reference/make_fixtures.py

Writes test/fixtures/vader/reference.jsonl: one JSON object per line with the text and the
reference's compound, pos, neu and neg (already rounded by the reference). Python 3.11 or older:
3.12 changed sum() of floats to a compensated sum, which can move the last bits of the reference's
own totals.
"""
import json
import os
import sys
from importlib.metadata import version

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus import corpus  # noqa: E402

OUT = os.path.join("test", "fixtures", "vader", "reference.jsonl")


def main():
    if version("vaderSentiment") != "3.3.2":
        sys.exit("need vaderSentiment 3.3.2, found " + version("vaderSentiment"))
    if sys.version_info >= (3, 12):
        sys.exit("run with Python <= 3.11 (see the docstring)")
    analyzer = SentimentIntensityAnalyzer()
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8", newline="\n") as out:
        for text in corpus():
            s = analyzer.polarity_scores(text)
            row = {"text": text, "compound": s["compound"], "pos": s["pos"], "neu": s["neu"], "neg": s["neg"]}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
