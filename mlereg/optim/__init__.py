"""Optimisation: the damped Newton loop, numerical derivatives, bounded parameters and
penalties. Plain numpy in and out; no statistics."""
