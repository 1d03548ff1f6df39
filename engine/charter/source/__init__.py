"""YAML read with the position of every node: the parser, the cutter into segments, the schemas."""
