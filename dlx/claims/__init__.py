"""The lecture's claims as experiments: a catalog of claim files, a runner and one report (``dlx claims``)."""
