"""Analysis of a plan: the independent verifier (it shares no code with the
model) and the explanation of what binds."""
