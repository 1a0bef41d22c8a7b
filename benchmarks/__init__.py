"""`make bench`: speed and memory, printed as tables with ratios measured in one run."""
