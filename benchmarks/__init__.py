"""Benchmarks of dlx (not tests): ``python -m benchmarks`` runs the suite of ``benchmarks/suite.py``."""
