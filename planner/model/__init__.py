"""The mixed-integer model of docs/model.md, one module per constraint family."""

from planner.model.build import build_model
from planner.model.data import ModelData, prepare

__all__ = ["ModelData", "build_model", "prepare"]
