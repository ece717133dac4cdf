"""Front doors: the HTTP app, the web page and the command line."""
