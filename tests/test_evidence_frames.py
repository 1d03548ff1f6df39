"""Reading evaluation data: CSV and Parquet, only the needed columns, clear errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from charter.evidence.files import FileStore
from charter.evidence.frames import dataset_format, read_frame
from charter.evidence.problems import InputError

COLUMNS = {"x": "feature", "y": "target"}


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0, 1, 0], "unused": ["a", "b", "c"]})
    frame.to_csv(tmp_path / "data.csv", index=False)
    frame.to_parquet(tmp_path / "data.parquet", index=False)
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    return FileStore(tmp_path)


@pytest.mark.parametrize("name", ["data.csv", "data.parquet"])
def test_reads_only_the_needed_columns(store: FileStore, name: str) -> None:
    frame = read_frame(store.fetch(name), dataset_format({}, name), COLUMNS)
    assert list(frame.columns) == ["x", "y"]
    assert frame["x"].tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("name, columns, code, message", [
    ("data.csv", {"x": "feature", "z": "target"}, "missing-target", "no target column 'z'"),
    ("data.parquet", {"w": "feature", "y": "target"}, "missing-column",
     "no feature column 'w'"),
    ("empty.csv", COLUMNS, "empty", "empty.csv: the file is empty"),
    ("broken.parquet", COLUMNS, "unreadable", "broken.parquet: cannot read as parquet"),
])
def test_bad_data_names_the_file_and_the_problem(store: FileStore, name: str,
                                                 columns: dict[str, str], code: str,
                                                 message: str) -> None:
    with pytest.raises(InputError) as caught:
        read_frame(store.fetch(name), dataset_format({}, name), columns)
    assert caught.value.code == code
    assert message in caught.value.message


def test_unsupported_format(store: FileStore) -> None:
    assert dataset_format({}, "data.xlsx") == "other"
    with pytest.raises(InputError, match="format 'other' cannot be read"):
        read_frame(store.fetch("data.csv"), "other", COLUMNS)


@pytest.mark.parametrize("header", ["x,y,y", "y,x,y"])
def test_a_needed_column_named_twice_is_refused(tmp_path: Path, header: str) -> None:
    (tmp_path / "twice.csv").write_text(f"{header}\n1,0,1\n2,1,0\n")
    store = FileStore(tmp_path)
    with pytest.raises(InputError) as caught:
        read_frame(store.fetch("twice.csv"), "csv", COLUMNS)
    assert caught.value.code == "ambiguous-column"
    assert ("twice.csv: the header names the target column 'y' more than once, so which one "
            "is meant cannot be told") in caught.value.message
