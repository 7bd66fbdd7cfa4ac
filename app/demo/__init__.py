"""A demo station full of believable cases, for trying the program and for benchmarks."""

from app.demo.generator import DEMO_PASSWORD, DEMO_USER, create_demo_station, generate_demo

__all__ = ["DEMO_PASSWORD", "DEMO_USER", "create_demo_station", "generate_demo"]
