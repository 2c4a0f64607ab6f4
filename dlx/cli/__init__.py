"""The command line: one command per file; commands parse, call the library and report."""
