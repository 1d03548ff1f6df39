"""Git, the revisions read through it, and the content-addressed cache."""
