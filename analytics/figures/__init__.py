"""The governors figures: one core for a scope, the disclosure rule, and its interval audit."""
