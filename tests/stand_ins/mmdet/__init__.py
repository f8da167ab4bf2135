"""A stand-in for mmdet (see tests/stand_ins/openmmlab_stand_in.py)."""
