"""Input: the instance file's schema and field types, its checks, the safe YAML
reader, the uncertainty and scenarios sections, and the instance generator."""
