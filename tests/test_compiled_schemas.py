"""The validators compiled ahead of time are what fastjsonschema generates from the schemas."""

from __future__ import annotations

from pathlib import Path

import fastjsonschema
import pytest

from charter.schemas import compiled
from charter.source import schema_codegen
from charter.source.schema import FORMATS, _fast_validator
from conftest import ENGINE

FOLDER = Path(compiled.__file__).parent


@pytest.mark.parametrize("key", compiled.KEPT, ids=lambda key: compiled.module_name(*key))
def test_a_kept_validator_is_what_the_schema_generates(key: tuple[str, str | None, bool]
                                                       ) -> None:
    kept = (FOLDER / f"{compiled.module_name(*key)}.py").read_text()
    if f'VERSION = "{fastjsonschema.VERSION}"' not in kept:
        pytest.skip("kept for another fastjsonschema: compiled at run time instead")
    assert kept == schema_codegen.generated(*key), (
        "the schemas changed: run python -m charter.source.schema_codegen")


def test_the_checks_use_the_kept_validators() -> None:
    validate = _fast_validator("models", "model", False)
    assert getattr(validate, "func", None) is not None  # a kept one, not compiled now
    assert validate({"title": "x", "owner": "risk", "risk_tier": "low", "versions": {}}) is not None
    with pytest.raises(fastjsonschema.JsonSchemaValueException):
        validate({"title": "x", "owner": "risk", "risk_tier": "extreme", "versions": {}})
    assert compiled.validator("models", "model", False, FORMATS) is not None
    assert str(FOLDER).startswith(str(ENGINE))
