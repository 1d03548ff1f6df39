"""How evidence is computed: which backend counts the statistics figures.py turns into figures.

- `pandas` (the default): a file up to `settings.evidence.stream_above_mb` is read whole into
  memory (shared between the versions that read it); a larger one is streamed in batches in
  bounded memory (stream.py).
- `spark`: Parquet data is read and predicted by Apache Spark (backends/spark.py), on the
  cluster `settings.evidence.spark_master` or `--spark-master` names; the driver gathers only
  counts and sums. Other formats under `spark` are streamed on the driver.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from charter.evidence.files import Fetched

ENGINES = ("pandas", "spark")
DEFAULT_SPARK_MASTER = "local[*]"
DEFAULT_STREAM_ABOVE_MB = 256.0


@dataclass(frozen=True)
class Backend:
    engine: str = "pandas"
    spark_master: str = DEFAULT_SPARK_MASTER
    stream_above_mb: float = DEFAULT_STREAM_ABOVE_MB
    # The run's trust settings, for Spark's workers to load the artifact as the driver did.
    trusted_types: tuple[str, ...] = ()
    trusted_pickles: tuple[str, ...] = ()

    def mode(self, data: Fetched, fmt: str) -> str:
        """`whole`, `streamed` or `spark`: how one dataset is read."""
        if self.engine == "spark" and fmt == "parquet":
            return "spark"
        if self.engine == "spark" or (fmt in ("csv", "parquet") and
                                      data.size > self.stream_above_mb * (1 << 20)):
            return "streamed"
        return "whole"


def spark_unavailable() -> str | None:
    """Why the Spark engine cannot run here (None: it can)."""
    from charter.extras import missing

    if missing("spark"):
        return ("the Spark engine needs PySpark: install it with pip install 'charter[spark]'")
    java_home = os.environ.get("JAVA_HOME")
    if not shutil.which("java") and not (java_home and os.path.exists(
            os.path.join(java_home, "bin", "java"))):
        return ("the Spark engine needs Java 17 or later (PySpark 4 runs on the JVM): no "
                "`java` on PATH and JAVA_HOME is not set")
    return None
