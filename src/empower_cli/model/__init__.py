"""The CP-SAT counting model, one module per rule family.

`build.build` wires them: each family adds its constraints to the shared CountVars, and balance
returns the objective terms. A new rule is a new module here plus its check in validate.py.

This package imports nothing itself, so that `kinds` and the other pure modules load without
OR-Tools: a cohort whose greedy start is already perfectly balanced needs no model at all.
"""
