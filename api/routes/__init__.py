"""HTTP routes, one module per resource; each only translates between HTTP and the domain."""
