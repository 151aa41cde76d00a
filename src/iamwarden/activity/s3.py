"""CloudTrail files in S3 (`s3://bucket/prefix`), listed and downloaded through boto3 into a
temporary folder for the ingestion to read

Credentials and endpoint are boto3's own (its default chain, `AWS_ENDPOINT_URL`). This module
only fetches; it parses nothing.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from iamwarden.activity.sources import CloudTrailFile, is_trail_file
from iamwarden.errors import InputError

__all__ = ["s3_files", "split_s3_url"]


def split_s3_url(url: str) -> tuple[str, str]:
    """(bucket, prefix) of `s3://bucket/prefix`

    Raises:
        InputError: no bucket name.
    """
    rest = url.removeprefix("s3://")
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise InputError("an S3 location names a bucket (s3://bucket/prefix)", path=url)
    return bucket, prefix


@contextmanager
def s3_files(urls: Sequence[str], *, session: Any = None) -> Iterator[list[CloudTrailFile]]:
    """The CloudTrail objects under each `s3://bucket/prefix` (digest files left out),
    downloaded into a temporary folder removed on exit; nothing is fetched without `urls`

    Raises:
        InputError: a bucket cannot be listed or an object read (one line, the URL and AWS's
            error code).
    """
    if not urls:
        yield []
        return
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    client = (session or boto3.Session()).client("s3")
    with tempfile.TemporaryDirectory(prefix="iamwarden-s3-") as folder:
        found: list[CloudTrailFile] = []
        for url in urls:
            bucket, prefix = split_s3_url(url)
            try:
                pages = client.get_paginator("list_objects_v2").paginate(
                    Bucket=bucket, Prefix=prefix
                )
                for page in pages:
                    for item in page.get("Contents", ()):
                        key = item["Key"]
                        if not is_trail_file(key):
                            continue
                        local = Path(folder) / f"{len(found):08d}"
                        client.download_file(bucket, key, str(local))
                        found.append(
                            CloudTrailFile(
                                name=f"s3://{bucket}/{key}", size=int(item["Size"]), local=local
                            )
                        )
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code", "error")
                raise InputError(f"S3: {code}", path=url) from None
            except BotoCoreError as error:
                raise InputError(f"S3: {error}", path=url) from None
        yield found
