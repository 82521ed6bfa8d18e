"""The rendered course and the notebooks' upkeep: render, navigation cells, output hygiene."""
