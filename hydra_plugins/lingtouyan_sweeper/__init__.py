"""Lingtouyan's Hydra sweeper: grid, Latin-hypercube, Sobol and table designs, parameter draws."""
