"""Pure business rules: standard library, decimal and dateutil only.

Nothing here reads the clock, the configuration or the database; `as_of`, terms and
policies are arguments, so every rule can be tested with a table of cases.
"""
