"SCJD: sparse correlation and joint distillation for efficient 3D human pose estimation."
__version__ = "0.1.0"
