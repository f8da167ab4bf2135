"""A stand-in for mmseg (see tests/stand_ins/openmmlab_stand_in.py)."""
