"""The catalogue: typed models of the YAML configuration, its loader and static guardrails."""
