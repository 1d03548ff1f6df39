"""Unit tests for policies: fixtures, the result each rule must give, and rule coverage."""
