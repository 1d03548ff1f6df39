"""Evidence: what the artifacts and data show, measured rather than claimed.

Integrity of artifacts and datasets, metrics recomputed on the declared hold-out data, the
production champion on the same data, fairness across sensitive groups, drift between the
training and the live data, permutation importance and the scikit-learn environment.

Nothing here imports pandas, scikit-learn or scipy at module import time: `charter check`
pays for them only when evidence is computed.
"""
