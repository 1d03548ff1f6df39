"""Monitoring: the ledger of runs, the `charter monitor` command, KPI observations."""
