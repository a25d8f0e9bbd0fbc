"""Throughput of the reference vaderSentiment 3.3.2 on the texts bench/vader.bench.ts uses.

Run by hand from the repository root after `pip install vadersentiment==3.3.2`:

    python3 speed-layer/sentiment/reference/bench_reference.py

Same texts as the TypeScript bench: the fixture corpus lines of at most 560 UTF-8 bytes. Prints
texts per second on one core (the reference is single-threaded).
"""
import json
import platform
import sys
import time

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

FIXTURE = "test/fixtures/vader/reference.jsonl"
MAX_TWEET_BYTES = 560


def main():
    with open(FIXTURE, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    texts = [t for t in texts if len(t.encode("utf-8")) <= MAX_TWEET_BYTES]
    analyzer = SentimentIntensityAnalyzer()
    for text in texts[:500]:  # warm-up
        analyzer.polarity_scores(text)
    calls = 0
    start = time.perf_counter()
    while time.perf_counter() - start < 5:
        for text in texts:
            analyzer.polarity_scores(text)
        calls += len(texts)
    rate = calls / (time.perf_counter() - start)
    print("reference vaderSentiment 3.3.2 (Python %s): %d texts, %.0f texts/s"
          % (platform.python_version(), len(texts), rate))
    return 0


if __name__ == "__main__":
    sys.exit(main())
