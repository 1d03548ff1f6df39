"""PDF reports: model dossiers, the change report, the inventory and the lineage."""
