"""
The Spark anchor of `npm run bench -- speed-real`: the seed documents' speed layer on our topic.

Kafka (startingOffsets earliest) -> from_json -> Python vaderSentiment UDF -> cashtag explode ->
one-minute event-time windows per symbol with a two-minute watermark -> no-op sink, local[2],
spark.sql.shuffle.partitions=2. Prints one JSON line per micro-batch ({"rows", "durationMs",
"processedRowsPerSecond"}) and a final {"done": ...} line; stops once `--total` rows were read or
after `--timeout` seconds.
"""
import argparse
import json
import sys
import time

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType, StringType, StructField, StructType

parser = argparse.ArgumentParser()
parser.add_argument("--brokers", required=True)
parser.add_argument("--topic", required=True)
parser.add_argument("--jars", required=True, help="comma-separated connector jars")
parser.add_argument("--max-offsets", type=int, default=200_000)
parser.add_argument("--total", type=int, required=True)
parser.add_argument("--timeout", type=float, default=600)
parser.add_argument("--checkpoint", required=True)
args = parser.parse_args()

spark = (
    SparkSession.builder.master("local[2]")
    .appName("speed-real-anchor")
    .config("spark.jars", args.jars)
    .config("spark.sql.shuffle.partitions", "2")
    .config("spark.ui.enabled", "false")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")

schema = StructType(
    [
        StructField("id", StringType()),
        StructField("created_at", StringType()),
        StructField("text", StringType()),
        StructField("user_id", StringType()),
    ]
)


def compound(text):
    # One analyzer per Python worker: building it loads the lexicon.
    global _analyzer
    try:
        analyzer = _analyzer
    except NameError:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        analyzer = _analyzer = SentimentIntensityAnalyzer()
    return analyzer.polarity_scores(text or "")["compound"]


vader = F.udf(compound, DoubleType())

# Our cashtag rule (speed-layer/cashtags.ts): "$" not after a word character, 1-6 letters, an
# optional one-letter class suffix, not running on into a word character.
CASHTAG = r"(?<![\p{L}\p{N}_])\$([A-Za-z]{1,6}(?:\.[A-Za-z])?)(?![\p{L}\p{N}_])"

tweets = (
    spark.readStream.format("kafka")
    .option("kafka.bootstrap.servers", args.brokers)
    .option("subscribe", args.topic)
    .option("startingOffsets", "earliest")
    .option("maxOffsetsPerTrigger", str(args.max_offsets))
    .load()
    .select(F.from_json(F.col("value").cast("string"), schema).alias("t"))
    .select(
        F.to_timestamp(F.col("t.created_at")).alias("created_at"),
        F.col("t.text").alias("text"),
    )
    .withColumn("compound", vader(F.col("text")))
    .withColumn("symbol", F.explode(F.array_distinct(F.transform(F.regexp_extract_all(F.col("text"), F.lit(CASHTAG), 1), lambda s: F.upper(s)))))
)

minutes = (
    tweets.withWatermark("created_at", "2 minutes")
    .groupBy(F.window("created_at", "1 minute"), F.col("symbol"))
    .agg(
        F.count(F.lit(1)).alias("tweets"),
        F.sum(F.when(F.col("compound") >= 0.05, 1).otherwise(0)).alias("positive"),
        F.sum(F.when(F.col("compound") <= -0.05, 1).otherwise(0)).alias("negative"),
        F.sum("compound").alias("compound_sum"),
    )
)

query = (
    minutes.writeStream.format("noop")
    .outputMode("update")
    .option("checkpointLocation", args.checkpoint)
    .start()
)

started = time.time()
seen = set()
rows = 0
while True:
    for p in query.recentProgress:
        if p["batchId"] in seen:
            continue
        seen.add(p["batchId"])
        rows += p["numInputRows"]
        print(
            json.dumps(
                {
                    "batch": p["batchId"],
                    "rows": p["numInputRows"],
                    "durationMs": p["durationMs"].get("triggerExecution", 0),
                    "processedRowsPerSecond": p.get("processedRowsPerSecond", 0),
                }
            ),
            flush=True,
        )
    if rows >= args.total or time.time() - started > args.timeout or query.exception() is not None:
        break
    time.sleep(0.5)

error = query.exception()
query.stop()
print(json.dumps({"done": True, "rows": rows, "seconds": time.time() - started, "error": str(error) if error else None}), flush=True)
spark.stop()
sys.exit(0 if error is None else 1)
