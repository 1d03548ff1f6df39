"""Following a declared path through symbolic links, as a file read would."""

from __future__ import annotations

import pytest

from charter.vcs.links import follow

LINKS = {"data": "store", "store/latest.csv": "2024-06.csv", "loop": "loop",
         "up": "../../etc", "abs": "/etc/passwd", "deep/a": "../data/latest.csv",
         "lnk": "sub/inner", "hop": "lnk/../x.csv"}


@pytest.mark.parametrize(("path", "final", "met"), [
    ("models/m.skops", "models/m.skops", set()),
    ("./models//m.skops", "models/m.skops", set()),
    ("data/latest.csv", "store/2024-06.csv", {"data", "store/latest.csv"}),
    ("deep/a", "store/2024-06.csv", {"deep/a", "data", "store/latest.csv"}),
    ("loop/x", None, {"loop"}),
    ("up/passwd", None, {"up"}),
    ("abs", None, {"abs"}),
    ("../outside.csv", None, set()),
    ("/etc/passwd", None, set()),
    # `..` leaves the folder a link leads to, as the kernel resolves it, not the link's own
    ("lnk/../data.csv", "sub/data.csv", {"lnk"}),
    ("hop", "sub/x.csv", {"hop", "lnk"}),
    ("lnk/../../../x", None, {"lnk"}),
    ("models/../m.skops", "m.skops", set()),
])
def test_follow(path: str, final: str | None, met: set[str]) -> None:
    followed = follow(path, LINKS.get)
    assert followed.final == final
    assert met <= followed.paths
    if final is not None:
        assert final in followed.paths
