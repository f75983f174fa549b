"""Services: load rows, call the domain, persist; they own the transactions."""
