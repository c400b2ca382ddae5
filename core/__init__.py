"""The framework-free base every app stands on: domain errors with stable codes."""
