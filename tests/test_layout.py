"""Which paths belong to a split inventory, and which would be refused."""

from charter.layout import classify, entity_file_path, is_inventory_path


def test_entity_files_are_named_by_their_stem() -> None:
    found = classify("models/credit-default.yaml")
    assert found is not None and found.problem is None
    assert (found.section, found.name) == ("models", "credit-default")
    assert entity_file_path("datasets", "raw-loans") == "datasets/raw-loans.yaml"


def test_files_that_could_hide_part_of_the_inventory_are_refused() -> None:
    for path in ("models/a.yml", "models/team/a.yaml", "datasets/Upper.yaml", "models/.x.yaml",
                 "models/a.YAML", "models/a\n.yaml"):
        found = classify(path)
        assert found is not None and found.problem, path


def test_other_paths_are_not_inventory() -> None:
    assert is_inventory_path("models.yaml")
    assert not is_inventory_path("examples/models/a.yaml")
    assert not is_inventory_path("policies/rules.yaml")
    assert classify("models.yaml") is None
    # artifacts and data kept beside the records are not records
    assert classify("models/credit-1.0.0.skops") is None
    assert classify("datasets/loans/2024-06.csv") is None
