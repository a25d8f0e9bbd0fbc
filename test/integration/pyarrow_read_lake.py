"""Reads gold objects and a bronze partition from an S3 lake with pyarrow alone, as a data
scientist would (the README's example), and prints what it found as JSON: for each gold key its
columns (name, Arrow type) and row count; for the bronze partition the same over all its objects.

Usage: python pyarrow_read_lake.py <endpoint> <bucket> <bronze dataset> <day> <gold key>...
(credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)
"""

import json
import os
import sys
from urllib.parse import urlparse

import pyarrow.dataset as ds
import pyarrow.fs as fs
import pyarrow.parquet as pq

endpoint, bucket, bronze_dataset, day, *gold_keys = sys.argv[1:]
url = urlparse(endpoint)
s3 = fs.S3FileSystem(
    endpoint_override=url.netloc,
    scheme=url.scheme,
    access_key=os.environ["AWS_ACCESS_KEY_ID"],
    secret_key=os.environ["AWS_SECRET_ACCESS_KEY"],
    region=os.environ.get("AWS_REGION", "us-east-1"),
)


def described(table):
    return {
        "columns": [{"name": f.name, "type": str(f.type)} for f in table.schema],
        "rows": table.num_rows,
    }


gold = {key: described(pq.read_table(f"{bucket}/{key}", filesystem=s3)) for key in gold_keys}
# A bronze dataset is a folder of `date=` folders of objects; a day is a filter on the path's date.
bronze = ds.dataset(f"{bucket}/bronze/{bronze_dataset}/", filesystem=s3, format="parquet", partitioning="hive")
partition = bronze.to_table(filter=ds.field("date") == day)
print(json.dumps({"gold": gold, "bronze": described(partition)}))
