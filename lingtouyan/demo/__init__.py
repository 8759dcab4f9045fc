"""The classroom demonstration: a Mesa SolaraViz page where a class moves the levers of 一定三有.

``sim-demo`` serves :mod:`lingtouyan.demo.app`; :mod:`lingtouyan.demo.model`
is the model it runs, :mod:`lingtouyan.demo.state` the one module that reads
the model's internals, :mod:`lingtouyan.demo.charts` the pictures,
:mod:`lingtouyan.demo.presets` the named lever sets and
:mod:`lingtouyan.demo.labels` the words in Chinese and English.
"""
