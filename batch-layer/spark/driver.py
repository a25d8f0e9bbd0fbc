"""The Spark engine's driver: runs the batch layer's models, rendered in the Spark dialect by
batch-layer/spark-engine.ts, on a SparkSession. All model logic lives in the SQL files; this file
only loads bronze, runs the statements it is sent and writes gold partitions as single Parquet
files at the paths it is given.

Protocol: spark-submit gives the Python process neither the caller's stdin nor a stdout of its
own (Spark's log shares it), so the driver connects to the TCP port on 127.0.0.1 the engine
listens on, sends the engine's token, then reads one JSON command per line and answers each with
one JSON line.
"""

import json
import os
import shutil
import socket
import sys
import uuid

import pyarrow as pa
import pyarrow.parquet as pq
from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def is_text(t):
    return pa.types.is_string(t) or pa.types.is_large_string(t)


# The Arrow types a bronze column of each logical kind (schemas/columns.ts) has; the DuckDB
# engine checks the same.
KIND_CHECKS = {
    "text": is_text,
    "double": pa.types.is_float64,
    "bigint": pa.types.is_int64,
    "int": pa.types.is_int32,
    "boolean": pa.types.is_boolean,
    "timestamp": lambda t: pa.types.is_timestamp(t) and t.tz is not None,
    "date": pa.types.is_date32,
    "text-list": lambda t: (pa.types.is_list(t) or pa.types.is_large_list(t)) and is_text(t.value_type),
}


def arrow_type_problem(field_type, kind):
    """Why an Arrow type is not the logical kind's bronze type (None when it is)."""
    return None if KIND_CHECKS[kind](field_type) else f"is {field_type}, expected {kind}"


def check_file(path, columns, loaded):
    """Why the object cannot be read as the source (unreadable, a column missing or typed otherwise)."""
    try:
        parquet = pq.ParquetFile(path)
        schema = parquet.schema_arrow
    except Exception as error:  # noqa: BLE001 - any failure to read the footer makes it unreadable
        return f"unreadable: {str(error).splitlines()[0]}"
    wrong = []
    for column in columns:
        index = schema.get_field_index(column["name"])
        if index < 0:
            wrong.append(f"{column['name']} missing")
            continue
        problem = arrow_type_problem(schema.field(index).type, column["kind"])
        if problem:
            wrong.append(f"{column['name']} {problem}")
    # Columns beyond the schema (a newer producer) are fine: only the schema's are loaded.
    if wrong:
        return "schema mismatch: " + "; ".join(wrong)
    try:
        # Decoded here once so that a corrupt page skips its object instead of failing a model.
        parquet.read(columns=loaded)
    except Exception as error:  # noqa: BLE001
        return f"unreadable: {str(error).splitlines()[0]}"
    return None


