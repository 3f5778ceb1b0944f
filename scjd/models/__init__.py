"The networks: PoseFormer (the teacher and the student's backbone, `03_poseformer`) and the SCJD student (`06_temporal_and_student`)."
# This file only gathers the names of the modules below (they are written by nbdev-export from the notebooks).
from .poseformer import *
from .student import *
