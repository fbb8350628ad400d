"""Runnable PyTorch reproductions of classic training methods, each linked to its paper.

This package never imports ``feedhub``; feedhub finds reproductions through :mod:`reproductions.registry`.
"""
