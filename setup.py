"""The optional C part (triton_docker_migrate/_speedups.c): without a compiler the install goes on
and the same code runs in Python (triton_docker_migrate/textscan.py)."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("triton_docker_migrate._speedups", ["triton_docker_migrate/_speedups.c"],
                             optional=True),
                   # the reserve a MemoryError unwinds with (triton_docker_migrate/reserve.py)
                   Extension("triton_docker_migrate._reserve", ["triton_docker_migrate/_reserve.c"],
                             optional=True)])
