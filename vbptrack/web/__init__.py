"""Web pages: one blueprint per business area, thin views over the services."""
