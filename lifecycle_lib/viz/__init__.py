"""Figures with one look (:mod:`~lifecycle_lib.viz.plots`) and the explorers built on them
(:mod:`~lifecycle_lib.viz.widgets`). Imports the analytics layer and below.
"""
