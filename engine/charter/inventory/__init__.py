"""The inventory as data: entities, their integrity, a snapshot of one revision, and the
change between two."""
