"""The conversations of one app run, between the views (ui, later the local API) and the engine and store."""
