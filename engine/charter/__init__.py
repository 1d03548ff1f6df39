"""Charter: a GitOps policy-and-audit engine for machine-learning models."""

__version__ = "0.1.0"
