"""Configuration: the scripts' schema, checks and loading; settings; data paths."""
