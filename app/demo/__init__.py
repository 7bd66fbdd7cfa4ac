"""A demo station full of believable cases, for trying the program and for benchmarks."""

from app.demo.generator import generate_demo

__all__ = ["generate_demo"]
