"""GitHub: the Actions run, the REST client, and pull-request reviews checked against claims."""
