"""A stand-in for mmpretrain (see tests/stand_ins/openmmlab_stand_in.py)."""
