"""Tests of sbs: one file per module."""
