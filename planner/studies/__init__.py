"""Studies: many solves of one instance (sweeps, Monte Carlo risk, the robust
model, cost-capacity frontiers), locally or on a Dask cluster."""