class Driver:
    def __init__(self, spark, work_dir):
        self.spark = spark
        self.work_dir = work_dir

    def load(self, command):
        errors, good = [], []
        for file in command["files"]:
            problem = check_file(file["path"], command["columns"], command["loaded"])
            if problem:
                errors.append({"key": file["key"], "message": problem})
            else:
                good.append(file["path"])
        schema = command["schema"]
        if good:
            frame = self.spark.read.schema(schema).parquet(*good)
        else:
            frame = self.spark.createDataFrame([], schema)
        frame = frame.select(*command["loaded"]).cache()
        frame.createOrReplaceTempView(command["name"])
        return {"rows": frame.count(), "errors": errors}

    def build(self, command):
        sql = command["sql"]
        pivot = command.get("pivotValues")
        if pivot:
            values = sorted({row[0] for row in self.spark.sql(pivot["sql"]).collect() if row[0] is not None})
            # PIVOT needs at least one value; with none the relation is empty and so is the table.
            listed = ", ".join(f"{quote(v)} AS `{v.replace('`', '``')}`" for v in values or [""])
            sql = sql.replace(pivot["marker"], listed)
        # Cached: most models are read by others and by their own write (materialized on first use).
        frame = self.spark.sql(sql).cache()
        frame.createOrReplaceTempView(command["name"])
        return {}

    def all_days(self, command):
        """The model's rows of this run's days and the other days' gold partitions, ordered."""
        by = command["partitionBy"]
        frame = self.spark.table(command["name"])
        rows = frame.where(F.col(by).cast("string").isin(command["days"]))
        others = command["others"]
        if others:
            gold = self.spark.read.parquet(*[f["path"] for f in others])
            # The day is in the path (gold/<table>/date=D/part-00000.parquet), not in the file; Spark
            # may or may not have inferred it from there, so it is taken from the file's path.
            day = F.regexp_extract(F.col("_metadata.file_path"), r"date=(\d{4}-\d{2}-\d{2})/[^/]*$", 1)
            gold = gold.select(*[c for c in gold.columns if c != by], F.to_date(day).alias(by))
            types = {field.name: field.dataType for field in frame.schema.fields}
            rows = rows.unionByName(gold.select(*[F.col(c).cast(types[c]).alias(c) for c in frame.columns]))
        # Not sorted as DuckDB's is: Spark's sums add in task order whatever the input order (the
        # engines agree to 1e-9, not to the bit), and with the sort cached here the all-time model
        # failed to plan on Spark 4.2 (NoSuchElementException: key not found: date).
        result = rows.cache()
        result.createOrReplaceTempView(command["relation"])
        return {"rows": result.count()}

    def write(self, command):
        frame = self.spark.table(command["name"])
        by = command.get("partitionBy")
        written = []
        if not by:
            rows = self.write_one(frame, command["path"])
            if rows > 0:
                written.append({"rows": rows})
            return {"partitions": written}
        targets = {t["day"]: t["path"] for t in command["targets"]}
        days = list(targets)
        frame = frame.where(F.col(by).cast("string").isin(days))
        if command.get("dropEmptyColumns"):
            # Columns differ per partition (those with a value that day): one write per day.
            for day in days:
                part = frame.where(F.col(by).cast("string") == day).drop(by)
                counts = part.agg(F.count(F.lit(1)).alias("__n"), *[F.count(c).alias(c) for c in part.columns]).first()
                if counts["__n"] == 0:
                    continue
                keep = [c for c in part.columns if counts[c] > 0]
                rows = self.write_one(part.select(*keep), targets[day])
                written.append({"day": day, "rows": rows})
            return {"partitions": written}
        out = os.path.join(self.work_dir, uuid.uuid4().hex)
        columns = [c for c in frame.columns if c != by]
        # Rows of a day go to one task, sorted by the day (the partitioned writer's own order, so it
        # adds no sort of its own) then every column: one file per partition, the same bytes each run.
        (
            frame.repartition(F.col(by))
            .sortWithinPartitions(by, *columns)
            .write.partitionBy(by)
            .parquet(out)
        )
        for day in days:
            folder = os.path.join(out, f"{by}={day}")
            if not os.path.isdir(folder):
                continue
            parts = [f for f in sorted(os.listdir(folder)) if f.endswith(".parquet")]
            if len(parts) != 1:
                raise RuntimeError(f"{command['name']} {day}: expected one file, Spark wrote {len(parts)}")
            rows = self.place(os.path.join(folder, parts[0]), targets[day])
            written.append({"day": day, "rows": rows})
        shutil.rmtree(out, ignore_errors=True)
        return {"partitions": written}

    def write_one(self, frame, path):
        out = os.path.join(self.work_dir, uuid.uuid4().hex)
        frame.coalesce(1).sortWithinPartitions(*frame.columns).write.parquet(out)
        parts = [f for f in sorted(os.listdir(out)) if f.endswith(".parquet")]
        rows = 0
        if len(parts) == 1:
            rows = self.place(os.path.join(out, parts[0]), path)
        shutil.rmtree(out, ignore_errors=True)
        return rows

    @staticmethod
    def place(source, target):
        """Moves one written file to its partition's path; its row count from the footer."""
        rows = pq.ParquetFile(source).metadata.num_rows
        if rows == 0:
            return 0
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.move(source, target)
        return rows


def quote(value):
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def main():
    port, token, work_dir = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    channel = socket.create_connection(("127.0.0.1", port)).makefile("rw", encoding="utf-8")

    def reply(payload):
        channel.write(json.dumps(payload) + "\n")
        channel.flush()

    spark = SparkSession.builder.appName("sentiment-batch").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    driver = Driver(spark, work_dir)
    handlers = {"load": driver.load, "build": driver.build, "all_days": driver.all_days, "write": driver.write}
    reply({"token": token, "version": spark.version})
    for line in channel:
        if not line.strip():
            continue
        command = json.loads(line)
        if command["op"] == "stop":
            break
        try:
            reply({"ok": True, **handlers[command["op"]](command)})
        except Exception as error:  # noqa: BLE001 - reported to the runner, which fails the run
            lines = str(error).strip().splitlines()
            # A Py4J error's first line names only the call; the Java exception is on a ': ' line.
            cause = next((line[2:] for line in lines[1:] if line.startswith(": ")), None)
            text = f"{lines[0]} {cause}" if lines and cause else (lines[0] if lines else repr(error))
            reply({"ok": False, "error": text})
    spark.stop()


if __name__ == "__main__":
    main()
