"""Solving: the options, the hand-over to HiGHS, the staged loop, the session
that builds a model once and re-solves it, what-if edits, and the diagnosis
of an infeasible instance."""
